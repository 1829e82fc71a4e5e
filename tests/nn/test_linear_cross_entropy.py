"""F.linear_cross_entropy / nn.LinearCrossEntropyLoss against torch: values and gradients for class
indices and probabilities, K-dimensional out_features, bias, class weights, ignore_index, label
smoothing, options, the module's state_dict/repr, and errors."""
import numpy as np
import pytest

import ember
from tests._oracle import torch_or_skip

torch = torch_or_skip()
_rng = np.random.default_rng(0)


@pytest.mark.parametrize("kw", [
    {},
    {"reduction": "sum", "label_smoothing": 0.1},
    {"reduction": "none", "ignore_index": 1},
    {"weight": "w"},
    {"bias": True},
    {"probs": True},
    {"out": (2,), "bias": True},
    {"unbatched": True},
])
def test_values_and_grads_match_torch(kw):
    kw = dict(kw)
    out = kw.pop("out", ())
    n, fin, C = 5, 4, 3
    x = _rng.standard_normal((fin,) if kw.pop("unbatched", False) else (n, fin))
    W = _rng.standard_normal((C, *out, fin))
    b = _rng.standard_normal((C, *out)) if kw.pop("bias", False) else None
    batch = x.shape[:-1]
    if kw.pop("probs", False):
        t = _rng.random((*batch, C, *out))
        t = t / t.sum(len(batch), keepdims=True)
    else:
        t = _rng.integers(0, C, (*batch, *out))
    res = []
    for L in (ember, torch):
        xs, Ws = L.tensor(x, requires_grad=True), L.tensor(W, requires_grad=True)
        bs = L.tensor(b, requires_grad=True) if b is not None else None
        extra = dict(kw)
        if extra.get("weight") == "w":
            extra["weight"] = L.tensor([0.2, 1.0, 3.0], dtype=L.float64)
        loss = L.nn.functional.linear_cross_entropy(xs, Ws, L.tensor(t), linear_bias=bs, **extra)
        loss.sum().backward()
        res.append([loss.detach().numpy(), xs.grad.numpy(), Ws.grad.numpy()] + ([bs.grad.numpy()] if bs is not None else []))
    for a, c in zip(*res):
        np.testing.assert_allclose(a, c, rtol=1e-10, atol=1e-12)


def test_module_matches_torch():
    for L in (ember, torch):
        L.manual_seed(0)
    em = ember.nn.LinearCrossEntropyLoss(4, 3, out_features=(2,), bias=True, label_smoothing=0.2)
    tm = torch.nn.LinearCrossEntropyLoss(4, 3, out_features=(2,), bias=True, label_smoothing=0.2)
    assert repr(em) == repr(tm)
    assert {k: tuple(v.shape) for k, v in em.state_dict().items()} == {k: tuple(v.shape) for k, v in tm.state_dict().items()}
    np.testing.assert_allclose(em.linear.weight.detach().numpy(), tm.linear.weight.detach().numpy())
    x = _rng.standard_normal((5, 4)).astype(np.float32)
    t = _rng.integers(0, 3, (5, 2))
    np.testing.assert_allclose(em(ember.tensor(x), ember.tensor(t)).item(), tm(torch.tensor(x), torch.tensor(t)).item(),
                               rtol=1e-6)
    opt = ember.nn.LinearCrossEntropyOptions(batch_chunk_size=2)
    assert repr(opt) == repr(torch.nn.LinearCrossEntropyOptions(batch_chunk_size=2))
    e2 = ember.nn.LinearCrossEntropyLoss(4, 3, options=opt)
    assert e2(ember.tensor(x), ember.tensor(t[:, 0])).shape == ()


def test_errors_match_torch():
    cases = [
        lambda L: L.nn.functional.linear_cross_entropy(L.randn(2, 3, 4), L.randn(3, 4), L.zeros(2, dtype=L.long)),
        lambda L: L.nn.functional.linear_cross_entropy(L.randn(2, 4), L.randn(4), L.zeros(2, dtype=L.long)),
        lambda L: L.nn.functional.linear_cross_entropy(L.randn(2, 5), L.randn(3, 4), L.zeros(2, dtype=L.long)),
        lambda L: L.nn.functional.linear_cross_entropy(L.randn(2, 4), L.randn(3, 4), L.zeros(2, dtype=L.long),
                                                       linear_bias=L.randn(2)),
        lambda L: L.nn.functional.linear_cross_entropy(L.randn(4), L.randn(3, 2, 4), L.zeros(2, dtype=L.long)),
        lambda L: L.nn.functional.linear_cross_entropy(L.randn(2, 4), L.randn(3, 4), L.rand(2, 3), ignore_index=0),
        lambda L: L.nn.LinearCrossEntropyLoss(4, 3, weight=L.ones(2)),
        lambda L: L.nn.LinearCrossEntropyLoss(4, 3, label_smoothing=2.0),
    ]
    for case in cases:
        with pytest.raises(RuntimeError) as te:
            case(torch)
        with pytest.raises(RuntimeError) as ee:
            case(ember)
        assert str(ee.value) == str(te.value)
