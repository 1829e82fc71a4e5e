"""Oracle tests for nn.Module behaviour: the seed's CycleGAN generator, repr, state_dict, hooks."""
import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch
from tests.nn._cyclegan_seed import build
from tests.nn._harness import assert_close, compare_module, copy_state

pytestmark = requires_torch


def _resnet_like(lib):
    nn = lib.nn

    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, cin, cout, stride=1):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                                nn.BatchNorm2d(cout))

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.relu(out + identity)

    class TinyResNet(nn.Module):
        def __init__(self, num_classes=10):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, kernel_size=7, stride=2, padding=3, bias=False)
            self.bn1 = nn.BatchNorm2d(8)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            self.layer1 = nn.Sequential(BasicBlock(8, 8), BasicBlock(8, 8))
            self.layer2 = nn.Sequential(BasicBlock(8, 16, 2), BasicBlock(16, 16))
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.dropout = nn.Dropout(p=0.0)
            self.fc = nn.Linear(16, num_classes)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer2(self.layer1(x))
            x = ember.flatten(self.avgpool(x), 1) if lib is ember else \
                torch.flatten(self.avgpool(x), 1)
            return self.fc(self.dropout(x))

    return TinyResNet()


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---- the seed's CycleGAN generator -----------------------------------------------------------
@pytest.mark.parametrize("train", [True, False])
def test_cyclegan_generator_small_float64(train):
    compare_module(lambda lib: build(lib)[0](ngf=4, n_blocks=2), [_x(1, 3, 24, 24)], train=train)


def test_cyclegan_generator_small_float32():
    # a whole deep network in float32: rounding accumulates through ~10 layers and 4 norms
    compare_module(lambda lib: build(lib)[0](ngf=4, n_blocks=1), [_x(2, 3, 16, 16)],
                   dtype=np.float32, tol=(1e-4, 1e-3))


def test_cyclegan_generator_full_size_forward():
    torch.manual_seed(0)
    tg = build(torch)[0]()
    eg = build(ember)[0]()
    copy_state(tg, eg)
    tg.eval()
    eg.eval()
    x = _x(1, 3, 64, 64).astype(np.float32)
    with torch.no_grad():
        to = tg(torch.from_numpy(x))
    with ember.no_grad():
        eo = eg(ember.from_numpy(x))
    assert eo.shape == to.shape == (1, 3, 64, 64)
    np.testing.assert_allclose(eo.numpy(), to.numpy(), rtol=1e-4, atol=2e-5)


def test_cyclegan_repr_and_state_dict_match_torch():
    tg = build(torch)[0](n_blocks=3)
    eg = build(ember)[0](n_blocks=3)
    assert repr(eg) == repr(tg)
    assert str(eg) == str(tg)
    assert list(eg.state_dict().keys()) == list(tg.state_dict().keys())
    assert [n for n, _ in eg.named_modules()] == [n for n, _ in tg.named_modules()]
    assert [(n, tuple(p.shape)) for n, p in eg.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in tg.named_parameters()]


# ---- a ResNet-like model ---------------------------------------------------------------------
def test_resnet_like_repr_matches_torch():
    assert repr(_resnet_like(ember)) == repr(_resnet_like(torch))


@pytest.mark.parametrize("train", [True, False])
def test_resnet_like_outputs_grads_and_running_stats(train):
    compare_module(_resnet_like, [_x(2, 3, 32, 32)], train=train)


