"""nn.Parameter: a leaf tensor that modules register as a learnable weight."""
from __future__ import annotations

from .._tensor import Tensor, _wrap


class Parameter(Tensor):
    """A Tensor that is a module parameter (requires_grad=True by default)."""

    def __new__(cls, data=None, requires_grad: bool = True):
        if data is None:
            import numpy as np
            from .. import get_default_dtype
            arr = np.zeros((0,), get_default_dtype().np)
        else:
            arr = data._data
        p = Tensor.__new__(cls, arr)
        if data is not None and data._names is not None:
            p._names = data._names
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (_wrap(self._data), self._rg))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        r = type(self)(_wrap(self._data.copy()), self._rg)
        memo[id(self)] = r
        return r


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)


class UninitializedParameter(Parameter):
    """Placeholder for lazy modules (shape decided on first forward)."""


class UninitializedBuffer(Tensor):
    """Placeholder buffer for lazy modules (shape decided on first forward)."""

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None, persistent: bool = True):
        import numpy as np
        from .. import get_default_dtype
        b = Tensor.__new__(cls, np.zeros((0,), (dtype or get_default_dtype()).np))
        b.__dict__["persistent"] = persistent
        return b


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a module attribute."""

    def __new__(cls, data=None, *, persistent: bool = True):
        import numpy as np
        arr = data._data if data is not None else np.zeros((0,), np.float32)
        b = Tensor.__new__(cls, arr)
        b.__dict__["persistent"] = persistent
        return b
