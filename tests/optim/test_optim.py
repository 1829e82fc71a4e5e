"""Oracle tests: every optimizer follows torch's trajectory on a fixed gradient sequence."""
import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch
from tests.optim._util import to_ember, to_torch

pytestmark = requires_torch

SHAPES = [(3, 4), (5,), ()]

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, maximize=True, betas=(0.8, 0.9))),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.5)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.2,
                     maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CASES)]


def _data(dtype, steps=20, seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(steps)]
    return init, grads


def _make(lib, name, kwargs, init):
    params = [lib.nn.Parameter(lib.from_numpy(a.copy())) for a in init]
    opt = getattr(lib.optim, name)([{"params": params[:2]}, {"params": params[2:], "lr": 0.02}]
                                   if "lr" in kwargs else params, **kwargs)
    return params, opt


def _run(params, opt, lib, grads):
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = lib.from_numpy(g.copy())
        opt.step()


def _check(pe, pt, rtol, atol):
    for a, b in zip(pe, pt):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_trajectory_float64(name, kwargs):
    init, grads = _data(np.float64)
    pe, oe = _make(ember, name, kwargs, init)
    pt, ot = _make(torch, name, kwargs, init)
    for i in range(len(grads)):
        _run(pe, oe, ember, grads[i:i + 1])
        _run(pt, ot, torch, grads[i:i + 1])
        _check(pe, pt, 1e-12, 1e-14)


@pytest.mark.parametrize("name,kwargs", CASES[::3], ids=IDS[::3])
def test_trajectory_float32(name, kwargs):
    init, grads = _data(np.float32)
    pe, oe = _make(ember, name, kwargs, init)
    pt, ot = _make(torch, name, kwargs, init)
    _run(pe, oe, ember, grads)
    _run(pt, ot, torch, grads)
    _check(pe, pt, 1e-5, 1e-6)
    assert all(p.dtype == ember.float32 for p in pe)


def _assert_state_equal(se, st):
    assert list(se["state"].keys()) == list(st["state"].keys())
    for k in st["state"]:
        assert list(se["state"][k].keys()) == list(st["state"][k].keys())
        for key, vt in st["state"][k].items():
            ve = se["state"][k][key]
            if isinstance(vt, torch.Tensor):
                assert str(ve.dtype) == str(vt.dtype), key
                np.testing.assert_allclose(ve.numpy(), vt.numpy(), rtol=1e-12, atol=1e-14)
            else:
                assert ve == vt
    assert se["param_groups"] == st["param_groups"]


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_state_dict_roundtrip_with_torch(name, kwargs):
    init, grads = _data(np.float64)
    pe, oe = _make(ember, name, kwargs, init)
    pt, ot = _make(torch, name, kwargs, init)
    _run(pe, oe, ember, grads[:10])
    _run(pt, ot, torch, grads[:10])
    _assert_state_equal(oe.state_dict(), ot.state_dict())
    # ember's state continues in torch, torch's in ember: trajectories still agree
    pe2, oe2 = _make(ember, name, kwargs, [p.detach().numpy() for p in pt])
    pt2, ot2 = _make(torch, name, kwargs, [p.detach().numpy() for p in pe])
    oe2.load_state_dict(to_ember(ot.state_dict()))
    ot2.load_state_dict(to_torch(oe.state_dict()))
    _run(pe2, oe2, ember, grads[10:])
    _run(pt2, ot2, torch, grads[10:])
    _run(pt, ot, torch, grads[10:])
    _check(pe2, pt, 1e-11, 1e-12)
    _check(pe2, pt2, 1e-11, 1e-12)


def test_param_groups_and_add_param_group():
    a = ember.nn.Parameter(ember.ones(2))
    b = ember.nn.Parameter(ember.ones(3))
    opt = ember.optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    ta, tb = torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(3))
    topt = torch.optim.SGD([ta], lr=0.1, momentum=0.9)
    topt.add_param_group({"params": tb, "lr": 0.01})
    assert opt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]
    assert repr(opt) == repr(topt)
    assert opt.defaults == topt.defaults
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_named_parameters_groups():
    lin = ember.nn.Linear(2, 2) if hasattr(ember.nn, "Linear") else None
    if lin is None:
        params = [("weight", ember.nn.Parameter(ember.ones(2, 2))),
                  ("bias", ember.nn.Parameter(ember.ones(2)))]
    else:
        params = list(lin.named_parameters())
    opt = ember.optim.Adam(params)
    tparams = [(n, torch.nn.Parameter(torch.ones(2, 2 if n == "weight" else 1).squeeze(-1)))
               for n, _ in params]
    topt = torch.optim.Adam(tparams)
    assert opt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]


