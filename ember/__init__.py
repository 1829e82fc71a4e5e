"""ember: PyTorch's API and semantics in readable Python, on NumPy (CPU) and CuPy (CUDA).

``import ember as torch`` and write PyTorch.
"""
from __future__ import annotations

import numpy as _np

# torch never warns about division by zero or overflow in elementwise math; neither do we.
_np.seterr(all="ignore")

__version__ = "0.1.0"

from ._dtype import (dtype, bool_ as bool, uint8, int8, int16, int32, int64, uint16, uint32, uint64,  # noqa: E402
                     float16, bfloat16, float32, float64, complex64, complex128, finfo, iinfo,
                     get_default_dtype, set_default_dtype, promote_types, can_cast)
from ._dtype import bool_ as _bool_dtype  # noqa: E402

half, float, double = float16, float32, float64
short, int, long = int16, int32, int64
cfloat, cdouble = complex64, complex128
chalf = complex64

from ._device import device  # noqa: E402
from ._tensor import Tensor, Size, is_tensor  # noqa: E402
from ._storage import UntypedStorage, TypedStorage  # noqa: E402
from .autograd.grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,  # noqa: E402
                                 is_grad_enabled, is_inference_mode_enabled)
from . import autograd  # noqa: E402
from .autograd.anomaly_mode import is_anomaly_enabled, is_anomaly_check_nan_enabled, set_detect_anomaly  # noqa: E402
from .ops._promote import result_type  # noqa: E402
from .ops import _methods  # noqa: E402,F401  (attaches methods and operators to Tensor)
from .ops.creation import *  # noqa: E402,F401,F403
from .ops.creation import range_ as range  # noqa: E402
from .ops.pointwise import *  # noqa: E402,F401,F403
from .ops.pointwise import round, abs, complex_ as complex  # noqa: E402
from .ops.reduction import *  # noqa: E402,F401,F403
from .ops.reduction import sum  # noqa: E402
from .ops.shape import *  # noqa: E402,F401,F403
from .ops.conversion import clone  # noqa: E402
from .ops import named as _named  # noqa: E402,F401  (refine_names, rename, align_as, ...)
from ._memory import tune_heap as _tune_heap  # noqa: E402
_tune_heap()
from ._threads import get_num_threads, set_num_threads, get_num_interop_threads, set_num_interop_threads  # noqa: E402
from . import cuda, backends  # noqa: E402


class _Layout:
    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return "torch." + self._name


class memory_format(_Layout):
    """Memory layout tag (contiguous_format, channels_last, preserve_format)."""


strided = _Layout("strided")
sparse_coo = _Layout("sparse_coo")
contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")


def _legacy_tensor_type(name, dt):
    def new(cls, *args, **kwargs):
        from .ops.creation import _legacy_new
        from ._tensor import _wrap
        return _wrap(_legacy_new(args, {"dtype": dt}))
    return type(name, (), {"__new__": new, "dtype": dt,
                           "__doc__": f"Legacy constructor: {name}(sizes...) or {name}(data)."})


FloatTensor = _legacy_tensor_type("FloatTensor", float32)
DoubleTensor = _legacy_tensor_type("DoubleTensor", float64)
HalfTensor = _legacy_tensor_type("HalfTensor", float16)
LongTensor = _legacy_tensor_type("LongTensor", int64)
IntTensor = _legacy_tensor_type("IntTensor", int32)
ShortTensor = _legacy_tensor_type("ShortTensor", int16)
ByteTensor = _legacy_tensor_type("ByteTensor", uint8)
CharTensor = _legacy_tensor_type("CharTensor", int8)
BoolTensor = _legacy_tensor_type("BoolTensor", _bool_dtype)


def is_floating_point(input) -> bool:
    """Whether input's dtype is floating point."""
    return input.is_floating_point()


def is_complex(input) -> bool:
    """Whether input's dtype is complex."""
    return input.is_complex()


def numel(input) -> int:
    """Number of elements of input."""
    return input.numel()


