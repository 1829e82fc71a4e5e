"""Oracle tests: every nn layer, with torch's weights, gives torch's outputs and gradients."""
import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch
from tests.nn._harness import compare_module

pytestmark = requires_torch


def R(*shape, seed=0, lo=None):
    a = np.random.default_rng(seed + len(shape)).standard_normal(shape)
    return np.abs(a) + lo if lo is not None else a


N = lambda name, *a, **k: (lambda lib: getattr(lib.nn, name)(*a, **k))  # noqa: E731

LAYERS = [
    # linear
    ("Linear", N("Linear", 5, 3), [R(4, 5)]),
    ("Linear-nobias-3d", N("Linear", 5, 3, bias=False), [R(2, 4, 5)]),
    ("Bilinear", N("Bilinear", 4, 5, 3), [R(6, 4), R(6, 5, seed=1)]),
    ("Identity", N("Identity"), [R(3, 2)]),
    # convolutions
    ("Conv1d", N("Conv1d", 3, 4, 3, stride=2, padding=1), [R(2, 3, 9)]),
    ("Conv1d-same", N("Conv1d", 3, 4, 4, padding="same", dilation=2), [R(2, 3, 9)]),
    ("Conv2d", N("Conv2d", 3, 4, 3), [R(2, 3, 7, 6)]),
    ("Conv2d-groups-reflect", N("Conv2d", 4, 6, 3, groups=2, padding=1, padding_mode="reflect"),
     [R(2, 4, 6, 5)]),
    ("Conv2d-circular", N("Conv2d", 3, 2, 3, padding=2, padding_mode="circular", stride=2),
     [R(1, 3, 6, 7)]),
    ("Conv2d-replicate", N("Conv2d", 3, 4, (3, 2), padding=1, padding_mode="replicate",
                           bias=False), [R(2, 3, 5, 5)]),
    ("Conv2d-valid-dil", N("Conv2d", 2, 3, 3, padding="valid", dilation=(2, 1)), [R(1, 2, 8, 6)]),
    ("Conv3d", N("Conv3d", 2, 3, 2, stride=(1, 2, 1)), [R(2, 2, 4, 5, 3)]),
    ("ConvTranspose1d", N("ConvTranspose1d", 3, 2, 3, stride=2, output_padding=1), [R(2, 3, 5)]),
    ("ConvTranspose2d", N("ConvTranspose2d", 4, 2, 3, stride=2, padding=1, output_padding=1,
                          groups=2), [R(2, 4, 4, 3)]),
    ("ConvTranspose2d-dil", N("ConvTranspose2d", 2, 3, 2, dilation=2, bias=False), [R(1, 2, 3, 3)]),
    ("ConvTranspose3d", N("ConvTranspose3d", 2, 2, 2, stride=2), [R(1, 2, 2, 3, 2)]),
    # pooling
    ("MaxPool1d", N("MaxPool1d", 3, 2), [R(2, 3, 9)]),
    ("MaxPool2d-ceil", N("MaxPool2d", 3, 2, padding=1, ceil_mode=True), [R(2, 3, 8, 7)]),
    ("MaxPool2d-indices", N("MaxPool2d", 2, return_indices=True), [R(2, 3, 6, 6)]),
    ("MaxPool2d-dilation", N("MaxPool2d", 2, stride=1, dilation=2), [R(1, 2, 6, 5)]),
    ("MaxPool3d", N("MaxPool3d", 2), [R(1, 2, 4, 4, 4)]),
    ("AvgPool1d", N("AvgPool1d", 3, 2, padding=1), [R(2, 3, 8)]),
    ("AvgPool2d-nopad", N("AvgPool2d", 3, 2, padding=1, count_include_pad=False), [R(2, 3, 7, 6)]),
    ("AvgPool2d-ceil", N("AvgPool2d", 2, ceil_mode=True), [R(1, 2, 5, 5)]),
    ("AvgPool2d-divisor", N("AvgPool2d", 2, divisor_override=3), [R(1, 2, 4, 4)]),
    ("AvgPool3d", N("AvgPool3d", 2), [R(1, 2, 4, 4, 4)]),
    ("AdaptiveAvgPool1d", N("AdaptiveAvgPool1d", 3), [R(2, 3, 7)]),
    ("AdaptiveAvgPool2d", N("AdaptiveAvgPool2d", (3, 2)), [R(2, 3, 7, 5)]),
    ("AdaptiveAvgPool2d-1", N("AdaptiveAvgPool2d", 1), [R(2, 3, 4, 4)]),
    ("AdaptiveAvgPool3d", N("AdaptiveAvgPool3d", 2), [R(1, 2, 5, 4, 3)]),
    ("AdaptiveMaxPool1d", N("AdaptiveMaxPool1d", 2), [R(2, 3, 7)]),
    ("AdaptiveMaxPool2d", N("AdaptiveMaxPool2d", 3), [R(2, 3, 7, 5)]),
    ("LPPool2d", N("LPPool2d", 2, 2), [R(1, 2, 4, 4)]),
    # padding
    ("ReflectionPad1d", N("ReflectionPad1d", 2), [R(2, 3, 5)]),
    ("ReflectionPad2d", N("ReflectionPad2d", (1, 2, 0, 1)), [R(2, 3, 4, 5)]),
    ("ReflectionPad3d", N("ReflectionPad3d", 1), [R(1, 2, 3, 3, 3)]),
    ("ReplicationPad1d", N("ReplicationPad1d", 2), [R(2, 3, 4)]),
    ("ReplicationPad2d", N("ReplicationPad2d", 1), [R(2, 3, 4, 4)]),
    ("ReplicationPad3d", N("ReplicationPad3d", (1, 0, 1, 2, 0, 1)), [R(1, 2, 3, 3, 2)]),
    ("ZeroPad2d", N("ZeroPad2d", 2), [R(1, 2, 3, 3)]),
    ("ConstantPad1d", N("ConstantPad1d", 2, 3.5), [R(2, 3, 4)]),
    ("ConstantPad2d", N("ConstantPad2d", (1, 0, 2, 1), -1.0), [R(2, 3, 4, 4)]),
    ("CircularPad2d", N("CircularPad2d", 1), [R(1, 2, 3, 4)]),
    # normalization
    ("BatchNorm1d-2d", N("BatchNorm1d", 4), [R(8, 4)]),
    ("BatchNorm1d-3d", N("BatchNorm1d", 4, momentum=0.3), [R(3, 4, 5)]),
    ("BatchNorm2d", N("BatchNorm2d", 3), [R(4, 3, 5, 5)]),
    ("BatchNorm2d-noaffine", N("BatchNorm2d", 3, affine=False, eps=1e-3), [R(4, 3, 3, 3)]),
    ("BatchNorm2d-cma", N("BatchNorm2d", 3, momentum=None), [R(4, 3, 3, 3)]),
    ("BatchNorm2d-nostats", N("BatchNorm2d", 3, track_running_stats=False), [R(4, 3, 3, 3)]),
    ("BatchNorm3d", N("BatchNorm3d", 2), [R(2, 2, 3, 3, 3)]),
    ("InstanceNorm1d", N("InstanceNorm1d", 3), [R(2, 3, 6)]),
    ("InstanceNorm2d-affine", N("InstanceNorm2d", 3, affine=True), [R(2, 3, 4, 5)]),
    ("InstanceNorm2d-stats", N("InstanceNorm2d", 3, track_running_stats=True), [R(2, 3, 4, 5)]),
    ("InstanceNorm3d", N("InstanceNorm3d", 2), [R(2, 2, 3, 3, 3)]),
    ("LayerNorm", N("LayerNorm", 5), [R(3, 4, 5)]),
    ("LayerNorm-2d-noaffine", N("LayerNorm", (4, 5), elementwise_affine=False), [R(3, 4, 5)]),
    ("LayerNorm-nobias", N("LayerNorm", 5, bias=False), [R(3, 5)]),
    ("GroupNorm", N("GroupNorm", 2, 4), [R(3, 4, 5)]),
    ("GroupNorm-2d", N("GroupNorm", 3, 6, affine=False), [R(2, 6, 3, 3)]),
    ("LocalResponseNorm", N("LocalResponseNorm", 3), [R(2, 5, 4, 4)]),
    ("RMSNorm", N("RMSNorm", 5), [R(3, 5)]),
    # activations
    ("ReLU", N("ReLU"), [R(4, 5)]),
    ("ReLU6", N("ReLU6"), [R(4, 5) * 4]),
    ("LeakyReLU", N("LeakyReLU", 0.2), [R(4, 5)]),
    ("PReLU", N("PReLU"), [R(4, 5)]),
    ("PReLU-3", N("PReLU", 3, 0.1), [R(2, 3, 4)]),
    ("ELU", N("ELU", 0.5), [R(4, 5)]),
    ("SELU", N("SELU"), [R(4, 5)]),
    ("CELU", N("CELU", 1.5), [R(4, 5)]),
    ("GELU", N("GELU"), [R(4, 5)]),
    ("GELU-tanh", N("GELU", approximate="tanh"), [R(4, 5)]),
    ("SiLU", N("SiLU"), [R(4, 5)]),
    ("Mish", N("Mish"), [R(4, 5)]),
    ("Sigmoid", N("Sigmoid"), [R(4, 5)]),
    ("Tanh", N("Tanh"), [R(4, 5)]),
    ("Hardtanh", N("Hardtanh", -0.5, 0.7), [R(4, 5)]),
    ("Hardsigmoid", N("Hardsigmoid"), [R(4, 5) * 4]),
    ("Hardswish", N("Hardswish"), [R(4, 5) * 4]),
    ("Softplus", N("Softplus", 2, 3), [R(4, 5) * 3]),
    ("Softsign", N("Softsign"), [R(4, 5)]),
    ("Softmax", N("Softmax", 1), [R(4, 5)]),
    ("LogSoftmax", N("LogSoftmax", -1), [R(3, 4, 5)]),
    ("Softmin", N("Softmin", 0), [R(4, 5)]),
    ("Softmax2d", N("Softmax2d"), [R(2, 3, 4, 4)]),
    ("Threshold", N("Threshold", 0.1, 20.0), [R(4, 5)]),
    ("GLU", N("GLU", 1), [R(4, 6)]),
    ("Tanhshrink", N("Tanhshrink"), [R(4, 5)]),
    ("LogSigmoid", N("LogSigmoid"), [R(4, 5)]),
    ("Softshrink", N("Softshrink", 0.3), [R(4, 5)]),
    ("Hardshrink", N("Hardshrink", 0.3), [R(4, 5)]),
    # shape / misc
    ("Flatten", N("Flatten"), [R(2, 3, 4)]),
    ("Flatten-0", N("Flatten", 0, 1), [R(2, 3, 4)]),
    ("Unflatten", N("Unflatten", 1, (2, 2)), [R(3, 4)]),
    ("Upsample-nearest", N("Upsample", scale_factor=2), [R(1, 2, 3, 4)]),
    ("Upsample-nearest-1d", N("Upsample", size=7), [R(1, 2, 3)]),
    ("Upsample-bilinear", N("Upsample", scale_factor=2, mode="bilinear"), [R(1, 2, 3, 4)]),
    ("Upsample-bilinear-ac", N("Upsample", size=(5, 7), mode="bilinear", align_corners=True),
     [R(1, 2, 3, 4)]),
    ("Upsample-bicubic", N("Upsample", size=(5, 7), mode="bicubic"), [R(1, 2, 3, 4)]),
    ("Upsample-linear", N("Upsample", scale_factor=1.5, mode="linear"), [R(1, 2, 4)]),
    ("UpsamplingNearest2d", N("UpsamplingNearest2d", scale_factor=3), [R(1, 1, 2, 2)]),
    ("UpsamplingBilinear2d", N("UpsamplingBilinear2d", scale_factor=2), [R(1, 1, 2, 3)]),
    ("PixelShuffle", N("PixelShuffle", 2), [R(1, 8, 2, 3)]),
    ("PixelUnshuffle", N("PixelUnshuffle", 2), [R(1, 2, 4, 6)]),
    ("Embedding", N("Embedding", 10, 3, padding_idx=1),
     [np.array([[1, 2, 4, 1], [9, 0, 2, 2]], dtype=np.int64)]),
    ("Embedding-maxnorm", N("Embedding", 10, 3, max_norm=1.0),
     [np.array([1, 2, 4, 1, 9], dtype=np.int64)]),
    ("Dropout-p0", N("Dropout", 0.0), [R(3, 4)]),
    ("CosineSimilarity", N("CosineSimilarity", dim=1), [R(3, 4), R(3, 4, seed=2)]),
    ("PairwiseDistance", N("PairwiseDistance", p=3.0, keepdim=True), [R(3, 4), R(3, 4, seed=2)]),
]


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name,make,inputs", LAYERS, ids=[x[0] for x in LAYERS])
def test_layer_float64(name, make, inputs, train):
    compare_module(make, inputs, np.float64, train=train)


