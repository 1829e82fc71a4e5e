"""Custom autograd Functions (tutorial style): LegendrePolynomial3, a clamp with a
straight-through gradient, gradcheck, hooks, and higher-order gradients."""
import math

import torch
from torch.autograd import Function, gradcheck


class LegendrePolynomial3(Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


class StraightThroughClamp(Function):
    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.lo, ctx.hi = lo, hi
        return x.clamp(lo, hi)

    @staticmethod
    def backward(ctx, grad_output):
        # Gradient passes through unchanged; None for the non-tensor arguments.
        return grad_output, None, None


class ScaledMul(Function):
    @staticmethod
    def forward(ctx, a, b, scale=2.0):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return a * b * scale

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = grad * b * ctx.scale if ctx.needs_input_grad[0] else None
        gb = grad * a * ctx.scale if ctx.needs_input_grad[1] else None
        return ga, gb, None


dtype = torch.float
x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
y = torch.sin(x)

a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, dtype=dtype, requires_grad=True)

learning_rate = 5e-6
for t in range(2000):
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 500 == 499:
        print(t, round(loss.item(), 2))
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
print(f"Result: y = {a.item():.4f} + {b.item():.4f} * P3({c.item():.4f} + {d.item():.4f} x)")
print("grad_fn:", type(y_pred.grad_fn).__name__, "->", type(P3(c + d * x).grad_fn).__name__)

# gradcheck in double precision
inp = torch.linspace(-1, 1, 6, dtype=torch.double, requires_grad=True)
print("gradcheck P3:", gradcheck(LegendrePolynomial3.apply, (inp,), eps=1e-6, atol=1e-4))
u = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.double, requires_grad=True)
v = torch.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=torch.double, requires_grad=True)
print("gradcheck ScaledMul:", gradcheck(lambda p, q: ScaledMul.apply(p, q, 3.0), (u, v)))

# Straight-through clamp
z = torch.tensor([-2.0, -0.5, 0.0, 0.5, 2.0], requires_grad=True)
out = StraightThroughClamp.apply(z, -1.0, 1.0)
out.sum().backward()
print("clamped:", out)
print("ST grad:", z.grad)
z.grad = None
z.clamp(-1.0, 1.0).sum().backward()
print("real clamp grad:", z.grad)

# needs_input_grad: only u requires grad here
u2 = torch.tensor([1.0, 2.0], requires_grad=True)
v2 = torch.tensor([3.0, 4.0])
ScaledMul.apply(u2, v2).sum().backward()
print("u2.grad:", u2.grad, "v2.grad:", v2.grad)

# Higher order gradients through ordinary ops
w = torch.tensor(2.0, requires_grad=True)
f = w ** 3 + 2 * w
(g,) = torch.autograd.grad(f, w, create_graph=True)
(h,) = torch.autograd.grad(g, w)
print("f, f', f'':", f.item(), g.item(), h.item())

# Tensor hooks and retain_grad
p = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
q = p * 2
q.retain_grad()
handle = q.register_hook(lambda grad: grad * 10)
(q ** 2).sum().backward()
print("q.grad (retained, after hook):", q.grad)
print("p.grad (hooked):", p.grad)
handle.remove()

# Jacobian / Hessian via torch.autograd.functional
from torch.autograd.functional import hessian, jacobian

print("jacobian:\n", jacobian(lambda t: t ** 2, torch.tensor([1.0, 2.0, 3.0])))
print("hessian:\n", hessian(lambda t: (t ** 3).sum(), torch.tensor([1.0, 2.0])))
