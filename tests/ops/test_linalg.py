"""ember.linalg vs torch.linalg: values, gauge-invariant checks for decompositions, errors, gradients."""
import math

import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch

pytestmark = requires_torch
RNG = np.random.RandomState(1)
EL, TL = ember.linalg, None if torch is None else torch.linalg


def _close(e, t, tol=1e-8):
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype) == str(t.dtype)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


def _same_error(fe, ft):
    with pytest.raises(Exception) as te:
        ft()
    with pytest.raises(RuntimeError if isinstance(te.value, RuntimeError) else type(te.value)) as ee:
        fe()
    assert str(ee.value) == str(te.value)


def _spd(*shape):
    a = RNG.randn(*shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def _check(fn_e, fn_t, arrays, tol=1e-8, out_index=None):
    es = [ember.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    er, tr = fn_e(*es), fn_t(*ts)
    if out_index is not None:
        er, tr = er[out_index], tr[out_index]
    _close(er, tr, tol)
    g = np.asarray(RNG.randn(*tr.shape))
    er.backward(ember.tensor(g))
    tr.backward(torch.tensor(g))
    for e, t in zip(es, ts):
        if t.grad is None:
            assert e.grad is None
        else:
            _close(e.grad, t.grad, tol * 10)


CASES = [
    ("det", lambda m: m.linalg.det, lambda: [RNG.randn(3, 3)]),
    ("det_batch", lambda m: m.linalg.det, lambda: [RNG.randn(2, 4, 4)]),
    ("det_T", lambda m: lambda a: m.linalg.det(a.mT), lambda: [RNG.randn(3, 3)]),
    ("logdet", lambda m: m.logdet, lambda: [_spd(3, 3)]),
    ("slogdet", lambda m: lambda a: m.linalg.slogdet(a)[1], lambda: [RNG.randn(2, 3, 3)]),
    ("inv", lambda m: m.linalg.inv, lambda: [RNG.randn(3, 3)]),
    ("inverse", lambda m: m.inverse, lambda: [RNG.randn(2, 3, 3)]),
    ("solve", lambda m: m.linalg.solve, lambda: [RNG.randn(3, 3), RNG.randn(3, 2)]),
    ("solve_vec", lambda m: m.linalg.solve, lambda: [RNG.randn(3, 3), RNG.randn(3)]),
    ("solve_bvec", lambda m: m.linalg.solve, lambda: [RNG.randn(2, 3, 3), RNG.randn(2, 3)]),
    ("solve_bcast", lambda m: m.linalg.solve, lambda: [RNG.randn(2, 3, 3), RNG.randn(3, 4)]),
    ("solve_right", lambda m: lambda a, b: m.linalg.solve(a, b, left=False), lambda: [RNG.randn(3, 3), RNG.randn(2, 3)]),
    ("cholesky", lambda m: m.linalg.cholesky, lambda: [_spd(3, 3)]),
    ("cholesky_upper", lambda m: lambda a: m.linalg.cholesky(a, upper=True), lambda: [_spd(2, 3, 3)]),
    ("cholesky_old", lambda m: m.cholesky, lambda: [_spd(3, 3)]),
    ("vector_norm", lambda m: m.linalg.vector_norm, lambda: [RNG.randn(3, 4)]),
    ("vector_norm_dim", lambda m: lambda a: m.linalg.vector_norm(a, 3, dim=1, keepdim=True), lambda: [RNG.randn(3, 4)]),
    ("vector_norm_1", lambda m: lambda a: m.linalg.vector_norm(a, 1, dim=(0, 2)), lambda: [RNG.randn(3, 4, 2)]),
    ("vector_norm_inf", lambda m: lambda a: m.linalg.vector_norm(a, math.inf, dim=-1), lambda: [RNG.randn(3, 4)]),
    ("vector_norm_ninf", lambda m: lambda a: m.linalg.vector_norm(a, -math.inf), lambda: [RNG.randn(3, 4)]),
    ("vector_norm_0", lambda m: lambda a: m.linalg.vector_norm(a, 0), lambda: [RNG.randn(3, 4)]),
    ("vector_norm_half", lambda m: lambda a: m.linalg.vector_norm(a, 0.5, dim=0), lambda: [RNG.randn(3, 4)]),
    ("norm", lambda m: m.linalg.norm, lambda: [RNG.randn(2, 3, 4)]),
    ("norm_fro", lambda m: lambda a: m.linalg.norm(a, "fro"), lambda: [RNG.randn(3, 4)]),
    ("norm_nuc", lambda m: lambda a: m.linalg.norm(a, "nuc"), lambda: [RNG.randn(3, 4)]),
    ("norm_2", lambda m: lambda a: m.linalg.norm(a, 2), lambda: [RNG.randn(3, 4)]),
    ("norm_m2", lambda m: lambda a: m.linalg.norm(a, -2), lambda: [RNG.randn(3, 4)]),
    ("norm_1", lambda m: lambda a: m.linalg.norm(a, 1), lambda: [RNG.randn(3, 4)]),
    ("norm_inf", lambda m: lambda a: m.linalg.norm(a, math.inf), lambda: [RNG.randn(3, 4)]),
    ("norm_vec", lambda m: lambda a: m.linalg.norm(a, 3), lambda: [RNG.randn(4)]),
    ("norm_dim", lambda m: lambda a: m.linalg.norm(a, dim=1), lambda: [RNG.randn(3, 4)]),
    ("matrix_norm_kd", lambda m: lambda a: m.linalg.matrix_norm(a, -1, dim=(0, 2), keepdim=True), lambda: [RNG.randn(3, 2, 4)]),
    ("matrix_norm_nuc_kd", lambda m: lambda a: m.linalg.matrix_norm(a, "nuc", keepdim=True), lambda: [RNG.randn(2, 3, 4)]),
    ("svdvals", lambda m: m.linalg.svdvals, lambda: [RNG.randn(2, 4, 3)]),
    ("eigvalsh", lambda m: m.linalg.eigvalsh, lambda: [_spd(3, 3)]),
    ("pinv", lambda m: m.linalg.pinv, lambda: [RNG.randn(4, 3)]),
    ("pinv_wide", lambda m: m.pinverse, lambda: [RNG.randn(2, 3, 5)]),
    ("matrix_power", lambda m: lambda a: m.linalg.matrix_power(a, 3), lambda: [RNG.randn(3, 3)]),
    ("matrix_power_neg", lambda m: lambda a: m.matrix_power(a, -2), lambda: [RNG.randn(2, 3, 3) + 3 * np.eye(3)]),
    ("matrix_power_0", lambda m: lambda a: m.linalg.matrix_power(a, 0), lambda: [RNG.randn(2, 3, 3)]),
    ("matrix_exp", lambda m: m.linalg.matrix_exp, lambda: [RNG.randn(3, 3)]),
    ("matrix_exp_big", lambda m: m.matrix_exp, lambda: [RNG.randn(2, 3, 3) * 3]),
    ("vecdot", lambda m: lambda a, b: m.linalg.vecdot(a, b), lambda: [RNG.randn(3, 4), RNG.randn(4)]),
    ("cond", lambda m: m.linalg.cond, lambda: [RNG.randn(3, 3)]),
    ("tensorinv", lambda m: lambda a: m.linalg.tensorinv(a, ind=1), lambda: [RNG.randn(4, 2, 2)]),
    ("tensorsolve", lambda m: m.linalg.tensorsolve, lambda: [RNG.randn(6, 2, 3), RNG.randn(6)]),
    ("lstsq", lambda m: lambda a, b: m.linalg.lstsq(a, b).solution, lambda: [RNG.randn(5, 3), RNG.randn(5, 2)]),
    ("qr_R", lambda m: lambda a: m.linalg.qr(a).R, lambda: [RNG.randn(4, 3)]),
    ("qr_Q", lambda m: lambda a: m.linalg.qr(a).Q, lambda: [RNG.randn(3, 3)]),
]


@pytest.mark.parametrize("name,mk,arrays", CASES, ids=[c[0] for c in CASES])
def test_values_and_grads(name, mk, arrays):
    _check(mk(ember), mk(torch), arrays(), tol=1e-7)


def test_eigh_svd_gauge_invariant_grads():
    a = _spd(2, 4, 4)
    ea, ta = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    w = RNG.randn(4)
    W = RNG.randn(4, 4)
    for m, x in ((ember, ea), (torch, ta)):
        L, V = m.linalg.eigh(x)
        loss = (L * m.tensor(w)).sum() + ((V @ V.mT * 0 + V * V) * m.tensor(W)).sum()
        loss.backward()
    _close(ember.linalg.eigh(ea).eigenvalues, torch.linalg.eigh(ta).eigenvalues)
    _close(ea.grad, ta.grad, 1e-6)
    b = RNG.randn(2, 5, 3)
    for full in (False, True):
        eb, tb = ember.tensor(b, requires_grad=True), torch.tensor(b, requires_grad=True)
        Ws = RNG.randn(5, 5), RNG.randn(3, 3)
        for m, x in ((ember, eb), (torch, tb)):
            U, S, Vh = m.linalg.svd(x, full_matrices=full)
            U, Vh = U[..., :3], Vh[..., :3, :]
            loss = S.sum() + ((U * U) @ m.tensor(np.ones(3))).sum() + \
                ((U @ U.mT) * m.tensor(Ws[0])).sum() + ((Vh.mT @ Vh) * m.tensor(Ws[1])).sum()
            loss.backward()
        _close(eb.grad, tb.grad, 1e-6)
    # reconstruction and shapes
    U, S, Vh = ember.linalg.svd(ember.tensor(b))
    assert U.shape == (2, 5, 5) and S.shape == (2, 3) and Vh.shape == (2, 3, 3)
    U, S, V = ember.svd(ember.tensor(b))
    np.testing.assert_allclose((U * S.unsqueeze(-2)) @ V.mT, b, atol=1e-10)


def test_qr_and_eig_values():
    a = RNG.randn(4, 3)
    for mode in ("reduced", "complete", "r"):
        eq, tq = ember.linalg.qr(ember.tensor(a), mode=mode), torch.linalg.qr(torch.tensor(a), mode=mode)
        _close(eq.Q, tq.Q)
        _close(eq.R, tq.R)
    q, r = ember.qr(ember.tensor(a))
    assert q.shape == (4, 3)
    m = np.array([[0.0, 1], [-1, 0]])
    ew, ev = ember.linalg.eig(ember.tensor(m, dtype=ember.float32))
    tw, tv = torch.linalg.eig(torch.tensor(m, dtype=torch.float32))
    _close(ew, tw, 1e-6)
    _close(ev, tv, 1e-6)
    _close(ember.linalg.eigvals(ember.tensor(m)), torch.linalg.eigvals(torch.tensor(m)))
    s = _spd(3, 3)
    el, ev = ember.linalg.eigh(ember.tensor(s))
    np.testing.assert_allclose((ev * el.unsqueeze(-2)) @ ev.mT, s, atol=1e-10)


def test_pinv_hermitian_value():
    s = _spd(3, 3)
    _close(ember.linalg.pinv(ember.tensor(s), hermitian=True), torch.linalg.pinv(torch.tensor(s), hermitian=True))


def test_slogdet_logdet_and_rank():
    a = np.array([[-2.0, 0], [0, 1]])
    for e, t in ((ember.linalg.slogdet(ember.tensor(a)), torch.linalg.slogdet(torch.tensor(a))),
                 (ember.slogdet(ember.tensor(a)), torch.slogdet(torch.tensor(a)))):
        _close(e.sign, t.sign)
        _close(e.logabsdet, t.logabsdet)
        assert repr(e).splitlines()[0] == repr(t).splitlines()[0]
    _close(ember.logdet(ember.tensor(a)), torch.logdet(torch.tensor(a)))
    z = np.array([[0.0, 0], [0, 1]])
    _close(ember.logdet(ember.tensor(z)), torch.logdet(torch.tensor(z)))
    for x in (np.ones((3, 3)), np.ones((2, 3, 3)), RNG.randn(4, 3), np.zeros((2, 2))):
        _close(ember.linalg.matrix_rank(ember.tensor(x)), torch.linalg.matrix_rank(torch.tensor(x)))
    _close(ember.linalg.matrix_rank(ember.tensor(_spd(3, 3)), hermitian=True),
           torch.linalg.matrix_rank(torch.tensor(_spd(3, 3)), hermitian=True))
    ai = np.arange(4).reshape(2, 2)
    _close(ember.linalg.matrix_power(ember.tensor(ai), 3), torch.linalg.matrix_power(torch.tensor(ai), 3))
    _close(ember.linalg.matrix_power(ember.tensor(ai), 0), torch.linalg.matrix_power(torch.tensor(ai), 0))


def test_lstsq_fields():
    a, b = RNG.randn(5, 3), RNG.randn(5, 2)
    for driver in (None, "gelsd", "gelss", "gelsy"):
        e = ember.linalg.lstsq(ember.tensor(a), ember.tensor(b), driver=driver)
        t = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
        for f in ("solution", "residuals", "rank", "singular_values"):
            _close(getattr(e, f), getattr(t, f))
    e = ember.linalg.lstsq(ember.tensor(a), ember.tensor(b[:, 0]))
    t = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b[:, 0]))
    _close(e.solution, t.solution)


