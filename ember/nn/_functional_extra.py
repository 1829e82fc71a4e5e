"""Less common functionals: ctc_loss, embedding_bag, grid_sample/affine_grid, multilabel margin,
triplet margin with distance, channel_shuffle, lp_pool1d/3d, gumbel_softmax."""
from __future__ import annotations

import math

import numpy as np

from .._tensor import _wrap
from ..ops._function import Function, xp
from ._functional_loss import _reduce

__all__ = ["ctc_loss", "embedding_bag", "affine_grid", "grid_sample", "multilabel_margin_loss",
           "triplet_margin_with_distance_loss", "channel_shuffle", "lp_pool1d", "lp_pool3d",
           "gumbel_softmax", "max_unpool1d", "max_unpool3d"]


def _E():
    import ember
    return ember


# ---- CTC ---------------------------------------------------------------------------------------
def _logsumexp(a, b):
    m = np.maximum(a, b)
    with np.errstate(invalid="ignore"):
        r = m + np.log(np.exp(a - m) + np.exp(b - m))
    return np.where(np.isneginf(m), -np.inf, r)


class _CTC(Function):
    """Per-sample negative log likelihood of the targets (log-space alpha/beta recursions)."""

    @staticmethod
    def forward(ctx, lp, targets=None, in_lens=(), tgt_lens=(), blank=0, zero_infinity=False):
        m = xp(lp)
        lph = lp if m is np else lp.get()
        lph = lph.astype(np.float64)
        T, N, C = lph.shape
        nll = np.zeros(N)
        grads = np.zeros_like(lph)
        for b in range(N):
            Tb, Lb = in_lens[b], tgt_lens[b]
            lab = targets[b][:Lb]
            ext = np.full(2 * Lb + 1, blank, dtype=np.int64)
            ext[1::2] = lab
            S = len(ext)
            y = lph[:Tb, b][:, ext]  # (Tb, S)
            skip = np.zeros(S, dtype=bool)
            if S > 2:
                skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
            alpha = np.full((Tb, S), -np.inf)
            if Tb:
                alpha[0, 0] = y[0, 0]
                if S > 1:
                    alpha[0, 1] = y[0, 1]
            for t in range(1, Tb):
                prev = alpha[t - 1]
                a = prev.copy()
                a[1:] = _logsumexp(a[1:], prev[:-1])
                a[2:] = np.where(skip[2:], _logsumexp(a[2:], prev[:-2]), a[2:])
                alpha[t] = a + y[t]
            beta = np.full((Tb, S), -np.inf)
            if Tb:
                beta[-1, -1] = y[-1, -1]
                if S > 1:
                    beta[-1, -2] = y[-1, -2]
            for t in range(Tb - 2, -1, -1):
                nxt = beta[t + 1]
                bb = nxt.copy()
                bb[:-1] = _logsumexp(bb[:-1], nxt[1:])
                sk = np.zeros(S, dtype=bool)
                if S > 2:
                    sk[:-2] = skip[2:]
                bb[:-2] = np.where(sk[:-2], _logsumexp(bb[:-2], nxt[2:]), bb[:-2])
                beta[t] = bb + y[t]
            if Tb == 0:
                ll = 0.0 if Lb == 0 else -np.inf
            else:
                ll = alpha[-1, -1] if S == 1 else _logsumexp(alpha[-1, -1], alpha[-1, -2])
            nll[b] = -ll
            if Tb:
                # torch's gradient: exp(lp) - exp(log(sum alpha*beta over a class) + nll - lp)
                ab = alpha + beta
                occ = np.full((Tb, C), -np.inf)
                for s in range(S):
                    occ[:, ext[s]] = _logsumexp(occ[:, ext[s]], ab[:, s])
                lpb = lph[:Tb, b]
                with np.errstate(invalid="ignore", over="ignore"):
                    g = np.exp(lpb) - np.exp(occ + nll[b] - lpb)
                if zero_infinity and np.isinf(nll[b]):
                    g = np.zeros_like(g)
                grads[:Tb, b] = g
        if zero_infinity:
            nll = np.where(np.isinf(nll), 0.0, nll)
        ctx.grads = grads.astype(lp.dtype)
        out = nll.astype(lp.dtype)
        return out if m is np else m.asarray(out)

    @staticmethod
    def backward(ctx, g):
        m = xp(g._data)
        grads = ctx.grads if m is np else m.asarray(ctx.grads)
        return _wrap(grads) * g.reshape(1, -1, 1)


