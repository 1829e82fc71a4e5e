"""Convolution for 1, 2 and 3 spatial dims: the autograd ops and the choice of algorithm.

conv's input-gradient is a transposed convolution and vice versa, so each op's backward is the
other op (both written here); weight gradients contract input windows with the output gradient.
NumPy float32/float64 1-D and 2-D convolutions without groups run the BLAS-direct kernels of
``_functional_convgemm`` (shift-GEMM for stride 1, im2col/col2im otherwise, 1x1 as plain products);
everything else (CuPy, groups, 3-D, other dtypes) uses the generic im2col-per-group code below.
When no second derivative is being recorded, a stride-1 backward computes both gradients on
arrays at once, sharing one buffer of the output gradient.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import state as _grad_state
from ..ops._function import Function, xp
from . import _functional_convgemm as CG
from . import _functional_winograd as WG
from .._blas import gemm, has_blas


def _windows(x, k, stride, dilation, out):
    """View of x (N, C, *S) as (N, C, *out, *k) sliding windows."""
    m = xp(x)
    nd = len(k)
    st = x.strides
    shape = x.shape[:2] + tuple(out) + tuple(k)
    strides = st[:2] + tuple(st[2 + i] * stride[i] for i in range(nd)) + \
        tuple(st[2 + i] * dilation[i] for i in range(nd))
    return m.lib.stride_tricks.as_strided(x, shape, strides)


def _pad(x, padding):
    if not any(padding):
        return x
    m = xp(x)
    return m.pad(x, ((0, 0), (0, 0)) + tuple((p, p) for p in padding))


def _out_size(s, k, stride, pad, dil):
    return (s + 2 * pad - dil * (k - 1) - 1) // stride + 1


def _cols(x, k, stride, padding, dilation, out):
    """im2col: (C * prod(k), N * prod(out)), copied in an order whose inner loop is contiguous."""
    m = xp(x)
    nd = len(k)
    win = _windows(_pad(x, padding), k, stride, dilation, out)  # N, C, *out, *k
    perm = (1,) + tuple(range(2 + nd, 2 + 2 * nd)) + (0,) + tuple(range(2, 2 + nd))
    N, C = x.shape[:2]
    return m.ascontiguousarray(win.transpose(perm)).reshape(C * int(np.prod(k)), N * int(np.prod(out)))


def _conv_forward_generic(x, w, stride, padding, dilation, groups):
    """y[n, o, p] = sum_{c,k} x_pad[n, c, p*stride + k*dil] * w[o, c, k] on arrays."""
    m = xp(x)
    nd = w.ndim - 2
    N, C = x.shape[:2]
    O = w.shape[0]
    k = w.shape[2:]
    out = tuple(_out_size(x.shape[2 + i], k[i], stride[i], padding[i], dilation[i]) for i in range(nd))
    g = groups
    if all(v == 1 for v in k) and not any(padding) and all(v == 1 for v in stride) and g == 1:
        xm = x.reshape(N, C, -1)  # 1x1 convolution: a plain matmul per sample
        y = m.matmul(w.reshape(O, C), xm)
        return y.reshape((N, O) + out)
    cols = _cols(x, k, stride, padding, dilation, out)
    K = int(np.prod(k))
    Cg, Og = C // g, O // g
    if g == 1:
        y = w.reshape(O, C * K) @ cols
    else:
        y = m.matmul(w.reshape(g, Og, Cg * K), cols.reshape(g, Cg * K, -1)).reshape(O, -1)
    y = y.reshape((O, N) + out)
    return m.ascontiguousarray(m.moveaxis(y, 0, 1)) if N > 1 else y.reshape((1, O) + out)


def _conv_transpose_generic(x, w, stride, padding, dilation, groups, output_padding):
    """The adjoint of conv_forward w.r.t. its input: scatter each input pixel's kernel patch."""
    m = xp(x)
    nd = w.ndim - 2
    N, Cin = x.shape[:2]
    g = groups
    Cout = w.shape[1] * g
    k = w.shape[2:]
    S = x.shape[2:]
    full = tuple((S[i] - 1) * stride[i] + dilation[i] * (k[i] - 1) + 1 + output_padding[i]
                 for i in range(nd))
    Cg_in, Cg_out = Cin // g, Cout // g
    P = int(np.prod(S))
    K = int(np.prod(k))
    xm = m.ascontiguousarray(m.moveaxis(x, 1, -1)).reshape(N * P, g, Cg_in)
    wm = w.reshape(g, Cg_in, Cg_out * K)
    if g == 1:
        cols = xm.reshape(N * P, Cg_in) @ wm[0]
    else:
        cols = m.einsum("pgc,gck->pgk", xm, wm, optimize=True)
    cols = cols.reshape((N,) + S + (Cout,) + tuple(k))
    y = m.zeros((N, Cout) + full, dtype=x.dtype)
    # one strided add per kernel offset
    for kidx in np.ndindex(*k):
        sl = (slice(None), slice(None)) + tuple(
            slice(kidx[i] * dilation[i], kidx[i] * dilation[i] + (S[i] - 1) * stride[i] + 1, stride[i])
            for i in range(nd))
        patch = cols[(slice(None),) + (slice(None),) * nd + (slice(None),) + kidx]
        y[sl] += m.moveaxis(patch, -1, 1)
    crop = (slice(None), slice(None)) + tuple(
        slice(padding[i], full[i] - padding[i] if padding[i] else None) for i in range(nd))
    y = y[crop]
    return m.ascontiguousarray(y)


