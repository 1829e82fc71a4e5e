"""Custom autograd.Function against torch: ctx API, node names, errors, double backward."""
import numpy as np
import pytest

from tests._oracle import requires_torch
from tests.autograd._compare import check

pytestmark = requires_torch

X = np.array([0.5, -1.5, 2.0])


def leaf(M, a=X):
    return M.tensor(a, dtype=M.float64, requires_grad=True)


def define(M):
    """The same custom Functions, defined against module M."""
    F = M.autograd.Function
    ns = {}

    class Scale(F):
        @staticmethod
        def forward(ctx, x, k):
            ns["grad_in_forward"] = M.is_grad_enabled()
            ns["needs"] = ctx.needs_input_grad
            return x * k, (x * 2).long()

        @staticmethod
        def backward(ctx, g, g_int):
            ns["g_int"] = g_int
            return g * 3, None

    class Ident(F):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g, None

    class TooMany(F):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g, 1

    class TooFew(F):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g

    class BadShape(F):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.sum(0)

    class CastGrad(F):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return M.ones(3, dtype=M.float32)

    class Dirty(F):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class Exp(F):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(x, y)
            return y

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return g * y

    class NonDiff(F):
        @staticmethod
        def forward(ctx, x):
            a, b = x * 2, x * 3
            ctx.mark_non_differentiable(b)
            return a, b

        @staticmethod
        def backward(ctx, ga, gb):
            ns["gb"] = gb
            return ga * 2

    class NoMaterialize(F):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            ns["gb_none"] = gb is None
            return ga * 2

    class Setup(F):
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            ctx.k = k
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * ctx.k * x, None

    class Once(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        @M.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    class Cube(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * g * x * x

    return {k: v for k, v in locals().items() if isinstance(v, type)}, ns


def s_basic_multi_output(M):
    f, ns = define(M)
    x = leaf(M)
    y, i = f["Scale"].apply(x, 2.0)
    y.sum().backward()
    return (x.grad, y, i.requires_grad, i.dtype == M.int64, len(y.grad_fn.next_functions),
            y.grad_fn.name(), repr(y).split("grad_fn=")[1], ns["grad_in_forward"], ns["needs"], ns["g_int"])


def s_node_repr(M):
    f, _ = define(M)
    y = f["Exp"].apply(leaf(M))
    return repr(y.grad_fn).split(" object")[0], type(y.grad_fn).__name__


def s_identity_returns_alias(M):
    f, _ = define(M)
    x = leaf(M)
    y = f["Ident"].apply(x)
    y.sum().backward()
    return y is x, y._base is x, y.grad_fn.name(), x.grad


def s_too_many_grads(M):
    f, _ = define(M)
    f["TooMany"].apply(leaf(M)).sum().backward()


def s_too_few_grads(M):
    f, _ = define(M)
    x = leaf(M)
    f["TooFew"].apply(x, x).sum().backward()


def s_bad_grad_shape(M):
    f, _ = define(M)
    f["BadShape"].apply(leaf(M)).sum().backward()


def s_grad_cast_to_input_dtype(M):
    f, _ = define(M)
    x = leaf(M)
    f["CastGrad"].apply(x).sum().backward()
    return x.grad


def s_dirty_leaf(M):
    f, _ = define(M)
    f["Dirty"].apply(leaf(M))


def s_dirty_nonleaf(M):
    f, _ = define(M)
    x = leaf(M)
    z = x * 1
    w = f["Dirty"].apply(z)
    w.sum().backward()
    return w is z, z.grad_fn.name(), z._version, x.grad


def s_dirty_view(M):
    f, _ = define(M)
    x = leaf(M)
    z = x * 1
    v = z[1:]
    w = f["Dirty"].apply(v)
    (z * z).sum().backward()
    return w is v, v.grad_fn.name(), z._version, x.grad


def s_saved_tensors(M):
    f, _ = define(M)
    x = leaf(M)
    y = f["Exp"].apply(x * 1)
    y.sum().backward()
    return x.grad


def s_saved_after_free(M):
    f, _ = define(M)
    y = f["Exp"].apply(leaf(M))
    y.sum().backward()
    return y.grad_fn.saved_tensors


def s_saved_output_modified(M):
    f, _ = define(M)
    y = f["Exp"].apply(leaf(M) * 1)
    y.add_(1)
    y.sum().backward()


def s_saved_input_modified(M):
    f, _ = define(M)
    z = leaf(M) * 1
    y = f["Exp"].apply(z)
    z.add_(1)
    y.sum().backward()


def s_double_backward(M):
    f, _ = define(M)
    x = leaf(M)
    y = f["Exp"].apply(x)
    (g,) = M.autograd.grad(y.sum(), x, create_graph=True)
    g.sum().backward()
    return g, x.grad, g.grad_fn.name()


def s_double_backward_cube(M):
    f, _ = define(M)
    x = leaf(M)
    (g,) = M.autograd.grad(f["Cube"].apply(x).sum(), x, create_graph=True)
    (gg,) = M.autograd.grad(g.sum(), x)
    return g, gg


def s_non_differentiable(M):
    f, ns = define(M)
    x = leaf(M)
    a, b = f["NonDiff"].apply(x)
    a.sum().backward()
    return a.requires_grad, b.requires_grad, x.grad, ns["gb"]


def s_no_materialize(M):
    f, ns = define(M)
    x = leaf(M)
    a, b = f["NoMaterialize"].apply(x)
    a.sum().backward()
    return x.grad, ns["gb_none"]


def s_setup_context(M):
    f, _ = define(M)
    x = leaf(M)
    f["Setup"].apply(x, 5.0).sum().backward()
    return x.grad


def s_once_differentiable(M):
    f, _ = define(M)
    x = leaf(M)
    (g,) = M.autograd.grad(f["Once"].apply(x).sum(), x, create_graph=True)
    return g, g.requires_grad


def s_once_differentiable_twice(M):
    f, _ = define(M)
    x = leaf(M)
    y = f["Once"].apply(x)
    (g,) = M.autograd.grad(y, x, grad_outputs=M.ones_like(y).requires_grad_(), create_graph=True)
    g.sum().backward()


def s_no_grad_apply(M):
    f, _ = define(M)
    with M.no_grad():
        y = f["Exp"].apply(leaf(M))
    return y.requires_grad, y.grad_fn is None


def s_no_requires_grad_input(M):
    f, _ = define(M)
    y = f["Exp"].apply(M.tensor(X))
    return y.requires_grad, y


def s_broadcast_input_grad(M):
    f, _ = define(M)
    x = M.tensor([[1.0], [2.0]], dtype=M.float64, requires_grad=True)
    y = M.tensor(X, dtype=M.float64, requires_grad=True)

    class Add(M.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g, g

    Add.apply(x, y).sum().backward()
    return x.grad, y.grad


SCENARIOS = {k[2:]: v for k, v in dict(globals()).items() if k.startswith("s_")}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_function_matches_torch(name):
    check(SCENARIOS[name])


def test_gradcheck_custom_function():
    import ember
    f, _ = define(ember)
    x = leaf(ember)
    assert ember.autograd.gradcheck(f["Cube"].apply, (x,))
    assert ember.autograd.gradgradcheck(f["Cube"].apply, (x,))
