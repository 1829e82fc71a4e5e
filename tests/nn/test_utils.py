"""Oracle tests for nn.utils: gradient clipping, vector conversion, weight_norm."""
import math
import warnings

import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch
from tests.nn._harness import compare_module

pytestmark = requires_torch

GRADS = [np.random.default_rng(i).standard_normal(s) for i, s in enumerate([(3, 4), (5,), ()])]


def _params(lib, dtype):
    ps = [lib.nn.Parameter(lib.zeros(g.shape, dtype=dtype)) for g in GRADS]
    for p, g in zip(ps, GRADS):
        p.grad = lib.from_numpy(g.astype(np.float64)).to(dtype)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1, math.inf, 3.5, 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm(norm_type, max_norm):
    pe, pt = _params(ember, ember.float64), _params(torch, torch.float64)
    ne = ember.nn.utils.clip_grad_norm_(pe, max_norm, norm_type=norm_type)
    nt = torch.nn.utils.clip_grad_norm_(pt, max_norm, norm_type=norm_type)
    np.testing.assert_allclose(ne.numpy(), nt.numpy(), rtol=1e-12)
    assert ne.dtype == ember.float64 and ne.shape == ()
    for a, b in zip(pe, pt):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_clip_grad_norm_float32_single_tensor_and_errors():
    pe, pt = _params(ember, ember.float32), _params(torch, torch.float32)
    ne = ember.nn.utils.clip_grad_norm_(pe[0], 0.1)
    nt = torch.nn.utils.clip_grad_norm_(pt[0], 0.1)
    np.testing.assert_allclose(ne.numpy(), nt.numpy(), rtol=1e-6)
    np.testing.assert_allclose(pe[0].grad.numpy(), pt[0].grad.numpy(), rtol=1e-6)
    for lib in (ember, torch):
        p = lib.nn.Parameter(lib.zeros(2))
        p.grad = lib.tensor([float("nan"), 1.0])
        with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
            lib.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
        assert lib.nn.utils.clip_grad_norm_([lib.nn.Parameter(lib.zeros(2))], 1.0).item() == 0.0


def test_clip_grad_value_and_vectors():
    pe, pt = _params(ember, ember.float64), _params(torch, torch.float64)
    ember.nn.utils.clip_grad_value_(pe, 0.4)
    torch.nn.utils.clip_grad_value_(pt, 0.4)
    for a, b in zip(pe, pt):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    ve = ember.nn.utils.parameters_to_vector(p.grad for p in pe)
    vt = torch.nn.utils.parameters_to_vector(p.grad for p in pt)
    np.testing.assert_array_equal(ve.numpy(), vt.numpy())
    ember.nn.utils.vector_to_parameters(ve * 2, pe)
    torch.nn.utils.vector_to_parameters(vt * 2, pt)
    for a, b in zip(pe, pt):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    for lib in (ember, torch):
        with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
            lib.nn.utils.vector_to_parameters([1.0], pe if lib is ember else pt)


def test_parameters_to_vector_is_differentiable():
    w = ember.nn.Parameter(ember.ones(2, 2))
    b = ember.nn.Parameter(ember.ones(3))
    v = ember.nn.utils.parameters_to_vector([w, b])
    (v * ember.arange(7.0)).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[0, 1], [2, 3]])
    np.testing.assert_array_equal(b.grad.numpy(), [4, 5, 6])


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_matches_torch(dim):
    def make(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return lib.nn.utils.weight_norm(lib.nn.Conv1d(3, 4, 2), dim=dim)
    em, tm = compare_module(make, [np.random.default_rng(0).standard_normal((2, 3, 5))])
    assert list(em.state_dict().keys()) == list(tm.state_dict().keys())
    ember.nn.utils.remove_weight_norm(em)
    torch.nn.utils.remove_weight_norm(tm)
    assert list(em.state_dict().keys()) == list(tm.state_dict().keys()) == ["bias", "weight"]
    np.testing.assert_allclose(em.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        ember.nn.utils.remove_weight_norm(em)
