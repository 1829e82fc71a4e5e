"""torch.* odds and ends no other op module covers: in-place function aliases, global flags,
Tensor conveniences (apply_, map_, dim_order, in-place view ops like t_), compile/vmap stand-ins.

The math-heavy additions live in ``extra_math.py`` and the torch-level aliases of
``nn.functional`` in ``extra_nn.py``; this module pulls them in so one import line wires all three.
"""
from __future__ import annotations

import math
import sys
import warnings

import numpy as np

from .. import _dtype as D
from .._device import device as _device_cls
from .._tensor import Tensor, _wrap, register_methods
from ..autograd.grad_mode import state as _gs

# torch.<name>_(input, ...) is the same as input.<name>_(...) for these.
_INPLACE_TOP = """abs_ acos_ acosh_ addmv_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ asin_ asinh_
atan_ atanh_ ceil_ clamp_ clamp_max_ clamp_min_ clip_ conj_physical_ cos_ cosh_ deg2rad_ erf_ erfc_ exp2_
exp_ expm1_ fix_ floor_ frac_ gcd_ lcm_ ldexp_ log10_ log1p_ log2_ log_ logit_ nan_to_num_ neg_ negative_
rad2deg_ reciprocal_ relu_ round_ rsqrt_ sigmoid_ sin_ sinc_ sinh_ sqrt_ square_ tan_ tanh_ trunc_ xlogy_
zero_ fill_ detach_ i0_ resize_as_ as_strided_""".split()


def _inplace_alias(name: str):
    def f(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)
    f.__name__ = name
    f.__qualname__ = name
    f.__doc__ = f"In-place version of torch.{name[:-1]}: input.{name}(...)."
    return f


for _n in _INPLACE_TOP:
    globals()[_n] = _inplace_alias(_n)


