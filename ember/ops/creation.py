"""Factories: tensor, as_tensor, from_numpy, zeros/ones/full/empty (+ _like, new_*), ranges, eye."""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .._device import CPU, array_module_for, to_device
from .._tensor import Size, Tensor, _wrap


def _xp(device):
    return np if device is None or device is CPU else array_module_for(to_device(device))


def _finish(arr, requires_grad=False, names=None) -> Tensor:
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    if names is not None:
        from .named import _set_names
        _set_names(t, names)
    return t


def _size_args(size, fn: str = "") -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    for s in size:  # the common case, plain non-negative ints, is returned as is
        if s.__class__ is not int or s < 0:
            break
    else:
        return size
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s.item())
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"zeros(): argument 'size' must be tuple of ints, but found element of "
                            f"type {type(s).__name__}")
        if s < 0:
            if fn == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"[{', '.join(str(int(x)) for x in size)}]")
        out.append(int(s))
    return tuple(out)


def _infer_np(data):
    """A NumPy array from Python data, with torch's dtype inference."""
    if isinstance(data, Tensor):
        return data._data, D._NP2DT[data._data.dtype]
    if isinstance(data, np.ndarray):
        return data, D.from_np(data.dtype)
    if isinstance(data, np.generic):  # before float: np.float64 is a float subclass
        return np.asarray(data), D.from_np(np.asarray(data).dtype)
    if isinstance(data, (bool, np.bool_)):
        return np.array(data, dtype=bool), D.bool_
    if isinstance(data, (int, np.integer)) and not isinstance(data, bool):
        return np.array(data, dtype=np.int64), D.int64 if not isinstance(data, np.integer) else D.from_np(
            np.asarray(data).dtype)
    if isinstance(data, float):
        return np.array(data), D.get_default_dtype()
    if isinstance(data, complex):
        return np.array(data), D.default_complex()
    if isinstance(data, np.generic):
        return np.asarray(data), D.from_np(np.asarray(data).dtype)
    if isinstance(data, (list, tuple)):
        flat_kind = _check_nested(data, 0)
        if any(isinstance(x, Tensor) for x in _iter_flat(data)):
            arr = np.array(_tensors_to_lists(data))
        else:
            arr = np.array(data)
        if arr.dtype == object:
            raise TypeError(f"can't convert list containing {type(_first_bad(data)).__name__}")
        k = arr.dtype.kind
        if flat_kind == "tensor":
            return arr, D.from_np(arr.dtype)
        if any(isinstance(x, np.generic) for x in _iter_flat(data)):
            from ._promote import scalar_dtype
            dt = None
            for x in _iter_flat(data):
                xd = scalar_dtype(x)
                dt = xd if dt is None else D.promote_types(dt, xd)
            return arr.astype(dt.np), dt
        if k == "f":
            return arr, D.get_default_dtype()
        if k in "iu":
            return arr.astype(np.int64), D.int64
        if k == "b":
            return arr, D.bool_
        if k == "c":
            return arr, D.default_complex()
        if arr.size == 0:
            return arr.astype(np.float64), D.get_default_dtype()
        raise TypeError(f"new(): invalid data type '{arr.dtype}'")
    if hasattr(data, "__array__"):
        arr = np.asarray(data)
        return arr, D.from_np(arr.dtype)
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _iter_flat(x):
    if isinstance(x, (list, tuple)):
        for y in x:
            yield from _iter_flat(y)
    else:
        yield x


def _first_bad(x):
    for y in _iter_flat(x):
        if not isinstance(y, (int, float, bool, complex, np.generic, Tensor)):
            return y
    return x


def _tensors_to_lists(x):
    if isinstance(x, (list, tuple)):
        return [_tensors_to_lists(y) for y in x]
    if isinstance(x, Tensor):
        return x._host()
    return x


