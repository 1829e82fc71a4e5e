"""Oracle tests for pointwise ops: values, dtypes, in-place variants, gradients (incl. 2nd order)."""
import numpy as np
import pytest

import ember
from tests._oracle import torch, requires_torch

pytestmark = requires_torch

UNARY = {  # name: input domain
    "neg": "any", "exp": "any", "exp2": "any", "expm1": "any", "log": "pos", "log2": "pos",
    "log10": "pos", "log1p": "pos", "sqrt": "pos", "rsqrt": "pos", "abs": "any", "sin": "any",
    "cos": "any", "tan": "small", "asin": "unit", "acos": "unit", "atan": "any", "sinh": "any",
    "cosh": "any", "tanh": "any", "asinh": "any", "acosh": "gt1", "atanh": "unit", "sigmoid": "any",
    "logit": "prob", "erf": "any", "erfc": "any", "erfinv": "unit", "lgamma": "pos", "reciprocal": "pos",
    "square": "any", "sign": "any", "sgn": "any", "floor": "any", "ceil": "any", "trunc": "any",
    "frac": "any", "relu": "any", "round": "any", "deg2rad": "any", "rad2deg": "any", "sinc": "any",
}
SMOOTH = {"neg", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos",
          "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid",
          "logit", "erf", "erfc", "erfinv", "reciprocal", "square", "abs", "relu", "frac", "lgamma"}


def domain(kind, shape, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if kind == "pos":
        x = np.abs(x) + 0.1
    elif kind == "unit":
        x = np.tanh(x) * 0.9
    elif kind == "gt1":
        x = np.abs(x) + 1.1
    elif kind == "prob":
        x = 1 / (1 + np.exp(-x))
    elif kind == "small":
        x = np.tanh(x)
    return x.astype(dtype)


def check(e, t, tol=1e-6):
    assert e.shape == tuple(t.shape)
    assert repr(e.dtype) == repr(t.dtype)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol, equal_nan=True)


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_values(name, dtype):
    x = domain(UNARY[name], (3, 4), dtype=dtype)
    e = getattr(ember, name)(ember.from_numpy(x.copy()))
    t = getattr(torch, name)(torch.from_numpy(x.copy()))
    check(e, t, 1e-5 if dtype == np.float32 else 1e-10)


@pytest.mark.parametrize("name", ["exp", "sin", "sqrt", "sigmoid", "abs", "neg", "floor", "tanh", "log"])
def test_unary_on_int_and_noncontiguous(name):
    xi = np.arange(1, 13).reshape(3, 4)
    check(getattr(ember, name)(ember.tensor(xi)), getattr(torch, name)(torch.tensor(xi)), 1e-6)
    x = domain("pos", (4, 3))
    e = getattr(ember, name)(ember.from_numpy(x.copy()).t()[1:])
    t = getattr(torch, name)(torch.from_numpy(x.copy()).t()[1:])
    check(e, t, 1e-12)
    check(getattr(ember, name)(ember.tensor(2.0)), getattr(torch, name)(torch.tensor(2.0)))
    check(getattr(ember, name)(ember.zeros(0, 3)), getattr(torch, name)(torch.zeros(0, 3)))


@pytest.mark.parametrize("name", ["exp", "sin", "sqrt", "neg", "abs", "tanh", "clamp"])
def test_inplace_variants(name):
    x = domain("pos", (3, 3))
    e, t = ember.from_numpy(x.copy()), torch.from_numpy(x.copy())
    args = (0.5, 1.0) if name == "clamp" else ()
    re, rt = getattr(e, name + "_")(*args), getattr(t, name + "_")(*args)
    assert re is e
    check(e, t, 1e-12)


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_unary_gradients(name):
    x = domain(UNARY[name], (2, 3), seed=1)
    g = np.random.default_rng(2).standard_normal((2, 3))
    e = ember.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    getattr(ember, name)(e).backward(ember.tensor(g))
    getattr(torch, name)(t).backward(torch.tensor(g))
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", ["exp", "sin", "tanh", "sigmoid", "log", "sqrt", "reciprocal"])
def test_unary_second_order(name):
    x = domain("pos", (4,), seed=3)
    e = ember.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    (ge,) = ember.autograd.grad(getattr(ember, name)(e).sum(), e, create_graph=True)
    (gt,) = torch.autograd.grad(getattr(torch, name)(t).sum(), t, create_graph=True)
    (gge,) = ember.autograd.grad((ge * ge).sum(), e)
    (ggt,) = torch.autograd.grad((gt * gt).sum(), t)
    np.testing.assert_allclose(gge.numpy(), ggt.numpy(), rtol=1e-9, atol=1e-9)


BINARY = ["add", "sub", "mul", "div", "pow", "atan2", "maximum", "minimum", "fmax", "fmin", "hypot",
          "remainder", "fmod", "floor_divide", "copysign", "logaddexp", "xlogy"]


@pytest.mark.parametrize("name", BINARY)
def test_binary_values_broadcast_and_grad(name):
    rng = np.random.default_rng(4)
    a = np.abs(rng.standard_normal((3, 1, 4))) + 0.5
    b = np.abs(rng.standard_normal((2, 4))) + 0.5
    ea, eb = ember.tensor(a, requires_grad=True), ember.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    re, rt = getattr(ember, name)(ea, eb), getattr(torch, name)(ta, tb)
    check(re, rt, 1e-12)
    if name in ("floor_divide", "remainder", "fmod", "copysign") :
        return
    g = rng.standard_normal(rt.shape)
    re.backward(ember.tensor(g))
    rt.backward(torch.tensor(g))
    np.testing.assert_allclose(ea.grad.numpy(), ta.grad.numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(eb.grad.numpy(), tb.grad.numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "//", "%", "**"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "float32", "uint8"])
