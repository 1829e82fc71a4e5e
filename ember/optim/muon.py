"""Muon (torch.optim.Muon): momentum orthogonalized by a Newton-Schulz iteration, 2-D params only.

torch runs the Newton-Schulz iteration in bfloat16. ember reproduces that arithmetic on float32
arrays holding bfloat16 values: every matmul accumulates in float32 and each result is rounded to
bfloat16 (round to nearest even), as torch's CPU kernels do. Accumulation order inside a matmul
can still differ from torch's, so a few elements of an update may differ by one bfloat16 ulp.
"""
from __future__ import annotations

import math

from .._tensor import Tensor, _wrap
from ._algos import lerp_
from .optimizer import Optimizer, _scalar_value
from .rprop import _xp, fma_

__all__ = ["Muon"]

EPS = 1e-7
DEFAULT_A = 3.4445
DEFAULT_B = -4.7750
DEFAULT_C = 2.0315
DEFAULT_NS_STEPS = 5


def _bf16(x):
    """Round float32 values to the nearest bfloat16 (ties to even); returned as float32."""
    xp = _xp(x)
    x = xp.asarray(x, dtype=xp.float32)
    bits = x.view(xp.uint32).astype(xp.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    out = bits.astype(xp.uint32).view(xp.float32)
    return xp.where(xp.isnan(x), x, out)


def _addmm_bf16(c, a, b, beta: float, alpha: float):
    """bfloat16 ``addmm(c, a, b, beta, alpha)``: float32 products, one final rounding."""
    xp = _xp(a)
    prod = xp.matmul(a, b)
    out = xp.float64(xp.float32(beta)) * c.astype(xp.float64) + \
        xp.float64(xp.float32(alpha)) * prod.astype(xp.float64)
    return _bf16(out.astype(xp.float32))


def _zeropower_via_newtonschulz(grad, ns_coefficients, ns_steps: int, eps: float):
    """Approximate U V^T of grad = U S V^T by a quintic Newton-Schulz iteration (bfloat16)."""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if len(grad.shape) != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    xp = _xp(grad)
    a, b, c = ns_coefficients
    x = _bf16(xp.asarray(grad, dtype=xp.float32))
    tall = grad.shape[0] > grad.shape[1]
    if tall:
        x = x.T
    norm = _bf16(xp.float32(math.sqrt(float(xp.sum(xp.square(x, dtype=xp.float32))))))
    norm = max(float(norm), float(_bf16(xp.float32(eps))))
    norm = float(_bf16(xp.float32(norm)))
    x = _bf16(x / xp.float32(norm))
    for _ in range(ns_steps):
        gram = _bf16(xp.matmul(x, x.T))
        gram_update = _addmm_bf16(gram, gram, gram, b, c)
        x = _addmm_bf16(x, gram_update, x, a, 1.0)
    return x.T if tall else x


def _adjust_lr(lr: float, adjust_lr_fn, param_shape) -> float:
    rows, cols = param_shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        ratio = math.sqrt(max(1, rows / cols))
    elif adjust_lr_fn == "match_rms_adamw":
        ratio = 0.2 * math.sqrt(max(rows, cols))
    else:
        ratio = 1.0
    return lr * ratio


class Muon(Optimizer):
    """torch.optim.Muon."""

    def __init__(self, params, lr=1e-3, weight_decay: float = 0.1, momentum: float = 0.95,
                 nesterov: bool = True, ns_coefficients=(DEFAULT_A, DEFAULT_B, DEFAULT_C),
                 eps: float = EPS, ns_steps: int = DEFAULT_NS_STEPS, adjust_lr_fn=None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ["original", "match_rms_adamw"]:
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                        ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps,
                        adjust_lr_fn=adjust_lr_fn)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError("Muon only supports 2D parameters whereas we found a "
                                     f"parameter with size: {p.size()}")

    def step(self, closure=None):
        """One Muon step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _scalar_value(group["lr"])
            wd = float(group["weight_decay"])
            momentum = float(group["momentum"])
            items = []
            for p in group["params"]:
                gt = p.grad
                if gt is None:
                    continue
                if p.is_complex():
                    raise RuntimeError("Muon does not support complex parameters")
                state = self.state[p]
                if "momentum_buffer" not in state:
                    xp = _xp(gt._data)
                    state["momentum_buffer"] = _wrap(xp.zeros(gt._data.shape,
                                                              dtype=gt._data.dtype))
                items.append((p, state, gt._data))
            for p, state, g in items:
                if g.ndim != 2:
                    raise ValueError("Param gradient must be a 2D matrix")
                xp = _xp(g)
                buf = state["momentum_buffer"]._data
                lerp_(buf, g, 1 - momentum)
                if group["nesterov"]:
                    upd = xp.array(g, copy=True)
                    lerp_(upd, buf, momentum)
                else:
                    upd = buf
                upd = _zeropower_via_newtonschulz(upd, group["ns_coefficients"],
                                                  group["ns_steps"], group["eps"])
                adjusted_lr = _adjust_lr(lr, group["adjust_lr_fn"], p.shape)
                pa = p._data
                pa *= 1 - lr * wd
                fma_(pa, upd.astype(pa.dtype), -adjusted_lr)
                p._bump_version()
        return loss
