"""Oracle tests for ember.special and ember.fft (values, dtypes, gradients)."""
import numpy as np
import pytest

import ember
import ember.fft
import ember.special
from tests._oracle import torch, requires_torch

pytestmark = requires_torch

X = np.array([-3.0, -1.5, -0.5, 0.0, 0.25, 0.7, 1.0, 2.5, 6.0])
POS = np.array([0.05, 0.3, 0.5, 1.0, 1.7, 3.0, 8.0])
UNIT = np.array([0.001, 0.1, 0.3, 0.5, 0.77, 0.999])


def _close(e, t, atol=1e-6, rtol=1e-5):
    assert tuple(e.shape) == tuple(t.shape), (e.shape, t.shape)
    assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
    np.testing.assert_allclose(e.detach().resolve_conj().numpy(), t.detach().resolve_conj().numpy(),
                               atol=atol, rtol=rtol, equal_nan=True)


UNARY = [  # name, domain, differentiable
    ("expit", X, True), ("erf", X, True), ("erfc", X, True), ("erfinv", UNIT * 2 - 1, True),
    ("erfcx", X, True), ("exp2", X, True), ("expm1", X, True), ("log1p", POS, True), ("gammaln", POS, True),
    ("digamma", POS, False), ("psi", POS, False), ("i0", X, True), ("i0e", X, True), ("i1", X, True),
    ("i1e", X, True), ("ndtr", X, True), ("ndtri", UNIT, True), ("log_ndtr", X, True), ("entr", POS, True),
    ("sinc", X, True), ("logit", UNIT, True), ("round", X, False), ("spherical_bessel_j0", X, False),
    ("bessel_j0", X, False), ("bessel_j1", X, False), ("bessel_y0", POS, False), ("bessel_y1", POS, False),
    ("modified_bessel_i0", X, False), ("modified_bessel_i1", X, False), ("modified_bessel_k0", POS, False),
    ("modified_bessel_k1", POS, False), ("scaled_modified_bessel_k0", POS, False),
    ("scaled_modified_bessel_k1", POS, False), ("airy_ai", X, False),
]


@pytest.mark.parametrize("name,dom,diff", UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unary_values(name, dom, diff, dtype):
    pytest.importorskip("scipy")
    e = getattr(ember.special, name)(ember.tensor(dom, dtype=getattr(ember, dtype)))
    t = getattr(torch.special, name)(torch.tensor(dom, dtype=getattr(torch, dtype)))
    # torch's own Bessel/Airy kernels are accurate to ~1e-7 relative; SciPy's are tighter
    loose = name.startswith("bessel") or name == "airy_ai"
    _close(e, t, atol=1e-5 if dtype == "float32" else 1e-10,
           rtol=1e-4 if dtype == "float32" else (1e-6 if loose else 1e-8))


@pytest.mark.parametrize("name,dom", [(n, d) for n, d, diff in UNARY if diff])
def test_unary_grads(name, dom):
    pytest.importorskip("scipy")
    xe = ember.tensor(dom, requires_grad=True)
    xt = torch.tensor(dom, requires_grad=True)
    g = np.linspace(-1.0, 2.0, len(dom))
    (getattr(ember.special, name)(xe) * ember.tensor(g)).sum().backward()
    (getattr(torch.special, name)(xt) * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), atol=1e-9, rtol=1e-7)


def test_integer_inputs_promote():
    _close(ember.special.i0(ember.tensor([0, 1, 2])), torch.special.i0(torch.tensor([0, 1, 2])))
    _close(ember.special.ndtr(ember.tensor([0, 1])), torch.special.ndtr(torch.tensor([0, 1])))
    _close(ember.special.expit(ember.tensor([0, 1])), torch.special.expit(torch.tensor([0, 1])))