ERRORS = [
    "L.inv(m.ones(2, 3))",
    "L.inv(m.ones(2, 2, dtype=m.int64))",
    "L.inv(m.tensor([[1., 2], [2, 4]]))",
    "L.inv(m.tensor([[[1., 0], [0, 1]], [[1., 2], [2, 4]]]))",
    "L.det(m.ones(2, 3))",
    "L.det(m.ones(3))",
    "L.det(m.ones(2, 2, dtype=m.int64))",
    "L.cholesky(m.tensor([[1., 2], [2, 1]]))",
    "L.cholesky(m.tensor([[-1., 2], [2, 1]]))",
    "L.cholesky(m.tensor([[[1., 0], [0, 1]], [[1., 2], [2, 1]]]))",
    "L.solve(m.ones(2, 2), m.ones(2))",
    "L.solve(m.eye(2), m.ones(3))",
    "L.solve(m.eye(2), m.ones(2, dtype=m.float64))",
    "L.solve(m.eye(2), m.ones(2, 3), left=False)",
    "L.matrix_power(m.ones(2, 3), 2)",
    "L.matrix_power(m.arange(4).view(2, 2), -1)",
    "L.norm(m.arange(8.).view(2, 2, 2), 2)",
    "L.norm(m.arange(4.), 'fro')",
    "L.vector_norm(m.arange(4))",
    "L.vector_norm(m.zeros(0), float('inf'))",
    "L.matrix_norm(m.arange(4.).view(2, 2), 3)",
    "L.eigh(m.ones(2, 3))",
    "L.multi_dot([m.ones(3)])",
]


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_match_torch(expr):
    _same_error(lambda: eval(expr, {"m": ember, "L": ember.linalg}),
                lambda: eval(expr, {"m": torch, "L": torch.linalg}))


