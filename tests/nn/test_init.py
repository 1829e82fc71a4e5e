"""Oracle tests for nn.init: gains, fans, deterministic initialisers and distribution bounds."""
import math
import warnings

import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch

pytestmark = requires_torch


@pytest.mark.parametrize("nl,param", [("linear", None), ("conv2d", None), ("sigmoid", None),
                                      ("tanh", None), ("relu", None), ("leaky_relu", None),
                                      ("leaky_relu", 0.2), ("selu", None),
                                      ("conv_transpose3d", None)])
def test_calculate_gain(nl, param):
    assert ember.nn.init.calculate_gain(nl, param) == torch.nn.init.calculate_gain(nl, param)


def test_gain_and_fan_errors():
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
            lib.nn.init.calculate_gain("foo")
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            lib.nn.init.xavier_uniform_(lib.empty(3))
        with pytest.raises(ValueError, match="Mode fan_avg not supported"):
            lib.nn.init.kaiming_uniform_(lib.empty(3, 4), mode="fan_avg")


@pytest.mark.parametrize("shape", [(3, 4), (5, 2, 3), (4, 3, 2, 2)])
def test_fans(shape):
    assert ember.nn.init._calculate_fan_in_and_fan_out(ember.empty(shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def test_deterministic_initialisers_match_torch():
    for fn, shape, args in [("eye_", (3, 5), ()), ("dirac_", (4, 2, 3, 3), ()),
                            ("dirac_", (6, 2, 3), (2,)), ("constant_", (2, 3), (0.7,)),
                            ("zeros_", (2, 2), ()), ("ones_", (3,), ())]:
        e = getattr(ember.nn.init, fn)(ember.empty(shape), *args)
        t = getattr(torch.nn.init, fn)(torch.empty(shape), *args)
        np.testing.assert_array_equal(e.numpy(), t.numpy())


def _w(*shape):
    ember.manual_seed(0)
    return ember.empty(shape, dtype=ember.float64)


@pytest.mark.parametrize("fn,kw,shape,bound,std", [
    ("uniform_", dict(a=-0.3, b=0.5), (400, 300), (-0.3, 0.5), 0.8 / math.sqrt(12)),
    ("xavier_uniform_", dict(gain=2.0), (300, 200), None, 2.0 * math.sqrt(2 / 500)),
    ("xavier_normal_", dict(), (300, 200), None, math.sqrt(2 / 500)),
    ("kaiming_uniform_", dict(a=math.sqrt(5)), (256, 100), None,
     math.sqrt(2 / 6) / math.sqrt(100)),
    ("kaiming_normal_", dict(mode="fan_out", nonlinearity="relu"), (200, 50, 3), None,
     math.sqrt(2) / math.sqrt(600)),
    ("normal_", dict(mean=1.0, std=0.5), (300, 300), None, 0.5),
    ("trunc_normal_", dict(std=1.0, a=-1.0, b=1.5), (400, 300), (-1.0, 1.5), None),
])
def test_random_initialisers_statistics(fn, kw, shape, bound, std):
    w = getattr(ember.nn.init, fn)(_w(*shape), **kw)
    a = w.numpy()
    if bound is not None:
        assert a.min() >= bound[0] and a.max() <= bound[1]
    if std is not None:
        assert abs(a.std() - std) < 0.03 * std
    if fn.startswith("xavier_uniform"):
        lim = 2.0 * math.sqrt(6 / 500)
        assert np.abs(a).max() <= lim and np.abs(a).max() > 0.98 * lim


def test_orthogonal_and_sparse():
    w = ember.nn.init.orthogonal_(_w(4, 6), gain=2.0).numpy()
    np.testing.assert_allclose(w @ w.T, 4 * np.eye(4), atol=1e-10)
    w = ember.nn.init.orthogonal_(_w(6, 2, 2)).numpy().reshape(6, 4)
    np.testing.assert_allclose(w.T @ w, np.eye(4), atol=1e-10)
    s = ember.nn.init.sparse_(_w(10, 6), sparsity=0.3).numpy()
    assert ((s == 0).sum(0) == 3).all()


def test_zero_element_warning_and_aliases():
    for lib in (ember, torch):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            lib.nn.init.kaiming_uniform_(lib.empty(0, 3))
        assert any("zero-element tensors is a no-op" in str(r.message) for r in rec)
    p = ember.nn.Parameter(ember.empty(3, 3))
    out = ember.nn.init.xavier_uniform_(p)
    assert out is p and p.requires_grad and p.grad_fn is None
