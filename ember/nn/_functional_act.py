"""Activations, softmax family, dropout, linear, embedding, one_hot (nn.functional)."""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import state as _gs
from ..ops import pointwise as P
from ..ops._function import Function, xp
from ..ops._kernels import relu_array, relu_backward, relu_into
from .._blas import matmul, parallel_elementwise


# ---- softmax family: forward on arrays (max-shifted), backward in ember ops --------------------
class Softmax(Function):
    save_output = True

    @staticmethod
    def forward(ctx, x, dim=-1):
        ctx.dim = dim
        m = xp(x)
        e = m.exp(x - m.max(x, axis=dim, keepdims=True)) if x.size else x.copy()
        return e / e.sum(axis=dim, keepdims=True) if x.size else e

    @staticmethod
    def backward(ctx, g):
        y = ctx.output
        return y * (g - (g * y).sum(ctx.dim, keepdim=True))


class LogSoftmax(Function):
    save_output = True

    @staticmethod
    def forward(ctx, x, dim=-1):
        ctx.dim = dim
        m = xp(x)
        if not x.size:
            return x.copy()
        s = x - m.max(x, axis=dim, keepdims=True)
        return s - m.log(m.exp(s).sum(axis=dim, keepdims=True))

    @staticmethod
    def backward(ctx, g):
        y = ctx.output
        return g - y.exp() * g.sum(ctx.dim, keepdim=True)


def _softmax_dim(input, dim, name):
    if dim is None:
        import warnings
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                      "include dim=X as an argument.", UserWarning, stacklevel=3)
        dim = 0 if input.dim() in (0, 1, 3) else 1
    return input._wrap_dim(dim)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along dim."""
    if dtype is not None:
        input = input.to(dtype)
    if not (input.is_floating_point() or input.is_complex()):
        raise RuntimeError(f"\"softmax_lastdim_kernel_impl\" not implemented for "
                           f"'{P._type_word(input.dtype)}'")
    return Softmax.apply(input, dim=_softmax_dim(input, dim, "softmax"))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) computed stably."""
    if dtype is not None:
        input = input.to(dtype)
    return LogSoftmax.apply(input, dim=_softmax_dim(input, dim, "log_softmax"))


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return softmax(-input, dim, dtype=dtype)


# ---- pointwise activations ---------------------------------------------------------------------
def relu(input, inplace=False):
    """max(x, 0)."""
    if inplace:
        d = input._data
        # nothing to record: clamp the array itself (torch's relu_ writes in place too)
        if not (input._rg and _gs.grad_enabled) and d.dtype.kind == "f" and d.flags.writeable and \
                0 not in d.strides and input._names is None:
            m = xp(d)
            if m is np and d.flags.c_contiguous and d.ndim:
                flat = d.reshape(-1)
                relu_into(flat, flat)
            else:
                m.maximum(d, 0, out=d)
            input._bump_version()
            return input
        return input.relu_()
    if input._data.dtype.kind == "f" and input._names is None:
        return _ReLU.apply(input)
    return P.relu(input)


class _ReLU(Function):
    """max(x, 0) for floating tensors; the backward masks by the saved output on arrays unless a
    second derivative is being recorded. The output is >= 0 or NaN, so ``y != 0`` is torch's
    ``not (y <= 0)`` mask: a NaN passes its gradient through, as in torch."""
    save_output = True

    @staticmethod
    def forward(ctx, x):
        m = xp(x)
        return relu_array(x) if m is np else m.maximum(x, 0)

    @staticmethod
    def backward(ctx, g):
        y = ctx.output
        if not _gs.grad_enabled:
            gd, yd = g._data, y._data
            m = xp(gd)
            if gd.dtype == yd.dtype and gd.flags.c_contiguous and yd.flags.c_contiguous and gd.shape == yd.shape:
                gi = m.empty(gd.shape, gd.dtype)
                gf, yf, of = gd.reshape(-1), yd.reshape(-1), gi.reshape(-1)

                def part(lo, hi):
                    m.multiply(gf[lo:hi], m.not_equal(yf[lo:hi], 0), out=of[lo:hi])
                parallel_elementwise(gd, gf.shape[0], part, gd.size)
                return _wrap(gi)
            return _wrap(m.multiply(gd, yd != 0).astype(gd.dtype, copy=False))
        return relu_backward(g, y)

    def name(self):
        return "ReluBackward0"


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


class _LeakyRelu(Function):
    save = (0,)

    @staticmethod
    def forward(ctx, x, slope=0.01):
        ctx.slope = slope
        return xp(x).where(x > 0, x, x * slope).astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return P.where(x > 0, g, g * ctx.slope)

    def name(self):
        return "LeakyReluBackward0"


def leaky_relu(input, negative_slope=0.01, inplace=False):
    r = _LeakyRelu.apply(input, slope=negative_slope)
    return input.copy_(r) if inplace else r