def _lengths(v, n):
    if hasattr(v, "_data"):
        return [int(x) for x in np.asarray(v._host()).reshape(-1)]
    if isinstance(v, int):
        return [v] * n
    return [int(x) for x in v]


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False):
    """Connectionist temporal classification loss of (T, N, C) log-probabilities."""
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
    T, N, C = log_probs.shape
    in_lens = _lengths(input_lengths, N)
    tgt_lens = _lengths(target_lengths, N)
    th = np.asarray(targets._host()).astype(np.int64)
    if unbatched:
        th = th.reshape(1, -1)
    if th.ndim == 1:  # concatenated targets
        offs = np.concatenate([[0], np.cumsum(tgt_lens)])
        tg = [th[offs[i]:offs[i + 1]] for i in range(N)]
    else:
        tg = [th[i] for i in range(N)]
    for i in range(N):
        if in_lens[i] > T:
            raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value "
                               f"{in_lens[i]} (while checking arguments for ctc_loss_cpu)")
    nll = _CTC.apply(log_probs, targets=tg, in_lens=tuple(in_lens), tgt_lens=tuple(tgt_lens),
                     blank=blank, zero_infinity=zero_infinity)
    if reduction == "mean":
        E = _E()
        tl = E.tensor([max(t, 1) for t in tgt_lens], dtype=nll.dtype)
        return (nll / tl).mean()
    if unbatched and reduction == "none":
        nll = nll.squeeze(0)
    return _reduce(nll, reduction)


# ---- embedding bag -------------------------------------------------------------------------------
def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights=None, include_last_offset: bool = False, padding_idx=None):
    """Sums, means or maxes of bags of embeddings (bags from 2-D input rows or 1-D offsets)."""
    E = _E()
    from ._functional_act import embedding
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. "
                                  "per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}'). Please open a feature request on GitHub.")
    idx = np.asarray(input._host()).astype(np.int64)
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is "
                             "a mini-batch of fixed length sequences. However, found offsets of "
                             f"type {type(offsets)}")
        B, L = idx.shape
        starts = np.arange(B) * L
        flat = idx.reshape(-1)
        ends = starts + L
        psw = per_sample_weights.reshape(-1) if per_sample_weights is not None else None
    else:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        flat = idx
        offs = np.asarray(offsets._host()).astype(np.int64)
        if include_last_offset:
            starts, ends = offs[:-1], offs[1:]
        else:
            starts, ends = offs, np.append(offs[1:], len(flat))
        B = len(starts)
        psw = per_sample_weights
    emb = embedding(E.from_numpy(flat) if input._data.__class__ is np.ndarray else input.reshape(-1),
                    weight, padding_idx, max_norm, norm_type, scale_grad_by_freq)
    keep = np.ones(len(flat), dtype=bool) if padding_idx is None else flat != padding_idx
    if mode in ("sum", "mean"):
        S = np.zeros((B, len(flat)), dtype=weight._data.dtype)
        for b in range(B):
            sel = np.arange(starts[b], ends[b])
            sel = sel[keep[sel]]
            if len(sel):
                S[b, sel] = 1.0 / len(sel) if mode == "mean" else 1.0
        if psw is not None:
            emb = emb * psw.reshape(-1, 1)
        return E.from_numpy(S).matmul(emb)
    if mode != "max":
        raise ValueError(f"mode has to be one of sum, mean or max, but got {mode}")
    rows = []
    for b in range(B):
        sel = np.arange(starts[b], ends[b])
        sel = sel[keep[sel]]
        if len(sel):
            rows.append(emb[E.from_numpy(sel)].max(0).values)
        else:
            rows.append(E.zeros(weight.shape[1], dtype=weight.dtype))
    return E.stack(rows) if rows else E.zeros((0, weight.shape[1]), dtype=weight.dtype)


# ---- spatial transformer -------------------------------------------------------------------------
def _base_coords(n, align_corners, dtype):
    if align_corners:
        v = np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1)
    else:
        v = (np.arange(n) * 2 + 1) / n - 1.0
    return v.astype(dtype)