def test_binary_and_misc():
    pytest.importorskip("scipy")
    a, x = ember.tensor(POS), ember.tensor(POS[::-1].copy())
    at, xt = torch.tensor(POS), torch.tensor(POS[::-1].copy())
    for name in ("gammainc", "gammaincc", "zeta", "xlog1py", "xlogy"):
        _close(getattr(ember.special, name)(a, x), getattr(torch.special, name)(at, xt), atol=1e-10)
    _close(ember.special.xlog1py(ember.tensor([0.0, 2.0]), 3.0), torch.special.xlog1py(torch.tensor([0.0, 2.0]), 3.0))
    for n in (0, 1, 3):
        _close(ember.special.polygamma(n, a), torch.special.polygamma(n, at), atol=1e-8, rtol=1e-7)
    _close(ember.special.multigammaln(a + 2, 3), torch.special.multigammaln(at + 2, 3), atol=1e-10)
    _close(ember.special.logit(ember.tensor([0.0, 0.3, 1.0]), eps=1e-6),
           torch.special.logit(torch.tensor([0.0, 0.3, 1.0]), eps=1e-6), atol=1e-4)
    m = np.arange(12.0).reshape(3, 4) / 5
    _close(ember.special.softmax(ember.tensor(m), 1), torch.special.softmax(torch.tensor(m), 1))
    _close(ember.special.log_softmax(ember.tensor(m), 0, dtype=ember.float32),
           torch.special.log_softmax(torch.tensor(m), 0, dtype=torch.float32))
    _close(ember.special.logsumexp(ember.tensor(m), 1), torch.special.logsumexp(torch.tensor(m), 1))


def test_binary_grads():
    pytest.importorskip("scipy")
    a = np.array([0.5, 1.0, 2.0, 3.0])
    for name in ("gammainc", "gammaincc", "xlog1py"):
        xe = ember.tensor(POS[:4], requires_grad=True)
        xt = torch.tensor(POS[:4], requires_grad=True)
        getattr(ember.special, name)(ember.tensor(a), xe).sum().backward()
        getattr(torch.special, name)(torch.tensor(a), xt).sum().backward()
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), atol=1e-9)
    qe = ember.tensor(POS[:4] + 1, requires_grad=True)
    qt = torch.tensor(POS[:4] + 1, requires_grad=True)
    ember.special.zeta(ember.tensor(a + 1.5), qe).sum().backward()
    torch.special.zeta(torch.tensor(a + 1.5), qt).sum().backward()
    np.testing.assert_allclose(qe.grad.numpy(), qt.grad.numpy(), atol=1e-9)


def test_second_order():
    pytest.importorskip("scipy")
    for name in ("ndtr", "i0", "erfcx", "log_ndtr"):
        xe = ember.tensor(X[2:7], requires_grad=True)
        xt = torch.tensor(X[2:7], requires_grad=True)
        ge, = ember.autograd.grad(getattr(ember.special, name)(xe).sum(), xe, create_graph=True)
        gt, = torch.autograd.grad(getattr(torch.special, name)(xt).sum(), xt, create_graph=True)
        ge.sum().backward()
        gt.sum().backward()
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), atol=1e-8)


POLYS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
         "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
         "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
         "laguerre_polynomial_l", "legendre_polynomial_p"]


@pytest.mark.parametrize("name", POLYS)
def test_polynomials(name):
    x = np.array([-0.9, -0.3, 0.0, 0.2, 0.55, 0.8])
    n = np.array([0, 1, 2, 3, 5, 6])
    _close(getattr(ember.special, name)(ember.tensor(x), ember.tensor(n)),
           getattr(torch.special, name)(torch.tensor(x), torch.tensor(n)), atol=1e-8)
    for k in (0, 4):
        _close(getattr(ember.special, name)(ember.tensor(x), k), getattr(torch.special, name)(torch.tensor(x), k),
               atol=1e-8)
    _close(getattr(ember.special, name)(ember.tensor(x, dtype=ember.float32), -1),
           getattr(torch.special, name)(torch.tensor(x, dtype=torch.float32), -1))


# ---- fft ----------------------------------------------------------------------------------------------
R = np.random.default_rng(0).standard_normal((4, 6))
C = np.random.default_rng(1).standard_normal((4, 5)) + 1j * np.random.default_rng(2).standard_normal((4, 5))


def _fft_check(name, arr, **kw):
    xe = ember.tensor(arr, requires_grad=True)
    xt = torch.tensor(arr, requires_grad=True)
    ye, yt = getattr(ember.fft, name)(xe, **kw), getattr(torch.fft, name)(xt, **kw)
    _close(ye, yt, atol=1e-10)
    rng = np.random.default_rng(3)
    g = rng.standard_normal(tuple(yt.shape))
    if yt.is_complex():
        g = g + 1j * rng.standard_normal(tuple(yt.shape))
        (ye * ember.tensor(g).conj()).real.sum().backward()
        (yt * torch.tensor(g).conj()).real.sum().backward()
    else:
        (ye * ember.tensor(g)).sum().backward()
        (yt * torch.tensor(g)).sum().backward()
    _close(xe.grad, xt.grad, atol=1e-9)


