"""gradcheck / gradgradcheck and autograd.functional against torch."""
import warnings

import numpy as np
import pytest

from tests._oracle import requires_torch
from tests.autograd._compare import check

pytestmark = requires_torch

RNG = np.random.default_rng(11)
A = RNG.standard_normal((2, 3))
B = RNG.standard_normal(3)
Z = RNG.standard_normal(2) + 1j * RNG.standard_normal(2)


def d(M, a, rg=True):
    return M.tensor(a, dtype=M.float64, requires_grad=rg)


def bad(M):
    class Bad(M.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g * 3

    return Bad


def s_gradcheck_ok(M):
    return M.autograd.gradcheck(lambda a, b: (a * b).exp().sum(0), (d(M, A), d(M, B)))


def s_gradcheck_noncontig(M):
    m = d(M, A, rg=False).t().requires_grad_()
    return M.autograd.gradcheck(lambda a: (a.sin() * a).sum(0), (m,))


def s_gradcheck_mismatch(M):
    M.autograd.gradcheck(bad(M).apply, (d(M, B),))


def s_gradcheck_mismatch_second(M):
    M.autograd.gradcheck(lambda a, b: (a * b, bad(M).apply(b)), (d(M, B), d(M, B[::-1].copy())))


def s_gradcheck_no_raise(M):
    return M.autograd.gradcheck(bad(M).apply, (d(M, B),), raise_exception=False)


def s_gradcheck_no_input_requires_grad(M):
    M.autograd.gradcheck(lambda a: a * 2, (d(M, B, rg=False),))


def s_gradcheck_float32_warns(M):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            M.autograd.gradcheck(lambda a: a * 2, (M.tensor(B, dtype=M.float32, requires_grad=True),))
        except RuntimeError as e:
            err = type(e).__name__
        else:
            err = None
    return [str(x.message) for x in w if "double precision" in str(x.message)], err


def s_gradcheck_complex(M):
    z = M.tensor(Z, dtype=M.complex128, requires_grad=True)
    return (M.autograd.gradcheck(lambda a: (a * a).abs(), (z,)),
            M.autograd.gradcheck(lambda a: a * a.exp(), (z,)))


def s_gradcheck_complex_mismatch(M):
    z = M.tensor(Z, dtype=M.complex128, requires_grad=True)
    M.autograd.gradcheck(bad(M).apply, (z,))


def s_gradgradcheck_ok(M):
    return M.autograd.gradgradcheck(lambda a, b: (a * b).exp(), (d(M, A), d(M, B)))


def s_gradgradcheck_mismatch(M):
    class BadDouble(M.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x.detach() ** 2  # detached: second derivative lost

    try:
        M.autograd.gradgradcheck(BadDouble.apply, (d(M, B),), raise_exception=True)
    except RuntimeError as e:  # numbers differ: torch draws its random grad_outputs from its own RNG
        return type(e).__name__, str(e).split("\n")[0], "analytical:tensor([[0., 0., 0.]" in str(e)


# ---- functional -------------------------------------------------------------------------------------
def s_jacobian_single(M):
    return M.autograd.functional.jacobian(lambda x: x.exp() * 2, d(M, B, rg=False))


def s_jacobian_tuple(M):
    return M.autograd.functional.jacobian(lambda x, y: (x * y).exp().sum(0), (d(M, A, False), d(M, B, False)))


def s_jacobian_multi_output(M):
    return M.autograd.functional.jacobian(lambda x: (x.sin(), x.cos().sum()), d(M, B, False))


def s_jacobian_unused_and_strict(M):
    F = M.autograd.functional
    x = d(M, B, False)
    r = F.jacobian(lambda a, b: a * 2, (x, x))
    try:
        F.jacobian(lambda a, b: a * 2, (x, x), strict=True)
    except RuntimeError as e:
        return r, str(e)


def s_hessian(M):
    F = M.autograd.functional
    return (F.hessian(lambda x: (x ** 3).sum(), d(M, B, False)),
            F.hessian(lambda x, y: (x * y).sum() + (y ** 2).sum(), (d(M, A, False), d(M, B, False))))


def s_hessian_create_graph(M):
    x = d(M, B)
    h = M.autograd.functional.hessian(lambda t: (t ** 3).sum(), x, create_graph=True)
    h.sum().backward()
    return h, h.requires_grad, x.grad


def s_vjp_jvp(M):
    F = M.autograd.functional
    f = lambda x, y: (x * y).exp().sum(0)  # noqa: E731
    a, b = d(M, A, False), d(M, B, False)
    return (F.vjp(f, (a, b), M.ones(3, dtype=M.float64)),
            F.jvp(f, (a, b), (M.ones(2, 3, dtype=M.float64), b)),
            F.vjp(lambda x: (x ** 3).sum(), b))


def s_hvp_vhp(M):
    F = M.autograd.functional
    g = lambda x: (x.sin() * x).sum()  # noqa: E731
    b = d(M, B, False)
    return F.hvp(g, b, b), F.vhp(g, b, b)


def s_vjp_errors(M):
    F = M.autograd.functional
    b = d(M, B, False)
    out = []
    for call in (lambda: F.vjp(lambda x: x * 2, b),
                 lambda: F.vjp(lambda x: x * 2, b, M.ones(4, dtype=M.float64)),
                 lambda: F.hessian(lambda x: x * 2, b)):
        try:
            call()
        except RuntimeError as e:
            out.append(str(e))
    return out


SCENARIOS = {k[2:]: v for k, v in dict(globals()).items() if k.startswith("s_")}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_gradcheck_and_functional_match_torch(name):
    check(SCENARIOS[name])


OPS = {
    "exp": lambda x, y: x.exp(), "sin": lambda x, y: x.sin(), "tanh": lambda x, y: x.tanh(),
    "sigmoid": lambda x, y: x.sigmoid(), "mul": lambda x, y: x * y, "div": lambda x, y: x / (y * y + 1),
    "pow": lambda x, y: (x * x + 1) ** y, "sum": lambda x, y: (x * y).sum(1), "mean": lambda x, y: x.mean(0),
    "sqrt": lambda x, y: (x * x + 1).sqrt(), "log": lambda x, y: (x * x + 1).log(),
    "transpose": lambda x, y: x.t() * 2, "reshape": lambda x, y: (x * y).reshape(3, 2),
    "broadcast": lambda x, y: x + y[None],
}


@pytest.mark.parametrize("op", sorted(OPS))
def test_gradcheck_and_gradgradcheck_common_ops(op):
    import ember
    x, y = d(ember, A), d(ember, B)
    assert ember.autograd.gradcheck(OPS[op], (x, y))
    assert ember.autograd.gradgradcheck(OPS[op], (x, y))