def test_linalg_error_type():
    with pytest.raises(ember.linalg.LinAlgError):
        ember.linalg.inv(ember.zeros(2, 2))
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)
    r = ember.linalg.inv_ex(ember.zeros(2, 2))
    assert r.info.item() == 1 and r.info.dtype is ember.int32
    assert ember.linalg.cholesky_ex(ember.eye(2)).info.item() == 0


def test_float32_and_methods():
    a = _spd(3, 3).astype(np.float32)
    ea, ta = ember.tensor(a), torch.tensor(a)
    for name in ("det", "inverse", "cholesky", "logdet", "pinverse", "matrix_exp"):
        _close(getattr(ea, name)(), getattr(ta, name)(), 1e-4)
    _close(ea.matrix_power(2), ta.matrix_power(2), 1e-4)
    _close(ember.linalg.norm(ea), torch.linalg.norm(ta), 1e-5)
    _close(ember.linalg.vector_norm(ea, dtype=ember.float64), torch.linalg.vector_norm(ta, dtype=torch.float64), 1e-5)
    c = np.array([3 + 4j, 1 - 1j])
    _close(ember.linalg.vector_norm(ember.tensor(c)), torch.linalg.vector_norm(torch.tensor(c)))


def test_second_order():
    a = RNG.randn(3, 3)
    for fe, ft in ((ember.linalg.det, torch.linalg.det), (ember.linalg.inv, torch.linalg.inv),
                   (ember.linalg.vector_norm, torch.linalg.vector_norm)):
        ea, ta = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        (ge,) = ember.autograd.grad(fe(ea).sum(), [ea], create_graph=True)
        (gt,) = torch.autograd.grad(ft(ta).sum(), [ta], create_graph=True)
        _close(ge, gt)
        (he,) = ember.autograd.grad((ge * ge).sum(), [ea])
        (ht,) = torch.autograd.grad((gt * gt).sum(), [ta])
        _close(he, ht, 1e-6)
