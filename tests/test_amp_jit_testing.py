"""Oracle tests for ember.amp (autocast state, GradScaler), ember.jit stubs, ember.testing and
ember.utils.checkpoint."""
import warnings

import numpy as np
import pytest

import ember
import ember.amp
import ember.jit
import ember.testing
from ember.utils.checkpoint import checkpoint, checkpoint_sequential
from tests._oracle import torch, requires_torch

pytestmark = requires_torch


# ---- GradScaler: same scale trajectory and parameters as torch's CPU scaler -------------------
def _train(lib, steps_with_inf):
    w0 = np.array([[0.5, -1.0], [2.0, 0.25]])
    m = lib.nn.Linear(2, 2, bias=False)
    with lib.no_grad():
        m.weight.copy_(lib.tensor(w0, dtype=lib.float32))
    opt = lib.optim.SGD(m.parameters(), lr=0.1)
    scaler = lib.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=2)
    scales = []
    for step in range(6):
        opt.zero_grad()
        loss = (m(lib.ones(3, 2)) ** 2).sum()
        scaler.scale(loss).backward()
        if step in steps_with_inf:
            m.weight.grad[0, 0] = float("inf")
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
    return m.weight.detach().numpy(), scales, scaler.state_dict()


def test_grad_scaler_matches_torch():
    we, se, de = _train(ember, {2, 3})
    wt, st, dt = _train(torch, {2, 3})
    assert se == st
    np.testing.assert_allclose(we, wt, rtol=1e-6)
    assert de == dt


def test_grad_scaler_unscale_and_errors():
    m = ember.nn.Linear(2, 1)
    opt = ember.optim.SGD(m.parameters(), lr=0.1)
    s = ember.amp.GradScaler("cpu", init_scale=8.0)
    s.scale(m(ember.ones(1, 2)).sum()).backward()
    s.unscale_(opt)
    np.testing.assert_allclose(m.weight.grad.numpy(), [[1.0, 1.0]])
    with pytest.raises(RuntimeError, match="already been called"):
        s.unscale_(opt)
    with pytest.raises(RuntimeError, match="Closure"):
        s.step(opt, closure=lambda: 0)
    scaled = s.scale([ember.ones(2), (ember.ones(1),)])
    assert float(scaled[0][0]) == 8.0 and float(scaled[1][0][0]) == 8.0
    s2 = ember.amp.GradScaler("cpu")
    s2.load_state_dict({"scale": 4.0, "growth_factor": 3.0, "backoff_factor": 0.25, "growth_interval": 5,
                        "_growth_tracker": 1})
    assert s2.get_scale() == 4.0 and s2.get_growth_factor() == 3.0 and s2.get_growth_interval() == 5


def test_grad_scaler_disabled_without_cuda():
    with pytest.warns(UserWarning, match="CUDA is not available"):
        s = ember.amp.GradScaler()
    with pytest.warns(UserWarning, match="CUDA is not available"):
        t = torch.amp.GradScaler()
    assert s.is_enabled() == t.is_enabled() is False
    assert s.get_scale() == t.get_scale() == 1.0 and s.state_dict() == t.state_dict() == {}
    loss = ember.tensor(2.0)
    assert s.scale(loss) is loss
    assert ember.GradScaler is ember.amp.GradScaler


def test_autocast_state_like_torch():
    assert ember.is_autocast_enabled("cpu") == torch.is_autocast_enabled("cpu") is False
    assert str(ember.get_autocast_dtype("cpu")) == str(torch.get_autocast_dtype("cpu"))
    with ember.autocast("cpu"), torch.autocast("cpu"):
        assert ember.is_autocast_enabled("cpu") == torch.is_autocast_enabled("cpu") is True
        assert ember.is_autocast_enabled() == torch.is_autocast_enabled() is False
        with ember.autocast("cpu", enabled=False), torch.autocast("cpu", enabled=False):
            assert ember.is_autocast_enabled("cpu") == torch.is_autocast_enabled("cpu") is False
        assert ember.is_autocast_enabled("cpu")
    with ember.autocast("cpu", dtype=ember.float16), torch.autocast("cpu", dtype=torch.float16):
        assert str(ember.get_autocast_dtype("cpu")) == str(torch.get_autocast_dtype("cpu")) == "torch.float16"
    assert not ember.is_autocast_enabled("cpu")

    @ember.autocast("cpu")
    def f():
        return ember.is_autocast_enabled("cpu")
    assert f() and not ember.is_autocast_enabled("cpu")
    with pytest.warns(UserWarning, match="CUDA is not available"):
        with ember.autocast("cuda"):
            assert not ember.is_autocast_enabled("cuda")
    # a documented no-op: results keep the input dtype
    with ember.autocast("cpu"):
        assert (ember.ones(2, 2) @ ember.ones(2, 2)).dtype == ember.float32