def affine_grid(theta, size, align_corners=None):
    """Sampling grid (N, H, W, 2) (or 3-D) for the affine maps theta (N, 2, 3) / (N, 3, 4)."""
    E = _E()
    ac = bool(align_corners)
    size = list(size)
    if len(size) == 4:
        N, _, H, W = size
        if tuple(theta.shape) != (N, 2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{E.Size(size)}. Got {theta.shape}.")
        dt = theta._data.dtype
        xs, ys = _base_coords(W, ac, dt), _base_coords(H, ac, dt)
        base = np.stack(np.broadcast_arrays(xs[None, :], ys[:, None], np.ones((1, 1), dt)), -1)
        b = E.from_numpy(np.ascontiguousarray(base.reshape(1, H * W, 3)))
        return b.matmul(theta.transpose(1, 2)).reshape(N, H, W, 2)
    N, _, D, H, W = size
    if tuple(theta.shape) != (N, 3, 4):
        raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                         f"{E.Size(size)}. Got {theta.shape}.")
    dt = theta._data.dtype
    xs, ys, zs = _base_coords(W, ac, dt), _base_coords(H, ac, dt), _base_coords(D, ac, dt)
    base = np.stack(np.broadcast_arrays(xs[None, None, :], ys[None, :, None], zs[:, None, None],
                                        np.ones((1, 1, 1), dt)), -1)
    b = E.from_numpy(np.ascontiguousarray(base.reshape(1, D * H * W, 4)))
    return b.matmul(theta.transpose(1, 2)).reshape(N, D, H, W, 3)


def _unnormalize(coord, size, align_corners):
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect(x, lo2, hi2):
    """Reflect coordinates (in doubled units) into [lo2/2, hi2/2] like torch's reflect_coordinates."""
    if lo2 == hi2:
        return x * 0
    mn = lo2 / 2
    span = (hi2 - lo2) / 2
    x = (x - mn).abs()
    flips = (x / span).floor()
    extra = x - flips * span
    even = (flips.remainder(2) == 0)
    from ..ops.pointwise import where
    return where(even, extra + mn, span - extra + mn)


def grid_sample(input, grid, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners=None):
    """Sample input (N, C, H, W) at grid (N, Ho, Wo, 2) locations in [-1, 1] (bilinear/nearest)."""
    E = _E()
    if input.dim() != 4:
        raise NotImplementedError("grid_sample: only 4-D input is supported")
    if mode not in ("bilinear", "nearest"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' "
                         f"or 'bicubic', but got: '{mode}'")
    ac = bool(align_corners)
    N, C, H, W = input.shape
    Ho, Wo = grid.shape[1], grid.shape[2]
    ix = _unnormalize(grid[..., 0], W, ac)
    iy = _unnormalize(grid[..., 1], H, ac)
    if padding_mode == "border":
        ix = ix.clamp(0, W - 1)
        iy = iy.clamp(0, H - 1)
    elif padding_mode == "reflection":
        if ac:
            ix, iy = _reflect(ix, 0, 2 * (W - 1)), _reflect(iy, 0, 2 * (H - 1))
        else:
            ix, iy = _reflect(ix, -1, 2 * W - 1), _reflect(iy, -1, 2 * H - 1)
        ix = ix.clamp(0, W - 1)
        iy = iy.clamp(0, H - 1)
    flat = input.reshape(N, C, H * W)

    def gather(yy, xx):
        """input values at integer (yy, xx) (N, Ho, Wo) -> (N, C, Ho, Wo); zero outside."""
        valid = (xx >= 0) & (xx <= W - 1) & (yy >= 0) & (yy <= H - 1)
        xc = xx.clamp(0, W - 1).long()
        yc = yy.clamp(0, H - 1).long()
        lin = (yc * W + xc).reshape(N, 1, Ho * Wo).expand(N, C, Ho * Wo)
        v = flat.gather(2, lin).reshape(N, C, Ho, Wo)
        return v * valid.unsqueeze(1).to(input.dtype)

    if mode == "nearest":
        xr = ix.detach().round()
        yr = iy.detach().round()
        # torch gives the grid a zero gradient in nearest mode (not None)
        zero = ((ix - ix.detach()) + (iy - iy.detach())).unsqueeze(1) * 0
        return gather(yr, xr) + zero
    x0 = ix.detach().floor()
    y0 = iy.detach().floor()
    x1, y1 = x0 + 1, y0 + 1
    wx1 = ix - x0
    wx0 = x1 - ix
    wy1 = iy - y0
    wy0 = y1 - iy
    out = (gather(y0, x0) * (wy0 * wx0).unsqueeze(1) + gather(y0, x1) * (wy0 * wx1).unsqueeze(1)
           + gather(y1, x0) * (wy1 * wx0).unsqueeze(1) + gather(y1, x1) * (wy1 * wx1).unsqueeze(1))
    return out