def _weight_grad_generic(a, b, kshape, stride, padding, dilation, groups):
    """sum_{n,p} a_pad[n, c, p*stride + k*dil] * b[n, o, p] -> (O, C/groups, *k)."""
    m = xp(a)
    out = b.shape[2:]
    N, C = a.shape[:2]
    O = b.shape[1]
    g = groups
    Cg, Og = C // g, O // g
    K = int(np.prod(kshape))
    cols = _cols(a, kshape, stride, padding, dilation, out)  # C*K, N*P
    bm = m.moveaxis(b, 1, 0).reshape(O, -1)  # O, N*P
    if g == 1:
        gw = bm @ cols.T
    else:
        gw = m.matmul(bm.reshape(g, Og, -1), cols.reshape(g, Cg * K, -1).transpose(0, 2, 1))
    return gw.reshape((O, Cg) + tuple(kshape))


# ---- dispatch: BLAS-direct kernels for NumPy float32/float64 2-D (and 1-D) convolutions ---------------
def _fast(x, w, groups) -> bool:
    return groups == 1 and w.ndim in (3, 4) and x.dtype == w.dtype and has_blas(x)


def _to2d(*arrs):
    """1-D convolution arrays as 2-D ones with a height of 1."""
    return tuple(a[:, :, None] if a is not None and a.ndim == 3 else a for a in arrs)


_SHIFT_MIN_WORK = 3e7


def _shift_pays(N, C, O, H, W, k, padding, dilation, out) -> bool:
    """Shift-GEMM evaluates (H+ph)*(W+pw) grid positions per sample instead of Ho*Wo; im2col
    instead copies C*kh*kw values per output, which costs roughly 24/O of the product itself.
    Tiny channel counts make the per-tap products too thin for BLAS."""
    if C < 16 or not CG.shift_ok(k, padding, dilation):
        return False
    grid = (H + padding[0]) * (W + padding[1])
    if O >= 32 and N * grid * C * O < _SHIFT_MIN_WORK:
        return False  # small problems: one deep product beats kh*kw shallow ones
    return grid / float(out[0] * out[1]) - 1.0 <= 24.0 / O


def conv_forward(x, w, stride, padding, dilation, groups, bias=None, weight=None):
    """y = conv(x, w) (+ bias per output channel) on backend arrays (``weight``: the Tensor behind
    w, whose Winograd filter transform may be cached)."""
    nd = w.ndim - 2
    if not _fast(x, w, groups):
        y = _conv_forward_generic(x, w, stride, padding, dilation, groups)
        if bias is not None:
            y = y + bias.reshape((1, -1) + (1,) * nd)
        return y
    if nd == 1:
        y = conv_forward(*_to2d(x, w), (1,) + tuple(stride), (0,) + tuple(padding),
                         (1,) + tuple(dilation), 1, bias)
        return y.reshape(y.shape[:2] + y.shape[3:])
    N, C, H, W = x.shape
    O = w.shape[0]
    k = w.shape[2:]
    out = tuple(_out_size(x.shape[2 + i], k[i], stride[i], padding[i], dilation[i]) for i in range(2))
    if k == (1, 1) and stride == (1, 1) and padding == (0, 0):
        return CG.conv1x1(x, w, bias)
    if WG.pays(N, C, O, H, W, k, stride, padding, dilation):
        return WG.conv3x3(x, w, padding, bias, WG.filter_for(w, weight))
    if stride == (1, 1) and _shift_pays(N, C, O, H, W, k, padding, dilation, out):
        return CG.corr2d(x, CG.conv_taps(w), padding, dilation, bias)
    return CG.conv_im2col(x, w, stride, padding, dilation, out, bias)


