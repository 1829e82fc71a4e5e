"""torch.special: special mathematical functions (error/gamma/Bessel families, normal CDF,
orthogonal polynomials) plus the softmax-family and elementwise helpers torch exposes here."""
from __future__ import annotations

from .ops import pointwise as _P
from .ops.extra_special import (i0, i0e, i1, i1e, ndtr, ndtri, log_ndtr, erfcx, entr,  # noqa: F401
                                spherical_bessel_j0, bessel_j0, bessel_j1, bessel_y0, bessel_y1,
                                modified_bessel_i0, modified_bessel_i1, modified_bessel_k0,
                                modified_bessel_k1, scaled_modified_bessel_k0, scaled_modified_bessel_k1,
                                airy_ai, zeta, polygamma, xlog1py, chebyshev_polynomial_t,
                                chebyshev_polynomial_u, chebyshev_polynomial_v, chebyshev_polynomial_w,
                                shifted_chebyshev_polynomial_t, shifted_chebyshev_polynomial_u,
                                shifted_chebyshev_polynomial_v, shifted_chebyshev_polynomial_w,
                                hermite_polynomial_h, hermite_polynomial_he, laguerre_polynomial_l,
                                legendre_polynomial_p)
from .ops.extra_special import igamma as gammainc, igammac as gammaincc, mvlgamma as _mvlgamma  # noqa: F401
from .ops.reduction import logsumexp  # noqa: F401

erf = _P.erf
erfc = _P.erfc
erfinv = _P.erfinv
expm1 = _P.expm1
exp2 = _P.exp2
log1p = _P.log1p
gammaln = _P.lgamma
digamma = psi = _P.digamma
expit = _P.sigmoid
sinc = _P.sinc
xlogy = _P.xlogy
round = _P.round  # noqa: A001


def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)), with input clamped to [eps, 1 - eps] when eps is given."""
    x = input if eps is None else input.clamp(eps, 1 - eps)
    return _P.logit(x, out=out)


def multigammaln(input, p, *, out=None):
    """Multivariate log-gamma of dimension p."""
    return _mvlgamma(input, p, out=out)


def softmax(input, dim, *, dtype=None):
    """softmax along dim (optionally computed in dtype)."""
    from .nn import functional as F
    return F.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """log_softmax along dim (optionally computed in dtype)."""
    from .nn import functional as F
    return F.log_softmax(input, dim, dtype=dtype)


__all__ = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "chebyshev_polynomial_t",
           "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w", "digamma", "entr",
           "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc", "gammaln",
           "hermite_polynomial_h", "hermite_polynomial_he", "i0", "i0e", "i1", "i1e", "laguerre_polynomial_l",
           "legendre_polynomial_p", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp",
           "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1",
           "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "scaled_modified_bessel_k0",
           "scaled_modified_bessel_k1", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
           "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "sinc", "softmax",
           "spherical_bessel_j0", "xlog1py", "xlogy", "zeta"]
