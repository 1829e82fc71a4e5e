"""Array kernels shared by ops and nn where NumPy's obvious spelling is slow.

NumPy (2.x) vectorises ``maximum`` only when both operands are full arrays: ``np.maximum(x, 0)``
runs a scalar loop about 4x slower than ``np.maximum(x, zeros)``, and ``np.where(mask, x, 0)`` is
slower still. ReLU and its gradient are on every CNN's hot path, so they go through these kernels.
"""
from __future__ import annotations

import numpy as np

_CHUNK = 1 << 16  # elements per step: the zero block (256 KB for float32) stays in L2
_consts: dict = {}


def _const_block(value, n: int, dtype):
    """A cached read-only 1-D array of n copies of value."""
    key = (value, n, dtype)
    c = _consts.get(key)
    if c is None:
        c = np.full(n, value, dtype)
        c.flags.writeable = False
        _consts[key] = c
    return c


def _relu_serial(x, out) -> None:
    n = x.shape[0]
    if n <= 2048:  # the scalar loop's set-up is cheaper than slicing
        np.maximum(x, 0, out=out)
        return
    z = _const_block(0, _CHUNK, x.dtype)
    for s in range(0, n, _CHUNK):
        e = min(n, s + _CHUNK)
        np.maximum(x[s:e], z[:e - s], out=out[s:e])


def relu_into(x, out) -> None:
    """out[:] = max(x, 0) for 1-D contiguous NumPy floating arrays (NaN propagates, as in torch);
    large ones are split over the thread team."""
    n = x.shape[0]
    from .. import _blas
    if n < _blas._MIN_ELEMS:
        _relu_serial(x, out)
        return
    _blas.parallel_elementwise(x, n, lambda lo, hi: _relu_serial(x[lo:hi], out[lo:hi]), n)


def relu_array(x):
    """max(x, 0) of any NumPy floating array as a new C-contiguous array."""
    if not x.flags.c_contiguous or x.ndim == 0:
        return np.maximum(x, 0)
    out = np.empty(x.shape, x.dtype)
    relu_into(x.reshape(-1), out.reshape(-1))
    return out


# ---- large arrays over ember's thread team ------------------------------------------------------
_PAR_ELEMS = 1 << 20  # below about a million elements a thread hand-off costs more than it saves


def _team_size(x) -> int:
    if x.__class__ is not np.ndarray or x.size < _PAR_ELEMS or x.dtype.kind != "f" or \
            not x.flags.c_contiguous:
        return 1
    from .. import _blas
    return _blas._budget()


def unary(ufunc, x):
    """ufunc(x) for a NumPy array; a large contiguous floating one is split over the team."""
    if _team_size(x) <= 1:
        return ufunc(x)
    from .. import _blas
    out = np.empty(x.shape, x.dtype)
    fx, fo = x.reshape(-1), out.reshape(-1)
    _blas.parallel_ranges(fx.shape[0], lambda lo, hi: ufunc(fx[lo:hi], out=fo[lo:hi]), 1e12,
                          grain=4096, per_thread=1)
    return out


_SUM_ROW = 4096  # elements per partial sum: each row is one BLAS dot product with a ones vector


def full_sum(x):
    """Sum of all elements of a NumPy array (a NumPy scalar).

    A large contiguous float32/float64 array is summed as (rows of 4096) @ ones: OpenBLAS's gemv
    streams memory about twice as fast as NumPy's pairwise add.reduce, and its rows are split over
    the thread team. The row sums (and the tail) are then added pairwise in a fixed order, so the
    result does not depend on the thread count."""
    if x.__class__ is not np.ndarray or x.size < (1 << 16) or x.dtype.char not in "fd" or \
            not x.flags.c_contiguous:
        return np.add.reduce(x, axis=None)
    from .. import _blas
    fx = x.reshape(-1)
    rows = fx.shape[0] // _SUM_ROW
    body = fx[:rows * _SUM_ROW].reshape(rows, _SUM_ROW)
    ones = _const_block(1, _SUM_ROW, x.dtype)
    partial = np.empty(rows + 1, x.dtype)
    partial[rows] = np.add.reduce(fx[rows * _SUM_ROW:])
    if x.size < _PAR_ELEMS:
        np.matmul(body, ones, out=partial[:rows])
    else:
        _blas.parallel_ranges(rows, lambda lo, hi: np.matmul(body[lo:hi], ones, out=partial[lo:hi]),
                              1e12, per_thread=1)
    return np.add.reduce(partial)


# ---- per-channel affine (eval BatchNorm) ---------------------------------------------------------
# NumPy 2.x buffers a broadcast operand whose rows are shorter than its ufunc buffer (8192
# elements): ``x (C, P) * s (C, 1)`` then copies s out to a buffer first and runs 2-3x slower
# than a multiply by a scalar. A buffer smaller than a row makes the ufunc run row by row on its
# scalar-operand SIMD loop instead; below ~512 elements per row that per-row cost is the larger
# one. The buffer size is per thread (a context variable) from NumPy 2.0 on; on 1.x it is global,
# so the setting is left alone there.
_ROWWISE = int(np.__version__.split(".")[0]) >= 2


def _rowwise(P: int) -> bool:
    return _ROWWISE and 512 <= P < 8192


def channel_affine(x3, scale, shift, out) -> None:
    """out = x3 * scale + shift per channel for NumPy arrays x3, out (N, C, P) and scale, shift
    (C,); channel blocks are split over the thread team when large."""
    N, C, P = x3.shape
    sc, sh = scale.reshape(1, C, 1), shift.reshape(1, C, 1)
    rowwise = _rowwise(P)

    def part(lo, hi):
        old = np.setbufsize(16) if rowwise else 0
        try:
            o = out[:, lo:hi]
            np.multiply(x3[:, lo:hi], sc[:, lo:hi], out=o)
            np.add(o, sh[:, lo:hi], out=o)
        finally:
            if rowwise:
                np.setbufsize(old)
    from .. import _blas
    _blas.parallel_elementwise(x3, C, part, x3.size)


def relu_backward(g, y):
    """ReLU's input gradient from the output gradient g and the output y, recorded (ReLUGrad)."""
    from .extra_nn import ReLUGrad
    return ReLUGrad.apply(g, y)
