"""Per-coordinate adaptive optimizers: Adagrad, Adadelta, RMSprop."""
from __future__ import annotations

from ._algos import addcdiv_, addcmul_, check_nonneg, lerp_, zeros_state
from .adam import _sqrt
from .optimizer import Optimizer, _scalar_value, _step_count

__all__ = ["Adagrad", "Adadelta", "RMSprop"]


class Adagrad(Optimizer):
    """torch.optim.Adagrad (state is created at construction, as in torch)."""

    def __init__(self, params, lr=1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, fused=None) -> None:
        check_nonneg("lr", lr, "learning rate")
        check_nonneg("lr_decay", lr_decay, "lr_decay value")
        check_nonneg("weight_decay", weight_decay, "weight_decay value")
        check_nonneg("initial_accumulator_value", initial_accumulator_value,
                     "initial_accumulator_value value")
        check_nonneg("eps", eps, "epsilon value")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = self._step_tensor()
                state["sum"] = zeros_state(p, float(group["initial_accumulator_value"]))

    def step(self, closure=None):
        """One Adagrad step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _scalar_value(group["lr"])
            lr_decay = float(group["lr_decay"])
            wd = float(group["weight_decay"])
            eps = float(group["eps"])
            for p in group["params"]:
                gt = p.grad
                if gt is None:
                    continue
                state = self.state[p]
                if "sum" not in state:  # a group added after construction
                    state["step"] = self._step_tensor()
                    state["sum"] = zeros_state(p, float(group["initial_accumulator_value"]))
                step = _step_count(state)
                g = -gt._data if group["maximize"] else gt._data
                if wd != 0:
                    g = g + p._data * wd
                clr = lr / (1 + (step - 1) * lr_decay)
                s = state["sum"]._data
                addcmul_(s, g, g, 1.0)
                std = _sqrt(s)
                std += eps
                addcdiv_(p._data, g, std, -clr)
                p._bump_version()
        return loss


class Adadelta(Optimizer):
    """torch.optim.Adadelta."""

    def __init__(self, params, lr=1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach=None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        check_nonneg("lr", lr, "learning rate")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_nonneg("eps", eps, "epsilon value")
        check_nonneg("weight_decay", weight_decay, "weight_decay value")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Adadelta step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _scalar_value(group["lr"])
            rho = float(group["rho"])
            eps = float(group["eps"])
            wd = float(group["weight_decay"])
            for p, state, g in self._each_grad(group, "square_avg", "acc_delta"):
                _step_count(state)
                if wd != 0:
                    g = g + p._data * wd
                sq = state["square_avg"]._data
                acc = state["acc_delta"]._data
                sq *= rho
                addcmul_(sq, g, g, 1.0 - rho)
                std = _sqrt(sq + eps)
                delta = _sqrt(acc + eps)
                delta /= std
                delta *= g
                acc *= rho
                addcmul_(acc, delta, delta, 1.0 - rho)
                p._data += delta * -lr
                p._bump_version()
        return loss


class RMSprop(Optimizer):
    """torch.optim.RMSprop (centered, momentum)."""

    def __init__(self, params, lr=1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_nonneg("lr", lr, "learning rate")
        check_nonneg("eps", eps, "epsilon value")
        check_nonneg("momentum", momentum, "momentum value")
        check_nonneg("weight_decay", weight_decay, "weight_decay value")
        check_nonneg("alpha", alpha, "alpha value")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One RMSprop step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _scalar_value(group["lr"])
            alpha = float(group["alpha"])
            eps = float(group["eps"])
            wd = float(group["weight_decay"])
            mom = float(group["momentum"])
            centered = group["centered"]
            bufs = ("square_avg",) + (("momentum_buffer",) if mom > 0 else ()) + \
                (("grad_avg",) if centered else ())
            for p, state, g in self._each_grad(group, *bufs):
                _step_count(state)
                if wd != 0:
                    g = g + p._data * wd
                sq = state["square_avg"]._data
                sq *= alpha
                addcmul_(sq, g, g, 1.0 - alpha)
                if centered:
                    ga = state["grad_avg"]._data
                    lerp_(ga, g, 1.0 - alpha)
                    avg = sq.copy()
                    addcmul_(avg, ga, ga, -1.0)
                    avg = _sqrt(avg)
                else:
                    avg = _sqrt(sq)
                avg += eps
                if mom > 0:
                    buf = state["momentum_buffer"]._data
                    buf *= mom
                    addcdiv_(buf, g, avg, 1.0)
                    p._data += buf * -lr
                else:
                    addcdiv_(p._data, g, avg, -lr)
                p._bump_version()
        return loss
