"""The torch.nn.functional spellings in nn/_functional_more.py (in-place activations, *_with_indices
pools, pdist, feature_alpha_dropout) against torch."""
import numpy as np
import pytest

import ember
from tests._oracle import torch_or_skip

torch = torch_or_skip()
X = np.random.default_rng(0).standard_normal((2, 3, 4, 4))


@pytest.mark.parametrize("name, args", [("relu_", ()), ("elu_", (0.5,)), ("leaky_relu_", (0.2,)),
                                        ("hardtanh_", (-0.5, 0.7)), ("selu_", ()), ("celu_", (0.8,)),
                                        ("threshold_", (0.1, 20.0)), ("rrelu_", (0.1, 0.3))])
def test_inplace_activations(name, args):
    outs = []
    for L in (ember, torch):
        x = L.from_numpy(X.copy())
        r = getattr(L.nn.functional, name)(x, *args)
        assert r is x or r.data_ptr() == x.data_ptr()
        outs.append(x.numpy())
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-12)


@pytest.mark.parametrize("fn, args", [("max_pool1d_with_indices", (2,)), ("max_pool2d_with_indices", (2,)),
                                      ("max_pool3d_with_indices", (2,)),
                                      ("adaptive_max_pool1d_with_indices", (3,)),
                                      ("adaptive_max_pool2d_with_indices", ((3, 2),)),
                                      ("adaptive_max_pool3d_with_indices", ((1, 2, 2),))])
def test_with_indices_always_return_both(fn, args):
    x0 = X.reshape(2, 3, 16) if "1d" in fn else X
    res = []
    for L in (ember, torch):
        r = getattr(L.nn.functional, fn)(L.from_numpy(x0.copy()), *args)
        assert isinstance(r, tuple) and len(r) == 2
        res.append((r[0].numpy(), r[1].numpy()))
    for a, b in zip(*res):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("p", [2.0, 1.0, 1.5, 0.0, float("inf")])
def test_pdist_values_and_gradient(p):
    res = []
    for L in (ember, torch):
        x = L.from_numpy(X[0, 0].copy()).requires_grad_(True)
        d = L.nn.functional.pdist(x, p)
        (d * L.arange(float(d.shape[0]), dtype=L.float64)).sum().backward()
        res.append((d.detach().numpy(), x.grad.numpy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    for L in (ember, torch):
        with pytest.raises(RuntimeError, match="pdist only supports 2D tensors, got: 3D"):
            L.nn.functional.pdist(L.ones(2, 2, 2))


def test_feature_alpha_dropout_drops_whole_channels():
    x = ember.from_numpy(X.copy())
    assert ember.nn.functional.feature_alpha_dropout(x, 0.5) is x  # eval: identity
    ember.manual_seed(0)
    y = ember.nn.functional.feature_alpha_dropout(x, 0.5, training=True).numpy()
    a, q = -1.7580993408473766, 0.5
    scale = (q + a * a * q * 0.5) ** -0.5
    dropped = np.isclose(y, a * scale - scale * a * 0.5).all(axis=(2, 3))
    kept = np.isclose(y, X * scale - scale * a * 0.5).all(axis=(2, 3))
    assert (dropped | kept).all() and dropped.any() and kept.any()


def test_top_level_losses_default_to_no_reduction():
    """torch.kl_div & co. (the ATen spellings, int reduction) reduce nothing by default."""
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0.1, 0.9, (3, 4)), rng.uniform(0.1, 0.9, (3, 4))
    t = np.array([1.0, -1.0, 1.0])
    for f, args in [("kl_div", (x, y)), ("binary_cross_entropy_with_logits", (x, y)),
                    ("hinge_embedding_loss", (x, y)), ("cosine_embedding_loss", (x, y, t)),
                    ("margin_ranking_loss", (x[0], y[0], np.ones(4))),
                    ("triplet_margin_loss", (x, y, 2 * y))]:
        outs = [getattr(L, f)(*(L.from_numpy(a) for a in args)).numpy() for L in (ember, torch)]
        np.testing.assert_allclose(outs[0], outs[1], rtol=1e-9, err_msg=f)
        red = [getattr(L, f)(*(L.from_numpy(a) for a in args), reduction=2).item() for L in (ember, torch)]
        np.testing.assert_allclose(red[0], red[1], rtol=1e-9, err_msg=f)


def test_small_namespaces_and_modules():
    lp0 = np.random.default_rng(3).standard_normal((5, 2, 4))
    res = []
    for L in (ember, torch):
        lp = L.from_numpy(lp0).log_softmax(2)
        args = (lp, L.tensor([[1, 2], [1, 1]]), L.tensor([5, 5]), L.tensor([2, 1]))
        m = L.nn.FeatureAlphaDropout(0.3)
        res.append((L.ctc_loss(*args).numpy(), L.ctc_loss(*args, 0, 2).item(), repr(m),
                    L.cpu.is_available(), L.cpu.device_count(), L.cpu.current_device(),
                    L.functional.einsum("ii", L.eye(3)).item(), isinstance(L.nn.UninitializedBuffer(), L.Tensor),
                    bool((m.eval()(L.ones(2, 3)) == 1).all())))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-10)
    assert res[0][1] == pytest.approx(res[1][1]) and res[0][2:] == res[1][2:]


def test_histogramdd_matches_torch():
    x0 = np.random.default_rng(5).standard_normal((60, 3)).astype(np.float32)
    w0 = np.random.default_rng(6).uniform(0, 1, 60).astype(np.float32)
    res = []
    for L in (ember, torch):
        x, w = L.from_numpy(x0), L.from_numpy(w0)
        outs = [L.histogramdd(x, bins=[3, 4, 5]), L.histogramdd(x, bins=4, range=[-1.0, 1.0] * 3, density=True),
                L.histogramdd(x, bins=[3, 3, 3], weight=w),
                L.histogramdd(x, bins=[L.tensor([-3.0, 0.0, 3.0])] * 3),
                L.histogramdd(L.from_numpy(x0.reshape(3, 20, 3)), bins=2)]
        res.append([(r.hist.numpy(), [e.numpy() for e in r.bin_edges]) for r in outs])
    for (he, ee), (ht, et) in zip(*res):
        np.testing.assert_allclose(he, ht, rtol=1e-5)
        for a, b in zip(ee, et):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)  # linspace may differ by an ulp
