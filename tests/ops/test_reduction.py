"""Reductions and scans vs the torch oracle: values, dtypes, shapes, named tuples, errors, gradients.

Every case is an expression evaluated twice, with ``T`` bound to ember and to torch and ``x`` to the
same seeded input built by each library; results (or raised exception types) must agree.
"""
import math
import warnings

import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch

pytestmark = requires_torch

_rng = np.random.default_rng(1234)
_nan = _rng.standard_normal((4, 6))
_nan[0, 1] = _nan[0, 4] = _nan[2, 2] = np.nan
_nan[3, :5] = np.nan  # (an all-NaN row's nanmedian index is a quickselect artefact in torch)
_zeros = _rng.standard_normal((3, 5))
_zeros[0, 2] = _zeros[1, 1] = _zeros[1, 3] = 0.0
_inf = _rng.standard_normal((3, 4))
_inf[0, :] = -np.inf
_inf[1, 2] = np.inf

ARR = {
    "f": _rng.standard_normal((3, 4, 5)).astype(np.float32),
    "d": _rng.standard_normal((4, 6)),
    "i": _rng.integers(-5, 6, (4, 6)),
    "i32": _rng.integers(-5, 6, (4, 6)).astype(np.int32),
    "u8": _rng.integers(0, 4, (4, 6)).astype(np.uint8),
    "b": _rng.random((4, 6)) > 0.5,
    "ties": _rng.integers(0, 3, (5, 7)).astype(np.float32),
    "nan": _nan.astype(np.float32),
    "zeros": _zeros,
    "inf": _inf,
    "s": np.array(1.5, dtype=np.float32),
    "si": np.array(7),
    "e": np.zeros((0, 3), dtype=np.float32),
    "h": _rng.standard_normal((4, 6)).astype(np.float16),
}


def make(T, key):
    """The input named ``key``; suffix ``_t`` gives a transposed view, ``_s`` a strided slice."""
    base, _, view = key.partition("_")
    x = T.from_numpy(ARR[base].copy())
    if view == "t":
        x = x.transpose(0, -1)
    elif view == "s":
        x = x[..., ::2]
    return x


def _is_tensor(v):
    return isinstance(v, (torch.Tensor, ember.Tensor))


def assert_same(e, t, rtol=None, atol=None, path="result"):
    """ember result e matches torch result t (tensors, tuples/named tuples, Python scalars)."""
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{path}: expected a Tensor, got {type(e)}"
        assert str(e.dtype) == str(t.dtype), f"{path}: dtype {e.dtype} != {t.dtype}"
        assert tuple(e.shape) == tuple(t.shape), f"{path}: shape {tuple(e.shape)} != {tuple(t.shape)}"
        te = t.detach()
        a = e.detach().to(ember.float32).numpy() if e.dtype in (ember.float16, ember.bfloat16) \
            else e.detach().numpy()
        b = te.float().numpy() if te.dtype in (torch.float16, torch.bfloat16) else te.numpy()
        if b.dtype.kind in "fc":
            lo = b.dtype in (np.float16,) or t.dtype in (torch.float16, torch.bfloat16)
            r = rtol if rtol is not None else (1e-2 if lo else 1e-5 if b.dtype == np.float32 else 1e-10)
            np.testing.assert_allclose(a, b, rtol=r, atol=atol if atol is not None else r,
                                       equal_nan=True, err_msg=path)
        else:
            np.testing.assert_array_equal(a, b, err_msg=path)
    elif isinstance(t, tuple):
        assert isinstance(e, tuple) and len(e) == len(t), f"{path}: {type(e)} vs {type(t)}"
        if type(t).__module__ == "torch.return_types":
            assert type(e).__name__ == type(t).__name__, path
            assert type(e).__module__ == "ember.return_types", path
            assert repr(e).split("\n")[0] == repr(t).split("\n")[0]
            for f in ("values", "indices", "min", "max"):
                if hasattr(t, f):
                    assert_same(getattr(e, f), getattr(t, f), rtol, atol, f"{path}.{f}")
        for i, (a, b) in enumerate(zip(e, t)):
            assert_same(a, b, rtol, atol, f"{path}[{i}]")
    else:
        assert e == t or (e != e and t != t), f"{path}: {e!r} != {t!r}"


