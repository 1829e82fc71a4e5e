"""Special functions (Bessel, normal CDF, incomplete gamma, orthogonal polynomials ...) for
``ember.special`` and the torch.* names built on them (i0, igamma, polygamma, mvlgamma).

Forward uses SciPy's (or CuPy's) ``special`` module when installed; the common ones have a
NumPy-only fallback. Backward formulas are written in ember ops, so they differentiate again.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap
from ._binary import _out
from ._function import Function, xp
from ._promote import result_type, to_float
from . import pointwise as P

_SQRT2PI = math.sqrt(2 * math.pi)
_SQRT2 = math.sqrt(2.0)


def _sp(a):
    """scipy.special for NumPy arrays, cupyx.scipy.special for CuPy arrays (None if missing)."""
    if xp(a) is np:
        try:
            import scipy.special as sp
            return sp
        except ImportError:
            return None
    import cupyx.scipy.special as csp
    return csp


def _need(a, name):
    sp = _sp(a)
    if sp is None or not hasattr(sp, name):
        raise RuntimeError(f"ember: special function '{name}' needs SciPy (pip install scipy)")
    return getattr(sp, name)


def _compute(fn, *arrays):
    """Run fn in at least float32 (SciPy has no half kernels) and cast back to the input dtype."""
    dt = arrays[0].dtype
    if dt.itemsize < 4 and dt.kind != "c":
        arrays = [a.astype(np.float32) for a in arrays]
    return xp(arrays[0]).asarray(fn(*arrays)).astype(dt)


# ---- forward kernels with fallbacks ----------------------------------------------------------
def _i0(x):
    sp = _sp(x)
    if sp is not None:
        return _compute(sp.i0, x)
    return _compute(np.i0, x)


def _i1(x):
    return _compute(_need(x, "i1"), x)


def _ndtr(x):
    sp = _sp(x)
    if sp is not None:
        return _compute(sp.ndtr, x)
    return (0.5 * (1 + P._erf(x / _SQRT2))).astype(x.dtype)


def _ndtri(x):
    sp = _sp(x)
    if sp is not None:
        return _compute(sp.ndtri, x)
    return (_SQRT2 * P._erfinv(2 * x - 1)).astype(x.dtype)


def _log_ndtr(x):
    sp = _sp(x)
    if sp is not None:
        return _compute(sp.log_ndtr, x)
    return xp(x).log(_ndtr(x))


def _erfcx(x):
    sp = _sp(x)
    if sp is not None:
        return _compute(sp.erfcx, x)
    m = xp(x)
    return (m.exp(x * x) * (1 - P._erf(x))).astype(x.dtype)


def _entr(m, x):
    with np.errstate(all="ignore"):
        r = m.where(x > 0, -x * m.log(m.where(x > 0, x, 1)), m.where(x == 0, 0, -m.inf))
    return m.where(m.isnan(x), x, r).astype(x.dtype)


def _sph_j0(m, x):
    safe = m.where(x == 0, 1, x)
    return m.where(x == 0, 1, m.sin(safe) / safe).astype(x.dtype)


def _not_diff(name):
    def b(g, x, y):
        raise RuntimeError(f"the derivative for 'special_{name}' is not implemented.")
    return b


_mk = P._make_unary
i0 = _mk("i0", lambda m, x: _i0(x), lambda g, x, y: g * i1(x), True)
i0e = _mk("i0e", lambda m, x: _compute(_need(x, "i0e"), x), lambda g, x, y: g * (i1e(x) - x.sgn() * y), True)
i1 = _mk("i1", lambda m, x: _i1(x),
         lambda g, x, y: g * P.where(x == 0, x * 0 + 0.5, i0(x) - y / P.where(x == 0, x * 0 + 1, x)), True)
i1e = _mk("i1e", lambda m, x: _compute(_need(x, "i1e"), x),
          lambda g, x, y: g * P.where(x == 0, x * 0 + 0.5,
                                      i0e(x) - y * (x.sgn() + 1 / P.where(x == 0, x * 0 + 1, x))), True)
ndtr = _mk("ndtr", lambda m, x: _ndtr(x), lambda g, x, y: g * (-0.5 * x * x).exp() / _SQRT2PI, True)
ndtri = _mk("ndtri", lambda m, x: _ndtri(x), lambda g, x, y: g * _SQRT2PI * (0.5 * y * y).exp(), True)
log_ndtr = _mk("log_ndtr", lambda m, x: _log_ndtr(x),
               lambda g, x, y: g * (-0.5 * x * x - y).exp() / _SQRT2PI, True)
erfcx = _mk("erfcx", lambda m, x: _erfcx(x), lambda g, x, y: g * (2 * x * y - 2 / math.sqrt(math.pi)), True)
entr = _mk("entr", _entr, lambda g, x, y: g * -(x.log() + 1), True)
spherical_bessel_j0 = _mk("spherical_bessel_j0", _sph_j0, _not_diff("spherical_bessel_j0"), True)


def _scipy_unary(name, sp_name):
    return _mk(name, lambda m, x: _compute(_need(x, sp_name), x), _not_diff(name), True)


bessel_j0 = _scipy_unary("bessel_j0", "j0")
bessel_j1 = _scipy_unary("bessel_j1", "j1")
bessel_y0 = _scipy_unary("bessel_y0", "y0")
bessel_y1 = _scipy_unary("bessel_y1", "y1")
modified_bessel_i0 = _scipy_unary("modified_bessel_i0", "i0")
modified_bessel_i1 = _scipy_unary("modified_bessel_i1", "i1")
modified_bessel_k0 = _scipy_unary("modified_bessel_k0", "k0")
modified_bessel_k1 = _scipy_unary("modified_bessel_k1", "k1")
scaled_modified_bessel_k0 = _scipy_unary("scaled_modified_bessel_k0", "k0e")
scaled_modified_bessel_k1 = _scipy_unary("scaled_modified_bessel_k1", "k1e")


def _airy_ai(x):
    f = _need(x, "airy")
    return _compute(lambda a: f(a)[0], x)


airy_ai = _mk("airy_ai", lambda m, x: _airy_ai(x), _not_diff("airy_ai"), True)


# ---- binary special functions ---------------------------------------------------------------------
def _float_operands(a, b):
    """Tensors of a common floating dtype (torch promotes, then integers go to the default float)."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError("expected at least one Tensor argument")
    dt = to_float(result_type(a, b))
    ref = (a if isinstance(a, Tensor) else b)._data

    def conv(v):
        if isinstance(v, Tensor):
            return v if v.dtype == dt else v.to(dt)
        return _wrap(xp(ref).asarray(v, dtype=dt.np))
    return conv(a), conv(b)


