"""Sorting/searching ops vs the torch oracle (shares the harness of test_reduction.py)."""
import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch
from tests.ops.test_reduction import _cases, check_grad, for_keys, make, run_both

pytestmark = requires_torch

SORT_CASES = _cases([
    (["x.sort()", "x.sort(0)", "x.sort(1, descending=True)", "T.sort(x, -1, True)",
      "x.sort(dim=0, stable=True)", "T.sort(x, stable=True, descending=True, dim=1)",
      "x.argsort()", "x.argsort(0, descending=True)", "T.argsort(x, stable=True)", "x.msort()",
      "T.msort(x)", "x.sort(2)"],
     ["f", "f_t", "ties", "ties_t", "i", "u8", "b", "nan", "s", "e"]),
    (["x.topk(2)", "x.topk(1, 0)", "x.topk(3, 1, largest=False)", "T.topk(x, 2, dim=0, largest=True)",
      "x.topk(0)", "x.topk(99)", "x.topk(-1)", "x.topk(1, dim=-1, sorted=True)"],
     ["f", "f_t", "d", "d_s", "s", "e"]),
    (["T.unique(x)", "x.unique(return_counts=True)", "T.unique(x, return_inverse=True)",
      "T.unique(x, sorted=True, return_inverse=True, return_counts=True)",
      "T.unique(x, dim=0)", "T.unique(x, dim=1, return_inverse=True, return_counts=True)",
      "T.unique(x, dim=0, return_inverse=True)", "T.unique(x, dim=3)"],
     ["i", "ties", "b", "u8", "rows", "s", "e"]),
    (["T.unique_consecutive(x)", "T.unique_consecutive(x, return_inverse=True, return_counts=True)",
      "T.unique_consecutive(x, dim=0, return_counts=True)",
      "T.unique_consecutive(x, dim=1, return_inverse=True)", "x.unique_consecutive()"],
     ["runs", "rows", "b", "s", "e"]),
    (["T.searchsorted(x.sort()[0], x)", "T.searchsorted(x.sort()[0], x, right=True)",
      "T.searchsorted(x.sort()[0], x, side='right')", "T.searchsorted(x.sort()[0], x, out_int32=True)",
      "T.searchsorted(x.reshape(-1).sort()[0], x)", "T.searchsorted(x.reshape(-1).sort()[0], 0.25)",
      "T.searchsorted(x.sort()[0], x[..., :2])", "T.searchsorted(x.sort()[0], x[0])",
      "T.searchsorted(x.reshape(-1), x, sorter=x.reshape(-1).argsort())",
      "T.searchsorted(x.sort()[0], x, side='left', right=True)"],
     ["d", "ties", "i", "d_t"]),
    (["T.bucketize(x, T.tensor([-1.0, 0.0, 0.5]))", "T.bucketize(x, T.tensor([-1.0, 0.0, 0.5]), right=True)",
      "T.bucketize(x, T.tensor([0, 1, 2]), out_int32=True)", "T.bucketize(3, T.tensor([1, 2, 3]))",
      "T.bucketize(x, T.tensor([[1, 2]]))"], ["d", "ties", "i", "s"]),
    (["T.histc(x)", "T.histc(x, bins=4)", "T.histc(x, bins=7, min=-1, max=1)", "x.histc(5, 0, 2)",
      "T.histc(x, bins=3, min=1, max=0)", "T.histc(x, bins=10, min=-0.5, max=0.5)"],
     ["f", "d", "ties", "i", "s", "e", "nan"]),
    (["T.bincount(x)", "x.bincount(minlength=9)", "T.bincount(x, weights=x.double())",
      "T.bincount(x, weights=x.float())", "T.bincount(x, weights=x)", "T.bincount(x.reshape(2, -1))",
      "T.bincount(x - 3)"], ["cnt", "cnt_u8", "f", "b", "ecnt"]),
])

_rng = np.random.default_rng(99)
EXTRA = {
    "rows": np.array([[1, 2, 1], [0, 5, 0], [1, 2, 1], [0, 5, 0], [3, 3, 3]]),
    "runs": np.array([[1, 1, 2, 2, 3, 1], [1, 1, 2, 2, 3, 1], [0, 0, 0, 9, 9, 1]]),
    "cnt": _rng.integers(0, 7, 20),
    "cnt_u8": _rng.integers(0, 5, 9).astype(np.uint8),
    "ecnt": np.zeros(0, dtype=np.int64),
}


@pytest.fixture(autouse=True, scope="module")
def _extra_inputs():
    from tests.ops import test_reduction as tr
    added = [k for k in EXTRA if k not in tr.ARR]
    tr.ARR.update({k: EXTRA[k] for k in added})
    yield
    for k in added:
        tr.ARR.pop(k, None)


@pytest.mark.parametrize("expr,keys", SORT_CASES)
def test_values_dtypes_and_errors(expr, keys):
    for_keys(keys, lambda key: run_both(expr, key))


@pytest.mark.parametrize("expr,keys", _cases([
    (["x.sort(1)[0]", "x.sort(0, descending=True).values", "x.msort()", "x.topk(2, 1)[0]",
      "x.topk(3, 0, largest=False)[0]", "x.sort(1)[0] * x"], ["d", "d_t", "s"]),
]))
def test_gradients(expr, keys):
    for_keys(keys, lambda key: check_grad(expr, key))


def test_sort_stable_ties_and_nan_order():
    x = [3., float("nan"), 1., 3., float("nan"), 1., 2.]
    for desc in (False, True):
        e = ember.tensor(x).sort(descending=desc)
        t = torch.tensor(x).sort(descending=desc)
        assert e.indices.tolist() == t.indices.tolist()
    assert repr(ember.tensor([[2, 1], [0, 3]]).sort(1)) == repr(torch.tensor([[2, 1], [0, 3]]).sort(1))


def test_topk_is_correct_selection():
    x = np.random.default_rng(5).standard_normal((6, 9))
    v, i = ember.from_numpy(x).topk(4, 1)
    ref = np.sort(x, axis=1)[:, ::-1][:, :4]
    np.testing.assert_allclose(v.numpy(), ref)
    np.testing.assert_allclose(np.take_along_axis(x, i.numpy(), 1), ref)


def test_unique_not_differentiable_and_errors():
    with pytest.raises(RuntimeError, match="bincount only supports 1-d non-negative integral"):
        ember.bincount(ember.tensor([-1, 2]))
    with pytest.raises(NotImplementedError, match="bincount_cpu"):
        ember.bincount(ember.tensor([1.0]))
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        ember.ones(3).topk(4)
    with pytest.raises(RuntimeError, match="Sort does not support complex"):
        ember.tensor([1j]).sort()
    with pytest.raises(RuntimeError, match="histc: range of"):
        ember.histc(ember.tensor([1.0, float("inf")]), bins=3)
