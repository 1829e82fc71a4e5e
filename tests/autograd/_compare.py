"""Run one scenario with ember and with torch (the oracle) and compare what came out.

A scenario is ``fn(M)`` where ``M`` is the module (``ember`` or ``torch``). Its result may nest
tuples/lists/dicts of tensors, numbers, strings and bools; an exception becomes
``("EXC", type name, message)`` so error types and texts are compared too.
"""
import re

import numpy as np

import ember
from tests._oracle import torch

_ADDR = re.compile(r" object at 0x[0-9a-f]+")


def outcome(fn, M):
    try:
        return normalize(fn(M))
    except Exception as e:  # noqa: BLE001 - the exception itself is what we compare
        return ("EXC", type(e).__name__, str(e))


def normalize(r):
    if isinstance(r, (ember.Tensor,)) or (torch is not None and isinstance(r, torch.Tensor)):
        a = np.array(r.detach().cpu().numpy() if hasattr(r, "cpu") else r.detach().numpy())
        return ("T", str(r.dtype), tuple(r.shape), a)
    if isinstance(r, (tuple, list)):
        return tuple(normalize(x) for x in r)
    if isinstance(r, dict):
        return {k: normalize(v) for k, v in r.items()}
    if isinstance(r, str):
        return _ADDR.sub("", r)
    if isinstance(r, (ember.dtype,)) or (torch is not None and isinstance(r, torch.dtype)):
        return str(r)
    if isinstance(r, (ember.Size,)) or (torch is not None and isinstance(r, torch.Size)):
        return tuple(r)
    return r


def assert_same(a, b, rtol=1e-6, atol=1e-8, path="result"):
    if isinstance(a, tuple) and a and a[0] == "T":
        assert isinstance(b, tuple) and b and b[0] == "T", f"{path}: ember {a} vs torch {b}"
        assert a[1] == b[1], f"{path}: dtype {a[1]} vs {b[1]}"
        assert a[2] == b[2], f"{path}: shape {a[2]} vs {b[2]}"
        np.testing.assert_allclose(a[3], b[3], rtol=rtol, atol=atol, err_msg=path)
        return
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b), f"{path}: ember {a!r} vs torch {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, rtol, atol, f"{path}[{i}]")
        return
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            assert_same(a[k], b[k], rtol, atol, f"{path}[{k!r}]")
        return
    if isinstance(a, float) and isinstance(b, float):
        assert np.isclose(a, b, rtol=rtol, atol=atol), f"{path}: {a} vs {b}"
        return
    assert a == b, f"{path}: ember {a!r} vs torch {b!r}"


def check(fn, **tol):
    """Run fn with both libraries and assert the same outcome."""
    e = outcome(fn, ember)
    t = outcome(fn, torch)
    assert_same(e, t, **tol)
    return e
