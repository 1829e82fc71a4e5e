"""Oracle tests for nn.functional: values and gradients of F.* calls against torch."""
import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch
from tests.nn._harness import assert_close

pytestmark = requires_torch


def R(*shape, seed=0):
    return np.random.default_rng(seed + 7 * len(shape)).standard_normal(shape)


def compare_fn(call, arrays, dtype=np.float64, grad=True, nograd=()):
    """call(lib, *tensors) on both libraries; compare outputs and gradients of float inputs."""
    res = {}
    for lib in (torch, ember):
        ts = []
        for i, a in enumerate(arrays):
            t = lib.from_numpy(a.astype(dtype) if a.dtype.kind == "f" else a.copy())
            if grad and a.dtype.kind == "f" and i not in nograd:
                t.requires_grad_()
            ts.append(t)
        out = call(lib, *ts)
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        diff = [o for o in outs if isinstance(o, lib.Tensor) and o.requires_grad]
        if diff:
            rng = np.random.default_rng(1)
            lib.autograd.backward(diff, [lib.from_numpy(rng.standard_normal(o.shape).astype(dtype))
                                         for o in diff])
        res[lib] = (outs, ts)
    (to, tt), (eo, et) = res[torch], res[ember]
    for i, (a, b) in enumerate(zip(eo, to)):
        if isinstance(b, torch.Tensor) and (b.dtype.is_floating_point):
            assert_close(a, b, dtype, f"output {i}")
        else:
            np.testing.assert_array_equal(np.asarray(a.numpy() if hasattr(a, "numpy") else a),
                                          np.asarray(b.numpy() if hasattr(b, "numpy") else b))
    for i, (a, b) in enumerate(zip(et, tt)):
        if b.requires_grad:
            assert_close(a.grad, b.grad, dtype, f"grad {i}")


