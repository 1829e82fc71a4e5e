"""The Tensor: a backend array (a view onto its storage) plus autograd state.

Math methods and operators are attached by the op modules (``ember/ops/*``) through
``register_methods``; this file holds what every tensor is: memory, metadata, conversion,
and the entry points into autograd.
"""
from __future__ import annotations

import numpy as np

from . import _dtype as D
from ._device import CPU, array_module, device_of_array
from .autograd.grad_mode import INFERENCE_ACTIVE as _INFERENCE_ACTIVE, state as _grad_state


class Size(tuple):
    """A tensor's shape: a tuple of ints whose repr is ``torch.Size([3, 2])``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(int(s)) for s in self)}])"

    __str__ = __repr__

    def numel(self) -> int:
        """Number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, k):
        r = tuple.__getitem__(self, k)
        return Size(r) if isinstance(k, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __reduce__(self):
        return (Size, (tuple(self),))


class Tensor:
    """A multi-dimensional array with torch semantics (views share storage; autograd-aware)."""

    __slots__ = ("_data", "_rg", "_grad_fn", "_base", "_vc", "__dict__", "__weakref__")

    __array_priority__ = 1000  # NumPy defers to our reflected operators (ndarray + Tensor -> Tensor)

    # Rarely set attributes live in __dict__ with these class-level defaults (keeps creation cheap).
    grad = None
    _output_nr = 0
    _names = None
    _is_param = False
    _inference = False  # created under inference_mode (see autograd.grad_mode.inference_mode)

    def __new__(cls, *args, **kwargs):
        t = object.__new__(cls)
        t._rg = False
        t._grad_fn = None
        t._base = None
        t._vc = None
        if args and isinstance(args[0], np.ndarray):
            t._data = args[0]
        elif args and isinstance(args[0], Tensor):
            t._data = args[0]._data
        else:  # torch.Tensor(2, 3) / torch.Tensor([1, 2]) legacy constructors
            from .ops.creation import _legacy_new
            t._data = _legacy_new(args, kwargs)
        return t

    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        # Only reached when normal lookup fails: methods of lazily imported modules (linalg's
        # x.det(), ...) are registered on first use, then looked up again.
        if name[:1] != "_" and _LAZY_METHOD_MODULES:
            _load_lazy_methods()
            return object.__getattribute__(self, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    # ---- metadata ------------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        """The size of every dimension (``torch.Size``)."""
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        """The shape, or the size of one dimension."""
        if dim is None:
            return Size(self._data.shape)
        if isinstance(dim, str):
            dim = self._name_to_dim(dim)
        return self._data.shape[self._wrap_dim(dim)]

    @property
    def dtype(self) -> D.dtype:
        """The element type (``torch.float32`` ...)."""
        return D._NP2DT[self._data.dtype]

    @property
    def device(self):
        """Where the data lives (``device(type='cpu')``)."""
        d = self._data
        return CPU if d.__class__ is np.ndarray else device_of_array(d)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        """Number of elements."""
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def stride(self, dim: int | None = None):
        """Elements to skip in storage to step one index along each dimension."""
        d = self._data
        isz = d.itemsize
        st = tuple(s // isz for s in d.strides)
        if d.size == 0 or 0 in d.shape or any(s == 1 for s in d.shape):
            st = _canonical_strides(d.shape, st)
        if dim is None:
            return st
        return st[self._wrap_dim(dim)]

    def storage_offset(self) -> int:
        """Offset of the first element in the storage, in elements."""
        from ._storage import storage_of
        _, off = storage_of(self)
        return off // self._data.itemsize

    def data_ptr(self) -> int:
        """Address of the first element."""
        d = self._data
        if d.__class__ is np.ndarray:
            return d.__array_interface__["data"][0]
        return int(d.data.ptr)

    def untyped_storage(self):
        """The bytes this tensor (and every view of it) lives in."""
        from ._storage import UntypedStorage
        return UntypedStorage._of_tensor(self)

    def storage(self):
        """The typed storage this tensor is a view of (torch's TypedStorage)."""
        from ._storage import TypedStorage
        return TypedStorage._of_tensor(self)

    def is_contiguous(self, memory_format=None) -> bool:
        """Whether the elements are laid out row-major without gaps."""
        d = self._data
        if memory_format is not None and getattr(memory_format, "_name", "") == "channels_last":
            return _is_channels_last(self)
        if d.flags.c_contiguous:
            return True
        # torch ignores strides of size-1 dims
        expected = 1
        isz = d.itemsize
        for s, st in zip(reversed(d.shape), reversed(d.strides)):
            if s == 1:
                continue
            if st != expected * isz:
                return d.size == 0
            expected *= s
        return True

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating point type."""
        return self._data.dtype.kind == "f" or self._data.dtype == D.bfloat16.np

    def is_complex(self) -> bool:
        """Whether the dtype is complex."""
        return self._data.dtype.kind == "c"

    def is_signed(self) -> bool:
        return self.dtype.is_signed

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (their gradient lands in .grad)."""
        return self._grad_fn is None

    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._set_requires_grad(bool(value))

    def _set_requires_grad(self, value: bool) -> None:
        if self._grad_fn is not None and not value:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you "
                               "want to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        if value and not (self.is_floating_point() or self.is_complex()):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if value and self._inference and not _grad_state.inference:
            raise RuntimeError("Setting requires_grad=True on inference tensor outside InferenceMode is "
                               "not allowed.")
        self._rg = value

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set requires_grad in place; returns self."""
        self._set_requires_grad(bool(requires_grad))
        return self

    @property
    def grad_fn(self):
        """The autograd node that produced this tensor (None for leaves)."""
        fn = self._grad_fn
        if self._base is not None and self._rg and self.__dict__.get("_view_ver") != self._vc[0]:
            from .autograd.graph import refresh_view_grad_fn
            fn = refresh_view_grad_fn(self)
        return fn

    @grad_fn.setter
    def grad_fn(self, value) -> None:
        self._grad_fn = value

    @property
    def _version(self) -> int:
        vc = self._vc
        return vc[0] if vc is not None else 0

    def _bump_version(self) -> None:
        if self._inference and not _grad_state.inference:
            raise RuntimeError(_INFERENCE_INPLACE)
        vc = self._vc
        if vc is None:
            self._vc = [1]
        else:
            vc[0] += 1

    @property
    def data(self) -> "Tensor":
        """A tensor sharing this one's memory but outside autograd."""
        t = _wrap(self._data)
        t._base = self._base
        return t

    @data.setter
    def data(self, value: "Tensor") -> None:
        self._data = value._data

    @property
    def names(self):
        """Dimension names (a tuple of str/None) of a named tensor."""
        n = self._names
        return n if n is not None else (None,) * self._data.ndim

    @names.setter
    def names(self, value) -> None:
        from .ops.named import _set_names
        _set_names(self, value)

    @property
    def layout(self):
        from . import strided
        return strided

    @property
    def is_sparse(self) -> bool:
        return False

    @property
    def is_quantized(self) -> bool:
        return False

    @property
    def is_meta(self) -> bool:
        return False

    @property
    def is_nested(self) -> bool:
        return False

    def _wrap_dim(self, dim: int) -> int:
        n = self._data.ndim
        if isinstance(dim, str):
            return self._name_to_dim(dim)
        lo, hi = (-n, n - 1) if n > 0 else (-1, 0)
        if not lo <= dim <= hi:
            raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], "
                             f"but got {dim})")
        if n == 0:
            return 0
        return dim + n if dim < 0 else dim

    def _name_to_dim(self, name: str) -> int:
        names = self._names
        if names is None or name not in names:
            raise RuntimeError(f"Name '{name}' not found in {tuple(self.names)}.")
        return names.index(name)

    # ---- conversion ----------------------------------------------------------------------------
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """A NumPy array sharing this tensor's memory (CPU tensors without grad)."""
        if not force:
            if self._rg:
                raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                                   "tensor.detach().numpy() instead.")
            if self._data.__class__ is not np.ndarray:
                raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use "
                                "Tensor.cpu() to copy the tensor to host memory first.")
            return self._data
        d = self._data
        return d if d.__class__ is np.ndarray else d.get()

    def _host(self) -> np.ndarray:
        d = self._data
        return d if d.__class__ is np.ndarray else d.get()

    def __array__(self, dtype=None, copy=None):
        a = self._host()
        return a if dtype is None else a.astype(dtype)

    def tolist(self):
        """Nested Python lists of Python numbers."""
        a = self._host()
        if a.dtype == D.bfloat16.np or a.dtype == np.float16:
            a = a.astype(np.float32)
        return a.tolist()

    def item(self):
        """The single value of a one-element tensor as a Python number."""
        a = self._data
        if a.size != 1:
            raise RuntimeError(f"a Tensor with {a.size} elements cannot be converted to Scalar")
        if a.__class__ is not np.ndarray:
            a = a.get()
        if a.dtype.kind == "V":  # bfloat16: NumPy's item() would return an ml_dtypes scalar
            return float(a.astype(np.float32).item())
        return a.item()  # float16 items are Python floats already

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self, *, tensor_contents=None) -> str:
        from ._tensor_str import tensor_repr
        return tensor_repr(self, tensor_contents=tensor_contents)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 and type(self) is Tensor:  # torch formats 0-dim tensors as numbers
            return format(self.item(), spec)
        return format(self.__repr__(), spec)

    def __reduce_ex__(self, proto):
        from ._tensor_pickle import reduce_tensor
        return reduce_tensor(self)

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment.  If you were attempting to "
                               "deepcopy a module, this may be because of a torch.nn.utils.weight_norm"
                               " usage, see https://github.com/pytorch/pytorch/pull/103001")
        if id(self) in memo:
            return memo[id(self)]
        new = type(self).__new__(type(self), self._data.copy())
        new._rg = self._rg
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        for k, v in self.__dict__.items():
            if k not in ("grad", "_acc", "_hooks"):
                new.__dict__[k] = v
        memo[id(self)] = new
        return new

    # ---- autograd entry points -----------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Compute the gradient of this tensor w.r.t. graph leaves (accumulated in ``.grad``)."""
        from .autograd import backward as _backward
        _backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph,
                  inputs=inputs)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; may return a new grad."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        fn = self._grad_fn
        if fn is None:
            from .autograd.graph import _RemovableHandle
            hooks = self.__dict__.setdefault("_hooks", [])
            hooks.append(hook)
            return _RemovableHandle(hooks, hook)
        return fn._add_tensor_hook(self._output_nr, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` after a leaf's .grad has been accumulated."""
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        from .autograd.graph import _RemovableHandle
        hooks = self.__dict__.setdefault("_post_acc_hooks", [])
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def retain_grad(self) -> None:
        """Keep .grad for this non-leaf tensor after backward."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        fn = self._grad_fn
        if fn is None:
            return
        import weakref
        if fn._retain is None:
            fn._retain = {}
        fn._retain[self._output_nr] = weakref.ref(self)
        self.__dict__["_retains_grad"] = True

    @property
    def retains_grad(self) -> bool:
        return self.__dict__.get("_retains_grad", False)

    def detach(self) -> "Tensor":
        """A tensor sharing memory (and version counter) but cut from the graph."""
        t = _wrap(self._data)
        if self._vc is None:
            self._vc = [0]
        t._vc = self._vc
        if self._names is not None:
            t._names = self._names
        if self._inference or t._inference:
            _same_inference(t, self)
        return t

    def detach_(self) -> "Tensor":
        """Cut this tensor from the graph in place."""
        if self._base is not None and self._base._rg:
            raise RuntimeError("Can't detach views in-place. Use detach() instead. If you are using "
                               "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view"
                               " is set as True, gradients are views of DDP buckets, and hence detach_()"
                               " cannot be called on these gradients. To fix this error, please refer "
                               "to the Optimizer.zero_grad() function in torch/optim/optimizer.py as "
                               "the solution.")
        self._grad_fn = None
        self._rg = False
        return self


def _canonical_strides(shape, strides):
    """torch's strides for size-0/size-1 dims, where NumPy may report arbitrary values."""
    if 0 in shape:
        out = []
        acc = 1
        for s in reversed(shape):
            out.append(acc)
            acc *= max(s, 1)
        return tuple(reversed(out))
    return strides


def _is_channels_last(t) -> bool:
    d = t._data
    if d.ndim != 4:
        return False
    n, c, h, w = d.shape
    st = t.stride()
    exp = (h * w * c, 1, w * c, c)
    return all(s == 1 or a == b for s, a, b in zip(d.shape, st, exp))


def _wrap(arr) -> Tensor:
    """Make a Tensor around a backend array (no copy)."""
    t = _new(Tensor)
    if arr.__class__ is not _ndarray and isinstance(arr, _generic):
        arr = _asarray(arr)  # NumPy returns scalars from 0-d arithmetic/reductions
    t._data = arr
    t._rg = False
    t._grad_fn = None
    t._base = None
    t._vc = None
    if _INFERENCE_ACTIVE[0] and _grad_state.inference:  # made under inference_mode
        t._inference = True
    return t


_new = object.__new__


def _same_inference(view: "Tensor", base: "Tensor") -> None:
    """A view (or detach) is an inference tensor exactly when its base is, wherever it is made."""
    if base._inference:
        view._inference = True
    elif view._inference:
        del view.__dict__["_inference"]

_INFERENCE_INPLACE = ("Inplace update to inference tensor outside InferenceMode is not allowed.You can "
                      "make a clone to get a normal tensor before doing inplace update.See "
                      "https://github.com/pytorch/rfcs/pull/17 for more details.")
_ndarray = np.ndarray
_generic = np.generic
_asarray = np.asarray


# Modules that register Tensor methods but are not imported by ``import ember`` (start-up cost).
_LAZY_METHOD_MODULES = ["ember.linalg", "ember._spectral"]


def _load_lazy_methods() -> None:
    import importlib
    while _LAZY_METHOD_MODULES:
        importlib.import_module(_LAZY_METHOD_MODULES.pop())


def register_methods(mapping: dict) -> None:
    """Attach functions as Tensor methods (used by op modules so none of them edits this file)."""
    for name, fn in mapping.items():
        setattr(Tensor, name, fn)


def is_tensor(obj) -> bool:
    """Whether obj is an ember Tensor."""
    return isinstance(obj, Tensor)
