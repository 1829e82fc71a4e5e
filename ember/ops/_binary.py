"""Binary arithmetic: promotion, broadcasting errors, the fast path, and each op's gradient."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import state as _gs
from ._function import Function, _record, xp
from ._promote import result_type, to_float

_NP2DT = D._NP2DT
_new = object.__new__


def broadcast_error(sa, sb) -> RuntimeError:
    """torch's message for shapes that do not broadcast."""
    na, nb = len(sa), len(sb)
    n = max(na, nb)
    for i in range(1, n + 1):
        a = sa[-i] if i <= na else 1
        b = sb[-i] if i <= nb else 1
        if a != b and a != 1 and b != 1:
            return RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({b}) "
                                f"at non-singleton dimension {n - i}")
    return RuntimeError(f"shapes {list(sa)} and {list(sb)} cannot be broadcast")


def device_error(a: Tensor, b: Tensor, op: str) -> RuntimeError:
    return RuntimeError("Expected all tensors to be on the same device, but found at least two "
                        f"devices, {b.device} and {a.device}! (when checking argument for argument "
                        f"other in method wrapper__{op})")


def _cast(arr, npdt):
    return arr if arr.dtype == npdt else arr.astype(npdt)


def _mixed(ufunc, a, b, npdt):
    """ufunc(a, b) computed in dtype npdt. For NumPy's own numeric dtypes the ufunc casts inputs
    chunk by chunk (same values as casting first), so a mixed-dtype op such as ``x * bool_mask``
    makes no full-size converted copy of either operand."""
    if (a.dtype != npdt or b.dtype != npdt) and a.__class__ is np.ndarray and \
            b.__class__ is np.ndarray and npdt.kind in "biufc":
        return ufunc(a, b, dtype=npdt, casting="unsafe")  # the casts astype would do
    return ufunc(_cast(a, npdt), _cast(b, npdt))


_BF16 = D.bfloat16.np


def _scalar_for(v, npdt):
    """A Python scalar made safe for an array of dtype npdt (integers wrap around as in torch)."""
    if npdt == _BF16:  # ml_dtypes would promote bfloat16 with a Python float to float32
        return npdt.type(v)
    if npdt.kind in "iu" and isinstance(v, int) and not isinstance(v, bool):
        info = np.iinfo(npdt)
        if not info.min <= v <= info.max:
            return np.array(v & ((1 << (8 * npdt.itemsize)) - 1)).astype(npdt)
    return v


def _conj(t: Tensor) -> Tensor:
    return t.conj() if t.is_complex() else t


# ---- the ops ------------------------------------------------------------------------------------
class Add(Function):
    @staticmethod
    def forward(ctx, a, b, dtype=None, alpha=1):
        ctx.alpha = alpha
        if alpha == 1:
            return a + b if dtype is None else _mixed(np.add, a, b, dtype)
        if dtype is not None:
            a, b = _cast(a, dtype), _cast(b, dtype)
        return a + b * alpha

    @staticmethod
    def backward(ctx, g):
        return g, (g if ctx.alpha == 1 else g * ctx.alpha)


class AddScalar(Function):
    @staticmethod
    def forward(ctx, a, s=0, dtype=None):
        return _cast(a, dtype) + _scalar_for(s, dtype) if dtype is not None else a + s

    @staticmethod
    def backward(ctx, g):
        return g

    def name(self):
        return "AddBackward0"


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b, dtype=None, alpha=1):
        ctx.alpha = alpha
        if alpha == 1:
            return a - b if dtype is None else _mixed(np.subtract, a, b, dtype)
        if dtype is not None:
            a, b = _cast(a, dtype), _cast(b, dtype)
        return a - b * alpha

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.alpha == 1 else g * -ctx.alpha)


class RSubScalar(Function):
    @staticmethod
    def forward(ctx, a, s=0, dtype=None):
        return _scalar_for(s, dtype) - _cast(a, dtype)

    @staticmethod
    def backward(ctx, g):
        return -g

    def name(self):
        return "RsubBackward1"


class Mul(Function):
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, b, dtype=None):
        return a * b if dtype is None else _mixed(np.multiply, a, b, dtype)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g * _conj(b) if ctx.needs_input_grad[0] else None
        gb = g * _conj(a) if ctx.needs_input_grad[1] else None
        return ga, gb


class MulScalar(Function):
    @staticmethod
    def forward(ctx, a, s=1, dtype=None):
        ctx.s = s
        return _cast(a, dtype) * _scalar_for(s, dtype)

    @staticmethod
    def backward(ctx, g):
        s = ctx.s
        return g * (s.conjugate() if isinstance(s, complex) else s)

    def name(self):
        return "MulBackward0"


class Div(Function):
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, b, dtype=None):
        return a / b if dtype is None else _mixed(np.true_divide, a, b, dtype)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g / _conj(b) if ctx.needs_input_grad[0] else None
        gb = -g * _conj(a) / _conj(b * b) if ctx.needs_input_grad[1] else None
        return ga, gb


