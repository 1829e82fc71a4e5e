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

from .. import _blas
from .._blas import gemm, parallel_elementwise, parallel_ranges


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


def _rows_per_chunk(rows: int, P: int, C: int, M: int) -> int:
    """Grid rows per work unit: the output block and the input slab it reads stay in cache across
    the kh*kw products (one pass over memory instead of one per tap), and there are enough units
    to share between threads."""
    cols = max(512, min((1 << 19) // max(M + C, 1), (rows * P) // 8 or 1))
    return max(1, cols // P)


def _corr_crop(X, taps, N, B, P, Ho, Wo, dh, dw, bias=None):
    """Correlate the layout X with taps over the grid (N*B rows of pitch P) and crop it to
    (N, M, Ho, Wo), adding a per-channel bias; row blocks are independent work units."""
    kh, kw, M, C = taps.shape
    R = N * B
    Y = np.empty((M, R * P), X.dtype)
    Y3 = Y.reshape(M, R, P)
    out = np.empty((N, M, Ho, Wo), X.dtype)
    b2 = bias.reshape(M, 1, 1) if bias is not None else None

    def part(r0, r1):
        q0, q1 = r0 * P, r1 * P
        beta = 0.0
        for i in range(kh):
            for j in range(kw):
                off = i * dh * P + j * dw
                gemm(taps[i, j], X[:, off + q0:off + q1], Y[:, q0:q1], beta)
                beta = 1.0
        for n in range(r0 // B, (r1 - 1) // B + 1):  # samples whose rows meet this block
            y0, y1 = max(r0 - n * B, 0), min(r1 - n * B, Ho)
            if y0 < y1:
                src = Y3[:, n * B + y0:n * B + y1, :Wo]
                if b2 is None:
                    np.copyto(out[n, :, y0:y1], src)
                else:
                    np.add(src, b2, out=out[n, :, y0:y1])
    parallel_ranges(R, part, 2.0 * M * C * kh * kw * R * P, grain=_rows_per_chunk(R, P, C, M),
                    per_thread=1 << 20)
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
        parts = {}  # one partial sum per work unit, added up in a fixed order

        def part(r0, r1):
            q0, q1 = r0 * P, r1 * P
            acc = np.empty((kh, kw, O, C), x.dtype)
            for i in range(kh):
                for j in range(kw):
                    off = i * dh * P + j * dw
                    gemm(Gg[:, q0:q1], X[:, off + q0:off + q1].T, acc[i, j])
            parts[r0] = acc
        R = N * B
        parallel_ranges(R, part, 2.0 * O * C * kh * kw * Q, grain=max(1, R // 8), per_thread=1 << 20)
        keys = sorted(parts)
        gwt = parts[keys[0]]
        for key in keys[1:]:
            gwt += parts[key]
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


def _col_units(N, P, per=2048):
    """Split N planes of P columns into work units of about ``per`` columns: (samples per unit,
    column blocks per sample) — whole samples when planes are narrow."""
    if P >= per:
        return 1, -(-P // per)
    return max(1, per // P), 1


def _o_blocks(units: int, O: int, flops: float) -> int:
    """Output-channel blocks per unit so that a product with fewer units than threads (a batch of
    one with narrow planes) is still split: BLAS itself runs single-threaded (see ``_blas``)."""
    T = _blas.threads_for(flops)
    if units >= T or O < 32:
        return 1
    return max(1, min(-(-T // max(units, 1)), O // 16))


def _gemm_nchw(wm, cols, N, out, dtype, bias=None):
    """y (N, O, P) = wm (O, K) @ cols (K, N, P) per sample (+ bias), in column blocks (and blocks
    of output channels when there are few). Narrow planes run several samples as one product into
    a channel-major block, then transpose it."""
    O = wm.shape[0]
    K, _, P = cols.shape
    y = np.empty((N, O, P), dtype)
    b3 = bias.reshape(1, O, 1) if bias is not None else None
    flops = 2.0 * y.size * K
    spu, nb = _col_units(N, P)
    if spu == 1:  # few column blocks: make their count a multiple of the threads (no straggler)
        T = _blas.threads_for(flops)
        while N * nb < 4 * T and (N * nb) % T and nb < P // 256:
            nb += 1
    units = N * nb if spu == 1 else -(-N // spu)
    ob = _o_blocks(units, O, flops)
    obs = -(-O // ob)
    if spu == 1:
        pb = -(-P // nb)

        def part(lo, hi):
            for v in range(lo, hi):
                u, k = divmod(v, ob)
                n, b = divmod(u, nb)
                p0, p1 = b * pb, min(P, (b + 1) * pb)
                o0, o1 = k * obs, min(O, (k + 1) * obs)
                gemm(wm[o0:o1], cols[:, n, p0:p1], y[n, o0:o1, p0:p1])
                if b3 is not None:
                    y[n, o0:o1, p0:p1] += b3[0, o0:o1]
    else:
        cm = cols.reshape(K, N * P)

        def part(lo, hi):
            for v in range(lo, hi):
                u, k = divmod(v, ob)
                n0 = u * spu
                n1 = min(N, n0 + spu)
                o0, o1 = k * obs, min(O, (k + 1) * obs)
                ym = np.empty((o1 - o0, (n1 - n0) * P), dtype)
                gemm(wm[o0:o1], cm[:, n0 * P:n1 * P], ym)
                src = ym.reshape(o1 - o0, n1 - n0, P).transpose(1, 0, 2)
                if b3 is None:
                    np.copyto(y[n0:n1, o0:o1], src)
                else:
                    np.add(src, b3[:, o0:o1], out=y[n0:n1, o0:o1])
    parallel_ranges(units * ob, part, flops)
    return y.reshape((N, O) + tuple(out))


def conv1x1(x, w, bias=None):
    """1x1 stride-1 convolution: a product per sample (or per group of narrow samples)."""
    N, C, H, W = x.shape
    O = w.shape[0]
    cols = x.reshape(N, C, H * W).transpose(1, 0, 2)
    if _col_units(N, H * W)[0] > 1:  # narrow planes: gather samples channel-major once
        cols = np.ascontiguousarray(cols)
    return _gemm_nchw(w.reshape(O, C), cols, N, (H, W), x.dtype, bias)


def conv_im2col(x, w, stride, padding, dilation, out, bias=None):
    """Strided (or small) convolution: im2col, then GEMMs into the NCHW output. Each work unit is
    a block of output rows of one sample whose columns are gathered just before its product, so
    the column block is still in cache when the GEMM reads it (no batch-sized column matrix goes
    through memory twice)."""
    N, C = x.shape[:2]
    O = w.shape[0]
    kh, kw = w.shape[2:]
    Ho, Wo = out
    K = C * kh * kw
    if Ho * Wo < 512 or K < 16:  # narrow planes: several samples per product pay more
        cols = im2col(x, (kh, kw), stride, padding, dilation, out)
        return _gemm_nchw(w.reshape(O, -1), cols, N, out, x.dtype, bias)
    xp_ = _pad2(x, *padding)
    s = xp_.strides
    win = np.lib.stride_tricks.as_strided(
        xp_, (N, C, kh, kw, Ho, Wo),
        (s[0], s[1], s[2] * dilation[0], s[3] * dilation[1], s[2] * stride[0], s[3] * stride[1]))
    wm = w.reshape(O, K)
    y = np.empty((N, O, Ho * Wo), x.dtype)
    b2 = bias.reshape(O, 1) if bias is not None else None
    rows = max(1, min(Ho, (1 << 18) // max(K * Wo, 1)))  # ~1 MB of float32 columns per block
    nb = -(-Ho // rows)
    flops = 2.0 * N * O * K * Ho * Wo
    T = _blas.threads_for(flops)
    while (N * nb) % T and N * nb < 8 * T and rows > 1:  # no straggler when the blocks are few
        rows -= 1
        nb = -(-Ho // rows)

    def part(lo, hi):
        buf = np.empty((K, rows * Wo), x.dtype)
        for u in range(lo, hi):
            n, b = divmod(u, nb)
            r0, r1 = b * rows, min(Ho, (b + 1) * rows)
            cb = buf[:, :(r1 - r0) * Wo]
            np.copyto(cb.reshape(C, kh, kw, r1 - r0, Wo), win[n, :, :, :, r0:r1])
            dst = y[n, :, r0 * Wo:r1 * Wo]
            gemm(wm, cb, dst)
            if b2 is not None:
                dst += b2
    parallel_ranges(N * nb, part, flops)
    return y.reshape(N, O, Ho, Wo)


def wgrad_im2col(x, g, k, stride, padding, dilation):
    """sum_n g[n] (O, P) @ cols[:, n].T (P, C*kh*kw) -> (O, C, kh, kw), in column blocks whose
    partial sums are added in a fixed order."""
    N, C = x.shape[:2]
    O = g.shape[1]
    out = g.shape[2:]
    cols = im2col(x, k, stride, padding, dilation, out)
    K, _, P = cols.shape
    gm = np.ascontiguousarray(g).reshape(N, O, P)
    nb = -(-P // 4096)
    pb = -(-P // nb)
    parts = {}

    def part(lo, hi):
        acc = np.empty((O, K), x.dtype)
        for u in range(lo, hi):
            n, b = divmod(u, nb)
            p0, p1 = b * pb, min(P, (b + 1) * pb)
            gemm(gm[n, :, p0:p1], cols[:, n, p0:p1].T, acc, 0.0 if u == lo else 1.0)
        parts[lo] = acc
    parallel_ranges(N * nb, part, 2.0 * O * K * N * P)
    keys = sorted(parts)
    gw = parts[keys[0]]
    for key in keys[1:]:
        gw += parts[key]
    return gw.reshape((O, C) + tuple(k))


def _phase(p, pad, s, n):
    """(first output index, count, phase-grid index of the first) of phase p along one axis."""
    first = (p - pad) % s
    if first >= n:
        return first, 0, 0
    return first, len(range(first, n, s)), (first + pad - p) // s


def _scatter_phases(cols6, rt, k, stride, padding, dilation):
    """rt (c, N, Ho, Wo) <- the tap planes cols6 (c, kh, kw, N, H, W) added at their strided
    positions. Output pixels fall into sh*sw phases (row % sh, col % sw); the taps that reach one
    phase land on a dense grid, so they are summed with contiguous adds into that phase's buffer,
    which is then written once with a strided copy (instead of kh*kw strided read-modify-writes)."""
    kh, kw = k
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    c, N, Ho, Wo = rt.shape
    H, W = cols6.shape[4:]
    for py in range(sh):
        r0, nr, Y0 = _phase(py, ph, sh, Ho)
        if not nr:
            continue
        for px in range(sw):
            c0, nc, X0 = _phase(px, pw, sw, Wo)
            if not nc:
                continue
            buf = np.zeros((c, N, nr, nc), rt.dtype)
            for i in range(kh):
                if (i * dh) % sh != py:
                    continue
                oy = (i * dh) // sh
                ya, yb = max(0, Y0 - oy), min(H, Y0 + nr - oy)
                for j in range(kw):
                    if (j * dw) % sw != px:
                        continue
                    ox = (j * dw) // sw
                    xa, xb = max(0, X0 - ox), min(W, X0 + nc - ox)
                    if ya < yb and xa < xb:
                        buf[:, :, ya + oy - Y0:yb + oy - Y0, xa + ox - X0:xb + ox - X0] += \
                            cols6[:, i, j, :, ya:yb, xa:xb]
            rt[:, :, r0::sh, c0::sw] = buf


def col2im_transpose(x, w, stride, padding, dilation, output_padding):
    """Transposed convolution (the input gradient of a strided one): per-sample GEMMs into columns,
    then each kernel tap's plane added at its strided place (phase by phase), cropped to the output.
    x (N, Cin, H, W), w (Cin, Cout, kh, kw)."""
    N, Cin, H, W = x.shape
    Cout = w.shape[1]
    kh, kw = w.shape[2:]
    (sh, sw), (dh, dw) = stride, dilation
    fh = (H - 1) * sh + dh * (kh - 1) + 1 + output_padding[0]
    fw = (W - 1) * sw + dw * (kw - 1) + 1 + output_padding[1]
    ph, pw = padding
    wm = w.reshape(Cin, Cout * kh * kw).T
    xm = np.ascontiguousarray(x).reshape(N, Cin, H * W)
    cols = np.empty((Cout * kh * kw, N, H * W), x.dtype)
    cols6 = cols.reshape(Cout, kh, kw, N, H, W)
    res = np.empty((N, Cout, fh - 2 * ph, fw - 2 * pw), x.dtype)
    rt = res.transpose(1, 0, 2, 3)
    P = H * W
    spu, nb = _col_units(N, P)
    pb = -(-P // nb)

    def gemms(lo, hi):  # column blocks of the products
        for u in range(lo, hi):
            n, b = divmod(u, nb)
            p0, p1 = b * pb, min(P, (b + 1) * pb)
            gemm(wm, xm[n, :, p0:p1], cols[:, n, p0:p1])
    parallel_ranges(N * nb, gemms, 2.0 * cols.size * Cin)

    def scatter(lo, hi):  # blocks of output channels
        _scatter_phases(cols6[lo:hi], rt[lo:hi], (kh, kw), stride, padding, dilation)
    parallel_elementwise(x, Cout, scatter, cols.size)
    return res
