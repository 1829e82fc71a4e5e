"""Oracle tests for ember/ops/extra*.py: torch.* odds and ends, extra math, torch-level nn aliases."""
import math

import numpy as np
import pytest

import ember
from tests._oracle import torch, requires_torch

pytestmark = requires_torch


def _rng(seed=0):
    return np.random.default_rng(seed)


def _pair(arr, requires_grad=False):
    return (ember.tensor(arr, requires_grad=requires_grad), torch.tensor(arr, requires_grad=requires_grad))


def _close(e, t, atol=1e-6, rtol=1e-5):
    if isinstance(t, (tuple, list)):
        assert len(e) == len(t)
        for a, b in zip(e, t):
            _close(a, b, atol, rtol)
        return
    assert tuple(e.shape) == tuple(t.shape), (e.shape, t.shape)
    assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), atol=atol, rtol=rtol, equal_nan=True)


def _grad_check(fe, ft, arr, atol=1e-8, **kw):
    """Forward and float64 gradient agree with torch for the same upstream gradient."""
    xe, xt = _pair(arr, True)
    ye, yt = fe(xe, **kw), ft(xt, **kw)
    _close(ye, yt, atol=atol)
    g = _rng(7).standard_normal(tuple(yt.shape))
    (ye * ember.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), atol=atol, rtol=1e-6)


# ---- quantile / nanquantile ---------------------------------------------------------------------
@pytest.mark.parametrize("interp", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (None, True), (0, False), (-1, True), (1, False)])
def test_quantile_matches(interp, dim, keepdim):
    a = _rng(1).standard_normal((4, 7))
    for q in (0.3, [0.0, 0.25, 0.5, 1.0]):
        qe = ember.tensor(q, dtype=ember.float64) if isinstance(q, list) else q
        qt = torch.tensor(q, dtype=torch.float64) if isinstance(q, list) else q
        xe, xt = _pair(a)
        _close(ember.quantile(xe, qe, dim=dim, keepdim=keepdim, interpolation=interp),
               torch.quantile(xt, qt, dim=dim, keepdim=keepdim, interpolation=interp), atol=1e-12)


def test_quantile_grad_and_method():
    a = _rng(2).standard_normal((3, 5))
    _grad_check(lambda x: x.quantile(0.4, dim=1), lambda x: x.quantile(0.4, dim=1), a)
    _grad_check(lambda x: ember.quantile(x, ember.tensor([0.1, 0.9], dtype=ember.float64)),
                lambda x: torch.quantile(x, torch.tensor([0.1, 0.9], dtype=torch.float64)), a)


def test_nanquantile_and_nan_propagation():
    a = _rng(3).standard_normal((3, 6))
    a[0, 2] = np.nan
    a[2, :] = np.nan
    xe, xt = _pair(a)
    for dim in (None, 1, 0):
        _close(ember.nanquantile(xe, 0.5, dim=dim), torch.nanquantile(xt, 0.5, dim=dim), atol=1e-12)
        _close(ember.quantile(xe, 0.5, dim=dim), torch.quantile(xt, 0.5, dim=dim), atol=1e-12)


def test_quantile_errors():
    x = ember.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="float or double"):
        ember.quantile(x, 0.5)
    with pytest.raises(RuntimeError, match=r"range \[0, 1\]"):
        ember.quantile(x.double(), 1.5)
    with pytest.raises(ValueError, match="interpolation"):
        ember.quantile(x.double(), 0.5, interpolation="cubic")


# ---- logcumsumexp / renorm / dist / frexp ------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_logcumsumexp(dim):
    a = _rng(4).standard_normal((4, 5)) * 3
    a[1, 1] = 800.0  # stays finite where a naive exp would overflow
    _grad_check(lambda x: ember.logcumsumexp(x, dim), lambda x: torch.logcumsumexp(x, dim), a)
    xe, xt = _pair(a.T.copy())  # method, non-contiguous via transpose
    _close(xe.t().logcumsumexp(dim), xt.t().logcumsumexp(dim), atol=1e-10)


def test_logcumsumexp_double_backward():
    a = _rng(5).standard_normal(6)
    xe, xt = _pair(a, True)
    ge, = ember.autograd.grad(ember.logcumsumexp(xe, 0).sum(), xe, create_graph=True)
    gt, = torch.autograd.grad(torch.logcumsumexp(xt, 0).sum(), xt, create_graph=True)
    _close(ge, gt, atol=1e-10)
    (ge * ember.arange(6.0, dtype=ember.float64)).sum().backward()
    (gt * torch.arange(6.0, dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), atol=1e-9)


