"""Transform kernels for image tensors ``[..., C, H, W]`` (torchvision's tensor path).

Kernels compute on the tensor's backend array (NumPy or CuPy) and wrap the result; they are not
differentiable, except ``normalize``, which is written in ember ops as torchvision's is.
"""
from __future__ import annotations

import math
from typing import List, Optional, Sequence

import numpy as np

from ..._device import array_module
from ..._tensor import Tensor, _wrap

_INT_MAX = {np.dtype(np.uint8): 255, np.dtype(np.int8): 127, np.dtype(np.int16): 32767,
            np.dtype(np.uint16): 65535, np.dtype(np.int32): 2 ** 31 - 1, np.dtype(np.int64): 2 ** 63 - 1}


def _assert_image_tensor(img) -> None:
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    if img.ndim < 2:
        raise TypeError(f"Tensor is not a torch image. Got {img.ndim}D tensor")


def _arr(img):
    a = img._data
    return a, array_module(a)


def _max_value(dt) -> float:
    dt = np.dtype(dt)
    if dt.kind == "f":
        return 1.0
    if dt.kind == "b":
        return 1
    return _INT_MAX[dt]


def get_dimensions(img) -> List[int]:
    _assert_image_tensor(img)
    channels = 1 if img.ndim == 2 else img.shape[-3]
    return [channels, img.shape[-2], img.shape[-1]]


def get_image_size(img) -> List[int]:
    _assert_image_tensor(img)
    return [img.shape[-1], img.shape[-2]]


def hflip(img):
    _assert_image_tensor(img)
    return img.flip(-1)


def vflip(img):
    _assert_image_tensor(img)
    return img.flip(-2)


def crop(img, top: int, left: int, height: int, width: int):
    _assert_image_tensor(img)
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        # Out-of-image parts of the crop are zero-filled.
        pads = [max(-left, 0), max(-top, 0), max(right - w, 0), max(bottom - h, 0)]
        inner = img[..., max(top, 0):bottom, max(left, 0):right]
        return pad(inner, pads, fill=0)
    return img[..., top:bottom, left:right]


# ---------------------------------------------------------------- resampling

def _cubic(x, a):
    x = np.abs(x)
    return np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0.0))


def _weights(in_size: int, out_size: int, mode: str, antialias: bool) -> np.ndarray:
    """The (out, in) matrix that resamples one axis, as torch's interpolate computes it."""
    scale = in_size / out_size
    w = np.zeros((out_size, in_size), dtype=np.float64)
    idx = np.arange(out_size)
    if mode in ("nearest", "nearest-exact"):
        off = 0.5 if mode == "nearest-exact" else 0.0
        src = np.minimum(np.floor((idx + off) * scale).astype(np.int64), in_size - 1)
        w[idx, src] = 1.0
        return w
    if antialias and scale > 1.0 or (antialias and mode == "bicubic"):
        # Separable filter whose support widens with the downscale factor (PIL's algorithm).
        support = (1.0 if mode == "bilinear" else 2.0) * max(scale, 1.0)
        inv = 1.0 / scale if scale >= 1.0 else 1.0
        for i in range(out_size):
            center = scale * (i + 0.5)
            xmin = max(int(center - support + 0.5), 0)
            xmax = min(int(center + support + 0.5), in_size)
            x = (np.arange(xmin, xmax) - center + 0.5) * inv
            k = np.maximum(0.0, 1.0 - np.abs(x)) if mode == "bilinear" else _cubic(x, -0.5)
            total = k.sum()
            w[i, xmin:xmax] = k / total if total != 0 else k
        return w
    src = (idx + 0.5) * scale - 0.5
    if mode == "bilinear":
        src = np.maximum(src, 0.0)
        i0 = np.floor(src).astype(np.int64)
        i0 = np.minimum(i0, in_size - 1)
        i1 = np.minimum(i0 + 1, in_size - 1)
        lam = src - i0
        np.add.at(w, (idx, i0), 1.0 - lam)
        np.add.at(w, (idx, i1), lam)
        return w
    # bicubic, no antialias: 4 taps, A = -0.75, borders clamped.
    f = np.floor(src).astype(np.int64)
    t = src - f
    for k in range(-1, 3):
        coeff = _cubic(t - k, -0.75)
        np.add.at(w, (idx, np.clip(f + k, 0, in_size - 1)), coeff)
    return w


