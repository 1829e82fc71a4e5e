"""Resilient backpropagation (torch.optim.Rprop).

Also home of small helpers shared with ASGD: the per-group flag checks that torch performs at step
time (``capturable`` on an unsupported device, ``foreach`` with ``differentiable``, in-place
updates of leaf parameters under ``differentiable``) and real views of complex parameters.
"""
from __future__ import annotations

from .._tensor import Tensor, _wrap
from ._algos import addcmul_, zeros_state
from .optimizer import Optimizer, _scalar_value, _step_count

__all__ = ["Rprop"]

_CAPTURABLE_DEVICES = ["cuda", "xpu", "hpu", "privateuseone", "xla"]


def _xp(a):
    if a.__class__.__module__ == "numpy":
        import numpy as xp
    else:  # pragma: no cover - CUDA backend
        import cupy as xp
    return xp


def _check_lr(lr, message: str = "Invalid learning rate: {}") -> None:
    """torch's learning-rate validation (a Tensor lr must hold one element)."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(message.format(lr))


def _check_capturable(group, params, what: str, supports_xla: bool = True) -> None:
    """torch asserts capturable steps only run on graph-capturable devices (never the CPU)."""
    if not group.get("capturable", False):
        return
    devices = _CAPTURABLE_DEVICES if supports_xla else _CAPTURABLE_DEVICES[:-1]
    if not all(p.device.type in devices for p in params):
        raise AssertionError(f"If capturable=True, {what} must be on supported devices: "
                             f"{devices}.")


def _check_foreach_differentiable(group, items) -> None:
    """torch's foreach kernels refuse differentiable steps (once there is a grad to apply)."""
    if group.get("foreach") and group.get("differentiable", False) and items:
        raise AssertionError("_foreach ops don't support autograd")


def _check_inplace(group, p) -> None:
    """differentiable=True runs the step with grad mode on: updating a leaf that requires grad in
    place is then an autograd error, as in torch."""
    if group.get("differentiable", False) and p.requires_grad and p.is_leaf:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")


def _as_scalar_tensor(value) -> Tensor:
    return Optimizer._step_tensor(float(value))


def fma_(a, b, s) -> None:
    """a <- a + b * s rounded once, as torch's CPU kernels do for ``add_(b, alpha=s)`` and
    ``addcmul_`` (fused multiply-add). Below float64 the exact product fits a float64; in float64
    Dekker's error-free product and sum recover the lost low bits."""
    xp = _xp(a)
    if a.dtype == xp.float64:
        s = xp.float64(s) if not hasattr(s, "shape") else s.astype(xp.float64)
        prod = b * s
        split = 134217729.0  # 2**27 + 1
        t = b * split
        bh = t - (t - b)
        bl = b - bh
        t = s * split
        sh = t - (t - s)
        sl = s - sh
        perr = ((bh * sh - prod) + bh * sl + bl * sh) + bl * sl
        r = prod + a
        bv = r - prod
        serr = (prod - (r - bv)) + (a - bv)
        out = r + (serr + perr)
        # non-finite intermediates (overflow, inf/nan inputs) fall back to the plain formula
        a[...] = xp.where(xp.isfinite(out), out, prod + a)
    else:
        s = xp.float64(a.dtype.type(s)) if not hasattr(s, "shape") else s.astype(xp.float64)
        a[...] = (a.astype(xp.float64) + b.astype(xp.float64) * s).astype(a.dtype)


def _tensorize_steps(optimizer, keys=("step",)) -> None:
    """__setstate__ helper: plain-number state entries (old state dicts) become tensors."""
    for group in optimizer.param_groups:
        for p in group["params"]:
            st = optimizer.state.get(p)
            if not st:
                continue
            for k in keys:
                if k in st and not isinstance(st[k], Tensor):
                    st[k] = _as_scalar_tensor(st[k])


class Rprop(Optimizer):
    """torch.optim.Rprop: per-coordinate step sizes adapted from gradient sign changes."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
        _tensorize_steps(self)

    def _init_state(self, p, group, g):
        lr = _scalar_value(group["lr"])
        state = self.state[p]
        state["step"] = self._step_tensor()
        state["prev"] = zeros_state(p)
        xp = _xp(g)
        fill = complex(lr, lr) if g.dtype.kind == "c" else lr
        state["step_size"] = _wrap(xp.full(g.shape, fill, dtype=g.dtype))

    def step(self, closure=None):
        """One Rprop step."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            smin, smax = group["step_sizes"]
            maximize = group["maximize"]
            items = []
            for p in group["params"]:
                gt = p.grad
                if gt is None:
                    continue
                if len(self.state[p]) == 0:
                    self._init_state(p, group, gt._data)
                items.append((p, self.state[p], gt._data))
            _check_foreach_differentiable(group, items)
            if group["foreach"]:
                _check_capturable(group, [p for p, _, _ in items],
                                  "params and state_steps")
            for p, state, g in items:
                _check_capturable(group, [p], "params and state_steps")
                if maximize:
                    g = -g
                _step_count(state)
                prev_t, size_t = state["prev"], state["step_size"]
                xp = _xp(p._data)
                chans = list(zip(_channels(p._data), _channels(g), _channels(prev_t._data),
                                 _channels(size_t._data)))
                updates = []
                for pr, gr, prv, sz in chans:
                    dt = sz.dtype.type
                    sign = xp.multiply(gr, prv, out=xp.empty(sz.shape, dtype=sz.dtype))
                    xp.sign(sign, out=sign)
                    # torch's three in-place masked writes, in its order
                    sign[sign > 0] = dt(etaplus)
                    sign[sign < 0] = dt(etaminus)
                    sign[sign == 0] = 1
                    sz *= sign
                    xp.clip(sz, dt(smin), dt(smax), out=sz)
                    gc = xp.array(gr, dtype=sz.dtype, copy=True)
                    gc[sign == dt(etaminus)] = 0  # a sign change: skip this coordinate
                    updates.append(gc)
                _check_inplace(group, p)
                for (pr, _, prv, sz), gc in zip(chans, updates):
                    addcmul_(pr, xp.sign(gc), sz, -1.0)
                    prv[...] = gc
                p._bump_version()
        return loss


def _channels(a):
    """The real 'channels' of an array: [a], or views [a.real, a.imag] of a complex one (torch's
    view_as_real treats the two parts as independent numbers)."""
    return [a.real, a.imag] if a.dtype.kind == "c" else [a]
