"""ember.autograd: backward, grad, grad modes, custom Functions (torch.autograd's API)."""
from __future__ import annotations

from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                        no_grad, set_grad_enabled)
from .graph import Node, run_backward
from . import graph


def _make_grads(outputs, grad_outputs, is_grads_batched=False):
    from ..ops.creation import ones_like
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if out.requires_grad:
                if out.numel() != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if not out.is_floating_point():
                    raise RuntimeError("grad can be implicitly created only for real scalar outputs but "
                                       f"got {out.dtype}")
                g = ones_like(out)
        else:
            from .._tensor import Tensor
            if not isinstance(g, Tensor):
                from ..ops.creation import tensor
                g = tensor(g, dtype=out.dtype)
            if g.shape != out.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                                   f"output[{i}] has a shape of {out.shape}.")
            if g.dtype is not out.dtype and (out.is_floating_point() or out.is_complex()):
                g = g.to(out.dtype)  # torch's engine validates gradients to the output's dtype
        grads.append(g)
    return grads


def _as_tuple(x):
    from .._tensor import Tensor
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None) -> None:
    """Accumulate gradients of tensors w.r.t. graph leaves into their ``.grad``."""
    if grad_tensors is None and inputs is None and not create_graph and \
            _fast_scalar_backward(tensors, retain_graph):
        return
    tensors = _as_tuple(tensors)
    if grad_tensors is None:
        grad_tensors = (None,) * len(tensors)
    else:
        grad_tensors = _as_tuple(grad_tensors) if not isinstance(grad_tensors, (list, tuple)) else \
            tuple(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    inputs = _as_tuple(inputs)
    if inputs is not None and len(inputs) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    for i, t in enumerate(tensors):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    if create_graph and inputs is None:
        import warnings
        warnings.warn("Using backward() with create_graph=True will create a reference cycle between the "
                      "parameter and its gradient which can cause a memory leak. We recommend using "
                      "autograd.grad when creating the graph to avoid this. If you have to use this "
                      "function, make sure to reset the .grad fields of your parameters to None after "
                      "use to break the cycle and avoid the leak.", UserWarning, stacklevel=3)
    grads = _make_grads(tensors, grad_tensors)
    roots = []
    for t in tensors:
        if t.grad_fn is not None:
            roots.append((t.grad_fn, t._output_nr))
        else:
            roots.append((graph.grad_accumulator(t), 0))
    run_backward(roots, grads, retain_graph, create_graph, inputs=inputs)


_Tensor = _wrap = _xp = None


def _fast_scalar_backward(t, retain_graph) -> bool:
    """``loss.backward()`` on one real floating scalar: the per-step path of every training loop,
    without the general argument handling. False (nothing done) when the general path is needed."""
    global _Tensor, _wrap, _xp
    if _Tensor is None:  # ember._tensor imports this package, so bind its names on first use
        from .._tensor import Tensor as _Tensor, _wrap
        from .._device import array_module as _xp
    if not isinstance(t, _Tensor) or not t._rg:
        return False
    d = t._data
    if d.size != 1 or not t.is_floating_point():
        return False
    g = _wrap(_xp(d).ones(d.shape, d.dtype))
    fn = t.grad_fn
    root = (fn, t._output_nr) if fn is not None else (graph.grad_accumulator(t), 0)
    run_backward([root], [g], bool(retain_graph), False)
    return True


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of outputs w.r.t. inputs (returned, not accumulated)."""
    outputs = _as_tuple(outputs)
    single = not isinstance(inputs, (list, tuple))
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    for i, t in enumerate(outputs):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _make_grads(outputs, grad_outputs)
    roots = [(t.grad_fn, t._output_nr) if t.grad_fn is not None else (graph.grad_accumulator(t), 0)
             for t in outputs]
    res = run_backward(roots, grads, retain_graph, create_graph, inputs=inputs, capture=True,
                       allow_unused=allow_unused)
    if materialize_grads:
        from ..ops.creation import zeros_like
        res = tuple(zeros_like(i) if r is None else r for r, i in zip(res, inputs))
    return res


_LAZY = {"Function": "function", "FunctionCtx": "function", "once_differentiable": "function",
         "NestedIOFunction": "function",
         "functional": None, "function": None, "gradcheck": "gradcheck", "gradgradcheck": "gradcheck",
         "GradcheckError": "gradcheck"}


def __getattr__(name: str):
    # Custom Functions, autograd.functional and gradcheck load on first use (start-up time).
    if name in _LAZY:
        import importlib
        sub = _LAZY[name]
        mod = importlib.import_module(f"{__name__}.{sub or name}")
        obj = mod if sub is None else getattr(mod, name)
        globals()[name] = obj
        return obj
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


from .anomaly_mode import (detect_anomaly, set_detect_anomaly, is_anomaly_enabled,  # noqa: E402
                           is_anomaly_check_nan_enabled)
from .variable import Variable, variable, set_multithreading_enabled, enforce_grad_layout_policy  # noqa: E402

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "Function", "gradcheck", "gradgradcheck", "functional", "graph",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "Variable", "variable",
           "set_multithreading_enabled", "enforce_grad_layout_policy", "NestedIOFunction"]
