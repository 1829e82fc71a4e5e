"""ember vs torch benchmark cases (the performance issue's list), timed alternately in one process.

Each case builds the same workload for both libraries (same NumPy inputs and weights) and returns
two zero-argument callables; ``run_case`` alternates them after warm-up and reports medians.
"""
from __future__ import annotations

import gc
import statistics
import time

import numpy as np


def _libs():
    import ember
    import torch
    return ember, torch


def _timeit(fn, min_time: float) -> float:
    """Median seconds per call of fn over repeated runs taking at least min_time in total."""
    fn()
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    inner = max(1, int(0.02 / one))
    samples = []
    end = time.perf_counter() + min_time
    while time.perf_counter() < end or len(samples) < 3:
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t) / inner)
    return statistics.median(samples)


def run_case(name, make, min_time=1.0, rounds=7):
    """Time ember and torch in ``rounds`` short paired rounds (the order alternating between
    rounds); return a result dict.

    The ratio is the median of the per-round ratios: the machine's speed drifts by 2x and more
    within a minute (other tenants), and a pair of back-to-back measurements sees the same
    conditions where two separate medians need not."""
    fe, ft = make()
    te, tt = [], []
    for r in range(rounds):
        for which in ((0, 1) if r % 2 == 0 else (1, 0)):
            gc.collect()
            (te if which == 0 else tt).append(_timeit((fe, ft)[which], min_time / rounds))
    ratios = sorted(a / b for a, b in zip(te, tt))
    return {"case": name, "ember_s": statistics.median(te), "torch_s": statistics.median(tt),
            "ratio": statistics.median(ratios), "ratio_low": ratios[0], "ratio_high": ratios[-1]}


# ---- case builders ------------------------------------------------------------------------------
def per_op(requires_grad: bool):
    def make():
        ember, torch = _libs()
        a = np.ones(10, np.float32)
        ea, eb = ember.tensor(a, requires_grad=requires_grad), ember.tensor(a)
        ta, tb = torch.tensor(a, requires_grad=requires_grad), torch.tensor(a)
        return (lambda: ea + eb), (lambda: ta + tb)
    return make


def chain_backward():
    ember, torch = _libs()
    x = np.random.default_rng(0).standard_normal((16, 16)).astype(np.float32)
    ea, eb = ember.tensor(x, requires_grad=True), ember.tensor(x)
    ta, tb = torch.tensor(x, requires_grad=True), torch.tensor(x)

    def fe():
        (ea * eb + ea).sum().backward()

    def ft():
        (ta * tb + ta).sum().backward()
    return fe, ft


def elementwise(op: str, n: int = 10_000_000):
    def make():
        ember, torch = _libs()
        x = np.random.default_rng(0).standard_normal(n).astype(np.float32)
        ex, ey = ember.from_numpy(x), ember.from_numpy(x[::-1].copy())
        tx, ty = torch.from_numpy(x), torch.from_numpy(x[::-1].copy())
        f = {"add": lambda L, a, b: a + b, "mul": lambda L, a, b: a * b, "exp": lambda L, a, b: L.exp(a),
             "relu": lambda L, a, b: L.relu(a), "sum": lambda L, a, b: a.sum()}[op]
        return (lambda: f(ember, ex, ey)), (lambda: f(torch, tx, ty))
    return make


def matmul(n: int):
    def make():
        ember, torch = _libs()
        rng = np.random.default_rng(0)
        a, b = rng.standard_normal((n, n)).astype(np.float32), rng.standard_normal((n, n)).astype(np.float32)
        ea, eb, ta, tb = ember.from_numpy(a), ember.from_numpy(b), torch.from_numpy(a), torch.from_numpy(b)
        return (lambda: ea @ eb), (lambda: ta @ tb)
    return make


def conv2d(n, cin, cout, hw, k, s, backward):
    def make():
        ember, torch = _libs()
        rng = np.random.default_rng(0)
        x = rng.standard_normal((n, cin, hw, hw)).astype(np.float32)
        w = (rng.standard_normal((cout, cin, k, k)) * 0.05).astype(np.float32)
        ex, ew = ember.tensor(x, requires_grad=backward), ember.tensor(w, requires_grad=backward)
        tx, tw = torch.tensor(x, requires_grad=backward), torch.tensor(w, requires_grad=backward)
        p = k // 2

        def fe():
            y = ember.nn.functional.conv2d(ex, ew, None, s, p)
            if backward:
                y.sum().backward()

        def ft():
            y = torch.nn.functional.conv2d(tx, tw, None, s, p)
            if backward:
                y.sum().backward()
        return fe, ft
    return make