# ---- small losses and helpers --------------------------------------------------------------------
def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Sum over target classes j and non-target classes i of max(0, 1 - (x[j] - x[i])) / C."""
    E = _E()
    unbatched = input.dim() == 1
    x = input.unsqueeze(0) if unbatched else input
    t = np.asarray(target._host()).astype(np.int64).reshape(x.shape[0], -1)
    N, C = x.shape
    is_t = np.zeros((N, C), dtype=bool)
    tmask = np.zeros((N, C), dtype=bool)
    for n in range(N):
        for j in t[n]:
            if j < 0:
                break
            is_t[n, j] = True
            tmask[n, j] = True
    xt = x.unsqueeze(2)  # (N, C, 1): candidate target scores
    xi = x.unsqueeze(1)  # (N, 1, C)
    pair = E.from_numpy((tmask[:, :, None] & ~is_t[:, None, :]).astype(x._data.dtype))
    loss = ((1 - (xt - xi)).clamp(min=0) * pair).sum((1, 2)) / C
    if unbatched and reduction == "none":
        loss = loss.squeeze(0)
    return _reduce(loss, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean"):
    """max(d(a, p) - d(a, n) + margin, 0) with a custom distance (pairwise L2 by default)."""
    from ._functional_loss import pairwise_distance
    d = distance_function if distance_function is not None else pairwise_distance
    dp = d(anchor, positive)
    dn = d(anchor, negative)
    if swap:
        ds = d(positive, negative)
        dn = _E().minimum(dn, ds)
    return _reduce((dp - dn + margin).clamp(min=0), reduction)


def channel_shuffle(input, groups: int):
    """Split channels into groups and interleave them."""
    N, C = input.shape[:2]
    rest = tuple(input.shape[2:])
    return input.reshape((N, groups, C // groups) + rest).transpose(1, 2).reshape((N, C) + rest)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over 1-D windows."""
    from ._functional_pool import avg_pool1d
    k = kernel_size if isinstance(kernel_size, int) else kernel_size[0]
    out = avg_pool1d(input.pow(norm_type), k, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(k).pow(1.0 / norm_type)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over 3-D windows."""
    from ._functional_pool import avg_pool3d
    from ._conv import _tuple
    k = _tuple(kernel_size, 3)
    out = avg_pool3d(input.pow(norm_type), k, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(math.prod(k)).pow(1.0 / norm_type)


def gumbel_softmax(logits, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1):
    """Softmax of (logits + Gumbel noise) / tau; hard=True returns straight-through one-hots."""
    E = _E()
    from ._functional_act import softmax
    gumbels = -E.empty_like(logits).exponential_().log()
    y = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y
    index = y.max(dim, keepdim=True)[1]
    y_hard = E.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y.detach() + y


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, nsp):
    from ._conv import _tuple
    from ._functional_pool import _ScatterPlanes
    k = _tuple(kernel_size, nsp)
    st = _tuple(stride if stride is not None else kernel_size, nsp)
    p = _tuple(padding, nsp)
    S = input.shape[-nsp:]
    if output_size is None:
        out = tuple((S[i] - 1) * st[i] - 2 * p[i] + k[i] for i in range(nsp))
    else:
        out = tuple(output_size)[-nsp:]
    shape = tuple(input.shape[:-nsp]) + out
    return _ScatterPlanes.apply(input, idx=indices._data, shape=shape, nsp=nsp)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Scatter pooled maxima back to their positions (1-D)."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Scatter pooled maxima back to their positions (3-D)."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3)