FLOAT32 = [x for x in LAYERS if x[0].split("-")[0] in (
    "Linear", "Conv2d", "ConvTranspose2d", "BatchNorm2d", "InstanceNorm2d", "LayerNorm",
    "GroupNorm", "GELU", "Softmax", "LogSoftmax", "MaxPool2d", "AvgPool2d", "Upsample",
    "ReflectionPad2d", "Embedding", "Mish", "SiLU")]


@pytest.mark.parametrize("name,make,inputs", FLOAT32, ids=[x[0] for x in FLOAT32])
def test_layer_float32(name, make, inputs):
    compare_module(make, inputs, np.float32, train=True)


def test_layer_noncontiguous_input():
    x = R(2, 5, 6, 3)
    compare_module(N("Conv2d", 3, 4, 3, padding=1), [x],
                   prep=lambda lib, a: [a[0].permute(0, 3, 1, 2)])
    compare_module(N("Linear", 2, 3), [R(4, 2)], prep=lambda lib, a: [a[0].t().t()[::2]])


def test_relu_inplace():
    for lib in (ember, torch):
        x = lib.from_numpy(R(3, 4)).requires_grad_()
        y = x * 1
        out = lib.nn.ReLU(inplace=True)(y)
        assert out is y
        out.sum().backward()
        if lib is torch:
            tg = x.grad.numpy()
        else:
            eg = x.grad.numpy()
    np.testing.assert_array_equal(eg, tg)


