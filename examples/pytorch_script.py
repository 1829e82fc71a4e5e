"""An ordinary PyTorch script (no ember in it): fit y = 3x + 0.5 with a tiny MLP.

Run it with real PyTorch:   python examples/pytorch_script.py hello
or unmodified on ember:     ember run examples/pytorch_script.py hello
Both print the same lines (the initial weights are set explicitly, so nothing is random).
"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def main(argv):
    print("args:", argv)
    x = torch.linspace(-1, 1, 16).unsqueeze(1)
    y = 3 * x + 0.5
    print("data:", tuple(x.shape), x.dtype, f"y[:3]={[round(v, 4) for v in y[:3, 0].tolist()]}")

    model = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape) * (i + 1))
    print("parameters:", sum(p.numel() for p in model.parameters()))

    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
    loader = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=False)
    for epoch in range(8):
        total = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.mse_loss(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        print(f"epoch {epoch}: loss {total / len(x):.4f}")

    with torch.no_grad():
        pred = model(torch.tensor([[0.25]]))
    print(f"f(0.25) = {pred.item():.3f} (target {3 * 0.25 + 0.5:.3f})")


if __name__ == "__main__":
    main(sys.argv[1:])