def resize(img, size: List[int], interpolation: str = "bilinear", antialias: Optional[bool] = True):
    """Resize the last two dims to exactly ``size`` = [h, w]."""
    _assert_image_tensor(img)
    if not (isinstance(size, (list, tuple)) and len(size) == 2):
        raise TypeError(f"Got inappropriate size arg: {size}")
    if antialias is None:
        antialias = False
    if antialias and interpolation not in ("bilinear", "bicubic"):
        antialias = False
    a, xp = _arr(img)
    out_h, out_w = int(size[0]), int(size[1])
    in_h, in_w = a.shape[-2], a.shape[-1]
    if (out_h, out_w) == (in_h, in_w):
        return img
    src_dt = a.dtype
    work = xp.float64 if src_dt == np.float64 else xp.float32
    wh = xp.asarray(_weights(in_h, out_h, interpolation, antialias), dtype=work)
    ww = xp.asarray(_weights(in_w, out_w, interpolation, antialias), dtype=work)
    x = a.astype(work, copy=False)
    if interpolation in ("nearest", "nearest-exact"):
        rows = xp.asarray(np.argmax(_weights(in_h, out_h, interpolation, False), axis=1))
        cols = xp.asarray(np.argmax(_weights(in_w, out_w, interpolation, False), axis=1))
        return _wrap(xp.ascontiguousarray(a[..., rows, :][..., :, cols]))
    y = xp.matmul(xp.matmul(wh, x), ww.T)
    if src_dt.kind in "iu":
        if interpolation == "bicubic" and src_dt == np.uint8:
            y = xp.clip(y, 0, 255)
        y = xp.round(y)
    return _wrap(xp.ascontiguousarray(y.astype(src_dt)))


# ---------------------------------------------------------------- padding

