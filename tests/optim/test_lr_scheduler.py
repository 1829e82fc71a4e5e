"""Oracle tests: every lr scheduler produces torch's learning rates step by step."""
import math
import warnings

import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch

pytestmark = requires_torch


def _opt(lib, kind="SGD"):
    a = lib.nn.Parameter(lib.ones(2))
    b = lib.nn.Parameter(lib.ones(3))
    groups = [{"params": [a]}, {"params": [b], "lr": 0.5}]
    if kind == "Adam":
        return lib.optim.Adam(groups, lr=0.1)
    return lib.optim.SGD(groups, lr=0.1, momentum=0.9)


def _lam(e):
    return 0.95 ** e


def _mult(e):
    return 0.9


SCHEDS = {
    "StepLR": lambda L, o: L.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, milestones=[2, 5, 5, 11], gamma=0.3),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, T_max=7, eta_min=0.01),
    "LambdaLR": lambda L, o: L.LambdaLR(o, lr_lambda=_lam),
    "LambdaLR-list": lambda L, o: L.LambdaLR(o, lr_lambda=[_lam, lambda e: 1.0 / (e + 1)]),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, lr_lambda=_mult),
    "LinearLR": lambda L, o: L.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=8),
    "ConstantLR": lambda L, o: L.ConstantLR(o, factor=0.4, total_iters=6),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, total_iters=12, power=2.0),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=25),
    "OneCycleLR-3": lambda L, o: L.OneCycleLR(o, max_lr=1.0, epochs=5, steps_per_epoch=5,
                                             anneal_strategy="linear", three_phase=True),
    "CyclicLR": lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4),
    "CyclicLR-2": lambda L, o: L.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3,
                                         step_size_down=5, mode="triangular2"),
    "CyclicLR-exp": lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3,
                                           mode="exp_range", gamma=0.9),
    "WarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001),
    "WarmRestarts-1": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=4),
    "SequentialLR": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.1, total_iters=4), L.ExponentialLR(o, gamma=0.8),
            L.StepLR(o, step_size=2)], milestones=[5, 12]),
    "SequentialLR-cos": lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, factor=0.5, total_iters=3), L.CosineAnnealingLR(o, T_max=10)],
        milestones=[6]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler(
        [L.ConstantLR(o, factor=0.1, total_iters=2), L.ExponentialLR(o, gamma=0.9)]),
}


def _groups_equal(oe, ot):
    for ge, gt in zip(oe.param_groups, ot.param_groups):
        for key in ("lr", "momentum", "betas", "initial_lr"):
            if key in gt:
                np.testing.assert_allclose(np.array(ge[key], dtype=float),
                                           np.array(gt[key], dtype=float), rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("name", list(SCHEDS))
def test_lr_sequence(name, kind):
    oe, ot = _opt(ember, kind), _opt(torch, kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        se = SCHEDS[name](ember.optim.lr_scheduler, oe)
        st = SCHEDS[name](torch.optim.lr_scheduler, ot)
    _groups_equal(oe, ot)
    np.testing.assert_allclose(se.get_last_lr(), st.get_last_lr(), rtol=1e-13)
    for _ in range(20 if not name.startswith("OneCycle") else 24):
        oe.step()
        ot.step()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            se.step()
            st.step()
        np.testing.assert_allclose(se.get_last_lr(), st.get_last_lr(), rtol=1e-13, atol=1e-16)
        _groups_equal(oe, ot)
        assert getattr(se, "last_epoch", None) == getattr(st, "last_epoch", None)


def _plain(sd):
    out = {}
    for k, v in sd.items():
        if callable(v) or k in ("_scale_fn_ref", "_schedulers", "lr_lambdas", "_scale_fn_custom"):
            continue
        out[k] = dict(v) if isinstance(v, dict) else v
    return out


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "CosineAnnealingLR", "OneCycleLR",
                                  "CyclicLR", "WarmRestarts", "LinearLR", "LambdaLR"])
