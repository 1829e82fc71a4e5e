"""Linear regression with autograd by hand (no nn, no optim): fit y = 2x - 1."""
import numpy as np
import torch

torch.manual_seed(0)
rng = np.random.default_rng(0)

x = torch.linspace(-1, 1, 50).unsqueeze(1)
noise = torch.from_numpy(rng.normal(0, 0.05, size=(50, 1)).astype(np.float32))
y = 2 * x - 1 + noise
print("x:", x.shape, x.dtype, "y[:3]:", y[:3].squeeze())

w = torch.zeros(1, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
print("w:", w, "b:", b)
print("leaf:", w.is_leaf, "requires_grad:", w.requires_grad)

lr = 0.1
for step in range(100):
    pred = x @ w + b
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()
    if step % 20 == 0 or step == 99:
        print(f"step {step:3d}  loss {loss.item():.6f}  w {w.item():.4f}  b {b.item():.4f}")

print("grad fn of loss:", type(loss.grad_fn).__name__)
print("final w, b:", round(w.item(), 3), round(b.item(), 3))

# The same fit in closed form (normal equations) for comparison.
X = torch.cat([x, torch.ones_like(x)], dim=1)
sol = torch.linalg.lstsq(X, y).solution
print("lstsq:", sol.squeeze().round(decimals=3))
theta = torch.linalg.inv(X.T @ X) @ X.T @ y
print("normal equations:", theta.flatten().round(decimals=3))
print("detach shares storage:", w.detach().data_ptr() == w.data_ptr())