def test_dropout_train_statistics_and_eval_identity():
    x = ember.ones(2000)
    d = ember.nn.Dropout(0.3)
    y = d(x)
    kept = (y != 0).float().mean().item()
    assert 0.65 < kept < 0.75
    np.testing.assert_allclose(y[y != 0].numpy(), 1 / 0.7, rtol=1e-6)
    d.eval()
    assert (d(x) == x).all()
    d2 = ember.nn.Dropout2d(0.5)
    z = d2(ember.ones(4, 16, 3, 3))
    per_channel = z.reshape(4, 16, 9)
    assert ((per_channel == 0).all(-1) | (per_channel != 0).all(-1)).all()


def test_batchnorm_running_stats_over_steps():
    x1, x2 = R(6, 3, 4, 4), R(6, 3, 4, 4, seed=5)
    tm = torch.nn.BatchNorm2d(3, momentum=0.2).double()
    em = ember.nn.BatchNorm2d(3, momentum=0.2).double()
    for x in (x1, x2):
        tm(torch.from_numpy(x))
        em(ember.from_numpy(x))
    for (n, b), (_, tb) in zip(em.named_buffers(), tm.named_buffers()):
        np.testing.assert_allclose(b.numpy(), tb.numpy(), rtol=1e-12)
    assert em.num_batches_tracked.item() == 2
    assert em.num_batches_tracked.dtype == ember.int64
    em.eval()
    tm.eval()
    np.testing.assert_allclose(em(ember.from_numpy(x1)).detach().numpy(),
                               tm(torch.from_numpy(x1)).detach().numpy(), rtol=1e-12)


