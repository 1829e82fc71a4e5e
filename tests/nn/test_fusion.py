"""nn.utils.fusion (conv/linear + eval BatchNorm folded into one layer) against torch."""
import numpy as np
import pytest

import ember
from tests._oracle import torch_or_skip

torch = torch_or_skip()


def _pair(make_ember, make_torch, seed):
    """The same layers in both libraries, with random weights and BatchNorm statistics."""
    rng = np.random.default_rng(seed)
    e, t = make_ember(), make_torch()
    for me, mt in zip(e, t):
        for (ke, pe), (kt, pt) in zip(sorted(me.state_dict().items()), sorted(mt.state_dict().items())):
            assert ke == kt
            if pt.dtype.is_floating_point:
                v = rng.standard_normal(tuple(pt.shape)).astype(np.float32)
                if "running_var" in kt:
                    v = np.abs(v) + 0.5
                pt.copy_(torch.from_numpy(v))
                pe.data.copy_(ember.from_numpy(v))
        me.eval()
        mt.eval()
    return e, t


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
def test_fuse_conv_bn_eval(bias, transpose):
    def mk(L):
        conv = (L.nn.ConvTranspose2d(3, 4, 3, stride=2, bias=bias) if transpose else
                L.nn.Conv2d(3, 4, 3, padding=1, bias=bias))
        return conv, L.nn.BatchNorm2d(4)
    (ce, be), (ct, bt) = _pair(lambda: mk(ember), lambda: mk(torch), 1)
    x = np.random.default_rng(2).standard_normal((2, 3, 6, 6)).astype(np.float32)
    fe = ember.nn.utils.fusion.fuse_conv_bn_eval(ce, be, transpose=transpose)
    ft = torch.nn.utils.fusion.fuse_conv_bn_eval(ct, bt, transpose=transpose)
    assert list(fe.state_dict()) == list(ft.state_dict())
    for k in ft.state_dict():
        np.testing.assert_allclose(fe.state_dict()[k].numpy(), ft.state_dict()[k].numpy(), rtol=1e-5, atol=1e-6)
    with ember.no_grad():
        unfused = be(ce(ember.from_numpy(x))).numpy()
        fused = fe(ember.from_numpy(x)).numpy()
    np.testing.assert_allclose(fused, unfused, rtol=1e-4, atol=1e-5)
    assert fe.weight.requires_grad and ce.weight is not fe.weight  # a copy, conv untouched


def test_fuse_linear_bn_eval_and_errors():
    (le, be), (lt, bt) = _pair(lambda: (ember.nn.Linear(5, 4), ember.nn.BatchNorm1d(4)),
                               lambda: (torch.nn.Linear(5, 4), torch.nn.BatchNorm1d(4)), 3)
    fe, ft = ember.nn.utils.fuse_linear_bn_eval(le, be), torch.nn.utils.fuse_linear_bn_eval(lt, bt)
    np.testing.assert_allclose(fe.weight.detach().numpy(), ft.weight.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fe.bias.detach().numpy(), ft.bias.detach().numpy(), rtol=1e-5, atol=1e-6)
    for L, (lin, bn) in ((ember, (le, be)), (torch, (lt, bt))):
        with pytest.raises(AssertionError, match="Fusion only for eval!"):
            L.nn.utils.fuse_linear_bn_eval(lin.train(), bn)


@pytest.mark.parametrize("kind", ["linear", "conv", "convT"])
def test_spectral_norm_matches_torch(kind):
    """Same weight_orig/u/v in both libraries: training forwards refine u, v identically, outputs
    and gradients match, eval uses the stored vectors, and removal folds the weight back."""
    def mk(L):
        m = {"linear": lambda: L.nn.Linear(5, 4), "conv": lambda: L.nn.Conv2d(3, 4, 3),
             "convT": lambda: L.nn.ConvTranspose2d(3, 4, 3)}[kind]()
        return L.nn.utils.spectral_norm(m, n_power_iterations=2)
    me, mt = mk(ember), mk(torch)
    assert list(me.state_dict()) == list(mt.state_dict())
    me.load_state_dict({k: ember.from_numpy(v.numpy().copy()) for k, v in mt.state_dict().items()})
    x = np.random.default_rng(4).standard_normal((2, 5) if kind == "linear" else (2, 3, 5, 5)).astype(np.float32)
    for train in (True, True, False):
        me.train(train)
        mt.train(train)
        ye, yt = me(ember.from_numpy(x)), mt(torch.from_numpy(x))
        (ye ** 2).sum().backward()
        (yt ** 2).sum().backward()
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
        for k in ("weight_u", "weight_v"):
            np.testing.assert_allclose(me.state_dict()[k].numpy(), mt.state_dict()[k].numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(me.weight_orig.grad.numpy(), mt.weight_orig.grad.numpy(), rtol=1e-4, atol=1e-5)
    ember.nn.utils.remove_spectral_norm(me)
    torch.nn.utils.remove_spectral_norm(mt)
    assert list(me.state_dict()) == list(mt.state_dict())
    np.testing.assert_allclose(me.weight.detach().numpy(), mt.weight.detach().numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        ember.nn.utils.remove_spectral_norm(me)
