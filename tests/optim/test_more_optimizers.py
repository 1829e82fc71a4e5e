"""Oracle tests for Rprop, ASGD, Adafactor, Muon: trajectories, state dicts, validation, flags."""
import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch
from tests.optim._util import to_ember, to_torch

pytestmark = requires_torch

SHAPES = {"Rprop": [(3, 4), (5,), ()], "ASGD": [(3, 4), (5,), ()],
          "Adafactor": [(3, 4), (5,), (), (2, 3, 4)], "Muon": [(3, 4), (6, 2), (5, 5)]}

CASES = [
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("Rprop", dict(lr=0.02, foreach=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.6, t0=3, weight_decay=0.1, maximize=True)),
    ("ASGD", dict(lr=0.05, lambd=0.01, t0=2, weight_decay=0.3, foreach=True)),
    ("ASGD", dict(lr=0.3, lambd=0.3, alpha=1.7, t0=4, foreach=True, maximize=True)),
    ("Adafactor", dict()),
    ("Adafactor", dict(lr=0.05, beta2_decay=-0.5, eps=(1e-6, 1e-2), d=1.5, weight_decay=0.1,
                       maximize=True)),
    ("Adafactor", dict(lr=0.1, foreach=True)),
    ("Muon", dict()),
    ("Muon", dict(lr=0.02, weight_decay=0.01, momentum=0.9, nesterov=False,
                  adjust_lr_fn="match_rms_adamw")),
    ("Muon", dict(lr=0.02, ns_steps=3, ns_coefficients=(3.0, -3.2, 1.2), eps=1e-5)),
]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CASES)]
STEPS = 12


def _data(name, dtype, steps=STEPS, seed=0):
    rng = np.random.default_rng(seed)
    shapes = SHAPES[name]
    init = [np.asarray(rng.standard_normal(s)).astype(dtype) for s in shapes]
    grads = []
    for i in range(steps):
        gs = [np.asarray(rng.standard_normal(s)).astype(dtype) for s in shapes]
        if i % 3 == 1:
            gs[0][0, 0] = 0  # a zero gradient coordinate (Rprop's sign == 0 branch)
        grads.append(gs)
    return init, grads


def _make(lib, name, kwargs, init, groups=True):
    params = [lib.nn.Parameter(lib.from_numpy(a.copy())) for a in init]
    if groups:
        spec = [{"params": params[:2]}, {"params": params[2:], "lr": 0.03}]
    else:
        spec = params
    return params, getattr(lib.optim, name)(spec, **kwargs)


def _set_grads(lib, params, gs):
    for p, g in zip(params, gs):
        p.grad = lib.from_numpy(g.copy())


def _tols(name, dtype, kwargs):
    if name == "Muon":  # bfloat16 Newton-Schulz: allow a bfloat16 ulp in a few update entries
        return 1e-6, 2e-2 * kwargs.get("lr", 1e-3)
    return (1e-12, 1e-14) if dtype == np.float64 else (1e-6, 1e-7)


def _check_params(pe, pt, rtol, atol):
    for a, b in zip(pe, pt):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)


