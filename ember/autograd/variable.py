"""The legacy torch.autograd.Variable: since torch 0.4 every tensor is a Variable."""
from __future__ import annotations


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        from .._tensor import Tensor
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """Variable(data, requires_grad=False): returns data itself as a tensor (legacy spelling)."""

    def __new__(cls, data=None, requires_grad: bool = False, volatile: bool = False):
        from .._tensor import Tensor
        if data is None:
            import ember
            return ember.tensor([])
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        return out.requires_grad_(requires_grad) if requires_grad else out


def variable(*args, **kwargs):
    """Removed legacy constructor: raises, pointing at tensor()."""
    raise RuntimeError("torch.autograd.variable(...) is deprecated, use torch.tensor(...) instead")


class set_multithreading_enabled:
    """Context manager/decorator toggling multithreaded backward (ember's engine runs on the
    calling thread either way, so this only records the setting)."""

    def __init__(self, mode: bool) -> None:
        self.mode = mode

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.mode):
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return self.__class__(self.mode)


class enforce_grad_layout_policy(set_multithreading_enabled):
    """Context manager for torch's gradient-layout contract (ember's accumulated gradients follow
    their parameter's layout regardless)."""

    def __init__(self, enable: bool = True) -> None:
        super().__init__(enable)

