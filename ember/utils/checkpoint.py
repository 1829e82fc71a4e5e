"""torch.utils.checkpoint: activation checkpointing.

ember keeps every activation (there is no recompute pass): ``checkpoint(fn, *args)`` simply runs
``fn(*args)`` with autograd recording as usual, so results and gradients are identical to
torch's; only the memory saving is absent.
"""
from __future__ import annotations

import warnings

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError", "noop_context_fn",
           "set_checkpoint_early_stop", "set_checkpoint_debug_enabled", "detach_variable"]


class CheckpointError(RuntimeError):
    """Raised when a recomputed forward differs from the original (never in ember)."""


def noop_context_fn():
    """The default context_fn: two do-nothing context managers."""
    import contextlib
    return contextlib.nullcontext(), contextlib.nullcontext()


def _warn_reentrant(use_reentrant):
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting "
                      "in PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception. "
                      "use_reentrant=False is recommended, but if you need to preserve the current default "
                      "behavior, you can pass use_reentrant=True. Refer to docs for more details on the "
                      "differences between the two variants.", UserWarning, stacklevel=3)


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn, determinism_check="default",
               debug=False, preserve_rng_state=True, **kwargs):
    """Run function(*args, **kwargs); gradients flow exactly as without checkpointing."""
    _warn_reentrant(use_reentrant)
    if use_reentrant and kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    fwd_ctx, _ = context_fn()
    with fwd_ctx:
        return function(*args, **kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run a Sequential (or list of modules) in `segments` checkpointed chunks."""
    _warn_reentrant(use_reentrant)
    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())
    for f in functions:
        input = f(input)
    return input


def detach_variable(inputs):
    """Detached copies of a tuple of tensors that keep their requires_grad flag."""
    import ember
    if not isinstance(inputs, tuple):
        raise RuntimeError("Only tuple of tensors is supported. Got Unsupported input type: "
                           f"{type(inputs).__name__}")
    out = []
    for inp in inputs:
        if not isinstance(inp, ember.Tensor):
            out.append(inp)
            continue
        x = inp.detach()
        x.requires_grad = inp.requires_grad
        out.append(x)
    return tuple(out)


_early_stop = [True]
_debug = [False]


def set_checkpoint_early_stop(enable: bool):
    """Context manager accepted for compatibility."""
    import contextlib
    prev = _early_stop[0]
    _early_stop[0] = enable

    @contextlib.contextmanager
    def cm():
        try:
            yield
        finally:
            _early_stop[0] = prev
    return cm()


def set_checkpoint_debug_enabled(enabled):
    """Context manager accepted for compatibility."""
    import contextlib
    prev = _debug[0]
    _debug[0] = enabled

    @contextlib.contextmanager
    def cm():
        try:
            yield
        finally:
            _debug[0] = prev
    return cm()
