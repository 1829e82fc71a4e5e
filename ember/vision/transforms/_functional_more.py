"""More of torchvision.transforms.functional: five/ten crop, affine, and the pixel operations
used by auto-augmentation policies (solarize, posterize, autocontrast, sharpness, equalize)."""
from __future__ import annotations

import numbers
from typing import List, Optional, Sequence

import numpy as np

from ..._tensor import Tensor, _wrap
from . import _tensor as F_t

try:
    from PIL import Image, ImageEnhance, ImageOps
except ImportError:  # pragma: no cover - Pillow is the `vision` extra
    Image = ImageEnhance = ImageOps = None

__all__ = ["five_crop", "ten_crop", "affine", "solarize", "posterize", "autocontrast",
           "adjust_sharpness", "equalize"]


def _F():
    from . import functional
    return functional


def five_crop(img, size):
    """The four corner crops and the center crop of ``size``."""
    F = _F()
    if isinstance(size, numbers.Number):
        size = (int(size), int(size))
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (size[0], size[0])
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    _, image_height, image_width = F.get_dimensions(img)
    crop_height, crop_width = size
    if crop_width > image_width or crop_height > image_height:
        raise ValueError(f"Requested crop size {size} is bigger than input size {(image_height, image_width)}")
    tl = F.crop(img, 0, 0, crop_height, crop_width)
    tr = F.crop(img, 0, image_width - crop_width, crop_height, crop_width)
    bl = F.crop(img, image_height - crop_height, 0, crop_height, crop_width)
    br = F.crop(img, image_height - crop_height, image_width - crop_width, crop_height, crop_width)
    center = F.center_crop(img, [crop_height, crop_width])
    return tl, tr, bl, br, center


def ten_crop(img, size, vertical_flip: bool = False):
    """five_crop of the image and of its horizontally (or vertically) flipped copy."""
    F = _F()
    if isinstance(size, numbers.Number):
        size = (int(size), int(size))
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (size[0], size[0])
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    first = five_crop(img, size)
    flipped = F.vflip(img) if vertical_flip else F.hflip(img)
    return first + five_crop(flipped, size)


def _check_affine_args(angle, translate, scale, shear):
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    if isinstance(shear, numbers.Number):
        shear = [shear, 0.0]
    if isinstance(shear, tuple):
        shear = list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    return [float(s) for s in shear]


def affine(img, angle: float, translate: List[int], scale: float, shear: List[float],
           interpolation=None, fill: Optional[List[float]] = None, center: Optional[List[int]] = None):
    """Rotate by ``angle``, translate, scale and shear, keeping the image size."""
    F = _F()
    if interpolation is None:
        interpolation = F.InterpolationMode.NEAREST
    interpolation = F._check_interp(interpolation)
    shear = _check_affine_args(angle, translate, scale, shear)
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    _, height, width = F.get_dimensions(img)
    if not isinstance(img, Tensor):
        # PIL's affine takes the inverse matrix about the top-left corner.
        c = [width * 0.5, height * 0.5] if center is None else list(center)
        matrix = F_t._inverse_affine(c, angle, [float(t) for t in translate], scale, shear)
        from . import _pil as F_pil
        return F_pil.affine(img, matrix=matrix, interpolation=F.pil_modes_mapping[interpolation], fill=fill)
    c = [0.0, 0.0] if center is None else [1.0 * (p - s * 0.5) for p, s in zip(center, [width, height])]
    matrix = F_t._inverse_affine(c, angle, [1.0 * t for t in translate], scale, shear)
    F_t._assert_image_tensor(img)
    return F_t._apply_affine(img, matrix, interpolation.value, fill)


# ---------------------------------------------------------------- pixel operations