def test_state_dict_matches_and_resumes(name):
    oe, ot = _opt(ember), _opt(torch)
    se = SCHEDS[name](ember.optim.lr_scheduler, oe)
    st = SCHEDS[name](torch.optim.lr_scheduler, ot)
    for _ in range(7):
        oe.step()
        ot.step()
        se.step()
        st.step()
    sde, sdt = se.state_dict(), st.state_dict()
    assert set(sde) == set(sdt)
    assert _plain(sde) == _plain(sdt)
    # resume from torch's scheduler state in a fresh ember scheduler
    oe2 = _opt(ember)
    se2 = SCHEDS[name](ember.optim.lr_scheduler, oe2)
    se2.load_state_dict(sdt)
    for ge, gt in zip(oe2.param_groups, ot.param_groups):
        ge.update({k: v for k, v in gt.items() if k != "params"})
    for _ in range(5):
        oe2.step()
        ot.step()
        se2.step()
        st.step()
        np.testing.assert_allclose(se2.get_last_lr(), st.get_last_lr(), rtol=1e-13)


@pytest.mark.parametrize("kwargs", [dict(), dict(mode="max", factor=0.5, patience=2, cooldown=1),
                                    dict(threshold_mode="abs", threshold=0.1, patience=1,
                                         min_lr=[0.05, 0.3])])
def test_reduce_lr_on_plateau(kwargs):
    oe, ot = _opt(ember), _opt(torch)
    se = ember.optim.lr_scheduler.ReduceLROnPlateau(oe, **kwargs)
    st = torch.optim.lr_scheduler.ReduceLROnPlateau(ot, **kwargs)
    metrics = [1.0, 0.9, 0.95, 0.95, 0.96, 0.97, 0.89, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9,
               1.2, 1.3, 1.3, 1.3, 1.3, 1.3, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    for m in metrics:
        se.step(m)
        st.step(m)
        np.testing.assert_allclose(se.get_last_lr(), st.get_last_lr(), rtol=1e-13)
        assert se.num_bad_epochs == st.num_bad_epochs
        assert se.best == st.best


def test_errors_match_torch():
    cases = [
        (lambda L, o: L.ConstantLR(o, factor=2.0), ValueError, "between 0 and 1"),
        (lambda L, o: L.OneCycleLR(o, max_lr=1.0), ValueError, "You must define either total_steps"),
        (lambda L, o: L.OneCycleLR(o, max_lr=[1.0], total_steps=5), ValueError,
         "max_lr must have the same length as optimizer.param_groups"),
        (lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=0), ValueError,
         "Expected positive integer T_0, but got 0"),
        (lambda L, o: L.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0."),
        (lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2)], milestones=[3]), ValueError,
         "one more than the number of milestone points"),
        (lambda L, o: L.StepLR(o, 2, last_epoch=3), KeyError, "initial_lr"),
    ]
    for make, exc, msg in cases:
        for lib in (ember, torch):
            with pytest.raises(exc, match=msg):
                make(lib.optim.lr_scheduler, _opt(lib))


def test_one_cycle_overstep_raises():
    for lib in (ember, torch):
        o = _opt(lib)
        s = lib.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=3)
        for _ in range(3):
            o.step()
            s.step()
        with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of "
                                             "total steps is 3"):
            s.step()


def test_step_order_warning():
    for lib in (ember, torch):
        o = _opt(lib)
        s = lib.optim.lr_scheduler.StepLR(o, 2)
        with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
            s.step()


def test_closed_form_with_epoch_argument():
    oe, ot = _opt(ember), _opt(torch)
    se = ember.optim.lr_scheduler.CosineAnnealingLR(oe, T_max=10)
    st = torch.optim.lr_scheduler.CosineAnnealingLR(ot, T_max=10)
    oe.step()
    ot.step()
    for ep in (3, 7, 4):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            se.step(ep)
            st.step(ep)
        np.testing.assert_allclose(se.get_last_lr(), st.get_last_lr(), rtol=1e-13)
    assert math.isclose(se.get_last_lr()[0], 0.1 * (1 + math.cos(math.pi * 4 / 10)) / 2)
