"""Pointwise ops: a derivative table of unary functions, comparisons, logical/bitwise ops,
clamp/where/lerp/addcmul, and the Python operators on Tensor."""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap, register_methods
from ..autograd.grad_mode import state as _gs
from . import _binary as B
from ._binary import _binary, _cast, _operands, _out, add, div, mul, pow, sub
from ._function import Function, _new, _record, xp
from ._kernels import relu_array, relu_backward, unary
from ._promote import result_type, to_float

_NP2DT = D._NP2DT


def _special():
    try:
        import scipy.special as sp  # optional: faster/more accurate erf family
        return sp
    except ImportError:
        return None


def _erf(x):
    m = xp(x)
    if m is np:
        sp = _special()
        if sp is not None:
            return sp.erf(x)
        return np.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x.copy()
    import cupyx.scipy.special as csp
    return csp.erf(x)


def _erfinv(x):
    m = xp(x)
    if m is np:
        sp = _special()
        if sp is not None:
            return sp.erfinv(x)
        # Newton iterations on erf: enough for float64 precision in a few steps.
        y = np.zeros_like(x)
        a = 0.147
        ln = np.log1p(-x * x)
        t = 2 / (np.pi * a) + ln / 2
        y = np.sign(x) * np.sqrt(np.sqrt(t * t - ln / a) - t)
        for _ in range(3):
            err = _erf(y) - x
            y = y - err / (2 / np.sqrt(np.pi) * np.exp(-y * y))
        return y.astype(x.dtype)
    import cupyx.scipy.special as csp
    return csp.erfinv(x)


def _lgamma(x):
    sp = _special()
    if xp(x) is np:
        if sp is not None:
            return sp.gammaln(x)
        return np.vectorize(math.lgamma, otypes=[x.dtype])(x)
    import cupyx.scipy.special as csp
    return csp.gammaln(x)


def _digamma(x):
    sp = _special()
    if xp(x) is np and sp is not None:
        return sp.digamma(x)
    import cupyx.scipy.special as csp
    return csp.digamma(x)


# ---- unary ops: name -> (forward on arrays, backward(g, x, y) in ember ops, floating?) ---------
def _sgn(x):
    m = xp(x)
    if x.dtype.kind == "c":
        a = m.abs(x)
        return m.where(a == 0, 0, x / m.where(a == 0, 1, a)).astype(x.dtype)
    return m.sign(x)


def _trigamma(x):
    from .extra_special import polygamma
    return polygamma(1, x)


def _sgn_grad(g, x, y):
    """d (z / |z|): (g - Re(g conj(sgn)) sgn) / |z| (0 at z = 0); the sign of a real is constant."""
    if not x.is_complex():
        return g * 0
    a = x.abs()
    return where(a == 0, 0, (g - (g * y.conj()).real * y) / where(a == 0, 1, a))


def _angle_grad(g, x):
    """d angle(z): i z / |z|^2 (0 at z = 0) for complex z; angle of a real number is constant."""
    if not x.is_complex():
        return g * 0
    a2 = (x * x.conj()).real
    return where(a2 == 0, 0, g * x * 1j / where(a2 == 0, 1, a2))


def _uf(name):
    """Forward of a unary op that is one ufunc: large NumPy arrays go over the thread team."""
    f = getattr(np, name)
    return lambda m, x: unary(f, x) if m is np else getattr(m, name)(x)


