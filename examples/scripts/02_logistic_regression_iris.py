"""Softmax (multinomial logistic) regression on iris with nn.Linear + SGD."""
import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_iris

torch.manual_seed(42)
iris = load_iris()
X = torch.tensor(iris.data, dtype=torch.float32)
y = torch.tensor(iris.target)
print("X:", X.shape, X.dtype, "y:", y.shape, y.dtype, "classes:", y.unique().tolist())
print("class counts:", torch.bincount(y))

mean, std = X.mean(dim=0), X.std(dim=0)
print("mean:", mean)
print("std:", std)
X = (X - mean) / std

# Hold out every 5th sample.
idx = torch.arange(len(X))
test_mask = idx % 5 == 0
X_train, y_train = X[~test_mask], y[~test_mask]
X_test, y_test = X[test_mask], y[test_mask]
print("train/test:", len(X_train), len(X_test))

model = nn.Linear(4, 3)
# Deterministic start (independent of the library's random stream).
w0 = np.random.default_rng(0).normal(0, 0.1, size=(3, 4)).astype(np.float32)
with torch.no_grad():
    model.weight.copy_(torch.from_numpy(w0))
    model.bias.fill_(0.0)
print(model)

criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9, weight_decay=1e-4)

for epoch in range(1, 101):
    optimizer.zero_grad()
    logits = model(X_train)
    loss = criterion(logits, y_train)
    loss.backward()
    optimizer.step()
    if epoch % 20 == 0:
        acc = (logits.argmax(dim=1) == y_train).float().mean()
        print(f"epoch {epoch:3d}  loss {loss.item():.4f}  train acc {acc.item():.3f}")

model.eval()
with torch.no_grad():
    probs = torch.softmax(model(X_test), dim=1)
    pred = probs.argmax(dim=1)
print("test accuracy:", (pred == y_test).sum().item(), "/", len(y_test))
print("first probs:", probs[:3].round(decimals=2))
print("weight grad shape:", model.weight.grad.shape)
print("confusion:")
conf = torch.zeros(3, 3, dtype=torch.long)
for t, p in zip(y_test, pred):
    conf[t, p] += 1
print(conf)
