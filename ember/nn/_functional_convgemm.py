"""2-D convolution kernels on NumPy arrays built from a few large BLAS products (groups == 1).

Stride 1 ("shift and GEMM"): the batch is copied once, channel-major, into a flat buffer whose rows
have pitch ``W + pw`` and whose samples are separated by ``ph`` zero rows; those zeros are shared
as the bottom/top and right/left padding of neighbours. A kernel tap ``(i, j)`` then reads the
whole batch as one matrix starting ``i*dh*pitch + j*dw`` elements further on, so

    Y (O, grid) = sum over taps  W[:, :, i, j] (O, C) @ X[:, off_ij : off_ij + grid]

is ``kh*kw`` GEMMs accumulating into one output (``beta=1``) with no im2col copy; the grid has a
few junk columns/rows (the padding positions) that are cropped away. The input gradient is the
same correlation of the output gradient with the flipped, transposed kernel, and the weight
gradient contracts that gradient's buffer (whose junk positions are zeros) with the shifted input.

Strided convolutions use im2col (columns ``(C, kh, kw, N, Ho, Wo)``, one GEMM per sample written
straight into NCHW output) and col2im for their input gradient.

Every stage is split over output rows (channels) between the BLAS thread budget
(``parallel_ranges``): the slabs are independent, so there is one join per stage.
"""
from __future__ import annotations

import numpy as np

from ._functional_gemm import gemm, parallel_ranges


# ---- stride 1: shared-padding layout -------------------------------------------------------------
def _layout(x, ph, pw, tail):
    """x (N, C, H, W) -> (C, T) buffer: ph zero rows, then per sample H data rows + ph zero rows,
    every row ``pw`` zeros then W values (pitch W + pw), then ``tail`` zeros."""
    N, C, H, W = x.shape
    P, B = W + pw, H + ph
    start = ph * P
    buf = np.zeros((C, start + N * B * P + tail), x.dtype)
    body = buf[:, start:start + N * B * P].reshape(C, N, B, P)
    xt = x.transpose(1, 0, 2, 3)

    def part(lo, hi):
        body[lo:hi, :, :H, pw:] = xt[lo:hi]
    parallel_ranges(C, part, x.size * 64)
    return buf


def _tail(kh, kw, dh, dw, ph, P, extra=0):
    return max(0, dh * (kh - 1) * P + dw * (kw - 1) - ph * P, extra)


def _chunk(rows: int) -> int:
    """Grid columns per block: the output block and the input slab it reads stay in cache across
    the kh*kw products (one pass over memory instead of one per tap)."""
    c = (1 << 19) // max(rows, 1)
    return 1 << max(11, min(14, c.bit_length() - 1))


def _corr_rows(X, taps, Y, Q, P, dh, dw):
    """Y (m, Q) = sum_ij taps[i, j] (m, C) @ X[:, off_ij : off_ij + Q], in cache-sized blocks."""
    kh, kw, m, C = taps.shape
    step = _chunk(m + C)
    for q0 in range(0, Q, step):
        q1 = min(Q, q0 + step)
        beta = 0.0
        for i in range(kh):
            for j in range(kw):
                off = i * dh * P + j * dw
                gemm(taps[i, j], X[:, off + q0:off + q1], Y[:, q0:q1], beta)
                beta = 1.0


def _corr_crop(X, taps, N, B, P, Ho, Wo, dh, dw, bias=None):
    """Correlate the layout X with taps over the whole grid and crop it to (N, M, Ho, Wo), adding a
    per-channel bias; split over output channels."""
    kh, kw, M, C = taps.shape
    Q = N * B * P
    Y = np.empty((M, Q), X.dtype)
    out = np.empty((N, M, Ho, Wo), X.dtype)
    src = Y.reshape(M, N, B, P)[:, :, :Ho, :Wo].transpose(1, 0, 2, 3)
    b4 = bias.reshape(1, M, 1, 1) if bias is not None else None

    def part(lo, hi):
        _corr_rows(X, taps[:, :, lo:hi], Y[lo:hi], Q, P, dh, dw)
        if b4 is None:
            np.copyto(out[:, lo:hi], src[:, lo:hi])
        else:
            np.add(src[:, lo:hi], b4[:, lo:hi], out=out[:, lo:hi])
    parallel_ranges(M, part, 2.0 * M * C * kh * kw * Q)
    return out


def shift_ok(k, padding, dilation) -> bool:
    """The layout holds the output grid only when no side is padded by more than the kernel reach."""
    return all(p <= d * (kk - 1) for kk, p, d in zip(k, padding, dilation))


