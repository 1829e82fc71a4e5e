"""torch.fft: discrete Fourier transforms on the tensor's array module (numpy.fft / cupy.fft).

Three differentiable primitives carry everything: a complex-to-complex transform over a set of
dims, a real-to-complex one and a complex-to-real one over a single dim. Multi-dimensional real
transforms compose them (rfftn = c2c over the leading dims of an r2c), so their gradients follow.
The adjoint of a transform with norm ``m`` is the inverse transform with the "dual" norm
(backward <-> forward, ortho <-> ortho).
"""
from __future__ import annotations

import numpy as np

from . import _dtype as D
from ._tensor import Tensor
from .ops._function import Function, xp

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn",
           "irfftn", "hfft", "ihfft", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _norm(norm):
    if norm is None:
        return "backward"
    if norm not in _DUAL:
        raise ValueError(f"Invalid normalization mode: {norm}")
    return norm


def _complex_of(dt: D.dtype) -> D.dtype:
    if dt.is_complex:
        return dt
    return D.complex128 if dt == D.float64 else D.complex64


def _real_of(dt: D.dtype) -> D.dtype:
    if dt == D.complex128 or dt == D.float64:
        return D.float64
    return D.float32


def _float_input(x: Tensor, allow_complex=True) -> Tensor:
    dt = x.dtype
    if dt.is_complex:
        if not allow_complex:
            raise RuntimeError(f"rfft expects a real input tensor, but got {dt}")
        return x
    if dt.is_floating_point:
        if dt in (D.float16, D.bfloat16):
            return x.to(D.float32)
        return x
    return x.to(D.get_default_dtype())


class _C2C(Function):
    @staticmethod
    def forward(ctx, x, dims=(-1,), norm="backward", inverse=False):
        ctx.dims, ctx.norm, ctx.inverse = dims, norm, inverse
        ctx.real_in = x.dtype.kind != "c"
        m = xp(x)
        out_dt = np.complex128 if x.dtype in (np.float64, np.complex128) else np.complex64
        f = m.fft.ifftn if inverse else m.fft.fftn
        return f(x, axes=dims, norm=norm).astype(out_dt, copy=False)

    @staticmethod
    def backward(ctx, g):
        r = _C2C.apply(g, dims=ctx.dims, norm=_DUAL[ctx.norm], inverse=not ctx.inverse)
        return r.real if ctx.real_in else r


class _R2C(Function):
    @staticmethod
    def forward(ctx, x, dim=-1, norm="backward"):
        ctx.dim, ctx.norm, ctx.n = dim, norm, x.shape[dim]
        m = xp(x)
        out_dt = np.complex128 if x.dtype == np.float64 else np.complex64
        return m.fft.rfft(x, axis=dim, norm=norm).astype(out_dt, copy=False)

    @staticmethod
    def backward(ctx, g):
        # adjoint of the truncated DFT: zero-pad the half spectrum and take the real part of the
        # inverse transform (with the dual normalisation)
        n, d = ctx.n, ctx.dim
        k = g.shape[d]
        if n - k > 0:
            pad_shape = list(g.shape)
            pad_shape[d] = n - k
            from .ops.creation import zeros
            from .ops.joining import cat
            g = cat([g, zeros(pad_shape, dtype=g.dtype, device=g.device)], d)
        return _C2C.apply(g, dims=(d,), norm=_DUAL[ctx.norm], inverse=True).real


class _C2R(Function):
    @staticmethod
    def forward(ctx, x, dim=-1, n=None, norm="backward"):
        ctx.dim, ctx.norm, ctx.n = dim, norm, n
        m = xp(x)
        out_dt = np.float64 if x.dtype == np.complex128 else np.float32
        return m.fft.irfft(x, n=n, axis=dim, norm=norm).astype(out_dt, copy=False)

    @staticmethod
    def backward(ctx, g):
        d, n = ctx.dim, ctx.n
        r = _R2C.apply(g, dim=d, norm=_DUAL[ctx.norm])
        # every bin except DC (and Nyquist for even n) stands for two conjugate bins of the signal
        double = n - n // 2 - 1
        if double > 0:
            from .ops.creation import ones
            w = ones(r.shape[d], dtype=_real_of(r.dtype), device=r.device)
            w[1:1 + double] = 2.0
            shape = [1] * r.dim()
            shape[d] = -1
            r = r * w.reshape(shape)
        return r