_UNARY = {
    "neg": (lambda m, x: m.negative(x) if x.dtype != np.bool_ else _neg_bool(), lambda g, x, y: -g, False),
    "exp": (_uf("exp"), lambda g, x, y: g * y.conj(), True),
    "exp2": (_uf("exp2"), lambda g, x, y: g * y * math.log(2), True),
    "expm1": (_uf("expm1"), lambda g, x, y: g * (y + 1), True),
    "log": (_uf("log"), lambda g, x, y: g / x.conj(), True),
    "log2": (_uf("log2"), lambda g, x, y: g / (x * math.log(2)), True),
    "log10": (_uf("log10"), lambda g, x, y: g / (x * math.log(10)), True),
    "log1p": (_uf("log1p"), lambda g, x, y: g / (x + 1), True),
    "sqrt": (_uf("sqrt"), lambda g, x, y: g / (2 * y.conj()), True),
    "rsqrt": (lambda m, x: 1 / m.sqrt(x), lambda g, x, y: -0.5 * g * y.pow(3), True),
    "abs": (_uf("abs"), lambda g, x, y: g * x.sgn(), False),
    "sin": (_uf("sin"), lambda g, x, y: g * x.cos().conj(), True),
    "cos": (_uf("cos"), lambda g, x, y: -g * x.sin().conj(), True),
    "tan": (_uf("tan"), lambda g, x, y: g * (1 + y * y).conj(), True),
    "asin": (_uf("arcsin"), lambda g, x, y: g * (1 - x * x).rsqrt(), True),
    "acos": (_uf("arccos"), lambda g, x, y: -g * (1 - x * x).rsqrt(), True),
    "atan": (_uf("arctan"), lambda g, x, y: g / (1 + x * x), True),
    "sinh": (_uf("sinh"), lambda g, x, y: g * x.cosh(), True),
    "cosh": (_uf("cosh"), lambda g, x, y: g * x.sinh(), True),
    "tanh": (_uf("tanh"), lambda g, x, y: g * (1 - y * y).conj(), True),
    "asinh": (_uf("arcsinh"), lambda g, x, y: g * (x * x + 1).rsqrt(), True),
    "acosh": (_uf("arccosh"), lambda g, x, y: g * (x * x - 1).rsqrt(), True),
    "atanh": (_uf("arctanh"), lambda g, x, y: g / (1 - x * x), True),
    "sigmoid": (lambda m, x: _sigmoid(m, x), lambda g, x, y: g * (y * (1 - y)).conj(), True),
    "logit": (lambda m, x: m.log(x / (1 - x)), lambda g, x, y: g / (x * (1 - x)), True),
    "erf": (lambda m, x: _erf(x).astype(x.dtype), lambda g, x, y: g * (2 / math.sqrt(math.pi)) * (-x * x).exp(), True),
    "erfc": (lambda m, x: (1 - _erf(x)).astype(x.dtype), lambda g, x, y: g * (-2 / math.sqrt(math.pi)) * (-x * x).exp(), True),
    "erfinv": (lambda m, x: _erfinv(x).astype(x.dtype), lambda g, x, y: g * (math.sqrt(math.pi) / 2) * (y * y).exp(), True),
    "lgamma": (lambda m, x: _lgamma(x).astype(x.dtype), lambda g, x, y: g * x.digamma(), True),
    "digamma": (lambda m, x: _digamma(x).astype(x.dtype), lambda g, x, y: g * _trigamma(x), True),
    "reciprocal": (lambda m, x: 1 / x, lambda g, x, y: -g * (y * y).conj(), True),
    "square": (lambda m, x: x * x, lambda g, x, y: 2 * g * x.conj(), False),
    "sign": (lambda m, x: m.sign(x), lambda g, x, y: g * 0, False),
    "sgn": (lambda m, x: _sgn(x), lambda g, x, y: _sgn_grad(g, x, y), False),
    "floor": (lambda m, x: m.floor(x) if x.dtype.kind == "f" else x.copy(), lambda g, x, y: g * 0, False),
    "ceil": (lambda m, x: m.ceil(x) if x.dtype.kind == "f" else x.copy(), lambda g, x, y: g * 0, False),
    "trunc": (lambda m, x: m.trunc(x) if x.dtype.kind == "f" else x.copy(), lambda g, x, y: g * 0, False),
    "frac": (lambda m, x: x - m.trunc(x), lambda g, x, y: g, False),
    "relu": (lambda m, x: _relu(m, x), lambda g, x, y: relu_backward(g, y), False),  # y >= 0 or NaN
    "angle": (lambda m, x: m.angle(x).astype(x.real.dtype) if x.dtype.kind == "c" else m.where(x < 0, math.pi, 0).astype(x.dtype), lambda g, x, y: _angle_grad(g, x), True),
    "sinc": (lambda m, x: m.sinc(x), lambda g, x, y: g * m_sinc_grad(x), True),
    "deg2rad": (lambda m, x: m.deg2rad(x), lambda g, x, y: g * (math.pi / 180), True),
    "rad2deg": (lambda m, x: m.rad2deg(x), lambda g, x, y: g * (180 / math.pi), True),
    "positive": (lambda m, x: x, lambda g, x, y: g, False),
    "conj_physical": (lambda m, x: m.conj(x), lambda g, x, y: g.conj(), False),
}