def conv_transpose_forward(x, w, stride, padding, dilation, groups, output_padding, bias=None):
    """The adjoint of conv_forward w.r.t. its input (+ bias) on backend arrays."""
    nd = w.ndim - 2
    if not _fast(x, w, groups):
        y = _conv_transpose_generic(x, w, stride, padding, dilation, groups, output_padding)
        if bias is not None:
            y = y + bias.reshape((1, -1) + (1,) * nd)
        return y
    if nd == 1:
        y = conv_transpose_forward(*_to2d(x, w), (1,) + tuple(stride), (0,) + tuple(padding),
                                   (1,) + tuple(dilation), 1, (0,) + tuple(output_padding), bias)
        return y.reshape(y.shape[:2] + y.shape[3:])
    N, Cin, H, W = x.shape
    Cout = w.shape[1]
    k = w.shape[2:]
    q = tuple(dilation[i] * (k[i] - 1) - padding[i] for i in range(2))
    if stride == (1, 1) and not any(output_padding) and min(q) >= 0:
        # a stride-1 transposed convolution is a convolution with the flipped, transposed kernel
        out = (H + 2 * q[0] - dilation[0] * (k[0] - 1), W + 2 * q[1] - dilation[1] * (k[1] - 1))
        if WG.pays(N, Cin, Cout, H, W, k, stride, q, dilation):
            wf = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (Cout, Cin, 3, 3): flipped, swapped
            return WG.conv3x3(x, wf, q, bias)
        if _shift_pays(N, Cin, Cout, H, W, k, q, dilation, out):
            return CG.corr2d(x, CG.grad_taps(w), q, dilation, bias)
        wf = xp(w).ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
        return CG.conv_im2col(x, wf, (1, 1), q, dilation, out, bias)
    y = CG.col2im_transpose(x, w, stride, padding, dilation, output_padding)
    if bias is not None:
        y += bias.reshape(1, Cout, 1, 1)
    return y


def weight_grad(a, b, kshape, stride, padding, dilation, groups):
    """Gradient of conv(a, w) w.r.t. w given the output gradient b, on backend arrays."""
    if not _fast(a, b, groups):
        return _weight_grad_generic(a, b, kshape, stride, padding, dilation, groups)
    if len(kshape) == 1:
        gw = weight_grad(*_to2d(a, b), (1,) + tuple(kshape), (1,) + tuple(stride), (0,) + tuple(padding),
                         (1,) + tuple(dilation), 1)
        return gw.reshape(gw.shape[:2] + gw.shape[3:])
    N, C, H, W = a.shape
    O = b.shape[1]
    out = b.shape[2:]
    k = tuple(kshape)
    if k == (1, 1) and stride == (1, 1) and padding == (0, 0) and out == (H, W):
        am, bm = np.ascontiguousarray(a).reshape(N, C, H * W), np.ascontiguousarray(b).reshape(N, O, H * W)
        gw = xp(a).empty((O, C), a.dtype)
        for n in range(N):
            gemm(bm[n], am[n].T, gw, 0.0 if n == 0 else 1.0)
        return gw.reshape(O, C, 1, 1)
    exact = all(out[i] == _out_size(a.shape[2 + i], k[i], 1, padding[i], dilation[i]) for i in range(2))
    if stride == (1, 1) and exact and _shift_pays(N, C, O, H, W, k, padding, dilation, out):
        return CG.conv_s1_backward(a, b, None, k, padding, dilation, False, True)[1]
    return CG.wgrad_im2col(a, b, k, stride, padding, dilation)