def test_default_init_distributions():
    # every default init uses torch's distributions: check scale statistics on big layers
    ember.manual_seed(0)
    lin = ember.nn.Linear(400, 300)
    bound = 1 / np.sqrt(400)
    w = lin.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.01 * bound
    conv = ember.nn.Conv2d(16, 32, 3)
    cb = 1 / np.sqrt(16 * 9)
    assert np.abs(conv.weight.detach().numpy()).max() <= cb
    assert np.abs(conv.bias.detach().numpy()).max() <= cb
    emb = ember.nn.Embedding(1000, 50)
    assert abs(emb.weight.detach().numpy().std() - 1.0) < 0.02
    bn = ember.nn.BatchNorm2d(4)
    assert (bn.weight.detach().numpy() == 1).all() and (bn.bias.detach().numpy() == 0).all()


RNNS = [
    ("RNN", N("RNN", 4, 5), [R(6, 3, 4)]),
    ("RNN-relu-2l-bf", N("RNN", 4, 5, 2, "relu", batch_first=True), [R(3, 6, 4)]),
    ("LSTM", N("LSTM", 4, 5), [R(6, 3, 4)]),
    ("LSTM-bi-2l", N("LSTM", 4, 5, num_layers=2, bidirectional=True), [R(5, 2, 4)]),
    ("LSTM-proj-bf", N("LSTM", 4, 6, proj_size=3, batch_first=True), [R(2, 5, 4)]),
    ("LSTM-nobias-unbatched", N("LSTM", 4, 5, bias=False), [R(6, 4)]),
    ("GRU", N("GRU", 4, 5), [R(6, 3, 4)]),
    ("GRU-bi-bf", N("GRU", 4, 5, batch_first=True, bidirectional=True, num_layers=2), [R(3, 4, 4)]),
    ("RNNCell", N("RNNCell", 4, 5, nonlinearity="relu"), [R(3, 4), R(3, 5, seed=1)]),
    ("LSTMCell", N("LSTMCell", 4, 5), [R(3, 4)]),
    ("GRUCell", N("GRUCell", 4, 5), [R(3, 4), R(3, 5, seed=2)]),
    ("GRUCell-unbatched", N("GRUCell", 4, 5, bias=False), [R(4)]),
]