def corr2d(x, taps, padding, dilation, bias=None):
    """out[n, m, y, x] = sum_{c,i,j} taps[i, j, m, c] * xpad[n, c, y + i*dh, x + j*dw] (stride 1)."""
    N, C, H, W = x.shape
    kh, kw = taps.shape[:2]
    (ph, pw), (dh, dw) = padding, dilation
    P, B = W + pw, H + ph
    Ho, Wo = H + 2 * ph - dh * (kh - 1), W + 2 * pw - dw * (kw - 1)
    X = _layout(x, ph, pw, _tail(kh, kw, dh, dw, ph, P))
    return _corr_crop(X, taps, N, B, P, Ho, Wo, dh, dw, bias)


def conv_taps(w):
    """Forward taps (kh, kw, O, C) of a weight (O, C, kh, kw)."""
    return np.ascontiguousarray(w.transpose(2, 3, 0, 1))


def grad_taps(w):
    """Taps of the input gradient: the kernel flipped in space, in/out channels swapped."""
    return np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(2, 3, 1, 0))


def conv_s1_backward(x, g, w, k, padding, dilation, need_x, need_w):
    """(grad_input, grad_weight) of a stride-1 convolution, sharing one buffer of g (w is only
    read for grad_input)."""
    N, C, H, W = x.shape
    O = g.shape[1]
    kh, kw = k
    (ph, pw), (dh, dw) = padding, dilation
    P, B = W + pw, H + ph  # == Wo + qw, Ho + qh: g's buffer shares the forward grid's geometry
    qh, qw = dh * (kh - 1) - ph, dw * (kw - 1) - pw
    Q = N * B * P
    G = _layout(g, qh, qw, _tail(kh, kw, dh, dw, qh, P, qw))
    gx = gw = None
    if need_x:
        gx = _corr_crop(G, grad_taps(w), N, B, P, H, W, dh, dw)
    if need_w:
        X = _layout(x, ph, pw, _tail(kh, kw, dh, dw, ph, P))
        s = qh * P + qw
        Gg = G[:, s:s + Q]  # g on the forward grid; its junk positions are zeros
        gwt = np.empty((kh, kw, O, C), x.dtype)

        step = _chunk(O // 2 + C)

        def part(lo, hi):
            for q0 in range(0, Q, step):
                q1 = min(Q, q0 + step)
                for i in range(kh):
                    for j in range(kw):
                        off = i * dh * P + j * dw
                        gemm(Gg[lo:hi, q0:q1], X[:, off + q0:off + q1].T, gwt[i, j, lo:hi],
                             0.0 if q0 == 0 else 1.0)
        parallel_ranges(O, part, 2.0 * O * C * kh * kw * Q)
        gw = np.ascontiguousarray(gwt.transpose(2, 3, 0, 1))
    return gx, gw


# ---- any stride: im2col / col2im ------------------------------------------------------------------
def _pad2(x, ph, pw):
    if not (ph or pw):
        return x
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * ph, W + 2 * pw), x.dtype)
    out[:, :, ph:ph + H, pw:pw + W] = x
    return out


def im2col(x, k, stride, padding, dilation, out):
    """(C*kh*kw, N, Ho*Wo) columns of the padded input (one contiguous copy)."""
    N, C = x.shape[:2]
    kh, kw = k
    xp = _pad2(x, *padding)
    s = xp.strides
    win = np.lib.stride_tricks.as_strided(
        xp, (C, kh, kw, N, out[0], out[1]),
        (s[1], s[2] * dilation[0], s[3] * dilation[1], s[0], s[2] * stride[0], s[3] * stride[1]))
    cols = np.empty(win.shape, x.dtype)
    if C >= 16:
        def part(lo, hi):  # whole channels
            np.copyto(cols[lo:hi], win[lo:hi])
        parallel_ranges(C, part, cols.size * 64)
    else:
        def part(lo, hi):  # (channel, kernel row) pairs: a few channels still split evenly
            for ci in range(lo, hi):
                c, i = divmod(ci, kh)
                np.copyto(cols[c, i], win[c, i])
        parallel_ranges(C * kh, part, cols.size * 64)
    return cols.reshape(C * kh * kw, N, out[0] * out[1])