def test_logcumsumexp_int_and_0d():
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        ember.logcumsumexp(ember.tensor([1, 2, 3]), 0)
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        torch.logcumsumexp(torch.tensor([1, 2, 3]), 0)
    _close(ember.logcumsumexp(ember.tensor(2.0), 0), torch.logcumsumexp(torch.tensor(2.0), 0))


@pytest.mark.parametrize("p,dim,maxnorm", [(2, 0, 1.0), (1, 1, 0.5), (3, -1, 2.0)])
def test_renorm(p, dim, maxnorm):
    a = _rng(6).standard_normal((3, 4))
    xe, xt = _pair(a)
    _close(ember.renorm(xe, p, dim, maxnorm), torch.renorm(xt, p, dim, maxnorm), atol=1e-6)
    xe.renorm_(p, dim, maxnorm)
    xt.renorm_(p, dim, maxnorm)
    _close(xe, xt, atol=1e-6)


def test_dist_and_frexp():
    a, b = _rng(7).standard_normal((2, 3, 4))
    for p in (2, 1, 0, math.inf, 3.5):
        _close(ember.dist(ember.tensor(a), ember.tensor(b), p), torch.dist(torch.tensor(a), torch.tensor(b), p))
    x = np.array([0.0, 1.0, -3.5, 1e-30, 1000.0], dtype=np.float32)
    me, ee = ember.frexp(ember.tensor(x))
    mt, et = torch.frexp(torch.tensor(x))
    _close(me, mt)
    _close(ee, et)
    assert ember.tensor(x).frexp().mantissa.dtype == ember.float32


# ---- isin / unravel_index / histogram / gradient / cumulative_trapezoid ------------------------
def test_isin_unravel():
    e, t = ember.tensor([[1, 2], [3, 4]]), torch.tensor([[1, 2], [3, 4]])
    _close(ember.isin(e, ember.tensor([2, 3])), torch.isin(t, torch.tensor([2, 3])))
    _close(ember.isin(e, ember.tensor([2, 3]), invert=True), torch.isin(t, torch.tensor([2, 3]), invert=True))
    _close(ember.isin(e, 4), torch.isin(t, 4))
    for idx, shape in ((ember.tensor([0, 5, 11]), (3, 4)), (ember.tensor(7), (2, 2, 2))):
        r = ember.unravel_index(idx, shape)
        rt = torch.unravel_index(torch.tensor(idx.numpy()), shape)
        _close(r, rt)


def test_histogram():
    a = _rng(8).standard_normal(50).astype(np.float32)
    xe, xt = _pair(a)
    _close(ember.histogram(xe, 5), torch.histogram(xt, 5))
    _close(ember.histogram(xe, 4, range=(-1.0, 1.0), density=True),
           torch.histogram(xt, 4, range=(-1.0, 1.0), density=True))
    be = ember.tensor([-2.0, 0.0, 0.5, 2.0])
    _close(xe.histogram(be), xt.histogram(torch.tensor([-2.0, 0.0, 0.5, 2.0])))


@pytest.mark.parametrize("kw", [{}, {"spacing": 2.0}, {"dim": 1}, {"edge_order": 2}, {"spacing": [0.5, 2.0]}])
def test_gradient(kw):
    a = _rng(9).standard_normal((4, 5))
    re = ember.gradient(ember.tensor(a), **kw)
    rt = torch.gradient(torch.tensor(a), **kw)
    _close(re, rt, atol=1e-10)


def test_gradient_coordinates_and_cumtrapz():
    y = _rng(10).standard_normal((3, 6))
    c = np.cumsum(_rng(11).uniform(0.1, 1.0, 6))
    re = ember.gradient(ember.tensor(y), spacing=(ember.tensor(c),), dim=1)
    rt = torch.gradient(torch.tensor(y), spacing=(torch.tensor(c),), dim=1)
    _close(re, rt, atol=1e-10)
    _grad_check(lambda t: ember.cumulative_trapezoid(t), lambda t: torch.cumulative_trapezoid(t), y)
    _close(ember.cumulative_trapezoid(ember.tensor(y), ember.tensor(c)),
           torch.cumulative_trapezoid(torch.tensor(y), torch.tensor(c)), atol=1e-12)
    _close(ember.cumulative_trapezoid(ember.tensor(y), dx=0.5, dim=0),
           torch.cumulative_trapezoid(torch.tensor(y), dx=0.5, dim=0), atol=1e-12)


