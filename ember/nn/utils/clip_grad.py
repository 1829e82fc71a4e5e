"""Gradient clipping: clip_grad_norm_, clip_grad_value_, get_total_norm, clip_grads_with_norm_."""
from __future__ import annotations

import math

from ..._tensor import Tensor, _wrap
from ...autograd.grad_mode import no_grad

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm",
           "clip_grads_with_norm_"]


def _xp(a):
    if a.__class__.__module__ == "numpy":
        import numpy as xp
    else:  # pragma: no cover - CUDA backend
        import cupy as xp
    return xp


def _as_list(tensors) -> list:
    if isinstance(tensors, Tensor):
        return [tensors]
    return list(tensors)


def _vector_norm(a, p: float):
    """The p-norm of all elements of a backend array (a 0-dim array of a's dtype)."""
    xp = _xp(a)
    a = a.reshape(-1)
    if p == math.inf:
        return xp.abs(a).max() if a.size else xp.zeros((), a.dtype)
    if p == -math.inf:
        return xp.abs(a).min() if a.size else xp.array(math.inf, a.dtype)
    if p == 0:
        return xp.asarray((a != 0).sum(), dtype=a.dtype)
    if p == 1:
        return xp.abs(a).sum()
    if p == 2:
        return xp.sqrt(xp.dot(a, a)) if a.dtype.kind == "f" else xp.sqrt((abs(a) ** 2).sum())
    return (xp.abs(a) ** p).sum() ** (1.0 / p)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """The norm of the norms of tensors (as if they were concatenated into one vector)."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        from ... import tensor
        return tensor(0.0)
    norms = [_vector_norm(t._data, norm_type) for t in tensors]
    xp = _xp(tensors[0]._data)
    total = _vector_norm(xp.stack([xp.asarray(n) for n in norms]), norm_type)
    total = xp.asarray(total)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` "
                           "is non-finite, so it cannot be clipped. To disable this error and scale "
                           "the gradients by the non-finite norm anyway, set "
                           "`error_if_nonfinite=False`")
    return _wrap(total)


def clip_grads_with_norm_(parameters, max_norm: float, total_norm: Tensor, foreach=None) -> None:
    """Scale the gradients in place by max_norm / (total_norm + 1e-6), capped at 1."""
    params = _as_list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    tn = total_norm._data
    xp = _xp(tn)
    coef = xp.minimum(float(max_norm) / (tn + 1e-6), 1.0).astype(tn.dtype)
    for g in grads:
        g._data *= coef.astype(g._data.dtype)
        g._bump_version()


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Rescale gradients so their total norm is at most max_norm; returns the total norm."""
    params = _as_list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    with no_grad():
        clip_grads_with_norm_(params, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Deprecated alias of clip_grad_norm_."""
    import warnings
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient into [-clip_value, clip_value] in place."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        g = p.grad
        if g is None:
            continue
        _xp(g._data).clip(g._data, -clip_value, clip_value, out=g._data)
        g._bump_version()
