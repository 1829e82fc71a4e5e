"""torch's type promotion for op operands: dimensioned tensors outrank 0-dim tensors, which
outrank Python scalars, unless a lower-priority operand is of a higher category."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor


def _combine(higher, lower):
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_complex:
        return higher
    if lower.is_complex:
        return higher.to_complex() if higher.is_floating_point else lower
    if higher.is_floating_point:
        return higher
    if higher is D.bool_ or lower.is_floating_point:
        return D.promote_types(higher, lower)
    return higher


def scalar_dtype(v) -> D.dtype:
    """The dtype a Python scalar stands for in promotion."""
    if isinstance(v, np.generic):  # first: np.float64 is also a Python float
        return D.from_np(v.dtype)
    if isinstance(v, bool):
        return D.bool_
    if isinstance(v, int):
        return D.int64
    if isinstance(v, float):
        return D.get_default_dtype()
    if isinstance(v, complex):
        return D.default_complex()
    if isinstance(v, np.generic):
        return D.from_np(v.dtype)
    raise TypeError(f"unsupported operand type: {type(v).__name__}")


def result_type(*operands) -> D.dtype:
    """torch.result_type over tensors and Python scalars."""
    dim_r = zero_r = wrap_r = None
    for o in operands:
        if isinstance(o, Tensor):
            dt = D._NP2DT[o._data.dtype]
            if o._data.ndim:
                dim_r = dt if dim_r is None else D.promote_types(dim_r, dt)
            else:
                zero_r = dt if zero_r is None else D.promote_types(zero_r, dt)
        else:
            dt = scalar_dtype(o)
            if isinstance(o, np.generic):  # NumPy scalars count like 0-dim tensors
                zero_r = dt if zero_r is None else D.promote_types(zero_r, dt)
            else:
                wrap_r = dt if wrap_r is None else D.promote_types(wrap_r, dt)
    return _combine(dim_r, _combine(zero_r, wrap_r))


def to_float(dt: D.dtype) -> D.dtype:
    """The dtype a 'floating' op computes in: integers and bool go to the default float dtype."""
    return dt if (dt.is_floating_point or dt.is_complex) else D.get_default_dtype()
