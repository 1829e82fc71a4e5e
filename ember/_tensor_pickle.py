"""Plain pickling of tensors (pickle.dumps / copy / multiprocessing): data as a NumPy array."""
from __future__ import annotations

import numpy as np


def reduce_tensor(t):
    """(rebuild, args) for a Tensor: its values, requires_grad, names and class."""
    data = t._data if isinstance(t._data, np.ndarray) else t._data.get()
    return (_rebuild, (type(t), np.ascontiguousarray(data), t._rg, t._names))


def _rebuild(cls, data, requires_grad, names):
    from ._tensor import Tensor, _wrap
    if cls is Tensor:
        t = _wrap(data)
    else:
        from .nn.parameter import Parameter
        t = Parameter(_wrap(data), requires_grad) if issubclass(cls, Parameter) else \
            Tensor.__new__(cls, data)
    if requires_grad and not t._rg:
        t.requires_grad_(True)
    if names is not None:
        t._names = names
    return t