def _check_state_dict(sd_e, sd_t, rtol, atol):
    assert sd_e["param_groups"] == sd_t["param_groups"]
    assert list(sd_e["state"]) == list(sd_t["state"])
    for k, st in sd_t["state"].items():
        se = sd_e["state"][k]
        assert list(se) == list(st), (k, list(se), list(st))
        for key, v in st.items():
            e = se[key]
            assert isinstance(e, ember.Tensor)
            assert str(e.dtype).split(".")[-1] == str(v.dtype).split(".")[-1], key
            assert tuple(e.shape) == tuple(v.shape), key
            np.testing.assert_allclose(e.detach().numpy(), v.numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"state[{k}][{key}]")


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_trajectory_and_state(name, kwargs, dtype):
    init, grads = _data(name, dtype)
    pe, oe = _make(ember, name, kwargs, init)
    pt, ot = _make(torch, name, kwargs, init)
    rtol, atol = _tols(name, dtype, kwargs)
    for gs in grads:
        _set_grads(ember, pe, gs)
        _set_grads(torch, pt, gs)
        oe.step()
        ot.step()
        _check_params(pe, pt, rtol, atol)
    _check_state_dict(oe.state_dict(), ot.state_dict(), rtol, atol)
    # the params moved: a test of nothing would pass here too
    assert not np.allclose(pe[0].detach().numpy(), init[0])


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_load_torch_state_dict_and_continue(name, kwargs):
    init, grads = _data(name, np.float64, steps=8, seed=1)
    pt, ot = _make(torch, name, kwargs, init)
    for gs in grads[:4]:
        _set_grads(torch, pt, gs)
        ot.step()
    now = [p.detach().numpy().copy() for p in pt]
    pe, oe = _make(ember, name, kwargs, now)
    oe.load_state_dict(to_ember(ot.state_dict()))
    # torch's own load casts non-step state to the param dtype: compare with a reloaded torch
    pt, ot_loaded = _make(torch, name, kwargs, now)
    ot_loaded.load_state_dict(ot.state_dict())
    ot = ot_loaded
    rtol, atol = _tols(name, np.float64, kwargs)
    _check_state_dict(oe.state_dict(), ot.state_dict(), 0, 0)
    for gs in grads[4:]:
        _set_grads(ember, pe, gs)
        _set_grads(torch, pt, gs)
        oe.step()
        ot.step()
        _check_params(pe, pt, rtol, atol)
    # and back: ember's state dict drives torch
    pt2, ot2 = _make(torch, name, kwargs, [p.detach().numpy() for p in pe])
    ot2.load_state_dict(to_torch(oe.state_dict()))
    _check_state_dict(oe.state_dict(), ot2.state_dict(), 0, 0)


@pytest.mark.parametrize("name", ["Rprop", "ASGD"])
def test_complex_params(name):
    rng = np.random.default_rng(3)
    shapes = [(3, 2), ()]
    init = [np.asarray(rng.standard_normal(s) + 1j * rng.standard_normal(s)) for s in shapes]
    pe, oe = _make(ember, name, dict(lr=0.05), init, groups=False)
    pt, ot = _make(torch, name, dict(lr=0.05), init, groups=False)
    for _ in range(6):
        gs = [np.asarray(rng.standard_normal(s) + 1j * rng.standard_normal(s)) for s in shapes]
        _set_grads(ember, pe, gs)
        _set_grads(torch, pt, gs)
        oe.step()
        ot.step()
        _check_params(pe, pt, 1e-12, 1e-14)
    _check_state_dict(oe.state_dict(), ot.state_dict(), 1e-12, 1e-14)


@pytest.mark.parametrize("name,kwargs", [("Rprop", dict(lr=0.01)), ("ASGD", dict(lr=0.05)),
                                         ("Adafactor", dict(lr=0.05)),
                                         ("Muon", dict(lr=0.02))])
def test_linear_mse_with_closure(name, kwargs):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((8, 4)).astype(np.float32)
    y = rng.standard_normal((8, 3)).astype(np.float32)
    w0 = rng.standard_normal((3, 4)).astype(np.float32)
    b0 = rng.standard_normal(3).astype(np.float32)
    results = []
    for lib in (ember, torch):
        lin = lib.nn.Linear(4, 3)
        with lib.no_grad():
            lin.weight.copy_(lib.from_numpy(w0.copy()))
            lin.bias.copy_(lib.from_numpy(b0.copy()))
        params = [lin.weight] if name == "Muon" else list(lin.parameters())
        opt = getattr(lib.optim, name)(params, **kwargs)
        xt, yt = lib.from_numpy(x), lib.from_numpy(y)
        losses = []

        def closure():
            opt.zero_grad()
            loss = lib.nn.functional.mse_loss(lin(xt), yt)
            loss.backward()
            return loss

        for _ in range(5):
            losses.append(float(opt.step(closure).detach()))
        results.append((losses, lin.weight.detach().numpy().copy()))
    (le, we), (lt, wt) = results
    np.testing.assert_allclose(le, lt, rtol=1e-5)
    np.testing.assert_allclose(we, wt, rtol=1e-5, atol=1e-5 if name != "Muon" else 1e-3)
    assert le[-1] < le[0]


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - comparing exception types with the oracle
        return type(e).__name__, str(e)
    return None