def run_both(expr, key, **kw):
    """Evaluate expr on both libraries; return the pair of results, or assert both raise alike."""
    out, err = [], []
    for T in (ember, torch):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out.append(eval(expr, {"T": T, "x": make(T, key), "math": math}))
            err.append(None)
        except Exception as exc:  # noqa: BLE001 - the oracle decides which exceptions are right
            out.append(None)
            err.append(exc)
    ee, te = err
    if te is not None or ee is not None:
        assert ee is not None, f"torch raised {type(te).__name__}: {te}; ember returned {out[0]}"
        assert te is not None, f"ember raised {type(ee).__name__}: {ee}"
        assert isinstance(ee, type(te)) or type(te).__name__ in (type(ee).__name__,), \
            f"ember raised {type(ee).__name__}({ee}), torch {type(te).__name__}({te})"
        return None
    assert_same(out[0], out[1], **kw)
    return out


def _cases(spec):
    """One test per expression; it runs over all of the expression's inputs (keeps pytest fast)."""
    return [pytest.param(e, tuple(keys), id=e) for exprs, keys in spec for e in exprs]


def for_keys(keys, fn):
    """Run fn(key) for each key, naming the failing input in the assertion message."""
    for k in keys:
        try:
            fn(k)
        except AssertionError as exc:
            raise AssertionError(f"input {k!r}: {exc}") from None