class DivScalar(Function):
    @staticmethod
    def forward(ctx, a, s=1, dtype=None):
        ctx.s = s
        return _cast(a, dtype) / s

    @staticmethod
    def backward(ctx, g):
        s = ctx.s
        return g / (s.conjugate() if isinstance(s, complex) else s)

    def name(self):
        return "DivBackward0"


class RDivScalar(Function):
    save = (0,)

    @staticmethod
    def forward(ctx, a, s=1, dtype=None):
        ctx.s = s
        return s / _cast(a, dtype)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return -g * ctx.s / (a * a)

    def name(self):
        return "DivBackward0"


class Pow(Function):
    save = (0, 1)
    save_output = True

    @staticmethod
    def forward(ctx, a, b, dtype=None):
        if dtype is not None:
            a, b = _cast(a, dtype), _cast(b, dtype)
        if a.dtype.kind in "iu" and b.dtype.kind in "iu" and (b < 0).any():
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return xp(a).power(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = g * b * a.pow(b - 1)
        if ctx.needs_input_grad[1]:
            from .pointwise import log, where
            ga_ = a != 0
            gb = g * where(ga_, ctx.output * log(where(ga_, a, a.new_ones(()))), ctx.output * 0)
        return ga, gb


class PowScalar(Function):
    save = (0,)

    @staticmethod
    def forward(ctx, a, s=1, dtype=None):
        ctx.s = s
        a = _cast(a, dtype)
        if a.dtype.kind in "iu" and isinstance(s, int) and s < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if s == 2:
            return a * a
        return xp(a).power(a, _scalar_for(s, a.dtype))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        s = ctx.s
        if s == 0:
            return g * 0
        if s == 2:
            return g * a * 2
        return g * s * a.pow(s - 1)

    def name(self):
        return "PowBackward0"


class RPowScalar(Function):
    save_output = True

    @staticmethod
    def forward(ctx, a, s=1, dtype=None):
        ctx.s = s
        a = _cast(a, dtype)
        return xp(a).power(np.asarray(s, dtype=a.dtype) if a.dtype.kind != "b" else s, a)

    @staticmethod
    def backward(ctx, g):
        import math
        return g * ctx.output * math.log(ctx.s) if ctx.s > 0 else g * 0

    def name(self):
        return "PowBackward1"


# ---- the public functions -----------------------------------------------------------------------
def _operands(a, b, floating=False):
    """Promote (tensor, tensor|scalar) to their torch result dtype."""
    if not isinstance(b, Tensor):
        if isinstance(b, np.ndarray):
            b = _wrap(b)
        elif not isinstance(b, (int, float, complex, bool, np.generic)):
            raise TypeError(f"unsupported operand type(s): 'Tensor' and '{type(b).__name__}'")
    if not isinstance(a, Tensor):
        a = _scalar_tensor_like(a, b)
    rd = result_type(a, b)
    if floating:
        rd = to_float(rd)
    return a, b, rd


def _scalar_tensor_like(v, other: Tensor) -> Tensor:
    from .creation import tensor
    return tensor(v, device=other.device)


def _binary(a, b, op_t, op_s, floating=False, **kw):
    a, b, rd = _operands(a, b, floating)
    npdt = rd.np
    if isinstance(b, Tensor):
        da, db = a._data, b._data
        if da.__class__ is not db.__class__:
            raise device_error(a, b, op_t.__name__.lower())
        if a._names is not None or b._names is not None:
            from .named import binary_names
            names = binary_names(a, b)
        else:
            names = None
        try:
            r = op_t.apply(a, b, dtype=npdt, **kw)
        except ValueError as e:
            if "broadcast" in str(e):
                raise broadcast_error(da.shape, db.shape) from None
            raise
        if names is not None:
            r._names = names
        return r
    if isinstance(b, np.generic):
        b = b.item()
    r = op_s.apply(a, s=b, dtype=npdt, **kw)
    if a._names is not None:
        r._names = a._names
    return r


def _scalar_fast(input, other) -> bool:
    """Whether ``input op other`` (other a Python float/int) keeps input's floating dtype, so the
    op is one NumPy call on the array (NumPy 2 treats Python scalars as weak, as torch does)."""
    oc = other.__class__
    return (oc is float or oc is int) and isinstance(input, Tensor) and \
        input._data.dtype.kind in "fc" and input._names is None


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, broadcasting and promoting as torch."""
    if out is None and alpha == 1 and isinstance(other, Tensor) and isinstance(input, Tensor):
        a = input._data
        b = other._data
        if a.dtype is b.dtype and a.__class__ is b.__class__ and input._names is None \
                and other._names is None:
            try:
                r = a + b
            except ValueError:
                raise broadcast_error(a.shape, b.shape) from None
            if (input._rg or other._rg) and _gs.grad_enabled:
                ctx = _new(Add)
                ctx.alpha = 1
                return _record(ctx, Add, (input, other), r)
            return _wrap(r)
    if out is None and alpha == 1 and _scalar_fast(input, other):
        r = input._data + other
        if input._rg and _gs.grad_enabled:
            return _record(_new(AddScalar), AddScalar, (input,), r)
        return _wrap(r)
    if not isinstance(other, Tensor) and alpha != 1:
        other = other * alpha
        alpha = 1
    if alpha != 1:
        return _out(_binary(input, other, Add, AddScalar, alpha=alpha), out)
    return _out(_binary(input, other, Add, AddScalar), out)


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other."""
    if out is None and alpha == 1 and isinstance(other, Tensor) and isinstance(input, Tensor):
        a, b = input._data, other._data
        if a.dtype is b.dtype and a.__class__ is b.__class__ and input._names is None \
                and other._names is None and a.dtype.kind != "b":
            try:
                r = a - b
            except ValueError:
                raise broadcast_error(a.shape, b.shape) from None
            if (input._rg or other._rg) and _gs.grad_enabled:
                ctx = _new(Sub)
                ctx.alpha = 1
                return _record(ctx, Sub, (input, other), r)
            return _wrap(r)
    _check_bool_sub(input, other)
    if not isinstance(other, Tensor):
        return _out(_binary(input, -other * alpha, Add, AddScalar), out)
    return _out(_binary(input, other, Sub, None, alpha=alpha), out)


def _check_bool_sub(a, b) -> None:
    """torch refuses subtraction involving bool tensors (or a bool tensor and a Python bool)."""
    ab = isinstance(a, bool) or (isinstance(a, Tensor) and a._data.dtype.kind == "b")
    bb = isinstance(b, bool) or (isinstance(b, Tensor) and b._data.dtype.kind == "b")
    if ab and bb:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if ab or bb:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    if isinstance(other, Tensor):
        return sub(other, input, alpha=alpha)
    _check_bool_sub(other, input)
    a, b, rd = _operands(input, other)
    return RSubScalar.apply(input * alpha if alpha != 1 else input, s=other, dtype=rd.np)


def mul(input, other, *, out=None):
    """Elementwise product."""
    if out is None and isinstance(other, Tensor) and isinstance(input, Tensor):
        a, b = input._data, other._data
        if a.dtype is b.dtype and a.__class__ is b.__class__ and input._names is None \
                and other._names is None:
            try:
                r = a * b
            except ValueError:
                raise broadcast_error(a.shape, b.shape) from None
            if (input._rg or other._rg) and _gs.grad_enabled:
                return _record(_new(Mul), Mul, (input, other), r)
            return _wrap(r)
    elif out is None and _scalar_fast(input, other):
        r = input._data * other
        if input._rg and _gs.grad_enabled:
            ctx = _new(MulScalar)
            ctx.s = other
            return _record(ctx, MulScalar, (input,), r)
        return _wrap(r)
    return _out(_binary(input, other, Mul, MulScalar), out)


def div(input, other, *, rounding_mode=None, out=None):
    """True division (or 'trunc' / 'floor' rounding)."""
    if rounding_mode is None and out is None and isinstance(input, Tensor):
        if isinstance(other, Tensor):
            a, b = input._data, other._data
            if a.dtype is b.dtype and a.dtype.kind in "fc" and a.__class__ is b.__class__ and \
                    input._names is None and other._names is None:
                try:
                    r = a / b
                except ValueError:
                    raise broadcast_error(a.shape, b.shape) from None
                if (input._rg or other._rg) and _gs.grad_enabled:
                    return _record(_new(Div), Div, (input, other), r)
                return _wrap(r)
        elif _scalar_fast(input, other):
            r = input._data / other
            if input._rg and _gs.grad_enabled:
                ctx = _new(DivScalar)
                ctx.s = other
                return _record(ctx, DivScalar, (input,), r)
            return _wrap(r)
    if rounding_mode is None:
        return _out(_binary(input, other, Div, DivScalar, floating=True), out)
    if rounding_mode == "floor":
        return _out(floor_divide(input, other), out)
    if rounding_mode == "trunc":
        a, b, rd = _operands(input, other)
        if rd.is_floating_point:
            return _out(true_divide(input, other).trunc(), out)
        from .pointwise import _int_trunc_div
        return _out(_int_trunc_div(a, b, rd), out)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                       f"'{rounding_mode}'")


true_divide = div
divide = div
multiply = mul
subtract = sub


def rdiv(input, other):
    """other / input for a Python scalar other."""
    a, b, rd = _operands(input, other, floating=True)
    if isinstance(b, Tensor):
        return div(b, a)
    return RDivScalar.apply(a, s=b, dtype=rd.np)


def pow(input, exponent, *, out=None):
    """input ** exponent."""
    if not isinstance(input, Tensor):
        return _out(_rpow(exponent, input), out)
    return _out(_binary(input, exponent, Pow, PowScalar), out)


def _rpow(t, s):
    a, b, rd = _operands(t, s)
    return RPowScalar.apply(a, s=s, dtype=rd.np)


def floor_divide(input, other, *, out=None):
    """Division rounded toward negative infinity."""
    from .pointwise import _floordiv
    return _out(_floordiv(input, other), out)


def _out(r, out):
    if out is None:
        return r
    out.copy_(r) if out.shape == r.shape else out.resize_(r.shape).copy_(r)
    return out