# ---- global flags: accepted and remembered; NumPy kernels are deterministic already ----------------
_flags = {"deterministic": False, "warn_only": False, "matmul_precision": "highest", "warn_always": False,
          "default_device": None}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Request deterministic algorithms (ember's CPU kernels always are; the flag is recorded)."""
    if not isinstance(mode, bool):
        raise RuntimeError(f"use_deterministic_algorithms expects a bool, but got {type(mode).__name__}")
    _flags["deterministic"] = mode
    _flags["warn_only"] = bool(warn_only) and mode


def are_deterministic_algorithms_enabled() -> bool:
    """Whether use_deterministic_algorithms(True) is in effect."""
    return _flags["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether deterministic mode only warns."""
    return _flags["warn_only"]


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode) -> None:
    """0/'default', 1/'warn', 2/'error' (same as use_deterministic_algorithms)."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, `error`, "
                               f"but got {debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    _flags["deterministic"] = debug_mode != 0
    _flags["warn_only"] = debug_mode == 1


def get_deterministic_debug_mode() -> int:
    """0 (off), 1 (warn) or 2 (error)."""
    if not _flags["deterministic"]:
        return 0
    return 1 if _flags["warn_only"] else 2


def set_float32_matmul_precision(precision: str) -> None:
    """'highest' | 'high' | 'medium' (recorded; CPU float32 matmul is always full precision)."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"Invalid precision {precision}: expected one of highest, high, medium")
    _flags["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """The value last given to set_float32_matmul_precision ('highest' by default)."""
    return _flags["matmul_precision"]


def set_warn_always(b: bool) -> None:
    """Make once-only warnings warn every time (recorded)."""
    _flags["warn_always"] = bool(b)


def is_warn_always_enabled() -> bool:
    """Whether set_warn_always(True) is in effect."""
    return _flags["warn_always"]


def set_default_device(device) -> None:
    """Only the CPU is supported as a default device (None resets)."""
    if device is None:
        _flags["default_device"] = None
        return
    d = device if isinstance(device, _device_cls) else _device_cls(device)
    if d.type != "cpu":
        raise RuntimeError(f"ember: set_default_device supports only 'cpu', got '{d}'; move tensors "
                           "explicitly with .to(device)")
    _flags["default_device"] = d


def get_default_device():
    """The default device for new tensors (always cpu in ember)."""
    return _device_cls("cpu")


def set_default_tensor_type(t) -> None:
    """Deprecated in torch: set the default floating dtype from a tensor type (e.g. torch.DoubleTensor)."""
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.", UserWarning)
    names = {"torch.FloatTensor": D.float32, "torch.DoubleTensor": D.float64, "torch.HalfTensor": D.float16,
             "torch.BFloat16Tensor": D.bfloat16}
    key = t if isinstance(t, str) else "torch." + getattr(t, "__name__", "")
    if key not in names:
        raise TypeError(f"invalid type object: only floating-point types are supported as the default type, "
                        f"got {key}")
    D.set_default_dtype(names[key])


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False):
    """ember has no compiler: returns model (a function or Module) unchanged, or a decorator."""
    if model is None:
        return lambda m: m
    return model


def typename(obj) -> str:
    """'torch.FloatTensor' for tensors, the qualified type name otherwise."""
    if isinstance(obj, Tensor):
        return _tensor_type_name(obj)
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module in ("builtins", "__builtin__", None) else f"{module}.{name}"


_TYPE_NAMES = {D.float32: "FloatTensor", D.float64: "DoubleTensor", D.float16: "HalfTensor",
               D.bfloat16: "BFloat16Tensor", D.int64: "LongTensor", D.int32: "IntTensor",
               D.int16: "ShortTensor", D.int8: "CharTensor", D.uint8: "ByteTensor", D.bool_: "BoolTensor",
               D.complex64: "ComplexFloatTensor", D.complex128: "ComplexDoubleTensor"}


def _tensor_type_name(t: Tensor) -> str:
    prefix = "torch.cuda." if t.device.type == "cuda" else "torch."
    return prefix + _TYPE_NAMES.get(t.dtype, str(t.dtype).replace("torch.", ""))


class OutOfMemoryError(RuntimeError):
    """Raised when an allocation fails (torch.OutOfMemoryError)."""


# ---- small predicates and conveniences ----------------------------------------------------------
def is_same_size(input, other) -> bool:
    """Whether two tensors have the same shape."""
    return tuple(input.shape) == tuple(other.shape)


def is_signed(input) -> bool:
    """Whether input's dtype is signed."""
    return input.dtype.is_signed


def is_neg(input) -> bool:
    """ember never stores lazily negated tensors: always False."""
    return False


def is_inference(input) -> bool:
    """Whether input was created under inference_mode."""
    return input._inference


def get_device(input) -> int:
    """The CUDA device index, or -1 for CPU tensors."""
    d = input.device
    return -1 if d.type == "cpu" else (d.index or 0)


def detach(input) -> Tensor:
    """A view of input cut from the autograd graph."""
    return input.detach()


def fill(input, value) -> Tensor:
    """A new tensor like input filled with value."""
    return input.detach().clone().fill_(value)


def ravel(input) -> Tensor:
    """The elements as a contiguous 1-D tensor (a view when possible)."""
    return input.reshape(-1)


def adjoint(input) -> Tensor:
    """Conjugate transpose of the last two dimensions (a view)."""
    if input.dim() < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of matrices. Got "
                           f"{input.dim()}-D tensor.")
    return input.mH


# ---- Tensor methods ----------------------------------------------------------------------------
def _check_cpu_python(self, name):
    if self.device.type != "cpu":
        raise TypeError(f"{name} is only implemented on CPU tensors")
    if _gs.grad_enabled and self.requires_grad:
        from ._inplace import check_inplace
        check_inplace(self, True)


def apply_(self, callable) -> Tensor:
    """Apply a Python callable to every element in place (CPU only; slow)."""
    _check_cpu_python(self, "apply_")
    it = np.nditer(self._data, flags=["refs_ok"], op_flags=["readwrite"])
    for x in it:
        x[...] = callable(x.item())
    self._bump_version()
    return self


def map_(self, tensor, callable) -> Tensor:
    """self[i] = callable(self[i], tensor[i]) in place, tensor broadcast to self (CPU only)."""
    _check_cpu_python(self, "map_")
    other = np.broadcast_to(tensor._data, self._data.shape)
    d = self._data
    for idx in np.ndindex(*d.shape):
        d[idx] = callable(d[idx].item(), other[idx].item())
    self._bump_version()
    return self


def map2_(self, x, y, callable) -> Tensor:
    """self[i] = callable(self[i], x[i], y[i]) in place, x and y broadcast to self (CPU only)."""
    _check_cpu_python(self, "map2_")
    a = np.broadcast_to(x._data, self._data.shape)
    b = np.broadcast_to(y._data, self._data.shape)
    d = self._data
    for idx in np.ndindex(*d.shape):
        d[idx] = callable(d[idx].item(), a[idx].item(), b[idx].item())
    self._bump_version()
    return self


def dim_order(self, *, ambiguity_check=False) -> tuple:
    """The dims ordered from outermost to innermost in memory (by stride)."""
    st = self.stride()
    if ambiguity_check and not isinstance(ambiguity_check, bool):
        raise TypeError("The ambiguity_check argument must be a bool or a list of memory formats.")
    order = sorted(range(self.dim()), key=lambda i: -st[i])
    if ambiguity_check:
        sizes = self.shape
        seen = {}
        for i in range(self.dim()):
            if sizes[i] == 1 or st[i] in seen:
                raise RuntimeError("The tensor does not have unique dim order, or cannot map to "
                                   "exact one of the given memory formats.")
            seen[st[i]] = i
    return tuple(order)


def _inplace_view(viewfn, name):
    def m(self, *args, **kwargs):
        needs = _gs.grad_enabled and self._rg
        if needs and self._grad_fn is None and self._base is None:
            from ._inplace import _LEAF_MSG
            raise RuntimeError(_LEAF_MSG)
        v = viewfn(self, *args, **kwargs)
        self._data = v._data
        if needs and v._grad_fn is not None:
            self._grad_fn = v._grad_fn
            if self._output_nr:
                self._output_nr = 0
        self._bump_version()
        if self._base is not None and self._rg:
            self.__dict__["_view_ver"] = self._vc[0]
        return self
    m.__name__ = name
    m.__doc__ = f"In-place {name[:-1]}: changes self's shape/strides, keeps its memory."
    return m


def _as_strided_inplace(self, size, stride, storage_offset=None):
    from .views_extra import as_strided
    return as_strided(self, size, stride, storage_offset)


def is_pinned(self, device=None) -> bool:
    """ember has no pinned host memory: always False."""
    return False


def pin_memory(self, device=None) -> Tensor:
    """No page-locked memory without an accelerator: returns self."""
    return self


def share_memory_(self) -> Tensor:
    """Mark the tensor as shared (CPU tensors are shared with workers by copy in ember)."""
    self.__dict__["_shared"] = True
    return self


def is_shared(self) -> bool:
    """Whether share_memory_() was called."""
    return bool(self.__dict__.get("_shared", False))


def is_set_to(self, tensor) -> bool:
    """Same storage, offset, size and stride."""
    return (self.data_ptr() == tensor.data_ptr() and self.shape == tensor.shape
            and self.stride() == tensor.stride() and self.dtype == tensor.dtype
            and self.untyped_storage().data_ptr() == tensor.untyped_storage().data_ptr())


def set_(self, source=None, storage_offset=0, size=None, stride=None) -> Tensor:
    """Point self at another tensor's (or storage's) memory."""
    from .._storage import TypedStorage, UntypedStorage
    if source is None:
        self._data = self._data[:0].reshape(0) if self._data.size else self._data.reshape(0)
    elif isinstance(source, Tensor):
        if source.dtype != self.dtype:
            raise RuntimeError(f"Could not set tensor of type {source.dtype} to a tensor of type "
                               f"{self.dtype}")
        self._data = source._data
    elif isinstance(source, (TypedStorage, UntypedStorage)):
        arr = source._array
        if isinstance(source, UntypedStorage):
            arr = arr.view(self._data.dtype)
        if size is None:
            size = (arr.size - storage_offset,)
        size = tuple(size)
        if stride is None:
            stride, acc = [], 1
            for s in reversed(size):
                stride.insert(0, acc)
                acc *= s
        isz = arr.itemsize
        self._data = np.lib.stride_tricks.as_strided(arr[storage_offset:], size,
                                                     tuple(s * isz for s in stride))
    else:
        raise TypeError(f"set_(): argument 'source' must be Tensor or Storage, not {type(source).__name__}")
    self._bump_version()
    return self


def _new_legacy(self, *args, **kwargs):
    from .creation import _legacy_new
    if args and isinstance(args[0], Tensor):
        return _wrap(args[0]._data)
    return _wrap(_legacy_new(args, {"dtype": self.dtype}))


def _resize(self, *sizes):
    warnings.warn("non-inplace resize is deprecated")
    return self.detach().clone().resize_(*sizes)


def _resize_as(self, tensor):
    warnings.warn("non-inplace resize_as is deprecated")
    return self.detach().clone().resize_(tensor.shape)


def sum_to_size(self, *size) -> Tensor:
    """Sum self down to a shape self is broadcastable to."""
    from ._function import sum_to_shape
    from .shape import _shape_arg
    shape = _shape_arg(size)
    sh = tuple(self.shape)
    if len(shape) > len(sh) or any(s != 1 and s != t for s, t in zip(shape[::-1], sh[::-1])):
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(sh)}}}.".replace("{", "").replace("}", ""))
    return sum_to_shape(self, shape)


