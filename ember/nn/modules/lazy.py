"""Lazy modules (LazyLinear, LazyConv*, LazyBatchNorm*, LazyInstanceNorm*): the input size is taken
from the first input. Until then the parameters are UninitializedParameter placeholders (so an
optimizer can already hold them); the first forward builds the real module, moves its values into
the same parameter objects and turns the module into that class, as torch does."""
from __future__ import annotations

from ..parameter import Parameter, UninitializedParameter
from .batchnorm import (BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d,
                        InstanceNorm3d)
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .module import Module

__all__ = ["LazyModuleMixin", "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d",
           "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d",
           "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d",
           "LazyInstanceNorm3d"]


class LazyModuleMixin:
    """Shared machinery: placeholders now, the real module (cls_to_become) at the first forward."""

    cls_to_become: type = None
    _spatial = None  # spatial dims of conv/norm inputs (an input with one dim fewer is unbatched)

    def _lazy_init(self, args: tuple, kwargs: dict, params: tuple) -> None:
        Module.__init__(self)
        self._lazy_args, self._lazy_kwargs = args, kwargs
        for name in params:
            self.register_parameter(name, UninitializedParameter())
        self._lazy_hook = self.register_forward_pre_hook(LazyModuleMixin._infer_parameters)

    def has_uninitialized_params(self) -> bool:
        """Whether the parameters are still placeholders."""
        return any(isinstance(p, UninitializedParameter) for p in self._parameters.values())

    def _in_size(self, input) -> int:
        if self._spatial is None:
            return input.shape[-1]
        return input.shape[0] if input.dim() == self._spatial + 1 else input.shape[1]

    def initialize_parameters(self, input) -> None:
        """Build the real module for this input and take over its parameters and buffers."""
        real = self.cls_to_become(self._in_size(input), *self._lazy_args, **self._lazy_kwargs)
        for name, p in real._parameters.items():
            mine = self._parameters.get(name)
            if isinstance(mine, UninitializedParameter):
                mine._data = p._data
                mine.__class__ = Parameter
            else:
                self._parameters[name] = p
        for name, b in real._buffers.items():
            self.register_buffer(name, b, persistent=name not in real._non_persistent_buffers_set)
        for k, v in real.__dict__.items():
            if not k.startswith("_") and k not in ("training",):
                self.__dict__[k] = v

    @staticmethod
    def _infer_parameters(module, args) -> None:
        module.initialize_parameters(args[0])
        module._lazy_hook.remove()
        for k in ("_lazy_hook", "_lazy_args", "_lazy_kwargs"):
            module.__dict__.pop(k, None)
        module.__class__ = module.cls_to_become


def _lazy(name, base, params_of, spatial=None, defaults=None):
    """A Lazy<base> class whose constructor takes base's arguments after the first one (with
    ``defaults``: (argument names, default values that differ from base's))."""
    def __init__(self, *args, **kwargs):
        if defaults is not None:
            names, values = defaults
            kwargs = {**values, **dict(zip(names, args)), **kwargs}
            args = ()
        self._lazy_init(args, kwargs, params_of(args, kwargs))
    return type(name, (LazyModuleMixin, base), {"__init__": __init__, "cls_to_become": base,
                                               "_spatial": spatial, "__doc__": f"{base.__name__} whose "
                                               "input size is taken from the first input."})


def _flag(args, kwargs, key, pos, default):
    return kwargs[key] if key in kwargs else (args[pos] if len(args) > pos else default)


def _weight_bias(pos):
    return lambda a, k: ("weight", "bias") if _flag(a, k, "bias", pos, True) else ("weight",)


def _affine(pos, default):
    return lambda a, k: ("weight", "bias") if _flag(a, k, "affine", pos, default) else ()


LazyLinear = _lazy("LazyLinear", Linear, _weight_bias(1))
LazyConv1d = _lazy("LazyConv1d", Conv1d, _weight_bias(6), 1)
LazyConv2d = _lazy("LazyConv2d", Conv2d, _weight_bias(6), 2)
LazyConv3d = _lazy("LazyConv3d", Conv3d, _weight_bias(6), 3)
LazyConvTranspose1d = _lazy("LazyConvTranspose1d", ConvTranspose1d, _weight_bias(6), 1)
LazyConvTranspose2d = _lazy("LazyConvTranspose2d", ConvTranspose2d, _weight_bias(6), 2)
LazyConvTranspose3d = _lazy("LazyConvTranspose3d", ConvTranspose3d, _weight_bias(6), 3)
LazyBatchNorm1d = _lazy("LazyBatchNorm1d", BatchNorm1d, _affine(2, True), 1)
LazyBatchNorm2d = _lazy("LazyBatchNorm2d", BatchNorm2d, _affine(2, True), 2)
LazyBatchNorm3d = _lazy("LazyBatchNorm3d", BatchNorm3d, _affine(2, True), 3)
# torch's lazy instance norms default to affine=True, track_running_stats=True (unlike InstanceNorm)
_INSTANCE = (("eps", "momentum", "affine", "track_running_stats"), {"affine": True, "track_running_stats": True})
LazyInstanceNorm1d = _lazy("LazyInstanceNorm1d", InstanceNorm1d, _affine(2, True), 1, _INSTANCE)
LazyInstanceNorm2d = _lazy("LazyInstanceNorm2d", InstanceNorm2d, _affine(2, True), 2, _INSTANCE)
LazyInstanceNorm3d = _lazy("LazyInstanceNorm3d", InstanceNorm3d, _affine(2, True), 3, _INSTANCE)
