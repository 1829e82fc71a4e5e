"""Padding layers: reflection, replication, zero, constant, circular."""
from __future__ import annotations

from .. import functional as F
from .module import Module


def _pad_tuple(padding, n):
    if isinstance(padding, int):
        return (padding,) * (2 * n)
    return tuple(padding)


class _PadNd(Module):
    _mode = "constant"
    _n = 2

    def __init__(self, padding, value: float = 0.0):
        super().__init__()
        self.padding = _pad_tuple(padding, self._n)
        if self._mode == "constant":
            self.value = value

    def forward(self, input):
        if self._mode == "constant":
            return F.pad(input, self.padding, "constant", self.value)
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        if self._mode == "constant" and type(self).__name__.startswith("Constant"):
            return f"padding={self.padding}, value={self.value}"
        return f"{self.padding}"


def _mk(name, mode, n, doc=""):
    return type(name, (_PadNd,), {"_mode": mode, "_n": n, "__doc__": doc or f"{mode} padding ({n}-D)."})


ReflectionPad1d = _mk("ReflectionPad1d", "reflect", 1)
ReflectionPad2d = _mk("ReflectionPad2d", "reflect", 2, "Pad by reflecting the input at its border.")
ReflectionPad3d = _mk("ReflectionPad3d", "reflect", 3)
ReplicationPad1d = _mk("ReplicationPad1d", "replicate", 1)
ReplicationPad2d = _mk("ReplicationPad2d", "replicate", 2)
ReplicationPad3d = _mk("ReplicationPad3d", "replicate", 3)
CircularPad1d = _mk("CircularPad1d", "circular", 1)
CircularPad2d = _mk("CircularPad2d", "circular", 2)
CircularPad3d = _mk("CircularPad3d", "circular", 3)
ConstantPad1d = _mk("ConstantPad1d", "constant", 1)
ConstantPad2d = _mk("ConstantPad2d", "constant", 2)
ConstantPad3d = _mk("ConstantPad3d", "constant", 3)


class ZeroPad1d(ConstantPad1d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"