@pytest.mark.parametrize("name,make,inputs", RNNS, ids=[x[0] for x in RNNS])
def test_recurrent_float64(name, make, inputs):
    compare_module(make, inputs, np.float64)


def test_recurrent_initial_states_and_repr():
    h0 = R(4, 2, 5, seed=3)
    c0 = R(4, 2, 5, seed=4)
    compare_module(N("LSTM", 3, 5, num_layers=2, bidirectional=True),
                   [R(4, 2, 3), h0, c0], prep=lambda lib, a: [a[0], (a[1], a[2])])
    compare_module(N("GRU", 3, 5, num_layers=4), [R(4, 2, 3), h0])
    compare_module(N("LSTM", 3, 5, batch_first=True), [R(2, 4, 3)], dtype=np.float32)
    for args, kw in [((3, 5), {}), ((3, 5, 2), dict(dropout=0.5, bidirectional=True)),
                     ((3, 5), dict(proj_size=2, batch_first=True, bias=False))]:
        assert repr(ember.nn.LSTM(*args, **kw)) == repr(torch.nn.LSTM(*args, **kw))
    assert repr(ember.nn.RNN(3, 4, nonlinearity="relu")) == repr(torch.nn.RNN(3, 4, nonlinearity="relu"))
    assert repr(ember.nn.GRUCell(3, 4, bias=False)) == repr(torch.nn.GRUCell(3, 4, bias=False))
    assert repr(ember.nn.RNNCell(3, 4, nonlinearity="relu")) == \
        repr(torch.nn.RNNCell(3, 4, nonlinearity="relu"))
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match="Expected hidden size"):
            lib.nn.GRU(3, 5)(lib.zeros(4, 2, 3), lib.zeros(2, 2, 5))
        with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
            lib.nn.LSTM(3, 5)(lib.zeros(4, 2, 4))


def _mask_bool(L, S, seed=0):
    m = np.random.default_rng(seed).random((L, S)) > 0.7
    m[:, 0] = False  # every query keeps at least one key
    return m


ATTN = [
    ("MHA", N("MultiheadAttention", 8, 2), [R(5, 3, 8), R(4, 3, 8, seed=1), R(4, 3, 8, seed=2)]),
    ("MHA-self-bf", N("MultiheadAttention", 8, 4, batch_first=True), [R(3, 5, 8)] * 3),
    ("MHA-kvdim-biaskv-zero", N("MultiheadAttention", 6, 3, kdim=4, vdim=5, add_bias_kv=True,
                                add_zero_attn=True), [R(5, 2, 6), R(4, 2, 4), R(4, 2, 5)]),
    ("MHA-unbatched-nobias", N("MultiheadAttention", 4, 2, bias=False), [R(3, 4), R(5, 4, seed=1),
                                                                         R(5, 4, seed=2)]),
]


@pytest.mark.parametrize("name,make,inputs", ATTN, ids=[x[0] for x in ATTN])
def test_attention_float64(name, make, inputs):
    compare_module(make, inputs, np.float64)