# ---- *_scatter / index_reduce / fill_diagonal_ --------------------------------------------------
def test_scatter_family_values_and_grads():
    a = _rng(12).standard_normal((4, 4))
    src = _rng(13).standard_normal(4)
    cases = [
        (lambda x, s: ember.diagonal_scatter(x, s), lambda x, s: torch.diagonal_scatter(x, s), src),
        (lambda x, s: ember.diagonal_scatter(x, s, 1), lambda x, s: torch.diagonal_scatter(x, s, 1), src[:3]),
        (lambda x, s: ember.select_scatter(x, s, 1, 2), lambda x, s: torch.select_scatter(x, s, 1, 2), src),
        (lambda x, s: ember.slice_scatter(x, s, 0, 1, 4, 2), lambda x, s: torch.slice_scatter(x, s, 0, 1, 4, 2),
         _rng(14).standard_normal((2, 4))),
        (lambda x, s: x.as_strided_scatter(s, (2, 2), (1, 2), 1),
         lambda x, s: x.as_strided_scatter(s, (2, 2), (1, 2), 1), _rng(15).standard_normal((2, 2))),
    ]
    for k, (fe, ft, s) in enumerate(cases):
        xe, xt = _pair(a, True)
        se, st = _pair(s, True)
        ye, yt = fe(xe, se), ft(xt, st)
        _close(ye, yt)
        g = _rng(16).standard_normal((4, 4))
        (ye * ember.tensor(g)).sum().backward()
        (yt * torch.tensor(g)).sum().backward()
        if k == 4:  # torch 2.13 routes as_strided_scatter's input grad into (not around) the region
            expect = g.copy()
            expect.reshape(-1)[[1, 2, 3, 4]] = 0
            np.testing.assert_allclose(xe.grad.numpy(), expect)
        else:
            _close(xe.grad, xt.grad)
        _close(se.grad, st.grad)


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce(reduce, include_self):
    a = _rng(17).standard_normal((5, 3))
    src = _rng(18).standard_normal((4, 3))
    idx = [0, 4, 0, 2]
    xe, xt = _pair(a)
    re = xe.index_reduce(0, ember.tensor(idx), ember.tensor(src), reduce, include_self=include_self)
    rt = xt.index_reduce(0, torch.tensor(idx), torch.tensor(src), reduce, include_self=include_self)
    _close(re, rt, atol=1e-12)
    xe.index_reduce_(1, ember.tensor([2, 0]), ember.tensor(a[:, :2].copy()), reduce)
    xt.index_reduce_(1, torch.tensor([2, 0]), torch.tensor(a[:, :2].copy()), reduce)
    _close(xe, xt, atol=1e-12)


@pytest.mark.parametrize("shape,wrap", [((3, 3), False), ((5, 3), False), ((7, 3), True), ((3, 5), True),
                                        ((3, 3, 3), False)])
def test_fill_diagonal_(shape, wrap):
    e, t = ember.zeros(shape), torch.zeros(shape)
    r = e.fill_diagonal_(2.5, wrap=wrap)
    t.fill_diagonal_(2.5, wrap=wrap)
    assert r is e
    _close(e, t)


# ---- windows / creation -------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
                                  "kaiser_window"])
@pytest.mark.parametrize("n,periodic", [(0, True), (1, True), (8, True), (9, False)])
def test_windows(name, n, periodic):
    _close(getattr(ember, name)(n, periodic), getattr(torch, name)(n, periodic), atol=1e-6)
    _close(getattr(ember, name)(n, periodic, dtype=ember.float64),
           getattr(torch, name)(n, periodic, dtype=torch.float64), atol=1e-12)


