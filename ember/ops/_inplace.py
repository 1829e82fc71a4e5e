"""In-place ops: write the result into the tensor's memory, bump its version, rebase the graph.

An in-place op on a view of ``base`` makes base's new grad_fn a ``CopySlices`` node: the gradient
of base's old value is the incoming gradient with the view's region zeroed, plus whatever flows back
through the op applied to the region (wired through the view's old node to base's old node).
"""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import state as _gs
from ._function import Function, _edge, _counter, xp

_LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation."
_VIEW_LEAF_MSG = "a view of a leaf Variable that requires grad is being used in an in-place operation."


def _shadow(t: Tensor) -> Tensor:
    """A copy of t's values that stands for t in the graph (keeps saved values intact)."""
    s = _wrap(t._data.copy())
    s._rg = t._rg
    s._grad_fn = t._grad_fn
    if t._output_nr:
        s._output_nr = t._output_nr
    if t._names is not None:
        s._names = t._names
    return s


def _type_word(dt):
    from .pointwise import _type_word as w
    return w(dt)


def check_inplace(self: Tensor, needs_grad: bool) -> None:
    if needs_grad:
        if self._grad_fn is None and self._rg and self._base is None:
            raise RuntimeError(_LEAF_MSG)
        if self._base is not None and self._base._rg and self._base._grad_fn is None:
            raise RuntimeError(_VIEW_LEAF_MSG)


def write_result(self: Tensor, r: Tensor, needs_grad: bool, allow_cast: bool = False) -> Tensor:
    """Store r (computed out of place) into self and fix up autograd."""
    if r.shape != self.shape:
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                           f"{list(r.shape)}")
    rd, sd = r._data.dtype, self._data.dtype
    if rd != sd and not allow_cast:
        if not D.can_cast(D._NP2DT[rd], D._NP2DT[sd]):
            raise RuntimeError(f"result type {_type_word(D._NP2DT[rd])} can't be cast to the desired "
                               f"output type {_type_word(D._NP2DT[sd])}")
    d = self._data
    if not d.flags.writeable or (0 in d.strides and any(st == 0 and n > 1 for st, n in zip(d.strides, d.shape))):
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor "
                           "refers to a single memory location. Please clone() the tensor before "
                           "performing the operation.")
    src = r._data
    if src.dtype.kind == "c" and sd.kind != "c":
        src = src.real
    self._data[...] = src
    self._bump_version()
    if needs_grad and r._rg:
        if self._base is None:
            self._grad_fn = r._grad_fn
            self._rg = True
            if r._output_nr or self._output_nr:
                self._output_nr = r._output_nr
        else:
            _rebase_view(self, r)
    return self


def inplace(self: Tensor, op_cls, others: tuple, params: dict, allow_cast=False) -> Tensor:
    """Run a Function class in place on self (self is its first input)."""
    needs = _gs.grad_enabled and (self._rg or any(o._rg for o in others))
    check_inplace(self, needs)
    src = _shadow(self) if needs else self
    r = op_cls.apply(src, *others, **params)
    return write_result(self, r, needs, allow_cast)


def inplace_fn(fn):
    """Make ``x.op_(...)`` from the out-of-place ``op(x, ...)``."""
    def method(self, *args, **kwargs):
        needs = _gs.grad_enabled and (self._rg or any(isinstance(a, Tensor) and a._rg for a in args))
        check_inplace(self, needs)
        src = _shadow(self) if needs else self
        r = fn(src, *args, **kwargs)
        return write_result(self, r, needs)
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place version of {fn.__name__}."
    return method


# ---- graph rebase for views ----------------------------------------------------------------------
def _flat_index(base: Tensor, view: Tensor):
    """For each element of view, its C-order flat index within base."""
    b, v = base._data, view._data
    m = xp(b)
    isz = b.itemsize
    bptr = base.data_ptr()
    boff = m.zeros((), dtype=np.int64)
    for n, s in zip(b.shape, b.strides):
        boff = boff[..., None] + m.arange(n, dtype=np.int64) * (s // isz)
    size = int(boff.max()) + 1 if b.size else 0
    pos = m.full(max(size, 1), -1, dtype=np.int64)
    pos[boff.reshape(-1)] = m.arange(b.size, dtype=np.int64)
    voff = m.full((), (view.data_ptr() - bptr) // isz, dtype=np.int64)
    for n, s in zip(v.shape, v.strides):
        voff = voff[..., None] + m.arange(n, dtype=np.int64) * (s // isz)
    return pos[voff]


class TakeFlat(Function):
    @staticmethod
    def forward(ctx, x, idx=None):
        ctx.shape = x.shape
        ctx.idx = idx
        return x.reshape(-1)[idx]

    @staticmethod
    def backward(ctx, g):
        return PutFlat.apply(g, idx=ctx.idx, shape=ctx.shape)

    def name(self):
        return "AsStridedBackward0"


class PutFlat(Function):
    @staticmethod
    def forward(ctx, g, idx=None, shape=()):
        ctx.idx = idx
        m = xp(g)
        z = m.zeros(int(np.prod(shape)), dtype=g.dtype)
        m.add.at(z, idx.reshape(-1), g.reshape(-1)) if m is np else z.scatter_add(idx.reshape(-1), g.reshape(-1))
        return z.reshape(shape)

    @staticmethod
    def backward(ctx, gg):
        return TakeFlat.apply(gg, idx=ctx.idx)


class CopySlices(Function):
    def name(self):
        return "CopySlices"

    @staticmethod
    def backward(ctx, g):
        mask = ctx.mask
        return g * mask, TakeFlat.apply(g, idx=ctx.idx)


def _rebase_view(view: Tensor, r: Tensor) -> None:
    base = view._base
    idx = _flat_index(base, view)
    node = CopySlices.__new__(CopySlices)
    old = _edge(base) if base._rg else (None, 0)
    node.next_functions = (old, (r._grad_fn, r._output_nr))
    node._input_meta = ((base._data.shape, base._data.dtype), (view._data.shape, view._data.dtype))
    node.needs_input_grad = (base._rg, True)
    node._seq = next(_counter)
    node.idx = idx
    m = xp(base._data)
    mk = m.ones(base._data.size, dtype=base._data.dtype)
    mk[idx.reshape(-1)] = 0
    node.mask = _wrap(mk.reshape(base._data.shape))
    node._out_meta = [(base._data.shape, base.dtype)]
    base._grad_fn = node
    base._rg = True
    vnode = TakeFlat.__new__(TakeFlat)
    vnode.next_functions = ((node, 0),)
    vnode._input_meta = ((base._data.shape, base._data.dtype),)
    vnode.needs_input_grad = (True,)
    vnode._seq = next(_counter)
    vnode.idx = idx
    vnode.shape = base._data.shape
    view._grad_fn = vnode
    view._rg = True
    view.__dict__["_view_ver"] = view._vc[0]