def _check_nested(data, dim):
    """Raise torch's ValueError for ragged nested sequences."""
    if not isinstance(data, (list, tuple)):
        return "tensor" if isinstance(data, Tensor) else "scalar"
    n = None
    kind = "scalar"
    for item in data:
        if isinstance(item, (list, tuple)):
            ln = len(item)
            if n is None:
                n = ln
            elif ln != n:
                raise ValueError(f"expected sequence of length {n} at dim {dim + 1} (got {ln})")
            kind = _check_nested(item, dim + 1)
        elif isinstance(item, Tensor) and item.dim() == 0:
            kind = "tensor"
        elif isinstance(item, Tensor):
            kind = "tensor"
        elif n is not None:
            raise ValueError(f"expected sequence of length {n} at dim {dim + 1} (got {type(item).__name__})")
    return kind


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False, names=None) -> Tensor:
    """A new tensor copied from data (nested lists, numbers, arrays, tensors)."""
    arr, inferred = _infer_np(data)
    dt = dtype or inferred
    if dt.is_bool and arr.dtype.kind == "f" and False:
        pass
    out = np.array(arr, dtype=dt.np, copy=True) if not (arr.dtype.kind == "c" and dt.np.kind != "c") \
        else np.array(arr.real, dtype=dt.np)
    if device is not None and to_device(device) != CPU:
        out = array_module_for(to_device(device)).asarray(out)
    return _finish(out, requires_grad, names)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """A tensor sharing memory with data when possible (tensors, NumPy arrays)."""
    if isinstance(data, Tensor):
        return data.to(dtype=dtype, device=device) if (dtype or device) else data
    if isinstance(data, np.ndarray) and (dtype is None or dtype.np == data.dtype) and \
            (device is None or to_device(device) == CPU):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(ndarray) -> Tensor:
    """A tensor sharing ndarray's memory."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with "
                         "negative strides are not currently supported. (You can probably work around "
                         "this by making a copy of your array  with array.copy().) ")
    D.from_np(ndarray.dtype)
    if not ndarray.flags.writeable:
        import warnings
        warnings.warn("The given NumPy array is not writable, and PyTorch does not support "
                      "non-writable tensors.", UserWarning, stacklevel=2)
    return _wrap(ndarray)


def _fill(size, value, dtype, device, requires_grad, names=None, kind="full"):
    size = _size_args(size, kind)
    if dtype is None:
        dtype = D.get_default_dtype()
    m = np if device is None or device is CPU else _xp(device)
    if kind == "zeros":
        arr = m.zeros(size, dtype=dtype.np)
    elif kind == "empty":
        arr = m.empty(size, dtype=dtype.np)
    elif kind == "ones":  # empty + fill: np.ones is a Python wrapper doing the same
        arr = m.empty(size, dtype=dtype.np)
        arr.fill(1)
    else:
        arr = m.full(size, value, dtype=dtype.np)
    if requires_grad or names is not None:
        return _finish(arr, requires_grad, names)
    return _wrap(arr)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, names=None) -> Tensor:
    """A tensor of zeros."""
    return _out(_fill(size, 0, dtype, device, requires_grad, names, "zeros"), out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, names=None) -> Tensor:
    """A tensor of ones."""
    return _out(_fill(size, 1, dtype, device, requires_grad, names, "ones"), out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, names=None,
          pin_memory=False, memory_format=None) -> Tensor:
    """An uninitialised tensor (ember zero-fills it: reading garbage helps nobody)."""
    return _out(_fill(size, 0, dtype, device, requires_grad, names, "zeros"), out)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         names=None) -> Tensor:
    """A tensor filled with fill_value (dtype inferred from it as torch does)."""
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = D.bool_
        elif isinstance(fill_value, int):
            dtype = D.int64
        elif isinstance(fill_value, complex):
            dtype = D.default_complex()
        elif isinstance(fill_value, Tensor):
            dtype = fill_value.dtype
            fill_value = fill_value.item()
        else:
            dtype = D.get_default_dtype()
    return _out(_fill((size,) if isinstance(size, int) else size, fill_value, dtype, device,
                      requires_grad, names), out)


def _out(r, out):
    if out is None:
        return r
    from ._binary import _out as o
    return o(r, out)


def _like(kind):
    def f(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None, **kw):
        dt = dtype or input.dtype
        dev = device if device is not None else input.device
        if kind == "full":
            raise AssertionError
        return _fill(input._data.shape, 0, dt, dev, requires_grad, None, kind)
    f.__name__ = kind + "_like"
    f.__doc__ = f"{kind}() with input's shape, dtype and device."
    return f


zeros_like = _like("zeros")
ones_like = _like("ones")
empty_like = _like("zeros")


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    """full() with input's shape, dtype and device."""
    return _fill(input.shape, fill_value, dtype or input.dtype,
                 device if device is not None else input.device, requires_grad)


def _new(kind):
    def m(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        if kind == "full":
            size, value = size[0], size[1]
            if "fill_value" in kw:
                value = kw["fill_value"]
            return _fill(size if not isinstance(size, int) else (size,), value, dtype or self.dtype,
                         device if device is not None else self.device, requires_grad)
        return _fill(size, 0, dtype or self.dtype, device if device is not None else self.device,
                     requires_grad, None, kind)
    m.__name__ = "new_" + kind
    m.__doc__ = f"A new {kind} tensor with self's dtype and device."
    return m


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A new tensor from data with self's dtype and device by default."""
    if isinstance(data, Tensor):
        data = data.detach()
    return tensor(data, dtype=dtype or self.dtype, device=device if device is not None else self.device,
                  requires_grad=requires_grad)


def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False):
    from .views_extra import as_strided
    n = 1 + sum((s - 1) * st for s, st in zip(size, stride)) if all(size) else 0
    base = _fill((n,), 0, dtype or self.dtype, device if device is not None else self.device, False)
    r = as_strided(base, size, stride)
    r._base = None
    return r.requires_grad_(requires_grad) if requires_grad else r