def _backward_arrays(x, w, g, stride, padding, dilation, need_x, need_w):
    """Both gradients of a fast-path convolution at once (one shared buffer of g), or None."""
    if w.ndim != 4 or stride != (1, 1):
        return None
    N, C, H, W = x.shape
    O = w.shape[0]
    k = w.shape[2:]
    out = g.shape[2:]
    if k == (1, 1) or not _shift_pays(N, C, O, H, W, k, padding, dilation, out) or \
            not _shift_pays(N, O, C, out[0], out[1], k, tuple(dilation[i] * (k[i] - 1) - padding[i]
                                                           for i in range(2)), dilation, (H, W)):
        return None
    return CG.conv_s1_backward(x, g, w, k, padding, dilation, need_x, need_w)


def _tuple(v, nd):
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return tuple(v) * nd
        return tuple(int(x) for x in v)
    return (int(v),) * nd


def _output_padding(x, y, w, stride, padding, dilation) -> tuple:
    """The transposed convolution's output_padding that maps y back to x's full size: it recovers
    the input rows the forward's stride skipped."""
    return tuple(x.shape[2 + i] - ((y.shape[2 + i] - 1) * stride[i] - 2 * padding[i] +
                                   dilation[i] * (w.shape[2 + i] - 1) + 1) for i in range(w.dim() - 2))


class ConvNd(Function):
    save = (0, 1)

    @staticmethod
    def forward(ctx, x, w, b=None, stride=(), padding=(), dilation=(), groups=1, weight=None):
        ctx.p = (stride, padding, dilation, groups)
        return conv_forward(x, w, stride, padding, dilation, groups, b, weight)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        stride, padding, dilation, groups = ctx.p
        needs = ctx.needs_input_grad
        gx = gw = None
        if not _grad_state.grad_enabled and _fast(x._data, w._data, groups) and \
                g._data.dtype == x._data.dtype:
            both = _backward_arrays(x._data, w._data, g._data, stride, padding, dilation,
                                    needs[0], needs[1])
            if both is not None:
                gx = _wrap(both[0]) if both[0] is not None else None
                gw = _wrap(both[1]) if both[1] is not None else None
                needs = (False, False)
        if needs[0]:
            gx = ConvTransposeNd.apply(g, w, stride=stride, padding=padding, dilation=dilation,
                                       groups=groups, output_padding=_output_padding(x, g, w, stride,
                                                                                     padding, dilation))
        if needs[1]:
            gw = WeightGrad.apply(x, g, kshape=tuple(w.shape[2:]), stride=stride, padding=padding,
                                  dilation=dilation, groups=groups)
        if len(ctx.needs_input_grad) == 3:
            gb = None
            if ctx.needs_input_grad[2]:
                gb = g.sum([0] + list(range(2, g.dim())))
            return gx, gw, gb
        return gx, gw

    def name(self):
        return "ConvolutionBackward0"


class ConvTransposeNd(Function):
    save = (0, 1)

    @staticmethod
    def forward(ctx, x, w, stride=(), padding=(), dilation=(), groups=1, output_padding=()):
        ctx.p = (stride, padding, dilation, groups)
        return conv_transpose_forward(x, w, stride, padding, dilation, groups, output_padding)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        stride, padding, dilation, groups = ctx.p
        gx = gw = None
        if ctx.needs_input_grad[0]:
            gx = ConvNd.apply(g, w, stride=stride, padding=padding, dilation=dilation, groups=groups)
            if gx.shape != x.shape:
                gx = gx[(slice(None), slice(None)) + tuple(slice(0, s) for s in x.shape[2:])]
        if ctx.needs_input_grad[1]:
            # weight (Cin, Cout/g, *k): windows of g contracted with x
            gw = WeightGrad.apply(g, x, kshape=tuple(w.shape[2:]), stride=stride, padding=padding,
                                  dilation=dilation, groups=groups, crop=tuple(x.shape[2:]))
        return gx, gw

    def name(self):
        return "ConvolutionBackward0"


