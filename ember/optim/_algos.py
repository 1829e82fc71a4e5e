"""Array-level building blocks that reproduce torch's elementwise update formulas.

They work in place on backend arrays (NumPy/CuPy) and keep torch's operation order so float64
trajectories agree to the last bits: ``addcmul`` is ``a + (v * t1) * t2``, ``addcdiv`` is
``a + (v * t1) / t2`` and ``lerp`` switches formula at weight 0.5.
"""
from __future__ import annotations

from .._tensor import Tensor, _wrap


def lerp_(a, b, w: float) -> None:
    """a <- lerp(a, b, w) in place."""
    if w < 0.5:
        d = b - a
        d *= w
        a += d
    else:
        d = b - a
        d *= (1.0 - w)
        a[...] = b - d


def addcmul_(a, t1, t2, v: float = 1.0) -> None:
    """a <- a + v * t1 * t2 in place."""
    tmp = t1 * v if v != 1.0 else t1.copy()
    tmp *= t2
    a += tmp


def addcdiv_(a, t1, t2, v: float = 1.0) -> None:
    """a <- a + v * t1 / t2 in place."""
    tmp = t1 * v if v != 1.0 else t1.copy()
    tmp /= t2
    a += tmp


def add_(a, b, alpha: float = 1.0) -> None:
    """a <- a + alpha * b in place."""
    if alpha == 1.0:
        a += b
    else:
        a += b * alpha


def zeros_state(p: Tensor, fill: float = 0.0) -> Tensor:
    """A state tensor shaped and typed like p (its own memory)."""
    d = p._data
    mod = type(d).__module__.split(".")[0]
    if mod == "numpy":
        import numpy as xp
    else:  # pragma: no cover - CUDA backend
        import cupy as xp
    return _wrap(xp.full(d.shape, fill, dtype=d.dtype))


def check_nonneg(name: str, value, label: str | None = None) -> None:
    if not 0.0 <= float(value):
        raise ValueError(f"Invalid {label or name}: {value}")


def check_betas(betas) -> None:
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
