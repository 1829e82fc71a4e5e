"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode (thread-local)."""
from __future__ import annotations

import functools
import threading


class _State(threading.local):
    grad_enabled = True
    inference = False


state = _State()


def is_grad_enabled() -> bool:
    """Whether operations record the graph for autograd in this thread."""
    return state.grad_enabled


def is_inference_mode_enabled() -> bool:
    """Whether inference mode is on in this thread."""
    return state.inference


class _DecoratorContextManager:
    """A context manager that also works as a decorator (one fresh instance per call)."""

    def __call__(self, func):
        if isinstance(func, type):
            raise TypeError("grad mode decorators apply to functions, not classes")

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_DecoratorContextManager):
    """Disable gradient recording inside the block."""

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = state.grad_enabled
        state.grad_enabled = False

    def __exit__(self, *exc) -> None:
        state.grad_enabled = self.prev


class enable_grad(_DecoratorContextManager):
    """Enable gradient recording inside the block."""

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = state.grad_enabled
        state.grad_enabled = True

    def __exit__(self, *exc) -> None:
        state.grad_enabled = self.prev


class set_grad_enabled(_DecoratorContextManager):
    """Set gradient recording on or off; works as a function, context manager or decorator."""

    def __init__(self, mode: bool) -> None:
        self.prev = state.grad_enabled
        self.mode = bool(mode)
        state.grad_enabled = self.mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        state.grad_enabled = self.prev

    def clone(self):
        return self.__class__(self.mode)

    def __call__(self, func):
        # as a decorator the constructor must not leave the mode switched for the caller
        state.grad_enabled = self.prev
        return super().__call__(func)


# How many inference_mode(True) blocks are open in any thread: tensor creation (_tensor._wrap)
# reads this plain list first, and the thread-local flag only while some block is open.
INFERENCE_ACTIVE = [0]
_active_lock = threading.Lock()


class inference_mode(_DecoratorContextManager):
    """Like no_grad, and tensors made inside are inference tensors: they may not be saved for
    backward, changed in place or set to require grad outside inference mode."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode
        self.prev = (True, False)

    def __enter__(self) -> None:
        self.prev = (state.grad_enabled, state.inference)
        if self.mode:
            state.grad_enabled = False
            state.inference = True
            with _active_lock:
                INFERENCE_ACTIVE[0] += 1
        else:  # inference_mode(False) switches inference off and gradients on, as torch's guard
            state.grad_enabled = True
            state.inference = False

    def __exit__(self, *exc) -> None:
        state.grad_enabled, state.inference = self.prev
        if self.mode:
            with _active_lock:
                INFERENCE_ACTIVE[0] -= 1

    def clone(self):
        return self.__class__(self.mode)

    def __call__(self, func=None):
        if isinstance(func, bool):  # @inference_mode(False) style handled by __init__
            return self.__class__(func)
        return super().__call__(func)
