"""``ember.vision.io``: decode images to uint8 CHW tensors (through Pillow)."""
from __future__ import annotations

import io as _io
from enum import Enum

import numpy as np

from .._tensor import Tensor, _wrap

__all__ = ["ImageReadMode", "read_file", "read_image", "decode_image", "decode_jpeg", "decode_png", "write_png",
           "write_jpeg"]


class ImageReadMode(Enum):
    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4


_MODES = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA", ImageReadMode.RGB: "RGB",
          ImageReadMode.RGB_ALPHA: "RGBA"}


def read_file(path: str) -> Tensor:
    """The raw bytes of a file as a 1-D uint8 tensor."""
    with open(path, "rb") as f:
        return _wrap(np.frombuffer(f.read(), dtype=np.uint8).copy())


def decode_image(input, mode: ImageReadMode = ImageReadMode.UNCHANGED, apply_exif_orientation: bool = False) -> Tensor:
    """Decode encoded image bytes (uint8 tensor) or a path into a uint8 (C, H, W) tensor."""
    from PIL import Image, ImageOps
    if isinstance(input, str):
        input = read_file(input)
    if isinstance(mode, str):
        mode = ImageReadMode[mode.upper()]
    data = input.numpy().tobytes() if isinstance(input, Tensor) else bytes(input)
    img = Image.open(_io.BytesIO(data))
    if apply_exif_orientation:
        img = ImageOps.exif_transpose(img)
    if mode != ImageReadMode.UNCHANGED:
        img = img.convert(_MODES[mode])
    elif img.mode not in ("L", "LA", "RGB", "RGBA", "I;16"):
        img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    arr = np.asarray(img)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return _wrap(np.ascontiguousarray(arr.transpose(2, 0, 1)))


decode_jpeg = decode_png = decode_image


def read_image(path: str, mode: ImageReadMode = ImageReadMode.UNCHANGED, apply_exif_orientation: bool = False) -> Tensor:
    """Read a JPEG/PNG/... file into a uint8 (C, H, W) tensor."""
    return decode_image(read_file(path), mode, apply_exif_orientation)


def _encode(input: Tensor, fmt: str, **kw) -> Tensor:
    from PIL import Image
    arr = input.numpy().transpose(1, 2, 0)
    if arr.shape[2] == 1:
        arr = arr[:, :, 0]
    buf = _io.BytesIO()
    Image.fromarray(arr).save(buf, format=fmt, **kw)
    return _wrap(np.frombuffer(buf.getvalue(), dtype=np.uint8).copy())


def write_png(input: Tensor, filename: str, compression_level: int = 6) -> None:
    """Write a uint8 (C, H, W) tensor as a PNG file."""
    with open(filename, "wb") as f:
        f.write(_encode(input, "PNG", compress_level=compression_level).numpy().tobytes())


def write_jpeg(input: Tensor, filename: str, quality: int = 75) -> None:
    """Write a uint8 (C, H, W) tensor as a JPEG file."""
    with open(filename, "wb") as f:
        f.write(_encode(input, "JPEG", quality=quality).numpy().tobytes())
