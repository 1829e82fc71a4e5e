"""Grid-sampled geometry of torchvision.transforms.functional: perspective and elastic_transform.

Tensor images go through ``grid_sample`` (align_corners=False, zero padding) with an extra all-ones
channel that marks the pixels sampled from outside the image, which then take ``fill``.
"""
from __future__ import annotations

from typing import List, Optional

import numpy as np

import ember

from ..._tensor import Tensor

try:
    from PIL import Image
except ImportError:  # pragma: no cover - Pillow is the `vision` extra
    Image = None

__all__ = ["perspective", "elastic_transform"]


def _F():
    from . import functional
    return functional


def _get_perspective_coeffs(startpoints, endpoints) -> List[float]:
    """The 8 coefficients (a..h) with (x, y) -> ((ax+by+c)/(gx+hy+1), (dx+ey+f)/(gx+hy+1)) taking each
    end point to its start point, solved by least squares in float64 and rounded to float32."""
    if len(startpoints) != 4 or len(endpoints) != 4:
        raise ValueError(f"Please provide exactly four corners, got {len(startpoints)} startpoints and "
                         f"{len(endpoints)} endpoints.")
    rows = []
    for (ex, ey), (sx, sy) in zip(endpoints, startpoints):
        rows.append([ex, ey, 1, 0, 0, 0, -sx * ex, -sx * ey])
        rows.append([0, 0, 0, ex, ey, 1, -sy * ex, -sy * ey])
    a = np.array(rows, dtype=np.float64)
    b = np.array(startpoints, dtype=np.float64).reshape(8)
    sol = np.linalg.lstsq(a, b, rcond=None)[0]
    return [float(v) for v in sol.astype(np.float32)]


def _grid_transform(img: Tensor, grid: Tensor, mode: str, fill) -> Tensor:
    import ember.nn.functional as NF
    squeeze = img.ndim < 4
    x = img.unsqueeze(0) if squeeze else img
    out_dtype = x.dtype
    cast = out_dtype != grid.dtype
    if cast:
        x = x.to(grid.dtype)
    if x.shape[0] > 1:
        grid = grid.expand(x.shape[0], grid.shape[1], grid.shape[2], grid.shape[3])
    if fill is not None:
        x = ember.cat((x, ember.ones((x.shape[0], 1, x.shape[2], x.shape[3]), dtype=x.dtype)), dim=1)
    x = NF.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask = x[:, -1:, :, :]
        x = x[:, :-1, :, :]
        mask = mask.expand_as(x)
        fill_list = list(fill) if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = ember.tensor(fill_list, dtype=x.dtype).view(1, len(fill_list), 1, 1).expand_as(x)
        if mode == "nearest":
            x = ember.where(mask < 0.5, fill_img, x)
        else:
            x = x * mask + (1.0 - mask) * fill_img
    if squeeze:
        x = x.squeeze(0)
    if cast:
        if not out_dtype.is_floating_point:
            x = ember.round(x)
        x = x.to(out_dtype)
    return x


def _perspective_grid(coeffs: List[float], ow: int, oh: int, dtype) -> Tensor:
    # output pixel centres (x + 0.5, y + 0.5) mapped through the projective map, then to [-1, 1]
    xs = ember.linspace(0.5, ow - 0.5, ow).numpy()
    ys = ember.linspace(0.5, oh - 0.5, oh).numpy()
    base = np.empty((oh * ow, 3), dtype=np.float32)
    base[:, 0] = np.tile(xs, oh)
    base[:, 1] = np.repeat(ys, ow)
    base[:, 2] = 1.0
    c = np.array(coeffs, dtype=np.float32)
    theta1 = np.array([[c[0], c[1], c[2]], [c[3], c[4], c[5]]], dtype=np.float32).T
    theta1 = theta1 / np.array([0.5 * ow, 0.5 * oh], dtype=np.float32)
    theta2 = np.array([[c[6], c[7], 1.0], [c[6], c[7], 1.0]], dtype=np.float32).T
    grid = (base @ theta1) / (base @ theta2) - np.float32(1.0)
    return ember.tensor(grid.reshape(1, oh, ow, 2).astype(np.float32)).to(dtype)


def perspective(img, startpoints, endpoints, interpolation=None, fill: Optional[List[float]] = None):
    """Warp so that ``startpoints`` (the four corners) land on ``endpoints``."""
    F = _F()
    coeffs = _get_perspective_coeffs(startpoints, endpoints)
    if interpolation is None:
        interpolation = F.InterpolationMode.BILINEAR
    interpolation = F._check_interp(interpolation)
    if not isinstance(img, Tensor):
        from . import _pil as F_pil
        F_pil._need_pil(img)
        opts = F_pil._parse_fill(fill, img)
        return img.transform(img.size, Image.PERSPECTIVE, coeffs, F.pil_modes_mapping[interpolation], **opts)
    if interpolation.value not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{interpolation.value}' is unsupported with Tensor input")
    ow, oh = img.shape[-1], img.shape[-2]
    dtype = img.dtype if img.dtype.is_floating_point else ember.float32
    grid = _perspective_grid(coeffs, ow=ow, oh=oh, dtype=dtype)
    return _grid_transform(img, grid, interpolation.value, fill)


def elastic_transform(img, displacement: Tensor, interpolation=None, fill: Optional[List[float]] = None):
    """Sample the image at the identity grid plus ``displacement`` ([1, H, W, 2], in [-1, 1] units)."""
    F = _F()
    if interpolation is None:
        interpolation = F.InterpolationMode.BILINEAR
    interpolation = F._check_interp(interpolation)
    if not isinstance(displacement, Tensor):
        raise TypeError("Argument displacement should be a Tensor")
    t_img = img if isinstance(img, Tensor) else F.pil_to_tensor(img)
    shape = (1,) + tuple(t_img.shape[-2:]) + (2,)
    if tuple(displacement.shape) != shape:
        raise ValueError(f"Argument displacement shape should be {shape}, but given {tuple(displacement.shape)}")
    h, w = t_img.shape[-2], t_img.shape[-1]
    gy = ember.linspace((-h + 1) / h, (h - 1) / h, h)
    gx = ember.linspace((-w + 1) / w, (w - 1) / w, w)
    grid_y, grid_x = ember.meshgrid(gy, gx, indexing="ij")
    grid = ember.stack([grid_x, grid_y], -1).unsqueeze(0) + displacement
    out = _grid_transform(t_img, grid, interpolation.value, fill)
    if not isinstance(img, Tensor):
        return F.to_pil_image(out, mode=img.mode)
    return out
