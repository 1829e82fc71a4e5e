"""Samplers torch implements in C++ and ember reproduces draw for draw on the CPU: the gamma
(Marsaglia–Tsang, boosted below alpha = 1), Dirichlet (normalised gammas) and Poisson (products of
uniforms below 10, Hörmann's transformed rejection above) samplers. Each element draws float64
uniforms and one-at-a-time normals from the generator's torch-compatible stream in memory order,
so seeded samples equal torch's. One Python step per element: fine for the parameter-sized
tensors distributions sample, slow for millions of draws. CUDA draws use CuPy's samplers.

Gradients: Gamma samples are differentiable in alpha by implicit reparameterization
(dx/dalpha = -dP(alpha, x)/dalpha / p(x; alpha)), Dirichlet samples through their Beta
marginals (torch's formulation: d/dalpha of the Beta(alpha, total - alpha) CDF with the second
parameter held, scaled by 1/(1-x)). Both use torch's own approximations (Taylor series, saddle-point
expansions, rational fits) so the gradients equal torch's to float64 rounding (SciPy for digamma).
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap
from ._function import Function, xp

_THIRD32 = float(np.float32(1.0) / np.float32(3.0))
_SQUEEZE = float(np.float32(0.0331))


def _gamma_one(mt, alpha: float, low_precision: bool) -> float:
    """One Gamma(alpha, 1) draw as torch's CPU kernel makes it (float inputs do part of the
    arithmetic in float32, as torch's does)."""
    if alpha <= 0:
        return 0.0
    scale = 1.0
    if alpha < 1.0:
        u = mt.uniform64(1)[0]
        inv = float(np.float32(1.0) / np.float32(alpha)) if low_precision else 1.0 / alpha
        scale = (1.0 - u) ** inv
        alpha = float(np.float32(alpha) + np.float32(1.0)) if low_precision else alpha + 1.0
    d = float(np.float32(alpha) - np.float32(_THIRD32)) if low_precision else alpha - _THIRD32
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        while True:
            x = mt.normal_scalar(1)[0]
            y = 1.0 + c * x
            if y > 0:
                break
        v = y * y * y
        u = 1.0 - mt.uniform64(1)[0]
        xx = x * x
        if u < 1.0 - _SQUEEZE * xx * xx:
            return scale * d * v
        if math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
            return scale * d * v


def _gammas(g, alpha: np.ndarray, low_precision: bool) -> np.ndarray:
    # the output is a fresh contiguous tensor: torch fills it in C order (alpha may be expanded)
    flat = np.ascontiguousarray(alpha).reshape(-1)
    out = np.fromiter((_gamma_one(g._mt, float(a), low_precision) for a in flat.tolist()), np.float64, flat.size)
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


_GG = np.array([
    [0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089, 0.0014179084],
    [0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915,
     -0.00058392623],
    [0.040121004, -0.0065914022, -0.0026286047, -0.0013441777, 0.017050642, -0.0021309326,
     0.00085092367, -1.5247877e-07]])


