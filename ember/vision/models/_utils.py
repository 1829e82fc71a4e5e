"""Helpers shared by the model builders."""
from __future__ import annotations

from functools import partial
from typing import Any, Dict, Optional

from ..transforms._presets import ImageClassification
from ._meta import _IMAGENET_CATEGORIES

_COMMON_META: Dict[str, Any] = {"categories": _IMAGENET_CATEGORIES}


def _make_divisible(v: float, divisor: int, min_value: Optional[int] = None) -> int:
    """Round channel counts to a multiple of ``divisor`` without dropping more than 10%."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _cls_preset(crop_size: int = 224, resize_size: int = 256):
    return partial(ImageClassification, crop_size=crop_size, resize_size=resize_size)
