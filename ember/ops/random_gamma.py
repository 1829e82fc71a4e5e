"""Samplers torch implements in C++ and ember reproduces draw for draw on the CPU: the gamma
(Marsaglia–Tsang, boosted below alpha = 1), Dirichlet (normalised gammas) and Poisson (products of
uniforms below 10, Hörmann's transformed rejection above) samplers. Each element draws float64
uniforms and one-at-a-time normals from the generator's torch-compatible stream in memory order,
so seeded samples equal torch's. One Python step per element (~5 us, reading words from a buffer):
fine for the parameter-sized tensors distributions sample, slow for millions of draws. CUDA draws use CuPy's samplers.

Gradients: Gamma samples are differentiable in alpha by implicit reparameterization
(dx/dalpha = -dP(alpha, x)/dalpha / p(x; alpha)), Dirichlet samples through their Beta
marginals (torch's formulation: d/dalpha of the Beta(alpha, total - alpha) CDF with the second
parameter held, scaled by 1/(1-x)). The derivatives of the regularized incomplete gamma/beta
functions are central differences of SciPy's (exact to ~1e-9); torch evaluates the same
derivatives with its own series approximations, so the two agree to ~1e-4 relative.
"""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor, _wrap
from ._function import Function, xp

_THIRD32 = float(np.float32(1.0) / np.float32(3.0))
_SQUEEZE = float(np.float32(0.0331))


def _gamma_one(src, alpha: float, low_precision: bool) -> float:
    """One Gamma(alpha, 1) draw as torch's CPU kernel makes it (float inputs do part of the
    arithmetic in float32, as torch's does)."""
    if alpha <= 0:
        return 0.0
    scale = 1.0
    if alpha < 1.0:
        u = src.uniform()
        inv = float(np.float32(1.0) / np.float32(alpha)) if low_precision else 1.0 / alpha
        scale = (1.0 - u) ** inv
        alpha = float(np.float32(alpha) + np.float32(1.0)) if low_precision else alpha + 1.0
    d = float(np.float32(alpha) - np.float32(_THIRD32)) if low_precision else alpha - _THIRD32
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        while True:
            x = src.normal()
            y = 1.0 + c * x
            if y > 0:
                break
        v = y * y * y
        u = 1.0 - src.uniform()
        xx = x * x
        if u < 1.0 - _SQUEEZE * xx * xx:
            return scale * d * v
        if math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
            return scale * d * v


def _gammas(g, alpha: np.ndarray, low_precision: bool) -> np.ndarray:
    # the output is a fresh contiguous tensor: torch fills it in C order (alpha may be expanded)
    flat = np.ascontiguousarray(alpha).reshape(-1)
    with g._mt.scalars() as src:
        out = np.fromiter((_gamma_one(src, float(a), low_precision) for a in flat.tolist()), np.float64, flat.size)
    return out.reshape(alpha.shape)


def _generator(generator, device):
    from .random import _gen
    return _gen(generator, device)


def _gamma_sample(alpha_arr, generator, device):
    g = _generator(generator, device)
    dt = alpha_arr.dtype
    if g._device.type != "cpu":
        return xp(alpha_arr).asarray(g._sampler()._rs.standard_gamma(alpha_arr), dtype=dt)
    out = _gammas(g, np.asarray(alpha_arr), np.dtype(dt) != np.float64)
    tiny = np.finfo(dt).tiny
    return np.maximum(out.astype(dt), dt.type(tiny))


def _sp():
    try:
        import scipy.special as sp
        return sp
    except ImportError:
        raise RuntimeError("ember: the gradient of a gamma/Dirichlet sample needs SciPy (pip install scipy)") from None


