"""Second-order gradients (create_graph=True, then backward) against torch: MAML through
convolution weights, gradient penalties through pooling, and a sweep of common ops."""
import numpy as np
import pytest

import ember
from tests._oracle import torch_or_skip

torch = torch_or_skip()


def _R(rng, *shape):
    return rng.standard_normal(shape)


def _second_order(L, f, arrays, seed=1):
    """g = d<f(x), v>/dx with create_graph, then d(sum g^2)/dx: (first-order grads, x.grad)."""
    ts = [L.from_numpy(a.copy()).requires_grad_(True) for a in arrays]
    y = f(L, *ts)
    v = L.from_numpy(np.random.default_rng(seed).standard_normal(tuple(y.shape)))
    gs = L.autograd.grad((y * v).sum(), ts, create_graph=True, allow_unused=True)
    total = sum((g * g).sum() for g in gs if g is not None and g.requires_grad)
    if not isinstance(total, int):
        total.backward()
    return ([g.detach().numpy() for g in gs if g is not None],
            [t.grad.numpy() if t.grad is not None else np.zeros(t.shape) for t in ts])


def _check(f, arrays, rtol=1e-9):
    e = _second_order(ember, f, arrays)
    t = _second_order(torch, f, arrays)
    for a, b in zip(e[0] + e[1], t[0] + t[1]):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