VALUE_CASES = _cases([
    (["x.sum()", "x.sum(1)", "x.sum(-1, keepdim=True)", "x.sum((0, -1))", "T.sum(x, dim=())",
      "x.sum(dtype=T.float64)", "x.sum(0, keepdim=True)"],
     ["f", "f_t", "f_s", "d", "i", "i32", "u8", "b", "s", "si", "e", "h"]),
    (["x.sum(dtype=T.int32)", "x.sum(1, dtype=T.float16)"], ["i", "b", "u8"]),
    (["x.nansum()", "x.nansum(1)", "T.nansum(x, (0, 1), keepdim=True)"], ["nan", "i", "b", "s", "e"]),
    (["x.mean()", "x.mean(1)", "x.mean((0, 1), keepdim=True)", "x.mean(-1)", "x.mean(())"],
     ["f", "f_t", "d", "s", "e", "h", "i", "b"]),
    (["x.mean(dtype=T.float64)", "x.mean(1, dtype=T.int64)"], ["i", "f"]),
    (["x.nanmean()", "x.nanmean(1)", "T.nanmean(x, 0, keepdim=True)"], ["nan", "d", "i"]),
    (["x.prod()", "x.prod(1)", "x.prod(-1, keepdim=True)", "x.prod(0, dtype=T.float64)",
      "x.prod((0, 1))"], ["d", "d_t", "i", "u8", "b", "s", "e", "zeros"]),
    (["x.logsumexp(1)", "T.logsumexp(x, (0, 1))", "x.logsumexp(-1, keepdim=True)", "x.logsumexp(0)"],
     ["f", "d", "i", "s", "e", "inf", "b"]),
    (["x.all()", "x.any(1)", "x.all(0, keepdim=True)", "x.any((0, 1))", "T.all(x, -1)"],
     ["f", "i", "u8", "b", "s", "e", "nan"]),
    (["x.count_nonzero()", "x.count_nonzero(1)", "T.count_nonzero(x, (0, 1))",
      "T.count_nonzero(x, dim=(0, 0))"], ["i", "b", "zeros", "e", "s"]),
    (["x.std()", "x.var(1)", "x.std(0, keepdim=True)", "x.var(1, unbiased=False)", "x.std(False)",
      "x.var(correction=2)", "x.std((0, 1), correction=0)", "T.var_mean(x, 1)", "T.std_mean(x)",
      "T.std_mean(x, 0, correction=0, keepdim=True)", "x.var(0, True, True)",
      "x.std(0, unbiased=True, correction=1)", "x.var(())"],
     ["f", "f_t", "d", "s", "e", "i", "h"]),
    (["x.amax()", "x.amin(1)", "x.amax((0, 1), keepdim=True)", "x.amin(-1)", "x.amax(0)"],
     ["f", "f_t", "i", "b", "nan", "s", "e"]),
    (["x.max()", "x.min()", "x.max(1)", "x.min(-1, keepdim=True)", "T.max(x, 0)",
      "x.max(dim=1, keepdim=True)", "T.min(x, 1)", "T.max(x, T.zeros_like(x))",
      "T.min(x, T.zeros_like(x))", "x.max((0, 1))"],
     ["f", "f_t", "i", "b", "ties", "nan", "s", "e"]),
    (["x.argmax()", "x.argmin(1)", "x.argmax(-1, keepdim=True)", "x.argmax(keepdim=True)",
      "x.argmin(0)", "T.argmax(x, dim=1)"], ["f", "f_t", "i", "ties", "nan", "s", "e", "b"]),
    (["x.aminmax()", "T.aminmax(x, dim=1)", "x.aminmax(dim=0, keepdim=True)", "x.aminmax(dim=-1)"],
     ["f", "i", "b", "nan", "s", "e", "ties"]),
    (["x.median()", "x.median(1)", "x.median(0, keepdim=True)", "x.nanmedian()", "x.nanmedian(1)",
      "T.nanmedian(x, 0)", "T.median(x, -1)"], ["f", "f_t", "i", "ties", "nan", "s", "e", "b"]),
    (["x.mode()", "x.mode(0)", "x.mode(1, keepdim=True)", "T.mode(x, -1)"],
     ["ties", "i", "b", "f", "s", "e"]),
    (["x.kthvalue(2)", "x.kthvalue(1, 0)", "x.kthvalue(3, 1, keepdim=True)", "x.kthvalue(0)",
      "x.kthvalue(99)", "T.kthvalue(x, 1, -1)"], ["f", "f_t", "d", "s", "e"]),
    (["x.norm()", "x.norm(1)", "x.norm(float('inf'), 1)", "x.norm(-float('inf'))", "x.norm(0)",
      "x.norm(3, (0, 1))", "x.norm(0.5, 1, True)", "x.norm('fro', (0, 1))", "x.norm(p='nuc')",
      "x.norm(dtype=T.float64)", "T.norm(x, dim=0)", "x.norm(-1.5, 0)"],
     ["f", "f_t", "d", "s", "e", "i", "h"]),
    (["x.cumsum(0)", "x.cumsum(-1)", "x.cumprod(1)", "x.cumsum(1, dtype=T.float64)",
      "T.cumprod(x, 0, dtype=T.float32)", "x.cumprod(0)", "x.cumsum(2)"],
     ["f", "f_t", "i", "i32", "u8", "b", "s", "e", "zeros", "h"]),
    (["x.cummax(1)", "x.cummin(0)", "T.cummax(x, -1)", "T.cummin(x, 1)"],
     ["ties", "nan", "i", "b", "s", "e", "f"]),
    (["x.diff()", "x.diff(dim=0)", "x.diff(n=2)", "T.diff(x, append=x)",
      "T.diff(x, n=3, prepend=x[:, :1])", "x.diff(n=0)", "x.diff(n=9)", "x.diff(n=-1)",
      "T.diff(x, prepend=x[0])"], ["d", "d_t", "i", "b", "u8", "s", "e"]),
])


@pytest.mark.parametrize("expr,keys", VALUE_CASES)
def test_values_dtypes_and_errors(expr, keys):
    for_keys(keys, lambda key: run_both(expr, key))


