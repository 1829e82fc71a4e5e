"""torch.complex: a complex tensor from real and imaginary parts (differentiable)."""
from __future__ import annotations

import numpy as np

from ._function import Function, xp


class _Complex(Function):
    """Real and imaginary parts written into one complex array (arithmetic would turn an infinite
    imaginary part into a NaN real part, and lose a negative zero)."""

    @staticmethod
    def forward(ctx, re, im):
        m = xp(re)
        out = m.empty(np.broadcast_shapes(re.shape, im.shape), dtype=np.result_type(re.dtype, np.complex64))
        out.real = re
        out.imag = im
        return out

    @staticmethod
    def backward(ctx, g):
        from ._function import sum_to_shape
        (rs, _), (is_, _) = ctx._input_meta
        return sum_to_shape(g.real, tuple(rs)), sum_to_shape(g.imag, tuple(is_))

    def name(self):
        return "ComplexBackward0"


def complex_(real, imag):
    """A complex tensor from real and imaginary parts."""
    if real.dtype is not imag.dtype:
        raise RuntimeError(f"Expected object of scalar type {_word(real.dtype)} but got scalar "
                           f"type {_word(imag.dtype)} for second argument")
    if not real.dtype.is_floating_point or real.dtype.itemsize < 4:
        return real.to(real.dtype.to_complex()) + imag.to(real.dtype.to_complex()) * 1j
    return _Complex.apply(real, imag)



def _word(dt):
    from .pointwise import _type_word
    return _type_word(dt)