def _relu(m, x):
    if x.dtype == np.bool_:
        return x.copy()
    if m is np and x.dtype.kind == "f":
        return relu_array(x)
    return m.maximum(x, 0)


def m_sinc_grad(x):
    px = x * math.pi
    return where(x == 0, x * 0, (px.cos() * px - px.sin()) / (px * x))


def _neg_bool():
    raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                       "trying to invert a mask, use the `~` or `logical_not()` operator instead.")


def _sigmoid(m, x):
    if x.dtype.itemsize == 2 and x.dtype.kind in "fV":  # half types: compute in float32 as torch
        return _sigmoid(m, x.astype(np.float32)).astype(x.dtype)
    # 1 / (1 + exp(-x)) in one buffer: exp overflowing to inf for very negative x gives exactly 0
    # (torch's formula); reusing the output keeps a large input at one allocation, as in torch
    # a broadcast (stride-0) input gets a C-ordered result, as torch's; otherwise keep x's layout
    r = m.negative(x, out=m.empty(x.shape, dtype=x.dtype) if 0 in x.strides else m.empty_like(x))
    m.exp(r, out=r)
    m.add(r, 1, out=r)
    return m.divide(1, r, out=r)


def _make_unary(name, fwd, bwd, floating):
    needs_y = bwd is not None and _uses(bwd, "y")
    needs_x = bwd is None or _uses(bwd, "x")  # torch saves only what the formula reads
    cls_name = "".join(p.capitalize() for p in name.split("_"))

    def forward(ctx, x, dtype=None):
        if dtype is not None and x.dtype != dtype:
            x = x.astype(dtype)
        r = fwd(xp(x), x)
        return r

    def backward(ctx, g):
        x = ctx.saved_tensors[0] if needs_x else None
        y = ctx.output if needs_y else None
        if bwd is None:
            raise RuntimeError(f"the derivative for '{name}' is not implemented.")
        return bwd(g, x, y)

    cls = type(cls_name, (Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward),
                                       "save": (0,) if needs_x else (), "save_output": needs_y})

    def op(input, *, out=None):
        d = input._data
        dt = d.dtype
        npdt = None
        if floating and dt.kind in "biu":
            npdt = D.get_default_dtype().np
        elif out is None and input._names is None and not (input._rg and _gs.grad_enabled):
            return _wrap(fwd(np if d.__class__ is np.ndarray else xp(d), d))  # nothing to record
        r = cls.apply(input, dtype=npdt)
        if input._names is not None:
            r._names = input._names
        return _out(r, out)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name} (as torch.{name})."
    return op


def _uses(fn, var):
    """Whether the backward formula reads argument ``var`` (a raw bytecode scan: ``dis`` is slow
    to import and walk, and this runs for every unary op at ``import ember``)."""
    from opcode import opname
    code = fn.__code__
    if var in code.co_cellvars:
        return True
    idx = code.co_varnames.index(var)
    b = code.co_code
    for i in range(0, len(b), 2):
        name = opname[b[i]]
        if name.startswith("LOAD_FAST"):
            arg = b[i + 1]
            if name == "LOAD_FAST_LOAD_FAST":  # two locals packed in one argument (3.13+)
                if arg >> 4 == idx or arg & 15 == idx:
                    return True
            elif arg == idx:
                return True
    return False