def test_empty_strided_permuted_frombuffer():
    e, t = ember.empty_strided((2, 3), (1, 2)), torch.empty_strided((2, 3), (1, 2))
    assert e.shape == t.shape and e.stride() == t.stride() and e.dtype == ember.float32
    e, t = ember.empty_permuted((2, 3, 4), (0, 2, 1)), torch.empty_permuted((2, 3, 4), (0, 2, 1))
    assert e.shape == t.shape and e.stride() == t.stride()
    buf = bytearray(np.arange(6, dtype=np.int32).tobytes())
    e = ember.frombuffer(buf, dtype=ember.int32, count=4, offset=4)
    t = torch.frombuffer(bytearray(buf), dtype=torch.int32, count=4, offset=4)
    _close(e, t)
    e[0] = 99  # shares the buffer's memory
    assert np.frombuffer(bytes(buf), dtype=np.int32)[1] == 99


def test_binomial_range_and_seed():
    ember.manual_seed(0)
    c = ember.full((1000,), 10.0)
    r = ember.binomial(c, ember.full((1000,), 0.3))
    assert r.dtype == ember.float32 and float(r.min()) >= 0 and float(r.max()) <= 10
    assert abs(float(r.mean()) - 3.0) < 0.3
    ember.manual_seed(0)
    assert bool((ember.binomial(c, ember.full((1000,), 0.3)) == r).all())


def test_cholesky_helpers_and_triangular_solve():
    m = _rng(19).standard_normal((3, 3))
    A = m @ m.T + 3 * np.eye(3)
    B = _rng(20).standard_normal((3, 2))
    Le, Lt = ember.linalg.cholesky(ember.tensor(A)), torch.linalg.cholesky(torch.tensor(A))
    _close(ember.cholesky_inverse(Le), torch.cholesky_inverse(Lt), atol=1e-10)
    _close(ember.cholesky_solve(ember.tensor(B), Le), torch.cholesky_solve(torch.tensor(B), Lt), atol=1e-10)
    U = Le.mT.contiguous()
    _close(ember.cholesky_solve(ember.tensor(B), U, upper=True),
           torch.cholesky_solve(torch.tensor(B), torch.tensor(U.numpy()), upper=True), atol=1e-10)
    for upper, trans, unit in ((True, False, False), (False, True, False), (True, True, True)):
        re = ember.triangular_solve(ember.tensor(B), ember.tensor(A), upper, trans, unit)
        rt = torch.triangular_solve(torch.tensor(B), torch.tensor(A), upper, trans, unit)
        _close(re.solution, rt.solution, atol=1e-10)
        _close(re.cloned_coefficient, rt.cloned_coefficient)
    _close(ember.nuclear_norm(ember.tensor(A)), torch.nuclear_norm(torch.tensor(A)), atol=1e-10)


# ---- special functions at torch level ------------------------------------------------------------
def test_i0_igamma_polygamma_mvlgamma():
    x = np.array([0.3, 1.0, 2.5, 4.0])
    _grad_check(ember.i0, torch.i0, x)
    _grad_check(lambda t: ember.polygamma(1, t), lambda t: torch.polygamma(1, t), x)
    _grad_check(lambda t: t.mvlgamma(2), lambda t: t.mvlgamma(2), x + 1)
    a = np.array([0.5, 1.0, 2.0, 3.0])
    _grad_check(lambda t: ember.igamma(ember.tensor(a), t), lambda t: torch.igamma(torch.tensor(a), t), x)
    _grad_check(lambda t: ember.igammac(ember.tensor(a), t), lambda t: torch.igammac(torch.tensor(a), t), x)
    _close(ember.tensor([1, 2]).i0(), torch.tensor([1, 2]).i0())
    with pytest.raises(RuntimeError, match=r"\(p-1\)/2"):
        ember.mvlgamma(ember.tensor([0.2]), 3)


# ---- in-place aliases, flags, small predicates ------------------------------------------------------
@pytest.mark.parametrize("name", ["abs_", "exp_", "sin_", "sqrt_", "floor_", "clamp_", "sigmoid_", "neg_",
                                  "trunc_", "log1p_", "zero_"])
def test_inplace_top_level(name):
    a = np.abs(_rng(21).standard_normal((2, 3))) + 0.1
    e, t = ember.tensor(a), torch.tensor(a)
    args = (0.2, 0.8) if name == "clamp_" else ()
    r = getattr(ember, name)(e, *args)
    getattr(torch, name)(t, *args)
    assert r is e
    _close(e, t)