def _parse_pad(padding) -> List[int]:
    if isinstance(padding, int):
        return [padding] * 4
    padding = list(padding)
    if len(padding) == 1:
        return padding * 4
    if len(padding) == 2:
        return [padding[0], padding[1], padding[0], padding[1]]
    if len(padding) == 4:
        return padding
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element "
                     f"tuple")


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad the last two dims; padding is int, [lr, tb] or [left, top, right, bottom]."""
    _assert_image_tensor(img)
    if fill is None:
        fill = 0
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (int, float)):
        raise TypeError("Got inappropriate fill arg")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    pl, pt, pr, pb = _parse_pad(padding)
    a, xp = _arr(img)
    # Negative padding crops.
    h, w = a.shape[-2], a.shape[-1]
    a = a[..., max(-pt, 0):h - max(-pb, 0), max(-pl, 0):w - max(-pr, 0)]
    pl, pt, pr, pb = max(pl, 0), max(pt, 0), max(pr, 0), max(pb, 0)
    widths = [(0, 0)] * (a.ndim - 2) + [(pt, pb), (pl, pr)]
    if padding_mode == "constant":
        out = xp.pad(a, widths, mode="constant", constant_values=fill)
    else:
        out = xp.pad(a, widths, mode=padding_mode)
    return _wrap(xp.ascontiguousarray(out))


# ---------------------------------------------------------------- color

def _gray_array(a, xp):
    r, g, b = a[..., 0, :, :], a[..., 1, :, :], a[..., 2, :, :]
    ft = a.dtype if a.dtype.kind == "f" else xp.float32
    return (0.2989 * r.astype(ft) + 0.587 * g.astype(ft) + 0.114 * b.astype(ft))


def rgb_to_grayscale(img, num_output_channels: int = 1):
    _assert_image_tensor(img)
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    c = get_dimensions(img)[0]
    if c not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found {c}")
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    a, xp = _arr(img)
    if c == 3:
        gray = _gray_array(a, xp).astype(a.dtype)[..., None, :, :]
    else:
        gray = a.copy()
    if num_output_channels == 3:
        gray = xp.broadcast_to(gray, gray.shape[:-3] + (3,) + gray.shape[-2:])
    return _wrap(xp.ascontiguousarray(gray))


def _blend_arr(a1, a2, ratio: float, xp):
    bound = _max_value(a1.dtype)
    ft = a1.dtype if a1.dtype.kind == "f" else xp.float32
    out = ratio * a1.astype(ft) + (1.0 - ratio) * a2
    out = xp.clip(out, 0, bound)
    return out.astype(a1.dtype)


def adjust_brightness(img, brightness_factor: float):
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    _assert_image_tensor(img)
    a, xp = _arr(img)
    return _wrap(_blend_arr(a, xp.zeros((), dtype=xp.float32), brightness_factor, xp))


def adjust_contrast(img, contrast_factor: float):
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    _assert_image_tensor(img)
    a, xp = _arr(img)
    c = get_dimensions(img)[0]
    ft = a.dtype if a.dtype.kind == "f" else xp.float32
    if c == 3:
        gray = _gray_array(a, xp).astype(a.dtype).astype(ft)
    else:
        gray = a.astype(ft)
    lead = gray.shape[:-2] if c == 3 else gray.shape[:-3]
    mean = gray.reshape(lead + (-1,)).mean(axis=-1)[..., None, None, None]
    return _wrap(_blend_arr(a, mean.astype(ft), contrast_factor, xp))


def adjust_saturation(img, saturation_factor: float):
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    _assert_image_tensor(img)
    if get_dimensions(img)[0] == 1:
        return img
    a, xp = _arr(img)
    ft = a.dtype if a.dtype.kind == "f" else xp.float32
    gray = _gray_array(a, xp).astype(a.dtype).astype(ft)[..., None, :, :]
    return _wrap(_blend_arr(a, gray, saturation_factor, xp))


def _rgb2hsv(a, xp):
    r, g, b = a[..., 0, :, :], a[..., 1, :, :], a[..., 2, :, :]
    maxc, minc = a.max(axis=-3), a.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    ones = xp.ones_like(maxc)
    s = cr / xp.where(eqc, ones, maxc)
    cr_div = xp.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / cr_div, (maxc - g) / cr_div, (maxc - b) / cr_div
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = xp.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return xp.stack((h, s, maxc), axis=-3)


def _hsv2rgb(a, xp):
    h, s, v = a[..., 0, :, :], a[..., 1, :, :], a[..., 2, :, :]
    i = xp.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(xp.int32) % 6
    p = xp.clip(v * (1.0 - s), 0.0, 1.0)
    q = xp.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = xp.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = [xp.select([i == k for k in range(6)], [ch[c] for ch in choices]) for c in range(3)]
    return xp.stack(out, axis=-3).astype(a.dtype)


def adjust_hue(img, hue_factor: float):
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _assert_image_tensor(img)
    if get_dimensions(img)[0] == 1:
        return img
    a, xp = _arr(img)
    orig = a.dtype
    x = a.astype(xp.float32) / 255.0 if orig == np.uint8 else a
    hsv = _rgb2hsv(x, xp)
    hsv[..., 0, :, :] = xp.fmod(hsv[..., 0, :, :] + hue_factor, 1.0)
    hsv[..., 0, :, :] = xp.where(hsv[..., 0, :, :] < 0, hsv[..., 0, :, :] + 1.0, hsv[..., 0, :, :])
    out = _hsv2rgb(hsv, xp)
    if orig == np.uint8:
        # Back to uint8 as convert_image_dtype does: scale by 256 - eps and truncate.
        out = (out * np.float32(255.0 + 1.0 - 1e-3)).astype(np.uint8)
    return _wrap(out)


def invert(img):
    _assert_image_tensor(img)
    a, xp = _arr(img)
    return _wrap(_max_value(a.dtype) - a if a.dtype.kind != "b" else ~a)


# ---------------------------------------------------------------- dtype

def convert_image_dtype(image, dtype):
    """Convert between image dtypes, rescaling values to the target's range."""
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    src, dst = np.dtype(image.dtype.np), np.dtype(dtype.np)
    if src == dst:
        return image
    a, xp = _arr(image)
    if src.kind == "f":
        if dst.kind == "f":
            return image.to(dtype)
        if (src == np.float32 and dst in (np.int32, np.int64)) or (src == np.float64 and dst == np.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        eps = 1e-3
        max_val = float(_max_value(dst))
        # float32 math as torch does it: (x * (max + 1 - eps)) truncated toward zero.
        return _wrap((a * src.type(max_val + 1.0 - eps)).astype(dst))
    input_max = float(_max_value(src))
    if dst.kind == "f":
        return _wrap(a.astype(dst) / dst.type(input_max))
    output_max = float(_max_value(dst))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return _wrap((a // factor).astype(dst))
    factor = int((output_max + 1) // (input_max + 1))
    return _wrap(a.astype(dst) * factor)


def normalize(tensor, mean: Sequence[float], std: Sequence[float], inplace: bool = False):
    """``(tensor - mean) / std`` per channel (broadcast over the last two dims)."""
    import ember
    _assert_image_tensor(tensor)
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {tuple(tensor.shape)}")
    if not inplace:
        tensor = tensor.clone()
    dtype, device = tensor.dtype, tensor.device
    mean_t = ember.as_tensor(mean, dtype=dtype, device=device)
    std_t = ember.as_tensor(std, dtype=dtype, device=device)
    if bool((std_t == 0).any()):
        raise ValueError(f"std evaluated to zero after conversion to {dtype}, leading to division by zero.")
    if mean_t.ndim == 1:
        mean_t = mean_t.view(-1, 1, 1)
    if std_t.ndim == 1:
        std_t = std_t.view(-1, 1, 1)
    return tensor.sub_(mean_t).div_(std_t)


# ---------------------------------------------------------------- blur and geometry

def _gaussian_kernel1d(ksize: int, sigma: float) -> np.ndarray:
    half = (ksize - 1) * 0.5
    x = np.linspace(-half, half, ksize, dtype=np.float32)
    pdf = np.exp(-0.5 * (x / np.float32(sigma)) ** 2)
    return (pdf / pdf.sum()).astype(np.float32)


def gaussian_blur(img, kernel_size: List[int], sigma: List[float]):
    """Separable Gaussian blur with reflect padding (as torchvision's tensor kernel)."""
    _assert_image_tensor(img)
    a, xp = _arr(img)
    kx = xp.asarray(_gaussian_kernel1d(kernel_size[0], sigma[0]))
    ky = xp.asarray(_gaussian_kernel1d(kernel_size[1], sigma[1]))
    ft = a.dtype if a.dtype.kind == "f" else xp.float32
    x = a.astype(ft)
    px, py = kernel_size[0] // 2, kernel_size[1] // 2
    widths = [(0, 0)] * (x.ndim - 2) + [(py, py), (px, px)]
    x = xp.pad(x, widths, mode="reflect")
    h, w = a.shape[-2], a.shape[-1]
    # 2-D kernel = outer(ky, kx): two 1-D passes give the same sums.
    tmp = sum(kx[j].astype(ft) * x[..., :, j:j + w] for j in range(kernel_size[0]))
    out = sum(ky[i].astype(ft) * tmp[..., i:i + h, :] for i in range(kernel_size[1]))
    if a.dtype.kind in "iu":
        out = xp.round(out)
    return _wrap(xp.ascontiguousarray(out.astype(a.dtype)))


def _inverse_affine(center, angle, translate, scale, shear) -> List[float]:
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [d, -b, 0.0, -c, a, 0.0]
    m = [x / scale for x in m]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return m


def rotate(img, angle: float, interpolation: str = "nearest", expand: bool = False,
           center: Optional[List[int]] = None, fill=None):
    """Rotate counter-clockwise by ``angle`` degrees about the center (inverse-mapped sampling)."""
    _assert_image_tensor(img)
    _, h, w = get_dimensions(img)
    c = [0.0, 0.0] if center is None else [float(center[0]) - w * 0.5, float(center[1]) - h * 0.5]
    m = _inverse_affine(c, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    out_size = _expanded_size(m, w, h) if expand else None
    return _apply_affine(img, m, interpolation, fill, out_size)


def _expanded_size(m, w: int, h: int):
    """(out_w, out_h) of the box holding the image corners mapped through the 2x3 matrix ``m``."""
    corners = np.array([[-0.5 * w, -0.5 * h], [-0.5 * w, 0.5 * h], [0.5 * w, 0.5 * h], [0.5 * w, -0.5 * h]])
    theta = np.array(m, dtype=np.float32).reshape(2, 3)
    pts = corners.astype(np.float32) @ theta[:, :2].T + theta[:, 2]
    # Measured in [0, w] x [0, h] coordinates (as PIL does), so odd sizes keep their extent.
    shift = np.array([0.5 * w, 0.5 * h], dtype=np.float32)
    # Cut the corners to 1e-4 first, so a rounding error like 32.00000001 does not ceil to 33.
    tol = 1e-4
    hi = np.ceil(np.trunc((pts.max(axis=0) + shift) / tol) * tol)
    lo = np.floor(np.trunc((pts.min(axis=0) + shift) / tol) * tol)
    size = hi - lo
    return int(size[0]), int(size[1])


def _affine_source_coords(m, w, h, ow, oh, dtype):
    """Source pixel coordinates of every output pixel, computed the way affine_grid and
    grid_sample(align_corners=False) do it, in the image's float dtype, so nearest-neighbour
    ties and bilinear weights round as torchvision's do."""
    ft = np.dtype(dtype)
    # Output pixel centres relative to the output's centre.
    xs = np.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, ow).astype(ft)
    ys = np.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, oh).astype(ft)
    theta = np.array(m, dtype=ft).reshape(2, 3)
    half = np.array([0.5 * w, 0.5 * h], dtype=ft)
    scaled = theta / half[:, None]  # maps to grid_sample's [-1, 1] coordinates of the input
    gx = xs[None, :] * scaled[0, 0] + ys[:, None] * scaled[0, 1] + scaled[0, 2]
    gy = xs[None, :] * scaled[1, 0] + ys[:, None] * scaled[1, 1] + scaled[1, 2]
    one, two = ft.type(1), ft.type(2)
    src_x = ((gx + one) * ft.type(w) - one) / two
    src_y = ((gy + one) * ft.type(h) - one) / two
    return src_x.astype(ft), src_y.astype(ft)


def _apply_affine(img, m, interpolation, fill, out_size=None):
    a, xp = _arr(img)
    h, w = a.shape[-2], a.shape[-1]
    ow, oh = (w, h) if out_size is None else out_size
    src_x, src_y = _affine_source_coords(m, w, h, ow, oh, a.dtype if a.dtype.kind == "f" else np.float32)
    ft = a.dtype if a.dtype.kind == "f" else np.float32
    x = a.astype(ft)
    fillv = 0.0 if fill is None else fill
    if interpolation == "nearest":
        # grid_sample's nearest rounds half to even.
        ix, iy = np.rint(src_x).astype(np.int64), np.rint(src_y).astype(np.int64)
        valid = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
        out = x[..., np.clip(iy, 0, h - 1), np.clip(ix, 0, w - 1)]
        out = xp.where(xp.asarray(valid), out, _fill_arr(fillv, a, xp))
    else:
        fx0, fy0 = np.floor(src_x), np.floor(src_y)
        x0, y0 = fx0.astype(np.int64), fy0.astype(np.int64)
        # Corner weights as grid_sample forms them: distances to the opposite corner.
        wx = ((fx0 + 1) - src_x, src_x - fx0)
        wy = ((fy0 + 1) - src_y, src_y - fy0)
        out = 0.0
        mask = 0.0
        for dy in (0, 1):
            for dx in (0, 1):
                xi, yi = x0 + dx, y0 + dy
                ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
                wgt = np.where(ok, wx[dx] * wy[dy], 0.0).astype(ft)
                out = out + x[..., np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)] * xp.asarray(wgt)
                mask = mask + wgt
        if fill is not None:
            mk = xp.asarray(mask.astype(ft))
            out = out * mk + (1.0 - mk) * _fill_arr(fillv, a, xp).astype(ft)
    if a.dtype.kind in "iu":
        out = xp.round(out)
    return _wrap(xp.ascontiguousarray(xp.asarray(out).astype(a.dtype)))


def _fill_arr(fill, a, xp):
    f = xp.asarray(fill if isinstance(fill, (list, tuple)) else [fill], dtype=a.dtype)
    return f.reshape(-1, 1, 1) if f.size > 1 else f.reshape(())
