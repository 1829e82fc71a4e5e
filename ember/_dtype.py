"""ember dtypes: torch's names, aliases, type promotion and finfo/iinfo, mapped onto NumPy dtypes."""
from __future__ import annotations

import numpy as np

try:  # bfloat16 has no NumPy dtype of its own; ml_dtypes provides one with ufunc support.
    import ml_dtypes as _ml

    _BF16 = np.dtype(_ml.bfloat16)
except ImportError:  # pragma: no cover - ml_dtypes is a required dependency
    _ml = None
    _BF16 = None


class dtype:
    """A tensor element type (``ember.float32`` ...); repr is torch's (``torch.float32``)."""

    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_complex", "is_signed",
                 "_kind", "_rank", "_storage_name", "__weakref__")

    def __init__(self, name: str, npdt, kind: int, rank: int, storage_name: str):
        self.name = name
        self.np = np.dtype(npdt) if npdt is not None else None
        self.itemsize = self.np.itemsize if self.np is not None else 0
        self._kind = kind  # 0 bool, 1 integer, 2 floating, 3 complex: promotion categories
        self._rank = rank
        self.is_floating_point = kind == 2
        self.is_complex = kind == 3
        self.is_signed = not (name in ("uint8", "bool", "uint16", "uint32", "uint64"))
        self._storage_name = storage_name

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))

    def to_real(self) -> "dtype":
        """The real counterpart of a complex dtype (itself otherwise)."""
        return {"complex64": float32, "complex128": float64, "complex32": float16}.get(self.name, self)

    def to_complex(self) -> "dtype":
        """The complex counterpart of a floating dtype."""
        return {"float32": complex64, "float64": complex128, "float16": complex64,
                "bfloat16": complex64}.get(self.name, self)

    @property
    def is_bool(self) -> bool:
        return self._kind == 0


bool_ = dtype("bool", np.bool_, 0, 0, "BoolStorage")
uint8 = dtype("uint8", np.uint8, 1, 1, "ByteStorage")
int8 = dtype("int8", np.int8, 1, 2, "CharStorage")
int16 = dtype("int16", np.int16, 1, 3, "ShortStorage")
int32 = dtype("int32", np.int32, 1, 4, "IntStorage")
int64 = dtype("int64", np.int64, 1, 5, "LongStorage")
uint16 = dtype("uint16", np.uint16, 1, 3, "UInt16Storage")
uint32 = dtype("uint32", np.uint32, 1, 4, "UInt32Storage")
uint64 = dtype("uint64", np.uint64, 1, 5, "UInt64Storage")
float16 = dtype("float16", np.float16, 2, 1, "HalfStorage")
bfloat16 = dtype("bfloat16", _BF16, 2, 1, "BFloat16Storage")
float32 = dtype("float32", np.float32, 2, 2, "FloatStorage")
float64 = dtype("float64", np.float64, 2, 3, "DoubleStorage")
complex64 = dtype("complex64", np.complex64, 3, 2, "ComplexFloatStorage")
complex128 = dtype("complex128", np.complex128, 3, 3, "ComplexDoubleStorage")

ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, uint16, uint32, uint64,
              float16, bfloat16, float32, float64, complex64, complex128)

_BY_NAME = {d.name: d for d in ALL_DTYPES}
_ALIASES = {"float": float32, "double": float64, "half": float16, "short": int16, "int": int32,
            "long": int64, "cfloat": complex64, "cdouble": complex128, "bool": bool_}
_BY_NAME.update(_ALIASES)

_NP2DT = {d.np: d for d in ALL_DTYPES if d.np is not None}


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_np(npdt) -> dtype:
    """The ember dtype of a NumPy dtype (TypeError if torch has no such dtype)."""
    try:
        return _NP2DT[npdt]
    except KeyError:
        pass
    npdt = np.dtype(npdt)
    try:
        return _NP2DT[npdt]
    except KeyError:
        raise TypeError(f"can't convert np.ndarray of type {npdt}. The only supported types are: "
                        "float64, float32, float16, complex64, complex128, int64, int32, int16, "
                        "int8, uint64, uint32, uint16, uint8, and bool.") from None


def to_np(d: dtype):
    """The NumPy dtype of an ember dtype."""
    return d.np


_default_float = [float32]


def get_default_dtype() -> dtype:
    """The default floating point dtype (float32 unless changed)."""
    return _default_float[0]


def set_default_dtype(d: dtype) -> None:
    """Set the default floating point dtype (float32 or float64, also float16/bfloat16)."""
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float[0] = d


def default_complex() -> dtype:
    """Complex dtype matching the default float dtype."""
    return complex128 if _default_float[0] is float64 else complex64


# --- type promotion (torch's lattice: category first, then width) -------------------------------
_ORDER = [bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64,
          complex64, complex128]


def _promote_pair(a: dtype, b: dtype) -> dtype:
    if a is b:
        return a
    ka, kb = a._kind, b._kind
    if ka != kb:
        hi, lo = (a, b) if ka > kb else (b, a)
        if hi._kind == 3 and lo._kind == 2:  # complex with a wider float widens the complex
            if lo is float64:
                return complex128
        return hi
    if ka == 1:
        unsigned = {uint8, uint16, uint32, uint64}
        au, bu = a in unsigned, b in unsigned
        if au == bu:
            return a if a._rank >= b._rank else b
        u, s = (a, b) if au else (b, a)
        if u is uint8:  # uint8 with int8 -> int16, as torch
            return int16 if s is int8 else s
        raise TypeError(f"Promotion for uint16, uint32, uint64 types is not supported, "
                        f"attempted to promote {u.name} and {s.name}")
    if ka == 2:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if a._rank >= b._rank else b
    return a if a._rank >= b._rank else b


_PROMO = {}
for _a in _ORDER:
    for _b in _ORDER:
        _PROMO[(_a, _b)] = _promote_pair(_a, _b)


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both a and b cast to safely (torch.promote_types)."""
    try:
        return _PROMO[(a, b)]
    except KeyError:
        return _promote_pair(a, b)


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether torch allows casting from_ to to under its same-kind rule."""
    return from_._kind <= to._kind


class finfo:
    """Machine limits of a floating dtype (torch.finfo)."""

    def __init__(self, type: dtype | None = None):
        d = type if type is not None else get_default_dtype()
        if not (d.is_floating_point or d.is_complex):
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo "
                            "to handle 'torch.finfo'")
        d = d.to_real()
        fi = _ml.finfo(d.np) if d is bfloat16 else np.finfo(d.np)
        self.dtype = d.name
        self.bits = d.itemsize * 8
        self.eps = float(fi.eps)
        self.max = float(fi.max)
        self.min = float(fi.min)
        self.tiny = float(fi.tiny)
        self.smallest_normal = self.tiny
        self.resolution = float(fi.resolution)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype (torch.iinfo)."""

    def __init__(self, type: dtype):
        if type.is_floating_point or type.is_complex:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        ii = np.iinfo(np.uint8) if type is bool_ else np.iinfo(type.np)
        self.bits = type.itemsize * 8
        self.max = int(ii.max) if type is not bool_ else 1
        self.min = int(ii.min)
        self.dtype = type.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