def test_flags_roundtrip():
    assert not ember.are_deterministic_algorithms_enabled()
    ember.use_deterministic_algorithms(True, warn_only=True)
    try:
        assert ember.are_deterministic_algorithms_enabled()
        assert ember.is_deterministic_algorithms_warn_only_enabled()
        assert ember.get_deterministic_debug_mode() == 1
    finally:
        ember.use_deterministic_algorithms(False)
    assert ember.get_deterministic_debug_mode() == 0
    ember.set_float32_matmul_precision("high")
    assert ember.get_float32_matmul_precision() == "high"
    ember.set_float32_matmul_precision("highest")
    with pytest.raises(RuntimeError):
        ember.set_deterministic_debug_mode("loud")
    assert str(ember.get_default_device()) == str(torch.get_default_device()) == "cpu"
    ember.set_default_device("cpu")
    ember.set_default_device(None)
    assert ember.compile(math.sin) is math.sin
    assert ember.compile(mode="max-autotune")(math.cos) is math.cos


def test_predicates_and_conveniences():
    a = _rng(22).standard_normal((2, 3))
    e, t = _pair(a)
    assert ember.is_same_size(e, e.clone()) and not ember.is_same_size(e, e.t())
    assert ember.is_signed(e) == torch.is_signed(t) and not ember.is_signed(ember.tensor([1], dtype=ember.uint8))
    assert ember.typename(e) == torch.typename(t) == "torch.DoubleTensor"
    assert ember.typename(ember.tensor([1])) == "torch.LongTensor"
    assert ember.typename(3) == torch.typename(3)
    assert e.get_device() == t.get_device() == -1
    assert e.dim_order() == t.dim_order() and e.t().dim_order() == t.t().dim_order()
    assert ember.ones(2, 3, 4).permute(2, 0, 1).dim_order() == torch.ones(2, 3, 4).permute(2, 0, 1).dim_order()
    _close(ember.ravel(e.t()), torch.ravel(t.t()))
    _close(ember.adjoint(e), torch.adjoint(t))
    _close(e.type_as(ember.tensor([1])), t.type_as(torch.tensor([1])))
    _close(e.sum_to_size(1, 3), t.sum_to_size(1, 3))
    _close(e.sum_to_size((2, 1)), t.sum_to_size((2, 1)))
    _close(ember.fill(e, 2.0), torch.fill(t, 2.0))
    assert e.is_set_to(e) and not e.is_set_to(e.clone())
    assert not e.is_pinned() and not e.is_shared() and e.share_memory_().is_shared()
    assert e.output_nr == 0 and e.to_dense() is e
    assert ember.e == torch.e and ember.pi == torch.pi and ember.inf == torch.inf and ember.newaxis is None
    assert math.isnan(ember.nan)
    assert isinstance(ember.strided, ember.layout)


def test_apply_map():
    a = _rng(23).standard_normal((2, 3))
    e, t = _pair(a)
    e.t().apply_(lambda v: v * 2 + 1)  # non-contiguous view writes through
    t.t().apply_(lambda v: v * 2 + 1)
    _close(e, t)
    b = _rng(24).standard_normal(3)
    e.map_(ember.tensor(b), lambda x, y: x - y)
    t.map_(torch.tensor(b), lambda x, y: x - y)
    _close(e, t)
    e.map2_(ember.tensor(b), ember.tensor(a), lambda x, y, z: x * y + z)
    t.map2_(torch.tensor(b), torch.tensor(a), lambda x, y, z: x * y + z)
    _close(e, t)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        ember.ones(2, requires_grad=True).apply_(lambda v: v)


@pytest.mark.parametrize("op,args", [("t_", ()), ("transpose_", (0, 1)), ("swapaxes_", (1, 0)),
                                     ("squeeze_", ()), ("unsqueeze_", (1,)), ("as_strided_", ((3, 2), (1, 3)))])
