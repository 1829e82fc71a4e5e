"""ember.func (torch.func) against torch: functional_call, grad (nested), vjp, jvp, jacrev,
hessian, and per-sample gradients with vmap(grad)."""
import numpy as np
import pytest

import ember
from tests._oracle import torch_or_skip

torch = torch_or_skip()
rng = np.random.default_rng(0)
X = rng.standard_normal((4, 3))
W = rng.standard_normal((2, 3))


def _f(L):
    return lambda x: (L.sin(x) * x).sum()


def _close(a, b, tol=1e-10):
    if isinstance(a, (tuple, list)):
        for u, v in zip(a, b):
            _close(u, v, tol)
        return
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


def test_grad_nested_and_value():
    res = [(L.func.grad(_f(L))(L.from_numpy(X)), L.func.grad(lambda x: L.func.grad(_f(L))(x).sum())(L.from_numpy(X)),
            L.func.grad_and_value(_f(L))(L.from_numpy(X))) for L in (ember, torch)]
    _close(res[0], res[1])


def test_grad_argnums_and_aux():
    res = []
    for L in (ember, torch):
        f = lambda x, w: ((x @ w.T) ** 2).sum()
        g = L.func.grad(f, argnums=(0, 1))(L.from_numpy(X), L.from_numpy(W))
        ga, aux = L.func.grad(lambda x: (f(x, L.from_numpy(W)), x.sum()), has_aux=True)(L.from_numpy(X))
        res.append((g, ga, aux))
    _close(res[0], res[1])


def test_vjp_jvp_jacrev_jacfwd_hessian():
    res = []
    for L in (ember, torch):
        f = lambda x: L.tanh(x @ L.from_numpy(W).T)
        x = L.from_numpy(X[0])
        out, fn = L.func.vjp(f, x)
        v = fn(L.ones(2, dtype=L.float64))
        o2, jv = L.func.jvp(f, (x,), (L.from_numpy(X[1]),))
        res.append((out, v[0], o2, jv, L.func.jacrev(f)(x), L.func.jacfwd(f)(x), L.func.hessian(_f(L))(x)))
    _close(res[0], res[1])


def test_functional_call_and_per_sample_grads():
    tm = torch.nn.Linear(3, 2)
    em = ember.nn.Linear(3, 2)
    em.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    new_w = rng.standard_normal((2, 3)).astype(np.float32)
    res = []
    for L, m in ((ember, em), (torch, tm)):
        params = {"weight": L.from_numpy(new_w.copy()), "bias": L.from_numpy(tm.bias.detach().numpy().copy())}
        x = L.from_numpy(X.astype(np.float32))
        out = L.func.functional_call(m, params, (x,))
        assert np.allclose(m.weight.detach().numpy(), tm.weight.detach().numpy())  # restored

        def loss(p, xi):
            return (L.func.functional_call(m, p, (xi.unsqueeze(0),)) ** 2).sum()
        per_sample = L.func.vmap(L.func.grad(loss), in_dims=(None, 0))(params, x)
        res.append((out, per_sample["weight"], per_sample["bias"]))
    _close(res[0], res[1], 1e-5)
    with pytest.raises(RuntimeError, match="missing keys"):
        ember.func.functional_call(em, {"weight": em.weight}, (ember.ones(1, 3),), strict=True)