def _gamma_grad_np(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """dx/dalpha of a Gamma(alpha, 1) sample x at fixed CDF (implicit reparameterization):
    -(dP(alpha, x)/dalpha) / p(x; alpha), the alpha-derivative by central differences of the
    regularized incomplete gamma function (its complement in the upper tail, where P rounds to 1)."""
    sp = _sp()
    a = alpha.astype(np.float64)
    xv = x.astype(np.float64)
    h = 1e-6 * np.maximum(a, 1.0)
    lo = np.maximum(a - h, 1e-300)
    upper = xv > a
    with np.errstate(all="ignore"):
        dP = np.where(upper, -(sp.gammaincc(a + h, xv) - sp.gammaincc(lo, xv)),
                      sp.gammainc(a + h, xv) - sp.gammainc(lo, xv)) / (a + h - lo)
        log_pdf = (a - 1) * np.log(xv) - xv - sp.gammaln(a)
        grad = -dP / np.exp(log_pdf)
    return np.nan_to_num(grad, nan=0.0, posinf=0.0, neginf=0.0).astype(x.dtype)


class _StandardGamma(Function):
    @staticmethod
    def forward(ctx, alpha, generator=None, device=None):
        x = _gamma_sample(alpha, generator, device)
        ctx.sample = x
        return x

    @staticmethod
    def backward(ctx, grad):
        return grad * _wrap(_gamma_grad_np(ctx.alpha, ctx.sample))

    def name(self):
        return "StandardGammaBackward0"


def _standard_gamma(input: Tensor, generator=None) -> Tensor:
    """Gamma(input, 1) samples (torch._standard_gamma); differentiable in input."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"gamma_cpu\" not implemented for '{input.dtype}'")
    out = _StandardGamma.apply(input, generator=generator, device=input.device)
    if out.grad_fn is not None:
        out.grad_fn.alpha = input.detach()._host()
    return out


def _standard_gamma_grad(input: Tensor, output: Tensor) -> Tensor:
    """d sample / d alpha for Gamma(input, 1) samples output (torch._standard_gamma_grad)."""
    return _wrap(_gamma_grad_np(input.detach()._host(), output.detach()._host()))


def _dirichlet_grad_np(x: np.ndarray, alpha: np.ndarray, total: np.ndarray) -> np.ndarray:
    """torch's scaled Beta reparameterization gradient: -(d/dalpha I_x(alpha, beta)) / pdf / (1 - x)
    with beta = total - alpha held fixed (what the Dirichlet backward combines over components);
    above the mean the derivative is taken of the complement I_{1-x}(beta, alpha)."""
    sp = _sp()
    a = alpha.astype(np.float64)
    b = total.astype(np.float64) - a
    xv = np.clip(x.astype(np.float64), 1e-300, 1 - 1e-16)
    h = 1e-6 * np.maximum(a, 1e-3)
    lo = np.maximum(a - h, 1e-300)
    upper = xv > a / (a + b)
    with np.errstate(all="ignore"):
        dI = np.where(upper, -(sp.betainc(b, a + h, 1 - xv) - sp.betainc(b, lo, 1 - xv)),
                      sp.betainc(a + h, b, xv) - sp.betainc(lo, b, xv)) / (a + h - lo)
        log_pdf = (a - 1) * np.log(xv) + (b - 1) * np.log1p(-xv) - sp.betaln(a, b)
        grad = -dI / np.exp(log_pdf) / (1 - xv)
    return np.nan_to_num(grad, nan=0.0, posinf=0.0, neginf=0.0).astype(x.dtype)


def _dirichlet_grad(x: Tensor, alpha: Tensor, total: Tensor) -> Tensor:
    """torch._dirichlet_grad: dx/dalpha of Beta(alpha, total - alpha) samples x."""
    return _wrap(_dirichlet_grad_np(x.detach()._host(), alpha.detach()._host(), total.detach()._host()))


def _dirichlet_sample(alpha_arr, generator, device):
    g = _generator(generator, device)
    dt = alpha_arr.dtype
    if g._device.type != "cpu":
        gam = g._sampler()._rs.standard_gamma(alpha_arr.astype(np.float64))
    else:
        gam = _gammas(g, np.asarray(alpha_arr, dtype=np.float64), False)  # torch draws these in float64
        gam = np.maximum(gam, np.finfo(np.float64).tiny)
    m = xp(gam)
    out = gam / gam.sum(-1, keepdims=True)
    out = out.astype(dt)
    return m.clip(out, np.finfo(dt).tiny, 1 - np.finfo(dt).eps) if np.dtype(dt).kind == "f" else out


class _SampleDirichlet(Function):
    @staticmethod
    def forward(ctx, alpha, generator=None, device=None):
        x = _dirichlet_sample(alpha, generator, device)
        ctx.sample = x
        return x

    @staticmethod
    def backward(ctx, grad):
        x = _wrap(ctx.sample)
        alpha = _wrap(ctx.alpha)
        total = alpha.sum(-1, keepdim=True).expand_as(alpha)
        dx = _dirichlet_grad(x, alpha, total)
        return dx * (grad - (x * grad).sum(-1, keepdim=True))

    def name(self):
        return "DirichletBackward"


def _sample_dirichlet(input: Tensor, generator=None) -> Tensor:
    """Dirichlet(input) samples over the last dimension (torch._sample_dirichlet)."""
    out = _SampleDirichlet.apply(input, generator=generator, device=input.device)
    if out.grad_fn is not None:
        out.grad_fn.alpha = input.detach()._host()
    return out


def _poisson_one(src, lam: float) -> float:
    if lam >= 10:  # Hörmann's transformed rejection (PTRS)
        slam = math.sqrt(lam)
        loglam = math.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            u = src.uniform() - 0.5
            v = src.uniform()
            us = 0.5 - abs(u)
            k = math.floor((2 * a / us + b) * u + lam + 0.43)
            if us >= 0.07 and v <= vr:
                return k
            if k < 0 or (us < 0.013 and v > us):
                continue
            if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= \
                    -lam + k * loglam - math.lgamma(k + 1):
                return k
    if lam == 0:
        return 0
    enlam = math.exp(-lam)  # count uniforms until their product falls under exp(-lam)
    k = 0
    prod = 1.0
    while True:
        prod *= src.uniform()
        if prod > enlam:
            k += 1
        else:
            return k


def poisson_cpu(g, lam: np.ndarray) -> np.ndarray:
    """Poisson(lam) counts drawn as torch's CPU kernel draws them (float64 counts)."""
    flat = np.ascontiguousarray(lam).reshape(-1)  # fresh output, filled in C order
    with g._mt.scalars() as src:
        out = np.fromiter((_poisson_one(src, float(v)) for v in flat.tolist()), np.float64, flat.size)
    return out.reshape(lam.shape)


# ---- binomial: inversion by geometric waiting times below n*p = 10, BTRS (Hörmann) above ----------
_STIRLING_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
                  0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
                  0.00925546218271273, 0.00833056343336287)  # log k! - Stirling's formula, k = 0..9