def _scalar(v):
    return v.item() if isinstance(v, Tensor) else v


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False) -> Tensor:
    """Values from start to end (exclusive) in steps."""
    start, end, step = _scalar(start), _scalar(end), _scalar(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        dtype = D.int64 if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                for v in (start, end, step)) else D.get_default_dtype()
    n = int(math.ceil((end - start) / step))
    m = _xp(device)
    if dtype.is_floating_point:
        arr = (start + m.arange(n, dtype=np.float64) * step).astype(dtype.np)
    else:
        arr = m.arange(start, start + n * step, step, dtype=np.float64 if not isinstance(step, int) else None)
        arr = arr[:n].astype(dtype.np)
    return _out(_finish(arr, requires_grad), out)


def range_(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Like arange but end-inclusive (deprecated in torch)."""
    if end is None:
        start, end = 0, start
    dtype = dtype or D.get_default_dtype()
    n = int(math.floor((end - start) / step)) + 1
    m = _xp(device)
    return _finish((start + m.arange(n, dtype=np.float64) * step).astype(dtype.np), requires_grad)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False) -> Tensor:
    """steps evenly spaced values from start to end inclusive."""
    start, end = _scalar(start), _scalar(end)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = dtype or (D.default_complex() if isinstance(start, complex) or isinstance(end, complex)
                      else D.get_default_dtype())
    m = _xp(device)
    # torch computes the two halves from each end, so the last value is exactly `end`
    if steps == 1:
        arr = m.full((1,), start, dtype=np.float64 if not dtype.is_complex else np.complex128)
    elif dtype is D.float32:
        # torch takes float32 ends and a float32 step and rounds each value once (a fused
        # multiply-add): the step times a small integer is exact in float64
        f = np.float32
        a, b = f(start), f(end)
        step = float(f(f(b - a) / f(steps - 1)))
        i = m.arange(steps, dtype=np.float64)
        arr = m.where(i < steps // 2, float(a) + step * i, float(b) - step * (steps - 1 - i))
    elif dtype is D.float64 and m is np and not isinstance(start, complex) and not isinstance(end, complex):
        from .._random_mt import fma  # torch rounds start + step * i once here too
        step = (float(end) - float(start)) / (steps - 1)
        i = np.arange(steps, dtype=np.float64)
        arr = np.where(i < steps // 2, fma(i, step, float(start)), fma(i - (steps - 1), step, float(end)))
    else:
        step = (end - start) / (steps - 1)
        i = m.arange(steps, dtype=np.float64)
        half = steps // 2
        arr = m.where(i < half, start + step * i, end - step * (steps - 1 - i))
    if dtype.is_floating_point or dtype.is_complex:
        arr = arr.astype(dtype.np)
    else:
        arr = arr.astype(dtype.np) if arr.size == 0 else m.trunc(arr).astype(dtype.np)
    return _out(_finish(arr, requires_grad), out)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False) -> Tensor:
    """base ** linspace(start, end, steps)."""
    lin = linspace(start, end, steps, dtype=D.float64, device=device)
    dtype = dtype or D.get_default_dtype()
    arr = (float(base) ** lin._data).astype(dtype.np)
    return _out(_finish(arr, requires_grad), out)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """Identity matrix (n x m)."""
    dtype = dtype or D.get_default_dtype()
    return _out(_finish(_xp(device).eye(n, m if m is not None else n, dtype=dtype.np), requires_grad), out)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return tensor(s, dtype=dtype or D.get_default_dtype(), device=device, requires_grad=requires_grad)


def _legacy_new(args, kwargs):
    """torch.Tensor(...) / torch.FloatTensor(...): sizes give an empty float tensor, data copies."""
    dt = kwargs.pop("dtype", None) or D.get_default_dtype()
    if len(args) == 0:
        return np.zeros((0,), dt.np)
    if all(isinstance(a, (int, np.integer)) for a in args):
        return np.zeros(tuple(args), dt.np)
    if len(args) == 1 and isinstance(args[0], Size):
        return np.zeros(tuple(args[0]), dt.np)
    return tensor(args[0], dtype=dt)._data


__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "empty", "full",
           "zeros_like", "ones_like", "empty_like", "full_like", "arange", "linspace", "logspace", "eye",
           "scalar_tensor"]
