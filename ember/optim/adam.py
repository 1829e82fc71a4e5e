"""Adam and its relatives: AdamW, Adamax, NAdam, RAdam (torch's single-tensor formulas)."""
from __future__ import annotations

import math

from ._algos import addcdiv_, addcmul_, check_betas, check_nonneg, lerp_, zeros_state
from .optimizer import Optimizer, _scalar_value, _step_count

__all__ = ["Adam", "AdamW", "Adamax", "NAdam", "RAdam"]


def _check(lr, eps, betas, weight_decay) -> None:
    check_nonneg("lr", lr, "learning rate")
    check_nonneg("eps", eps, "epsilon value")
    check_betas(betas)
    check_nonneg("weight_decay", weight_decay, "weight_decay value")


def _grad_with_decay(p, g, wd: float, lr: float, decoupled: bool):
    """Apply L2 (to the gradient) or decoupled (to the parameter) weight decay."""
    if wd != 0:
        if decoupled:
            p._data *= 1.0 - lr * wd
        else:
            g = g + p._data * wd
    return g


class Adam(Optimizer):
    """torch.optim.Adam (amsgrad, maximize, L2 or decoupled weight decay)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused=None, decoupled_weight_decay: bool = False) -> None:
        _check(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("fused", None)
            group.setdefault("decoupled_weight_decay", False)

    def step(self, closure=None):
        """One Adam step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _scalar_value(group["lr"])
            beta1, beta2 = (_scalar_value(b) for b in group["betas"])
            eps = float(group["eps"])
            wd = float(group["weight_decay"])
            amsgrad = group["amsgrad"]
            decoupled = group.get("decoupled_weight_decay", False)
            bufs = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if amsgrad else ("exp_avg", "exp_avg_sq")
            for p, state, g in self._each_grad(group, *bufs):
                step = _step_count(state)
                g = _grad_with_decay(p, g, wd, lr, decoupled)
                m = state["exp_avg"]._data
                v = state["exp_avg_sq"]._data
                lerp_(m, g, 1.0 - beta1)
                v *= beta2
                addcmul_(v, g, g, 1.0 - beta2)
                bc1 = 1.0 - beta1 ** step
                bc2 = 1.0 - beta2 ** step
                step_size = lr / bc1
                bc2_sqrt = math.sqrt(bc2)
                if amsgrad:
                    vmax = state["max_exp_avg_sq"]._data
                    _ufunc(v, "maximum")(vmax, v, out=vmax)
                    denom = _sqrt(vmax)
                else:
                    denom = _sqrt(v)
                denom /= bc2_sqrt
                denom += eps
                addcdiv_(p._data, m, denom, -step_size)
                p._bump_version()
        return loss


def _sqrt(a):
    return a ** 0.5 if a.dtype.kind == "c" else _ufunc(a, "sqrt")(a)


def _ufunc(a, name):
    if a.__class__.__module__ == "numpy":
        import numpy as xp
    else:  # pragma: no cover - CUDA backend
        import cupy as xp
    return getattr(xp, name)


class AdamW(Adam):
    """torch.optim.AdamW: Adam with decoupled weight decay (default 1e-2)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach=None, capturable: bool = False, differentiable: bool = False,
                 fused=None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True


class Adamax(Optimizer):
    """torch.optim.Adamax (infinity-norm Adam)."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach=None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _check(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Adamax step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _scalar_value(group["lr"])
            beta1, beta2 = group["betas"]
            eps = float(group["eps"])
            wd = float(group["weight_decay"])
            for p, state, g in self._each_grad(group, "exp_avg", "exp_inf"):
                step = _step_count(state)
                g = _grad_with_decay(p, g, wd, lr, False)
                m = state["exp_avg"]._data
                u = state["exp_inf"]._data
                lerp_(m, g, 1.0 - beta1)
                u *= beta2
                ag = abs(g)
                ag += eps
                _ufunc(u, "maximum")(u, ag, out=u)
                clr = lr / (1.0 - beta1 ** step)
                addcdiv_(p._data, m, u, -clr)
                p._bump_version()
        return loss


class NAdam(Optimizer):
    """torch.optim.NAdam (Nesterov-accelerated Adam with momentum decay)."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        _check(lr, eps, betas, weight_decay)
        check_nonneg("momentum_decay", momentum_decay, "momentum_decay value")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One NAdam step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _scalar_value(group["lr"])
            beta1, beta2 = group["betas"]
            eps = float(group["eps"])
            wd = float(group["weight_decay"])
            md = float(group["momentum_decay"])
            for p, state, g in self._each_grad(group, "exp_avg", "exp_avg_sq",
                                               extra={"mu_product": lambda p: self._step_tensor(1.0)}):
                step = _step_count(state)
                bc2 = 1.0 - beta2 ** step
                g = _grad_with_decay(p, g, wd, lr, group["decoupled_weight_decay"])
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * md)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * md)))
                # mu_product lives in a (float32 by default) tensor: keep its rounding
                mp = state["mu_product"]
                mpa = mp._data
                mpa *= mpa.dtype.type(mu)
                mu_prod = float(mpa)
                m = state["exp_avg"]._data
                v = state["exp_avg_sq"]._data
                lerp_(m, g, 1.0 - beta1)
                v *= beta2
                addcmul_(v, g, g, 1.0 - beta2)
                denom = v / bc2
                denom = _sqrt(denom)
                mu_prod_next = mu_prod * mu_next
                denom += eps
                addcdiv_(p._data, g, denom, -lr * (1.0 - mu) / (1.0 - mu_prod))
                addcdiv_(p._data, m, denom, (-lr * mu_next) / (1.0 - mu_prod_next))
                p._bump_version()
        return loss


class RAdam(Optimizer):
    """torch.optim.RAdam (rectified Adam)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One RAdam step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _scalar_value(group["lr"])
            beta1, beta2 = group["betas"]
            eps = float(group["eps"])
            wd = float(group["weight_decay"])
            for p, state, g in self._each_grad(group, "exp_avg", "exp_avg_sq"):
                step = _step_count(state)
                g = _grad_with_decay(p, g, wd, lr, group["decoupled_weight_decay"])
                m = state["exp_avg"]._data
                v = state["exp_avg_sq"]._data
                lerp_(m, g, 1.0 - beta1)
                v *= beta2
                addcmul_(v, g, g, 1.0 - beta2)
                bc1 = 1.0 - beta1 ** step
                bc2 = 1.0 - beta2 ** step
                corrected = m / bc1
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf /
                            ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    s = _sqrt(v)
                    s += eps
                    adaptive = (bc2 ** 0.5) / s
                    upd = corrected * lr
                    upd *= adaptive
                    upd *= rect
                else:
                    upd = corrected * lr
                p._data -= upd
                p._bump_version()
        return loss
