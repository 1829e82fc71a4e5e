"""Grad modes (context managers, decorators, thread-locality) and anomaly detection."""
import threading
import warnings

import numpy as np
import pytest

from tests._oracle import requires_torch
from tests.autograd._compare import check

pytestmark = requires_torch


def leaf(M):
    return M.tensor([1.0, 2.0], dtype=M.float64, requires_grad=True)


def s_no_grad_ctx(M):
    x = leaf(M)
    with M.no_grad():
        y = x * 2
        inner = M.is_grad_enabled()
    return y.requires_grad, y.grad_fn is None, inner, M.is_grad_enabled()


def s_no_grad_decorator(M):
    x = leaf(M)

    @M.no_grad()
    def f(t):
        return t * 2, M.is_grad_enabled()

    y, inner = f(x)
    return y.requires_grad, inner, M.is_grad_enabled(), f.__name__


def s_enable_grad_inside_no_grad(M):
    x = leaf(M)
    with M.no_grad():
        with M.enable_grad():
            y = x * 2
        z = x * 2
    return y.requires_grad, z.requires_grad


def s_enable_grad_decorator(M):
    x = leaf(M)

    @M.enable_grad()
    def f(t):
        return t * 2

    with M.no_grad():
        y = f(x)
    return y.requires_grad


def s_set_grad_enabled(M):
    x = leaf(M)
    with M.set_grad_enabled(False):
        a = x * 2
    with M.set_grad_enabled(True):
        b = x * 2
    M.set_grad_enabled(False)
    c = x * 2
    off = M.is_grad_enabled()
    M.set_grad_enabled(True)
    return a.requires_grad, b.requires_grad, c.requires_grad, off, M.is_grad_enabled()


def s_set_grad_enabled_decorator(M):
    x = leaf(M)

    try:
        @M.set_grad_enabled(False)
        def f(t):
            return t * 2

        return f(x).requires_grad, M.is_grad_enabled()
    finally:
        M.set_grad_enabled(True)  # never leak a disabled mode into later tests


def s_inference_mode(M):
    x = leaf(M)
    with M.inference_mode():
        y = x * 2
        inner = (M.is_grad_enabled(), M.is_inference_mode_enabled())
    with M.inference_mode(False):
        z = x * 2

    @M.inference_mode()
    def f(t):
        return t * 2

    return y.requires_grad, inner, z.requires_grad, f(x).requires_grad, M.is_inference_mode_enabled()


def _err(fn):
    try:
        fn()
        return "ok"
    except RuntimeError as e:
        return str(e)


def s_inference_tensors(M):
    """What inference_mode makes: inference tensors, views that follow their base, and the errors
    for using them outside the mode."""
    base = M.ones(4)
    with M.inference_mode():
        x = M.ones(3)
        made = (x.is_inference(), x[:2].is_inference(), base[:2].is_inference(), (base * 2).is_inference(),
                base.detach().is_inference())
        x.add_(1)
        with M.inference_mode(False):
            nested = (M.ones(1).is_inference(), M.is_grad_enabled(), M.is_inference_mode_enabled())
    after = (x.is_inference(), x.detach().is_inference(), x.clone().is_inference(), M.ones(1).is_inference())
    errors = (_err(lambda: x.add_(1)), _err(lambda: x.mul_(2.0)), _err(lambda: x.requires_grad_()),
              _err(lambda: (M.ones(3, requires_grad=True) * x).sum().backward()))
    w = M.ones(3, requires_grad=True)
    ok = (w + x).sum().item()  # nothing saved for backward: allowed
    return made, nested, after, errors, ok, x.tolist()


def s_no_grad_restores_after_exception(M):
    try:
        with M.no_grad():
            raise ValueError("boom")
    except ValueError:
        pass
    return M.is_grad_enabled()


def s_backward_inside_no_grad(M):
    x = leaf(M)
    y = (x * x).sum()
    with M.no_grad():
        y.backward()
    return x.grad


def s_leaf_requires_grad_created_in_no_grad(M):
    with M.no_grad():
        w = M.ones(2, dtype=M.float64, requires_grad=True)
        y = w * 2
    return w.requires_grad, y.requires_grad


def s_anomaly_flags(M):
    # torch exposes the query at top level; ember also under ember.autograd
    enabled = getattr(M, "is_anomaly_enabled", None) or M.autograd.is_anomaly_enabled
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before = enabled()
        with M.autograd.detect_anomaly():
            inside = enabled()
        with M.autograd.set_detect_anomaly(True):
            inside2 = enabled()
    return before, inside, inside2, enabled()


def s_anomaly_nan(M):
    x = M.tensor([0.0, 1.0], dtype=M.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with M.autograd.detect_anomaly():
            y = x.sqrt() * 0
            (y / y).sum().backward()


SCENARIOS = {k[2:]: v for k, v in dict(globals()).items() if k.startswith("s_")}
XFAIL = {}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=XFAIL[n])) if n in XFAIL else n
    for n in sorted(SCENARIOS)])
def test_grad_mode_matches_torch(name):
    check(SCENARIOS[name])


def _thread_result(M):
    out = {}

    def work():
        x = leaf(M)
        out["enabled"] = M.is_grad_enabled()
        out["rg"] = (x * 2).requires_grad

    with M.no_grad():
        t = threading.Thread(target=work)
        t.start()
        t.join()
        out["main"] = M.is_grad_enabled()
    return out


def test_grad_mode_is_thread_local():
    check(_thread_result)
    import ember
    assert _thread_result(ember) == {"enabled": True, "rg": True, "main": False}


def test_no_grad_in_thread_does_not_leak():
    import ember
    ready, done = threading.Event(), threading.Event()

    def work():
        with ember.no_grad():
            ready.set()
            done.wait(5)

    t = threading.Thread(target=work)
    t.start()
    ready.wait(5)
    try:
        assert ember.is_grad_enabled()
        assert (leaf(ember) * 2).requires_grad
    finally:
        done.set()
        t.join()


def test_anomaly_does_not_slow_normal_path():
    import ember
    assert not ember.autograd.is_anomaly_enabled()
    x = ember.tensor(np.array([1.0]), requires_grad=True)
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0]