CASES = [
    ("pad-constant", lambda L, x: L.nn.functional.pad(x, (1, 2, 0, 1), value=0.5), [R(2, 3, 4)]),
    ("pad-neg", lambda L, x: L.nn.functional.pad(x, (-1, 2)), [R(2, 3, 4)]),
    ("pad-reflect-1d", lambda L, x: L.nn.functional.pad(x, (2, 1), mode="reflect"), [R(2, 3, 5)]),
    ("pad-reflect-2d", lambda L, x: L.nn.functional.pad(x, (2, 1, 1, 2), mode="reflect"),
     [R(1, 2, 4, 5)]),
    ("pad-replicate-3d", lambda L, x: L.nn.functional.pad(x, (1, 1, 2, 0, 0, 1), mode="replicate"),
     [R(1, 2, 3, 3, 3)]),
    ("pad-circular-2d", lambda L, x: L.nn.functional.pad(x, (1, 2, 2, 1), mode="circular"),
     [R(1, 2, 3, 4)]),
    ("unfold", lambda L, x: L.nn.functional.unfold(x, (2, 3), dilation=1, padding=1, stride=(1, 2)),
     [R(2, 3, 5, 6)]),
    ("fold", lambda L, x: L.nn.functional.fold(x, (4, 5), (2, 2), padding=1), [R(2, 12, 30)]),
    ("normalize", lambda L, x: L.nn.functional.normalize(x, p=2.0, dim=1), [R(4, 5)]),
    ("normalize-p1", lambda L, x: L.nn.functional.normalize(x, p=1.0, dim=-1), [R(2, 3, 4)]),
    ("cosine_similarity", lambda L, a, b: L.nn.functional.cosine_similarity(a, b, dim=-1),
     [R(4, 5), R(1, 5, seed=1)]),
    ("pairwise_distance", lambda L, a, b: L.nn.functional.pairwise_distance(a, b), [R(4, 5), R(4, 5, seed=2)]),
    ("linear", lambda L, x, w, b: L.nn.functional.linear(x, w, b), [R(3, 4), R(2, 4, seed=1), R(2, seed=2)]),
    ("linear-nobias-1d", lambda L, x, w: L.nn.functional.linear(x, w), [R(4), R(2, 4, seed=1)]),
    ("bilinear", lambda L, a, b, w: L.nn.functional.bilinear(a, b, w), [R(3, 2), R(3, 4, seed=1),
                                                                      R(5, 2, 4, seed=2)]),
    ("embedding", lambda L, i, w: L.nn.functional.embedding(i, w, padding_idx=0),
     [np.array([[0, 2], [3, 0]], dtype=np.int64), R(5, 3)]),
    ("one_hot", lambda L, i: L.nn.functional.one_hot(i, 6), [np.array([0, 5, 2, 2], dtype=np.int64)]),
    ("one_hot-auto", lambda L, i: L.nn.functional.one_hot(i), [np.array([[1, 3], [0, 2]], dtype=np.int64)]),
    ("softmax-dim0", lambda L, x: L.nn.functional.softmax(x, dim=0), [R(3, 4)]),
    ("log_softmax-dtype", lambda L, x: L.nn.functional.log_softmax(x, dim=1, dtype=L.float64),
     [R(3, 4).astype(np.float32)]),
    ("gelu-tanh", lambda L, x: L.nn.functional.gelu(x, approximate="tanh"), [R(3, 4)]),
    ("glu", lambda L, x: L.nn.functional.glu(x, dim=0), [R(4, 3)]),
    ("layer_norm", lambda L, x, w, b: L.nn.functional.layer_norm(x, (4,), w, b, eps=1e-3),
     [R(3, 4), R(4, seed=1), R(4, seed=2)]),
    ("group_norm", lambda L, x: L.nn.functional.group_norm(x, 2), [R(2, 4, 3)]),
    ("batch_norm-eval", lambda L, x, m, v: L.nn.functional.batch_norm(x, m, v, training=False),
     [R(4, 3), R(3, seed=1), np.abs(R(3, seed=2)) + 0.5], (1, 2)),
    ("instance_norm", lambda L, x: L.nn.functional.instance_norm(x), [R(2, 3, 5)]),
    ("interpolate-nearest-exact", lambda L, x: L.nn.functional.interpolate(x, size=(5, 3),
                                                                           mode="nearest-exact"),
     [R(1, 2, 3, 4)]),
    ("interpolate-area", lambda L, x: L.nn.functional.interpolate(x, size=(2, 3), mode="area"),
     [R(1, 2, 4, 6)]),
    ("interpolate-trilinear", lambda L, x: L.nn.functional.interpolate(x, scale_factor=2,
                                                                       mode="trilinear"),
     [R(1, 1, 2, 2, 3)]),
    ("interpolate-bicubic-ac", lambda L, x: L.nn.functional.interpolate(
        x, scale_factor=(1.5, 2.0), mode="bicubic", align_corners=True), [R(1, 2, 4, 4)]),
    ("max_pool2d-idx", lambda L, x: L.nn.functional.max_pool2d(x, 2, return_indices=True),
     [R(1, 2, 4, 4)]),
    ("max_unpool2d", lambda L, x: L.nn.functional.max_unpool2d(
        *L.nn.functional.max_pool2d(x, 2, return_indices=True), 2), [R(1, 2, 4, 4)]),
    ("adaptive_max_pool2d-idx", lambda L, x: L.nn.functional.adaptive_max_pool2d(
        x, (2, 3), return_indices=True), [R(1, 2, 5, 7)]),
    ("avg_pool1d", lambda L, x: L.nn.functional.avg_pool1d(x, 3, 1, 1), [R(2, 2, 5)]),
    ("local_response_norm", lambda L, x: L.nn.functional.local_response_norm(x, 2), [R(2, 4, 3)]),
    ("pixel_shuffle", lambda L, x: L.nn.functional.pixel_shuffle(x, 3), [R(1, 9, 2, 2)]),
    ("softplus-beta", lambda L, x: L.nn.functional.softplus(x * 10, beta=0.5, threshold=5), [R(3, 4)]),
    ("threshold", lambda L, x: L.nn.functional.threshold(x, 0.2, -1.0), [R(3, 4)]),
    ("hardtanh", lambda L, x: L.nn.functional.hardtanh(x, -0.3, 0.4), [R(3, 4)]),
    ("elu-alpha", lambda L, x: L.nn.functional.elu(x, 2.0), [R(3, 4)]),
    ("prelu", lambda L, x, w: L.nn.functional.prelu(x, w), [R(2, 3, 4), np.array([0.1, -0.2, 0.3])]),
    ("rms_norm", lambda L, x, w: L.nn.functional.rms_norm(x, (4,), w), [R(3, 4), R(4, seed=3)]),
    ("mse_loss-bcast", lambda L, a, b: L.nn.functional.mse_loss(a, b, reduction="sum"),
     [R(3, 4), R(3, 4, seed=2)]),
    ("cross_entropy-probs-3d", lambda L, x, t: L.nn.functional.cross_entropy(x, t),
     [R(2, 3, 4), np.abs(R(2, 3, 4, seed=1))], (1,)),
    ("nll_loss-ignore", lambda L, x, t: L.nn.functional.nll_loss(x, t, ignore_index=1,
                                                                 reduction="mean"),
     [R(4, 3), np.array([1, 1, 0, 2], dtype=np.int64)]),
    ("conv2d", lambda L, x, w: L.nn.functional.conv2d(x, w, stride=2, padding=1), [R(1, 2, 5, 5),
                                                                                  R(3, 2, 3, 3)]),
    ("conv_transpose1d", lambda L, x, w: L.nn.functional.conv_transpose1d(x, w, stride=2),
     [R(1, 2, 4), R(2, 3, 3)]),
]


