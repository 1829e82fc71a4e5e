"""gradcheck (float64 finite differences) on every differentiable op family, and gradgradcheck on
the common ones: the analytic backward formulas (and their own derivatives) are right."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck


def _t(shape, seed, low=None):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    if low is not None:
        a = np.abs(a) + low
    return ember.tensor(a, dtype=ember.float64, requires_grad=True)


F = ember.nn.functional
IDX = ember.tensor([2, 0, 1])

# name: (function, input factories) -- inputs are float64 and require grad
OPS = {
    # pointwise
    "add_broadcast": (lambda a, b: a + b, [(3, 4), (4,)]),
    "sub": (lambda a, b: a - b, [(3, 4), (3, 1)]),
    "mul": (lambda a, b: a * b, [(3, 4), (1, 4)]),
    "div": (lambda a, b: a / b, [(3, 4), ("pos", (4,))]),
    "pow_tensor": (lambda a, b: a ** b, [("pos", (3,)), (3,)]),
    "pow_scalar": (lambda a: a ** 3, [(3, 2)]),
    "exp_log": (lambda a: a.exp() + a.abs().add(0.5).log(), [(5,)]),
    "trig": (lambda a: a.sin() * a.cos() + a.tanh() + a.sigmoid(), [(5,)]),
    "sqrt_rsqrt": (lambda a: a.sqrt() + a.rsqrt(), [("pos", (5,))]),
    "erf_lgamma": (lambda a: ember.erf(a) + ember.lgamma(a), [("pos", (5,))]),
    "clamp_where": (lambda a: ember.where(a > 0, a.clamp(max=0.7), a * 2), [(6,)]),
    "maximum_minimum": (lambda a, b: ember.maximum(a, b) + ember.minimum(a, b) * 2, [(5,), (5,)]),
    "atan2_hypot": (lambda a, b: ember.atan2(a, b) + ember.hypot(a, b), [(4,), (4,)]),
    "lerp_addcmul": (lambda a, b, c: ember.lerp(a, b, 0.3) + ember.addcmul(a, b, c, value=0.5),
                     [(4,), (4,), (4,)]),
    # reductions
    "sum_mean_dims": (lambda a: a.sum(1) + a.mean(1) * 2, [(3, 4)]),
    "prod": (lambda a: a.prod(0), [(3, 2)]),
    "std_var": (lambda a: a.std(1) + a.var(0).sum(), [(3, 4)]),
    "max_min_dim": (lambda a: a.max(1).values + a.min(0).values.sum(), [(3, 4)]),
    "amax_amin": (lambda a: a.amax(1) - a.amin(1), [(3, 4)]),
    "logsumexp": (lambda a: a.logsumexp(1), [(3, 4)]),
    "norm": (lambda a: a.norm() + a.norm(p=1, dim=1).sum(), [(3, 4)]),
    "cumsum_cumprod": (lambda a: a.cumsum(1) + a.cumprod(1), [(2, 4)]),
    "median_sort_topk": (lambda a: a.median(1).values + a.sort(1).values[:, 0] + a.topk(2, 1).values.sum(1),
                         [(3, 5)]),
    # shape and views
    "view_transpose_permute": (lambda a: a.view(4, 3).t().permute(1, 0).reshape(2, 6), [(3, 4)]),
    "expand_squeeze": (lambda a: a.unsqueeze(0).expand(2, 3, 4).squeeze(0).sum(0), [(3, 4)]),
    "slicing": (lambda a: a[1:, ::2] * 2 + a[0, None, :2], [(3, 4)]),
    "narrow_select_unfold": (lambda a: a.narrow(1, 1, 2).sum() + a.select(0, 1) + a.unfold(1, 2, 1).sum(),
                             [(3, 4)]),
    "diagonal_as_strided": (lambda a: a.diagonal().sum() + a.as_strided((2, 2), (1, 2)), [(3, 3)]),
    "split_chunk_unbind": (lambda a: a.split(2, 1)[1] + a.chunk(2, 1)[0] + a.unbind(1)[0][:, None], [(3, 4)]),
    "movedim_flatten": (lambda a: a.movedim(0, 2).flatten(1), [(2, 3, 4)]),
    # indexing, scatter, gather
    "advanced_index": (lambda a: a[IDX] + a[a > 0].sum(), [(3, 4)]),
    "index_select_gather": (lambda a: a.index_select(0, IDX) + a.gather(1, ember.tensor([[0], [1], [3]]).expand(3, 4)),
                            [(3, 4)]),
    "scatter_add": (lambda a, b: a.scatter_add(0, ember.tensor([[0, 1, 2, 0]]), b), [(3, 4), (1, 4)]),
    "masked_fill": (lambda a: a.masked_fill(a > 0.5, 0.0) * a, [(3, 4)]),
    "index_put": (lambda a, b: a.index_put((ember.tensor([0, 2]),), b, accumulate=True), [(3, 4), (2, 4)]),
    "take": (lambda a: ember.take(a, ember.tensor([0, 5, 11])), [(3, 4)]),
    # joining
    "cat_stack": (lambda a, b: ember.cat([a, b], 1).sum(0)[2:6] + ember.stack([a, b]).sum((0, 1)), [(3, 4), (3, 4)]),
    "flip_roll_tril": (lambda a: a.flip(0).roll(1, 1).tril(), [(3, 4)]),
    "repeat_tile": (lambda a: a.repeat(2, 1) + a.tile((2, 1)), [(2, 3)]),
    # BLAS
    "matmul_batched": (lambda a, b: a @ b, [(2, 3, 4), (4, 5)]),
    "mm_mv_dot": (lambda a, b, c: a.mm(b).mv(c) * a.mm(b).mv(c).dot(a.mm(b).mv(c)), [(3, 4), (4, 2), (2,)]),
    "addmm_outer": (lambda a, b, c: ember.addmm(a, b, c, beta=0.5, alpha=2) + ember.outer(b[:, 0], c[0]),
                    [(3, 2), (3, 4), (4, 2)]),
    "einsum": (lambda a, b: ember.einsum("...chw,c->...hw", a, b), [(2, 3, 2, 2), (3,)]),
    "tensordot": (lambda a, b: ember.tensordot(a, b, dims=([1], [0])), [(2, 3), (3, 4)]),
    # linalg
    "det_inv_solve": (lambda a, b: ember.linalg.det(a) + ember.linalg.inv(a).sum() + ember.linalg.solve(a, b).sum(),
                      [("spd", (3, 3)), (3, 2)]),
    # nn.functional
    "softmax_logsoftmax": (lambda a: F.softmax(a, 1) * F.log_softmax(a, 1), [(3, 4)]),
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), [(1, 2, 5, 5), (3, 2, 3, 3), (3,)]),
    "conv_transpose2d": (lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
                         [(1, 2, 3, 3), (2, 3, 3, 3)]),
    "pools": (lambda x: F.max_pool2d(x, 2) .sum() + F.avg_pool2d(x, 2, 1, 1) + F.adaptive_avg_pool2d(x, 2).sum(),
              [(1, 2, 4, 4)]),
    "pad_modes": (lambda x: F.pad(x, (1, 2, 2, 1), mode="reflect").sum() + F.pad(x, (1, 1), mode="replicate"),
                  [(1, 1, 3, 4)]),
    "interpolate": (lambda x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False), [(1, 1, 2, 3)]),
    "norms": (lambda x, w, b: F.batch_norm(x, None, None, w, b, True) + F.layer_norm(x, (4,))
              + F.group_norm(x, 1) + F.instance_norm(x), [(2, 3, 4), (3,), (3,)]),
    "losses": (lambda a, b: F.mse_loss(a, b) + F.cross_entropy(a, ember.tensor([0, 3, 1])) + F.smooth_l1_loss(a, b)
               + F.binary_cross_entropy_with_logits(a, b.sigmoid()), [(3, 4), (3, 4)]),
    "activations": (lambda a: F.gelu(a) + F.silu(a) + F.elu(a) + F.softplus(a) + F.leaky_relu(a, 0.1)
                    + F.hardtanh(a) + F.mish(a), [(6,)]),
    "linear_embedding": (lambda x, w, e: F.linear(x, w).sum() + F.embedding(ember.tensor([1, 0]), e).sum(),
                         [(2, 3), (4, 3), (3, 2)]),
}


def _inputs(spec, seed):
    out = []
    for i, s in enumerate(spec):
        if isinstance(s, tuple) and s and s[0] == "pos":
            out.append(_t(s[1], seed + i, low=0.5))
        elif isinstance(s, tuple) and s and s[0] == "spd":
            a = np.random.default_rng(seed + i).standard_normal(s[1])
            out.append(ember.tensor(a @ a.T + 3 * np.eye(s[1][0]), requires_grad=True))
        else:
            out.append(_t(s, seed + i))
    return out


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradcheck(name):
    fn, spec = OPS[name]
    assert gradcheck(fn, _inputs(spec, 7), eps=1e-6, atol=1e-5, rtol=1e-3)


SECOND_ORDER = ["add_broadcast", "mul", "div", "pow_scalar", "exp_log", "trig", "sqrt_rsqrt", "sum_mean_dims",
                "std_var", "logsumexp", "matmul_batched", "einsum", "softmax_logsoftmax", "activations",
                "view_transpose_permute", "advanced_index", "cat_stack", "max_min_dim", "norm", "linear_embedding"]


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_gradgradcheck(name):
    fn, spec = OPS[name]
    assert gradgradcheck(fn, _inputs(spec, 11), eps=1e-6, atol=1e-4, rtol=1e-3)
