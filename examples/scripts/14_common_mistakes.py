"""The errors a PyTorch user runs into, caught and printed (type and message), next to the fix."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def attempt(title, fn):
    try:
        result = fn()
    except Exception as e:  # noqa: BLE001 - showing the error is the point
        msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
        print(f"{title}: {type(e).__name__}: {msg}")
    else:
        print(f"{title}: ok -> {result}")


a = torch.ones(2, 3)
b = torch.ones(4, 5)
attempt("matmul shapes", lambda: a @ b)
attempt("matmul fixed", lambda: (a @ b[:3]).shape)
attempt("add shapes", lambda: a + torch.ones(3, 2))
attempt("view non-contiguous", lambda: a.t().view(6))
attempt("reshape instead", lambda: a.t().reshape(6).shape)
attempt("view bad size", lambda: a.view(4, 2))
attempt("item of many", lambda: a.item())
attempt("index out of range", lambda: a[5])
attempt("dim out of range", lambda: a.sum(dim=2))
attempt("cat mismatch", lambda: torch.cat([a, b]))
attempt("stack mismatch", lambda: torch.stack([a, a.t()]))
attempt("bool of many", lambda: bool(a))
attempt("int tensor mean", lambda: torch.arange(4).mean())
attempt("mean with dtype", lambda: torch.arange(4).float().mean())
attempt("float index", lambda: a[torch.tensor([0.0])])
attempt("tensor from ragged list", lambda: torch.tensor([[1, 2], [3]]))
attempt("squeeze size", lambda: torch.zeros(1, 3).squeeze(0).shape)
attempt("expand non-singleton", lambda: torch.ones(2, 3).expand(4, 3))

w = torch.ones(3, requires_grad=True)
attempt("in-place on leaf", lambda: w.add_(1))
attempt("numpy of requires_grad", lambda: w.numpy())
attempt("detach().numpy()", lambda: w.detach().numpy())
attempt("backward on non-scalar", lambda: (w * 2).backward())
attempt("backward with gradient", lambda: ((w * 2).backward(torch.ones(3)), w.grad)[1])


def backward_twice():
    y = (w * w).sum()
    y.backward()
    y.backward()


attempt("backward twice", backward_twice)
attempt("no grad required", lambda: torch.ones(2).sum().backward())


def modified_inplace():
    x = torch.ones(3, requires_grad=True)
    y = x.sigmoid()
    y.mul_(2)
    y.sum().backward()


attempt("saved tensor modified", modified_inplace)
attempt("grad of non-leaf", lambda: ((w * 2).sum(), (w * 3).grad)[1])

lin = nn.Linear(4, 2)
attempt("linear wrong features", lambda: lin(torch.ones(3, 5)))
attempt("linear int input", lambda: lin(torch.ones(3, 4, dtype=torch.long)))
attempt("linear double input", lambda: lin(torch.ones(3, 4, dtype=torch.float64)))
attempt("cross_entropy float target shape", lambda: F.cross_entropy(torch.zeros(3, 4), torch.zeros(3)))
attempt("cross_entropy int32 target", lambda: F.cross_entropy(torch.zeros(3, 4), torch.zeros(3, dtype=torch.int32)))
attempt("cross_entropy target out of range", lambda: F.cross_entropy(torch.zeros(3, 4), torch.tensor([0, 1, 4])))
attempt("mse shape broadcast", lambda: F.mse_loss(torch.zeros(3, 1), torch.zeros(3)).shape)
attempt("conv wrong channels", lambda: nn.Conv2d(3, 8, 3)(torch.zeros(1, 1, 8, 8)))
attempt("conv 3d input unbatched", lambda: nn.Conv2d(3, 8, 3)(torch.zeros(3, 8, 8)).shape)
attempt("conv too small", lambda: nn.Conv2d(1, 1, 5)(torch.zeros(1, 1, 3, 3)))
attempt("embedding index", lambda: nn.Embedding(5, 2)(torch.tensor([5])))
attempt("embedding float index", lambda: nn.Embedding(5, 2)(torch.tensor([1.0])))
attempt("batchnorm one sample", lambda: nn.BatchNorm1d(3)(torch.zeros(1, 3)))
attempt("load_state_dict missing", lambda: nn.Linear(2, 2).load_state_dict({"weight": torch.zeros(2, 2)}))
attempt("load_state_dict shape", lambda: nn.Linear(2, 2).load_state_dict({"weight": torch.zeros(3, 2), "bias": torch.zeros(2)}))
attempt("optimizer empty", lambda: torch.optim.SGD([], lr=0.1))
attempt("optimizer bad lr", lambda: torch.optim.Adam(lin.parameters(), lr=-1))
attempt("module attribute", lambda: lin.wieght)
attempt("parameter assignment", lambda: setattr(lin, "weight", torch.zeros(2, 4)))
attempt("dtype mismatch mm", lambda: torch.ones(2, 2) @ torch.ones(2, 2, dtype=torch.float64))
attempt("int overflow stays int", lambda: torch.tensor([2 ** 62]) * 4)
attempt("uint8 wraparound", lambda: torch.tensor([250], dtype=torch.uint8) + 10)
attempt("division by zero", lambda: torch.tensor([1.0, -1.0, 0.0]) / 0)
attempt("int division by zero", lambda: torch.tensor([1]) // 0)
attempt("sqrt negative", lambda: torch.sqrt(torch.tensor([-1.0])))
attempt("where dtype", lambda: torch.where(torch.tensor([True, False]), torch.tensor([1]), torch.tensor([2.5])))
attempt("randn int dtype", lambda: torch.randn(2, dtype=torch.long))
attempt("arange float step", lambda: torch.arange(0, 1, 0.25))
attempt("zeros negative", lambda: torch.zeros(-1))
attempt("gather index dtype", lambda: torch.gather(a, 1, torch.tensor([[0]], dtype=torch.int32)))
attempt("scatter out of bounds", lambda: torch.zeros(3).scatter(0, torch.tensor([3]), torch.tensor([1.0])))
attempt("to unknown dtype", lambda: a.to("float32"))