def type_as(self, tensor) -> Tensor:
    """self cast to tensor's dtype."""
    return self.to(tensor.dtype)


def to_dense(self, dtype=None, *, masked_grad=None) -> Tensor:
    """A strided tensor is already dense: self (cast when dtype is given)."""
    return self if dtype is None else self.to(dtype)


def as_subclass(self, cls):
    """The same data and autograd state viewed as a Tensor subclass."""
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError(f"as_subclass: cls must be a subclass of torch.Tensor, got {cls}")
    r = cls.__new__(cls, self._data)
    r._data = self._data
    r._rg, r._grad_fn, r._base, r._vc = self._rg, self._grad_fn, self._base, self._vc
    if self._vc is None:
        self._vc = r._vc = [0]
    if self._output_nr:
        r._output_nr = self._output_nr
    return r


def _output_nr(self) -> int:
    return self.__dict__.get("_output_nr", 0)


def _softmax_m(self, dim=None, dtype=None, *, _stacklevel=None):
    from ..nn import functional as F
    return F.softmax(self, dim, dtype=dtype)


def _log_softmax_m(self, dim=None, dtype=None, *, _stacklevel=None):
    from ..nn import functional as F
    return F.log_softmax(self, dim, dtype=dtype)


def _hardshrink_m(self, lambd=0.5):
    from ..nn import functional as F
    return F.hardshrink(self, lambd)