def _resize(x: Tensor, dim: int, n: int) -> Tensor:
    """Trim or zero-pad x along dim to length n (differentiable)."""
    cur = x.shape[dim]
    if n == cur:
        return x
    if n < cur:
        return x.narrow(dim, 0, n)
    from .ops.creation import zeros
    from .ops.joining import cat
    shape = list(x.shape)
    shape[dim] = n - cur
    return cat([x, zeros(shape, dtype=x.dtype, device=x.device)], dim)


def _wrap_dim(d, nd, name="fft"):
    if nd == 0:
        raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
    if d < -nd or d >= nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {d})")
    return d % nd


def _check_n(n, name):
    if n is not None and n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")


def _dims_and_sizes(x: Tensor, s, dim, default_last=None):
    nd = x.dim()
    if dim is None:
        if s is not None:
            dims = list(range(nd - len(s), nd))
        else:
            dims = list(range(nd)) if default_last is None else list(range(nd - default_last, nd))
    else:
        dims = [dim] if isinstance(dim, int) else list(dim)
        dims = [_wrap_dim(d, nd) for d in dims]
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
    if s is not None:
        s = list(s)
        if len(s) != len(dims):
            raise RuntimeError(f"When given, dim and shape arguments must have the same length")
    return dims, s


# ---- 1-D ----------------------------------------------------------------------------------------
def fft(input, n=None, dim=-1, norm=None, *, out=None) -> Tensor:
    """1-D discrete Fourier transform."""
    _check_n(n, "fft")
    x = _float_input(input)
    d = _wrap_dim(dim, x.dim())
    if n is not None:
        x = _resize(x, d, n)
    return _C2C.apply(x, dims=(d,), norm=_norm(norm), inverse=False)


def ifft(input, n=None, dim=-1, norm=None, *, out=None) -> Tensor:
    """1-D inverse discrete Fourier transform."""
    _check_n(n, "ifft")
    x = _float_input(input)
    d = _wrap_dim(dim, x.dim())
    if n is not None:
        x = _resize(x, d, n)
    return _C2C.apply(x, dims=(d,), norm=_norm(norm), inverse=True)


def rfft(input, n=None, dim=-1, norm=None, *, out=None) -> Tensor:
    """FFT of a real signal: the n//2 + 1 non-redundant frequencies."""
    _check_n(n, "rfft")
    x = _float_input(input, allow_complex=False)
    d = _wrap_dim(dim, x.dim())
    if n is not None:
        x = _resize(x, d, n)
    return _R2C.apply(x, dim=d, norm=_norm(norm))


def irfft(input, n=None, dim=-1, norm=None, *, out=None) -> Tensor:
    """Inverse of rfft: a real signal of length n (default 2*(m-1))."""
    _check_n(n, "irfft")
    x = _float_input(input)
    if not x.dtype.is_complex:
        x = x.to(_complex_of(x.dtype))
    d = _wrap_dim(dim, x.dim())
    n = 2 * (x.shape[d] - 1) if n is None else n
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    x = _resize(x, d, n // 2 + 1)
    return _C2R.apply(x, dim=d, n=n, norm=_norm(norm))


def hfft(input, n=None, dim=-1, norm=None, *, out=None) -> Tensor:
    """FFT of a Hermitian-symmetric signal given by its first half: a real spectrum."""
    x = _float_input(input)
    if not x.dtype.is_complex:
        x = x.to(_complex_of(x.dtype))
    return irfft(x.conj(), n, dim, _DUAL[_norm(norm)])


def ihfft(input, n=None, dim=-1, norm=None, *, out=None) -> Tensor:
    """Inverse of hfft: the half spectrum of a real signal."""
    return rfft(input, n, dim, _DUAL[_norm(norm)]).conj()


# ---- N-D ----------------------------------------------------------------------------------------
def _c2c_nd(input, s, dim, norm, inverse, default_last=None):
    x = _float_input(input)
    dims, s = _dims_and_sizes(x, s, dim, default_last)
    if s is not None:
        for d, n in zip(dims, s):
            if n != -1:
                _check_n(n, "fftn")
                x = _resize(x, d, n)
    if not dims:
        return x.to(_complex_of(x.dtype)) if not x.dtype.is_complex else x.clone()
    return _C2C.apply(x, dims=tuple(dims), norm=_norm(norm), inverse=inverse)


def fftn(input, s=None, dim=None, norm=None, *, out=None) -> Tensor:
    """N-D discrete Fourier transform over dim (default: all, or the last len(s))."""
    return _c2c_nd(input, s, dim, norm, False)


def ifftn(input, s=None, dim=None, norm=None, *, out=None) -> Tensor:
    """N-D inverse discrete Fourier transform."""
    return _c2c_nd(input, s, dim, norm, True)


def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None) -> Tensor:
    """2-D discrete Fourier transform."""
    return fftn(input, s, dim, norm)


