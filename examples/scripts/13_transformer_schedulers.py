"""A small Transformer encoder classifying synthetic token sequences (does the sequence contain
token 7?), with learning-rate schedulers, warmup via LambdaLR, gradient accumulation, gradient
clipping, nn.init, and a learning-rate trace for several schedulers."""
import math

import numpy as np
import torch
import torch.nn as nn
from torch.optim import lr_scheduler

torch.manual_seed(0)
rng = np.random.default_rng(0)

VOCAB, SEQ, N = 12, 10, 512
tokens = torch.from_numpy(rng.integers(1, VOCAB, size=(N, SEQ)))
labels = (tokens == 7).any(dim=1).long()
print("tokens:", tokens.shape, tokens.dtype, "positives:", labels.sum().item(), "/", N)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=64):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[: x.size(1)]


class Classifier(nn.Module):
    def __init__(self, d_model=16, nhead=2):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, d_model)
        self.pos = PositionalEncoding(d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=32, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, 2)
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def forward(self, x, pad_mask=None):
        h = self.encoder(self.pos(self.embed(x)), src_key_padding_mask=pad_mask)
        return self.head(h.mean(dim=1))


model = Classifier()
print(model.encoder.layers[0])
print("params:", sum(p.numel() for p in model.parameters()))
print("pe[1, :4]:", model.pos.pe[1, :4])

opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
warmup = 10
sched = lr_scheduler.LambdaLR(opt, lambda step: min(1.0, (step + 1) / warmup))
accum = 2
loss_fn = nn.CrossEntropyLoss()
step = 0
for epoch in range(6):
    perm = torch.randperm(N)
    for i in range(0, N, 32):
        idx = perm[i:i + 32]
        loss = loss_fn(model(tokens[idx]), labels[idx]) / accum
        loss.backward()
        if (i // 32 + 1) % accum == 0:
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            sched.step()
            step += 1
print("optimizer steps:", step, "lr after warmup:", sched.get_last_lr())

model.eval()
with torch.no_grad():
    acc = (model(tokens).argmax(1) == labels).float().mean().item()
    mask = torch.zeros(4, SEQ, dtype=torch.bool)
    mask[:, 7:] = True
    masked_out = model(tokens[:4], pad_mask=mask)
print("train accuracy above 0.85:", acc > 0.85)
print("masked forward:", masked_out.shape)

# Learning-rate traces (pure arithmetic, identical in any implementation).
def trace(make, steps=8, metric=None):
    p = nn.Parameter(torch.zeros(1))
    o = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    s = make(o)
    out = []
    for k in range(steps):
        o.step()
        if metric is not None:
            s.step(metric[k])
        else:
            s.step()
        out.append(round(o.param_groups[0]["lr"], 6))
    return out

print("StepLR:", trace(lambda o: lr_scheduler.StepLR(o, 3, gamma=0.5)))
print("MultiStepLR:", trace(lambda o: lr_scheduler.MultiStepLR(o, [2, 5], gamma=0.1)))
print("ExponentialLR:", trace(lambda o: lr_scheduler.ExponentialLR(o, 0.9)))
print("CosineAnnealingLR:", trace(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=6, eta_min=0.01)))
print("CosineWarmRestarts:", trace(lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2)))
print("OneCycleLR:", trace(lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=8)))
print("CyclicLR:", trace(lambda o: lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=2)))
print("LinearLR:", trace(lambda o: lr_scheduler.LinearLR(o, start_factor=0.25, total_iters=4)))
print("PolynomialLR:", trace(lambda o: lr_scheduler.PolynomialLR(o, total_iters=6, power=2.0)))
print("ReduceLROnPlateau:", trace(lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=1, factor=0.5),
                                  metric=[1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8]))
print("SequentialLR:", trace(lambda o: lr_scheduler.SequentialLR(
    o, [lr_scheduler.ConstantLR(o, factor=0.5, total_iters=2), lr_scheduler.ExponentialLR(o, 0.5)], milestones=[3])))
print("ChainedScheduler:", trace(lambda o: lr_scheduler.ChainedScheduler(
    [lr_scheduler.ConstantLR(o, factor=0.1, total_iters=2), lr_scheduler.ExponentialLR(o, gamma=0.9)])))