def test_inplace_view_ops(op, args):
    a = _rng(25).standard_normal((2, 3))
    xe, xt = _pair(a, True)
    ye, yt = xe * 2, xt * 2
    ve, vt = ye._version, yt._version
    re = getattr(ye, op)(*args)
    getattr(yt, op)(*args)
    assert re is ye
    assert ye.shape == tuple(yt.shape) and ye.stride() == yt.stride()
    assert (ye._version > ve) == (yt._version > vt)
    _close(ye, yt)
    g = _rng(26).standard_normal(tuple(yt.shape))
    (ye * ember.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    _close(xe.grad, xt.grad)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        getattr(ember.ones(2, 3, requires_grad=True), op)(*args)


def test_set_and_new_and_subclass():
    a = ember.arange(6.0)
    b = ember.empty(0)
    b.set_(a)
    assert b.data_ptr() == a.data_ptr() and b.shape == a.shape
    c = ember.empty(0).set_(a.untyped_storage(), 2, (2, 2), (1, 2))
    t = torch.empty(0).set_(torch.arange(6.0).untyped_storage(), 2, (2, 2), (1, 2))
    _close(c, t)
    assert a.new(2, 3).shape == (2, 3) and a.new(2).dtype == ember.float32
    e2 = a.new_empty_strided((2, 2), (1, 2))
    assert e2.stride() == (1, 2)

    class Sub(ember.Tensor):
        pass
    s = a.as_subclass(Sub)
    assert type(s) is Sub and s.data_ptr() == a.data_ptr()


def test_softmax_methods_and_top_level():
    a = _rng(27).standard_normal((3, 4))
    _grad_check(lambda x: x.softmax(-1), lambda x: x.softmax(-1), a)
    _grad_check(lambda x: x.log_softmax(0), lambda x: x.log_softmax(0), a)
    _grad_check(lambda x: ember.softmax(x, 1, dtype=ember.float32).double(),
                lambda x: torch.softmax(x, 1, dtype=torch.float32).double(), a, atol=1e-6)
    _grad_check(lambda x: ember.log_softmax(x, 1), lambda x: torch.log_softmax(x, 1), a)
    _grad_check(lambda x: x.hardshrink(0.3), lambda x: x.hardshrink(0.3), a)


def test_vmap():
    a, b = _rng(28).standard_normal((2, 2, 4, 3))
    re = ember.vmap(lambda x, y: (x * y).sum())(ember.tensor(a), ember.tensor(b))
    rt = torch.vmap(lambda x, y: (x * y).sum())(torch.tensor(a), torch.tensor(b))
    _close(re, rt)
    re = ember.vmap(lambda x, y: x @ y, in_dims=(1, None))(ember.tensor(a), ember.tensor(b[0].T.copy()))
    rt = torch.vmap(lambda x, y: x @ y, in_dims=(1, None))(torch.tensor(a), torch.tensor(b[0].T.copy()))
    _close(re, rt)
    re = ember.vmap(lambda x: (x, x * 2), out_dims=(0, 1))(ember.tensor(a))
    rt = torch.vmap(lambda x: (x, x * 2), out_dims=(0, 1))(torch.tensor(a))
    _close(re, rt)
    with pytest.raises(ValueError):
        ember.vmap(lambda x, y: x)(ember.ones(2), ember.ones(3))


# ---- torch-level spellings of nn.functional ------------------------------------------------------------
def test_nn_aliases():
    r = _rng(29)
    x = r.standard_normal((2, 4, 6))
    w = r.standard_normal((3, 4, 3))
    xe, xt = _pair(x)
    _close(ember.conv1d(xe, ember.tensor(w), None, 1, 1), torch.conv1d(xt, torch.tensor(w), None, 1, 1), atol=1e-10)
    _close(ember.max_pool1d(xe, 2), torch.max_pool1d(xt, 2))
    _close(ember.avg_pool1d(xe, 3, 2), torch.avg_pool1d(xt, 3, 2))
    _close(ember.adaptive_max_pool1d(xe, 3), torch.adaptive_max_pool1d(xt, 3))
    _close(ember.layer_norm(xe, (6,)), torch.layer_norm(xt, (6,)), atol=1e-6)
    _close(ember.group_norm(xe, 2), torch.group_norm(xt, 2), atol=1e-6)
    _close(ember.channel_shuffle(xe, 2), torch.channel_shuffle(xt, 2))
    _close(ember.dropout(xe, 0.5, False), torch.dropout(xt, 0.5, False))
    _close(ember.threshold(xe, 0.1, 20.0), torch.threshold(xt, 0.1, 20.0))
    _close(ember.selu(xe), torch.selu(xt))
    _close(ember.celu(xe, 0.5), torch.celu(xt, 0.5))
    emb = r.standard_normal((5, 3))
    _close(ember.embedding(ember.tensor(emb), ember.tensor([[0, 4], [2, 2]])),
           torch.embedding(torch.tensor(emb), torch.tensor([[0, 4], [2, 2]])))
    rm, rv = np.zeros(4), np.ones(4)
    _close(ember.batch_norm(xe, None, None, ember.tensor(rm), ember.tensor(rv), False, 0.1, 1e-5, False),
           torch.batch_norm(xt, None, None, torch.tensor(rm), torch.tensor(rv), False, 0.1, 1e-5, False))
    tgt = r.uniform(size=(2, 4, 6))
    for red in (0, 1, 2):
        _close(ember.binary_cross_entropy_with_logits(xe, ember.tensor(tgt), None, None, red),
               torch.binary_cross_entropy_with_logits(xt, torch.tensor(tgt), None, None, red), atol=1e-10)
        _close(ember.kl_div(xe, ember.tensor(tgt), red), torch.kl_div(xt, torch.tensor(tgt), red), atol=1e-10)
    p = r.standard_normal((5, 3))
    _grad_check(ember.pdist, torch.pdist, p)
    _grad_check(lambda t: ember.pdist(t, 1.0), lambda t: torch.pdist(t, 1.0), p)
    _close(ember.cosine_similarity(ember.tensor(p), ember.tensor(p[::-1].copy())),
           torch.cosine_similarity(torch.tensor(p), torch.tensor(p[::-1].copy())))
    _close(ember.pixel_shuffle(ember.ones(1, 4, 2, 2), 2), torch.pixel_shuffle(torch.ones(1, 4, 2, 2), 2))


def test_feature_dropout_masks_whole_channels():
    ember.manual_seed(1)
    x = ember.ones(4, 8, 5)
    y = ember.feature_dropout(x, 0.5, True)
    per_channel = y.reshape(32, 5)
    assert bool(((per_channel == 0).all(1) | (per_channel == 2).all(1)).all())
    assert ember.feature_dropout(x, 0.5, False) is x
    ember.dropout_(x, 0.0, True)
    assert bool((x == 1).all())


def test_from_file_private_and_shared(tmp_path):
    # copy-on-write by default (the file keeps its bytes), shared=True writes through and creates
    from tests._oracle import torch_or_skip
    torch = torch_or_skip()
    path = tmp_path / "data.bin"
    np.arange(10, dtype=np.float32).tofile(path)
    for L in (ember, torch):
        assert L.from_file(str(path), size=10).tolist() == list(range(10))
        assert L.from_file(str(path), size=0).shape == (0,)
        assert L.from_file(str(path), size=3, dtype=L.int16).tolist() == [0, 0, 0]
    t = ember.from_file(str(path), shared=False, size=4)
    t[0] = 99
    assert np.fromfile(path, np.float32)[0] == 0
    t = ember.from_file(str(path), shared=True, size=4)
    t[0] = 99
    del t
    assert np.fromfile(path, np.float32)[0] == 99
    new = tmp_path / "new.bin"
    e = ember.from_file(str(new), shared=True, size=3, dtype=ember.int64)
    assert e.tolist() == [0, 0, 0] and new.stat().st_size == 24
    for bad in (lambda L: L.from_file(str(path), size=20), lambda L: L.from_file(str(tmp_path / "none.bin"), size=2)):
        with pytest.raises(RuntimeError) as te:
            bad(torch)
        with pytest.raises(RuntimeError) as ee:
            bad(ember)
        assert str(ee.value) == str(te.value)


def test_linspace_rounds_like_torch():
    # float32: float32 ends and step, one rounding per value; float64: one rounding (fused) too
    from tests._oracle import torch_or_skip
    torch = torch_or_skip()
    rng = np.random.default_rng(0)
    for _ in range(200):
        a, b = rng.standard_normal(2) * rng.choice([1, 10, 1000])
        k = int(rng.integers(2, 300))
        for ed, td in ((ember.float32, torch.float32), (ember.float64, torch.float64)):
            np.testing.assert_array_equal(ember.linspace(float(a), float(b), k, dtype=ed).numpy(),
                                          torch.linspace(float(a), float(b), k, dtype=td).numpy())
    for args in ((0, 1, 5), (-1, 1, 7), (0, 10, 11), (3, 3, 4), (1, 0, 6), (0, 5, 1), (0, 1, 0)):
        np.testing.assert_array_equal(ember.linspace(*args).numpy(), torch.linspace(*args).numpy())
        np.testing.assert_array_equal(ember.linspace(*args, dtype=ember.int64).numpy(),
                                      torch.linspace(*args, dtype=torch.int64).numpy())
