"""Gradients taken with create_graph=True stay in the graph where torch's do (ReLU's backward
is recorded as ThresholdBackwardBackward0 with a zero derivative for its saved output)."""
import numpy as np

import ember
from tests._oracle import requires_torch, torch

pytestmark = requires_torch


def test_relu_gradient_stays_in_the_graph_like_torch():
    res = []
    for L in (ember, torch):
        for f in (L.relu, L.nn.functional.relu, lambda t: L.nn.ReLU()(t)):
            x = L.tensor([-1.0, 2.0, 0.5], requires_grad=True)
            w = L.tensor([0.5, 2.0, -3.0], requires_grad=True)
            g, = L.autograd.grad((f(x * w) ** 2).sum(), x, create_graph=True)
            assert g.requires_grad and type(g.grad_fn).__name__ in ("ThresholdBackwardBackward0", "MulBackward0")
            (g * g).sum().backward()
            g2, = L.autograd.grad(f(x).sum(), x, create_graph=True)
            res.append((g.detach().numpy(), x.grad.numpy(), w.grad.numpy(), g2.requires_grad,
                        type(g2.grad_fn).__name__))
    for a, b in zip(res[:3], res[3:]):
        for u, v in zip(a[:3], b[:3]):
            np.testing.assert_allclose(u, v, rtol=1e-6)
        assert a[3:] == b[3:]


def test_max_pool_gradient_stays_in_the_graph_like_torch():
    x0 = np.random.default_rng(0).standard_normal((2, 3, 6, 6))
    res = []
    for L in (ember, torch):
        for pool in (lambda t: L.nn.functional.max_pool2d(t, 2), lambda t: L.nn.functional.max_pool2d(t, 3, 2, 1),
                     lambda t: L.nn.functional.max_pool1d(t.flatten(2), 4)):
            x = L.tensor(x0, requires_grad=True)
            g, = L.autograd.grad(pool(x).sum(), x, create_graph=True)  # depends on nothing but x's pattern
            g2, = L.autograd.grad((pool(x) ** 2).sum(), x, create_graph=True)
            (g2 ** 2).sum().backward()
            res.append((g.requires_grad, type(g.grad_fn).__name__, g.detach().numpy(), x.grad.numpy()))
    for a, b in zip(res[:3], res[3:]):
        assert a[:2] == b[:2]
        np.testing.assert_allclose(a[2], b[2])
        np.testing.assert_allclose(a[3], b[3], rtol=1e-10)
