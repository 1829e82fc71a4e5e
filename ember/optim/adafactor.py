"""Adafactor (torch.optim.Adafactor): factored second moments for matrices, relative step sizes."""
from __future__ import annotations

import math

from .._tensor import _wrap
from ._algos import lerp_
from .optimizer import Optimizer, _scalar_value, _step_count
from .rprop import _check_lr, _tensorize_steps, _xp, fma_

__all__ = ["Adafactor"]

_EPS = {"float16": 0.0009765625, "bfloat16": 0.0078125, "float32": 1.1920928955078125e-07,
        "float64": 2.220446049250313e-16}


def _norm(a) -> float:
    xp = _xp(a)
    return math.sqrt(float(xp.sum(xp.square(a, dtype=xp.float64))))


class Adafactor(Optimizer):
    """torch.optim.Adafactor."""

    def __init__(self, params, lr=1e-2, beta2_decay: float = -0.8, eps=(None, 1e-3),
                 d: float = 1.0, weight_decay: float = 0.0, *, foreach=None,
                 maximize: bool = False) -> None:
        _check_lr(lr, "Learning rate should be >= 0 but is: {}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
        _tensorize_steps(self)

    def step(self, closure=None):
        """One Adafactor step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            items = []
            for p in group["params"]:
                gt = p.grad
                if gt is None:
                    continue
                if p.is_complex():
                    raise RuntimeError("Adafactor does not support complex parameters")
                g = gt._data
                state = self.state[p]
                if len(state) == 0:
                    xp = _xp(g)
                    state["step"] = self._step_tensor()
                    if g.ndim > 1:
                        state["row_var"] = _wrap(xp.zeros(g.shape[:-1] + (1,), dtype=g.dtype))
                        state["col_var"] = _wrap(xp.zeros(g.shape[:-2] + (1,) + g.shape[-1:],
                                                          dtype=g.dtype))
                    else:
                        state["variance"] = _wrap(xp.zeros(g.shape, dtype=g.dtype))
                items.append((p, state, -g if group["maximize"] else g))
            self._update(group, items)
        return loss

    @staticmethod
    def _update(group, items) -> None:
        lr = _scalar_value(group["lr"])
        beta2_decay = float(group["beta2_decay"])
        eps1, eps2 = group["eps"]
        d = float(group["d"])
        wd = float(group["weight_decay"])
        for p, state, g in items:
            pa = p._data
            xp = _xp(pa)
            if eps1 is None:  # torch fixes it from the first parameter of the group
                eps1 = _EPS.get(str(pa.dtype), 2.220446049250313e-16)
            step = _step_count(state)
            one_minus_beta2 = step ** beta2_decay
            rho = min(lr, 1 / (step ** 0.5))
            alpha = max(eps2, _norm(pa) / (pa.size ** 0.5)) * rho
            if wd != 0:
                pa *= 1 - lr * wd
            if g.ndim > 1:
                row, col = state["row_var"]._data, state["col_var"]._data
                row_mean = xp.sqrt(xp.sum(g * g, axis=-1, keepdims=True))
                row_mean = row_mean * row_mean / g.shape[-1]
                lerp_(row, row_mean, one_minus_beta2)
                col_mean = xp.sqrt(xp.sum(g * g, axis=-2, keepdims=True))
                col_mean = col_mean * col_mean / g.shape[-2]
                lerp_(col, col_mean, one_minus_beta2)
                var = xp.matmul(row, col)
                var /= xp.maximum(xp.mean(row, axis=-2, keepdims=True), row.dtype.type(eps1))
            else:
                var_t = state["variance"]._data
                lerp_(var_t, xp.asarray(g * g, dtype=var_t.dtype), one_minus_beta2)
                var = xp.array(var_t, copy=True)
            var = xp.maximum(var, var.dtype.type(eps1 * eps1))
            upd = 1 / xp.sqrt(var)
            upd = xp.asarray(upd * g, dtype=pa.dtype)
            denom = max(1.0, _norm(upd) / ((upd.size ** 0.5) * d))
            fma_(pa, upd, -alpha / denom)
            p._bump_version()