@pytest.mark.parametrize("need_weights", [True, False])
def test_attention_masks(need_weights):
    L, S, Nb = 4, 5, 2
    kpm = np.zeros((Nb, S), dtype=bool)
    kpm[0, 3:] = True
    am = _mask_bool(L, S)
    amf = np.where(am, -1.5, 0.25)

    def prep(lib, a):
        return [a[0], a[1], a[1], lib.from_numpy(kpm), need_weights, lib.from_numpy(am), False]
    compare_module(N("MultiheadAttention", 6, 2), [R(L, Nb, 6), R(S, Nb, 6, seed=1)],
                   prep=prep)

    def prep2(lib, a):
        return [a[0], a[1], a[1], None, need_weights, a[2]]
    compare_module(N("MultiheadAttention", 6, 3), [R(L, Nb, 6), R(S, Nb, 6, seed=1), amf],
                   prep=prep2, nograd=(2,))


@pytest.mark.parametrize("causal", [False, True])
def test_sdpa(causal):
    from tests.nn.test_functional import compare_fn
    compare_fn(lambda L, q, k, v: L.nn.functional.scaled_dot_product_attention(q, k, v,
                                                                               is_causal=causal),
               [R(2, 3, 5, 4), R(2, 3, 5, 4, seed=1), R(2, 3, 5, 6, seed=2)])
    m = _mask_bool(5, 6)
    compare_fn(lambda L, q, k, v, m: L.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=m, scale=0.3), [R(2, 5, 4), R(2, 6, 4, seed=1), R(2, 6, 3, seed=2), m])


TRANSFORMERS = [
    ("EncoderLayer", N("TransformerEncoderLayer", 8, 2, 16, 0.0), [R(5, 3, 8)]),
    ("EncoderLayer-nf-gelu-bf", N("TransformerEncoderLayer", 8, 4, 12, 0.0, "gelu",
                                  batch_first=True, norm_first=True), [R(3, 5, 8)]),
    ("DecoderLayer", N("TransformerDecoderLayer", 8, 2, 16, 0.0), [R(4, 2, 8), R(5, 2, 8, seed=1)]),
    ("DecoderLayer-nf", N("TransformerDecoderLayer", 8, 2, 16, 0.0, norm_first=True),
     [R(4, 2, 8), R(5, 2, 8, seed=1)]),
    ("Transformer", N("Transformer", 8, 2, 2, 2, 16, 0.0), [R(5, 2, 8), R(4, 2, 8, seed=1)]),
]


@pytest.mark.parametrize("name,make,inputs", TRANSFORMERS, ids=[x[0] for x in TRANSFORMERS])
def test_transformer_float64(name, make, inputs):
    compare_module(make, inputs, np.float64)


def test_transformer_masks_repr_and_stack():
    def make(lib):
        layer = lib.nn.TransformerEncoderLayer(8, 2, 16, 0.0)
        return lib.nn.TransformerEncoder(layer, 2, norm=lib.nn.LayerNorm(8))

    def prep(lib, a):
        mask = lib.nn.Transformer.generate_square_subsequent_mask(5, dtype=lib.float64)
        return [a[0], mask]
    compare_module(make, [R(5, 2, 8)], prep=prep)
    assert repr(make(ember)) == repr(make(torch))
    assert repr(ember.nn.Transformer(8, 2, 1, 1, 16)) == repr(torch.nn.Transformer(8, 2, 1, 1, 16))
    np.testing.assert_array_equal(ember.nn.Transformer.generate_square_subsequent_mask(4).numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())


EXTRA = [
    ("Fold", N("Fold", (4, 5), 2, padding=1), [R(2, 12, 30)]),
    ("Unfold", N("Unfold", (2, 3), stride=2), [R(2, 3, 5, 6)]),
    ("ChannelShuffle", N("ChannelShuffle", 2), [R(2, 6, 3, 3)]),
    ("LPPool1d", N("LPPool1d", 2, 3, 2), [R(2, 3, 8)]),
    ("EmbeddingBag-mean-2d", N("EmbeddingBag", 10, 3), [np.array([[1, 2, 4], [4, 3, 9]])]),
    ("EmbeddingBag-sum-pad", N("EmbeddingBag", 10, 3, mode="sum", padding_idx=2),
     [np.array([[1, 2, 4], [2, 2, 9]])]),
    ("EmbeddingBag-max", N("EmbeddingBag", 10, 3, mode="max"), [np.array([[1, 2, 4], [4, 3, 9]])]),
]


@pytest.mark.parametrize("name,make,inputs", EXTRA, ids=[x[0] for x in EXTRA])
def test_extra_layers(name, make, inputs):
    compare_module(make, inputs, np.float64)