# ---- jit stubs -----------------------------------------------------------------------------------------
def test_jit_stubs_return_inputs(tmp_path):
    m = ember.nn.Linear(2, 3)
    assert ember.jit.script(m) is m
    assert ember.jit.trace(m, ember.ones(1, 2)) is m
    f = lambda x: x + 1  # noqa: E731
    assert ember.jit.script(f) is f and ember.jit.ignore(f) is f and ember.jit.unused(f) is f
    assert ember.jit.ignore(drop=True)(f) is f
    assert not ember.jit.is_scripting() and not ember.jit.is_tracing()
    assert ember.jit.wait(ember.jit.fork(f, 2)) == 3
    assert ember.jit.annotate(list, [1]) == [1]
    assert ember.jit.isinstance([1], list)
    p = tmp_path / "m.pt"
    ember.jit.save(m, str(p))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m2 = ember.jit.load(str(p))
    np.testing.assert_array_equal(m2.weight.detach().numpy(), m.weight.detach().numpy())
    assert issubclass(ember.jit.ScriptModule, ember.nn.Module)


# ---- checkpoint -------------------------------------------------------------------------------------
def test_checkpoint_same_values_and_grads():
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    xe = ember.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ye = checkpoint(lambda a, b=2.0: (a.sin() * b).sum(), xe, b=3.0, use_reentrant=False)
    yt = torch.utils.checkpoint.checkpoint(lambda a, b=2.0: (a.sin() * b).sum(), xt, b=3.0, use_reentrant=False)
    ye.backward()
    yt.backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy())
    with pytest.warns(UserWarning, match="use_reentrant"):
        checkpoint(lambda a: a, xe)
    seq = ember.nn.Sequential(ember.nn.Linear(3, 3), ember.nn.ReLU(), ember.nn.Linear(3, 1))
    inp = ember.tensor(x, dtype=ember.float32)
    out = checkpoint_sequential(seq, 2, inp, use_reentrant=False)
    np.testing.assert_allclose(out.detach().numpy(), seq(inp).detach().numpy())


# ---- testing.assert_close: same verdicts and messages as torch --------------------------------------
CASES = [
    ([1.0, 2.0, 3.0], [1.0, 2.5, 3.0], {}),
    ([1.0, 2.0, 3.0], [1.0, 2.0 + 1e-7, 3.0], {}),
    ([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 5.0]], {}),
    ([1, 2, 3], [1, 2, 4], {}),
    ([float("nan")], [float("nan")], {}),
    ([float("nan")], [float("nan")], {"equal_nan": True}),
    ([1.0, 2.0], [1.1, 2.0], {"rtol": 0.2, "atol": 0.0}),
    ([True, False], [True, True], {}),
    ([1e-6, 0.0], [0.0, 0.0], {}),
    ([float("inf")], [float("inf")], {}),
]


def _outcome(fn):
    try:
        fn()
        return None
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)


@pytest.mark.parametrize("a,b,kw", CASES)
def test_assert_close_tensors(a, b, kw):
    re = _outcome(lambda: ember.testing.assert_close(ember.tensor(a), ember.tensor(b), **kw))
    rt = _outcome(lambda: torch.testing.assert_close(torch.tensor(a), torch.tensor(b), **kw))
    assert re == rt


@pytest.mark.parametrize("a,b", [(1.0, 1.1), (1.0, 1.0 + 1e-9), (1, 1.0), (3, 3), ([1, 2], [1, 2, 3])])
def test_assert_close_scalars_and_sequences(a, b):
    assert _outcome(lambda: ember.testing.assert_close(a, b)) == _outcome(lambda: torch.testing.assert_close(a, b))


def test_assert_close_metadata_and_containers():
    pairs = [
        (lambda L: (L.ones(3), L.ones(3, dtype=L.float64)), {}),
        (lambda L: (L.ones(3), L.ones(2)), {}),
        (lambda L: (L.ones(2, 3), L.ones(3, 2).t()), {"check_stride": True}),
        (lambda L: (L.tensor(1.0), L.tensor(2.0)), {}),
        (lambda L: ([L.ones(2)], [L.zeros(2)]), {}),
        (lambda L: ({"a": L.ones(2)}, {"a": L.zeros(2)}), {}),
        (lambda L: (L.ones(2), L.zeros(2)), {"msg": "custom"}),
        (lambda L: (L.ones(2), L.ones(2)), {"rtol": 1e-3}),
        (lambda L: (L.ones(3), L.ones(3, dtype=L.float64)), {"check_dtype": False}),
    ]
    for make, kw in pairs:
        re = _outcome(lambda: ember.testing.assert_close(*make(ember), **kw))
        rt = _outcome(lambda: torch.testing.assert_close(*make(torch), **kw))
        assert re == rt, (re, rt)


def test_make_tensor():
    ember.manual_seed(0)
    t = ember.testing.make_tensor(3, 4, dtype=ember.float32, low=-2, high=2)
    assert t.shape == (3, 4) and t.dtype == ember.float32
    assert float(t.min()) >= -2 and float(t.max()) <= 2
    i = ember.testing.make_tensor((50,), dtype=ember.int64, exclude_zero=True)
    assert i.dtype == ember.int64 and not bool((i == 0).any()) and int(i.min()) >= -9 and int(i.max()) < 10
    b = ember.testing.make_tensor(5, dtype=ember.bool)
    assert b.dtype == ember.bool
    n = ember.testing.make_tensor(3, 4, dtype=ember.float64, noncontiguous=True, requires_grad=True)
    assert not n.is_contiguous() and n.requires_grad and n.shape == (3, 4)