_g = globals()
for _name, (_f, _b, _fl) in _UNARY.items():
    _g[_name] = _make_unary(_name, _f, _b, _fl)
_logit = _g["logit"]


def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given."""
    if eps is not None:
        input = clamp(input, eps, 1 - eps)
    return _logit(input, out=out)


absolute = _g["abs"]
negative = _g["neg"]
arcsin, arccos, arctan = _g["asin"], _g["acos"], _g["atan"]
arcsinh, arccosh, arctanh = _g["asinh"], _g["acosh"], _g["atanh"]
fix = _g["trunc"]


def round(input, *, decimals=0, out=None):
    """Round half to even (to ``decimals`` places)."""
    if input._data.dtype.kind in "biu":
        return _out(input.clone(), out)
    return _out(_Round.apply(input, decimals=decimals), out)


class _Round(Function):
    @staticmethod
    def forward(ctx, x, decimals=0):
        ctx.decimals = decimals
        return xp(x).round(x, decimals) if decimals else xp(x).round(x)

    @staticmethod
    def backward(ctx, g):
        return g * 0

    def name(self):
        return "RoundBackward1" if self.__dict__.get("decimals") else "RoundBackward0"


# ---- binary ops beyond + - * / ** ---------------------------------------------------------------
class _Bin(Function):
    """A binary op given by (forward on arrays, backward(g, a, b, out)) set on subclasses."""

    save = (0, 1)
    save_output = False

    @classmethod
    def make(cls, name, fwd, bwd, save_output=False, torch_name=None):
        def forward(ctx, a, b, dtype=None):
            if dtype is not None:
                a, b = _cast(a, dtype), _cast(b, dtype)
            return fwd(xp(a), a, b)

        def backward(ctx, g):
            a, b = ctx.saved_tensors
            y = ctx.output if save_output else None
            if bwd is None:
                raise RuntimeError(f"the derivative for '{name}' is not implemented.")
            return bwd(g, a, b, y)

        return type(torch_name or name.capitalize(), (cls,), {
            "forward": staticmethod(forward), "backward": staticmethod(backward),
            "save_output": save_output})


def _bin_fn(name, fwd, bwd, floating=False, save_output=False, torch_name=None):
    cls = _Bin.make(name, fwd, bwd, save_output, torch_name)

    def op(input, other, *, out=None):
        a, b, rd = _operands(input, other, floating)
        if not isinstance(b, Tensor):
            from .creation import tensor
            b = tensor(b, dtype=rd, device=a.device)
        try:
            r = cls.apply(a, b, dtype=rd.np)
        except ValueError as e:
            if "broadcast" in str(e):
                raise B.broadcast_error(a.shape, b.shape) from None
            raise
        if a._names is not None or b._names is not None:
            from .named import binary_names
            r._names = binary_names(a, b)
        return _out(r, out)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name} with broadcasting (as torch.{name})."
    return op


def _floordiv_fwd(m, a, b):
    if a.dtype.kind in "iu" and (b == 0).any():
        raise RuntimeError("ZeroDivisionError")
    return m.floor_divide(a, b)


def _rem_fwd(m, a, b):
    if a.dtype.kind in "iu" and (b == 0).any():
        raise RuntimeError("ZeroDivisionError")
    return m.remainder(a, b)


def _fmod_fwd(m, a, b):
    if a.dtype.kind in "iu" and (b == 0).any():
        raise RuntimeError("ZeroDivisionError")
    return m.fmod(a, b)


_floordiv = _bin_fn("floor_divide", _floordiv_fwd, lambda g, a, b, y: (g * 0, g * 0),
                    torch_name="FloorDivide")
remainder = _bin_fn("remainder", _rem_fwd,
                    lambda g, a, b, y: (g, -g * div(a, b, rounding_mode="floor")))
fmod = _bin_fn("fmod", _fmod_fwd, lambda g, a, b, y: (g, -g * div(a, b, rounding_mode="trunc")))
atan2 = _bin_fn("atan2", lambda m, a, b: m.arctan2(a, b),
                lambda g, a, b, y: (g * b / (a * a + b * b), -g * a / (a * a + b * b)), floating=True)
arctan2 = atan2
maximum = _bin_fn("maximum", lambda m, a, b: m.maximum(a, b),
                  lambda g, a, b, y: (g * ((a > b) + (a == b) * 0.5), g * ((b > a) + (a == b) * 0.5)))
minimum = _bin_fn("minimum", lambda m, a, b: m.minimum(a, b),
                  lambda g, a, b, y: (g * ((a < b) + (a == b) * 0.5), g * ((b < a) + (a == b) * 0.5)))
fmax = _bin_fn("fmax", lambda m, a, b: m.fmax(a, b),
               lambda g, a, b, y: (g * (a >= b), g * (b > a)))
fmin = _bin_fn("fmin", lambda m, a, b: m.fmin(a, b),
               lambda g, a, b, y: (g * (a <= b), g * (b < a)))
hypot = _bin_fn("hypot", lambda m, a, b: m.hypot(a, b),
                lambda g, a, b, y: (g * a / y, g * b / y), save_output=True)
copysign = _bin_fn("copysign", lambda m, a, b: m.copysign(a, b),
                   lambda g, a, b, y: (g * y.sign() * a.sign(), g * 0), floating=True, save_output=True)
logaddexp = _bin_fn("logaddexp", lambda m, a, b: m.logaddexp(a, b),
                    lambda g, a, b, y: (g * (a - y).exp(), g * (b - y).exp()), floating=True, save_output=True)
logaddexp2 = _bin_fn("logaddexp2", lambda m, a, b: m.logaddexp2(a, b),
                     lambda g, a, b, y: (g * (a - y).exp2(), g * (b - y).exp2()), floating=True,
                     save_output=True)
xlogy = _bin_fn("xlogy", lambda m, a, b: m.where(a == 0, 0, a * m.log(m.where(a == 0, 1, b))).astype(a.dtype),
                lambda g, a, b, y: (g * where(a == 0, a * 0, b.log()), g * a / b), floating=True)
nextafter = _bin_fn("nextafter", lambda m, a, b: m.nextafter(a, b), None)
ldexp_ = _bin_fn("ldexp", lambda m, a, b: a * m.exp2(b), None, floating=True)


def ldexp(input, other, *, out=None):
    """input * 2 ** other."""
    return _out(input * pow(2.0, other) if not isinstance(other, Tensor) else input * other.exp2(), out)


def _int_trunc_div(a, b, rd):
    m = xp(a._data)
    bb = b._data if isinstance(b, Tensor) else b
    aa = a._data.astype(rd.np)
    if (np.asarray(bb) == 0).any():
        raise RuntimeError("ZeroDivisionError")
    q = m.abs(aa) // m.abs(np.asarray(bb).astype(rd.np) if m is np else bb)
    return _wrap((q * (m.sign(aa) * m.sign(bb))).astype(rd.np))


# ---- comparisons and logical ops (never differentiable) -----------------------------------------
def _compare(npop, name):
    def op(input, other, *, out=None):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
        a, b, rd = _operands(input, other)
        m = xp(a._data)
        da = _cast(a._data, rd.np)
        if isinstance(b, Tensor):
            if a._data.__class__ is not b._data.__class__:
                raise B.device_error(a, b, name)
            db = _cast(b._data, rd.np)
        else:
            db = b
        try:
            r = _wrap(getattr(m, npop)(da, db))
        except ValueError:
            raise B.broadcast_error(a.shape, b.shape) from None
        if a._names is not None or (isinstance(b, Tensor) and b._names is not None):
            from .named import binary_names
            r._names = binary_names(a, b) if isinstance(b, Tensor) else a._names
        return _out(r, out)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name} comparison (bool result)."
    return op


eq = _compare("equal", "eq")
ne = _compare("not_equal", "ne")
lt = _compare("less", "lt")
le = _compare("less_equal", "le")
gt = _compare("greater", "gt")
ge = _compare("greater_equal", "ge")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _bitwise(npop, name, logical=False):
    def op(input, other, *, out=None):
        a, b, rd = _operands(input, other)
        if not logical and (rd.is_floating_point or rd.is_complex):
            raise RuntimeError(f"\"{name}_cpu\" not implemented for '{_type_word(rd)}'")
        m = xp(a._data)
        da = a._data
        db = b._data if isinstance(b, Tensor) else b
        if logical:
            da = da.astype(bool) if da.dtype != np.bool_ else da
            db = (db.astype(bool) if db.dtype != np.bool_ else db) if isinstance(b, Tensor) else bool(db)
        else:
            da = _cast(da, rd.np)
            db = _cast(db, rd.np) if isinstance(b, Tensor) else B._scalar_for(db, rd.np)
        try:
            return _out(_wrap(getattr(m, npop)(da, db)), out)
        except ValueError:
            raise B.broadcast_error(a.shape, b.shape) from None

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name}."
    return op


def _type_word(dt):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "complex64": "ComplexFloat", "complex128": "ComplexDouble", "int64": "Long", "int32": "Int",
            "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}.get(dt.name, dt.name)


bitwise_and = _bitwise("bitwise_and", "bitwise_and")
bitwise_or = _bitwise("bitwise_or", "bitwise_or")
bitwise_xor = _bitwise("bitwise_xor", "bitwise_xor")
bitwise_left_shift = _bitwise("left_shift", "bitwise_left_shift")
bitwise_right_shift = _bitwise("right_shift", "bitwise_right_shift")
logical_and = _bitwise("logical_and", "logical_and", logical=True)
logical_or = _bitwise("logical_or", "logical_or", logical=True)
logical_xor = _bitwise("logical_xor", "logical_xor", logical=True)


def bitwise_not(input, *, out=None):
    """Bitwise NOT (logical NOT for bool)."""
    if input.is_floating_point() or input.is_complex():
        raise RuntimeError(f"\"bitwise_not_cpu\" not implemented for '{_type_word(input.dtype)}'")
    return _out(_wrap(xp(input._data).invert(input._data)), out)


def logical_not(input, *, out=None):
    """Elementwise NOT as bool."""
    return _out(_wrap(xp(input._data).logical_not(input._data)), out)


def isnan(input):
    """True where the value is NaN."""
    return _wrap(xp(input._data).isnan(input._data))


def isinf(input):
    """True where the value is +-inf."""
    return _wrap(xp(input._data).isinf(input._data))


def isposinf(input):
    return _wrap(xp(input._data).isposinf(input._data))


def isneginf(input):
    return _wrap(xp(input._data).isneginf(input._data))


def isfinite(input):
    """True where the value is finite."""
    return _wrap(xp(input._data).isfinite(input._data))


def isreal(input):
    d = input._data
    return _wrap(d.imag == 0) if d.dtype.kind == "c" else _wrap(xp(d).ones(d.shape, bool))


def signbit(input):
    return _wrap(xp(input._data).signbit(input._data))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise |a - b| <= atol + rtol * |b|."""
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{_type_word(input.dtype)} did not match {_type_word(other.dtype)}")
    a, b = input._data, other._data
    return _wrap(xp(a).isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """Whether all elements are close (isclose)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


def equal(input, other) -> bool:
    """True if both tensors have the same shape and elements."""
    if input.shape != other.shape:
        return False
    return bool((input == other).all())


# ---- clamp, where, lerp, addcmul, addcdiv --------------------------------------------------------
class _Clamp(Function):
    save = (0,)

    @staticmethod
    def forward(ctx, x, lo=None, hi=None):
        m = xp(x)
        r = x
        if lo is not None:
            r = m.maximum(r, lo)
        if hi is not None:
            fresh = r is not x and r.__class__ is x.__class__  # NumPy gives scalars for 0-d
            r = m.minimum(r, hi, out=r) if fresh else m.minimum(r, hi)  # reuse the fresh result
        ctx.lo, ctx.hi = lo, hi
        return r if r is not x else x.copy()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        mask = x == x  # NaN passes no gradient
        if ctx.lo is not None:
            mask = mask & (x >= ctx.lo)
        if ctx.hi is not None:
            mask = mask & (x <= ctx.hi)
        return g * mask

    def name(self):
        return "ClampBackward1"


def clamp(input, min=None, max=None, *, out=None):
    """Limit values to [min, max]."""
    if out is None and input._data.dtype.kind == "f" and input._names is None and \
            (min.__class__ is float or min.__class__ is int or (min is None and max is not None)) and \
            (max.__class__ is float or max.__class__ is int or max is None):
        return _Clamp.apply(input, lo=min, hi=max)  # Python bounds keep a float input's dtype
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        r = input
        if min is not None:
            r = maximum(r, min if isinstance(min, Tensor) else r.new_tensor(min))
        if max is not None:
            r = minimum(r, max if isinstance(max, Tensor) else r.new_tensor(max))
        return _out(r, out)
    rd = result_type(input, *(v for v in (min, max) if v is not None))
    x = input if input.dtype is rd else input.to(rd)
    return _out(_Clamp.apply(x, lo=min, hi=max), out)


clip = clamp


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


class _Where(Function):
    save = (0,)

    @staticmethod
    def forward(ctx, cond, a, b, dtype=None):
        return xp(a).where(cond, _cast(a, dtype), _cast(b, dtype))

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        z = g * 0
        return None, where(cond, g, z), where(cond, z, g)

    def name(self):
        return "WhereBackward0"


def where(condition, input=None, other=None, *, out=None):
    """Elements of input where condition holds, else of other (one-argument form: nonzero)."""
    if out is None and isinstance(input, Tensor) and isinstance(other, Tensor) and \
            isinstance(condition, Tensor):
        c, a, b = condition._data, input._data, other._data
        if c.dtype.kind == "b" and a.dtype is b.dtype and a.__class__ is b.__class__ is c.__class__ \
                and condition._names is None and input._names is None and other._names is None:
            try:
                r = xp(a).where(c, a, b)
            except ValueError:
                r = None  # shapes do not broadcast: the general path raises torch's error
            if r is not None:
                if (input._rg or other._rg) and _gs.grad_enabled:
                    return _record(_new(_Where), _Where, (condition, input, other), r)
                return _wrap(r)
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if condition.dtype is not D.bool_:
        if condition.dtype is D.uint8:
            condition = condition.bool()
        else:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                               f"with dtype {_type_word(condition.dtype)}")
    from .creation import tensor
    rd = result_type(*(v for v in (input, other)))
    a = input if isinstance(input, Tensor) else tensor(input, dtype=rd, device=condition.device)
    b = other if isinstance(other, Tensor) else tensor(other, dtype=rd, device=condition.device)
    try:
        return _out(_Where.apply(condition, a, b, dtype=rd.np), out)
    except ValueError:
        shape = tuple(condition.shape)  # torch broadcasts condition, input, other in turn
        for t in (a, b):
            try:
                shape = np.broadcast_shapes(shape, tuple(t.shape))
            except ValueError:
                raise B.broadcast_error(shape, t.shape) from None
        raise


def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input)."""
    return _out(input + weight * (end - input), out)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2."""
    return _out(input + value * tensor1 * tensor2 if value != 1 else input + tensor1 * tensor2, out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2."""
    if not (tensor1.is_floating_point() or tensor1.is_complex()) and \
            not (tensor2.is_floating_point() or tensor2.is_complex()):
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future "
                           "release addcdiv will perform a true division of tensor1 and tensor2. The "
                           "historic addcdiv behavior can be implemented as (input + value * "
                           "torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as "
                           "(input + value * tensor1 / tensor2) for float inputs. The future addcdiv "
                           "behavior is just the latter implementation: (input + value * tensor1 / "
                           "tensor2), for all dtypes.")
    return _out(input + value * tensor1 / tensor2 if value != 1 else input + tensor1 / tensor2, out)


