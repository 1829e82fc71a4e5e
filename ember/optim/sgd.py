"""Stochastic gradient descent (with momentum, dampening, Nesterov, weight decay)."""
from __future__ import annotations

from .._blas import axpby
from .._tensor import _wrap
from ._algos import check_nonneg
from .optimizer import Optimizer, _scalar_value

__all__ = ["SGD"]


def _fresh(g, like):
    """A new array holding g (0-dim arithmetic in NumPy yields scalars, not arrays)."""
    if like.__class__.__module__ == "numpy":
        import numpy as xp
    else:  # pragma: no cover - CUDA backend
        import cupy as xp
    return xp.array(g, dtype=like.dtype, copy=True)


class SGD(Optimizer):
    """torch.optim.SGD."""

    def __init__(self, params, lr=1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay=0, nesterov: bool = False, *, maximize: bool = False,
                 foreach=None, differentiable: bool = False, fused=None) -> None:
        check_nonneg("lr", lr, "learning rate")
        check_nonneg("momentum", momentum, "momentum value")
        check_nonneg("weight_decay", weight_decay, "weight_decay value")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def step(self, closure=None):
        """One SGD step (closure re-evaluates the loss, optional)."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _scalar_value(group["lr"])
            mom = float(group["momentum"])
            damp = float(group["dampening"])
            wd = _scalar_value(group["weight_decay"])
            nesterov = group["nesterov"]
            maximize = group["maximize"]
            for p in group["params"]:
                gt = p.grad
                if gt is None:
                    continue
                g = gt._data
                if maximize:
                    g = -g
                if wd != 0:
                    g = g + p._data * wd
                if mom != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        state["momentum_buffer"] = buf = _wrap(_fresh(g, p._data))
                    else:
                        axpby(1.0 - damp, g, mom, buf._data)
                    g = g + buf._data * mom if nesterov else buf._data
                axpby(-lr, g, 1.0, p._data)
                p._bump_version()
        return loss
