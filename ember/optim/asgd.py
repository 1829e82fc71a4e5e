"""Averaged stochastic gradient descent (torch.optim.ASGD).

Both of torch's CPU code paths are reproduced: the default per-parameter loop, and the
``foreach=True`` one, which folds the decay into the gradient, always averages with ``mu`` and
computes the new ``eta`` in the step counter's dtype (float32 by default). Their results differ in
the last bits, so ember follows whichever path the group selects.
"""
from __future__ import annotations

from .optimizer import Optimizer, _scalar_value, _step_count
from .rprop import (_channels, _check_capturable, _check_foreach_differentiable,
                    _check_inplace, _check_lr, _tensorize_steps, _xp, fma_)

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """torch.optim.ASGD: SGD with a decaying step size ``eta`` and a running average ``ax`` of
    the iterates (averaging starts after ``t0`` steps)."""

    def __init__(self, params, lr=1e-2, lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
                 weight_decay: float = 0, foreach=None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
        _tensorize_steps(self, ("step", "eta", "mu"))

    def step(self, closure=None):
        """One ASGD step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _scalar_value(group["lr"])
            items = list(self._each_grad(group, "ax", extra={
                "eta": lambda p: self._step_tensor(lr),
                "mu": lambda p: self._step_tensor(1.0)}))
            if group["foreach"]:
                self._foreach_group(group, items, lr)
            else:
                self._single_group(group, items, lr)
        return loss

    @staticmethod
    def _single_group(group, items, lr: float) -> None:
        lambd = float(group["lambd"])
        alpha = float(group["alpha"])
        t0 = float(group["t0"])
        wd = float(group["weight_decay"])
        for p, state, g in items:
            _check_capturable(group, [p], "params, mus, etas, and state_steps")
            step = _step_count(state)
            if wd != 0:
                g = _add_scaled(g, p._data, wd)
            eta_t, mu_t = state["eta"], state["mu"]
            eta = float(eta_t._data)
            mu = float(mu_t._data)
            _check_inplace(group, p)
            for pr, gr, ax in zip(_channels(p._data), _channels(g), _channels(state["ax"]._data)):
                pr *= 1 - lambd * eta
                fma_(pr, gr, -eta)
                if mu != 1:
                    ax += (pr - ax) * pr.dtype.type(mu)
                else:
                    ax[...] = pr
            p._bump_version()
            # torch.as_tensor(python float): rounded to the default dtype, then copied in
            eta_t._data[...] = _default_round(lr / ((1 + lambd * lr * step) ** alpha))
            mu_t._data[...] = _default_round(1 / max(1, step - t0))

    @staticmethod
    def _foreach_group(group, items, lr: float) -> None:
        if not items:
            return
        _check_foreach_differentiable(group, items)
        _check_capturable(group, [p for p, _, _ in items], "params, mus, etas, and state_steps",
                          supports_xla=False)
        lambd = float(group["lambd"])
        alpha = float(group["alpha"])
        t0 = float(group["t0"])
        wd = float(group["weight_decay"])
        for p, state, g in items:
            step = _step_count(state)
            eta_t, mu_t = state["eta"], state["mu"]
            for pr, gr, ax in zip(_channels(p._data), _channels(g), _channels(state["ax"]._data)):
                dt = pr.dtype.type
                # param <- param - eta * (grad + weight_decay * param + lambd * param)
                inter = _add_scaled(gr, pr, wd) if wd != 0 else gr
                inter = _add_scaled(inter, pr, lambd)
                fma_(pr, -inter, dt(eta_t._data))
                fma_(ax, pr - ax, dt(mu_t._data))
            p._bump_version()
            # torch evaluates lr / (1 + lambd * lr * step) ** alpha on the step tensor, in its dtype
            st = state["step"]._data
            sd = st.dtype.type
            base = sd(1) + sd(lambd * lr) * st
            # torch's 0-dim pow rounds the double-precision power once
            eta_t._data[...] = (sd(1) / sd(float(base) ** alpha)) * sd(lr)
            mu_t._data[...] = _default_round(1 / max(1, step - t0))



def _add_scaled(a, b, alpha: float):
    """torch's out-of-place ``a.add(b, alpha=alpha)`` (one rounding), as a new array."""
    xp = _xp(b)
    out = xp.array(a, dtype=b.dtype if b.dtype.kind == "c" else a.dtype, copy=True)
    for o, bb in zip(_channels(out), _channels(b)):
        fma_(o, bb, alpha)
    return out


def _default_round(value: float):
    """value as torch.as_tensor makes it: a 0-dim array of the default float dtype."""
    return Optimizer._step_tensor(value)._data
