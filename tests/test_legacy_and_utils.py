"""Small torch APIs checked against torch: deprecated nn.init spellings, nn.utils.skip_init and
convert_conv*_weight_memory_format, resize_ with a memory format (storage semantics),
autograd.Variable and the autograd context managers, and torch.func's linearize/functionalize/
replace_all_batch_norm_modules_/debug_unwrap."""
import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch

pytestmark = requires_torch


@pytest.mark.parametrize("name", ["uniform", "normal", "constant", "xavier_uniform", "xavier_normal",
                                  "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse", "dirac", "eye"])
def test_deprecated_init_spellings_warn_and_fill_like_torch(name):
    args = {"constant": (0.3,), "sparse": (0.5,)}.get(name, ())
    shape = (4, 3, 3, 3) if name == "dirac" else (5, 4)
    res = []
    for L in (ember, torch):
        L.manual_seed(0)
        with pytest.warns(FutureWarning, match=f"`nn.init.{name}` is now deprecated in favor of `nn.init.{name}_`"):
            res.append(getattr(L.nn.init, name)(L.empty(shape), *args).numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-4, atol=1e-5)


def test_skip_init_leaves_the_generator_alone():
    for L in (ember, torch):
        L.manual_seed(0)
        m = L.nn.utils.skip_init(L.nn.Linear, 3, 4)
        assert tuple(m.weight.shape) == (4, 3) and isinstance(m.weight, L.nn.Parameter)
    assert ember.rand(2).tolist() == torch.rand(2).tolist()
    for L in (ember, torch):
        with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip initialization"):
            L.nn.utils.skip_init(L.nn.ReLU)


def test_convert_conv_weight_memory_format():
    for L in (ember, torch):
        m = L.nn.Sequential(L.nn.Conv2d(3, 4, 3), L.nn.ConvTranspose2d(4, 2, 3), L.nn.Conv3d(2, 2, 1))
        assert L.nn.utils.convert_conv2d_weight_memory_format(m, L.channels_last) is m
        L.nn.utils.convert_conv3d_weight_memory_format(m, L.channels_last_3d)
        if L is ember:
            got = [tuple(p.weight.stride()) for p in m]
        else:
            want = [tuple(p.weight.stride()) for p in m]
    assert got == want


def test_resize_with_memory_format_keeps_storage_order():
    for shape in ((1, 2, 3, 4), (2, 2, 3, 4)):
        a = torch.arange(24.).reshape(1, 2, 3, 4).resize_(shape, memory_format=torch.channels_last)
        b = ember.arange(24.).reshape(1, 2, 3, 4).resize_(shape, memory_format=ember.channels_last)
        assert a.stride() == b.stride()
        np.testing.assert_array_equal(a[:1].numpy(), b[:1].numpy())  # the rest is uninitialised in torch
    a = torch.arange(24.).reshape(1, 2, 3, 4).contiguous(memory_format=torch.channels_last)
    b = ember.arange(24.).reshape(1, 2, 3, 4).contiguous(memory_format=ember.channels_last)
    assert a.clone().resize_(a.size()).stride() == b.clone().resize_(b.size()).stride()
    for L in (ember, torch):
        with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last format"):
            L.arange(6.).resize_((6,), memory_format=L.channels_last)


def test_variable_and_autograd_modes():
    for L in (ember, torch):
        v = L.autograd.Variable(L.ones(2), requires_grad=True)
        assert v.requires_grad and isinstance(L.ones(1), L.autograd.Variable)
        assert L.autograd.Variable().shape == (0,)
        with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
            L.autograd.Variable([1, 2])
        with pytest.raises(RuntimeError, match="deprecated, use torch.tensor"):
            L.autograd.variable(1)
        with L.autograd.set_multithreading_enabled(False), L.autograd.enforce_grad_layout_policy(False):
            (v * 2).sum().backward()
        assert v.grad.tolist() == [2.0, 2.0]


def test_func_linearize_functionalize_and_batch_norm():
    f = lambda x: (x ** 3).sum()  # noqa: E731
    outs = []
    for L in (ember, torch):
        out, jvp_fn = L.func.linearize(f, L.tensor([1.0, 2.0]))
        jv = jvp_fn(L.tensor([1.0, 0.5]))
        assert jv.grad_fn is None
        outs.append((out.item(), jv.item(), L.func.functionalize(f)(L.tensor([2.0])).item()))
        m = L.func.replace_all_batch_norm_modules_(L.nn.Sequential(L.nn.BatchNorm2d(3)))
        assert m[0].running_mean is None and not m[0].track_running_stats
        assert list(m.state_dict()) == ["0.weight", "0.bias"]
        t = L.ones(2)
        assert L.func.debug_unwrap(t) is t
    assert outs[0] == outs[1]


def test_nested_io_function_is_a_legacy_name():
    class Twice(ember.autograd.NestedIOFunction):
        def forward_extended(self, x):
            return x * 2

    assert issubclass(Twice, ember.autograd.Function)
    with pytest.raises(RuntimeError, match="legacy autograd API"):
        Twice.apply(ember.ones(2, requires_grad=True))
