"""Devices and their array backends: NumPy for 'cpu', CuPy for 'cuda'.

Ops never name numpy directly; they ask for the array module of their input (``array_module``).
"""
from __future__ import annotations

import numpy as np

_cupy = None
_cupy_checked = False


def _get_cupy():
    """CuPy if it is installed and sees a GPU, else None (checked once)."""
    global _cupy, _cupy_checked
    if not _cupy_checked:
        _cupy_checked = True
        try:
            import cupy  # noqa: F401

            if cupy.cuda.runtime.getDeviceCount() > 0:
                _cupy = cupy
        except Exception:
            _cupy = None
    return _cupy


class device:
    """A place tensors live: ``device('cpu')``, ``device('cuda:0')``, ``device('cuda', 1)``."""

    __slots__ = ("type", "index")

    def __new__(cls, type, index=None):
        if isinstance(type, device):
            return type
        if isinstance(type, int):
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type!r})")
        import re
        if not re.fullmatch(r"[a-zA-Z_]+(:(0|[1-9][0-9]*))?", type):
            raise RuntimeError(f"Invalid device string: '{type}'")
        if ":" in type:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was "
                                   f"passed explicitly: {type}")
            type, _, idx = type.partition(":")
            try:
                index = int(idx)
            except ValueError:
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'") from None
        if type not in ("cpu", "cuda", "meta", "mps"):
            raise RuntimeError("Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, "
                               "ve, fpga, maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone "
                               f"device type at start of device string: {type}")
        key = (type, index)
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        self = object.__new__(cls)
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "index", index)
        _CACHE[key] = self
        return self

    def __setattr__(self, k, v):
        raise AttributeError("device is immutable")

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


_CACHE: dict = {}
CPU = device("cpu")


def to_device(d) -> device:
    """Normalise a device argument (str, int, device, None -> cpu); 'cuda' gets index 0."""
    if d is None:
        return CPU
    if d.__class__ is device:
        dev = d
    else:
        dev = device(d)
    if dev.type == "cuda" and dev.index is None:
        dev = device("cuda", 0)
    return dev


def array_module_for(dev: device):
    """The array module (numpy / cupy) that holds data for a device."""
    if dev.type == "cpu":
        return np
    if dev.type == "cuda":
        cp = _get_cupy()
        if cp is None:
            raise RuntimeError("Torch not compiled with CUDA enabled: ember found no CUDA device "
                               "(CuPy is not installed or sees no GPU)")
        return cp
    raise RuntimeError(f"ember has no backend for device type '{dev.type}'")


def array_module(arr):
    """The array module of a backend array (numpy for ndarray, cupy for cupy arrays)."""
    if arr.__class__ is np.ndarray:
        return np
    cp = _get_cupy()
    if cp is not None and isinstance(arr, cp.ndarray):
        return cp
    return np


def device_of_array(arr) -> device:
    """The ember device holding a backend array."""
    if arr.__class__ is np.ndarray:
        return CPU
    cp = _get_cupy()
    if cp is not None and isinstance(arr, cp.ndarray):
        return device("cuda", arr.device.id)
    return CPU