@pytest.mark.parametrize("expr,key,msg", [
    ("x.max()", "e", "max(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                     "the reduction dim with the 'dim' argument."),
    ("x.max(0)", "e", "max(): Expected reduction dim 0 to have non-zero size."),
    ("x.amax()", "e", "amax(): Expected reduction dim to be specified"),
    ("x.argmax()", "e", "argmax(): Expected reduction dim to be specified for input.numel() == 0."),
    ("x.sum(5)", "d", "Dimension out of range (expected to be in range of [-2, 1], but got 5)"),
    ("x.sum((0, 0))", "d", "dim 0 appears multiple times in the list of dims"),
    ("x.mean()", "i", "mean(): could not infer output dtype. Input dtype must be either a floating "
                      "point or complex dtype. Got: Long"),
    ("x.std()", "i", "std and var only support floating point and complex dtypes"),
    ("x.argmax()", "b", "argmax(): does not support bool input"),
    ("x.kthvalue(9)", "d", "kthvalue(): selected number k out of range for dimension 1"),
    ("x.norm()", "i", "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
    ("x.aminmax()", "e", "aminmax(): cannot compute aminmax over an empty dimension"),
    ("x.diff()", "s", "diff expects input to be at least one-dimensional"),
    ("x.sum(1)", "s", "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
])
def test_error_messages(expr, key, msg):
    for T in (ember, torch):
        with pytest.raises(Exception) as info:
            eval(expr, {"T": T, "x": make(T, key)})
        assert msg in str(info.value), f"{T.__name__}: {info.value}"


def test_return_type_repr_and_fields():
    xe, xt = make(ember, "ties"), make(torch, "ties")
    for name in ("max", "min", "median", "sort", "cummax", "mode"):
        re_ = getattr(xe, name)(1)
        rt = getattr(xt, name)(1)
        assert repr(re_) == repr(rt)
        assert str(re_) == str(rt)
    r = xe.max(0)
    v, i = r
    assert v is r.values and i is r.indices and r[0] is v and len(r) == 2 and isinstance(r, tuple)
    assert type(r) is ember.return_types.max
    assert repr(ember.return_types.aminmax((ember.tensor(1.), ember.tensor(2.)))) == \
        repr(torch.return_types.aminmax((torch.tensor(1.), torch.tensor(2.))))
    import pickle
    r2 = pickle.loads(pickle.dumps(r))
    assert type(r2) is type(r) and r2.values.tolist() == v.tolist()
    import ember.return_types as rtm
    assert rtm.topk is ember.return_types.topk


def test_named_dims_and_out():
    xe = ember.ones(2, 3, names=("N", "C")) if _names_supported() else None
    if xe is None:
        pytest.skip("named tensors not available in the core yet")
    assert xe.sum("C").names == ("N",)
    assert xe.amax("N", keepdim=True).names == ("N", "C")
    assert xe.max("C").values.names == ("N",)


def _names_supported():
    try:
        ember.ones(2, names=("N",))
        return True
    except Exception:  # noqa: BLE001
        return False


def test_out_argument():
    xe, xt = make(ember, "d"), make(torch, "d")
    oe, ot = ember.empty(4, dtype=ember.float64), torch.empty(4, dtype=torch.float64)
    re_, rt = ember.sum(xe, 1, out=oe), torch.sum(xt, 1, out=ot)
    assert re_ is oe
    assert_same(oe, ot)


def test_dof_warning():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        ember.ones(1).std()
    with pytest.warns(UserWarning, match=r"var\(\): degrees of freedom"):
        ember.ones(2, 1).var(1)


def test_inplace_scans():
    for T in (ember, torch):
        x = make(T, "d")
        y = x.clone()
        r = y.cumsum_(1)
        assert r is y
        assert np.allclose(y.numpy(), x.cumsum(1).numpy())
        y = x.clone().cumprod_(0)
        assert np.allclose(y.numpy(), x.cumprod(0).numpy())


# ---- gradients -----------------------------------------------------------------------------------
GRAD_CASES = _cases([
    (["x.sum()", "x.sum(1)", "x.sum((0, 1), keepdim=True)", "x.mean()", "x.mean(0)",
      "x.nansum(1)", "x.nanmean(0)", "x.prod()", "x.prod(1)", "x.prod(0, keepdim=True)",
      "x.std()", "x.var(1)", "x.std(0, keepdim=True, correction=0)", "T.std_mean(x, 1)[0]",
      "T.var_mean(x, 0)[1]", "T.std_mean(x, 1)[0] + T.std_mean(x, 1)[1]", "x.amax()", "x.amin(1)",
      "x.amax((0, 1), keepdim=True)", "x.max()", "x.min()", "x.max(1)[0]", "x.min(0, True).values",
      "x.aminmax(dim=1)[0]", "x.aminmax()[1]", "x.median()", "x.median(1)[0]", "x.nanmedian()",
      "x.nanmedian(0).values", "x.mode(1)[0]", "x.logsumexp(1)",
      "T.logsumexp(x, (0, 1))", "x.norm()", "x.norm(1)", "x.norm(float('inf'), 1)",
      "x.norm(-float('inf'))", "x.norm(3, 0)", "x.norm(0.5)", "x.norm(2, 1, True)",
      "x.cumsum(1)", "x.cumsum(0)", "x.cumprod(1)", "x.cumprod(0)", "x.cummax(1)[0]",
      "x.cummin(0)[0]", "x.diff()", "T.diff(x, n=2, dim=0)", "T.max(x, x * 0.5)"],
     ["d", "d_t", "ties", "zeros", "s"]),
    (["x.nansum()", "x.nanmean(1)", "x.max()", "x.amax()", "x.max(1)[0]", "x.median()",
      "x.nanmedian(1)[0]", "x.nanmedian()"], ["nan"]),
    (["x.logsumexp(1)", "x.logsumexp(0)"], ["inf"]),
    (["x.kthvalue(2, 1)[0]", "x.kthvalue(1, 0)[0]", "x.topk(2, 1)[0]"], ["d", "d_t"]),
])


def _grad_input(T, key):
    x = make(T, key)
    x = x.to(T.float64).detach().clone() if x.dtype != T.float64 else x.detach().clone()
    x.requires_grad_(True)
    return x


@pytest.mark.parametrize("expr,keys", GRAD_CASES)
def test_gradients(expr, keys):
    for_keys(keys, lambda key: check_grad(expr, key))


def check_grad(expr, key):
    res, xs = [], []
    for T in (ember, torch):
        x = _grad_input(T, key)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                y = eval(expr, {"T": T, "x": x, "math": math})
        except Exception as exc:  # noqa: BLE001
            res.append(exc)
            xs.append(x)
            continue
        w = np.random.default_rng(7).standard_normal(tuple(y.shape))
        y.backward(T.from_numpy(w))
        res.append(y)
        xs.append(x)
    if isinstance(res[1], Exception) or isinstance(res[0], Exception):
        assert type(res[0]) is type(res[1]), (res[0], res[1])
        return
    assert_same(res[0], res[1])
    assert res[0].grad_fn.name() == res[1].grad_fn.name()
    ge, gt = xs[0].grad, xs[1].grad
    if gt is None:
        assert ge is None or not ge.numpy().any()
        return
    assert ge is not None, "ember produced no gradient"
    assert_same(ge, gt, rtol=1e-7, atol=1e-7, path="grad")


@pytest.mark.parametrize("expr", ["x.prod(1)", "x.std(0)", "x.logsumexp(1)", "x.norm()",
                                  "x.cumprod(1)", "x.max(1)[0]", "x.amax(0)", "x.var()",
                                  "x.norm(3, 1)", "x.cumsum(0)", "x.sort(1)[0] * x"])
@pytest.mark.parametrize("key", ["d", "zeros"])
def test_double_backward(expr, key):
    grads = []
    for T in (ember, torch):
        x = _grad_input(T, key)
        y = eval(expr, {"T": T, "x": x})
        w = T.from_numpy(np.random.default_rng(3).standard_normal(tuple(y.shape)))
        (g,) = T.autograd.grad(y, x, w, create_graph=True)
        v = T.from_numpy(np.random.default_rng(4).standard_normal(tuple(x.shape)))
        if g.requires_grad:  # (a gradient independent of x has no graph, in torch as here)
            (g * v).sum().backward()
        grads.append((g, x.grad))
    assert grads[0][0].requires_grad == grads[1][0].requires_grad
    assert_same(grads[0][0], grads[1][0], rtol=1e-7, atol=1e-7, path="grad")
    if grads[1][1] is None:
        assert grads[0][1] is None or not grads[0][1].numpy().any()
    else:
        assert_same(grads[0][1], grads[1][1], rtol=1e-6, atol=1e-6, path="grad2")


def test_prod_zero_gradients_exact():
    x = ember.tensor([[1., 0., 3., 2.], [1., 0., 3., 0.], [2., 2., 2., 2.]], requires_grad=True)
    x.prod(1).sum().backward()
    assert x.grad.tolist() == [[0., 6., 0., 0.], [0., 0., 0., 0.], [8., 8., 8., 8.]]


def test_ties_split_evenly():
    x = ember.tensor([1., 3., 3., 2.], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0., 0.5, 0.5, 0.]
    x.grad = None
    x.max(0).values.backward()
    assert x.grad.tolist() == [0., 1., 0., 0.]