def test_state_dict_keys_buffers_and_nonpersistent():
    for lib in (ember, torch):
        m = lib.nn.Sequential(lib.nn.Conv2d(2, 3, 1), lib.nn.BatchNorm2d(3))
        m.register_buffer("scratch", lib.zeros(2), persistent=False)
        m.register_buffer("kept", lib.ones(1))
        keys = list(m.state_dict().keys())
        assert keys == ["kept", "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                        "1.running_var", "1.num_batches_tracked"]
        assert "scratch" in dict(m.named_buffers())
    sd = ember.nn.BatchNorm1d(2).state_dict()
    assert sd["num_batches_tracked"].dtype == ember.int64
    assert sd["num_batches_tracked"].shape == ()


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the message is what is compared
        return type(e), str(e)
    return None


def test_load_state_dict_errors_match_torch():
    res = {}
    for lib in (ember, torch):
        m = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.BatchNorm1d(2))
        sd = {k: lib.zeros(v.shape, dtype=v.dtype) for k, v in m.state_dict().items()}
        bad = dict(sd)
        bad["0.weight"] = lib.zeros(4, 3)
        missing = {k: v for k, v in sd.items() if k != "1.running_var"}
        extra = dict(sd)
        extra["2.weight"] = lib.zeros(1)
        both = dict(missing)
        both["foo"] = lib.zeros(1)
        out = [_err(lambda: m.load_state_dict(bad)), _err(lambda: m.load_state_dict(missing)),
               _err(lambda: m.load_state_dict(extra)), _err(lambda: m.load_state_dict(both))]
        r = m.load_state_dict(both, strict=False)
        out.append((r.missing_keys, r.unexpected_keys, repr(m.load_state_dict(sd))))
        res[lib] = out
    assert res[ember] == res[torch]


def test_state_dict_roundtrip_through_torch():
    tm = _resnet_like(torch)
    em = _resnet_like(ember)
    copy_state(tm, em)
    back = {k: torch.from_numpy(np.array(v.numpy(), copy=True)) for k, v in em.state_dict().items()}
    tm2 = _resnet_like(torch)
    tm2.load_state_dict(back)
    for (k, a), (_, b) in zip(tm.state_dict().items(), tm2.state_dict().items()):
        assert torch.equal(a, b), k


# ---- hooks -----------------------------------------------------------------------------------
def test_forward_hooks_and_pre_hooks():
    logs = {}
    for lib in (ember, torch):
        log = []
        lin = lib.nn.Linear(3, 2)
        h1 = lin.register_forward_pre_hook(lambda m, a: (a[0] * 2,))
        h2 = lin.register_forward_hook(lambda m, a, o: o + 1)
        lin.register_forward_hook(lambda m, a, o: log.append(tuple(o.shape)))
        x = lib.ones(4, 3)
        y1 = lin(x)
        h1.remove()
        h2.remove()
        y2 = lin(x)
        log.append(bool(((y1 - 1) - (2 * y2 - lin.bias)).abs().max() < 1e-5))
        logs[lib] = log
    assert logs[ember] == logs[torch]


def test_full_backward_hooks_match_torch():
    res = {}
    for lib in (ember, torch):
        torch.manual_seed(0)
        tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
        m = tm if lib is torch else lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(),
                                                      lib.nn.Linear(4, 2))
        if lib is ember:
            copy_state(tm, m)
        m.double()
        log = []

        def hook(mod, gin, gout):
            log.append(("full", type(mod).__name__,
                        [None if g is None else g.detach().numpy().round(10).tolist() for g in gin],
                        [g.detach().numpy().round(10).tolist() for g in gout]))
            if gin[0] is not None:
                return (gin[0] * 3,)

        def pre(mod, gout):
            log.append(("pre", type(mod).__name__))
            return (gout[0] * 0.5,)
        m[2].register_full_backward_hook(hook)
        m[2].register_full_backward_pre_hook(pre)
        m[0].register_full_backward_hook(hook)
        x = lib.from_numpy(_x(5, 3)).requires_grad_()
        (m(x) ** 2).sum().backward()
        log.append(x.grad.numpy().round(10).tolist())
        log.append(m[0].weight.grad.detach().numpy().round(10).tolist())
        res[lib] = log
    assert res[ember] == res[torch]


