"""Array kernels shared by ops and nn where NumPy's obvious spelling is slow.

NumPy (2.x) vectorises ``maximum`` only when both operands are full arrays: ``np.maximum(x, 0)``
runs a scalar loop about 4x slower than ``np.maximum(x, zeros)``, and ``np.where(mask, x, 0)`` is
slower still. ReLU and its gradient are on every CNN's hot path, so they go through these kernels.
"""
from __future__ import annotations

import numpy as np

_CHUNK = 1 << 16  # elements per step: the zero block (256 KB for float32) stays in L2
_zeros: dict = {}


def _zero_block(dtype):
    z = _zeros.get(dtype)
    if z is None:
        z = np.zeros(_CHUNK, dtype)
        z.flags.writeable = False
        _zeros[dtype] = z
    return z


def relu_into(x, out) -> None:
    """out[:] = max(x, 0) for 1-D contiguous NumPy floating arrays (NaN propagates, as in torch)."""
    n = x.shape[0]
    if n <= 2048:  # the scalar loop's set-up is cheaper than slicing
        np.maximum(x, 0, out=out)
        return
    z = _zero_block(x.dtype)
    for s in range(0, n, _CHUNK):
        e = min(n, s + _CHUNK)
        np.maximum(x[s:e], z[:e - s], out=out[s:e])


def relu_array(x):
    """max(x, 0) of any NumPy floating array as a new C-contiguous array."""
    if not x.flags.c_contiguous or x.ndim == 0:
        return np.maximum(x, 0)
    out = np.empty(x.shape, x.dtype)
    relu_into(x.reshape(-1), out.reshape(-1))
    return out