def _copy_weights(src_torch, dst_ember):
    import ember
    sd = {k: ember.from_numpy(v.detach().numpy().copy()) for k, v in src_torch.state_dict().items()}
    dst_ember.load_state_dict(sd)


def _resnet_pair(depth):
    """A torchvision-layout ResNet built by the same code under both libraries (torchvision may
    not be installable next to torch 2.13, so the reference is defined here)."""
    import ember
    import torch
    src = _RESNET_SRC
    out = []
    for lib in (torch, ember):
        ns = {"torch": lib, "nn": lib.nn}
        exec(src, ns)
        out.append(ns["resnet"](depth))
    return out


def resnet_inference(depth, batch):
    def make():
        ember, torch = _libs()
        tm, em = _resnet_pair(depth)
        _copy_weights(tm, em)
        tm.eval()
        em.eval()
        x = np.random.default_rng(0).standard_normal((batch, 3, 224, 224)).astype(np.float32)
        ex, tx = ember.from_numpy(x), torch.from_numpy(x)

        def fe():
            with ember.no_grad():
                em(ex)

        def ft():
            with torch.no_grad():
                tm(tx)
        return fe, ft
    return make


def cyclegan():
    import os
    ember, torch = _libs()
    here = os.path.dirname(os.path.abspath(__file__))
    seed = os.path.join(here, "..", "..", "shared", "seeds", "004_46fd9ab947616c72.txt")
    src = _CYCLEGAN_SRC
    models = []
    for lib in (torch, ember):
        ns = {"torch": lib, "nn": lib.nn}
        exec(src, ns)
        models.append(ns["ResNetGenerator"]())
    tm, em = models
    _copy_weights(tm, em)
    tm.eval()
    em.eval()
    x = np.random.default_rng(0).standard_normal((1, 3, 256, 256)).astype(np.float32)
    ex, tx = ember.from_numpy(x), torch.from_numpy(x)

    def fe():
        with ember.no_grad():
            em(ex)

    def ft():
        with torch.no_grad():
            tm(tx)
    return fe, ft


def mlp_train():
    ember, torch = _libs()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 784)).astype(np.float32)
    y = rng.integers(0, 10, 128)
    pair = []
    for lib in (torch, ember):
        nn = lib.nn
        m = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
        pair.append(m)
    _copy_weights(pair[0], pair[1])
    fns = []
    for lib, m in ((ember, pair[1]), (torch, pair[0])):
        opt = lib.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
        xx, yy = lib.tensor(x), lib.tensor(y)
        lossf = lib.nn.CrossEntropyLoss()

        def step(m=m, opt=opt, xx=xx, yy=yy, lossf=lossf):
            opt.zero_grad()
            lossf(m(xx), yy).backward()
            opt.step()
        fns.append(step)
    return fns[0], fns[1]


def mnist_cnn_train():
    ember, torch = _libs()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    fns = []
    models = []
    for lib in (torch, ember):
        ns = {"torch": lib, "nn": lib.nn, "F": lib.nn.functional}
        exec(_MNIST_SRC, ns)
        models.append(ns["Net"]())
    _copy_weights(models[0], models[1])
    for lib, m in ((ember, models[1]), (torch, models[0])):
        opt = lib.optim.Adadelta(m.parameters(), lr=1.0)
        xx, yy = lib.tensor(x), lib.tensor(y)

        def step(m=m, opt=opt, xx=xx, yy=yy, lib=lib):
            opt.zero_grad()
            lib.nn.functional.nll_loss(m(xx), yy).backward()
            opt.step()
        fns.append(step)
    return fns[0], fns[1]


