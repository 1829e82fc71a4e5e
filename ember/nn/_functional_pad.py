"""nn.functional.pad and its kernels: constant, reflect, replicate and circular padding of the
trailing dimensions, with a backward that folds the padded border back onto the input."""
from __future__ import annotations

import numpy as np

from ..ops._function import Function, xp
from .._blas import parallel_elementwise


# ---- padding ---------------------------------------------------------------------------------------
def _pad_array(m, x, widths, mode, value=0.0):
    """np.pad's constant/reflect/edge/wrap modes by slicing: the input is copied once into the
    middle and each padded axis in turn is filled from the part already written (so corners come
    out as np.pad makes them); np.pad's general machinery costs ~3x that on images."""
    shape = tuple(n + a + b for n, (a, b) in zip(x.shape, widths))
    out = m.empty(shape, x.dtype)
    lead = 0  # leading unpadded dims: large inputs are split over threads along them
    while lead < x.ndim - 1 and widths[lead] == (0, 0):
        lead += 1
    if m is np and lead and x.size >= (1 << 20):
        L = int(np.prod(x.shape[:lead]))
        x2, o2 = x.reshape((L,) + x.shape[lead:]), out.reshape((L,) + shape[lead:])
        w2 = ((0, 0),) + tuple(widths[lead:])

        def part(lo, hi):
            _pad_into(o2[lo:hi], x2[lo:hi], w2, mode, value)
        parallel_elementwise(x, L, part, x.size)
        return out
    _pad_into(out, x, widths, mode, value)
    return out


def _pad_into(out, x, widths, mode, value):
    filled = [slice(a, a + n) for n, (a, b) in zip(x.shape, widths)]
    out[tuple(filled)] = x
    for ax, (a, b) in enumerate(widths):
        if not (a or b):
            continue
        n = x.shape[ax]

        def at(sl):
            idx = list(filled)
            idx[ax] = sl
            return tuple(idx)
        if mode == "constant":
            if a:
                out[at(slice(0, a))] = value
            if b:
                out[at(slice(a + n, a + n + b))] = value
        elif mode == "reflect":
            if a:
                out[at(slice(0, a))] = out[at(slice(2 * a, a, -1))]
            if b:
                stop = a + n - 2 - b
                out[at(slice(a + n, a + n + b))] = out[at(slice(a + n - 2, stop if stop >= 0 else None, -1))]
        elif mode == "replicate":
            if a:
                out[at(slice(0, a))] = out[at(slice(a, a + 1))]
            if b:
                out[at(slice(a + n, a + n + b))] = out[at(slice(a + n - 1, a + n))]
        else:  # circular
            if a:
                out[at(slice(0, a))] = out[at(slice(n, n + a))]
            if b:
                out[at(slice(a + n, a + n + b))] = out[at(slice(a, a + b))]
        filled[ax] = slice(0, a + n + b)


class _PadNd(Function):
    @staticmethod
    def forward(ctx, x, widths=(), mode="constant", value=0.0):
        m = xp(x)
        ctx.widths, ctx.mode, ctx.shape = widths, mode, x.shape
        if mode == "circular" and any(a > n or b > n for n, (a, b) in zip(x.shape, widths)):
            return m.pad(x, widths, mode="wrap")
        return _pad_array(m, x, widths, mode, value)

    @staticmethod
    def backward(ctx, g):
        return _PadBackward.apply(g, widths=ctx.widths, mode=ctx.mode, shape=ctx.shape)

    def name(self):
        return {"constant": "ConstantPadNdBackward0", "reflect": "ReflectionPad2DBackward0",
                "replicate": "ReplicationPad2DBackward0", "circular": "ConstantPadNdBackward0"}[self.mode]


class _PadBackward(Function):
    @staticmethod
    def forward(ctx, g, widths=(), mode="constant", shape=()):
        ctx.widths, ctx.mode = widths, mode
        m = xp(g)
        if mode == "constant":
            return g[tuple(slice(a, g.shape[i] - b) for i, (a, b) in enumerate(widths))].copy()
        # map every padded position to its source: pad an index grid the same way
        dims = [i for i, w in enumerate(widths) if w != (0, 0)]
        sub = tuple(shape[i] for i in dims)
        n = int(np.prod(sub))
        grid = np.arange(n).reshape(sub)
        np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
        src = np.pad(grid, tuple(widths[i] for i in dims), mode=np_mode)
        lead = [i for i in range(len(shape)) if i not in dims]
        gm = m.moveaxis(g, dims, list(range(len(shape) - len(dims), len(shape))))
        B = gm.shape[: len(lead)]
        g2 = gm.reshape(int(np.prod(B)) if B else 1, -1)
        z = m.zeros((g2.shape[0], n), dtype=g.dtype)
        s = m.asarray(src.reshape(-1))
        for row in range(g2.shape[0]):
            z[row] += m.bincount(s, weights=g2[row].astype(np.float64), minlength=n).astype(g.dtype) \
                if g.dtype.kind != "c" else 0
        z = z.reshape(tuple(B) + sub)
        return m.ascontiguousarray(m.moveaxis(z, list(range(len(lead), len(shape))), dims))

    @staticmethod
    def backward(ctx, gg):
        return _PadNd.apply(gg, widths=ctx.widths, mode=ctx.mode)


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad)//2 dims: pad=(left, right, top, bottom, ...)."""
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           "dimension but got padding length " + str(len(pad)) + " and input of "
                           "dimension " + str(input.dim()))
    n = input.dim()
    widths = [(0, 0)] * n
    for i in range(len(pad) // 2):
        widths[n - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    if mode == "constant":
        if any(a < 0 or b < 0 for a, b in widths):  # negative padding crops
            sl = tuple(slice(-a if a < 0 else 0, (s + b) if b < 0 else None)
                       for (a, b), s in zip(widths, input.shape))
            input = input[sl]
            widths = [(max(a, 0), max(b, 0)) for a, b in widths]
        return _PadNd.apply(input, widths=tuple(widths), mode="constant", value=0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode == "reflect":
        for i, (a, b) in enumerate(widths):
            if a >= input.shape[i] and a or b >= input.shape[i] and b:
                raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                                   f"input dimension, but got: padding ({a}, {b}) at dimension {i} of "
                                   f"input {list(input.shape)}")
    return _PadNd.apply(input, widths=tuple(widths), mode=mode)