# ---- module API ------------------------------------------------------------------------------
def test_train_eval_to_and_zero_grad():
    m = _resnet_like(ember)
    m.eval()
    assert not any(sub.training for sub in m.modules())
    m.train()
    assert all(sub.training for sub in m.modules())
    m.double()
    assert all(p.dtype == ember.float64 for p in m.parameters())
    assert m.bn1.num_batches_tracked.dtype == ember.int64
    out = m(ember.from_numpy(_x(2, 3, 16, 16)))
    out.sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    m.float()
    assert m.fc.weight.dtype == ember.float32
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen[-1] == "TinyResNet" and seen[0] == "Conv2d"
    assert m.get_submodule("layer2.0.downsample.1") is m.layer2[0].downsample[1]


def test_containers_behave_like_torch():
    for lib in (ember, torch):
        nn = lib.nn
        s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        assert isinstance(s[1], nn.ReLU) and len(s[1:]) == 2 and isinstance(s[1:], nn.Sequential)
        s.append(nn.Sigmoid())
        assert len(s) == 4 and isinstance(s[-1], nn.Sigmoid)
        ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
        md = nn.ModuleDict({"a": nn.ReLU(), "b": nn.Tanh()})
        pl = nn.ParameterList([nn.Parameter(lib.ones(2)), nn.Parameter(lib.zeros(3))])
        pd = nn.ParameterDict({"w": nn.Parameter(lib.ones(2, 2))})
        holder = nn.Module()
        holder.ml, holder.md = ml, md
        params = nn.Module()
        params.pl, params.pd = pl, pd
        if lib is ember:
            e = (repr(s), repr(holder), list(holder.state_dict().keys()),
                 list(params.state_dict().keys()))
        else:
            t = (repr(s), repr(holder), list(holder.state_dict().keys()),
                 list(params.state_dict().keys()))
    assert e == t


def test_module_attribute_errors_match_torch():
    res = {}
    for lib in (ember, torch):
        m = lib.nn.Linear(2, 2)
        out = [_err(lambda: m.nonexistent),
               _err(lambda: setattr(m, "weight", 3)),
               _err(lambda: m.register_buffer("a.b", lib.ones(1))),
               _err(lambda: m.get_submodule("foo"))]
        res[lib] = out
    assert res[ember] == res[torch]


