"""Attach ops to Tensor as methods and Python operators (one place, so op modules stay plain)."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, register_methods
from . import _binary as B
from . import conversion as C
from . import creation as K
from . import pointwise as P
from . import reduction as R
from . import shape as S
from ._inplace import inplace_fn


def _r(fn):
    def m(self, other):
        return fn(other, self) if isinstance(other, Tensor) else NotImplemented
    return m


def _radd(self, other):
    return B.add(self, other)


def _rmul(self, other):
    return B.mul(self, other)


def _rsub(self, other):
    return B.rsub(self, other)


def _rtruediv(self, other):
    return B.rdiv(self, other)


def _rpow(self, other):
    return B._rpow(self, other)


def _rfloordiv(self, other):
    return P.floor_divide(K.tensor(other, dtype=P.result_type(self, other), device=self.device), self)


def _rmod(self, other):
    return P.remainder(K.tensor(other, dtype=P.result_type(self, other), device=self.device), self)


def _eq(self, other):
    if other is None or not isinstance(other, (Tensor, int, float, bool, complex, np.generic, np.ndarray)):
        return False
    return P.eq(self, other)


def _ne(self, other):
    if other is None or not isinstance(other, (Tensor, int, float, bool, complex, np.generic, np.ndarray)):
        return True
    return P.ne(self, other)


def _and(self, other):
    return P.bitwise_and(self, other)


def _or(self, other):
    return P.bitwise_or(self, other)


def _xor(self, other):
    return P.bitwise_xor(self, other)


def _invert(self):
    return P.bitwise_not(self)


def _neg(self):
    return P.neg(self)


def _pos(self):
    return self


def _noalpha(fn):
    def m(self, other, **kw):
        return fn(self, other, **kw)
    m.__name__ = fn.__name__
    return m


def _fast_inplace(ufunc, fallback, floating_only=False):
    """x.op_(y) without autograd: one ufunc call writing into x (torch's semantics otherwise)."""
    from ..autograd.grad_mode import state

    def method(self, other, *, alpha=1):
        a = self._data
        if not (state.grad_enabled and (self._rg or (other.__class__ is Tensor and other._rg))) \
                and self._names is None and (not floating_only or a.dtype.kind in "fc"):
            oc = other.__class__
            if oc is Tensor or isinstance(other, Tensor):
                b = other._data
                ok = b.dtype == a.dtype and b.__class__ is a.__class__
            else:
                b = other
                ok = (oc is float and a.dtype.kind in "fc") or (oc is int and a.dtype.kind in "fciu")
            if ok and 0 not in a.strides:
                if alpha != 1:
                    b = b * alpha
                try:
                    ufunc(a, b, out=a)
                except (ValueError, TypeError):
                    pass
                else:
                    vc = self._vc
                    if self._inference:  # outside inference_mode this raises (after the write, as torch)
                        self._bump_version()
                    elif vc is None:
                        self._vc = [1]
                    else:
                        vc[0] += 1
                    return self
        return fallback(self, other, alpha=alpha) if alpha != 1 else fallback(self, other)
    method.__name__ = fallback.__name__
    return method


def _resize_(self, *sizes, memory_format=None):
    """Change the shape in place, keeping the storage: elements keep their memory order and are
    laid out again (C order, or the memory_format's); new elements are zero (torch: uninitialised)."""
    import ember
    shape = S._shape_arg(sizes)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(shape)}")
    if memory_format is ember.preserve_format:
        raise RuntimeError("Unsupported memory formatPreserve")
    rank = {id(ember.channels_last): 4, id(ember.channels_last_3d): 5}.get(id(memory_format))
    if rank is not None and len(shape) != rank:
        name = "channels_last" if rank == 4 else "channels_last_3d"
        raise RuntimeError(f"required rank {rank} tensor to use {name} format")
    d = self._data
    if memory_format is None and tuple(shape) == d.shape:
        return self
    n = 1
    for s in shape:
        n *= s
    from .._random_mt import memory_order
    flat = memory_order(d).reshape(-1)  # storage order for dense tensors
    if n != d.size:
        m = np if d.__class__ is np.ndarray else __import__("cupy")
        new = m.zeros(n, dtype=d.dtype)
        k = min(n, d.size)
        new[:k] = flat[:k]
        flat = new
    if rank == 4:
        N, C, H, W = shape
        self._data = flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    elif rank == 5:
        N, C, D_, H, W = shape
        self._data = flat.reshape(N, D_, H, W, C).transpose(0, 4, 1, 2, 3)
    else:
        self._data = flat.reshape(shape)
    self._bump_version()
    return self