def _need_pil(img):
    if Image is None or not isinstance(img, Image.Image):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def solarize(img, threshold: float):
    """Invert every pixel at or above ``threshold``."""
    if not isinstance(img, Tensor):
        _need_pil(img)
        return ImageOps.solarize(img, threshold)
    F_t._assert_image_tensor(img)
    a, xp = F_t._arr(img)
    if img.ndim >= 3 and img.shape[-3] not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found {img.shape[-3]}")
    if threshold > F_t._max_value(a.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    inverted = F_t.invert(img)._data
    return _wrap(xp.ascontiguousarray(xp.where(a >= threshold, inverted, a)))


def posterize(img, bits: int):
    """Keep the ``bits`` highest bits of each uint8 channel."""
    if not isinstance(img, Tensor):
        _need_pil(img)
        return ImageOps.posterize(img, bits)
    F_t._assert_image_tensor(img)
    a, xp = F_t._arr(img)
    if a.dtype != np.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    mask = np.uint8((0xFF << (8 - bits)) & 0xFF)
    return _wrap(a & mask)


def autocontrast(img):
    """Stretch each channel so its darkest pixel is black and its lightest white."""
    if not isinstance(img, Tensor):
        _need_pil(img)
        return ImageOps.autocontrast(img)
    F_t._assert_image_tensor(img)
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    a, xp = F_t._arr(img)
    bound = F_t._max_value(a.dtype)
    ft = np.dtype(a.dtype if a.dtype.kind == "f" else np.float32)
    x = a.astype(ft)
    lo = x.min(axis=(-2, -1), keepdims=True)
    hi = x.max(axis=(-2, -1), keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        # number / tensor is reciprocal-then-multiply in torch; the rounding shows in uint8 results.
        scale = (ft.type(1) / (hi - lo)) * ft.type(bound)
    flat = ~xp.isfinite(scale)
    lo = xp.where(flat, 0, lo).astype(ft)
    scale = xp.where(flat, 1, scale).astype(ft)
    out = xp.clip((x - lo) * scale, 0, bound)
    return _wrap(xp.ascontiguousarray(out.astype(a.dtype)))


def _blurred(a, xp):
    """The 3x3 smoothing PIL's sharpness filter blends against; the 1-pixel border is kept."""
    ft = np.dtype(a.dtype if a.dtype.kind == "f" else np.float32)
    x = a.astype(ft)
    k = np.ones((3, 3), dtype=np.float32)
    k[1, 1] = 5.0
    k /= k.sum()
    h, w = a.shape[-2:]
    acc = 0
    for i in range(3):
        for j in range(3):
            acc = acc + x[..., i:i + h - 2, j:j + w - 2] * ft.type(k[i, j])
    if a.dtype.kind != "f":
        acc = xp.round(acc)
    out = x.copy()
    out[..., 1:-1, 1:-1] = acc
    return out


def adjust_sharpness(img, sharpness_factor: float):
    """Blend with a smoothed copy: 0 gives the blurred image, 1 the original, 2 sharper."""
    if sharpness_factor < 0:
        raise ValueError(f"sharpness_factor ({sharpness_factor}) is not non-negative.")
    if not isinstance(img, Tensor):
        _need_pil(img)
        return ImageEnhance.Sharpness(img).enhance(sharpness_factor)
    F_t._assert_image_tensor(img)
    a, xp = F_t._arr(img)
    if a.shape[-1] <= 2 or a.shape[-2] <= 2:
        return img
    return _wrap(xp.ascontiguousarray(F_t._blend_arr(a, _blurred(a, xp), sharpness_factor, xp)))


def _equalize_channel(ch, xp):
    hist = xp.bincount(ch.reshape(-1).astype(np.int64), minlength=256)
    nonzero = hist[hist != 0]
    step = int(nonzero[:-1].sum()) // 255
    if step == 0:
        return ch
    lut = (xp.cumsum(hist) + step // 2) // step
    lut = xp.clip(xp.concatenate([xp.zeros(1, dtype=lut.dtype), lut[:-1]]), 0, 255)
    return lut[ch.astype(np.int64)].astype(np.uint8)


def equalize(img):
    """Histogram-equalize each channel of a uint8 image."""
    if not isinstance(img, Tensor):
        _need_pil(img)
        return ImageOps.equalize(img)
    F_t._assert_image_tensor(img)
    a, xp = F_t._arr(img)
    if a.dtype != np.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    flat = a.reshape((-1,) + a.shape[-2:])
    out = xp.stack([_equalize_channel(c, xp) for c in flat]).reshape(a.shape)
    return _wrap(xp.ascontiguousarray(out))