def _gamma_grad_np(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """dx/dalpha of a Gamma(alpha, 1) sample x at fixed CDF (implicit reparameterization), with
    torch's three approximations: a Taylor series below x = 0.8, Rice's saddle-point expansion
    above alpha = 8, a bivariate rational fit in (log(x/alpha), log(alpha)) otherwise."""
    sp = _sp()
    a = np.asarray(alpha, np.float64)
    xv = np.asarray(x, np.float64)
    a, xv = np.broadcast_arrays(a, xv)
    with np.errstate(all="ignore"):
        # small x: series for the incomplete gamma function and its alpha-derivative
        numer = np.ones_like(a)
        denom = a.copy()
        s1 = numer / denom
        s2 = numer / (denom * denom)
        for i in range(1, 6):
            numer = numer * (-xv / i)
            denom = denom + 1
            s1 = s1 + numer / denom
            s2 = s2 + numer / (denom * denom)
        pxa = xv ** a
        pdf = xv ** (a - 1) * np.exp(-xv)
        cdf = pxa * s1
        small = -((np.log(xv) - sp.digamma(a)) * cdf - pxa * s2) / pdf
        small = np.where(np.isnan(small), 0.0, small)
        # large alpha: saddle point (with a polynomial near x = alpha)
        n1 = 1 + 24 * a * (1 + 12 * a)
        n2 = 1440 * (a * a) + 6 * xv * (53 - 120 * xv) - 65 * xv * xv / a + a * (107 + 3600 * xv)
        near = n1 * n2 / (1244160 * (a * a) * (a * a))
        den = np.sqrt(8 * a)
        t2 = den / (a - xv)
        t3 = (xv - a - a * np.log(xv / a)) ** -1.5
        t23 = np.where(xv < a, t2 - t3, t2 + t3)
        t1 = np.log(xv / a) * t23 - np.sqrt(2 / a) * (a + xv) / ((a - xv) * (a - xv))
        stirling = 1 + 1 / (12 * a) * (1 + 1 / (24 * a))
        far = -stirling * (xv * t1) / den
        large = np.where((0.9 * a <= xv) & (xv <= 1.1 * a), near, far)
        # otherwise: rational approximation
        u = np.log(xv / a)[..., None]
        v = np.log(a)
        cv = _GG[0] + u * (_GG[1] + u * _GG[2])
        pp = cv[..., 0] + v * (cv[..., 1] + v * (cv[..., 2] + v * cv[..., 3]))
        qq = cv[..., 4] + v * (cv[..., 5] + v * (cv[..., 6] + v * cv[..., 7]))
        mid = np.exp(pp / qq)
    out = np.where(xv < 0.8, small, np.where(a > 8.0, large, mid))
    return out.astype(np.asarray(x).dtype)


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


_DG = np.array([
    [[[1.003668233, -0.01061107488, -0.0657888334, 0.01201642863],
      [0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033],
      [-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013]],
     [[0.221950385, -0.3187676331, 0.01799915743, 0.01074823814],
      [-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057],
      [0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05]],
     [[-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565],
      [0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181],
      [0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05]]],
    [[[1, -0.02924021934, -0.04438342661, 0.007285809825],
      [0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521],
      [-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149]],
     [[0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273],
      [0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956],
      [-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05]],
     [[0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05],
      [0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05],
      [-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06]]]])


def _beta_grad_alpha_small(x, alpha, beta, dg):
    """Taylor series in x (x near 0) of the scaled Beta reparameterization gradient in alpha."""
    factor = dg(alpha) - dg(alpha + beta) - np.log(x)
    numer = np.ones_like(x)
    series = numer / alpha * (factor + 1 / alpha)
    for i in range(1, 11):
        numer = numer * ((i - beta) * x / i)
        d = alpha + i
        series = series + numer / d * (factor + 1 / d)
    r = x * (1 - x) ** (-beta) * series
    return np.where(np.isnan(r), 0.0, r)


def _beta_grad_beta_small(x, alpha, beta, dg):
    """Taylor series in x (x near 0) of the Beta reparameterization gradient in beta."""
    factor = dg(alpha + beta) - dg(beta)
    numer = np.ones_like(x)
    betas = np.ones_like(x)
    dbetas = np.zeros_like(x)
    series = factor / alpha
    for i in range(1, 9):
        numer = numer * (-x / i)
        dbetas = dbetas * (beta - i) + betas
        betas = betas * (beta - i)
        series = series + numer / (alpha + i) * (dbetas + factor * betas)
    r = -(1 - x) ** (1 - beta) * series
    return np.where(np.isnan(r), 0.0, r)


def _beta_grad_alpha_mid(x, alpha, beta):
    """Saddle-point expansion for large alpha and beta."""
    total = alpha + beta
    mean = alpha / total
    std = np.sqrt(alpha * beta / (total + 1)) / total
    poly = 47 * x * (beta * beta) * (beta * beta) + alpha * (
        (43 + 20 * (16 + 27 * beta) * x) * (beta * beta) * beta + alpha * (
            3 * (59 + 180 * beta - 90 * x) * (beta * beta) + alpha * (
                (453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (8 * (1 - x) * (135 * beta - 11)))))
    pre_num = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
    pre_den = 12960 * alpha * alpha * alpha * beta * beta * (1 + 12 * total)
    near = pre_num / (1 - x) * poly / pre_den
    prefactor = -x / np.sqrt(2 * alpha * beta / total)
    stirling = ((1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha)) * (1 + 1 / (12 * beta) + 1 / (288 * beta * beta))
                / (1 + 1 / (12 * total) + 1 / (288 * total * total)))
    axbx = alpha * (x - 1) + beta * x
    term1 = ((2 * (alpha * alpha) * (x - 1) + alpha * beta * (x - 1) - x * (beta * beta))
             / (np.sqrt(2 * alpha / beta) * total ** 1.5 * axbx * axbx))
    term2 = 0.5 * np.log(alpha / (total * x))
    term3 = np.sqrt(8 * alpha * beta / total) / (beta * x + alpha * (x - 1))
    term4 = (beta * np.log(beta / (total * (1 - x))) + alpha * np.log(alpha / (total * x))) ** -1.5
    far = stirling * prefactor * (term1 + term2 * (term3 + np.where(x < mean, term4, -term4)))
    return np.where((mean - 0.1 * std <= x) & (x <= mean + 0.1 * std), near, far)


def _dirichlet_grad_np(x: np.ndarray, alpha: np.ndarray, total: np.ndarray) -> np.ndarray:
    """torch's scaled Beta reparameterization gradient -(d/dalpha I_x(alpha, beta)) / pdf / (1 - x)
    with beta = total - alpha held fixed, by torch's case split (series near 0 and 1, saddle point
    for large parameters, a rational correction to an analytic approximation otherwise)."""
    dg = _sp().digamma
    dtype = np.result_type(x, alpha, total)
    xv, a, tot = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (x, alpha, total)))
    b = tot - a
    boundary = np.asarray(tot, dtype) * np.asarray(xv, dtype) * (1 - np.asarray(xv, dtype))
    with np.errstate(all="ignore"):
        near0 = _beta_grad_alpha_small(xv, a, b, dg)
        near1 = -_beta_grad_beta_small(1 - xv, b, a, dg)
        mid = _beta_grad_alpha_mid(xv, a, b)
        u = np.log(xv)
        aa = np.log(a) - u
        bb = np.log(tot) - aa
        pu = [np.ones_like(u), u, u * u]
        pa = [np.ones_like(aa), aa, aa * aa]
        p = np.zeros_like(u)
        q = np.zeros_like(u)
        for i in range(3):
            for j in range(3):
                ua = pu[i] * pa[j]
                c0, c1 = _DG[0, i, j], _DG[1, i, j]
                p = p + ua * (c0[0] + bb * (c0[1] + bb * (c0[2] + bb * c0[3])))
                q = q + ua * (c1[0] + bb * (c1[1] + bb * (c1[2] + bb * c1[3])))
        rational = p / q * (xv * (dg(tot) - dg(a)) / b)
    out = np.where((xv <= 0.5) & (boundary < 2.5), near0,
                   np.where((xv >= 0.5) & (boundary < 0.75), near1,
                            np.where((a > 6) & (b > 6), mid, rational)))
    return out.astype(dtype)


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