def _zero_(self):
    from ..autograd.grad_mode import state
    if state.grad_enabled and (self._rg and self._grad_fn is None and self._base is None):
        from ._inplace import _LEAF_MSG
        raise RuntimeError(_LEAF_MSG)
    return self.fill_(0)


def _fill_(self, value):
    """Fill with a scalar (or 0-dim tensor) in place."""
    from ._inplace import check_inplace, write_result
    from ..autograd.grad_mode import state
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.dim()} dimensions.")
        needs = state.grad_enabled and (self._rg or value._rg)
        if needs:
            check_inplace(self, needs)
            r = P.where(K.ones_like(self, dtype=D.bool_), value.to(self.dtype).expand(self.shape), self.detach())
            return write_result(self, r, needs)
        value = value.item()
    needs = state.grad_enabled and self._rg
    if needs:
        check_inplace(self, needs)
        r = self * 0 + value if not (isinstance(value, float) and value != value) else self * 0 + value
        return write_result(self, r, needs, allow_cast=True)
    if not self._data.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor "
                           "refers to a single memory location. Please clone() the tensor before "
                           "performing the operation.")
    self._data[...] = value
    self._bump_version()
    return self


_METHODS = {
    "__add__": B.add, "__radd__": _radd, "__iadd__": inplace_fn(B.add),
    "__sub__": B.sub, "__rsub__": _rsub, "__isub__": inplace_fn(B.sub),
    "__mul__": B.mul, "__rmul__": _rmul, "__imul__": inplace_fn(B.mul),
    "__truediv__": B.div, "__rtruediv__": _rtruediv, "__itruediv__": inplace_fn(B.div),
    "__floordiv__": P.floor_divide, "__rfloordiv__": _rfloordiv, "__ifloordiv__": inplace_fn(P.floor_divide),
    "__mod__": P.remainder, "__rmod__": _rmod, "__imod__": inplace_fn(P.remainder),
    "__pow__": B.pow, "__rpow__": _rpow, "__ipow__": inplace_fn(B.pow),
    "__neg__": _neg, "__pos__": _pos, "__abs__": P.abs, "__invert__": _invert,
    "__and__": _and, "__rand__": _and, "__iand__": inplace_fn(P.bitwise_and),
    "__or__": _or, "__ror__": _or, "__ior__": inplace_fn(P.bitwise_or),
    "__xor__": _xor, "__rxor__": _xor, "__ixor__": inplace_fn(P.bitwise_xor),
    "__lshift__": P.bitwise_left_shift, "__rshift__": P.bitwise_right_shift,
    "__eq__": _eq, "__ne__": _ne, "__lt__": P.lt, "__le__": P.le, "__gt__": P.gt, "__ge__": P.ge,
    "__getitem__": S.getitem,
    "add": B.add, "sub": B.sub, "mul": B.mul, "div": B.div, "pow": B.pow, "true_divide": B.div,
    "divide": B.div, "multiply": B.mul, "subtract": B.sub, "rsub": B.rsub,
    "add_": _fast_inplace(np.add, inplace_fn(B.add)), "sub_": _fast_inplace(np.subtract, inplace_fn(B.sub)),
    "mul_": _fast_inplace(np.multiply, _noalpha(inplace_fn(B.mul))),
    "div_": _fast_inplace(np.true_divide, _noalpha(inplace_fn(B.div)), floating_only=True), "pow_": inplace_fn(B.pow), "true_divide_": inplace_fn(B.div),
    "divide_": inplace_fn(B.div), "multiply_": inplace_fn(B.mul), "subtract_": inplace_fn(B.sub),
    "zero_": _zero_, "fill_": _fill_, "resize_": _resize_,
    "resize_as_": lambda self, other, memory_format=None: _resize_(self, other.shape),
    "sum": R.sum, "mean": R.mean,
    "view": S.view, "reshape": S.reshape, "view_as": S.view_as, "reshape_as": S.reshape_as,
    "transpose": S.transpose, "swapaxes": S.transpose, "swapdims": S.transpose, "t": S.t,
    "permute": S.permute, "expand": S.expand, "expand_as": S.expand_as, "broadcast_to": S.broadcast_to,
    "squeeze": S.squeeze, "unsqueeze": S.unsqueeze, "flatten": S.flatten, "unflatten": S.unflatten,
    "select": S.select, "narrow": S.narrow, "contiguous": S.contiguous,
    "clone": C.clone, "to": C.to, "type": C.type_, "cpu": C.cpu, "cuda": C.cuda, "copy_": C.copy_,
    "new_zeros": K._new("zeros"), "new_ones": K._new("ones"), "new_empty": K._new("zeros"),
    "new_full": K._new("full"), "new_tensor": K.new_tensor,
}
for _dt, _names in ((D.float32, ("float",)), (D.float64, ("double",)), (D.float16, ("half",)),
                    (D.bfloat16, ("bfloat16",)), (D.int64, ("long",)), (D.int32, ("int",)),
                    (D.int16, ("short",)), (D.int8, ("char",)), (D.uint8, ("byte",)), (D.bool_, ("bool",)),
                    (D.complex64, ("cfloat",)), (D.complex128, ("cdouble",))):
    for _n in _names:
        _METHODS[_n] = C._cast_method(_dt)