class _IGamma(Function):
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, x, upper=False):
        ctx.upper = upper
        return _compute(_need(a, "gammaincc" if upper else "gammainc"), a, x)

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise RuntimeError("the derivative for 'self' is not implemented.")
        d = (-x + (a - 1) * x.log() - a.lgamma()).exp()
        return None, g * (-d if ctx.upper else d)


def igamma(input, other, *, out=None) -> Tensor:
    """Regularised lower incomplete gamma P(input, other)."""
    a, x = _float_operands(input, other)
    return _out(_IGamma.apply(a, x, upper=False), out)


def igammac(input, other, *, out=None) -> Tensor:
    """Regularised upper incomplete gamma Q(input, other)."""
    a, x = _float_operands(input, other)
    return _out(_IGamma.apply(a, x, upper=True), out)


class _Zeta(Function):
    save = (0, 1)

    @staticmethod
    def forward(ctx, x, q):
        return _compute(_need(x, "zeta"), x, q)

    @staticmethod
    def backward(ctx, g):
        x, q = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise RuntimeError("the derivative for 'self' is not implemented.")
        return None, g * -x * zeta(x + 1, q)


def zeta(input, other, *, out=None) -> Tensor:
    """Hurwitz zeta function."""
    x, q = _float_operands(input, other)
    return _out(_Zeta.apply(x, q), out)


