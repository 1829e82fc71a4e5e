"""Inference presets attached to weights enums (``Weights.transforms()``)."""
from __future__ import annotations

from typing import Optional, Tuple

from ... import nn
from ..._tensor import Tensor
from . import functional as F
from .functional import InterpolationMode

__all__ = ["ImageClassification"]


class ImageClassification(nn.Module):
    """Resize, center-crop, scale to [0, 1] floats and normalize: the ImageNet eval preprocessing."""

    def __init__(self, *, crop_size: int, resize_size: int = 256,
                 mean: Tuple[float, ...] = (0.485, 0.456, 0.406), std: Tuple[float, ...] = (0.229, 0.224, 0.225),
                 interpolation: InterpolationMode = InterpolationMode.BILINEAR,
                 antialias: Optional[bool] = True) -> None:
        super().__init__()
        self.crop_size = [crop_size]
        self.resize_size = [resize_size]
        self.mean = list(mean)
        self.std = list(std)
        self.interpolation = interpolation
        self.antialias = antialias

    def forward(self, img) -> Tensor:
        import ember
        img = F.resize(img, self.resize_size, interpolation=self.interpolation, antialias=self.antialias)
        img = F.center_crop(img, self.crop_size)
        if not isinstance(img, Tensor):
            img = F.pil_to_tensor(img)
        img = F.convert_image_dtype(img, ember.float)
        return F.normalize(img, mean=self.mean, std=self.std)

    def __repr__(self) -> str:
        s = self.__class__.__name__ + "("
        s += f"\n    crop_size={self.crop_size}"
        s += f"\n    resize_size={self.resize_size}"
        s += f"\n    mean={self.mean}"
        s += f"\n    std={self.std}"
        s += f"\n    interpolation={self.interpolation}"
        s += "\n)"
        return s

    def describe(self) -> str:
        return (f"Accepts ``PIL.Image``, batched ``(B, C, H, W)`` and single ``(C, H, W)`` image "
                f"``torch.Tensor`` objects. The images are resized to ``resize_size={self.resize_size}`` using "
                f"``interpolation={self.interpolation}``, followed by a central crop of "
                f"``crop_size={self.crop_size}``. Finally the values are first rescaled to ``[0.0, 1.0]`` and "
                f"then normalized using ``mean={self.mean}`` and ``std={self.std}``.")