class WeightGrad(Function):
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, b, kshape=(), stride=(), padding=(), dilation=(), groups=1, crop=None):
        ctx.p = (kshape, stride, padding, dilation, groups, crop)
        return weight_grad(a, b, kshape, stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, gg):
        # WeightGrad(a, b) is the weight gradient of <b, conv(a, w)>: bilinear in (a, b), so its
        # derivatives are the convolution with gg (for b) and that convolution's input gradient
        # (for a)
        a, b = ctx.saved_tensors
        kshape, stride, padding, dilation, groups, crop = ctx.p
        ga = gb = None
        if ctx.needs_input_grad[1]:
            gb = ConvNd.apply(a, gg, stride=stride, padding=padding, dilation=dilation, groups=groups)
            if gb.shape != b.shape:
                gb = gb[(slice(None), slice(None)) + tuple(slice(0, s) for s in b.shape[2:])]
        if ctx.needs_input_grad[0]:
            ga = ConvTransposeNd.apply(b, gg, stride=stride, padding=padding, dilation=dilation,
                                       groups=groups, output_padding=_output_padding(a, b, gg, stride,
                                                                                     padding, dilation))
        return ga, gb

    def name(self):
        return "ConvolutionBackwardBackward0"


def conv(input: Tensor, weight: Tensor, bias, stride, padding, dilation, groups, nd: int) -> Tensor:
    """Shared entry for conv1d/2d/3d: argument checks as torch, 'same'/'valid' padding."""
    if input.dim() == nd + 1:  # unbatched
        return conv(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups, nd).squeeze(0)
    if input.dim() != nd + 2:
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to conv{nd}d, "
                           f"but got input of size: {list(input.shape)}")
    stride, dilation = _tuple(stride, nd), _tuple(dilation, nd)
    C = input.shape[1]
    if C != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(input.shape)} to have {weight.shape[1] * groups} channels, but got "
                           f"{C} channels instead")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"Input type ({_tn(input)}) and weight type ({_tn(weight)}) should be the same")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            total = [dilation[i] * (weight.shape[2 + i] - 1) for i in range(nd)]
            left = [t // 2 for t in total]
            if any(t % 2 for t in total):  # asymmetric: pad the extra on the right explicitly
                from .functional import pad as _fpad
                padspec = []
                for i in reversed(range(nd)):
                    padspec += [left[i], total[i] - left[i]]
                input = _fpad(input, padspec)
                left = [0] * nd
            padding = tuple(left)
        else:
            raise ValueError(f"Invalid padding string '{padding}'")
    else:
        padding = _tuple(padding, nd)
    for i in range(nd):
        eff = dilation[i] * (weight.shape[2 + i] - 1) + 1
        if input.shape[2 + i] + 2 * padding[i] < eff:
            raise RuntimeError(f"Calculated padded input size per channel: "
                               f"({' x '.join(str(input.shape[2 + j] + 2 * padding[j]) for j in range(nd))})."
                               f" Kernel size: ({' x '.join(str(weight.shape[2 + j]) for j in range(nd))})."
                               " Kernel size can't be greater than actual input size")
    if bias is not None and bias.dtype is input.dtype and bias.dim() == 1 and \
            bias.shape[0] == weight.shape[0]:  # added inside the op, in the output's last pass
        return ConvNd.apply(input, weight, bias, stride=stride, padding=padding, dilation=dilation,
                            groups=groups, weight=weight)
    y = ConvNd.apply(input, weight, stride=stride, padding=padding, dilation=dilation, groups=groups,
                     weight=weight)
    if bias is not None:
        y = y + bias.reshape((1, -1) + (1,) * nd)
    return y


def conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, nd):
    """Shared entry for conv_transpose1d/2d/3d."""
    if input.dim() == nd + 1:
        return conv_transpose(input.unsqueeze(0), weight, bias, stride, padding, output_padding,
                              groups, dilation, nd).squeeze(0)
    stride, padding = _tuple(stride, nd), _tuple(padding, nd)
    output_padding, dilation = _tuple(output_padding, nd), _tuple(dilation, nd)
    if input.shape[1] != weight.shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
                           f"{list(input.shape)} to have {weight.shape[0]} channels, but got "
                           f"{input.shape[1]} channels instead")
    for i in range(nd):
        if output_padding[i] >= max(stride[i], dilation[i]):
            raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                               f"output_padding_height: {output_padding[0]} output_padding_width: "
                               f"{output_padding[-1]} stride_height: {stride[0]} stride_width: "
                               f"{stride[-1]} dilation_height: {dilation[0]} dilation_width: {dilation[-1]}")
    y = ConvTransposeNd.apply(input, weight, stride=stride, padding=padding, dilation=dilation,
                              groups=groups, output_padding=output_padding)
    if bias is not None:
        y = y + bias.reshape((1, -1) + (1,) * nd)
    return y


def _tn(t):
    from ..ops.conversion import type_
    return type_(t)