@pytest.mark.parametrize("args,exc,msg", [
    ((), ValueError, "optimizer got an empty parameter list"),
    (("tensor",), TypeError, "should be an iterable of Tensors or dicts, but got torch.FloatTensor"),
    (("nonleaf",), ValueError, "can't optimize a non-leaf Tensor"),
])
def test_constructor_errors(args, exc, msg):
    for lib in (ember, torch):
        if args == ():
            params = []
        elif args[0] == "tensor":
            params = lib.ones(2)
        else:
            params = [lib.ones(2, requires_grad=True) * 2]
        with pytest.raises(exc, match=msg):
            lib.optim.SGD(params, lr=0.1)


@pytest.mark.parametrize("name,kwargs,msg", [
    ("SGD", dict(lr=-1), "Invalid learning rate: -1"),
    ("SGD", dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    ("Adam", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(eps=-1), "Invalid epsilon value: -1"),
    ("Adagrad", dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    ("Adadelta", dict(rho=2), "Invalid rho value: 2"),
    ("RMSprop", dict(alpha=-1), "Invalid alpha value: -1"),
    ("NAdam", dict(momentum_decay=-1), "Invalid momentum_decay value: -1"),
])
def test_hyperparameter_errors(name, kwargs, msg):
    for lib in (ember, torch):
        with pytest.raises(ValueError, match=msg.replace("(", r"\(").replace(")", r"\)")):
            getattr(lib.optim, name)([lib.nn.Parameter(lib.ones(2))], **kwargs)


def test_load_state_dict_errors():
    a = ember.nn.Parameter(ember.ones(2))
    opt = ember.optim.SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})
    sd = opt.state_dict()
    sd["param_groups"][0]["params"] = [0, 1]
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        opt.load_state_dict(sd)


def test_zero_grad_and_version():
    a = ember.nn.Parameter(ember.ones(2))
    opt = ember.optim.SGD([a], lr=0.1)
    a.grad = ember.ones(2)
    v = a._version
    opt.step()
    assert a._version == v + 1
    np.testing.assert_allclose(a.detach().numpy(), [0.9, 0.9], rtol=1e-6)
    opt.zero_grad(set_to_none=False)
    assert a.grad is not None and a.grad.sum().item() == 0
    opt.zero_grad()
    assert a.grad is None
    opt.step()  # params without grad are skipped
    np.testing.assert_allclose(a.detach().numpy(), [0.9, 0.9], rtol=1e-6)


def test_closure_and_hooks():
    a = ember.nn.Parameter(ember.tensor([1.0, 2.0]))
    opt = ember.optim.SGD([a], lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, args, kw: calls.append("pre"))
    opt.register_step_post_hook(lambda o, args, kw: calls.append("post"))

    def closure():
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss
    loss = opt.step(closure)
    assert loss.item() == 5.0
    assert calls == ["pre", "post"]
    np.testing.assert_allclose(a.detach().numpy(), [0.8, 1.6], rtol=1e-6)
    h1.remove()
    opt.step(closure)
    assert calls == ["pre", "post", "post"]


def test_training_reduces_loss_with_autograd():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.3
    w = ember.nn.Parameter(ember.zeros(3, dtype=ember.float64))
    b = ember.nn.Parameter(ember.zeros((), dtype=ember.float64))
    tw = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
    tb = torch.nn.Parameter(torch.zeros((), dtype=torch.float64))
    oe = ember.optim.Adam([w, b], lr=0.1)
    ot = torch.optim.Adam([tw, tb], lr=0.1)
    X, Y = ember.from_numpy(x), ember.from_numpy(y)
    TX, TY = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(20):
        oe.zero_grad()
        ((X @ w + b - Y) ** 2).mean().backward()
        oe.step()
        ot.zero_grad()
        ((TX @ tw + tb - TY) ** 2).mean().backward()
        ot.step()
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(b.detach().numpy(), tb.detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_matches_torch_on_rosenbrock(line_search):
    res = {}
    for lib in (ember, torch):
        x = lib.nn.Parameter(lib.tensor([-1.5, 2.0, 0.5], dtype=lib.float64))
        opt = lib.optim.LBFGS([x], lr=1 if line_search else 0.5, max_iter=15, history_size=5,
                              line_search_fn=line_search)

        def closure():
            opt.zero_grad()
            loss = (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()
            loss.backward()
            return loss
        losses = [opt.step(closure).item() for _ in range(4)]
        st = opt.state[x]
        res[lib] = (x.detach().numpy().copy(), losses, st["func_evals"], st["n_iter"])
    # Rosenbrock is ill-conditioned: last-bit differences in dot products grow over 60 iterations
    np.testing.assert_allclose(res[ember][0], res[torch][0], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(res[ember][1], res[torch][1], rtol=1e-6)
    assert res[ember][2:] == res[torch][2:]