def test_embedding_bag_offsets_and_weights():
    idx = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    offs = np.array([0, 2, 2, 5])
    psw = R(8, seed=4)
    compare_module(N("EmbeddingBag", 10, 3, mode="sum"), [idx, offs, psw],
                   prep=lambda lib, a: [a[0], a[1], a[2]])
    compare_module(N("EmbeddingBag", 10, 3, mode="mean", include_last_offset=True),
                   [idx, np.array([0, 2, 5, 8])])
    for kw in [dict(mode="sum"), dict(max_norm=1.0, padding_idx=0)]:
        assert repr(ember.nn.EmbeddingBag(10, 3, **kw)) == repr(torch.nn.EmbeddingBag(10, 3, **kw))


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_affine_grid(padding_mode, align_corners, mode):
    from tests.nn.test_functional import compare_fn
    theta = np.array([[[0.9, -0.3, 0.1], [0.2, 1.1, -0.2]], [[1.3, 0.1, 0.05], [-0.4, 0.8, 0.3]]])
    grid_mode = mode

    def call(L, x, th):
        g = L.nn.functional.affine_grid(th, (2, 3, 4, 5), align_corners=align_corners)
        return L.nn.functional.grid_sample(x, g * 1.3, mode=grid_mode, padding_mode=padding_mode,
                                           align_corners=align_corners)
    compare_fn(call, [R(2, 3, 5, 6), theta])


def test_extra_reprs():
    for name, a, kw in [("Fold", ((4, 5), 2), dict(padding=1)), ("Unfold", (3,), {}),
                        ("ChannelShuffle", (2,), {}), ("LPPool1d", (2, 3), {}),
                        ("RReLU", (0.1, 0.3), {}), ("Softmax2d", (), {}),
                        ("MultiheadAttention", (8, 2), {})]:
        assert repr(getattr(ember.nn, name)(*a, **kw)) == repr(getattr(torch.nn, name)(*a, **kw))


def test_rnn_utils_pack_pad_roundtrip():
    seqs = [R(5, 3), R(2, 3, seed=1), R(4, 3, seed=2)]
    res = {}
    for lib in (ember, torch):
        ts = [lib.from_numpy(s) for s in seqs]
        U = lib.nn.utils.rnn
        padded = U.pad_sequence(ts, batch_first=True, padding_value=-1.0)
        packed = U.pack_sequence(ts, enforce_sorted=False)
        back, lens = U.pad_packed_sequence(packed, total_length=6)
        left = U.pad_sequence(ts, padding_side="left")
        res[lib] = [padded.numpy(), packed.data.numpy(), packed.batch_sizes.numpy(),
                    packed.sorted_indices.numpy(), packed.unsorted_indices.numpy(), back.numpy(),
                    lens.numpy(), left.numpy()]
        with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
            U.pack_padded_sequence(padded, [5, 2, 4], batch_first=True)
    for a, b in zip(res[ember], res[torch]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind,kw", [("LSTM", dict(num_layers=2, bidirectional=True)),
                                     ("GRU", dict(bidirectional=True)), ("RNN", dict())])
def test_recurrent_packed_sequences(kind, kw):
    lens = [4, 6, 2]

    def prep(lib, a):
        packed = lib.nn.utils.rnn.pack_padded_sequence(a[0], lens, enforce_sorted=False)
        return [packed]

    def make(lib):
        layer = getattr(lib.nn, kind)(3, 4, **kw)

        class M(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = layer

            def forward(self, packed):
                out, h = self.rnn(packed)
                padded, _ = lib.nn.utils.rnn.pad_packed_sequence(out)
                hs = list(h) if isinstance(h, tuple) else [h]
                return (padded, *hs)
        return M()
    compare_module(make, [R(6, 3, 3)], prep=prep)


@pytest.mark.parametrize("nd,shape", [(1, (2, 3, 8)), (2, (1, 2, 6, 4)), (3, (1, 2, 4, 4, 4))])
def test_max_unpool(nd, shape):
    def make(lib):
        pool = getattr(lib.nn, f"MaxPool{nd}d")(2, return_indices=True)
        unpool = getattr(lib.nn, f"MaxUnpool{nd}d")(2)

        class M(lib.nn.Module):
            def forward(self, x):
                y, idx = pool(x)
                return unpool(y, idx), idx
        return M()
    compare_module(make, [R(*shape)])
    assert repr(getattr(ember.nn, f"MaxUnpool{nd}d")(2)) == repr(getattr(torch.nn, f"MaxUnpool{nd}d")(2))
