"""Joining/rearranging ops vs torch: cat/stack family, flip/roll/rot90, repeat/tile/repeat_interleave,
tril/triu, broadcasting helpers, meshgrid, atleast_nd, block_diag, cartesian_prod, combinations."""
import warnings

import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch

pytestmark = requires_torch
RNG = np.random.default_rng(2)
A = RNG.standard_normal((2, 3))
B = RNG.standard_normal((4, 3))
C = RNG.standard_normal((2, 5))


def _flat(o):
    if isinstance(o, (tuple, list)):
        return [x for y in o for x in _flat(y)]
    return [o]


def cmp(e, t, strides=False, tol=1e-12):
    if isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t), (e, t)
        for a, b in zip(e, t):
            cmp(a, b, strides, tol)
        return
    if not isinstance(t, torch.Tensor):
        assert e == t, (e, t)
        return
    assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape), (e.shape, t.shape)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)
    if strides and t.numel():
        assert e.stride() == t.stride(), (e.stride(), t.stride())


def run(fn, *arrays, grad=True, strides=True):
    """fn(M, *leaves) for ember/torch; compare results (with strides) and leaf gradients."""
    E = [ember.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    T = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eo, to = fn(ember, *E), fn(torch, *T)
    cmp(eo, to, strides)
    pairs = [(a, b) for a, b in zip(_flat(eo), _flat(to)) if isinstance(b, torch.Tensor) and b.requires_grad]
    if grad and pairs:
        ws = [RNG.standard_normal(tuple(b.shape)) for _, b in pairs]
        ember.autograd.backward([a for a, _ in pairs], [ember.tensor(w, dtype=a.dtype) for (a, _), w in
                                                         zip(pairs, ws)])
        torch.autograd.backward([b for _, b in pairs], [torch.tensor(w, dtype=b.dtype) for (_, b), w in
                                                         zip(pairs, ws)])
        for a, b in zip(E, T):
            if b.grad is None:
                assert a.grad is None
            else:
                cmp(a.grad, b.grad)
    return eo, to


def same_error(fn, *arrays, exact=True):
    res = []
    for M in (ember, torch):
        with pytest.raises(Exception) as ei, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(M, *[M.tensor(a) for a in arrays])
        res.append(ei.value)
    assert type(res[0]) is type(res[1]), res
    if exact:
        assert str(res[0]) == str(res[1])


# ---- cat / stack ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda M, a, b, c: M.cat([a, b]),
    lambda M, a, b, c: M.cat((a, c), dim=1),
    lambda M, a, b, c: M.cat([a, c, a], -1),
    lambda M, a, b, c: M.cat([a.T, b.T], 1),
    lambda M, a, b, c: M.concat([a, b.int()], 0),
    lambda M, a, b, c: M.concatenate([a, b], axis=0),
    lambda M, a, b, c: M.cat([a, b], axis=0),
    lambda M, a, b, c: M.cat([a, M.zeros(0), b]),
    lambda M, a, b, c: M.cat([M.zeros(0, dtype=M.float64), M.zeros(0, dtype=M.int64)]),
    lambda M, a, b, c: M.cat([a[:, :0], c[:, :0]], 1),
    lambda M, a, b, c: M.cat([a.float(), b.half()]),
    lambda M, a, b, c: M.stack([a, a * 2]),
    lambda M, a, b, c: M.stack([a, a.T.contiguous().T], -1),
    lambda M, a, b, c: M.stack((a, a), 1),
    lambda M, a, b, c: M.hstack([a, c]),
    lambda M, a, b, c: M.hstack([a[0], b[0], a.sum()]),
    lambda M, a, b, c: M.vstack([a, b]),
    lambda M, a, b, c: M.vstack([a[0], b[1]]),
    lambda M, a, b, c: M.row_stack([a[0], a.sum().reshape(1).expand(3)]),
    lambda M, a, b, c: M.dstack([a, a]),
    lambda M, a, b, c: M.dstack([a[0], b[0]]),
    lambda M, a, b, c: M.column_stack([a[:, 0], c]),
    lambda M, a, b, c: M.column_stack([a.sum(), a.sum()]),
])
def test_cat_family(fn):
    run(fn, A, B, C)


def test_cat_int_bool_promotion():
    run(lambda M, a, b: M.cat([a, b]), np.arange(6).reshape(2, 3), np.ones((1, 3), bool), grad=False)
    run(lambda M, a, b: M.cat([a.int(), b]), np.arange(6).reshape(2, 3), np.ones((1, 3), bool), grad=False)