def _param(lib, shape=(3, 4)):
    return lib.nn.Parameter(lib.from_numpy(np.ones(shape, dtype=np.float32)))


BAD_ARGS = [
    ("Rprop", dict(lr=-0.1)), ("Rprop", dict(etas=(1.5, 1.2))), ("Rprop", dict(etas=(0.0, 1.2))),
    ("Rprop", dict(etas=(0.5, 1.0))),
    ("ASGD", dict(lr=-1.0)), ("ASGD", dict(weight_decay=-0.5)),
    ("Adafactor", dict(lr=-1e-3)), ("Adafactor", dict(beta2_decay=0.1)),
    ("Adafactor", dict(eps=(-1.0, 1e-3))), ("Adafactor", dict(eps=(None, -1e-3))),
    ("Adafactor", dict(d=0.5)), ("Adafactor", dict(weight_decay=-1.0)),
    ("Muon", dict(lr=-1.0)), ("Muon", dict(momentum=-0.1)), ("Muon", dict(weight_decay=-1.0)),
    ("Muon", dict(adjust_lr_fn="bogus")), ("Muon", dict(foreach=True)),
    ("Adafactor", dict(capturable=True)), ("Rprop", dict(weight_decay=0.1)),
]


@pytest.mark.parametrize("name,kwargs", BAD_ARGS, ids=[f"{n}-{i}" for i, (n, _) in
                                                       enumerate(BAD_ARGS)])
def test_constructor_validation(name, kwargs):
    got = _err(lambda: getattr(ember.optim, name)([_param(ember)], **kwargs))
    want = _err(lambda: getattr(torch.optim, name)([_param(torch)], **kwargs))
    assert want is not None
    assert got == want


@pytest.mark.parametrize("name", ["Rprop", "ASGD", "Adafactor", "Muon"])
def test_tensor_lr_validation(name):
    for lr in ([0.1, 0.2], -0.25):
        got = _err(lambda: getattr(ember.optim, name)([_param(ember)], lr=ember.tensor(lr)))
        want = _err(lambda: getattr(torch.optim, name)([_param(torch)], lr=torch.tensor(lr)))
        assert want is not None and got == want


def test_muon_rejects_non_2d():
    got = _err(lambda: ember.optim.Muon([_param(ember, (3,))]))
    want = _err(lambda: torch.optim.Muon([_param(torch, (3,))]))
    assert want is not None and got == want


STEP_ERRORS = [
    ("Rprop", dict(capturable=True)), ("Rprop", dict(capturable=True, foreach=True)),
    ("Rprop", dict(differentiable=True)), ("Rprop", dict(differentiable=True, foreach=True)),
    ("ASGD", dict(capturable=True)), ("ASGD", dict(capturable=True, foreach=True)),
    ("ASGD", dict(differentiable=True)), ("ASGD", dict(differentiable=True, foreach=True)),
    ("Muon", dict(ns_steps=100)), ("Muon", dict(ns_coefficients=(1.0, 2.0))),
]


@pytest.mark.parametrize("name,kwargs", STEP_ERRORS, ids=[f"{n}-{i}" for i, (n, _) in
                                                          enumerate(STEP_ERRORS)])