def float_power(input, exponent):
    """input ** exponent computed in float64."""
    a = input.double() if isinstance(input, Tensor) else input
    e = exponent.double() if isinstance(exponent, Tensor) else exponent
    if isinstance(a, Tensor) and a.is_complex() or isinstance(e, Tensor) and e.is_complex():
        a = a.to(D.complex128) if isinstance(a, Tensor) else a
    return pow(a, e)


def real(input):
    """Real part (a view for complex tensors)."""
    from .shape import _real_imag
    return _real_imag(input, "real")


def imag(input):
    """Imaginary part (a view of a complex tensor)."""
    from .shape import _real_imag
    return _real_imag(input, "imag")


class _Conj(Function):
    @staticmethod
    def forward(ctx, x):
        return xp(x).conj(x)

    @staticmethod
    def backward(ctx, g):
        return g.conj()


def conj(input):
    """Complex conjugate (identity for real tensors)."""
    if not input.is_complex():
        return input
    return _Conj.apply(input)


def resolve_conj(input):
    return input


def resolve_neg(input):
    return input


def is_conj(input) -> bool:
    return False


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace NaN/inf with finite numbers."""
    d = input._data
    r = xp(d).nan_to_num(d, nan=nan, posinf=posinf, neginf=neginf)
    mask = _wrap(xp(d).isfinite(d))
    if input.requires_grad:
        return _out(where(mask, input, input.detach() * 0 + _wrap(r)), out)
    return _out(_wrap(r), out)


def heaviside(input, values):
    return _wrap(xp(input._data).heaviside(input._data, values._data))


def gcd(input, other):
    return _wrap(xp(input._data).gcd(input._data, other._data))


def lcm(input, other):
    return _wrap(xp(input._data).lcm(input._data, other._data))


def polar(abs, angle):
    return complex_(abs * angle.cos(), abs * angle.sin())


from .complex_ops import complex_  # noqa: E402  (split out by concept)


def view_as_real(input):
    from .shape import _view_as_real
    return _view_as_real(input)


def view_as_complex(input):
    from .shape import _view_as_complex
    return _view_as_complex(input)


__all__ = [n for n in list(_UNARY) + [
    "absolute", "negative", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "fix",
    "round", "remainder", "fmod", "atan2", "arctan2", "maximum", "minimum", "fmax", "fmin", "hypot",
    "copysign", "logaddexp", "logaddexp2", "xlogy", "nextafter", "ldexp", "eq", "ne", "lt", "le", "gt",
    "ge", "greater", "greater_equal", "less", "less_equal", "not_equal", "bitwise_and", "bitwise_or",
    "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift", "logical_and", "logical_or",
    "logical_xor", "bitwise_not", "logical_not", "isnan", "isinf", "isposinf", "isneginf", "isfinite",
    "isreal", "signbit", "isclose", "allclose", "equal", "clamp", "clip", "clamp_min", "clamp_max",
    "where", "lerp", "addcmul", "addcdiv", "float_power", "real", "imag", "conj", "resolve_conj",
    "resolve_neg", "is_conj", "nan_to_num", "heaviside", "gcd", "lcm", "polar", "view_as_real",
    "view_as_complex", "add", "sub", "mul", "div", "pow", "true_divide", "divide", "multiply",
    "subtract", "rsub", "floor_divide"] if n not in ("conj_physical",)] + ["conj_physical"]
true_divide = B.true_divide
divide = B.divide
multiply = B.multiply
subtract = B.subtract
rsub = B.rsub
floor_divide = B.floor_divide
