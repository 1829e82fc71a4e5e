"""Custom differentiable ops: ``class MyOp(autograd.Function)`` with forward/backward (torch's API).

``MyOp.apply(*args)`` runs ``forward`` under no_grad on ember Tensors; when an input requires grad
it records one node, an instance of the generated class ``MyOpBackward`` (which is also the ``ctx``
that forward saw), whose ``next_functions`` point at the tensor inputs' nodes. The engine calls the
user's ``backward(ctx, *grads)`` on it like any built-in op's backward.
"""
from __future__ import annotations

import functools
import weakref

from .grad_mode import state
from .graph import Node, grad_accumulator, version_error

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable", "InplaceFunction",
           "NestedIOFunction"]

_counter = None


def _next_seq() -> int:
    # Shares the built-in ops' counter so the engine orders custom and built-in nodes together.
    global _counter
    if _counter is None:
        from ..ops._function import _counter as c
        _counter = c
    return next(_counter)


def _tensor_cls():
    from .._tensor import Tensor
    return Tensor


def _edge(t):
    if not t._rg:
        return (None, 0)
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    return (grad_accumulator(t), 0)


class FunctionCtx:
    """What ``forward`` receives as ``ctx``: stash tensors and flags for ``backward``."""

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors (inputs, outputs or None) for backward, checked for in-place changes."""
        T = _tensor_cls()
        for t in tensors:
            if t is not None and not isinstance(t, T):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self._to_save = tensors

    def save_for_forward(self, *tensors) -> None:
        """Keep tensors for a forward-mode ``jvp`` (stored as given)."""
        self.saved_for_forward = tensors

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs that forward modified in place (they must also be returned)."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs that get no gradient (they will not require grad)."""
        self._non_diff = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """Whether undefined output gradients reach backward as zeros (True) or None."""
        self._materialize = bool(value)

    @property
    def saved_tensors(self) -> tuple:
        # Only reached before the ctx became a graph node (e.g. inside forward / no grad needed).
        return tuple(getattr(self, "_to_save", ()))


class BackwardCFunction(FunctionCtx, Node):
    """The graph node of one custom Function call (and the ``ctx`` its forward/backward see)."""

    _forward_cls = None
    _saved_out = ()

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<torch.autograd.function.{type(self).__name__} object at {hex(id(self))}>"

    def apply(self, *grads):
        """Run the user's backward on output gradients (returns one gradient per forward arg)."""
        return self._user_backward(*grads)

    def _user_backward(self, *grads):
        fcls = self._forward_cls
        fn = fcls.backward if fcls.backward is not Function.backward else fcls.vjp
        return fn(self, *grads)

    @property
    def saved_tensors(self) -> tuple:
        if "_saved_entries" not in self.__dict__:
            if self._freed and self._had_saved:
                from .graph import FREED_MSG
                raise RuntimeError(FREED_MSG)
            return tuple(getattr(self, "_to_save", ()))
        out = []
        for t, ver, ref in self._saved_entries:
            if t is None:
                out.append(None)
                continue
            if t._version != ver:
                raise RuntimeError(version_error(t, self if ref is not None else t.grad_fn, ver))
            if ref is not None:  # an output: hand back the live tensor (it carries this node)
                live = ref()
                if live is None:
                    live = _alias(t)
                    live._rg = True
                    live._grad_fn = self
                    if t._output_nr:
                        live._output_nr = t._output_nr
                t = live
            out.append(t)
        return tuple(out)

    @property
    def saved_variables(self) -> tuple:
        return self.saved_tensors

    def _release(self) -> None:
        if "_saved_entries" in self.__dict__:
            del self.__dict__["_saved_entries"]
        self.__dict__.pop("_to_save", None)
        self._freed = True

    def _fill_none(self, grads):
        from ..ops.creation import zeros
        metas = self._out_meta
        out = []
        for i, g in enumerate(grads):
            if g is None and i < len(metas) and metas[i] is not None:
                shape, dt = metas[i]
                g = zeros(shape, dtype=dt)
            out.append(g)
        return tuple(out)

    def _backward(self, grads: tuple) -> tuple:
        res = self._user_backward(*grads)
        if not isinstance(res, tuple):
            res = (res,)
        n = self._n_args
        if len(res) != n:
            if len(res) > n and all(r is None for r in res[n:]):
                res = res[:n]
            else:
                raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                                   f"(expected {n}, got {len(res)})")
        T = _tensor_cls()
        out = []
        for k, i in enumerate(self._tensor_idx):
            g = res[i]
            if g is not None:
                if not isinstance(g, T):
                    raise TypeError(f"expected Tensor or None (got {type(g).__name__})")
                shape = self._input_meta[k][0]
                if g.shape != shape and not _expandable(shape, g.shape):
                    raise RuntimeError(f"Function {self.name()} returned an invalid gradient at index "
                                       f"{i} - got {list(g.shape)} but expected shape compatible with "
                                       f"{list(shape)}")
            out.append(g)
        return tuple(out)


