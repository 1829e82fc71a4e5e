"""``ember.vision.utils``: ``make_grid`` and ``save_image``."""
from __future__ import annotations

import math
from typing import List, Optional, Tuple, Union

import numpy as np

import ember

from .._tensor import Tensor, _wrap

__all__ = ["make_grid", "save_image"]


def make_grid(tensor: Union[Tensor, List[Tensor]], nrow: int = 8, padding: int = 2, normalize: bool = False,
              value_range: Optional[Tuple[int, int]] = None, scale_each: bool = False,
              pad_value: float = 0.0) -> Tensor:
    """Tile a batch (B, C, H, W) into one image with ``nrow`` images per row."""
    if not (isinstance(tensor, Tensor) or (isinstance(tensor, list) and all(isinstance(t, Tensor) for t in tensor))):
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if isinstance(tensor, list):
        tensor = ember.stack(tensor, dim=0)
    if tensor.dim() == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:
        if tensor.size(0) == 1:
            tensor = ember.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:
        tensor = ember.cat((tensor, tensor, tensor), 1)
    a = tensor.detach().numpy().copy()
    if normalize:
        def norm(x, low, high):
            np.clip(x, low, high, out=x)
            x -= low
            x /= max(high - low, 1e-5)
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        if scale_each:
            for x in a:
                norm(x, *(value_range if value_range is not None else (float(x.min()), float(x.max()))))
        else:
            norm(a, *(value_range if value_range is not None else (float(a.min()), float(a.max()))))
    if a.shape[0] == 1:
        return _wrap(np.ascontiguousarray(a[0]))
    nmaps = a.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = a.shape[2] + padding, a.shape[3] + padding
    grid = np.full((a.shape[1], height * ymaps + padding, width * xmaps + padding), pad_value, dtype=a.dtype)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            grid[:, y * height + padding:(y + 1) * height, x * width + padding:(x + 1) * width] = a[k]
            k += 1
    return _wrap(grid)


def save_image(tensor: Union[Tensor, List[Tensor]], fp, format: Optional[str] = None, **kwargs) -> None:
    """Save a tensor (or a grid of a batch) as an image file; values in [0, 1]."""
    from PIL import Image
    grid = make_grid(tensor, **kwargs).numpy()
    ndarr = np.clip(grid * 255 + 0.5, 0, 255).transpose(1, 2, 0).astype(np.uint8)
    Image.fromarray(ndarr).save(fp, format=format)