@pytest.mark.parametrize("fn", [
    lambda M, a, b: M.cat([a, M.zeros(3, 3)], 1),
    lambda M, a, b: M.cat([a, M.zeros(3)], 1),
    lambda M, a, b: M.cat([]),
    lambda M, a, b: M.cat([a], 2),
    lambda M, a, b: M.cat([a.sum()]),
    lambda M, a, b: M.cat([a, b.T], 0),
    lambda M, a, b: M.stack([a, b]),
    lambda M, a, b: M.stack([]),
    lambda M, a, b: M.stack([a, a], 3),
])
def test_cat_errors(fn):
    same_error(fn, A, B)


def test_cat_second_order():
    out = []
    for M in (ember, torch):
        a = M.tensor(A, requires_grad=True)
        b = M.tensor(B, requires_grad=True)
        y = (M.cat([a * a, b], 0) ** 2).sum()
        ga, gb = M.autograd.grad(y, (a, b), create_graph=True)
        (h,) = M.autograd.grad(ga.sum() + gb.sum(), a)
        out.append(h.numpy())
    np.testing.assert_allclose(out[0], out[1])


# ---- flip / roll / rot90 -------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda M, x: M.flip(x, (0,)),
    lambda M, x: x.flip(0, 1),
    lambda M, x: x.flip([-1]),
    lambda M, x: x.T.flip(0),
    lambda M, x: x.flip(()),
    lambda M, x: M.fliplr(x),
    lambda M, x: M.flipud(x[0]),
    lambda M, x: M.roll(x, 1),
    lambda M, x: M.roll(x, -7),
    lambda M, x: x.roll((1, 2), (0, 1)),
    lambda M, x: x.T.roll(1, 0),
    lambda M, x: x.roll(2, -1),
    lambda M, x: M.rot90(x),
    lambda M, x: M.rot90(x, 2),
    lambda M, x: M.rot90(x, 3),
    lambda M, x: M.rot90(x, -1, (1, 0)),
    lambda M, x: M.rot90(x, 4),
    lambda M, x: x.reshape(2, 3, 4).rot90(1, (0, 2)),
])
def test_flip_roll_rot90(fn):
    run(fn, RNG.standard_normal((4, 6)))


@pytest.mark.parametrize("fn", [
    lambda M, x: M.flip(x, (0, 0)),
    lambda M, x: M.fliplr(x[0]),
    lambda M, x: M.flipud(x.sum()),
    lambda M, x: M.roll(x, (1, 2), (0,)),
    lambda M, x: M.roll(x, [], []),
    lambda M, x: M.rot90(x, 1, [0, 1, 2]),
    lambda M, x: M.rot90(x, 1, [0, 0]),
    lambda M, x: M.rot90(x[0], 1),
])
def test_flip_errors(fn):
    same_error(fn, A)


# ---- repeat / tile / repeat_interleave -----------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda M, x: x.repeat(2, 1),
    lambda M, x: x.repeat(2, 1, 3),
    lambda M, x: x.repeat((1, 1)),
    lambda M, x: x.T.repeat(M.Size([2, 2])),
    lambda M, x: x.repeat(0, 2),
    lambda M, x: x.sum().repeat(3),
    lambda M, x: M.tile(x, (2,)),
    lambda M, x: x.tile((2, 1, 1)),
    lambda M, x: M.repeat_interleave(x, 2),
    lambda M, x: x.repeat_interleave(2, dim=1),
    lambda M, x: x.repeat_interleave(M.tensor([1, 0]), dim=0),
    lambda M, x: x.T.repeat_interleave(M.tensor([3]), dim=-1),
    lambda M, x: M.repeat_interleave(x.sum(), 3),
])
def test_repeat_family(fn):
    run(fn, A)


def test_repeat_interleave_counts_and_errors():
    run(lambda M, r: M.repeat_interleave(r), np.array([1, 0, 3]), grad=False)
    same_error(lambda M, x: x.repeat(2), A)
    same_error(lambda M, x: x.repeat(-1, 1), A)
    same_error(lambda M, x: M.repeat_interleave(x, M.tensor([1, 2]), dim=1), A)
    same_error(lambda M, x: M.repeat_interleave(x, M.tensor([1, -2]), dim=0), A)


