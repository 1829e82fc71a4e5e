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
"""
from __future__ import annotations

import numpy as np

from ._functional_gemm import gemm


# ---- stride 1: shared-padding layout -------------------------------------------------------------
def _layout(x, ph, pw, tail):
    """x (N, C, H, W) -> (C, T) buffer: ph zero rows, then per sample H data rows + ph zero rows,
    every row ``pw`` zeros then W values (pitch W + pw), then ``tail`` zeros."""
    N, C, H, W = x.shape
    P, B = W + pw, H + ph
    start = ph * P
    buf = np.zeros((C, start + N * B * P + tail), x.dtype)
    body = buf[:, start:start + N * B * P].reshape(C, N, B, P)
    body[:, :, :H, pw:] = x.transpose(1, 0, 2, 3)
    return buf


def _tail(kh, kw, dh, dw, ph, P, extra=0):
    return max(0, dh * (kh - 1) * P + dw * (kw - 1) - ph * P, extra)


def _corr_grid(X, taps, Q, P, dh, dw):
    """Y (M, Q) = sum_ij taps[i, j] @ X[:, off_ij : off_ij + Q]."""
    kh, kw, M, _ = taps.shape
    Y = np.empty((M, Q), X.dtype)
    beta = 0.0
    for i in range(kh):
        for j in range(kw):
            off = i * dh * P + j * dw
            gemm(taps[i, j], X[:, off:off + Q], Y, beta)
            beta = 1.0
    return Y


def _crop(Y, N, B, P, Ho, Wo, bias=None):
    """(M, N*B*P) grid -> contiguous (N, M, Ho, Wo), adding a per-channel bias on the way."""
    M = Y.shape[0]
    src = Y.reshape(M, N, B, P)[:, :, :Ho, :Wo].transpose(1, 0, 2, 3)
    out = np.empty((N, M, Ho, Wo), Y.dtype)
    if bias is None:
        np.copyto(out, src)
    else:
        np.add(src, bias.reshape(1, M, 1, 1), out=out)
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
    Q = N * B * P
    X = _layout(x, ph, pw, _tail(kh, kw, dh, dw, ph, P))
    return _crop(_corr_grid(X, taps, Q, P, dh, dw), N, B, P, Ho, Wo, bias)


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
    Ho, Wo = g.shape[2:]
    P, B = W + pw, H + ph  # == Wo + pw', Ho + ph': g's buffer shares the forward grid's geometry
    qh, qw = dh * (kh - 1) - ph, dw * (kw - 1) - pw
    Q = N * B * P
    G = _layout(g, qh, qw, _tail(kh, kw, dh, dw, qh, P, qw))
    gx = gw = None
    if need_x:
        gx = _crop(_corr_grid(G, grad_taps(w), Q, P, dh, dw), N, B, P, H, W)
    if need_w:
        X = _layout(x, ph, pw, _tail(kh, kw, dh, dw, ph, P))
        s = qh * P + qw
        Gg = G[:, s:s + Q]  # g on the forward grid; its junk positions are zeros
        gwt = np.empty((kh, kw, O, C), x.dtype)
        for i in range(kh):
            for j in range(kw):
                off = i * dh * P + j * dw
                gemm(Gg, X[:, off:off + Q].T, gwt[i, j])
        gw = np.ascontiguousarray(gwt.transpose(2, 3, 0, 1))
    return gx, gw


# ---- any stride: im2col / col2im ------------------------------------------------------------------
def _pad2(x, ph, pw, hr=0, wr=0):
    if not (ph or pw or hr or wr):
        return x
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * ph + hr, W + 2 * pw + wr), x.dtype)
    out[:, :, ph:ph + H, pw:pw + W] = x
    return out


def im2col(x, k, stride, padding, dilation, out):
    """(C*kh*kw, N, Ho*Wo) columns of the padded input (one contiguous copy)."""
    N, C = x.shape[:2]
    xp = _pad2(x, *padding)
    s = xp.strides
    win = np.lib.stride_tricks.as_strided(
        xp, (C, k[0], k[1], N, out[0], out[1]),
        (s[1], s[2] * dilation[0], s[3] * dilation[1], s[0], s[2] * stride[0], s[3] * stride[1]))
    cols = np.empty(win.shape, x.dtype)
    np.copyto(cols, win)
    return cols.reshape(C * k[0] * k[1], N, out[0] * out[1])


def conv_im2col(x, w, stride, padding, dilation, out, bias=None):
    """Strided convolution: im2col, then one GEMM per sample into the NCHW output."""
    N = x.shape[0]
    O = w.shape[0]
    k = w.shape[2:]
    cols = im2col(x, k, stride, padding, dilation, out)
    wm = w.reshape(O, -1)
    y = np.empty((N, O, out[0] * out[1]), x.dtype)
    for n in range(N):
        gemm(wm, cols[:, n], y[n])
    if bias is not None:
        y += bias.reshape(1, O, 1)
    return y.reshape((N, O) + tuple(out))


def wgrad_im2col(x, g, k, stride, padding, dilation):
    """sum_n g[n] (O, P) @ cols[:, n].T (P, C*kh*kw) -> (O, C, kh, kw)."""
    N, C = x.shape[:2]
    O = g.shape[1]
    out = g.shape[2:]
    cols = im2col(x, k, stride, padding, dilation, out)
    gm = g.reshape(N, O, -1)
    gw = np.empty((O, C * k[0] * k[1]), x.dtype)
    for n in range(N):
        gemm(gm[n], cols[:, n].T, gw, 0.0 if n == 0 else 1.0)
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
    wm = w.reshape(Cin, Cout * kh * kw).T
    xm = x.reshape(N, Cin, H * W)
    cols = np.empty((Cout * kh * kw, N, H * W), x.dtype)
    for n in range(N):
        gemm(wm, xm[n], cols[:, n])
    cols = cols.reshape(Cout, kh, kw, N, H, W)
    full = np.zeros((Cout, N, fh, fw), x.dtype)
    for i in range(kh):
        for j in range(kw):
            full[:, :, i * dh:i * dh + (H - 1) * sh + 1:sh, j * dw:j * dw + (W - 1) * sw + 1:sw] += cols[:, i, j]
    ph, pw = padding
    return np.ascontiguousarray(full[:, :, ph:fh - ph, pw:fw - pw].transpose(1, 0, 2, 3))
