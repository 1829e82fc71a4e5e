"""Oracle tests: every loss gives torch's value and gradients (all reductions, weights, options)."""
import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch
from tests.nn._harness import compare_module

pytestmark = requires_torch

rng = np.random.default_rng(0)
X = rng.standard_normal((6, 5))
Y = rng.standard_normal((6, 5))
P = 1 / (1 + np.exp(-X))
T01 = (rng.random((6, 5)) > 0.5).astype(np.float64)
SOFT = rng.random((6, 5))
CLS = np.array([0, 4, 2, 2, 1, 3], dtype=np.int64)
CLS_IGN = np.array([0, 4, -100, 2, 1, 3], dtype=np.int64)
W5 = rng.random(5) + 0.5
X4 = rng.standard_normal((3, 5, 2, 4))
CLS4 = rng.integers(0, 5, (3, 2, 4)).astype(np.int64)
PM1 = np.where(rng.random(6) > 0.5, 1.0, -1.0)
PROBS = np.exp(Y) / np.exp(Y).sum(1, keepdims=True)
POS = np.abs(Y) + 0.1


def L(name, **kw):
    def make(lib):
        kw2 = {k: (lib.from_numpy(v.copy()) if isinstance(v, np.ndarray) else v)
               for k, v in kw.items()}
        return getattr(lib.nn, name)(**kw2)
    return make


