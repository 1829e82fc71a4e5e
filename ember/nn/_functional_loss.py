"""Loss functions (nn.functional): regression, classification, probabilistic, embedding losses."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap
from ..ops import pointwise as P
from ..ops._function import Function, xp
from ._functional_act import log_softmax, softplus


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _legacy(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _check_same_size(input, target, name):
    if input.shape != target.shape:
        import warnings
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", UserWarning, stacklevel=3)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error."""
    _check_same_size(input, target, "mse")
    d = input - target
    return _reduce(d * d, _legacy(size_average, reduce, reduction))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean absolute error."""
    _check_same_size(input, target, "l1")
    return _reduce((input - target).abs(), _legacy(size_average, reduce, reduction))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    d = (input - target).abs()
    if beta == 0:
        loss = d
    else:
        loss = P.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    return _reduce(loss, _legacy(size_average, reduce, reduction))


def huber_loss(input, target, reduction="mean", delta=1.0):
    d = (input - target).abs()
    loss = P.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    return _reduce(loss, reduction)


class _PickClass(Function):
    """x[n, target[n], ...]: picks each sample's target-class score (nll's gather)."""

    @staticmethod
    def forward(ctx, x, tgt=None):
        m = xp(x)
        ctx.tgt, ctx.shape = tgt, x.shape
        return m.take_along_axis(x, m.expand_dims(tgt, 1), 1).squeeze(1)

    @staticmethod
    def backward(ctx, g):
        return _PutClass.apply(g, tgt=ctx.tgt, shape=ctx.shape)

    def name(self):
        return "GatherBackward0"


class _PutClass(Function):
    @staticmethod
    def forward(ctx, g, tgt=None, shape=()):
        m = xp(g)
        ctx.tgt = tgt
        z = m.zeros(shape, dtype=g.dtype)
        m.put_along_axis(z, m.expand_dims(tgt, 1), m.expand_dims(g, 1), 1)
        return z

    @staticmethod
    def backward(ctx, gg):
        return _PickClass.apply(gg, tgt=ctx.tgt)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log likelihood of the target class given log-probabilities."""
    reduction = _legacy(size_average, reduce, reduction)
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    unbatched = input.dim() == 1
    if unbatched:
        input = input.unsqueeze(0)
        target = target.unsqueeze(0)
    if target.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {P._type_word(target.dtype)}")
    if input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0]}).")
    C = input.shape[1]
    t = target._data.astype(np.int64)
    m = xp(t)
    valid = t != ignore_index
    safe = m.where(valid, t, 0)
    if safe.size and (safe.min() < 0 or safe.max() >= C):
        bad = int(safe.max()) if safe.max() >= C else int(safe.min())
        raise IndexError(f"Target {bad} is out of bounds.")
    picked = _PickClass.apply(input, tgt=safe)
    w = m.ones(t.shape, dtype=input._data.dtype) if weight is None else weight._data[safe]
    w = (w * valid).astype(input._data.dtype)
    wt = _wrap(w)
    loss = -picked * wt
    if unbatched and reduction == "none":
        loss = loss.squeeze(0)
    if reduction == "mean":
        return loss.sum() / wt.sum()
    return _reduce(loss, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """log_softmax + nll_loss (class indices) or soft-target cross entropy (probabilities)."""
    reduction = _legacy(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    cdim = 1 if input.dim() > 1 else 0
    logp = log_softmax(input, cdim)
    C = input.shape[cdim]
    if target.is_floating_point() and target.shape == input.shape:  # class probabilities
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / C
        wl = logp if weight is None else logp * weight.reshape((-1,) + (1,) * (input.dim() - 2) if cdim else (-1,))
        loss = -(wl * target).sum(cdim)
        if reduction == "mean":
            return loss.sum() / (input.numel() // C) if input.dim() > 1 else loss.sum()
        return _reduce(loss, reduction)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing <= 0:
        return nll
    # smoothing term: mean over classes of -logp (weighted), ignoring ignore_index positions
    valid = _wrap((target._data != ignore_index).astype(input._data.dtype))
    w = logp if weight is None else logp * weight.reshape((-1,) + (1,) * (input.dim() - 2) if cdim else (-1,))
    smooth = -w.sum(cdim) * valid
    if reduction == "mean":
        if weight is None:
            denom = valid.sum()
        else:
            t = xp(target._data).where(target._data != ignore_index, target._data, 0)
            denom = (_wrap(weight._data[t]) * valid).sum()
        smooth = smooth.sum() / denom
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1 - label_smoothing) * nll + label_smoothing / C * smooth


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(t log x + (1 - t) log(1 - x)) with logs clamped at -100 as torch."""
    reduction = _legacy(size_average, reduce, reduction)
    if input.shape != target.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    lx = P.clamp(P.log(input), min=-100)
    l1x = P.clamp(P.log(1 - input), min=-100)
    loss = -(target * lx + (1 - target) * l1x)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _softplus_neg(m, x):
    """log(1 + exp(-x)) without overflow or cancellation."""
    return m.maximum(-x, 0) + m.log1p(m.exp(-m.abs(x)))


class _BCELogits(Function):
    """Elementwise (1 - t) x + (1 + (pw - 1) t) softplus(-x); gradient sigmoid-based like torch."""

    save = (0, 1)

    @staticmethod
    def forward(ctx, x, t, pw=None):
        m = xp(x)
        sp = _softplus_neg(m, x)
        if pw is None:
            return (1 - t) * x + sp
        return (1 - t) * x + (1 + (pw - 1) * t) * sp

    @staticmethod
    def backward(ctx, g):
        saved = ctx.saved_tensors
        x, t = saved[0], saved[1]
        pw = saved[2] if len(saved) > 2 else None
        sig = x.sigmoid()
        if pw is None:
            gx = g * (sig - t)
            gt = g * -x if ctx.needs_input_grad[1] else None
            return gx, gt
        lw = 1 + (pw - 1) * t
        gx = g * (lw * sig - pw * t)
        sp = softplus(-x, 1.0, float("inf")) if (ctx.needs_input_grad[1] or
                                                 ctx.needs_input_grad[2]) else None
        gt = g * (-x + (pw - 1) * sp) if ctx.needs_input_grad[1] else None
        gpw = g * t * sp if ctx.needs_input_grad[2] else None
        return gx, gt, gpw


class _BCELogitsPW(_BCELogits):
    save = (0, 1, 2)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Sigmoid + binary cross entropy, computed stably from logits."""
    reduction = _legacy(size_average, reduce, reduction)
    if input.shape != target.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    if pos_weight is not None:
        loss = _BCELogitsPW.apply(input, target, pos_weight)
    else:
        loss = _BCELogits.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    reduction = _legacy(size_average, reduce, reduction)
    if log_target:
        loss = P.exp(target) * (target - input)
    else:
        loss = P.xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.dim() else loss.sum()
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    reduction = _legacy(size_average, reduce, reduction)
    if log_input:
        loss = P.exp(input) - target * input
    else:
        loss = input - target * P.log(input + eps)
    if full:
        st = target * P.log(target) - target + 0.5 * P.log(2 * np.pi * target)
        loss = loss + P.where(target > 1, st, st * 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    var = P.clamp(var, min=eps)
    loss = 0.5 * (P.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * np.log(2 * np.pi)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _reduce(P.log1p(P.exp(-target * input)), _legacy(size_average, reduce, reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    return _reduce(P.clamp(-target * (input1 - input2) + margin, min=0),
                   _legacy(size_average, reduce, reduction))


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    # a target that is neither 1 nor -1 gets both terms, as in torch
    loss = P.where(target != 1, P.clamp(margin - input, min=0), 0) + P.where(target != -1, input, 0)
    return _reduce(loss, _legacy(size_average, reduce, reduction))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between x1 and x2 along dim."""
    w12 = (x1 * x2).sum(dim)
    n1 = (x1 * x1).sum(dim)
    n2 = (x2 * x2).sum(dim)
    return w12 / P.sqrt(P.clamp_min(n1 * n2, eps * eps))


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    d = (x1 - x2 + eps).abs()
    return (d ** p).sum(-1, keepdim=keepdim) ** (1.0 / p)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    cos = cosine_similarity(input1, input2, dim=-1, eps=1e-12)
    loss = P.where(target == 1, 1 - cos, P.clamp(cos - margin, min=0))
    return _reduce(loss, _legacy(size_average, reduce, reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    dp = pairwise_distance(anchor, positive, p, eps)
    dn = pairwise_distance(anchor, negative, p, eps)
    if swap:
        ds = pairwise_distance(positive, negative, p, eps)
        dn = P.minimum(dn, ds)
    return _reduce(P.clamp(dp - dn + margin, min=0), _legacy(size_average, reduce, reduction))


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    x = input if input.dim() == 2 else input.unsqueeze(0)
    t = target._data.reshape(-1)
    picked = _PickClass.apply(x, tgt=t).unsqueeze(1)
    loss = P.clamp(margin - picked + x, min=0) ** p
    mask = _wrap((xp(t).arange(x.shape[1])[None, :] != t[:, None]).astype(x._data.dtype))
    if weight is not None:
        loss = loss * _wrap(weight._data[t])[:, None]
    loss = (loss * mask).sum(1) / x.shape[1]
    if input.dim() == 1:
        loss = loss.squeeze(0)
    return _reduce(loss, _legacy(size_average, reduce, reduction))


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    from ._functional_act import logsigmoid
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.mean(-1)
    return _reduce(loss, _legacy(size_average, reduce, reduction))


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None, reduction="mean",
                         ignore_index=None, label_smoothing=0.0, options=None):
    """cross_entropy(linear(input, linear_weight, linear_bias), target): logits (N, C, *out_features)
    from a weight of shape (C, *out_features, in_features). ``options`` (torch's chunking, a memory
    optimisation) is accepted; ember computes the reference formula, which gives the same values."""
    if input.dim() < 1 or input.dim() > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.dim()}")
    if linear_weight.dim() < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.dim()}")
    batch = tuple(input.shape[:-1])
    in_features = input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError("expected equal input and linear_weight last dimensions (in_features), got "
                           f"{input.shape[-1]} and {linear_weight.shape[-1]}, respectively")
    num_classes = linear_weight.shape[0]
    out_features = tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *out_features)}, got "
                           f"{tuple(linear_bias.shape)}")
    if out_features and not batch:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} "
                           f"requires batched input, (N, {in_features}), got unbatched input with shape "
                           f"{tuple(input.shape)}")
    logits_shape = (*batch, num_classes, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    flat_w = linear_weight.reshape(-1, in_features)
    logits = input @ flat_w.mT
    if linear_bias is not None:
        logits = logits + linear_bias.reshape(-1)
    logits = logits.reshape(logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction,
                         ignore_index=-100 if ignore_index is None else ignore_index,
                         label_smoothing=label_smoothing)