def _expandable(shape, target) -> bool:
    """Whether ``shape`` broadcasts to ``target`` (so a gradient of ``target`` sums down to it)."""
    if len(shape) > len(target):
        return False
    for s, t in zip(reversed(shape), reversed(target)):
        if s != t and s != 1:
            return False
    return True


def _alias(t):
    """A new tensor object on t's memory and version counter (outside the graph)."""
    from .._tensor import _wrap
    a = _wrap(t._data)
    if t._vc is None:
        t._vc = [0]
    a._vc = t._vc
    a._base = t._base
    return a


class FunctionMeta(type):
    """Gives every Function subclass its node class ``<Name>Backward``."""

    def __init__(cls, name, bases, attrs):
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})
        super().__init__(name, bases, attrs)


class Function(FunctionCtx, metaclass=FunctionMeta):
    """Base class for custom differentiable operations (subclass it; call ``apply``)."""

    generate_vmap_rule = False

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. "
                           "Please use new-style autograd function with static forward method. "
                           "(Example: https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """Compute the outputs from the inputs (runs under no_grad)."""
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Optional (torch 2.x style): fill ctx from inputs/output when forward takes no ctx."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """Gradients w.r.t. every forward input (None for those that need none)."""
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Forward-mode derivative (not supported by ember's engine)."""
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function "
                                  "to use it with forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward and, when an input requires grad, record a node for backward."""
        T = _tensor_cls()
        ctx = cls._backward_cls.__new__(cls._backward_cls)
        grad_on = state.grad_enabled
        needs = tuple(grad_on and isinstance(a, T) and a._rg for a in args)
        ctx.needs_input_grad = needs
        setup = _has_setup_context(cls)
        prev = state.grad_enabled
        state.grad_enabled = False
        try:
            if setup:
                out = cls.forward(*args, **kwargs)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        finally:
            state.grad_enabled = prev
        if setup:
            cls.setup_context(ctx, args, out)
        if not any(needs):
            for t in ctx.__dict__.get("_dirty", ()):
                t._bump_version()
            return out
        return _record(ctx, args, out, T)


def _has_setup_context(cls) -> bool:
    for k in cls.__mro__:
        if "setup_context" in k.__dict__:
            return k is not Function
    return False