_rng = np.random.default_rng(0)
CASES = {
    "conv1d s2 d2": (lambda L, x, w: L.nn.functional.conv1d(x, w, stride=2, dilation=2, padding=1),
                     [_R(_rng, 2, 4, 11), _R(_rng, 6, 4, 3)]),
    "conv2d groups": (lambda L, x, w: L.nn.functional.conv2d(x, w, stride=2, padding=1, groups=2),
                      [_R(_rng, 2, 4, 7, 7), _R(_rng, 6, 2, 3, 3)]),
    "conv2d bias tanh": (lambda L, x, w, b: L.tanh(L.nn.functional.conv2d(x, w, b, padding=1)),
                         [_R(_rng, 2, 3, 5, 5), _R(_rng, 4, 3, 3, 3), _R(_rng, 4)]),
    "conv3d": (lambda L, x, w: L.nn.functional.conv3d(x, w, padding=1),
               [_R(_rng, 1, 2, 4, 5, 5), _R(_rng, 3, 2, 3, 3, 3)]),
    "conv_transpose2d": (lambda L, x, w: L.nn.functional.conv_transpose2d(x, w, stride=2, padding=1,
                                                                          output_padding=1),
                         [_R(_rng, 2, 3, 4, 4), _R(_rng, 3, 5, 3, 3)]),
    "conv_transpose2d dilated": (lambda L, x, w: L.nn.functional.conv_transpose2d(
        x, w, stride=2, dilation=3, output_padding=2), [_R(_rng, 1, 2, 4, 4), _R(_rng, 2, 3, 3, 3)]),
    "max_pool2d overlapping, tanh": (lambda L, x: L.nn.functional.max_pool2d(L.tanh(x), 3, stride=2,
                                                                             padding=1),
                                     [_R(_rng, 2, 3, 7, 7)]),
    "max_pool1d": (lambda L, x: L.nn.functional.max_pool1d(x * x, 2), [_R(_rng, 2, 3, 8)]),
    "max_pool3d": (lambda L, x: L.nn.functional.max_pool3d(x * x, 2, stride=1),
                   [_R(_rng, 1, 2, 4, 4, 4)]),
    "adaptive_max_pool2d": (lambda L, x: L.nn.functional.adaptive_max_pool2d(x * x, (3, 2)),
                            [_R(_rng, 2, 3, 7, 5)]),
    "avg_pool2d": (lambda L, x: L.nn.functional.avg_pool2d(x * x, 3, stride=2, padding=1),
                   [_R(_rng, 2, 3, 7, 7)]),
    "interpolate bilinear": (lambda L, x: L.nn.functional.interpolate(x * x, scale_factor=2,
                                                                      mode="bilinear"),
                             [_R(_rng, 1, 2, 4, 5)]),
    "batch_norm train": (lambda L, x, w, b: L.nn.functional.batch_norm(x, None, None, w, b, True),
                         [_R(_rng, 4, 3, 5, 5), _R(_rng, 3), _R(_rng, 3)]),
    "group_norm": (lambda L, x, w, b: L.nn.functional.group_norm(x, 2, w, b),
                   [_R(_rng, 2, 4, 5, 5), _R(_rng, 4), _R(_rng, 4)]),
    "cross_entropy": (lambda L, x: L.nn.functional.cross_entropy(x, L.tensor([1, 0, 3, 4])),
                      [_R(_rng, 4, 5)]),
    "gelu, silu, softplus": (lambda L, x: L.nn.functional.gelu(x) * L.nn.functional.silu(x) +
                             L.nn.functional.softplus(x, beta=2), [_R(_rng, 10)]),
    "grid_sample": (lambda L, x, g: L.nn.functional.grid_sample(x, L.tanh(g), align_corners=False),
                    [_R(_rng, 1, 2, 4, 5), _R(_rng, 1, 3, 3, 2)]),
    "det, inv": (lambda L, x: L.linalg.det(x) * L.linalg.inv(x), [_R(_rng, 3, 3) + 3 * np.eye(3)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_order_matches_torch(name):
    f, arrays = CASES[name]
    _check(f, arrays)


def test_maml_inner_step_through_conv_weights():
    """The weight gradient of a convolution, differentiated again (meta-learning's inner step)."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    w0 = (rng.standard_normal((4, 3, 3, 3)) * 0.2).astype(np.float32)
    b0 = (rng.standard_normal(4) * 0.2).astype(np.float32)
    res = []
    for L in (ember, torch):
        w, b = L.from_numpy(w0.copy()).requires_grad_(True), L.from_numpy(b0.copy()).requires_grad_(True)
        xt = L.from_numpy(x)
        loss = (L.tanh(L.nn.functional.conv2d(xt, w, b, padding=1)) ** 2).mean()
        gw, gb = L.autograd.grad(loss, (w, b), create_graph=True)
        assert gw.requires_grad and gb.requires_grad
        outer = (L.nn.functional.conv2d(xt, w - 0.1 * gw, b - 0.1 * gb, stride=2) ** 2).mean()
        outer.backward()
        res.append((w.grad.numpy(), b.grad.numpy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_third_order_through_conv_and_pool():
    rng = np.random.default_rng(4)
    x0, w0 = rng.standard_normal((1, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))
    res = []
    for L in (ember, torch):
        x, w = L.from_numpy(x0.copy()).requires_grad_(True), L.from_numpy(w0.copy()).requires_grad_(True)
        y = L.nn.functional.max_pool2d(L.nn.functional.conv2d(x, w, padding=1), 2)
        gw, = L.autograd.grad((y ** 3).sum(), w, create_graph=True)
        gx, = L.autograd.grad((gw ** 2).sum(), x, create_graph=True)
        (gx ** 2).sum().backward()
        res.append((gw.detach().numpy(), gx.detach().numpy(), w.grad.numpy(), x.grad.numpy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


_LINALG = {
    "svdvals": lambda L, x: L.linalg.svdvals(x) ** 3,
    "svd U": lambda L, x: L.linalg.svd(x, full_matrices=False)[0] ** 3,
    "eigh values": lambda L, x: L.linalg.eigh(x + x.T)[0] ** 3,
    "eigh vectors": lambda L, x: L.linalg.eigh(x + x.T)[1] ** 3,
    "qr R": lambda L, x: L.linalg.qr(x)[1] ** 3,
    "std_mean": lambda L, x: L.std_mean(x, 1)[0] ** 3 + L.std_mean(x, 0)[1] ** 3,
}


@pytest.mark.parametrize("name", sorted(_LINALG))
def test_second_order_through_decompositions_reads_live_outputs(name):
    """Backward formulas that read the op's outputs (U, S, Vh; eigenvectors; Q, R; the std) must
    differentiate through them when create_graph is on, not treat them as constants."""
    x0 = np.random.default_rng(5).standard_normal((4, 3))[:3]
    res = []
    for L in (ember, torch):
        x = L.from_numpy(x0.copy()).requires_grad_(True)
        g, = L.autograd.grad(_LINALG[name](L, x).sum(), x, create_graph=True)
        assert g.requires_grad
        (g ** 2).sum().backward()
        res.append((g.detach().numpy(), x.grad.numpy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


def test_modified_decomposition_output_is_a_version_error():
    for L in (ember, torch):
        x = L.from_numpy(np.random.default_rng(6).standard_normal((3, 3))).requires_grad_(True)
        U, S, Vh = L.linalg.svd(x)
        loss = (U ** 2).sum() + S.sum()
        with L.no_grad():
            U.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loss.backward()


_GRADS = {  # first-order gradients that were wrong (renorm, angle) or missing (digamma's)
    "renorm p2": lambda L, x: L.renorm(x, 2, 0, 1.0),
    "renorm p3 dim1": lambda L, x: L.renorm(x, 3, 1, 0.7),
    "angle of complex(x, x^2)": lambda L, x: L.angle(L.complex(x, x * x)),
    "abs * angle of complex": lambda L, x: L.abs(L.complex(x, 2 * x + 1)) * L.angle(L.complex(x, 2 * x + 1)),
    "digamma": lambda L, x: L.digamma(x.abs() + 0.5),
    "lgamma": lambda L, x: L.lgamma(x.abs() + 0.5),
}


@pytest.mark.parametrize("name", sorted(_GRADS))
def test_first_and_second_order_gradients_match_torch(name):
    x0 = np.random.default_rng(7).standard_normal((3, 4))
    res = []
    for L in (ember, torch):
        x = L.from_numpy(x0.copy()).requires_grad_(True)
        y = _GRADS[name](L, x)
        v = L.from_numpy(np.random.default_rng(8).standard_normal(tuple(y.shape)))
        g, = L.autograd.grad((y * v).sum(), x, create_graph=True)
        (g ** 3).sum().backward()
        res.append((y.detach().numpy(), g.detach().numpy(), x.grad.numpy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)


def test_angle_of_complex_leaf_and_complex_keeps_inf_and_signed_zero():
    z0 = np.array([1 + 2j, -3 - 1j, 0.5 - 4j, 0j])
    grads = []
    for L in (ember, torch):
        z = L.from_numpy(z0.copy()).requires_grad_(True)
        (L.angle(z) * L.arange(4.0, dtype=L.float64)).sum().backward()
        grads.append(z.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-15)
    z = ember.complex(ember.tensor([1.0, -1.0]), ember.tensor([float("inf"), -0.0]))
    assert z.numpy()[0] == complex(1, float("inf")) and np.signbit(z.numpy()[1].imag)
    assert ember.complex(ember.tensor([1.0, 2.0]), ember.tensor(3.0)).tolist() == [1 + 3j, 2 + 3j]


def test_frexp_mantissa_gradient():
    res = []
    for L in (ember, torch):
        x = L.tensor([3.0, -0.7, 0.0, 1e-30, 6e5], dtype=L.float64, requires_grad=True)
        m, e = L.frexp(x)
        (m * L.arange(5.0, dtype=L.float64)).sum().backward()
        res.append((m.detach().numpy(), e.numpy(), x.grad.numpy()))
    for a, b in zip(*res):
        np.testing.assert_array_equal(a, b)
