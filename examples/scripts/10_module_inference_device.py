"""Everyday nn.Module plumbing: device selection, seeding, train/eval, no_grad and
inference_mode, buffers, ModuleList/ModuleDict, hooks, state_dict round trips, freezing."""
import io
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

device = "cuda" if torch.cuda.is_available() else "cpu"
print("device type:", torch.device(device).type)

# Seeding makes the library's own random stream reproducible (values differ between libraries).
torch.manual_seed(1234)
a = torch.randn(3, 4)
torch.manual_seed(1234)
b = torch.randn(3, 4)
print("same seed, same numbers:", torch.equal(a, b))
g = torch.Generator().manual_seed(5)
print("randint range ok:", bool(((r := torch.randint(0, 10, (100,), generator=g)) >= 0).all() and (r < 10).all()))
print("randn stats plausible:", abs(torch.randn(10000).mean().item()) < 0.05)
print("rand dtype/shape:", torch.rand(2, 3, dtype=torch.float64).dtype, torch.rand(2, 3).shape)
print("randperm is a permutation:", torch.equal(torch.randperm(10).sort().values, torch.arange(10)))


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.lin = nn.Linear(dim, dim)
        self.norm = nn.LayerNorm(dim)
        self.drop = nn.Dropout(0.5)
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))

    def forward(self, x):
        self.calls += 1
        return x + self.drop(F.gelu(self.norm(self.lin(x))))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 8, padding_idx=0)
        self.blocks = nn.ModuleList([Block(8) for _ in range(2)])
        self.heads = nn.ModuleDict({"cls": nn.Linear(8, 3), "reg": nn.Linear(8, 1)})
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, tokens):
        x = self.embed(tokens).mean(1)
        for blk in self.blocks:
            x = blk(x)
        return self.heads["cls"](x) * self.scale, self.heads["reg"](x)


torch.manual_seed(0)
net = Net().to(device)
print(net)
print("named_modules:", [n for n, _ in net.named_modules()])
print("parameters:", [(n, tuple(p.shape)) for n, p in net.named_parameters()])
print("buffers:", [(n, b.dtype) for n, b in net.named_buffers()])
print("padding row is zero:", bool((net.embed.weight[0] == 0).all()))
print("training flags:", net.training, net.blocks[0].drop.training)

tokens = torch.tensor([[1, 2, 3, 0], [4, 5, 0, 0]], device=device)
net.eval()
print("after eval():", net.training, net.blocks[1].drop.training)
with torch.no_grad():
    out1, _ = net(tokens)
    out2, _ = net(tokens)
print("eval is deterministic:", torch.equal(out1, out2), "requires_grad:", out1.requires_grad)
with torch.inference_mode():
    out3, reg = net(tokens)
print("inference_mode:", out3.is_inference(), torch.is_inference_mode_enabled(), reg.shape)
print("grad enabled:", torch.is_grad_enabled())
print("calls buffer:", net.blocks[0].calls)

net.train()
torch.manual_seed(3)
t1, _ = net(tokens)
torch.manual_seed(3)
t2, _ = net(tokens)
print("train-mode dropout reproducible under same seed:", torch.equal(t1, t2))

# forward hooks
shapes = []
handle = net.blocks[0].register_forward_hook(lambda m, inp, out: shapes.append(tuple(out.shape)))
pre = net.heads["cls"].register_forward_pre_hook(lambda m, inp: (inp[0] * 0,))
out, _ = net(tokens)
print("hook saw:", shapes, "pre-hook zeroed input -> out equals bias:",
      torch.allclose(out, net.heads["cls"].bias.expand_as(out) * net.scale))
handle.remove()
pre.remove()
net(tokens)
print("after remove:", shapes)

# state_dict round trip through a buffer
sd = net.state_dict()
print("state_dict keys:", list(sd.keys()))
print("state_dict is OrderedDict:", isinstance(sd, OrderedDict))
buf = io.BytesIO()
torch.save(sd, buf)
buf.seek(0)
loaded = torch.load(buf, weights_only=True)
net2 = Net()
res = net2.load_state_dict(loaded)
print(res)
print("equal after load:", all(torch.equal(sd[k], net2.state_dict()[k]) for k in sd))
partial = {k: v for k, v in loaded.items() if not k.startswith("heads")}
res = net2.load_state_dict(partial, strict=False)
print("missing:", res.missing_keys)
print("unexpected:", res.unexpected_keys)
try:
    net2.load_state_dict({"scale": torch.ones(2)}, strict=False)
except RuntimeError as e:
    print("RuntimeError:", str(e).splitlines()[0])

# freezing, requires_grad_, zero_grad
for p in net.embed.parameters():
    p.requires_grad_(False)
opt = torch.optim.AdamW(filter(lambda p: p.requires_grad, net.parameters()), lr=1e-3)
logits, reg = net(tokens)
loss = F.cross_entropy(logits, torch.tensor([0, 2], device=device)) + reg.pow(2).mean()
loss.backward()
print("embed grad:", net.embed.weight.grad, "| lin grad shape:", net.blocks[0].lin.weight.grad.shape)
opt.step()
opt.zero_grad()
print("after zero_grad:", net.blocks[0].lin.weight.grad)
print("num param groups:", len(opt.param_groups), "params in group:", len(opt.param_groups[0]["params"]))

# whole-model save/load (pickled module) and a .to() round trip
buf = io.BytesIO()
torch.save(net, buf)
buf.seek(0)
clone = torch.load(buf, weights_only=False)
print("loaded module type:", type(clone).__name__, "same scale:", torch.equal(clone.scale, net.scale))
print("double():", next(net.double().parameters()).dtype, "float():", next(net.float().parameters()).dtype)
print("to(device) keeps identity:", net.to(device) is net)
print("half param:", nn.Linear(2, 2).half().weight.dtype)
print("module zero_grad set_to_none:", net.scale.grad)
print("cuda available:", torch.cuda.is_available() == (device == "cuda"))