CASES = [
    ("MSELoss", {}, [X, Y], ()),
    ("L1Loss", {}, [X, Y], ()),
    ("SmoothL1Loss", dict(beta=0.5), [X, Y], ()),
    ("HuberLoss", dict(delta=0.7), [X, Y], ()),
    ("CrossEntropyLoss", {}, [X, CLS], ()),
    ("CrossEntropyLoss-w-ign", dict(weight=W5, ignore_index=2), [X, CLS], ()),
    ("CrossEntropyLoss-ls", dict(label_smoothing=0.1, weight=W5), [X, CLS], ()),
    ("CrossEntropyLoss-probs", dict(label_smoothing=0.2), [X, PROBS], (1,)),
    ("CrossEntropyLoss-probs-w", dict(weight=W5), [X, PROBS], (1,)),
    ("CrossEntropyLoss-nd", dict(weight=W5), [X4, CLS4], ()),
    ("CrossEntropyLoss-1d", {}, [X[0], np.array(3)], ()),
    ("NLLLoss", {}, [X, CLS_IGN], ()),
    ("NLLLoss-w", dict(weight=W5, ignore_index=4), [X, CLS], ()),
    ("NLLLoss-nd", {}, [X4, CLS4], ()),
    ("BCELoss", {}, [P, T01], (1,)),
    ("BCELoss-w", dict(weight=W5), [P, SOFT], (1,)),
    ("BCEWithLogitsLoss", {}, [X * 10, T01], (1,)),
    ("BCEWithLogitsLoss-pw", dict(pos_weight=W5, weight=W5[::-1].copy()), [X, SOFT], (1,)),
    ("KLDivLoss", dict(reduction="batchmean"), [np.log(P), SOFT], ()),
    ("KLDivLoss-logt", dict(log_target=True), [np.log(P), np.log(SOFT)], ()),
    ("PoissonNLLLoss", {}, [X, POS], ()),
    ("PoissonNLLLoss-full", dict(log_input=False, full=True), [POS, POS * 3], ()),
    ("GaussianNLLLoss", {}, [X, Y, POS], ()),
    ("GaussianNLLLoss-full", dict(full=True), [X, Y, POS[:, :1].copy()], ()),
    ("SoftMarginLoss", {}, [X, np.sign(Y)], (1,)),
    ("MarginRankingLoss", dict(margin=0.3), [X[:, 0].copy(), Y[:, 0].copy(), PM1], (2,)),
    ("HingeEmbeddingLoss", dict(margin=0.5), [X, np.sign(Y)], (1,)),
    ("CosineEmbeddingLoss", dict(margin=0.2), [X, Y, PM1], (2,)),
    ("TripletMarginLoss", dict(margin=0.5), [X, Y, Y[::-1].copy()], ()),
    ("TripletMarginLoss-swap", dict(p=1.0, swap=True), [X, Y, Y[::-1].copy()], ()),
    ("MultiMarginLoss", dict(p=2, margin=0.7, weight=W5), [X, CLS], ()),
    ("MultiLabelSoftMarginLoss", dict(weight=W5), [X, T01], (1,)),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,kw,inputs,nograd", CASES, ids=[c[0] for c in CASES])
def test_loss_float64(name, kw, inputs, nograd, reduction):
    kw = dict(kw)
    if kw.get("reduction") == "batchmean" and reduction != "mean":
        kw["reduction"] = reduction
    elif "reduction" not in kw:
        kw["reduction"] = reduction
    compare_module(L(name.split("-")[0], **kw), inputs, np.float64, nograd=nograd)


@pytest.mark.parametrize("name,kw,inputs,nograd", CASES[::3], ids=[c[0] for c in CASES[::3]])
def test_loss_float32(name, kw, inputs, nograd):
    compare_module(L(name.split("-")[0], **kw), inputs, np.float32, nograd=nograd)


def test_cross_entropy_stable_for_large_logits():
    x = np.array([[1000.0, -1000.0, 0.0], [-5e4, 5e4, 1.0]])
    t = np.array([1, 0], dtype=np.int64)
    compare_module(L("CrossEntropyLoss"), [x, t])
    compare_module(L("BCEWithLogitsLoss"), [x, np.ones_like(x)], nograd=(1,))


@pytest.mark.parametrize("fn,args,exc", [
    ("cross_entropy", (np.zeros((3, 4)), np.array([0, 5, 1], dtype=np.int64)), IndexError),
    ("nll_loss", (np.zeros((3, 4)), np.array([0, 1], dtype=np.int64)), ValueError),
])
def test_loss_errors(fn, args, exc):
    for lib in (ember, torch):
        with pytest.raises(exc):
            getattr(lib.nn.functional, fn)(*[lib.from_numpy(a) for a in args])


def test_loss_repr():
    for name, kw in [("CrossEntropyLoss", {}), ("MSELoss", dict(reduction="sum")),
                     ("BCEWithLogitsLoss", {}), ("HuberLoss", dict(delta=2.0))]:
        assert repr(getattr(ember.nn, name)(**kw)) == repr(getattr(torch.nn, name)(**kw))


def _ctc_inputs(seed=0):
    rng = np.random.default_rng(seed)
    T, Nb, C = 7, 3, 5
    logits = rng.standard_normal((T, Nb, C))
    lp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    targets = np.array([[1, 2, 2, 0], [3, 1, 0, 0], [4, 4, 4, 1]], dtype=np.int64)
    return lp, targets, [7, 5, 6], [3, 2, 4]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("concat", [False, True])
def test_ctc_loss(reduction, concat):
    lp, targets, il, tl = _ctc_inputs()
    if concat:
        targets = np.concatenate([t[:n] for t, n in zip(targets, tl)])

    def prep(lib, a):
        return [a[0], a[1], lib.tensor(il), lib.tensor(tl)]
    compare_module(L("CTCLoss", reduction=reduction, blank=0), [lp, targets], prep=prep)


def test_ctc_infeasible_and_zero_infinity():
    lp, targets, il, tl = _ctc_inputs(1)
    il = [7, 2, 6]  # sample 1 cannot emit its 2 labels... plus repeated labels in sample 2

    def prep(lib, a):
        return [a[0], a[1], lib.tensor(il), lib.tensor(tl)]
    compare_module(L("CTCLoss", reduction="sum", zero_infinity=True), [lp, targets], prep=prep)


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_multilabel_margin_and_triplet_distance(reduction):
    t = np.array([[3, 0, -1, 1, 2], [1, 2, 4, -1, 0], [0, 1, 2, 3, 4], [-1, 0, 0, 0, 0],
                  [2, -1, 3, 3, 3], [4, 3, -1, 0, 0]], dtype=np.int64)
    compare_module(L("MultiLabelMarginLoss", reduction=reduction), [X, t])
    compare_module(L("TripletMarginWithDistanceLoss", margin=0.7, swap=True, reduction=reduction),
                   [X, Y, Y[::-1].copy()])


def test_extra_loss_reprs():
    assert repr(ember.nn.CTCLoss()) == repr(torch.nn.CTCLoss())
    assert repr(ember.nn.MultiLabelMarginLoss()) == repr(torch.nn.MultiLabelMarginLoss())