# ---- tril / triu ---------------------------------------------------------------------------------
@pytest.mark.parametrize("k", [0, 1, -1, 5, -5])
def test_tril_triu(k):
    run(lambda M, x: (M.tril(x, k), x.triu(k), x.T.tril(k)), B)
    run(lambda M, x: (x.tril(k), M.triu(x, diagonal=k)), RNG.standard_normal((2, 3, 4)))
    run(lambda M, x: x.tril(k), np.arange(12).reshape(3, 4), grad=False)
    run(lambda M, x: (x * 1).tril_(k) + (x * 1).triu_(k), B)
    same_error(lambda M, x: x.tril(), A[0])
    same_error(lambda M, x: x.triu(), A[0])


# ---- broadcasting --------------------------------------------------------------------------------
def test_broadcast_shapes():
    for shapes in [((2, 3), (1, 3)), ((3,), (4, 1, 1), ()), (5, (2, 1)), ((0, 1), (3,)), ()]:
        assert ember.broadcast_shapes(*shapes) == torch.broadcast_shapes(*shapes)
        assert repr(ember.broadcast_shapes(*shapes)) == repr(torch.broadcast_shapes(*shapes))
    for shapes in [((2, 3), (3, 2)), ((2, 3), (1, 3), 5), ((2, -1), (1, 3))]:
        with pytest.raises(Exception) as ee:
            ember.broadcast_shapes(*shapes)
        with pytest.raises(Exception) as te:
            torch.broadcast_shapes(*shapes)
        assert type(ee.value) is type(te.value)
        assert str(ee.value) == str(te.value)


def test_broadcast_tensors():
    run(lambda M, a, b: M.broadcast_tensors(a, b), A, RNG.standard_normal((4, 1, 1)))
    run(lambda M, a, b: M.broadcast_tensors(a[0], b[:, :1], a.sum()), A, B)
    same_error(lambda M, a, b: M.broadcast_tensors(a, b), A, B)


@pytest.mark.parametrize("indexing", ["ij", "xy", None])
def test_meshgrid(indexing):
    kw = {} if indexing is None else {"indexing": indexing}
    run(lambda M, a, b, c: M.meshgrid(a, b, c, **kw), np.arange(2.0), np.arange(3.0), np.arange(4.0))
    run(lambda M, a, b: M.meshgrid([a, b.sum()], **kw), np.arange(2.0), np.arange(3.0))
    run(lambda M, a: M.meshgrid(a, **kw), np.arange(2.0))
    with pytest.raises(RuntimeError, match="indexing must be one of"):
        ember.meshgrid(ember.zeros(2), indexing="foo")
    with pytest.raises(RuntimeError, match="Expected 0D or 1D tensor"):
        ember.meshgrid(ember.zeros(2), ember.zeros(2, 2), indexing="ij")
    if indexing is None:
        with pytest.warns(UserWarning, match="indexing argument"):
            ember.meshgrid(ember.zeros(2), ember.zeros(3))


# ---- atleast_nd / block_diag / cartesian_prod / combinations / narrow_copy -----------------------
@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
def test_atleast(name):
    for fn in (lambda M, x: getattr(M, name)(x.sum()), lambda M, x: getattr(M, name)(x[0]),
               lambda M, x: getattr(M, name)(x), lambda M, x: getattr(M, name)(x.reshape(1, 2, 3)),
               lambda M, x: getattr(M, name)(x, x[0]), lambda M, x: getattr(M, name)([x.sum(), x])):
        run(fn, A)


def test_block_diag():
    run(lambda M, a, b: M.block_diag(a, b[0], a.sum(), b.int()), A, B)
    run(lambda M, a, b: M.block_diag(a.T, a[:0]), A, B)
    run(lambda M: M.block_diag(), grad=False)
    same_error(lambda M, a: M.block_diag(a.reshape(1, 2, 3)), A)


def test_cartesian_prod_and_combinations():
    run(lambda M, a, b: M.cartesian_prod(a, b), np.arange(2.0), np.arange(3.0))
    run(lambda M, a, b: M.cartesian_prod(a, b, a), np.arange(2.0), np.arange(3.0))
    run(lambda M, a: M.cartesian_prod(a), np.arange(2.0), strides=False)
    same_error(lambda M, a: M.cartesian_prod(a), A)
    x = RNG.standard_normal(5)
    for r in (1, 2, 3, 6):
        for wr in (False, True):
            run(lambda M, a: M.combinations(a, r, with_replacement=wr), x)


def test_narrow_copy():
    eo, to = run(lambda M, x: x.T.narrow_copy(1, 1, 2), B)
    assert eo._base is None and eo.is_contiguous()
    run(lambda M, x: M.narrow_copy(x, 0, 1, 2), B)