# every unary/binary pointwise function becomes a method and (where torch has one) an in-place one
_NO_INPLACE = {"isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal", "signbit", "isclose",
               "allclose", "equal", "where", "real", "imag", "conj", "resolve_conj", "resolve_neg",
               "is_conj", "view_as_real", "view_as_complex", "polar", "angle", "positive",
               "conj_physical", "add", "sub", "mul", "div", "pow", "true_divide", "divide", "multiply",
               "subtract", "rsub", "floor_divide", "allclose", "sgn"}
for _name in P.__all__:
    fn = getattr(P, _name)
    if _name not in _METHODS:
        _METHODS[_name] = fn
    if _name not in _NO_INPLACE and _name + "_" not in _METHODS:
        _METHODS[_name + "_"] = inplace_fn(fn)
_METHODS["floor_divide_"] = inplace_fn(P.floor_divide)
_METHODS["where"] = lambda self, condition, other: P.where(condition, self, other)
_METHODS["sgn_"] = inplace_fn(P.sgn)

register_methods(_METHODS)


def _T(self):
    n = self.dim()
    if n != 2 and n != 0 and n != 1:
        import warnings
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape "
                      "is deprecated and it will throw an error in a future release.", UserWarning)
    return S.permute(self, tuple(range(n - 1, -1, -1)))


def _mT(self):
    if self.dim() < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got "
                           f"{self.dim()}-D tensor.")
    return S.transpose(self, -2, -1)


def _H(self):
    return _T(self).conj()


Tensor.T = property(_T)
Tensor.mT = property(_mT)
Tensor.H = property(_H)
Tensor.mH = property(lambda self: _mT(self).conj())
Tensor.real = property(P.real, lambda self, v: P.real(self).copy_(v))
Tensor.imag = property(P.imag, lambda self, v: P.imag(self).copy_(v))
