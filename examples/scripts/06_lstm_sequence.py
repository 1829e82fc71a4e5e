"""Sequence models on synthetic data: an LSTM regressor predicting the next value of noisy
sine waves, and a GRU classifier over variable-length (packed) sequences."""
import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

torch.manual_seed(0)
rng = np.random.default_rng(0)


def init_from_numpy(module, seed):
    """Deterministic weights that do not depend on torch's random stream."""
    r = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(torch.from_numpy(r.uniform(-0.3, 0.3, size=tuple(p.shape)).astype(np.float32)))


# ---- data: sine waves with random phase ---------------------------------------------------
T = 30
phase = rng.uniform(0, 2 * np.pi, size=(64, 1))
t = np.arange(T + 1)[None, :] * 0.3
waves = np.sin(t + phase).astype(np.float32)
X = torch.from_numpy(waves[:, :-1]).unsqueeze(-1)  # (batch, T, 1)
Y = torch.from_numpy(waves[:, 1:]).unsqueeze(-1)
print("X:", X.shape, "Y:", Y.shape)


class Forecaster(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.lstm = nn.LSTM(input_size=1, hidden_size=hidden, num_layers=1, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x, state=None):
        out, state = self.lstm(x, state)
        return self.head(out), state


model = Forecaster()
init_from_numpy(model, 1)
print(model)
for name, p in model.named_parameters():
    print(f"  {name:<22} {tuple(p.shape)}")

opt = torch.optim.Adam(model.parameters(), lr=0.02)
loss_fn = nn.MSELoss()
for epoch in range(60):
    opt.zero_grad()
    pred, (h, c) = model(X)
    loss = loss_fn(pred, Y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    opt.step()
    if epoch % 15 == 0 or epoch == 59:
        print(f"epoch {epoch:2d} mse {loss.item():.4f}")
print("h, c:", h.shape, c.shape)
print("final mse below 0.05:", loss.item() < 0.05)

# Closed-loop generation: feed predictions back in.
model.eval()
with torch.no_grad():
    seq = X[:1, :10]
    _, state = model(seq)
    last = seq[:, -1:]
    gen = []
    for _ in range(5):
        out, state = model(last, state)
        last = out
        gen.append(out.item())
print("generated:", len(gen), "values in [-1.5, 1.5]:", all(abs(g) < 1.5 for g in gen))

# ---- GRU classifier over variable-length sequences ----------------------------------------
lengths = [5, 3, 7, 2]
seqs = [torch.from_numpy(rng.normal(size=(n, 4)).astype(np.float32)) + (i % 2) for i, n in enumerate(lengths)]
padded = pad_sequence(seqs, batch_first=True)
print("padded:", padded.shape)
print("mask:\n", (padded.abs().sum(-1) > 0).int())
packed = pack_padded_sequence(padded, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
print("packed batch_sizes:", packed.batch_sizes)
print("sorted_indices:", packed.sorted_indices, "unsorted:", packed.unsorted_indices)

gru = nn.GRU(4, 8, batch_first=True, bidirectional=True)
init_from_numpy(gru, 2)
out, h_n = gru(packed)
unpacked, out_lens = pad_packed_sequence(out, batch_first=True)
print("unpacked:", unpacked.shape, "lengths:", out_lens)
print("h_n:", h_n.shape)
print("h_n[0] sum per sample:", h_n[0].sum(dim=1).round(decimals=3))
print("padding zeros kept:", bool((unpacked[3, 2:] == 0).all()))

rnn = nn.RNN(4, 6, num_layers=2, nonlinearity="relu")
init_from_numpy(rnn, 3)
o, hn = rnn(padded.transpose(0, 1))
print("rnn:", o.shape, hn.shape, "out sum: %.3f" % o.sum().item())

cell = nn.LSTMCell(4, 3)
init_from_numpy(cell, 4)
hx = torch.zeros(4, 3)
cx = torch.zeros(4, 3)
for step in range(padded.size(1)):
    hx, cx = cell(padded[:, step], (hx, cx))
print("LSTMCell hx:\n", hx.round(decimals=3))