class _Polygamma(Function):
    save = (0,)

    @staticmethod
    def forward(ctx, x, n=0):
        ctx.n = n
        if n == 0:
            return P._digamma(x).astype(x.dtype) if _sp(x) is not None else _compute(_need(x, "psi"), x)
        return _compute(lambda a: _need(x, "polygamma")(n, a), x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * polygamma(ctx.n + 1, x)


def polygamma(n, input, *, out=None) -> Tensor:
    """n-th derivative of the digamma function."""
    if isinstance(n, Tensor):
        n = int(n.item())
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    x = input if input.dtype.is_floating_point else input.to(D.get_default_dtype())
    return _out(_Polygamma.apply(x, n=int(n)), out)


def mvlgamma(input, p, *, out=None) -> Tensor:
    """Multivariate log-gamma of dimension p (sum of shifted lgammas)."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = input if input.dtype.is_floating_point else input.to(D.get_default_dtype())
    if bool((x <= (p - 1) / 2).any()):
        raise RuntimeError(f"All elements must be greater than (p-1)/2")
    from .creation import arange
    shifts = arange(p, dtype=x.dtype, device=x.device) * -0.5
    r = (x.unsqueeze(-1) + shifts).lgamma().sum(-1) + p * (p - 1) / 4 * math.log(math.pi)
    return _out(r, out)


def xlog1py(input, other, *, out=None) -> Tensor:
    """input * log1p(other), 0 where input == 0 (unless other is nan)."""
    x, y = _float_operands(input, other)
    r = P.where((x == 0) & ~y.isnan(), x * 0, x * y.log1p())
    return _out(r, out)


# ---- orthogonal polynomials: three-term recurrences up to the largest degree -------------------
def _poly(name, p0, p1, step, shifted=False):
    def f(input, n, *, out=None) -> Tensor:
        x, nn = _float_operands(input, n)
        xa, na = x._data, nn._data
        m = xp(xa)
        xa, na = m.broadcast_arrays(xa, na)
        if shifted:
            xa = 2 * xa - 1
        ni = m.where(m.isnan(na), -1, na).astype(np.int64)
        top = int(ni.max()) if ni.size else -1
        res = m.zeros(xa.shape, dtype=xa.dtype)
        if top >= 0:
            prev, cur = p0(m, xa), p1(m, xa)
            res = m.where(ni == 0, prev, res)
            for k in range(1, top + 1):
                if k > 1:
                    prev, cur = cur, step(m, xa, cur, prev, k - 1)
                res = m.where(ni == k, cur, res)
        res = m.where(ni < 0, 0, res).astype(xa.dtype)
        return _out(_wrap(res), out)
    f.__name__ = name
    f.__doc__ = f"{name.replace('_', ' ')}: degree n evaluated at input (as torch.special.{name})."
    return f


_one = lambda m, x: m.ones_like(x)  # noqa: E731
chebyshev_polynomial_t = _poly("chebyshev_polynomial_t", _one, lambda m, x: x,
                               lambda m, x, c, p, k: 2 * x * c - p)
chebyshev_polynomial_u = _poly("chebyshev_polynomial_u", _one, lambda m, x: 2 * x,
                               lambda m, x, c, p, k: 2 * x * c - p)
chebyshev_polynomial_v = _poly("chebyshev_polynomial_v", _one, lambda m, x: 2 * x - 1,
                               lambda m, x, c, p, k: 2 * x * c - p)
chebyshev_polynomial_w = _poly("chebyshev_polynomial_w", _one, lambda m, x: 2 * x + 1,
                               lambda m, x, c, p, k: 2 * x * c - p)
shifted_chebyshev_polynomial_t = _poly("shifted_chebyshev_polynomial_t", _one, lambda m, x: x,
                                       lambda m, x, c, p, k: 2 * x * c - p, shifted=True)
shifted_chebyshev_polynomial_u = _poly("shifted_chebyshev_polynomial_u", _one, lambda m, x: 2 * x,
                                       lambda m, x, c, p, k: 2 * x * c - p, shifted=True)
shifted_chebyshev_polynomial_v = _poly("shifted_chebyshev_polynomial_v", _one, lambda m, x: 2 * x - 1,
                                       lambda m, x, c, p, k: 2 * x * c - p, shifted=True)
shifted_chebyshev_polynomial_w = _poly("shifted_chebyshev_polynomial_w", _one, lambda m, x: 2 * x + 1,
                                       lambda m, x, c, p, k: 2 * x * c - p, shifted=True)
# physicists' H: H_{k+1} = 2x H_k - 2k H_{k-1}; probabilists' He: He_{k+1} = x He_k - k He_{k-1}
hermite_polynomial_h = _poly("hermite_polynomial_h", _one, lambda m, x: 2 * x,
                             lambda m, x, c, p, k: 2 * x * c - 2 * k * p)
hermite_polynomial_he = _poly("hermite_polynomial_he", _one, lambda m, x: x,
                              lambda m, x, c, p, k: x * c - k * p)
# (k+1) L_{k+1} = (2k+1-x) L_k - k L_{k-1}
laguerre_polynomial_l = _poly("laguerre_polynomial_l", _one, lambda m, x: 1 - x,
                              lambda m, x, c, p, k: ((2 * k + 1 - x) * c - k * p) / (k + 1))
# (k+1) P_{k+1} = (2k+1) x P_k - k P_{k-1}
legendre_polynomial_p = _poly("legendre_polynomial_p", _one, lambda m, x: x,
                              lambda m, x, c, p, k: ((2 * k + 1) * x * c - k * p) / (k + 1))

__all__ = ["i0", "i0e", "i1", "i1e", "ndtr", "ndtri", "log_ndtr", "erfcx", "entr", "spherical_bessel_j0",
           "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
           "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
           "scaled_modified_bessel_k1", "airy_ai", "igamma", "igammac", "zeta", "polygamma", "mvlgamma",
           "xlog1py", "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
           "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
           "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
           "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"]