def _record(ctx, args, out, T):
    from ..ops.shape import _as_view
    tensor_idx = [i for i, a in enumerate(args) if isinstance(a, T)]
    ctx._tensor_idx = tensor_idx
    ctx._n_args = len(args)
    ctx.next_functions = tuple(_edge(args[i]) for i in tensor_idx)
    ctx._input_meta = tuple((args[i]._data.shape, args[i]._data.dtype) for i in tensor_idx)
    ctx._seq = _next_seq()
    dirty = {id(t) for t in ctx.__dict__.get("_dirty", ())}
    non_diff = {id(t) for t in ctx.__dict__.get("_non_diff", ())}
    input_ids = {id(args[i]) for i in tensor_idx}
    multi = isinstance(out, tuple)
    outs = out if multi else (out,)
    results, metas, produced = [], [], {}
    for i, o in enumerate(outs):
        if not isinstance(o, T):
            results.append(o)
            metas.append(None)
            continue
        diff = id(o) not in non_diff and (o.is_floating_point() or o.is_complex())
        if id(o) in dirty:
            if o._rg and o._grad_fn is None and o._base is None:
                raise RuntimeError("a leaf Variable that requires grad has been used in an in-place "
                                   "operation.")
            o._bump_version()
            t = o
            if diff and o._base is not None:
                from ..ops._inplace import _rebase_view
                src = _alias(o)
                src._base = None
                src._rg = True
                src._grad_fn = ctx
                if i:
                    src._output_nr = i
                _rebase_view(o, src)
                diff = False  # o's grad_fn is now the view-of-rebased-base node
        elif id(o) in input_ids:
            t = _as_view(_alias(o), o)  # returning an input unchanged gives an alias carrying this node
        else:
            t = o
        if diff:
            t._rg = True
            t._grad_fn = ctx
            if i or t._output_nr:
                t._output_nr = i
            if t._base is not None:  # a view whose node is this Function's: current as of now
                t.__dict__["_view_ver"] = t._vc[0]
        elif id(o) not in dirty:
            t._rg = False
            t._grad_fn = None
        metas.append((tuple(o._data.shape), o.dtype))
        produced[id(o)] = t
        results.append(t)
    ctx._n_outputs = len(outs)
    ctx._out_meta = metas
    to_save = ctx.__dict__.pop("_to_save", None)
    if to_save is not None:
        entries = []
        for t in to_save:
            if t is None:
                entries.append((None, 0, None))
            elif id(t) in produced and produced[id(t)]._grad_fn is ctx:
                r = produced[id(t)]
                a = _alias(r)
                if r._output_nr:
                    a._output_nr = r._output_nr
                entries.append((a, a._version, weakref.ref(r)))  # weak: no node<->output cycle
            else:
                entries.append((t, t._version, None))
        ctx._saved_entries = tuple(entries)
        ctx._had_saved = True
    return tuple(results) if multi else results[0]


class InplaceFunction(Function):
    """Legacy base kept for compatibility (forward may run in place)."""

    def __init__(self, inplace: bool = False):
        self.inplace = inplace


class NestedIOFunction(Function):
    """Legacy API (not supported)."""


# ---- once_differentiable -------------------------------------------------------------------------
class _DelayedError(Node):
    """Stands for a once_differentiable backward: differentiating through it raises."""

    def __init__(self, msg, n_outputs):
        self.msg = msg
        self._n_outputs = n_outputs
        self._seq = _next_seq()

    def name(self) -> str:
        return "DelayedError"

    def _fill_none(self, grads):
        return grads

    def _backward(self, grads):
        raise RuntimeError(self.msg)


def once_differentiable(fn):
    """Decorate a backward whose own computation is not differentiable (double backward raises)."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        T = _tensor_cls()
        prev = state.grad_enabled
        state.grad_enabled = False
        try:
            outputs = fn(ctx, *args)
        finally:
            state.grad_enabled = prev
        if not prev:
            return outputs
        grads_rg = [a for a in args if isinstance(a, T) and a._rg]
        if not grads_rg:
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        err = _DelayedError("trying to differentiate twice a function that was marked with "
                            "@once_differentiable", len(outs))
        err.next_functions = tuple(_edge(a) for a in grads_rg)
        wrapped = []
        for i, o in enumerate(outs):
            if isinstance(o, T) and (o.is_floating_point() or o.is_complex()):
                o = _alias(o)
                o._rg = True
                o._grad_fn = err
                if i:
                    o._output_nr = i
            wrapped.append(o)
        return wrapped[0] if single else tuple(wrapped)
    return wrapper


class NestedIOFunction(Function):
    """torch's legacy nested-input Function, kept for the name: torch 2.x cannot run it either
    (its machinery is gone), so using it raises; write an ``autograd.Function`` instead."""

    _MSG = ("NestedIOFunction is a legacy autograd API that cannot run (as in torch 2.x); subclass "
            "torch.autograd.Function with static forward/backward instead")

    def __call__(self, *args, **kwargs):
        raise RuntimeError(self._MSG)

    @classmethod
    def apply(cls, *args, **kwargs):
        raise RuntimeError(cls._MSG)

    def forward_extended(self, *input):
        raise NotImplementedError

    def backward_extended(self, *grad_output):
        raise NotImplementedError
