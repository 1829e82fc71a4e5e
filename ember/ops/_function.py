"""How an op is defined: ``forward`` on backend arrays, ``backward`` in ember ops, side by side.

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):                 # x: backend array (numpy / cupy)
            y = xp(x).exp(x)
            return y
        save_output = True                   # backward may read ctx.output

        @staticmethod
        def backward(ctx, grad):             # grad: ember Tensor
            return grad * ctx.output

``Exp.apply(t)`` runs forward on ``t._data`` and, when grad mode is on and an input requires grad,
records a node whose ``next_functions`` point at the inputs' nodes. Because backward is written in
ember ops, running it with grad mode on (``create_graph=True``) records a graph of its own: higher
order gradients come for free. Declaring ``save = (0, 1)`` keeps those inputs (version-checked) for
backward as ``ctx.saved_tensors``; ``save_output = True`` keeps the output as ``ctx.output``
(``"all"``: every output, as ``ctx.outputs``).
"""
from __future__ import annotations

import itertools
import weakref

from .._device import array_module as xp
from .._dtype import from_np
from .._tensor import Tensor, _wrap
from ..autograd.graph import FREED_MSG, Node, grad_accumulator, refresh_view_grad_fn, version_error
from ..autograd.grad_mode import state

_counter = itertools.count()
__all__ = ["Function", "xp", "sum_to_shape"]


class Function(Node):
    """Base of every built-in differentiable op; see the module docstring."""

    save: tuple = ()
    save_output = False
    _n_outputs = 1
    differentiable_outputs = None  # None: all floating/complex outputs are differentiable
    _custom_name = False  # name() is computed per node: the node's class is renamed in _record

    def __init_subclass__(cls, **kwargs):
        # type(t.grad_fn).__name__ is the node's torch name (AddBackward0), as in torch: classes
        # using the default name() are renamed here, the others per node (see _named_class)
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__ or any("name" in b.__dict__ for b in cls.__mro__[1:]
                                          if b not in (Function, Node, object)):
            cls._custom_name = True
            return
        n = cls.__name__
        if not (n.endswith(("Backward0", "Backward1", "Grad")) or n[-1].isdigit()):
            n = n.lstrip("_") + "Backward0"
        if n.isidentifier():
            cls.__name__ = cls.__qualname__ = n

    @staticmethod
    def forward(ctx, *arrays, **params):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def output(self):
        """The op's output for backward: the live tensor when differentiating twice."""
        if self._freed:
            raise RuntimeError(FREED_MSG)
        ref = self._outputs
        if ref is not None and ref[0]._vc[0] != 0:
            raise RuntimeError(version_error(ref[0], self, 0))
        if state.grad_enabled and ref is not None:
            t = ref[1]()
            if t is None:  # output dropped by the user: re-attach it to this node for double backward
                t = _wrap(ref[0]._data)
                t._vc, t._rg, t._grad_fn = ref[0]._vc, True, self
            return t
        return ref[0] if ref is not None else None

    @property
    def outputs(self) -> tuple:
        """All outputs for backward (``save_output = "all"``), live when differentiating twice."""
        if self._freed:
            raise RuntimeError(FREED_MSG)
        res = []
        for i, (det, ref) in enumerate(self._outputs_all):
            if det._vc[0] != 0:
                raise RuntimeError(version_error(det, self, i))
            if not state.grad_enabled:
                res.append(det)
                continue
            t = ref()
            if t is None:  # dropped by the user: re-attach it to this node
                t = _wrap(det._data)
                t._vc, t._rg, t._grad_fn = det._vc, True, self
                if i:
                    t._output_nr = i
            res.append(t)
        return tuple(res)

    def _fill_none(self, grads):
        from . import creation
        metas = self.__dict__.get("_out_meta")
        out = []
        for i, g in enumerate(grads):
            if g is None and metas is not None and i < len(metas):
                shape, dt = metas[i]
                if dt.is_floating_point or dt.is_complex:
                    g = creation.zeros(shape, dtype=dt)
            out.append(g)
        return tuple(out)

    @classmethod
    def apply(cls, *tensors, **params):
        """Run the op on tensors (positional) with non-tensor params (keywords)."""
        ctx = _new(cls)
        if len(tensors) == 1:
            t = tensors[0]
            out = cls.forward(ctx, t._data, **params)
            if t._rg and state.grad_enabled:
                return _record(ctx, cls, tensors, out)
        else:
            out = cls.forward(ctx, *[t._data for t in tensors], **params)
            if state.grad_enabled:
                for t in tensors:
                    if t._rg:
                        return _record(ctx, cls, tensors, out)
        if out.__class__ is tuple:
            return tuple(_wrap(o) for o in out)
        return _wrap(out)


def _edge(t):
    if not t._rg:
        return _NO_EDGE
    fn = t._grad_fn
    if t._base is not None and t.__dict__.get("_view_ver") != t._vc[0]:
        fn = refresh_view_grad_fn(t)
    if fn is not None:
        return (fn, t._output_nr)
    return (grad_accumulator(t), 0)


