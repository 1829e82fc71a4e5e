"""Copies and casts: clone, to (dtype/device), copy_, the dtype shortcuts (.float() ...)."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._device import array_module_for, device as _device_cls, to_device, CPU
from .._tensor import Tensor, _wrap
from ._function import Function, xp


class Clone(Function):
    @staticmethod
    def forward(ctx, x, order="K"):
        return x.copy(order=order)

    @staticmethod
    def backward(ctx, g):
        return g


def clone(input, *, memory_format=None):
    """A copy with its own storage (same strides for dense inputs, as torch's preserve_format)."""
    name = getattr(memory_format, "_name", "preserve_format")
    if name == "contiguous_format":
        order = "C"
    elif name == "channels_last" and input.dim() == 4:
        r = Clone.apply(input.permute(0, 2, 3, 1), order="C").permute(0, 3, 1, 2)
        return r
    else:
        order = "K" if _dense(input._data) else "C"
    r = Clone.apply(input, order=order)
    if input._names is not None:
        r._names = input._names
    return r


def _dense(a) -> bool:
    """Non-overlapping and without gaps (then torch's clone keeps the strides)."""
    if a.flags.c_contiguous or a.flags.f_contiguous:
        return True
    dims = sorted((abs(s), n) for s, n in zip(a.strides, a.shape) if n != 1)
    exp = a.itemsize
    for s, n in dims:
        if s != exp:
            return False
        exp *= n
    return all(s >= 0 for s in a.strides)


class ToCopy(Function):
    @staticmethod
    def forward(ctx, x, dtype=None, xpm=None):
        ctx.src = x.dtype
        if xpm is not None and xpm is not xp(x):
            x = xpm.asarray(x) if xpm is not np else x.get()
        if dtype is not None and x.dtype != dtype:
            if x.dtype.kind == "c" and dtype.kind != "c":
                x = x.real
            x = x.astype(dtype)
        elif xpm is None:
            x = x.copy()
        return x

    @staticmethod
    def backward(ctx, g):
        return g

    def name(self):
        return "ToCopyBackward0"


def _parse_to(args, kwargs):
    dtype = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    for a in args:
        if isinstance(a, D.dtype):
            dtype = a
        elif isinstance(a, (str, _device_cls, int)):
            dev = a
        elif isinstance(a, Tensor):
            dtype, dev = a.dtype, a.device
        elif isinstance(a, bool):
            copy = a
    if kwargs:
        raise TypeError(f"to() received an invalid combination of arguments: {sorted(kwargs)}")
    return dtype, dev, copy


def to(input, *args, **kwargs):
    """Cast and/or move; returns self when nothing changes (unless copy=True)."""
    dtype, dev, copy = _parse_to(args, dict(kwargs))
    if dtype is not None and not isinstance(dtype, D.dtype):
        raise TypeError(f"to() received an invalid combination of arguments - got dtype={dtype!r}")
    cur_dev = input.device
    new_dev = to_device(dev) if dev is not None else cur_dev
    same_dtype = dtype is None or dtype is input.dtype
    if same_dtype and new_dev == cur_dev and not copy:
        return input
    xpm = array_module_for(new_dev) if new_dev != cur_dev else None
    r = ToCopy.apply(input, dtype=None if same_dtype else dtype.np, xpm=xpm)
    if input._names is not None:
        r._names = input._names
    return r


def _cast_method(dt):
    npdt = dt.np

    def m(self, memory_format=None):
        if memory_format is None and self._data.dtype == npdt:
            return self  # already that dtype: torch returns self too
        return to(self, dt)
    m.__name__ = dt.name
    m.__doc__ = f"self.to({dt!r})"
    return m


def type_(input, dtype=None, non_blocking=False, **kw):
    """The type string with no argument, else a cast (accepts dtype or 'torch.FloatTensor')."""
    names = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
             "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
             "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}
    if dtype is None:
        return f"torch.{names[input.dtype.name]}Tensor"
    if isinstance(dtype, str):
        rev = {f"torch.{v}Tensor": k for k, v in names.items()}
        if dtype not in rev:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = D._BY_NAME[rev[dtype]]
    return to(input, dtype)


def cpu(input, memory_format=None):
    """A copy on the CPU (self if already there)."""
    return to(input, CPU)


def cuda(input, device=None, non_blocking=False, memory_format=None):
    """A copy on a CUDA device."""
    if device is None:
        device = "cuda"
    elif isinstance(device, int):
        device = _device_cls("cuda", device)
    return to(input, device)


class _CopyInto(Function):
    """dst.copy_(src): the result takes src's values (broadcast), gradient flows to src only."""

    @staticmethod
    def forward(ctx, dst, src):
        ctx.dst_dtype = dst.dtype
        r = xp(dst).empty_like(dst)
        if src.dtype.kind == "c" and dst.dtype.kind != "c":
            src = src.real
        r[...] = src
        return r

    @staticmethod
    def backward(ctx, g):
        return g * 0, g

    def name(self):
        return "CopyBackwards"


def copy_(self, src, non_blocking=False):
    """Copy src's values into self (broadcasting, casting, across devices)."""
    from ._inplace import inplace
    if not isinstance(src, Tensor):
        from .creation import tensor
        src = tensor(src)
    if src._data.__class__ is not self._data.__class__:
        src = to(src, self.device)
    try:
        np.broadcast_shapes(src.shape, self.shape)
        if len(src.shape) > len(self.shape) or np.broadcast_shapes(src.shape, self.shape) != tuple(self.shape):
            raise ValueError
    except ValueError:
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                           f"{list(np.broadcast_shapes(src.shape, self.shape)) if _bc(src, self) else list(src.shape)}") \
            if _bc(src, self) else RuntimeError(
                f"The size of tensor a ({self.shape[-1] if self.dim() else 1}) must match the size of "
                f"tensor b ({src.shape[-1] if src.dim() else 1}) at non-singleton dimension "
                f"{max(self.dim(), src.dim()) - 1}") from None
    return inplace(self, _CopyInto, (src,), {}, allow_cast=True)


def _bc(a, b):
    try:
        np.broadcast_shapes(a.shape, b.shape)
        return True
    except ValueError:
        return False


def _view_dtype(input, dtype):
    """Reinterpret the bytes as another dtype (tensor.view(dtype))."""
    from .shape import _as_view
    d = input._data
    if dtype.itemsize != d.itemsize and d.ndim and d.strides[-1] != d.itemsize:
        raise RuntimeError("self.stride(-1) must be 1 to view " + str(input.dtype) + " as " +
                           str(dtype) + " (different element sizes), but got " + str(input.stride(-1)))
    src = d.view(np.uint16) if d.dtype == D.bfloat16.np else d
    r = _wrap(src.view(dtype.np))
    return _as_view(r, input)


__all__ = ["clone", "to"]
