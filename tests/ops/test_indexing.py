"""Advanced indexing, __setitem__, gather/scatter, masks, take/put, index_* ops vs torch."""
import warnings

import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch

pytestmark = [requires_torch,
              pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter:UserWarning")]
RNG = np.random.default_rng(0)


def _flat(o):
    if isinstance(o, (tuple, list)):
        return [x for y in o for x in _flat(y)]
    return [o]


def cmp(e, t, strides=False, tol=1e-10):
    """Same values, dtype, shape (and optionally strides/offset) for nested results."""
    if isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t), (e, t)
        for a, b in zip(e, t):
            cmp(a, b, strides, tol)
        return
    if not isinstance(t, torch.Tensor):
        assert e == t
        return
    assert isinstance(e, ember.Tensor), type(e)
    assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape), (e.shape, t.shape)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)
    if strides and t.numel():
        assert e.stride() == t.stride(), (e.stride(), t.stride())
        assert e.storage_offset() == t.storage_offset()


def run(fn, *arrays, grad=True, strides=False, tol=1e-10):
    """fn(M, *tensors) for M in (ember, torch): compare outputs, then input grads after backward."""
    E = [ember.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    T = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    eo, to = fn(ember, *E), fn(torch, *T)
    cmp(eo, to, strides, tol)
    if not grad:
        return eo, to
    outs = [(a, b) for a, b in zip(_flat(eo), _flat(to)) if isinstance(b, torch.Tensor) and b.requires_grad]
    if not outs:
        return eo, to
    ws = [RNG.standard_normal(tuple(b.shape)) for _, b in outs]
    ember.autograd.backward([a for a, _ in outs], [ember.tensor(w, dtype=a.dtype) for (a, _), w in zip(outs, ws)])
    torch.autograd.backward([b for _, b in outs], [torch.tensor(w, dtype=b.dtype) for (_, b), w in zip(outs, ws)])
    for a, b in zip(E, T):
        if b.grad is None:
            assert a.grad is None or not a.grad.numpy().any()
        else:
            assert a.grad is not None
            cmp(a.grad, b.grad, tol=tol)
    return eo, to


def same_error(fn, *arrays, exact=True):
    """Both libraries raise the same exception type (and message)."""
    res = []
    for M in (ember, torch):
        ts = [M.tensor(a) for a in arrays]
        with pytest.raises(Exception) as ei, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(M, *ts)
        res.append(ei.value)
    assert type(res[0]) is type(res[1]), res
    if exact:
        assert str(res[0]) == str(res[1])


X3 = RNG.standard_normal((4, 5, 6))
X2 = RNG.standard_normal((5, 6))


# ---- advanced getitem ----------------------------------------------------------------------------
KEYS = [
    lambda M: [0, 2, 3],
    lambda M: M.tensor([[0, 1], [3, 3]]),
    lambda M: (slice(None), [0, 4]),
    lambda M: (0, slice(None), [0, 1]),
    lambda M: ([0, 1], slice(None), [0, 1]),
    lambda M: (slice(None), [0, 1], [1, 2]),
    lambda M: (Ellipsis, [0, 5]),
    lambda M: (Ellipsis, None, [0, 1]),
    lambda M: ([0], None, [0]),
    lambda M: (None, [0, 1]),
    lambda M: (slice(1, None), [0, 2], slice(None, None, 2)),
    lambda M: M.tensor([True, False, True, True]),
    lambda M: (slice(None), M.tensor([True, False, True, False, True])),
    lambda M: M.tensor(RNG.standard_normal((4, 5)) > 0) if M is ember else None,
    lambda M: ([], ),
    lambda M: ([-1, -4],),
    lambda M: (M.tensor([1, 2], dtype=M.int32),),
    lambda M: (np.array([0, 3]), 1),
    lambda M: (M.tensor(1), [0, 1], 1),
    lambda M: ([[0], [1]], [0, 1]),
    lambda M: True,
]


@pytest.mark.parametrize("k", range(len(KEYS)))
def test_advanced_getitem(k):
    key = KEYS[k]
    if k == 13:  # a random mask, built once for both
        mask = RNG.standard_normal((4, 5)) > 0
        key = lambda M: M.tensor(mask)  # noqa: E731
    run(lambda M, x: x[key(M)], X3, strides=True)


def test_getitem_noncontiguous_and_second_order():
    run(lambda M, x: x.transpose(0, 2)[[1, 0, 1], :, 2], X3)
    for M in (ember, torch):
        x = M.tensor(X2, requires_grad=True)
        y = (x[[0, 0, 3]] ** 2).sum()
        (g,) = M.autograd.grad(y, x, create_graph=True)
        g.sum().backward()
        if M is ember:
            ge, gge = g.detach().numpy().copy(), x.grad.numpy().copy()
        else:
            np.testing.assert_allclose(ge, g.detach().numpy())
            np.testing.assert_allclose(gge, x.grad.numpy())


def test_getitem_dtypes_and_empty():
    for dt in ("int64", "bool", "float32"):
        a = (RNG.standard_normal((3, 4)) * 3).astype(dt)
        run(lambda M, x: x[[2, 0]], a, grad=False)
    run(lambda M, x: x[[]], np.zeros((0, 3)), grad=False)
    run(lambda M, x: x[M.tensor([False, False, False])], X2[:3])


@pytest.mark.parametrize("fn", [
    lambda M, x: x[M.tensor([7])],
    lambda M, x: x[:, M.tensor([6])],
    lambda M, x: x[[0, 1], [0, 9]],
    lambda M, x: x[M.tensor([0.0])],
    lambda M, x: x[M.tensor([0], dtype=M.int16)],
    lambda M, x: x[M.tensor([True, False])],
    lambda M, x: x[[0, 1], [0, 1, 2]],
    lambda M, x: x[0, 1, [0]],
    lambda M, x: x[[-6]],
])
def test_getitem_errors(fn):
    same_error(fn, X2)


# ---- setitem -------------------------------------------------------------------------------------
SET_CASES = [
    (lambda M: 0, lambda M: 7.5),
    (lambda M: (slice(None), 1), lambda M: M.tensor(np.arange(5.0))),
    (lambda M: (slice(1, 3), slice(None, None, 2)), lambda M: M.tensor(np.ones((1, 1, 3)))),
    (lambda M: [0, 2], lambda M: M.tensor(np.arange(6.0))),
    (lambda M: ([0, 2], [1, 3]), lambda M: -1),
    (lambda M: M.tensor(X2 > 0.5), lambda M: 0.0),
    (lambda M: (slice(None), [4, 0]), lambda M: M.tensor(np.full((5, 1), 3.0))),
    (lambda M: Ellipsis, lambda M: 2),
    (lambda M: (1, [0, 1]), lambda M: M.tensor([1.0, 2.0], dtype=M.float64)),
    (lambda M: (None, 0), lambda M: True),
]


@pytest.mark.parametrize("i", range(len(SET_CASES)))
def test_setitem_values(i):
    kf, vf = SET_CASES[i]
    out = []
    for M in (ember, torch):
        x = M.tensor(X2.copy())
        v0 = x._version
        x[kf(M)] = vf(M)
        assert x._version > v0
        out.append(x)
    cmp(out[0], out[1])


def test_setitem_cast_and_int():
    for M in (ember, torch):
        x = M.zeros(4, dtype=M.int64)
        x[1] = 2.7
        x[[2]] = 5
        x[M.tensor([False, False, False, True])] = -3
        if M is ember:
            e = x
    cmp(e, x)
    same_error(lambda M, x: x.__setitem__([0], M.tensor([1.5])), np.zeros(3, np.int64))
    same_error(lambda M, x: x.__setitem__(slice(0, 2), M.ones(3)), np.zeros(3))
    same_error(lambda M, x: x.__setitem__([0, 1], M.ones(3)), np.zeros(3))
    same_error(lambda M, x: x.__setitem__(0, [1, 2]), np.zeros((2, 2)))


def test_setitem_writes_through_view():
    for M in (ember, torch):
        base = M.tensor(X2.copy())
        v = base[1:, ::2]
        v[0] = 100.0
        v[[1, 2], 0] = M.tensor([7.0, 8.0], dtype=M.float64)
        v.T[1] = -1.0
        if M is ember:
            e = base
    cmp(e, base)


@pytest.mark.parametrize("key", [lambda M: 0, lambda M: [1, 3], lambda M: (slice(None), 2),
                                 lambda M: M.tensor([True, False, True, False, True])])
def test_setitem_autograd(key):
    def f(M, leaf, y):
        x = leaf.clone()
        k = key(M)
        target_shape = x[k].shape
        x[k] = y[: target_shape[-1]] if len(target_shape) else y[0]
        return x * 2
    run(f, X2, RNG.standard_normal(6))


def test_setitem_autograd_into_view_of_nonleaf():
    def f(M, leaf, y):
        x = leaf * 1
        v = x[1:3]
        v[:, [0, 2]] = y
        return x, v
    run(f, X2, RNG.standard_normal((2, 2)))


def test_setitem_leaf_errors():
    for key in (0, [0], Ellipsis, slice(None), (0, [1])):
        same_error(lambda M, x: x.requires_grad_().__setitem__(key, 1.0), X2)


# ---- gather / scatter ----------------------------------------------------------------------------
IDX = RNG.integers(0, 5, (3, 6))
PERM = np.stack([RNG.permutation(5)[:3] for _ in range(6)], 1)  # unique per column


@pytest.mark.parametrize("dim", [0, -2])
def test_gather(dim):
    run(lambda M, x: M.gather(x, dim, M.tensor(IDX)), X2)
    run(lambda M, x: x.T.gather(1, M.tensor(IDX.T[:4])), X2)
    run(lambda M, x: x.gather(1, M.tensor(IDX[:, :2].astype(np.int32))), X2)


def test_gather_second_order():
    for M in (ember, torch):
        x = M.tensor(X2, requires_grad=True)
        y = (M.gather(x, 0, M.tensor(IDX)) ** 3).sum()
        (g,) = M.autograd.grad(y, x, create_graph=True)
        (gg,) = M.autograd.grad(g.sum(), x)
        if M is ember:
            ge = gg.numpy().copy()
    np.testing.assert_allclose(ge, gg.numpy())


def test_scatter_family():
    src = RNG.standard_normal((3, 6))
    run(lambda M, x, s: M.scatter(x, 0, M.tensor(PERM), s), X2, src)
    # a src larger than index is read only in its leading block (torch can't differentiate that)
    run(lambda M, x, s: M.scatter(x, 0, M.tensor(PERM[:2, :4]), s), X2, src, grad=False)
    run(lambda M, x: x.scatter(0, M.tensor(PERM), 2.5), X2)
    run(lambda M, x, s: x.scatter(0, M.tensor(IDX), s, reduce="add"), X2, src, grad=False)
    run(lambda M, x: x.scatter(0, M.tensor(IDX), 1.5, reduce="multiply"), X2, grad=False)
    run(lambda M, x, s: M.scatter_add(x, 0, M.tensor(IDX), s), X2, src)
    run(lambda M, x, s: x.T.scatter_add(1, M.tensor(IDX.T), s.T), X2, src)
    run(lambda M, x, s: x.clone().scatter_(0, M.tensor(PERM), s), X2, src)
    run(lambda M, x, s: x.clone().scatter_add_(0, M.tensor(IDX), s), X2, src)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    src = RNG.standard_normal((3, 6))
    x = X2.copy()
    if reduce == "prod":  # exercise the exact zero handling of the gradient
        x[0, 0] = 0.0
        src[1, 1] = 0.0
    run(lambda M, a, s: a.scatter_reduce(0, M.tensor(IDX), s, reduce, include_self=include_self), x, src)
    ints = RNG.integers(-5, 5, (5, 6))
    run(lambda M, a: a.scatter_reduce(0, M.tensor(IDX), M.tensor(ints[:3]), reduce,
                                      include_self=include_self), ints, grad=False)


def test_scatter_reduce_ties_and_inplace():
    x = np.zeros((2, 3))
    src = np.zeros((2, 3))
    run(lambda M, a, s: a.scatter_reduce(0, M.tensor([[0, 0, 1], [0, 1, 1]]), s, "amax"), x, src)
    run(lambda M, a, s: a.clone().scatter_reduce_(0, M.tensor([[0, 0, 1]]), s[:1], "sum"), x, src)


@pytest.mark.parametrize("fn", [
    lambda M, x: x.gather(1, M.tensor([0, 1])),
    lambda M, x: x.gather(0, M.tensor([[0, 1, 2, 3, 0, 1, 2]])),
    lambda M, x: x.gather(1, M.tensor([[0, 9]])),
    lambda M, x: x.gather(1, M.tensor([[0.0]])),
    lambda M, x: x.scatter(1, M.tensor([[0, 7]]), 1.0),
    lambda M, x: x.scatter(1, M.tensor([[0, 1]]), M.ones(1, 1, dtype=M.float64)),
    lambda M, x: x.scatter(1, M.tensor([[0, 1]]), M.ones(1, 2)),
    lambda M, x: x.scatter(1, M.tensor([[0, 1]]), 2.0, reduce="bad"),
    lambda M, x: x.scatter_reduce(1, M.tensor([[0]]), x, "bad"),
])
def test_gather_scatter_errors(fn):
    same_error(fn, X2)


# ---- index_select / index_add / index_copy / index_fill ------------------------------------------
def test_index_select():
    run(lambda M, x: M.index_select(x, 1, M.tensor([5, 0, 0, 2])), X2, strides=True)
    run(lambda M, x: x.T.index_select(-1, M.tensor([1], dtype=M.int32)), X2)
    run(lambda M, x: x.index_select(0, M.tensor(3)), X2)
    run(lambda M, x: x.index_select(0, M.tensor([], dtype=M.int64)), X2)


def test_index_add_copy_fill():
    i = np.array([4, 0, 2])
    src = RNG.standard_normal((5, 3))
    run(lambda M, x, s: x.index_add(1, M.tensor(i), s, alpha=2.0), X2, src)
    run(lambda M, x, s: M.index_add(x, 1, M.tensor([1, 1, 1]), s), X2, src)
    run(lambda M, x, s: x.index_copy(1, M.tensor(i), s), X2, src)
    run(lambda M, x: x.index_fill(1, M.tensor(i), -2.0), X2)
    run(lambda M, x, v: x.index_fill(0, M.tensor([1, 3]), v.sum()), X2, np.ones(2))
    run(lambda M, x, s: x.clone().index_add_(1, M.tensor(i), s), X2, src)
    run(lambda M, x, s: x.clone().index_copy_(1, M.tensor(i), s), X2, src)
    run(lambda M, x: x.clone().index_fill_(1, M.tensor(i), 3), X2)


def test_index_add_second_order():
    for M in (ember, torch):
        x = M.tensor(X2[:, :3], requires_grad=True)
        s = M.tensor(np.ones((5, 2)), requires_grad=True)
        y = (M.index_add(x, 1, M.tensor([0, 0]), s * s) ** 2).sum()
        gx, gs = M.autograd.grad(y, (x, s), create_graph=True)
        (h,) = M.autograd.grad((gx.sum() + gs.sum()), s)
        if M is ember:
            he = h.numpy().copy()
    np.testing.assert_allclose(he, h.numpy())


@pytest.mark.parametrize("fn", [
    lambda M, x: x.index_select(0, M.tensor([[0]])),
    lambda M, x: x.index_select(0, M.tensor([0.0])),
    lambda M, x: x.index_select(0, M.tensor([5])),
    lambda M, x: x.index_add(0, M.tensor([9]), M.ones(1, 6, dtype=M.float64)),
    lambda M, x: x.index_add(0, M.tensor([0]), M.ones(2, 6, dtype=M.float64)),
    lambda M, x: x.index_add(0, M.tensor([0]), M.ones(1, 6)),
    lambda M, x: x.index_add(0, M.tensor([[0]]), M.ones(1, 6, dtype=M.float64)),
    lambda M, x: x.index_copy(0, M.tensor([9]), M.ones(1, 6, dtype=M.float64)),
    lambda M, x: x.index_copy(0, M.tensor([0]), M.ones(2, 6, dtype=M.float64)),
    lambda M, x: x.index_fill(0, M.tensor([9]), 1),
    lambda M, x: x.index_fill(0, M.tensor([0]), M.ones(2)),
])
def test_index_op_errors(fn):
    same_error(fn, X2)


# ---- masks ---------------------------------------------------------------------------------------
MASK = RNG.standard_normal((5, 6)) > 0


def test_masked_fill_select_scatter():
    run(lambda M, x: x.masked_fill(M.tensor(MASK), -1.5), X2)
    run(lambda M, x: M.masked_fill(x, M.tensor(MASK[0]), 3), X2)
    run(lambda M, x, v: x.masked_fill(M.tensor(MASK), v.sum()), X2, np.ones(3))
    run(lambda M, x: x[:1].masked_fill(M.tensor(MASK), 0.0), X2)  # mask broadcasts the input
    run(lambda M, x: x.clone().masked_fill_(M.tensor(MASK[:1]), 9.0), X2)
    run(lambda M, x: M.masked_select(x, M.tensor(MASK)), X2)
    run(lambda M, x: x.T.masked_select(M.tensor(MASK.T[0])), X2)
    run(lambda M, x: x[0].masked_select(M.tensor(MASK)), X2)
    src = RNG.standard_normal(40)
    run(lambda M, x, s: x.masked_scatter(M.tensor(MASK), s), X2, src)
    run(lambda M, x, s: x.clone().masked_scatter_(M.tensor(MASK[1]), s[:30].reshape(5, 6)), X2, src)
    ints = RNG.integers(0, 9, (5, 6))
    run(lambda M, x: x.masked_fill(M.tensor(MASK), 2.9), ints, grad=False)


@pytest.mark.parametrize("fn", [
    lambda M, x: x.masked_fill(M.ones(6, dtype=M.uint8), 1.0),
    lambda M, x: x.masked_fill(M.ones(6, dtype=M.bool), M.ones(1)),
    lambda M, x: x.masked_fill(M.ones(7, dtype=M.bool), 1),
    lambda M, x: x.clone().masked_fill_(M.ones(2, 5, 6, dtype=M.bool), 1.0),
    lambda M, x: x.masked_select(M.ones(6, dtype=M.uint8)),
    lambda M, x: x.masked_scatter(M.ones(6, dtype=M.bool), M.ones(3, dtype=M.float64)),
    lambda M, x: x.masked_scatter(M.ones(6, dtype=M.bool), M.ones(30)),
])
def test_mask_errors(fn):
    same_error(fn, X2)


def test_nonzero_where_argwhere():
    a = (RNG.standard_normal((4, 5)) > 0.3) * RNG.integers(1, 4, (4, 5))
    run(lambda M, x: M.nonzero(x), a, grad=False, strides=True)
    run(lambda M, x: x.nonzero(as_tuple=True), a, grad=False)
    run(lambda M, x: M.where(x > 1), a, grad=False)
    run(lambda M, x: M.argwhere(x.T), a, grad=False)
    run(lambda M, x: (M.nonzero(x[0, 0]), M.nonzero(x[0, 0], as_tuple=True)), a, grad=False)
    run(lambda M, x: M.nonzero(x[:0]), a, grad=False)


# ---- take / put / take_along_dim / index_put -----------------------------------------------------
def test_take_put():
    run(lambda M, x: M.take(x, M.tensor([[0, 29], [-1, 7]])), X2)
    run(lambda M, x: x.T.take(M.tensor([3, 3, 4])), X2)
    run(lambda M, x, s: x.put(M.tensor([0, 29, 3]), s), X2, np.arange(3.0))
    run(lambda M, x, s: x.put(M.tensor([1, 1, 3]), s, accumulate=True), X2, np.arange(3.0))
    run(lambda M, x, s: x.clone().put_(M.tensor([[2, -1]]), s), X2, np.ones((1, 2)))
    for fn in (lambda M, x: x.take(M.tensor([30])), lambda M, x: x.take(M.tensor([1.0])),
               lambda M, x: x.put(M.tensor([1]), M.ones(2, dtype=M.float64)),
               lambda M, x: x.put(M.tensor([-31]), M.ones(1, dtype=M.float64))):
        same_error(fn, X2)
    same_error(lambda M, x: x.take(M.tensor([0])), np.zeros(0))


def test_take_along_dim():
    idx = np.argsort(X2, axis=1)
    run(lambda M, x: M.take_along_dim(x, M.tensor(idx), dim=1), X2)
    run(lambda M, x: M.take_along_dim(x, M.tensor(idx[:, :1]), dim=-1), X2)
    run(lambda M, x: M.take_along_dim(x, M.tensor([[0], [4]]), 0), X2)
    run(lambda M, x: M.take_along_dim(x, M.tensor([3, 7])), X2)
    for fn in (lambda M, x: M.take_along_dim(x, M.tensor([[0, 1]]), dim=0),
               lambda M, x: M.take_along_dim(x, M.tensor([[0]], dtype=M.int32), dim=0),
               lambda M, x: M.take_along_dim(x, M.tensor([0]), dim=0)):
        same_error(fn, X2)


def test_index_put():
    v = RNG.standard_normal(6)
    run(lambda M, x, s: x.index_put((M.tensor([0, 2]),), s), X2, v)
    run(lambda M, x, s: M.index_put(x, [M.tensor([0, 0]), M.tensor([1, 1])], s[:2], accumulate=True),
        X2, v)
    run(lambda M, x, s: x.clone().index_put_((M.tensor(MASK),), s.sum()), X2, v)
    run(lambda M, x, s: x.index_put((M.tensor(1), M.tensor([0, 1])), s[:2]), X2, v)
    same_error(lambda M, x: x.index_put((M.tensor([0]), None), M.ones(6)), X2)
    same_error(lambda M, x: x.index_put((M.tensor([0]),), M.tensor(1)), X2)


def test_inplace_ops_version_and_leaf_error():
    x = ember.tensor(X2.copy())
    v = x._version
    x.index_fill_(0, ember.tensor([0]), 1.0)
    x.masked_fill_(ember.tensor(MASK), 2.0)
    x.scatter_(0, ember.tensor(PERM), 1.0)
    x.put_(ember.tensor([0]), ember.tensor([3.0], dtype=ember.float64))
    assert x._version == v + 4
    same_error(lambda M, x: x.requires_grad_().index_fill_(0, M.tensor([0]), 1.0), X2)
    same_error(lambda M, x: x.requires_grad_().masked_fill_(M.tensor(MASK), 1.0), X2)
