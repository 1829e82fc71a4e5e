"""MLP on sklearn digits: Dataset/DataLoader with workers, Adam + StepLR, checkpointing."""
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch.utils.data import DataLoader, Dataset, random_split


class DigitsDataset(Dataset):
    def __init__(self):
        digits = load_digits()
        self.x = torch.tensor(digits.data, dtype=torch.float32) / 16.0
        self.y = torch.tensor(digits.target, dtype=torch.long)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class MLP(nn.Module):
    def __init__(self, hidden=64):
        super().__init__()
        self.fc1 = nn.Linear(64, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, 10)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.out(x)


def evaluate(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for xb, yb in loader:
            correct += (model(xb).argmax(1) == yb).sum().item()
            total += yb.numel()
    return correct / total


def main():
    torch.manual_seed(0)
    ds = DigitsDataset()
    train_ds, test_ds = random_split(ds, [1500, len(ds) - 1500],
                                     generator=torch.Generator().manual_seed(1))
    print("sizes:", len(ds), len(train_ds), len(test_ds))
    train_loader = DataLoader(train_ds, batch_size=64, shuffle=True, num_workers=2)
    test_loader = DataLoader(test_ds, batch_size=128, num_workers=2)
    print("batches:", len(train_loader), len(test_loader))
    xb, yb = next(iter(train_loader))
    print("batch:", xb.shape, xb.dtype, yb.shape, yb.dtype)

    model = MLP()
    print(model)
    print("params:", sum(p.numel() for p in model.parameters()))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)

    for epoch in range(8):
        model.train()
        for xb, yb in train_loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
        scheduler.step()
        print(f"epoch {epoch}: lr now {scheduler.get_last_lr()[0]:.5f}")

    acc = evaluate(model, test_loader)
    print("test accuracy above 0.9:", acc > 0.9)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "ckpt.pt")
        torch.save({"epoch": 8, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict()}, path)
        ckpt = torch.load(path)
        print("checkpoint keys:", sorted(ckpt))
        print("state_dict keys:", list(ckpt["model"].keys()))
        print("optimizer state keys:", sorted(ckpt["optimizer"]["state"][0].keys()))
        print("param_groups lr:", ckpt["optimizer"]["param_groups"][0]["lr"])
        print("scheduler:", {k: ckpt["scheduler"][k] for k in ("step_size", "gamma", "last_epoch")})

        restored = MLP()
        print(restored.load_state_dict(ckpt["model"]))
        opt2 = torch.optim.Adam(restored.parameters(), lr=1e-2)
        opt2.load_state_dict(ckpt["optimizer"])
        print("restored step:", opt2.state_dict()["state"][0]["step"])
        same = all(torch.equal(a, b) for a, b in zip(model.parameters(), restored.parameters()))
        print("weights equal:", same)
        print("restored accuracy equal:", evaluate(restored, test_loader) == acc)


if __name__ == "__main__":
    main()