def elu(input, alpha=1.0, inplace=False):
    r = P.where(input > 0, input, alpha * P.expm1(input))
    return input.copy_(r) if inplace else r


def selu(input, inplace=False):
    a, s = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    r = s * P.where(input > 0, input, a * P.expm1(input))
    return input.copy_(r) if inplace else r


def celu(input, alpha=1.0, inplace=False):
    r = P.where(input > 0, input, alpha * P.expm1(input / alpha))
    return input.copy_(r) if inplace else r


def gelu(input, approximate="none"):
    """x * Phi(x) (or its tanh approximation)."""
    if approximate == "tanh":
        c = math.sqrt(2 / math.pi)
        return 0.5 * input * (1 + P.tanh(c * (input + 0.044715 * input * input * input)))
    return input * 0.5 * (1 + P.erf(input / math.sqrt(2)))


def silu(input, inplace=False):
    r = input * P.sigmoid(input)
    return input.copy_(r) if inplace else r


def mish(input, inplace=False):
    r = input * P.tanh(softplus(input))
    return input.copy_(r) if inplace else r


def hardswish(input, inplace=False):
    r = input * hardtanh(input + 3, 0.0, 6.0) / 6
    return input.copy_(r) if inplace else r


class _Hardsigmoid(Function):
    save = (0,)

    @staticmethod
    def forward(ctx, x):
        m = xp(x)
        return m.clip(x + 3, 0, 6) / x.dtype.type(6)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        # torch's kernel multiplies by the float constant 1.0f/6.0f, even for float64
        inside = (x > -3.0) & (x < 3.0)
        return P.where(inside, g * float(np.float32(1.0) / np.float32(6.0)), g * 0)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6."""
    r = _Hardsigmoid.apply(input)
    return input.copy_(r) if inplace else r


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    r = P.clamp(input, min_val, max_val)
    return input.copy_(r) if inplace else r


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, linear above threshold."""
    bx = input * beta
    return P.where(bx > threshold, input, P.log1p(P.exp(P.clamp(bx, max=threshold))) / beta)


def softsign(input):
    return input / (1 + P.abs(input))


def tanhshrink(input):
    return input - P.tanh(input)


def softshrink(input, lambd=0.5):
    return P.where(input > lambd, input - lambd, P.where(input < -lambd, input + lambd, input * 0))


def hardshrink(input, lambd=0.5):
    return P.where((input > lambd) | (input < -lambd), input, input * 0)


def threshold(input, threshold, value, inplace=False):
    r = P.where(input > threshold, input, input * 0 + value)
    return input.copy_(r) if inplace else r


def logsigmoid(input):
    return -softplus(-input)


def prelu(input, weight):
    w = weight
    if input.dim() >= 2 and weight.numel() > 1:
        w = weight.reshape((1, -1) + (1,) * (input.dim() - 2))
    return P.where(input > 0, input, input * w)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    if training:
        from .. import rand
        a = rand(input.shape, dtype=input.dtype) * (upper - lower) + lower
        r = P.where(input >= 0, input, input * a)
    else:
        r = leaky_relu(input, (lower + upper) / 2)
    return input.copy_(r) if inplace else r