def _prelu_m(self, weight):
    from ..nn import functional as F
    return F.prelu(self, weight)


def _is_nonzero_m(self) -> bool:
    return sys.modules["ember"].is_nonzero(self)


# ---- vmap: a per-example loop with torch's in_dims/out_dims semantics --------------------------
def _tree_flatten(x):
    if isinstance(x, (list, tuple)):
        leaves, specs = [], []
        for v in x:
            lv, sp = _tree_flatten(v)
            leaves += lv
            specs.append(sp)
        return leaves, (type(x), specs)
    if isinstance(x, dict):
        leaves, specs = [], []
        for k, v in x.items():
            lv, sp = _tree_flatten(v)
            leaves += lv
            specs.append((k, sp))
        return leaves, (dict, specs)
    return [x], None


def _tree_unflatten(leaves, spec, pos=0):
    if spec is None:
        return leaves[pos], pos + 1
    kind, specs = spec
    if kind is dict:
        out = {}
        for k, sp in specs:
            out[k], pos = _tree_unflatten(leaves, sp, pos)
        return out, pos
    items = []
    for sp in specs:
        v, pos = _tree_unflatten(leaves, sp, pos)
        items.append(v)
    return (kind(items) if kind is not tuple else tuple(items)), pos


def _broadcast_dims(dims, value):
    """Expand an in_dims/out_dims spec to one entry per leaf of value."""
    if isinstance(dims, (int, type(None))):
        return [dims] * len(_tree_flatten(value)[0])
    if isinstance(dims, (list, tuple)) and isinstance(value, (list, tuple)):
        if len(dims) != len(value):
            raise ValueError(f"vmap: in_dims is not compatible with the structure of inputs: expected "
                             f"{len(value)} entries, got {len(dims)}")
        out = []
        for d, v in zip(dims, value):
            out += _broadcast_dims(d, v)
        return out
    if isinstance(dims, dict) and isinstance(value, dict):
        out = []
        for k, v in value.items():
            out += _broadcast_dims(dims[k], v)
        return out
    raise ValueError(f"vmap: in_dims {dims} is not compatible with the structure of inputs")


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """Vectorise func over a batch dimension (ember runs func once per example and stacks)."""
    from .joining import stack

    def wrapped(*args, **kwargs):
        dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                             f"structure of `inputs`. in_dims has structure with {len(dims)} entries but "
                             f"inputs has {len(args)}.")
        leaves, spec = _tree_flatten(list(args))
        ldims = _broadcast_dims(list(dims), list(args))
        size = None
        for leaf, d in zip(leaves, ldims):
            if d is None:
                continue
            if not isinstance(leaf, Tensor):
                raise ValueError(f"vmap: Got in_dim={d} for an input but the input is of type "
                                 f"{type(leaf)}. We cannot vmap over non-Tensor arguments")
            n = leaf.shape[d]
            if size is not None and n != size:
                raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped "
                                 f"dimension, got sizes {size} and {n} for the mapped dimension")
            size = n
        if size is None:
            raise ValueError("vmap: at least one input must be mapped over (in_dims all None)")
        results = []
        for i in range(size):
            sl = [leaf.select(d, i) if d is not None else leaf for leaf, d in zip(leaves, ldims)]
            results.append(func(*_tree_unflatten(sl, spec)[0], **kwargs))
        out_leaves, out_spec = _tree_flatten(results[0])
        per = [_tree_flatten(r)[0] for r in results]
        odims = _broadcast_dims(out_dims, results[0]) if not isinstance(out_dims, int) else [out_dims] * len(out_leaves)
        stacked = []
        for j, od in enumerate(odims):
            vals = [p[j] for p in per]
            if not isinstance(vals[0], Tensor):
                vals = [sys.modules["ember"].tensor(v) for v in vals]
            stacked.append(stack(vals, dim=od if od >= 0 else od + vals[0].dim() + 1))
        return _tree_unflatten(stacked, out_spec)[0]
    return wrapped