def is_nonzero(input) -> bool:
    if input.numel() != 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item())


def is_storage(obj) -> bool:
    return isinstance(obj, (UntypedStorage, TypedStorage))

# ---- lazily imported subpackages and names ----
# ``import ember`` must stay cheap (start-up is benchmarked against ``import torch``): heavy
# subpackages load on first attribute access (``ember.nn``, ``from ember import nn``), and the
# Tensor methods they register appear then (``Tensor.__getattr__`` triggers ``_load_lazy_methods``).
# Add new subpackages here rather than importing them eagerly below.
_LAZY_MODULES = {"nn", "optim", "hub", "linalg", "serialization", "utils", "vision", "compat", "func",
                 "functional", "cpu"}
_LAZY_NAMES = {  # name -> (module, attribute)
    "save": ("serialization", "save"), "load": ("serialization", "load"),
    "add_safe_globals": ("serialization", "add_safe_globals"),
    "safe_globals": ("serialization", "safe_globals"),
    "get_safe_globals": ("serialization", "get_safe_globals"),
    "clear_safe_globals": ("serialization", "clear_safe_globals"),
    "set_printoptions": ("_tensor_str", "set_printoptions"),
    "get_printoptions": ("_tensor_str", "get_printoptions"),
    "stft": ("_spectral", "stft"), "istft": ("_spectral", "istft"),
    "svd_lowrank": ("_lowrank", "svd_lowrank"), "pca_lowrank": ("_lowrank", "pca_lowrank"),
    "lobpcg": ("_lobpcg", "lobpcg"),
    "_standard_gamma": ("ops.random_gamma", "_standard_gamma"),
    "_standard_gamma_grad": ("ops.random_gamma", "_standard_gamma_grad"),
    "_sample_dirichlet": ("ops.random_gamma", "_sample_dirichlet"),
    "_dirichlet_grad": ("ops.random_gamma", "_dirichlet_grad"),
}
_LAZY_NAMES.update({n: ("linalg", "_TOP") for n in ("det", "logdet", "slogdet", "inverse", "svd",
                                                     "cholesky", "pinverse", "matrix_power",
                                                     "matrix_exp", "qr", "lu", "lu_solve", "lu_unpack",
                                                     "geqrf", "orgqr", "ormqr")})


def __getattr__(name: str):
    import importlib
    if name in _LAZY_MODULES:
        return importlib.import_module("." + name, __name__)
    spec = _LAZY_NAMES.get(name)
    if spec is not None:
        obj = getattr(importlib.import_module("." + spec[0], __name__), spec[1])
        if spec[1] == "_TOP":  # linalg's top-level aliases (torch.det, torch.inverse, ...)
            obj = obj[name]
        globals()[name] = obj
        return obj
    raise AttributeError(f"module 'ember' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | _LAZY_MODULES | set(_LAZY_NAMES))


# ---- further op modules and subpackages (each helper module adds its own import line here) ----
from ._random import (Generator, default_generator, manual_seed, seed, initial_seed,  # noqa: E402
                      get_rng_state, set_rng_state)
from . import _random as random  # noqa: E402  (torch.random: fork_rng, get_rng_state, ...)
from .ops.random import *  # noqa: E402,F401,F403
from .ops.reduction_minmax import *  # noqa: E402,F401,F403
from .ops.reduction_stats import *  # noqa: E402,F401,F403
from .ops.blas import *  # noqa: E402,F401,F403
from .ops.einsum import einsum  # noqa: E402,F401
from .ops.sorting import *  # noqa: E402,F401,F403
from .ops.indexing import *  # noqa: E402,F401,F403
from .ops.views_extra import *  # noqa: E402,F401,F403
from .ops.joining import *  # noqa: E402,F401,F403
from .ops.extra import *  # noqa: E402,F401,F403
_LAZY_MODULES.update({"special", "fft", "testing", "jit", "amp", "distributions"})  # noqa: E305