def test_optimizer_trains_resnet_like_same_as_torch():
    tm = _resnet_like(torch).double()
    em = _resnet_like(ember).double()
    copy_state(tm, em)
    to = torch.optim.SGD(tm.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    eo = ember.optim.SGD(em.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    x = _x(4, 3, 16, 16)
    y = np.array([1, 3, 5, 7])
    for _ in range(3):
        for lib, m, o in ((torch, tm, to), (ember, em, eo)):
            o.zero_grad()
            loss = lib.nn.functional.cross_entropy(m(lib.from_numpy(x)), lib.from_numpy(y))
            loss.backward()
            o.step()
    for (n, a), (_, b) in zip(em.state_dict().items(), tm.state_dict().items()):
        assert_close(a, b, np.float64, n)


REPR_CASES = [
    ("Linear", (3, 4), {}), ("Bilinear", (2, 3, 4), {}),
    ("Conv2d", (3, 4, 3), dict(stride=2, padding=1, dilation=2, bias=False, padding_mode="reflect")),
    ("Conv1d", (3, 4, 3), dict(padding="same")), ("Conv3d", (2, 2, (1, 2, 3)), {}),
    ("ConvTranspose2d", (4, 2, 3), dict(stride=2, output_padding=1)),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True)), ("MaxPool1d", (2,), {}),
    ("AvgPool2d", (2,), {}), ("AvgPool1d", (3,), dict(count_include_pad=False)),
    ("AvgPool3d", (2,), {}), ("AdaptiveAvgPool2d", ((1, 1),), {}),
    ("AdaptiveMaxPool2d", (3,), dict(return_indices=True)), ("AdaptiveAvgPool1d", (3,), {}),
    ("ReflectionPad2d", (1,), {}), ("ReplicationPad1d", ((1, 2),), {}), ("ZeroPad2d", (2,), {}),
    ("ConstantPad1d", (2, 1.5), {}), ("CircularPad2d", (1,), {}),
    ("BatchNorm2d", (3,), {}), ("BatchNorm1d", (3,), dict(affine=False, momentum=None)),
    ("InstanceNorm2d", (3,), dict(affine=True)), ("LayerNorm", ((3, 4),), {}),
    ("GroupNorm", (2, 4), {}), ("LocalResponseNorm", (2,), {}), ("RMSNorm", (4,), {}),
    ("ReLU", (), dict(inplace=True)), ("ReLU6", (), {}), ("LeakyReLU", (0.2,), {}),
    ("PReLU", (3,), {}), ("ELU", (), {}), ("SELU", (), {}), ("CELU", (), {}), ("GELU", ("tanh",), {}),
    ("SiLU", (), {}), ("Mish", (), {}), ("Sigmoid", (), {}), ("Tanh", (), {}),
    ("Hardtanh", (-2.0, 2.0), {}), ("Hardsigmoid", (), {}), ("Hardswish", (), {}),
    ("Softplus", (2, 10), {}), ("Softsign", (), {}), ("Softmax", (1,), {}),
    ("LogSoftmax", (), dict(dim=1)), ("Softmin", (0,), {}), ("Threshold", (0.1, 20), {}),
    ("GLU", (), {}), ("Softshrink", (), {}), ("Hardshrink", (), {}), ("Tanhshrink", (), {}),
    ("LogSigmoid", (), {}), ("Dropout", (0.3,), {}), ("Dropout2d", (), {}),
    ("AlphaDropout", (0.2,), {}), ("Dropout1d", (), {}),
    ("Embedding", (10, 3), dict(padding_idx=0, max_norm=1.0)), ("Flatten", (), {}),
    ("Unflatten", (1, (2, 2)), {}), ("Upsample", (), dict(scale_factor=2, mode="bilinear")),
    ("Upsample", (), dict(size=(3, 4))), ("UpsamplingNearest2d", (), dict(scale_factor=2)),
    ("UpsamplingBilinear2d", (), dict(size=4)), ("PixelShuffle", (2,), {}),
    ("PixelUnshuffle", (2,), {}), ("Identity", (), {}),
    ("CrossEntropyLoss", (), dict(label_smoothing=0.1)), ("NLLLoss", (), {}), ("BCELoss", (), {}),
    ("KLDivLoss", (), {}), ("TripletMarginLoss", (), {}), ("CosineSimilarity", (), {}),
    ("PairwiseDistance", (), {}), ("RNN", (3, 4), {}), ("LSTMCell", (3, 4), {}),
    ("GRU", (3, 4, 2), dict(dropout=0.1)), ("TransformerDecoderLayer", (8, 2, 16), {}),
    ("EmbeddingBag", (10, 3), {}), ("MaxUnpool2d", (2,), {}), ("LPPool2d", (2, 3), {}),
    ("LPPool3d", (2, 3), {}), ("Softmax2d", (), {}), ("ModuleList", (), {}), ("Sequential", (), {}),
]


@pytest.mark.parametrize("name,args,kw", REPR_CASES, ids=[f"{c[0]}-{i}" for i, c in
                                                         enumerate(REPR_CASES)])
def test_layer_repr_matches_torch(name, args, kw):
    assert repr(getattr(ember.nn, name)(*args, **kw)) == repr(getattr(torch.nn, name)(*args, **kw))


def test_parameter_container_reprs_and_typename_errors_match_torch():
    from tests._oracle import torch as T
    import ember as E
    for lib_list in (lambda L: L.nn.ParameterList([L.nn.Parameter(L.ones(2)), L.nn.Parameter(L.ones(2, 3))]),
                     lambda L: L.nn.ParameterDict({"a": L.nn.Parameter(L.ones(2))}),
                     lambda L: L.nn.ParameterDict({"a": L.nn.Parameter(L.ones(2)), "b": L.nn.Parameter(L.ones(1))})):
        assert repr(lib_list(E)) == repr(lib_list(T))
    msgs = []
    for L in (E, T):
        m = L.nn.Linear(2, 2)
        try:
            m.weight = L.ones(2)
        except TypeError as e:
            msgs.append(str(e))
    assert msgs[0] == msgs[1]