from ..amp import (autocast, GradScaler, is_autocast_enabled, set_autocast_enabled,  # noqa: E402
                   get_autocast_dtype, set_autocast_dtype, is_autocast_cpu_enabled, set_autocast_cpu_enabled,
                   get_autocast_cpu_dtype, set_autocast_cpu_dtype, is_autocast_cache_enabled,
                   set_autocast_cache_enabled, clear_autocast_cache)
from .._storage import TypedStorage as Storage  # noqa: E402

has_lapack = True  # NumPy ships LAPACK
has_spectral = True
has_mkl = False
has_openmp = False
e = math.e
pi = math.pi
inf = math.inf
nan = math.nan
newaxis = None

from .extra_math import *  # noqa: E402,F401,F403
from .extra_math import __all__ as _math_all  # noqa: E402
from .extra_nn import *  # noqa: E402,F401,F403
from .extra_nn import __all__ as _nn_all  # noqa: E402
from .creation import new_empty_strided as _nes  # noqa: E402
from . import shape as _S  # noqa: E402
from .pointwise import conj_physical as _conj_physical  # noqa: E402
from ._inplace import inplace_fn as _inplace_fn  # noqa: E402

register_methods({
    "apply_": apply_, "map_": map_, "map2_": map2_, "dim_order": dim_order,
    "new_empty_strided": _nes, "is_pinned": is_pinned, "pin_memory": pin_memory,
    "share_memory_": share_memory_, "is_shared": is_shared, "is_set_to": is_set_to, "set_": set_,
    "new": _new_legacy, "resize": _resize, "resize_as": _resize_as, "sum_to_size": sum_to_size,
    "type_as": type_as, "to_dense": to_dense, "as_subclass": as_subclass,
    "chalf": lambda self, memory_format=None: self.to(D.complex64),
    "const_data_ptr": lambda self: self.data_ptr(), "get_device": get_device,
    "is_inference": is_inference, "is_neg": is_neg, "is_same_size": is_same_size,
    "is_nonzero": _is_nonzero_m, "ravel": ravel, "adjoint": adjoint,
    "softmax": _softmax_m, "log_softmax": _log_softmax_m, "hardshrink": _hardshrink_m, "prelu": _prelu_m,
    "t_": _inplace_view(_S.t, "t_"), "transpose_": _inplace_view(_S.transpose, "transpose_"),
    "swapaxes_": _inplace_view(_S.transpose, "swapaxes_"), "swapdims_": _inplace_view(_S.transpose, "swapdims_"),
    "squeeze_": _inplace_view(_S.squeeze, "squeeze_"), "unsqueeze_": _inplace_view(_S.unsqueeze, "unsqueeze_"),
    "as_strided_": _inplace_view(_as_strided_inplace, "as_strided_"),
    "conj_physical_": _inplace_fn(_conj_physical),
})
layout = type(getattr(sys.modules["ember"], "strided"))  # torch.layout: the class of torch.strided
Tensor.output_nr = property(_output_nr)
Tensor.name = property(lambda self: None)
Tensor.grad_dtype = property(lambda self: self.dtype)

__all__ = (_INPLACE_TOP + [
    "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
    "is_deterministic_algorithms_warn_only_enabled", "set_deterministic_debug_mode",
    "get_deterministic_debug_mode", "set_float32_matmul_precision", "get_float32_matmul_precision",
    "set_warn_always", "is_warn_always_enabled", "set_default_device", "get_default_device",
    "set_default_tensor_type", "compile", "typename", "OutOfMemoryError", "is_same_size", "is_signed",
    "is_neg", "is_inference", "get_device", "detach", "fill", "ravel", "adjoint", "vmap",
    "e", "pi", "inf", "nan", "newaxis", "autocast", "GradScaler", "is_autocast_enabled",
    "set_autocast_enabled", "get_autocast_dtype", "set_autocast_dtype", "is_autocast_cpu_enabled",
    "set_autocast_cpu_enabled", "get_autocast_cpu_dtype", "set_autocast_cpu_dtype", "is_autocast_cache_enabled",
    "set_autocast_cache_enabled", "clear_autocast_cache", "Storage", "layout", "has_lapack", "has_spectral",
    "has_mkl", "has_openmp"] + list(_math_all) + list(_nn_all))