@pytest.mark.parametrize("norm", [None, "ortho", "forward", "backward"])
@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "fft2", "ifft2", "fftn", "ifftn", "rfft2", "rfftn", "ihfft"])
def test_fft_real_input(name, norm):
    _fft_check(name, R, norm=norm)


@pytest.mark.parametrize("norm", [None, "ortho", "forward"])
@pytest.mark.parametrize("name", ["fft", "ifft", "irfft", "hfft", "irfft2", "irfftn", "fftn", "ifft2"])
def test_fft_complex_input(name, norm):
    _fft_check(name, C, norm=norm)


@pytest.mark.parametrize("name,arr,kw", [
    ("fft", R, {"n": 8}), ("fft", R, {"n": 3, "dim": 0}), ("rfft", R, {"n": 5, "dim": 0}),
    ("irfft", C, {"n": 7}), ("irfft", C, {"n": 9}), ("irfft", C, {"n": 4, "dim": 0}), ("hfft", C, {"n": 7}),
    ("irfftn", C, {"s": (3, 7)}), ("rfftn", R, {"s": (5, 4)}), ("fftn", R, {"dim": (0,)}),
    ("fft2", C, {"s": (2, 8)}), ("ifftn", C, {"s": (6,), "dim": (1,)}),
])
def test_fft_sizes(name, arr, kw):
    _fft_check(name, arr, **kw)


def test_fft_dtypes_and_errors():
    for dt in ("float32", "float64", "int64"):
        x = np.arange(8).astype(dt)
        _close(ember.fft.fft(ember.tensor(x)), torch.fft.fft(torch.tensor(x)), atol=1e-4)
        _close(ember.fft.rfft(ember.tensor(x)), torch.fft.rfft(torch.tensor(x)), atol=1e-4)
    _close(ember.fft.fft(ember.tensor(C.astype(np.complex64))), torch.fft.fft(torch.tensor(C.astype(np.complex64))),
           atol=1e-4)
    with pytest.raises(RuntimeError):
        ember.fft.rfft(ember.tensor(C))
    with pytest.raises(RuntimeError):
        torch.fft.rfft(torch.tensor(C))
    with pytest.raises(ValueError):
        ember.fft.fft(ember.tensor(R), norm="bogus")
    with pytest.raises(IndexError):
        ember.fft.fft(ember.tensor(R), dim=2)


def test_fft_helpers():
    for n, d in ((8, 1.0), (7, 0.5)):
        _close(ember.fft.fftfreq(n, d), torch.fft.fftfreq(n, d))
        _close(ember.fft.rfftfreq(n, d), torch.fft.rfftfreq(n, d))
    _close(ember.fft.fftfreq(5, dtype=ember.float64), torch.fft.fftfreq(5, dtype=torch.float64))
    x = np.arange(30.0).reshape(5, 6)
    for dim in (None, 0, (1,), (0, 1)):
        _close(ember.fft.fftshift(ember.tensor(x), dim), torch.fft.fftshift(torch.tensor(x), dim))
        _close(ember.fft.ifftshift(ember.tensor(x), dim), torch.fft.ifftshift(torch.tensor(x), dim))


def test_fft_roundtrip_and_double_backward():
    xe = ember.tensor(R, requires_grad=True)
    xt = torch.tensor(R, requires_grad=True)
    _close(ember.fft.irfft(ember.fft.rfft(xe), n=6), xt.detach(), atol=1e-12)
    ge, = ember.autograd.grad((ember.fft.rfft(xe).abs() ** 2).sum(), xe, create_graph=True)
    gt, = torch.autograd.grad((torch.fft.rfft(xt).abs() ** 2).sum(), xt, create_graph=True)
    _close(ge, gt, atol=1e-9)
    (ge * ge).sum().backward()
    (gt * gt).sum().backward()
    _close(xe.grad, xt.grad, atol=1e-8)
