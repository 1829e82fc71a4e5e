"""Module full backward hooks: identity autograd nodes around a module's inputs and outputs.

The node on the outputs sees the gradients w.r.t. the outputs first (running backward pre-hooks,
which may replace them); the node on the inputs later sees the gradients w.r.t. the inputs and
calls ``hook(module, grad_input, grad_output)``, which may replace grad_input.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import state as _grad_state

__all__ = ["BackwardHook", "BackwardHookFunction"]


class BackwardHookFunction(Function):
    """Identity on its tensor arguments; backward hands the gradients to a callback."""

    @staticmethod
    def forward(ctx, *args, _callback=None):
        ctx.mark_non_differentiable(*[a for a in args if not a.requires_grad])
        ctx._callback = _callback
        ctx._diff = tuple(a.requires_grad for a in args)
        return args

    @staticmethod
    def backward(ctx, *grads):
        grads = tuple(g if d else None for g, d in zip(grads, ctx._diff))
        cb = ctx._callback
        if cb is None:
            return grads
        res = cb(grads)
        return grads if res is None else tuple(res)


def _pack_with_none(indices, values, size) -> tuple:
    res = [None] * size
    for idx, val in zip(indices, values):
        res[idx] = val
    return tuple(res)


def _unpack_none(indices, values) -> tuple:
    return tuple(values[idx] for idx in indices)


class BackwardHook:
    """Wires one module call's full backward (pre-)hooks into the autograd graph."""

    def __init__(self, module, user_hooks, user_pre_hooks) -> None:
        self.module = module
        self.user_hooks = list(user_hooks)
        self.user_pre_hooks = list(user_pre_hooks)
        self.grad_outputs = None
        self.n_outputs = -1
        self.output_tensors_index = None
        self.n_inputs = -1
        self.input_tensors_index = None

    def _apply_on_tensors(self, callback, args):
        tensors_idx = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = [args[i] for i in tensors_idx]
        if not (_grad_state.grad_enabled and any(t.requires_grad for t in tensors)):
            return args, None
        new = BackwardHookFunction.apply(*tensors, _callback=callback)
        if len(new) == 0:
            raise RuntimeError("Cannot set Module backward hook for a Module with no input Tensors.")
        out = list(args)
        for i, v in zip(tensors_idx, new):
            out[i] = v
        return tuple(out), tensors_idx

    def setup_input_hook(self, args):
        """Route the gradients w.r.t. args through the user's full backward hooks."""
        def on_grad_input(grads):
            if self.grad_outputs is None:
                return None  # the module's output did not take part in this backward
            res = _pack_with_none(self.input_tensors_index, grads, self.n_inputs)
            for hook in self.user_hooks:
                out = hook(self.module, res, self.grad_outputs)
                if out is None:
                    continue
                if not isinstance(out, tuple):
                    out = (out,)
                if len(out) != len(res):
                    raise RuntimeError("Backward hook returned an invalid number of grad_input, "
                                       f"got {len(out)}, but expected {len(res)}")
                res = out
            self.grad_outputs = None
            return _unpack_none(self.input_tensors_index, res)

        res, idx = self._apply_on_tensors(on_grad_input, args)
        self.n_inputs = len(args)
        self.input_tensors_index = idx
        return res

    def setup_output_hook(self, args):
        """Capture the gradients w.r.t. the outputs (running backward pre-hooks on them)."""
        def on_grad_output(grads):
            self.grad_outputs = _pack_with_none(self.output_tensors_index, grads, self.n_outputs)
            for hook in self.user_pre_hooks:
                r = hook(self.module, self.grad_outputs)
                if r is None:
                    continue
                if not isinstance(r, tuple):
                    r = (r,)
                if len(r) != len(self.grad_outputs):
                    raise RuntimeError("Backward pre hook returned an invalid number of "
                                       f"grad_output, got {len(r)}, but expected "
                                       f"{len(self.grad_outputs)}")
                self.grad_outputs = r
            new_grads = _unpack_none(self.output_tensors_index, self.grad_outputs)
            if self.input_tensors_index is None:
                if self.user_hooks:
                    import warnings
                    warnings.warn("Full backward hook is firing when gradients are computed with "
                                  "respect to module outputs since no inputs require gradients. See "
                                  "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                                  "#torch.nn.Module.register_full_backward_hook for more details.",
                                  stacklevel=5)
                grad_inputs = _pack_with_none([], [], self.n_inputs)
                for hook in self.user_hooks:
                    res = hook(self.module, grad_inputs, self.grad_outputs)
                    if res is not None and not (isinstance(res, tuple) and
                                                all(el is None for el in res)):
                        raise RuntimeError("Backward hook for Modules where no input requires "
                                           "gradient should always return None or None for all "
                                           "gradients.")
                self.grad_outputs = None
            return new_grads

        is_tuple = isinstance(args, tuple)
        if not is_tuple:
            args = (args,)
        res, idx = self._apply_on_tensors(on_grad_output, args)
        self.n_outputs = len(args)
        self.output_tensors_index = idx
        return res if is_tuple else res[0]
