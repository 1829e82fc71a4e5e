"""Transform kernels for PIL images (the PIL path of torchvision.transforms.functional)."""
from __future__ import annotations

import numbers
from typing import Any, List, Optional, Tuple

import numpy as np

try:
    from PIL import Image, ImageEnhance, ImageOps
except ImportError:  # pragma: no cover - Pillow is the `vision` extra
    Image = ImageEnhance = ImageOps = None


def is_pil_image(img: Any) -> bool:
    """Whether img is a PIL image."""
    return Image is not None and isinstance(img, Image.Image)


def _need_pil(img: Any) -> None:
    if not is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def get_dimensions(img) -> List[int]:
    _need_pil(img)
    channels = len(img.getbands()) if hasattr(img, "getbands") else img.channels
    w, h = img.size
    return [channels, h, w]


def get_image_size(img) -> List[int]:
    _need_pil(img)
    return list(img.size)


def get_image_num_channels(img) -> int:
    _need_pil(img)
    return len(img.getbands())


def hflip(img):
    _need_pil(img)
    return img.transpose(Image.FLIP_LEFT_RIGHT)


def vflip(img):
    _need_pil(img)
    return img.transpose(Image.FLIP_TOP_BOTTOM)


def crop(img, top: int, left: int, height: int, width: int):
    _need_pil(img)
    return img.crop((left, top, left + width, top + height))


def resize(img, size: List[int], interpolation: int):
    """Resize to exactly ``size`` = [h, w] with PIL's filter (antialiased as PIL always is)."""
    _need_pil(img)
    if not (isinstance(size, list) and len(size) == 2):
        raise TypeError(f"Got inappropriate size arg: {size}")
    return img.resize(tuple(size[::-1]), interpolation)


def _parse_fill(fill, img, name: str = "fillcolor"):
    num_channels = get_image_num_channels(img)
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and num_channels > 1:
        fill = tuple([fill] * num_channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * num_channels
        elif len(fill) != num_channels:
            raise ValueError(f"The number of elements in 'fill' does not match the number of channels of "
                             f"the image ({len(fill)} != {num_channels})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, (list, tuple)) else int(fill)
    return {name: fill}


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    _need_pil(img)
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, list):
        padding = tuple(padding)
    if isinstance(padding, tuple) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} "
                         f"element tuple")
    if isinstance(padding, tuple) and len(padding) == 1:
        padding = padding[0]
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if isinstance(padding, numbers.Number):
        pl = pr = pt = pb = int(padding)
    elif len(padding) == 2:
        pl = pr = int(padding[0])
        pt = pb = int(padding[1])
    else:
        pl, pt, pr, pb = (int(p) for p in padding)
    if padding_mode == "constant":
        opts = _parse_fill(fill, img, name="fill")
        if img.mode == "P":
            palette = img.getpalette()
            out = ImageOps.expand(img, border=(pl, pt, pr, pb), **opts)
            out.putpalette(palette)
            return out
        return ImageOps.expand(img, border=(pl, pt, pr, pb), **opts)
    # Negative padding crops; numpy's pad does the rest.
    if min(pl, pt, pr, pb) < 0:
        w, h = img.size
        img = img.crop((-min(pl, 0), -min(pt, 0), w + min(pr, 0), h + min(pb, 0)))
        pl, pt, pr, pb = max(pl, 0), max(pt, 0), max(pr, 0), max(pb, 0)
    palette = img.getpalette() if img.mode == "P" else None
    arr = np.asarray(img)
    widths = ((pt, pb), (pl, pr)) + (((0, 0),) if arr.ndim == 3 else ())
    arr = np.pad(arr, widths, mode=padding_mode)
    out = Image.fromarray(arr, mode=img.mode) if img.mode in ("L", "RGB", "RGBA", "P") else Image.fromarray(arr)
    if palette is not None:
        out.putpalette(palette)
    return out


def adjust_brightness(img, brightness_factor: float):
    _need_pil(img)
    return ImageEnhance.Brightness(img).enhance(brightness_factor)


def adjust_contrast(img, contrast_factor: float):
    _need_pil(img)
    return ImageEnhance.Contrast(img).enhance(contrast_factor)


def adjust_saturation(img, saturation_factor: float):
    _need_pil(img)
    return ImageEnhance.Color(img).enhance(saturation_factor)


def adjust_hue(img, hue_factor: float):
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _need_pil(img)
    input_mode = img.mode
    if input_mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    np_h = np.array(h, dtype=np.uint8)
    # Hue is an angle stored in uint8: shifting wraps around modulo 256.
    with np.errstate(over="ignore"):
        np_h += np.array(np.int8(int(hue_factor * 255))).view(np.uint8)
    h = Image.fromarray(np_h, "L")
    return Image.merge("HSV", (h, s, v)).convert(input_mode)


def adjust_gamma(img, gamma: float, gain: float = 1.0):
    _need_pil(img)
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    input_mode = img.mode
    img = img.convert("RGB")
    gamma_map = [int((255 + 1 - 1e-3) * gain * pow(ele / 255.0, gamma)) for ele in range(256)] * 3
    return img.point(gamma_map).convert(input_mode)


def to_grayscale(img, num_output_channels: int = 1):
    _need_pil(img)
    if num_output_channels == 1:
        return img.convert("L")
    if num_output_channels == 3:
        np_img = np.array(img.convert("L"), dtype=np.uint8)
        return Image.fromarray(np.dstack([np_img, np_img, np_img]), "RGB")
    raise ValueError("num_output_channels should be either 1 or 3")


def invert(img):
    _need_pil(img)
    return ImageOps.invert(img)


def rotate(img, angle: float, interpolation: int = 0, expand: bool = False,
           center: Optional[Tuple[int, int]] = None, fill=None):
    _need_pil(img)
    opts = _parse_fill(fill, img)
    return img.rotate(angle, interpolation, expand, center, **opts)


def affine(img, matrix: List[float], interpolation: int = 0, fill=None):
    _need_pil(img)
    output_size = img.size
    opts = _parse_fill(fill, img)
    return img.transform(output_size, Image.AFFINE, matrix, interpolation, **opts)