@pytest.mark.parametrize("name,call,arrays", [c[:3] for c in CASES], ids=[c[0] for c in CASES])
def test_functional_float64(name, call, arrays):
    nograd = next((c[3] for c in CASES if c[0] == name and len(c) > 3), ())
    compare_fn(call, arrays, nograd=nograd)


@pytest.mark.parametrize("name,call,arrays", [c[:3] for c in CASES[::4]],
                         ids=[c[0] for c in CASES[::4]])
def test_functional_float32(name, call, arrays):
    nograd = next((c[3] for c in CASES if c[0] == name and len(c) > 3), ())
    compare_fn(call, arrays, dtype=np.float32, nograd=nograd)


def test_second_order_gradients():
    for call, arrays in [(lambda L, x: L.nn.functional.softmax(x, 1), [R(3, 4)]),
                         (lambda L, x: L.nn.functional.gelu(x), [R(3, 4)]),
                         (lambda L, x: L.nn.functional.log_softmax(x, -1), [R(2, 5)])]:
        gg = {}
        for lib in (torch, ember):
            x = lib.from_numpy(arrays[0].copy()).requires_grad_()
            y = call(lib, x)
            w = lib.from_numpy(np.linspace(-1, 1, y.numel()).reshape(y.shape))
            (g,) = lib.autograd.grad((y * w).sum(), x, create_graph=True)
            (g * g).sum().backward()
            gg[lib] = x.grad.detach().numpy()
        np.testing.assert_allclose(gg[ember], gg[torch], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("call,exc", [
    (lambda L: L.nn.functional.pad(L.zeros(2, 3), (4, 4), mode="reflect"), RuntimeError),
    (lambda L: L.nn.functional.linear(L.zeros(2, 3), L.zeros(4, 5)), RuntimeError),
    (lambda L: L.nn.functional.one_hot(L.tensor([0, 3]), 2), RuntimeError),
    (lambda L: L.nn.functional.conv2d(L.zeros(1, 3, 4, 4), L.zeros(2, 2, 3, 3)), RuntimeError),
    (lambda L: L.nn.functional.interpolate(L.zeros(1, 1, 2, 2)), ValueError),
    (lambda L: L.nn.functional.softmax(L.zeros(2, 3), dim=2), IndexError),
])
def test_errors_match_torch_types(call, exc):
    for lib in (torch, ember):
        with pytest.raises(exc):
            call(lib)
