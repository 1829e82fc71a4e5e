"""torch.testing: ``assert_close`` (with torch's default tolerances and messages) and ``make_tensor``."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from . import _dtype as D
from ._tensor import Tensor

__all__ = ["assert_close", "make_tensor", "assert_allclose"]

# default (rtol, atol) per dtype; everything not listed compares exactly
_TOL = {D.float16: (1e-3, 1e-5), D.bfloat16: (1.6e-2, 1e-5), D.float32: (1.3e-6, 1e-5),
        D.float64: (1e-7, 1e-7), D.complex64: (1.3e-6, 1e-5), D.complex128: (1e-7, 1e-7)}


def _tol(*dts):
    r = [_TOL.get(dt, (0.0, 0.0)) for dt in dts]
    return max(x[0] for x in r), max(x[1] for x in r)


class _Fail(Exception):
    def __init__(self, msg, kind=AssertionError):
        super().__init__(msg)
        self.kind = kind
        self.path = None


def _fmt_idx(idx):
    return "(" + ", ".join(str(int(i)) for i in idx) + ("," if len(idx) == 1 else "") + ")"


def _compare_tensors(actual, expected, rtol, atol, equal_nan, check_device, check_dtype, check_stride):
    for name, a, e in (("shape", actual.shape, expected.shape),):
        if a != e:
            raise _Fail(f"The values for attribute '{name}' do not match: {a} != {e}.")
    if check_device and actual.device != expected.device:
        raise _Fail(f"The values for attribute 'device' do not match: {actual.device} != {expected.device}.")
    if check_dtype and actual.dtype != expected.dtype:
        raise _Fail(f"The values for attribute 'dtype' do not match: {actual.dtype} != {expected.dtype}.")
    if check_stride and actual.stride() != expected.stride():
        raise _Fail(f"The values for attribute 'stride()' do not match: {actual.stride()} != {expected.stride()}.")
    if rtol is None:
        rtol, atol = _tol(actual.dtype, expected.dtype)
    a = actual.detach().cpu().resolve_conj().numpy() if hasattr(actual, "resolve_conj") else actual.numpy()
    e = expected.detach().cpu().resolve_conj().numpy() if hasattr(expected, "resolve_conj") else expected.numpy()
    scalar = actual.dim() == 0
    _compare_arrays(a, e, rtol, atol, equal_nan, scalar, "Tensor-likes")


def _compare_arrays(a, e, rtol, atol, equal_nan, scalar, what):
    common = np.promote_types(a.dtype, e.dtype)
    if common == np.bool_ or common.kind in "iu":
        work = np.int64
    elif common.kind == "V" or common.itemsize < 4 and common.kind == "f":  # bfloat16/half
        work = np.float32
    else:
        work = common
    a2, e2 = a.astype(work), e.astype(work)
    exact = rtol == 0 and atol == 0
    with np.errstate(all="ignore"):
        diff = np.abs(a2 - e2)
        ok = diff <= atol + rtol * np.abs(e2)
        ok |= a2 == e2  # infinities of the same sign
        if equal_nan:
            ok |= np.isnan(a2) & np.isnan(e2)
    if bool(ok.all()):
        return
    with np.errstate(all="ignore"):
        rel_work = np.float64 if work == np.int64 else work
        absd = diff.astype(rel_work) if work == np.int64 else diff
        reld = np.abs(a2.astype(rel_work) - e2.astype(rel_work)) / np.abs(e2.astype(rel_work))
    if scalar:
        av, ev = a2.reshape(()).item(), e2.reshape(()).item()
        msg = f"Scalars are not {'equal' if exact else 'close'}!\n\nExpected {ev} but got {av}.\n"
        ad, rd = absd.reshape(()).item(), reld.reshape(()).item()
        msg += f"Absolute difference: {ad if work != np.int64 else int(ad)}" + ("" if exact else f" (up to {atol} allowed)")
        msg += f"\nRelative difference: {rd}" + ("" if exact else f" (up to {rtol} allowed)")
        raise _Fail(msg)
    total = ok.size
    bad = total - int(ok.sum())
    flat_abs = np.where(np.isnan(absd), np.inf, absd).reshape(-1)
    flat_rel = np.where(np.isnan(reld), np.inf, reld).reshape(-1)
    ia = int(np.argmax(flat_abs))
    ir = int(np.argmax(flat_rel))
    shape = a.shape
    va = absd.reshape(-1)[ia]
    vr = reld.reshape(-1)[ir]
    va_s = str(int(va)) if work == np.int64 else str(float(va))
    msg = (f"{what} are not {'equal' if exact else 'close'}!\n\n"
           f"Mismatched elements: {bad} / {total} ({100 * bad / total:.1f}%)\n"
           f"Greatest absolute difference: {va_s} at index {_fmt_idx(np.unravel_index(ia, shape))}"
           + ("" if exact else f" (up to {atol} allowed)") +
           f"\nGreatest relative difference: {float(vr)} at index {_fmt_idx(np.unravel_index(ir, shape))}"
           + ("" if exact else f" (up to {rtol} allowed)"))
    raise _Fail(msg)


def _compare(actual, expected, path, opts):
    try:
        _compare_inner(actual, expected, path, opts)
    except _Fail as f:
        if f.path is None:
            f.path = path
        raise


def _compare_inner(actual, expected, path, opts):
    if isinstance(actual, Tensor) or isinstance(expected, Tensor):
        if not (isinstance(actual, Tensor) and isinstance(expected, Tensor)):
            raise _Fail(f"No comparison pair was able to handle inputs of type {type(actual)} and "
                        f"{type(expected)}.", TypeError)
        if not opts["allow_subclasses"] and type(actual) is not type(expected):
            raise _Fail(f"Except for Python scalars, input types need to be equal, but got {type(actual)} and "
                        f"{type(expected)} instead.", TypeError)
        _compare_tensors(actual, expected, opts["rtol"], opts["atol"], opts["equal_nan"], opts["check_device"],
                         opts["check_dtype"], opts["check_stride"])
        return
    if isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray):
        from .ops.creation import from_numpy
        _compare(from_numpy(np.ascontiguousarray(actual)), from_numpy(np.ascontiguousarray(expected)), path, opts)
        return
    scalar_types = (bool, int, float, complex, np.number, np.bool_)
    if isinstance(actual, scalar_types) and isinstance(expected, scalar_types):
        if opts["check_dtype"] and type(actual) is not type(expected):
            raise _Fail(f"The (d)types do not match: {type(actual)} != {type(expected)}.")
        a, e = np.asarray(actual), np.asarray(expected)
        if a.dtype.kind == "f" or e.dtype.kind == "f" or a.dtype.kind == "c" or e.dtype.kind == "c":
            rtol, atol = (opts["rtol"], opts["atol"]) if opts["rtol"] is not None else (1e-7, 1e-7)
        else:
            rtol, atol = (opts["rtol"], opts["atol"]) if opts["rtol"] is not None else (0.0, 0.0)
        _compare_arrays(a.reshape(()), e.reshape(()), rtol, atol, opts["equal_nan"], True, "Scalars")
        return
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual.keys()) != set(expected.keys()):
            raise _Fail(f"The keys of the mappings do not match:\nMissing keys in the actual mapping: "
                        f"{sorted(set(expected) - set(actual))}\nAdditional keys in the actual mapping: "
                        f"{sorted(set(actual) - set(expected))}")
        for k in expected:
            _compare(actual[k], expected[k], path + [f"[{k!r}]"], opts)
        return
    if (isinstance(actual, Sequence) and isinstance(expected, Sequence)
            and not isinstance(actual, str) and not isinstance(expected, str)):
        if len(actual) != len(expected):
            raise _Fail(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for i, (x, y) in enumerate(zip(actual, expected)):
            _compare(x, y, path + [f"[{i}]"], opts)
        return
    if actual is None and expected is None:
        return
    raise _Fail(f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.",
                TypeError)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None) -> None:
    """Raise AssertionError unless actual and expected are close (tensors, scalars, or nested containers)."""
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'rtol' if rtol is None else 'atol'}.")
    opts = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                check_device=check_device, check_dtype=check_dtype, check_stride=check_stride)
    path: list = []
    try:
        _compare(actual, expected, path, opts)
    except _Fail as f:
        if f.kind is not AssertionError:
            raise f.kind(str(f)) from None
        text = str(f)
        if msg is not None:
            text = msg(text) if callable(msg) else msg
        elif f.path:
            text += f"\n\nThe failure occurred for item {''.join(f.path)}"
        raise AssertionError(text) from None


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """Deprecated torch.testing.assert_allclose: assert_close without dtype checks."""
    import warnings
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future "
                  "release. Please use `torch.testing.assert_close()` instead.", FutureWarning)
    from .ops.creation import as_tensor
    a = actual if isinstance(actual, Tensor) else as_tensor(actual)
    e = expected if isinstance(expected, Tensor) else as_tensor(expected, dtype=a.dtype)
    assert_close(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=True, check_dtype=False,
                 msg=msg or None)


def make_tensor(*shape, dtype, device=None, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False, memory_format=None) -> Tensor:
    """A random tensor for tests: floats in [-9, 9], ints in [-9, 10), bools 0/1."""
    import ember
    if len(shape) == 1 and isinstance(shape[0], (list, tuple, ember.Size)):
        shape = tuple(shape[0])
    if low is not None and high is not None and low > high:
        raise ValueError(f"`low` must be less than or equal to `high`, but got {low} > {high}")
    for v, n in ((low, "low"), (high, "high")):
        if v is not None and isinstance(v, float) and math.isnan(v):
            raise ValueError(f"`{n}` cannot be NaN, but got {n}={v}")
    if dtype == D.bool_:
        t = ember.randint(0, 2, shape, device=device).to(D.bool_)
    elif dtype in (D.uint8, D.int8, D.int16, D.int32, D.int64):
        info = ember.iinfo(dtype)
        lo = max(info.min, -9 if low is None else math.ceil(low))
        hi = min(info.max, 10 if high is None else math.floor(high) + (0 if high is None else 1))
        if dtype == D.uint8 and low is None:
            lo = 0
        t = ember.randint(int(lo), int(hi), shape, dtype=dtype, device=device)
    elif dtype.is_floating_point or dtype.is_complex:
        lo = -9.0 if low is None else float(low)
        hi = 9.0 if high is None else float(high)
        real = D.float64 if dtype in (D.float64, D.complex128) else D.float32
        t = ember.rand(shape, dtype=real, device=device) * (hi - lo) + lo
        if dtype.is_complex:
            t = ember.complex(t, ember.rand(shape, dtype=real, device=device) * (hi - lo) + lo)
        t = t.to(dtype)
    else:
        raise TypeError(f"The requested dtype '{dtype}' is not supported by torch.testing.make_tensor()."
                        " To request support, file an issue at: https://github.com/pytorch/pytorch/issues")
    if exclude_zero and t.numel():
        eps = 1 if not (dtype.is_floating_point or dtype.is_complex) else ember.finfo(
            dtype if dtype.is_floating_point else D.float32).tiny
        t = ember.where(t == 0, ember.full_like(t, eps), t)
    if noncontiguous and t.numel() > 1:
        t = ember.repeat_interleave(t, 2, dim=-1)[..., ::2]
    if requires_grad:
        t.requires_grad_(True)
    return t