def test_step_flag_errors(name, kwargs):
    out = []
    for lib in (ember, torch):
        p = _param(lib)
        opt = getattr(lib.optim, name)([p], **kwargs)
        p.grad = lib.from_numpy(np.full((3, 4), 0.5, dtype=np.float32))
        out.append(_err(opt.step))
        out.append(sorted(opt.state[p]))
    assert out[2] is not None
    assert out[:2] == out[2:]


def test_complex_rejected_by_adafactor_and_muon():
    for name in ("Adafactor", "Muon"):
        res = []
        for lib in (ember, torch):
            p = lib.nn.Parameter(lib.from_numpy(np.ones((2, 2), dtype=np.complex64)))
            opt = getattr(lib.optim, name)([p])
            p.grad = lib.from_numpy(np.ones((2, 2), dtype=np.complex64))
            res.append(_err(opt.step))
        assert res[1] is not None and res[0] == res[1]


@pytest.mark.parametrize("name", ["Rprop", "ASGD", "Adafactor", "Muon"])
def test_defaults_and_groups(name):
    oe = getattr(ember.optim, name)([_param(ember)])
    ot = getattr(torch.optim, name)([_param(torch)])
    assert oe.defaults == ot.defaults
    assert oe.state_dict() == {"state": {}, "param_groups": ot.state_dict()["param_groups"]}
    assert name in ember.optim.__all__


def test_adafactor_eps1_from_first_param_and_skips_missing_grads():
    # torch picks eps1 from the first parameter with a gradient (float64 here) for the group
    init = [np.ones((2, 3)), np.full((4,), 1e-3, dtype=np.float32), np.ones(2)]
    res = []
    for lib in (ember, torch):
        ps = [lib.nn.Parameter(lib.from_numpy(a.copy())) for a in init]
        opt = lib.optim.Adafactor(ps, lr=0.1)
        for _ in range(3):
            ps[0].grad = lib.from_numpy(np.full((2, 3), 1e-9))
            ps[1].grad = lib.from_numpy(np.full((4,), 1e-9, dtype=np.float32))
            opt.step()
        res.append(([p.detach().numpy().copy() for p in ps], None))
        assert len(opt.state) == 2
    for a, b in zip(res[0][0], res[1][0]):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_swap_in_optimizer_params_and_state_matches_torch():
    import copy
    out = []
    for L in (ember, torch):
        p, q = L.nn.Parameter(L.ones(3)), L.nn.Parameter(L.ones(2))
        opt = L.optim.Adam([p, q], lr=0.1)
        (p.sum() + q.sum()).backward()
        opt.step()
        sd = copy.deepcopy(opt.state_dict())
        sd["param_groups"][0]["lr"] = 0.5
        p2, q2 = L.nn.Parameter(L.zeros(3)), L.nn.Parameter(L.zeros(2))
        p2.grad, q2.grad = L.ones(3), L.ones(2)
        with L.optim.swap_in_optimizer_params_and_state(opt, {"p": p2, "q": q2}, sd):
            assert opt.param_groups[0]["params"][0] is p2 and opt.param_groups[0]["lr"] == 0.5
            opt.step()
        assert opt.param_groups[0]["params"][0] is p and opt.param_groups[0]["lr"] == 0.1
        out.append([p2.detach().numpy().copy(), sd["state"][0]["exp_avg"].numpy().copy(),
                    float(sd["state"][0]["step"]), p.detach().numpy().copy(), float(opt.state[p]["step"])])
        with pytest.raises(RuntimeError, match="to match optimizer.param_groups ordering"):
            with L.optim.swap_in_optimizer_params_and_state(opt, {"p": p2}, sd):
                pass
        fresh = L.optim.Adam([L.nn.Parameter(L.ones(2))])
        with pytest.raises(RuntimeError, match="requires initialized optimizer state"):
            with L.optim.swap_in_optimizer_params_and_state(fresh, {"x": L.zeros(2)}, fresh.state_dict()):
                pass
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-6)