def glu(input, dim=-1):
    n = input.shape[dim]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {input._wrap_dim(dim)} is "
                           f"size {n}")
    a = input.narrow(dim, 0, n // 2)
    b = input.narrow(dim, n // 2, n // 2)
    return a * P.sigmoid(b)


def sigmoid(input):
    return P.sigmoid(input)


def tanh(input):
    return P.tanh(input)


# ---- dropout -------------------------------------------------------------------------------------
def _bernoulli_mask(shape, p, like: Tensor):
    """Keep-mask of dropout (True with probability 1 - p), drawn as torch draws its noise:
    bernoulli_(1 - p) from float64 uniforms of the default generator."""
    from .._dtype import float64
    from .._random import default_generator_for
    from ..ops.random import _uniform
    u = _uniform(default_generator_for(like.device), tuple(shape), float64)
    return u < 1 - p


def _scaled_noise(shape, p, like: Tensor):
    """torch's dropout noise: the keep-mask divided by 1 - p in the input's dtype."""
    dt = like._data.dtype
    return _wrap(_bernoulli_mask(shape, p, like).astype(dt) / dt.type(1 - p))


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero elements with probability p and scale the rest by 1/(1-p) (training only)."""
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    if p == 1:
        r = input * 0
    else:
        mask = _scaled_noise(input.shape, p, input)
        r = input * mask
    return input.copy_(r) if inplace else r


def _feature_dropout(input, p, training, inplace, nd):
    if not training or p == 0:
        return input
    batched = input.dim() == nd + 2
    shape = tuple(input.shape[:2] if batched else input.shape[:1]) + (1,) * nd
    mask = _scaled_noise(shape, p, input)
    r = input * mask
    return input.copy_(r) if inplace else r


def dropout1d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, inplace, 1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, inplace, 2)


def dropout3d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, inplace, 3)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    if not training or p == 0:
        return input
    a = -1.7580993408473766
    keep = _wrap(_bernoulli_mask(input.shape, p, input).astype(input._data.dtype))
    q = 1 - p
    A = (q + a * a * q * p) ** -0.5
    B = -A * a * p
    return (input * keep + a * (1 - keep)) * A + B


# ---- linear, bilinear, embedding, one_hot ---------------------------------------------------------
class _Linear(Function):
    """x @ w.T (+ b, added in place into the fresh product: torch's addmm)."""
    save = (0, 1)

    @staticmethod
    def forward(ctx, x, w, b=None):
        y = matmul(x, w.T)
        if b is not None:
            y += b
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gx = g.matmul(w) if needs[0] else None
        gw = None
        if needs[1]:
            g2 = g.reshape(-1, g.shape[-1]) if g.dim() != 2 else g
            x2 = x.reshape(-1, x.shape[-1]) if x.dim() != 2 else x
            gw = g2.t().matmul(x2)
        if len(needs) == 3:
            gb = None
            if needs[2]:
                gb = g.sum(0) if g.dim() == 2 else g.reshape(-1, g.shape[-1]).sum(0)
            return gx, gw, gb
        return gx, gw

    def name(self):
        return "AddmmBackward0" if len(self.needs_input_grad) == 3 else "MmBackward0"


def linear(input, weight, bias=None):
    """input @ weight.T + bias."""
    if input.shape[-1] != weight.shape[-1]:
        a = input.reshape(-1, input.shape[-1]) if input.dim() != 2 else input
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                           f"{weight.shape[1]}x{weight.shape[0]})")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {P._type_word(input.dtype)} "
                           f"and {P._type_word(weight.dtype)}")
    if weight.dim() == 1:
        y = (input * weight).sum(-1)
    elif bias is not None and bias.dtype is input.dtype and bias.dim() == 1 and \
            bias.shape[0] == weight.shape[0] and input.dim() >= 2:
        return _Linear.apply(input, weight, bias)
    else:
        y = _Linear.apply(input, weight)
    if bias is not None:
        y = y + bias
    return y


def bilinear(input1, input2, weight, bias=None):
    from .. import einsum
    y = einsum("...i,oij,...j->...o", input1, weight, input2)
    return y + bias if bias is not None else y


class _Embedding(Function):
    @staticmethod
    def forward(ctx, w, idx=None, padding_idx=None):
        ctx.idx, ctx.n, ctx.pad = idx, w.shape[0], padding_idx
        return w[idx]

    @staticmethod
    def backward(ctx, g):
        return _EmbeddingBackward.apply(g, idx=ctx.idx, n=ctx.n, padding_idx=ctx.pad)

    def name(self):
        return "EmbeddingBackward0"


class _EmbeddingBackward(Function):
    @staticmethod
    def forward(ctx, g, idx=None, n=0, padding_idx=None):
        ctx.idx = idx
        m = xp(g)
        z = m.zeros((n,) + g.shape[idx.ndim:], dtype=g.dtype)
        flat = g.reshape((-1,) + g.shape[idx.ndim:])
        fi = idx.reshape(-1)
        if m is np:
            np.add.at(z, fi, flat)
        else:
            m.add.at(z, fi, flat)
        if padding_idx is not None:
            z[padding_idx] = 0
        return z

    @staticmethod
    def backward(ctx, gg):
        return _wrap(gg._data[ctx.idx])


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of weight selected by integer indices."""
    if input.is_floating_point():
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following "
                           "scalar types: Long, Int; but got torch.FloatTensor instead (while checking "
                           "arguments for embedding)")
    idx = input._data
    n = weight.shape[0]
    if idx.size and (idx.max() >= n or idx.min() < -n):
        raise IndexError("index out of range in self")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    if max_norm is not None:
        from ..autograd.grad_mode import no_grad
        with no_grad():
            rows = weight[input.reshape(-1)]
            norms = (rows.abs() ** norm_type).sum(-1) ** (1 / norm_type)
            scale = P.where(norms > max_norm, max_norm / (norms + 1e-7), norms * 0 + 1)
            weight._data[idx.reshape(-1)] = (rows * scale.unsqueeze(-1))._data
    return _Embedding.apply(weight, idx=idx, padding_idx=padding_idx)


def one_hot(tensor, num_classes=-1):
    """Integer class indices to one-hot int64 vectors."""
    if tensor.dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    d = tensor._data
    m = xp(d)
    if num_classes == -1:
        num_classes = int(d.max()) + 1 if d.size else 0
    if d.size and (d.min() < 0):
        raise RuntimeError("Class values must be non-negative.")
    if d.size and d.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return _wrap((d[..., None] == m.arange(num_classes)).astype(np.int64))