def _gemm_nchw(wm, cols, N, out, dtype, bias=None):
    """y (N, O, P) = wm (O, K) @ cols (K, N, P) per sample (+ bias). Narrow planes (small P) make
    thin per-sample products, so those run as one product into a channel-major buffer instead."""
    O = wm.shape[0]
    P = cols.shape[2]
    y = np.empty((N, O, P), dtype)
    flops = 2.0 * y.size * cols.shape[0]
    if P >= 128 or N == 1:
        def part(lo, hi):
            for n in range(N):
                gemm(wm[lo:hi], cols[:, n], y[n, lo:hi])
            if bias is not None:
                y[:, lo:hi] += bias[lo:hi].reshape(1, -1, 1)
    else:
        ym = np.empty((O, N * P), dtype)
        cm = cols.reshape(cols.shape[0], N * P)
        src = ym.reshape(O, N, P).transpose(1, 0, 2)

        def part(lo, hi):
            gemm(wm[lo:hi], cm, ym[lo:hi])
            if bias is None:
                np.copyto(y[:, lo:hi], src[:, lo:hi])
            else:
                np.add(src[:, lo:hi], bias[lo:hi].reshape(1, -1, 1), out=y[:, lo:hi])
    parallel_ranges(O, part, flops)
    return y.reshape((N, O) + tuple(out))


def conv1x1(x, w, bias=None):
    """1x1 stride-1 convolution: a product per sample (or one over the gathered batch)."""
    N, C, H, W = x.shape
    O = w.shape[0]
    if H * W >= 128 or N == 1:
        cols = x.reshape(N, C, H * W).transpose(1, 0, 2)
    else:
        cols = np.empty((C, N, H * W), x.dtype)
        np.copyto(cols, x.reshape(N, C, H * W).transpose(1, 0, 2))
    return _gemm_nchw(w.reshape(O, C), cols, N, (H, W), x.dtype, bias)


def conv_im2col(x, w, stride, padding, dilation, out, bias=None):
    """Strided convolution: im2col, then one GEMM per sample into the NCHW output."""
    N = x.shape[0]
    O = w.shape[0]
    cols = im2col(x, w.shape[2:], stride, padding, dilation, out)
    return _gemm_nchw(w.reshape(O, -1), cols, N, out, x.dtype, bias)


def wgrad_im2col(x, g, k, stride, padding, dilation):
    """sum_n g[n] (O, P) @ cols[:, n].T (P, C*kh*kw) -> (O, C, kh, kw)."""
    N, C = x.shape[:2]
    O = g.shape[1]
    out = g.shape[2:]
    cols = im2col(x, k, stride, padding, dilation, out)
    gm = g.reshape(N, O, -1)
    gw = np.empty((O, C * k[0] * k[1]), x.dtype)

    def part(lo, hi):
        for n in range(N):
            gemm(gm[n, lo:hi], cols[:, n].T, gw[lo:hi], 0.0 if n == 0 else 1.0)
    parallel_ranges(O, part, 2.0 * gw.size * gm.shape[0] * gm.shape[2])
    return gw.reshape((O, C) + tuple(k))


def col2im_transpose(x, w, stride, padding, dilation, output_padding):
    """Transposed convolution (the input gradient of a strided one): per-sample GEMMs into columns,
    then one strided add per kernel tap into the full-size output, then the padding is cropped.
    x (N, Cin, H, W), w (Cin, Cout, kh, kw)."""
    N, Cin, H, W = x.shape
    Cout = w.shape[1]
    kh, kw = w.shape[2:]
    (sh, sw), (dh, dw) = stride, dilation
    fh = (H - 1) * sh + dh * (kh - 1) + 1 + output_padding[0]
    fw = (W - 1) * sw + dw * (kw - 1) + 1 + output_padding[1]
    ph, pw = padding
    wm = w.reshape(Cin, Cout * kh * kw).T
    xm = x.reshape(N, Cin, H * W)
    cols = np.empty((Cout * kh * kw, N, H * W), x.dtype)
    cols6 = cols.reshape(Cout, kh, kw, N, H, W)
    full = np.zeros((Cout, N, fh, fw), x.dtype)
    res = np.empty((N, Cout, fh - 2 * ph, fw - 2 * pw), x.dtype)
    K = kh * kw

    def part(lo, hi):  # output channels lo:hi: their columns, scatter-add, crop
        for n in range(N):
            gemm(wm[lo * K:hi * K], xm[n], cols[lo * K:hi * K, n])
        f = full[lo:hi]
        for i in range(kh):
            for j in range(kw):
                f[:, :, i * dh:i * dh + (H - 1) * sh + 1:sh, j * dw:j * dw + (W - 1) * sw + 1:sw] += \
                    cols6[lo:hi, i, j]
        np.copyto(res[:, lo:hi], f[:, :, ph:fh - ph, pw:fw - pw].transpose(1, 0, 2, 3))
    parallel_ranges(Cout, part, 2.0 * cols.size * Cin)
    return res
