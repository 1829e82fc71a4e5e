"""nn.utils.parametrize and nn.utils.parametrizations (weight_norm, spectral_norm) against torch:
state_dict keys, values, gradients, training refinement, removal, custom parametrizations."""
import numpy as np
import pytest

import ember
from tests._oracle import torch_or_skip

torch = torch_or_skip()
X = np.random.default_rng(0).standard_normal((2, 5)).astype(np.float32)


def _sync(me, mt):
    me.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in mt.state_dict().items()})


@pytest.mark.parametrize("which", ["weight_norm", "spectral_norm"])
def test_builtin_parametrizations_match_torch(which):
    mods = [getattr(L.nn.utils.parametrizations, which)(L.nn.Linear(5, 4)) for L in (ember, torch)]
    me, mt = mods
    assert list(me.state_dict()) == list(mt.state_dict())
    assert type(me).__name__ == type(mt).__name__ == "ParametrizedLinear"
    _sync(me, mt)
    for train in (True, True, False):
        me.train(train)
        mt.train(train)
        ye, yt = me(ember.from_numpy(X)), mt(torch.from_numpy(X))
        (ye ** 2).sum().backward()
        (yt ** 2).sum().backward()
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
        for (k, pe), (_, pt) in zip(me.named_parameters(), mt.named_parameters()):
            np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=k)
        for k in mt.state_dict():
            np.testing.assert_allclose(me.state_dict()[k].numpy(), mt.state_dict()[k].numpy(), rtol=1e-5,
                                       atol=1e-6, err_msg=k)
    for L, m in ((ember, me), (torch, mt)):
        L.nn.utils.parametrize.remove_parametrizations(m, "weight")
        assert type(m).__name__ == "Linear" and not L.nn.utils.parametrize.is_parametrized(m)
    assert list(me.state_dict()) == list(mt.state_dict())
    np.testing.assert_allclose(me.weight.detach().numpy(), mt.weight.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_custom_parametrization_right_inverse_stacking_and_cache():
    class Symmetric:
        @staticmethod
        def make(L):
            class S(L.nn.Module):
                def forward(self, X):
                    return X.triu() + X.triu(1).transpose(0, 1)

                def right_inverse(self, A):
                    return A.triu()
            return S()

    class Scale:
        @staticmethod
        def make(L):
            class T(L.nn.Module):
                def forward(self, X):
                    return 2 * X

                def right_inverse(self, A):
                    return A / 2
            return T()
    res = []
    for L in (ember, torch):
        m = L.nn.Linear(3, 3)
        with L.no_grad():
            m.weight.copy_(L.from_numpy(np.arange(9.0, dtype=np.float32).reshape(3, 3)))
        P = L.nn.utils.parametrize
        P.register_parametrization(m, "weight", Symmetric.make(L))
        P.register_parametrization(m, "weight", Scale.make(L))
        w = m.weight.detach().numpy().copy()
        m.weight = L.from_numpy(np.eye(3, dtype=np.float32) * 4)  # through both right_inverses
        after = m.weight.detach().numpy().copy()
        with P.cached():
            same = m.weight is m.weight
        P.remove_parametrizations(m, "weight", leave_parametrized=False)
        res.append((w, after, same, m.weight.detach().numpy(), list(m.state_dict())))
    for a, b in zip(*res):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(a, b)
        else:
            assert a == b
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element"):
        ember.nn.utils.parametrize.register_parametrization(ember.nn.Linear(2, 2), "nope", Scale.make(ember))