_NO_EDGE = (None, 0)
_NEEDS1, _NEEDS0 = (True,), (False,)
_new = object.__new__
_DIFFERENTIABLE = {}  # numpy dtype -> whether outputs of that dtype carry gradients
_INFERENCE_SAVED = ("Inference tensors cannot be saved for backward. Please do not use Tensors created in "
                    "inference mode in computation tracked by autograd. To work around this, you can make a "
                    "clone to get a normal tensor and use it in autograd, or use `torch.no_grad()` instead "
                    "of `torch.inference_mode()`.")


def _is_diff(npdt) -> bool:
    r = _DIFFERENTIABLE.get(npdt)
    if r is None:
        dt = from_np(npdt)
        r = _DIFFERENTIABLE[npdt] = dt.is_floating_point or dt.is_complex
    return r


_named_classes: dict = {}


def _named_class(cls, name: str):
    """A subclass of cls called ``name`` (cached): a node whose name() depends on its call (Mean
    with or without dims, ReLU's fused kernel, ...) gets the class torch's node would have."""
    key = (cls, name)
    sub = _named_classes.get(key)
    if sub is None:
        if name == cls.__name__ or not name.isidentifier():
            sub = cls
        else:
            sub = type(name, (cls,), {"__module__": cls.__module__, "__qualname__": name, "_node_base": cls})
        _named_classes[key] = sub
    return sub


def _record(ctx, cls, tensors, out):
    """Make ctx the graph node of this call and attach it to the outputs (see module docstring)."""
    d = ctx.__dict__  # plain dict stores: cheaper than attribute stores on the node
    if len(tensors) == 1:  # unary ops: no lists to build
        t = tensors[0]
        a = t._data
        if t._rg:
            fn = t._grad_fn
            if t._base is not None and t.__dict__.get("_view_ver") != t._vc[0]:
                fn = refresh_view_grad_fn(t)
            d["next_functions"] = ((fn, t._output_nr) if fn is not None else (grad_accumulator(t), 0),)
            d["needs_input_grad"] = _NEEDS1
        else:
            d["next_functions"] = (_NO_EDGE,)
            d["needs_input_grad"] = _NEEDS0
        d["_input_meta"] = ((a.shape, a.dtype),)
    else:
        edges = []
        meta = []
        needs = []
        for t in tensors:
            if t._rg:
                fn = t._grad_fn
                if t._base is not None and t.__dict__.get("_view_ver") != t._vc[0]:
                    fn = refresh_view_grad_fn(t)
                edges.append((fn, t._output_nr) if fn is not None else (grad_accumulator(t), 0))
                needs.append(True)
            else:
                edges.append(_NO_EDGE)
                needs.append(False)
            a = t._data
            meta.append((a.shape, a.dtype))
        d["next_functions"] = tuple(edges)
        d["_input_meta"] = meta
        d["needs_input_grad"] = tuple(needs)
    d["_seq"] = next(_counter)
    if cls._custom_name:
        ctx.__class__ = _named_class(cls, ctx.name())
    save = cls.save
    if save:
        saved = []
        for i in save:
            s = tensors[i]
            if s._inference:
                raise RuntimeError(_INFERENCE_SAVED)
            vc = s._vc
            saved.append((s, vc[0] if vc is not None else 0))
        d["_saved"] = tuple(saved)
        d["_had_saved"] = True
    if out.__class__ is not tuple:
        t = _wrap(out)
        o = t._data
        dt = o.dtype
        if dt.kind == "f" or _is_diff(dt):
            t._rg = True
            t._grad_fn = ctx
        if cls.save_output:
            det = _wrap(o)
            det._vc = t._vc = [0]
            d["_outputs"] = (det, weakref.ref(t))
        return t
    results = []
    metas = []
    diff = cls.differentiable_outputs
    for i, o in enumerate(out):
        t = _wrap(o)
        o = t._data
        dt = from_np(o.dtype)
        metas.append((o.shape, dt))
        if (diff is None or i in diff) and (dt.is_floating_point or dt.is_complex):
            t._rg = True
            t._grad_fn = ctx
            if i:
                t._output_nr = i
        results.append(t)
    ctx._n_outputs = len(out)
    ctx._out_meta = metas
    if cls.save_output == "all":
        saved = []
        for r in results:
            det = _wrap(r._data)
            det._vc = r._vc = [0]
            saved.append((det, weakref.ref(r)))
        ctx._outputs_all = tuple(saved)
    elif cls.save_output:
        r0 = results[0]
        det = _wrap(r0._data)
        det._vc = r0._vc = [0]
        ctx._outputs = (det, weakref.ref(r0))
    return tuple(results)


def sum_to_shape(g: Tensor, shape: tuple) -> Tensor:
    """Sum a broadcast gradient back down to ``shape`` (differentiable)."""
    if g.shape == shape:
        return g
    nd = g.dim() - len(shape)
    dims = list(range(nd))
    for i, s in enumerate(shape):
        if s == 1 and g.shape[nd + i] != 1:
            dims.append(nd + i)
    if dims:
        g = g.sum(dim=dims, keepdim=True)
    if nd:
        g = g.reshape(shape)
    elif g.shape != shape:
        g = g.reshape(shape)
    return g