def _poisson_one(mt, lam: float) -> float:
    if lam >= 10:  # Hörmann's transformed rejection (PTRS)
        slam = math.sqrt(lam)
        loglam = math.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            u = mt.uniform64(1)[0] - 0.5
            v = mt.uniform64(1)[0]
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
        prod *= mt.uniform64(1)[0]
        if prod > enlam:
            k += 1
        else:
            return k


def poisson_cpu(g, lam: np.ndarray) -> np.ndarray:
    """Poisson(lam) counts drawn as torch's CPU kernel draws them (float64 counts)."""
    flat = np.ascontiguousarray(lam).reshape(-1)  # fresh output, filled in C order
    out = np.fromiter((_poisson_one(g._mt, float(v)) for v in flat.tolist()), np.float64, flat.size)
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


def _binomial_inversion(mt, n: float, p: float) -> float:
    total = 0.0
    count = 0
    logq = math.log1p(-p)
    while True:
        total += math.ceil(math.log(mt.uniform64(1)[0]) / logq)
        if total > n:
            return count
        count += 1


def _btrs(mt, n: float, p: float) -> float:
    sd = math.sqrt(n * p * (1 - p))
    b = 1.15 + 2.53 * sd
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    v_r = 0.92 - 4.2 / b
    r = p / (1 - p)
    alpha = (2.83 + 5.1 / b) * sd
    m = math.floor((n + 1) * p)
    while True:
        u = mt.uniform64(1)[0] - 0.5
        v = mt.uniform64(1)[0]
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


def _binomial_one(mt, n: float, p: float) -> float:
    if n <= 0 or p <= 0:
        return 0.0
    if p >= 1:
        return n
    if p <= 0.5:
        return _btrs(mt, n, p) if n * p >= 10 else _binomial_inversion(mt, n, p)
    q = 1.0 - p
    return n - (_btrs(mt, n, q) if n * q >= 10 else _binomial_inversion(mt, n, q))


def binomial_cpu(g, count: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """Binomial(count, prob) draws as torch's CPU kernel makes them (float64), in C order."""
    c, p = np.broadcast_arrays(count.astype(np.float64), prob.astype(np.float64))
    out = np.fromiter((_binomial_one(g._mt, a, b) for a, b in zip(c.reshape(-1).tolist(), p.reshape(-1).tolist())),
                      np.float64, c.size)
    return out.reshape(c.shape)
