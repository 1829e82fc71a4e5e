"""Fractional max pooling against torch: the same seed pools the same regions (samples drawn from
torch's stream), given samples, indices, batched/unbatched, gradients (also second order through
the scatter), module errors."""
import numpy as np
import pytest

import ember
from tests._oracle import torch_or_skip

torch = torch_or_skip()
_rng = np.random.default_rng(0)


@pytest.mark.parametrize("nd,shape,kernel,out", [
    (2, (2, 3, 10, 9), (3, 2), (4, 5)),
    (2, (3, 10, 9), 2, 4),  # unbatched
    (2, (1, 2, 7, 7), 2, 1),
    (3, (1, 2, 6, 7, 8), 2, (3, 4, 5)),
    (3, (2, 6, 7, 8), (2, 3, 2), 3),
])
def test_matches_torch_with_seed(nd, shape, kernel, out):
    x = _rng.standard_normal(shape).astype(np.float32)
    res = []
    for L in (ember, torch):
        L.manual_seed(0)
        t = L.tensor(x, requires_grad=True)
        fn = getattr(L.nn.functional, f"fractional_max_pool{nd}d")
        o, i = fn(t, kernel, output_size=out, return_indices=True)
        (o * o).sum().backward()
        res.append((o.detach().numpy(), i.numpy(), t.grad.numpy(), type(o.grad_fn).__name__))
    for a, b in zip(res[0][:3], res[1][:3]):
        np.testing.assert_array_equal(a, b)
    assert res[0][3] == res[1][3]


def test_output_ratio_given_samples_and_modules():
    x = _rng.standard_normal((2, 3, 11, 13)).astype(np.float32)
    s = _rng.random((2, 3, 2)).astype(np.float32)
    a = ember.nn.functional.fractional_max_pool2d(ember.tensor(x), 3, output_ratio=(0.5, 0.7),
                                                  _random_samples=ember.tensor(s))
    b = torch.nn.functional.fractional_max_pool2d(torch.tensor(x), 3, output_ratio=(0.5, 0.7),
                                                  _random_samples=torch.tensor(s))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    for L in (ember, torch):
        L.manual_seed(4)
    em = ember.nn.FractionalMaxPool2d(2, output_ratio=0.5, return_indices=True)
    tm = torch.nn.FractionalMaxPool2d(2, output_ratio=0.5, return_indices=True)
    (ev, ei), (tv, ti) = em(ember.tensor(x)), tm(torch.tensor(x))
    np.testing.assert_array_equal(ev.numpy(), tv.numpy())
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    assert repr(em) == repr(tm) and list(em.state_dict()) == list(tm.state_dict())


def test_second_order_gradient():
    x = _rng.standard_normal((1, 2, 8, 8))
    s = _rng.random((1, 2, 2))
    grads = []
    for L in (ember, torch):
        t = L.tensor(x, requires_grad=True)
        o = L.nn.functional.fractional_max_pool2d(t, 2, output_size=5, _random_samples=L.tensor(s))
        (g,) = L.autograd.grad((o ** 3).sum(), t, create_graph=True)
        (g * g).sum().backward()
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_errors_match_torch():
    cases = [
        lambda L: L.nn.functional.fractional_max_pool2d(L.randn(1, 1, 10, 9), 3, output_size=(4, 8)),
        lambda L: L.nn.functional.fractional_max_pool2d(L.randn(1, 1, 10, 9), 3, output_size=(9, 4)),
        lambda L: L.nn.functional.fractional_max_pool3d(L.randn(1, 1, 6, 7, 8), 2, output_size=(6, 2, 2)),
        lambda L: L.nn.functional.fractional_max_pool2d(L.randn(1, 1, 10, 9), 2, output_size=3,
                                                        _random_samples=L.rand(1, 1, 3)),
        lambda L: L.nn.FractionalMaxPool2d(3),
        lambda L: L.nn.FractionalMaxPool2d(3, output_size=2, output_ratio=0.5),
        lambda L: L.nn.FractionalMaxPool3d(3, output_ratio=1.5),
    ]
    for case in cases:
        with pytest.raises(Exception) as te:
            case(torch)
        with pytest.raises(type(te.value)) as ee:
            case(ember)
        assert str(ee.value) == str(te.value)