_RESNET_SRC = '''
def conv3x3(i, o, s=1):
    return nn.Conv2d(i, o, 3, s, 1, bias=False)

class BasicBlock(nn.Module):
    expansion = 1
    def __init__(self, inp, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv3x3(inp, planes, stride); self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes); self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + idt)

class Bottleneck(nn.Module):
    expansion = 4
    def __init__(self, inp, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, planes, 1, bias=False); self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride); self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False); self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True); self.downsample = downsample
    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + idt)

class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False); self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True); self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = self._make(block, 64, layers[0])
        self.layer2 = self._make(block, 128, layers[1], 2)
        self.layer3 = self._make(block, 256, layers[2], 2)
        self.layer4 = self._make(block, 512, layers[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1)); self.fc = nn.Linear(512 * block.expansion, num_classes)
    def _make(self, block, planes, n, stride=1):
        ds = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            ds = nn.Sequential(nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),
                               nn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, ds)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, n)]
        return nn.Sequential(*layers)
    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))

def resnet(depth):
    cfg = {18: (BasicBlock, [2, 2, 2, 2]), 50: (Bottleneck, [3, 4, 6, 3])}[depth]
    return ResNet(*cfg)
'''

_CYCLEGAN_SRC = '''
class ResNetBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv_block = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, padding=0, bias=True),
                                        nn.InstanceNorm2d(dim), nn.ReLU(True), nn.ReflectionPad2d(1),
                                        nn.Conv2d(dim, dim, 3, padding=0, bias=True), nn.InstanceNorm2d(dim))
    def forward(self, x):
        return x + self.conv_block(x)

class ResNetGenerator(nn.Module):
    def __init__(self, input_nc=3, output_nc=3, ngf=64, n_blocks=9):
        super().__init__()
        model = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, padding=0, bias=True),
                 nn.InstanceNorm2d(ngf), nn.ReLU(True)]
        for i in range(2):
            mult = 2 ** i
            model += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=True),
                      nn.InstanceNorm2d(ngf * mult * 2), nn.ReLU(True)]
        for i in range(n_blocks):
            model += [ResNetBlock(ngf * 4)]
        for i in range(2):
            mult = 2 ** (2 - i)
            model += [nn.ConvTranspose2d(ngf * mult, int(ngf * mult / 2), 3, stride=2, padding=1,
                                         output_padding=1, bias=True),
                      nn.InstanceNorm2d(int(ngf * mult / 2)), nn.ReLU(True)]
        model += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7, padding=0), nn.Tanh()]
        self.model = nn.Sequential(*model)
    def forward(self, input):
        return self.model(input)
'''

_MNIST_SRC = '''
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)
    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)
'''


def cases(quick: bool):
    """(name, builder, target ratio) in the performance issue's order."""
    out = [
        ("per-op a+b (10 float32)", per_op(False), 2.0),
        ("per-op a+b requires_grad", per_op(True), 2.0),
        ("chain (a*b+a).sum().backward() 16x16", chain_backward, 2.5),
    ]
    for op in ("add", "mul", "exp", "relu", "sum"):
        out.append((f"elementwise {op} 10M float32", elementwise(op), 1.0))
    for n in ((256, 1024) if quick else (256, 1024, 2048)):
        out.append((f"matmul {n}x{n} float32", matmul(n), 1.1))
    convs = [("3x3 s1 8x64->64 @56", (8, 64, 64, 56, 3, 1)), ("3x3 s1 8x256->256 @14", (8, 256, 256, 14, 3, 1)),
             ("7x7 s2 8x3->64 @224", (8, 3, 64, 224, 7, 2))]
    for name, cfg in convs:
        out.append((f"conv2d {name} fwd", conv2d(*cfg, backward=False), 1.3))
        if not quick:
            out.append((f"conv2d {name} fwd+bwd", conv2d(*cfg, backward=True), 1.6))
    out.append(("ResNet-18 inference b1", resnet_inference(18, 1), 1.4))
    out.append(("ResNet-18 inference b8", resnet_inference(18, 8), 1.4))
    if not quick:
        out.append(("ResNet-50 inference b1", resnet_inference(50, 1), 1.25))
        out.append(("ResNet-50 inference b8", resnet_inference(50, 8), 1.25))
    out.append(("CycleGAN generator 1x3x256x256", cyclegan, 1.25))
    out.append(("MLP 784-512-512-10 train step b128 SGD", mlp_train, 1.4))
    out.append(("MNIST CNN train step b64 Adadelta", mnist_cnn_train, 1.8))
    return out
