"""The safetensors format, written from its spec (no dependency on the ``safetensors`` package).

Layout: an 8-byte little-endian header length N, N bytes of JSON (``{name: {"dtype", "shape",
"data_offsets": [begin, end]}, "__metadata__": {str: str}}``, space-padded to a multiple of 8),
then the raw little-endian row-major tensor bytes, offsets relative to the end of the header.
"""
from __future__ import annotations

import json
import os
import struct
import sys
from typing import Dict, Optional

import numpy as np

from . import _dtype as D

_CODES = {
    "bool": "BOOL", "uint8": "U8", "int8": "I8", "int16": "I16", "uint16": "U16", "float16": "F16",
    "bfloat16": "BF16", "int32": "I32", "uint32": "U32", "float32": "F32", "float64": "F64",
    "int64": "I64", "uint64": "U64", "complex64": "C64",
}
_FROM_CODE = {v: k for k, v in _CODES.items()}
_MAX_HEADER = 100_000_000


def _host_array(value, name: str) -> np.ndarray:
    from ._tensor import Tensor
    if isinstance(value, Tensor):
        arr = value._data
    elif isinstance(value, np.ndarray):
        arr = value
    else:
        raise TypeError(f"save_safetensors: value for {name!r} must be a Tensor, got {type(value).__name__}")
    if not isinstance(arr, np.ndarray):
        arr = arr.get()
    return arr if arr.flags.c_contiguous else arr.copy(order="C")


def save_safetensors(tensors: Dict[str, object], path, metadata: Optional[Dict[str, str]] = None) -> None:
    """Write a dict of tensors to ``path`` in the safetensors format."""
    from ._serialization_save import atomic_write
    if not isinstance(tensors, dict):
        raise TypeError(f"save_safetensors expects a dict of tensors, got {type(tensors).__name__}")
    if metadata is not None and (not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise TypeError("safetensors metadata must be a dict of str to str")
    arrays = {}
    for name, value in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"safetensors keys must be str, got {type(name).__name__}")
        if name == "__metadata__":
            raise ValueError("'__metadata__' is reserved in safetensors files")
        arr = _host_array(value, name)
        dname = D.from_np(arr.dtype).name
        if dname not in _CODES:
            raise ValueError(f"safetensors cannot store dtype torch.{dname} (tensor {name!r})")
        if sys.byteorder != "little" and arr.dtype.itemsize > 1:
            arr = arr.byteswap()
        arrays[name] = (arr, _CODES[dname])
    # safetensors' own writer orders by alignment (largest itemsize first), then by name
    order = sorted(arrays, key=lambda n: (-arrays[n][0].dtype.itemsize, n))
    header: Dict[str, object] = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    offset = 0
    for name in order:
        arr, code = arrays[name]
        header[name] = {"dtype": code, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * ((-len(blob)) % 8)

    def write(fh):
        fh.write(struct.pack("<Q", len(blob)))
        fh.write(blob)
        for name in order:
            arr = arrays[name][0]
            if arr.nbytes:
                fh.write(arr.reshape(-1).view(np.uint8) if arr.dtype != D.bfloat16.np
                         else arr.reshape(-1).view(np.uint16).view(np.uint8))

    atomic_write(path, write)


def _read_header(fh, size: int):
    head = fh.read(8)
    if len(head) != 8:
        raise ValueError("safetensors file too small: no header length")
    n = struct.unpack("<Q", head)[0]
    if n > _MAX_HEADER or n + 8 > size:
        raise ValueError(f"safetensors header length {n} is invalid for a file of {size} bytes")
    try:
        header = json.loads(fh.read(n).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"safetensors header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise ValueError("safetensors header must be a JSON object")
    return header, 8 + n


def _entries(header: dict, data_size: int):
    entries = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(info, dict):
            raise ValueError(f"safetensors entry {name!r} is not an object")
        code, shape, offs = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if code not in _FROM_CODE:
            raise ValueError(f"safetensors entry {name!r}: unsupported dtype {code!r}")
        if not isinstance(shape, list) or not all(type(s) is int and s >= 0 for s in shape):
            raise ValueError(f"safetensors entry {name!r}: invalid shape {shape!r}")
        if (not isinstance(offs, list) or len(offs) != 2 or not all(type(o) is int for o in offs)
                or not 0 <= offs[0] <= offs[1] <= data_size):
            raise ValueError(f"safetensors entry {name!r}: invalid data_offsets {offs!r}")
        dt = D._BY_NAME[_FROM_CODE[code]]
        numel = 1
        for s in shape:
            numel *= s
        if numel * dt.itemsize != offs[1] - offs[0]:
            raise ValueError(f"safetensors entry {name!r}: shape {shape} of {code} needs "
                             f"{numel * dt.itemsize} bytes, data_offsets span {offs[1] - offs[0]}")
        entries.append((offs[0], offs[1], name, dt, tuple(shape)))
    entries.sort()
    pos = 0
    for begin, end, name, _, _ in entries:  # the spec forbids holes and overlaps
        if begin != pos:
            raise ValueError(f"safetensors entry {name!r} does not start where the previous one ended")
        pos = end
    if pos != data_size:
        raise ValueError("safetensors data section has trailing bytes not covered by any tensor")
    return entries


def load_safetensors(path, device: str = "cpu") -> Dict[str, object]:
    """Read a safetensors file into a dict of ember tensors (each with its own storage)."""
    from ._tensor import _wrap
    with open(os.fspath(path), "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        header, start = _read_header(fh, size)
        out = {}
        for begin, end, name, dt, shape in _entries(header, size - start):
            raw = np.empty(end - begin, np.uint8)
            fh.seek(start + begin)
            if fh.readinto(memoryview(raw)) != raw.size:
                raise ValueError(f"safetensors file truncated in tensor {name!r}")
            arr = raw.view(np.uint16).view(dt.np) if dt is D.bfloat16 else raw.view(dt.np)
            if sys.byteorder != "little" and dt.itemsize > 1:
                arr = arr.byteswap()
            t = _wrap(arr.reshape(shape))
            out[name] = t if str(device) == "cpu" else t.to(device)
    return out


def safetensors_metadata(path) -> Optional[Dict[str, str]]:
    """The ``__metadata__`` dict of a safetensors file (None when absent)."""
    with open(os.fspath(path), "rb") as fh:
        header, _ = _read_header(fh, os.fstat(fh.fileno()).st_size)
    return header.get("__metadata__")
