"""Storages: the 1-D memory a family of views shares.

A tensor's ``_data`` is a view onto an owning backend array; the storage is that owner's whole
memory. Storage objects are thin wrappers made on demand (as torch makes a new ``TypedStorage``
object per ``tensor.storage()`` call); what identifies the memory is ``data_ptr()``.
"""
from __future__ import annotations

import numpy as np

from . import _dtype as D
from ._device import array_module, device_of_array


def _ptr(a) -> int:
    if isinstance(a, np.ndarray):
        return a.__array_interface__["data"][0]
    return int(a.data.ptr)


def _root(a):
    """The array that owns the memory ``a`` views (follows ``.base`` through as_strided wrappers)."""
    root = a
    b = a.base
    while b is not None:
        if isinstance(b, np.ndarray) or type(b).__name__ == "ndarray":
            root = b
            b = b.base
        elif hasattr(b, "base") and not isinstance(b, (bytes, bytearray, memoryview)):
            b = b.base
        else:
            break
    return root


def _root_bytes(root):
    """The owner's memory as a 1-D uint8 array (in memory order)."""
    xp = array_module(root)
    if root.ndim == 0:
        flat = root.reshape(1)
    elif root.flags.c_contiguous:
        flat = root.reshape(-1)
    else:
        # A dense owner in another order (e.g. a transposed result): walk it in memory order.
        order = sorted(range(root.ndim), key=lambda i: -abs(root.strides[i]))
        flat = root.transpose(order)
        if not flat.flags.c_contiguous:  # not dense: fall back to the byte span it touches
            flat = _span(root)
        else:
            flat = flat.reshape(-1)
    if flat.dtype == D.bfloat16.np:
        flat = flat.view(np.uint16)
    return flat.view(xp.uint8) if flat.size else xp.zeros(0, xp.uint8)


def _span(a):
    xp = array_module(a)
    lo = sum(s * (n - 1) for s, n in zip(a.strides, a.shape) if s < 0)
    hi = sum(s * (n - 1) for s, n in zip(a.strides, a.shape) if s > 0) + a.itemsize
    base = a.reshape(-1)[:1] if a.size else a
    return xp.lib.stride_tricks.as_strided(base.view(xp.uint8) if base.dtype != D.bfloat16.np else
                                           base.view(np.uint16).view(xp.uint8), (hi - lo,), (1,))


def storage_of(t):
    """``(uint8_root_array, byte_offset)`` of a tensor's storage."""
    a = t._data
    root = _root(a)
    raw = _root_bytes(root)
    off = _ptr(a) - _ptr(raw) if a.size else 0
    if a.size == 0 and root is a:
        off = 0
    return raw, off


class UntypedStorage:
    """Raw bytes shared by a family of tensors (torch.UntypedStorage)."""

    def __init__(self, arg=0, *, device=None):
        if isinstance(arg, int):
            self._array = np.zeros(arg, np.uint8)
        else:
            self._array = np.frombuffer(bytearray(arg), np.uint8)

    @classmethod
    def _of_tensor(cls, t) -> "UntypedStorage":
        s = cls.__new__(cls)
        s._array, _ = storage_of(t)
        return s

    @classmethod
    def _wrap(cls, arr) -> "UntypedStorage":
        s = cls.__new__(cls)
        s._array = arr
        return s

    def nbytes(self) -> int:
        return int(self._array.size)

    def size(self) -> int:
        return int(self._array.size)

    __len__ = size

    def data_ptr(self) -> int:
        return _ptr(self._array) if self._array.size else 0

    @property
    def device(self):
        return device_of_array(self._array)

    def element_size(self) -> int:
        return 1

    def __getitem__(self, i):
        r = self._array[i]
        return r.tolist() if not isinstance(i, slice) else UntypedStorage._wrap(r)

    def __setitem__(self, i, v) -> None:
        self._array[i] = v

    def tolist(self) -> list:
        return np.asarray(self._array).tolist()

    def __iter__(self):
        return iter(self.tolist())

    def fill_(self, value) -> "UntypedStorage":
        self._array[...] = value
        return self

    def __repr__(self) -> str:
        from ._tensor_str import storage_repr
        return storage_repr(self)

    def untyped(self) -> "UntypedStorage":
        return self


class TypedStorage:
    """Storage viewed as elements of one dtype (what ``tensor.storage()`` returns)."""

    is_sparse = False

    def __init__(self, *args, dtype=None, device=None):
        self.dtype = dtype or D.get_default_dtype()
        n = args[0] if args and isinstance(args[0], int) else 0
        data = np.zeros(n, self.dtype.np) if not args or isinstance(args[0], int) else \
            np.asarray(args[0], dtype=self.dtype.np)
        self._array = data
        self._raw = None

    @classmethod
    def _of_tensor(cls, t) -> "TypedStorage":
        s = cls.__new__(cls)
        raw, _ = storage_of(t)
        s._raw = raw
        s.dtype = t.dtype
        npdt = t._data.dtype
        usable = raw.size - raw.size % npdt.itemsize
        if npdt == D.bfloat16.np:
            s._array = raw[:usable].view(np.uint16).view(npdt)
        else:
            s._array = raw[:usable].view(npdt)
        return s

    def size(self) -> int:
        return int(self._array.size)

    __len__ = size

    def nbytes(self) -> int:
        return int(self._array.nbytes)

    def element_size(self) -> int:
        return self.dtype.itemsize

    def data_ptr(self) -> int:
        return _ptr(self._array) if self._array.size else 0

    @property
    def device(self):
        return device_of_array(self._array)

    def _untyped_storage(self) -> UntypedStorage:
        return UntypedStorage._wrap(self._raw if self._raw is not None else self._array.view(np.uint8))

    untyped = _untyped_storage

    def __getitem__(self, i):
        n = self._array.size
        if isinstance(i, slice):
            return [self._scalar(v) for v in self._array[i]]
        if not -n <= i < n:
            raise IndexError(f"index {i} out of range for storage of size {n}")
        return self._scalar(self._array[i])

    def _scalar(self, v):
        if v.dtype == D.bfloat16.np or v.dtype == np.float16:
            return float(np.float32(v))
        return v.item()

    def __setitem__(self, i, v) -> None:
        n = self._array.size
        if isinstance(i, int) and not -n <= i < n:
            raise IndexError(f"index {i} out of range for storage of size {n}")
        self._array[i] = v

    def tolist(self) -> list:
        a = np.asarray(self._array)
        if a.dtype == D.bfloat16.np or a.dtype == np.float16:
            a = a.astype(np.float32)
        return a.tolist()

    def __iter__(self):
        return iter(self.tolist())

    def fill_(self, value) -> "TypedStorage":
        self._array[...] = value
        return self

    def __repr__(self) -> str:
        from ._tensor_str import storage_repr
        return storage_repr(self)

    __str__ = __repr__
