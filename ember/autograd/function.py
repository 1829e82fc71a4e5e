"""Custom differentiable ops: ``class MyOp(autograd.Function)`` with forward(ctx, ...)/backward(ctx, ...).

(Placeholder: the full implementation is in progress.)"""
from __future__ import annotations


class FunctionCtx:
    pass


class Function:
    pass


def once_differentiable(fn):
    return fn
