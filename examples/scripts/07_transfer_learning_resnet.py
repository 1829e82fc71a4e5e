"""Transfer-learning skeleton: torchvision resnet18 (no pretrained weights offline), frozen
backbone, new head, torchvision transforms on two real JPEGs, an ImageFolder-style dataset."""
import glob
import os
import tempfile

import numpy as np
import sklearn
import torch
import torch.nn as nn
import torchvision
from PIL import Image
from torchvision import datasets, models, transforms

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"

image_dir = os.path.join(os.path.dirname(sklearn.__file__), "datasets", "images")
paths = sorted(glob.glob(os.path.join(image_dir, "*.jpg")))
print("images:", [os.path.basename(p) for p in paths])

preprocess = transforms.Compose([
    transforms.Resize(128),
    transforms.CenterCrop(112),
    transforms.ToTensor(),
    transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
])
print(preprocess)

batch = []
for p in paths:
    img = Image.open(p).convert("RGB")
    print(os.path.basename(p), "size:", img.size, "mode:", img.mode)
    t = preprocess(img)
    print("  tensor:", t.shape, t.dtype, "mean %.3f std %.3f" % (t.mean().item(), t.std().item()))
    print("  per-channel mean:", t.mean(dim=(1, 2)).round(decimals=2))
    batch.append(t)
batch = torch.stack(batch).to(device)
print("batch:", batch.shape)

raw = transforms.PILToTensor()(Image.open(paths[0]))
print("PILToTensor:", raw.shape, raw.dtype, raw[:, 0, 0])
flipped = transforms.functional.hflip(raw)
print("hflip ok:", torch.equal(flipped[:, :, 0], raw[:, :, -1]))
gray = transforms.Grayscale()(Image.open(paths[1]))
print("grayscale:", gray.mode, gray.size)

model = models.resnet18(weights=None)
print("fc before:", model.fc)
print("total params:", sum(p.numel() for p in model.parameters()))
for param in model.parameters():
    param.requires_grad = False
model.fc = nn.Linear(model.fc.in_features, 2)
model = model.to(device)
trainable = [n for n, p in model.named_parameters() if p.requires_grad]
print("trainable:", trainable)
print("children:", [name for name, _ in model.named_children()])

labels = torch.tensor([0, 1], device=device)
optimizer = torch.optim.SGD(model.fc.parameters(), lr=0.01, momentum=0.9)
criterion = nn.CrossEntropyLoss()
model.train()
losses = []
for step in range(5):
    optimizer.zero_grad()
    out = model(batch)
    loss = criterion(out, labels)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
print("logits:", out.shape, "loss decreased:", losses[-1] < losses[0])
print("frozen conv1 has no grad:", model.conv1.weight.grad is None)
print("fc grad shape:", model.fc.weight.grad.shape)

model.eval()
with torch.no_grad():
    probs = torch.softmax(model(batch), dim=1)
print("probs:", probs.shape, "rows sum to 1:", torch.allclose(probs.sum(1), torch.ones(2)))

# An ImageFolder dataset on a temporary directory tree.
with tempfile.TemporaryDirectory() as root:
    for cls, p in zip(["china", "flower"], paths):
        os.makedirs(os.path.join(root, cls))
        Image.open(p).resize((64, 48)).save(os.path.join(root, cls, "img0.png"))
        Image.open(p).resize((48, 64)).save(os.path.join(root, cls, "img1.png"))
    ds = datasets.ImageFolder(root, transform=transforms.Compose([
        transforms.Resize((32, 32)), transforms.ToTensor()]))
    print("ImageFolder:", len(ds), ds.classes, ds.class_to_idx)
    x0, y0 = ds[0]
    print("sample:", x0.shape, y0, "targets:", ds.targets)
    loader = torch.utils.data.DataLoader(ds, batch_size=4)
    xb, yb = next(iter(loader))
    print("loader batch:", xb.shape, yb)
print("torchvision has models.resnet18:", hasattr(torchvision.models, "resnet18"))