def _stirling_tail(k: float) -> float:
    if k <= 9:
        return _STIRLING_TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


def _binomial_inversion(src, n: float, p: float) -> float:
    total = 0.0
    count = 0
    logq = math.log1p(-p)
    while True:
        total += math.ceil(math.log(src.uniform()) / logq)
        if total > n:
            return count
        count += 1


def _btrs(src, n: float, p: float) -> float:
    sd = math.sqrt(n * p * (1 - p))
    b = 1.15 + 2.53 * sd
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    v_r = 0.92 - 4.2 / b
    r = p / (1 - p)
    alpha = (2.83 + 5.1 / b) * sd
    m = math.floor((n + 1) * p)
    while True:
        u = src.uniform() - 0.5
        v = src.uniform()
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        if us >= 0.07 and v <= v_r:
            return k
        v = math.log(v * alpha / (a / (us * us) + b))
        bound = ((m + 0.5) * math.log((m + 1) / (r * (n - m + 1))) + (n + 1) * math.log((n - m + 1) / (n - k + 1))
                 + (k + 0.5) * math.log(r * (n - k + 1) / (k + 1)) + _stirling_tail(m) + _stirling_tail(n - m)
                 - _stirling_tail(k) - _stirling_tail(n - k))
        if v <= bound:
            return k


def _binomial_one(src, n: float, p: float) -> float:
    if n <= 0 or p <= 0:
        return 0.0
    if p >= 1:
        return n
    if p <= 0.5:
        return _btrs(src, n, p) if n * p >= 10 else _binomial_inversion(src, n, p)
    q = 1.0 - p
    return n - (_btrs(src, n, q) if n * q >= 10 else _binomial_inversion(src, n, q))


def binomial_cpu(g, count: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """Binomial(count, prob) draws as torch's CPU kernel makes them (float64), in C order."""
    c, p = np.broadcast_arrays(count.astype(np.float64), prob.astype(np.float64))
    with g._mt.scalars() as src:
        out = np.fromiter((_binomial_one(src, a, b) for a, b in zip(c.reshape(-1).tolist(), p.reshape(-1).tolist())),
                          np.float64, c.size)
    return out.reshape(c.shape)