def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None) -> Tensor:
    """2-D inverse discrete Fourier transform."""
    return ifftn(input, s, dim, norm)


def rfftn(input, s=None, dim=None, norm=None, *, out=None) -> Tensor:
    """N-D FFT of a real input; the last dim keeps n//2 + 1 frequencies."""
    x = _float_input(input, allow_complex=False)
    dims, s = _dims_and_sizes(x, s, dim)
    if not dims:
        raise RuntimeError("rfftn must transform at least one axis")
    if s is not None:
        for d, n in zip(dims, s):
            if n != -1:
                x = _resize(x, d, n)
    nm = _norm(norm)
    y = _R2C.apply(x, dim=dims[-1], norm=nm)
    if len(dims) > 1:
        y = _C2C.apply(y, dims=tuple(dims[:-1]), norm=nm, inverse=False)
    return y


def irfftn(input, s=None, dim=None, norm=None, *, out=None) -> Tensor:
    """Inverse of rfftn: a real output whose last transformed dim has length s[-1]."""
    x = _float_input(input)
    if not x.dtype.is_complex:
        x = x.to(_complex_of(x.dtype))
    dims, s = _dims_and_sizes(x, s, dim)
    if not dims:
        raise RuntimeError("irfftn must transform at least one axis")
    last = dims[-1]
    n_last = 2 * (x.shape[last] - 1) if s is None or s[-1] == -1 else s[-1]
    if s is not None:
        for d, n in zip(dims[:-1], s[:-1]):
            if n != -1:
                x = _resize(x, d, n)
    nm = _norm(norm)
    if len(dims) > 1:
        x = _C2C.apply(x, dims=tuple(dims[:-1]), norm=nm, inverse=True)
    x = _resize(x, last, n_last // 2 + 1)
    return _C2R.apply(x, dim=last, n=n_last, norm=nm)


def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None) -> Tensor:
    """2-D FFT of a real input."""
    return rfftn(input, s, dim, norm)


def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None) -> Tensor:
    """Inverse of rfft2."""
    return irfftn(input, s, dim, norm)


# ---- helpers ---------------------------------------------------------------------------------------
def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """Sample frequencies of an n-point FFT with spacing d."""
    from .ops.creation import tensor
    dt = dtype or D.get_default_dtype()
    r = tensor(np.fft.fftfreq(n, d), dtype=dt, device=device)
    return r.requires_grad_(requires_grad) if requires_grad else r


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """Sample frequencies of an n-point rfft with spacing d."""
    from .ops.creation import tensor
    dt = dtype or D.get_default_dtype()
    r = tensor(np.fft.rfftfreq(n, d), dtype=dt, device=device)
    return r.requires_grad_(requires_grad) if requires_grad else r


def _shift(input, dim, sign):
    dims = list(range(input.dim())) if dim is None else ([dim] if isinstance(dim, int) else list(dim))
    if not dims:
        return input.clone()
    shifts = [sign * (input.shape[d] // 2) if sign > 0 else -(input.shape[d] // 2) for d in dims]
    return input.roll(shifts, dims)


def fftshift(input, dim=None) -> Tensor:
    """Move the zero-frequency term to the centre."""
    return _shift(input, dim, 1)


def ifftshift(input, dim=None) -> Tensor:
    """Inverse of fftshift."""
    return _shift(input, dim, -1)