def test_operators_with_scalars_both_sides(op, dtype):
    a = np.array([[1, 2, 3], [4, 5, 7]])
    e = ember.tensor(a.tolist(), dtype=getattr(ember, dtype))
    t = torch.tensor(a.tolist(), dtype=getattr(torch, dtype))
    for s in (2, 3.5, -2):
        if op == "**" and s == -2 and dtype != "float32":
            continue
        if dtype == "uint8" and s == -2:
            continue
        check(eval(f"e {op} s"), eval(f"t {op} s"), 1e-6)
        if op != "**" or dtype == "float32":
            check(eval(f"s {op} e"), eval(f"s {op} t"), 1e-6)


def test_negative_floor_semantics():
    a, b = [-7, 7, -7, 7], [2, -2, -2, 2]
    check(ember.tensor(a) // ember.tensor(b), torch.tensor(a) // torch.tensor(b))
    check(ember.tensor(a) % ember.tensor(b), torch.tensor(a) % torch.tensor(b))
    check(ember.fmod(ember.tensor(a), ember.tensor(b)), torch.fmod(torch.tensor(a), torch.tensor(b)))
    check(ember.div(ember.tensor(a), ember.tensor(b), rounding_mode="trunc"),
          torch.div(torch.tensor(a), torch.tensor(b), rounding_mode="trunc"))


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons(name):
    a, b = np.array([1.0, 2.0, np.nan, 4.0]), np.array([[1.0], [3.0]])
    check(getattr(ember, name)(ember.tensor(a), ember.tensor(b)), getattr(torch, name)(torch.tensor(a), torch.tensor(b)))
    check(getattr(ember, name)(ember.tensor(a), 2), getattr(torch, name)(torch.tensor(a), 2))


@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor", "logical_and", "logical_or",
                                  "logical_xor"])
def test_bitwise_logical(name):
    a, b = [1, 0, 3, 6], [3, 0, 1, 5]
    check(getattr(ember, name)(ember.tensor(a), ember.tensor(b)), getattr(torch, name)(torch.tensor(a), torch.tensor(b)))
    check(getattr(ember, name)(ember.tensor(a) > 1, ember.tensor(b) > 1),
          getattr(torch, name)(torch.tensor(a) > 1, torch.tensor(b) > 1))
    with pytest.raises(RuntimeError) if name.startswith("bitwise") else _null():
        getattr(ember, name)(ember.tensor([1.0]), ember.tensor([2.0]))


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def test_misc_pointwise():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0, np.nan, np.inf])
    e, t = ember.tensor(x), torch.tensor(x)
    for f in ("isnan", "isinf", "isfinite", "signbit"):
        check(getattr(ember, f)(e), getattr(torch, f)(t))
    check(ember.clamp(e, -1, 1), torch.clamp(t, -1, 1))
    check(ember.clamp(e, min=0), torch.clamp(t, min=0))
    check(ember.nan_to_num(e), torch.nan_to_num(t))
    check(ember.where(e > 0, e, ember.tensor(0.0)), torch.where(t > 0, t, torch.tensor(0.0)))
    check(ember.where(e > 0, e, 0.0), torch.where(t > 0, t, 0.0))
    check(ember.lerp(e, ember.ones(7), 0.25), torch.lerp(t, torch.ones(7, dtype=torch.float64), 0.25))
    y, z = ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0])
    check(ember.addcmul(y, y, z, value=0.5), torch.addcmul(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]),
                                                           torch.tensor([3.0, 4.0]), value=0.5))
    check(ember.addcdiv(y, y, z, value=2), torch.addcdiv(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]),
                                                         torch.tensor([3.0, 4.0]), value=2))
    assert ember.allclose(y, y + 1e-9) and not ember.allclose(y, y + 1)
    assert ember.equal(y, y.clone()) and not ember.equal(y, z)
    check(ember.isclose(y, y + 1e-6), torch.isclose(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]) + 1e-6))


def test_bool_negation_and_subtraction_errors():
    b = ember.tensor([True, False])
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor is not supported"):
        -b
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool tensors"):
        b - b
    assert (~b).tolist() == [False, True]


def test_complex_arithmetic_and_grad_convention():
    z = np.array([1 + 2j, -0.5 + 0.25j])
    ez = ember.tensor(z, requires_grad=True)
    tz = torch.tensor(z, requires_grad=True)
    (ez * ez.conj()).real.sum().backward() if hasattr(ember.Tensor, "real") else None
    (tz * tz.conj()).real.sum().backward()
    np.testing.assert_allclose(ez.grad.numpy(), tz.grad.numpy(), rtol=1e-12)
    ez2, tz2 = ember.tensor(z, requires_grad=True), torch.tensor(z, requires_grad=True)
    ember.abs(ez2).sum().backward()
    torch.abs(tz2).sum().backward()
    np.testing.assert_allclose(ez2.grad.numpy(), tz2.grad.numpy(), rtol=1e-12)
