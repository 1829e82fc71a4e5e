"""torch.nn.utils.parametrize: a module attribute computed from "original" tensors on every access.

``register_parametrization(m, "weight", P)`` moves ``m.weight`` to
``m.parametrizations.weight.original`` (or ``original0``, ``original1`` ... when ``P.right_inverse``
returns several tensors), swaps m's class for a subclass ``Parametrized<Class>`` whose ``weight``
property returns ``P(original)``, and so gives the state_dict keys torch writes.
"""
from __future__ import annotations

import contextlib

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ..modules.container import ModuleDict, ModuleList
from ..parameter import Parameter

__all__ = ["register_parametrization", "remove_parametrizations", "is_parametrized", "cached",
           "ParametrizationList", "type_before_parametrizations", "transfer_parametrizations_and_params"]

_cache_enabled = 0
_cache: dict = {}


@contextlib.contextmanager
def cached():
    """Within this block each parametrized tensor is computed once and reused."""
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the original tensor(s)."""

    def __init__(self, modules, original, unsafe: bool = False) -> None:
        super().__init__(modules)
        self.unsafe = unsafe
        first = modules[0]
        new = first.right_inverse(original) if hasattr(first, "right_inverse") else original
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            with no_grad():
                if new is not original:
                    original.data = new.detach() if isinstance(new, Tensor) else new
            self.register_parameter("original", original if isinstance(original, Parameter)
                                    else Parameter(original, original.requires_grad))
        else:
            for i, t in enumerate(new):
                self.register_parameter(f"original{i}", Parameter(t.detach(), original.requires_grad))

    def right_inverse(self, value) -> None:
        """Set the originals so that the parametrized tensor equals value."""
        with no_grad():
            for module in reversed(list(self)[1:]):
                value = module.right_inverse(value) if hasattr(module, "right_inverse") else value
            first = self[0]
            new = first.right_inverse(value) if hasattr(first, "right_inverse") else value
            if self.is_tensor:
                self.original.copy_(new)
            else:
                for i, t in enumerate(new):
                    getattr(self, f"original{i}").copy_(t)

    def forward(self):
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in list(self)[1:]:
            x = module(x)
        return x


def _property(name):
    def get(self):
        plist = self.parametrizations[name]
        if _cache_enabled:
            key = (id(self), name)
            if key not in _cache:
                _cache[key] = plist()
            return _cache[key]
        return plist()

    def set_(self, value):
        self.parametrizations[name].right_inverse(value)
    return property(get, set_)


def register_parametrization(module, tensor_name: str, parametrization, *, unsafe: bool = False):
    """Make module.<tensor_name> the result of parametrization applied to its original value."""
    if is_parametrized(module, tensor_name):
        module.parametrizations[tensor_name].append(parametrization)
        return module
    if tensor_name in module._parameters:
        original = module._parameters.pop(tensor_name)
    elif tensor_name in module._buffers:
        original = module._buffers.pop(tensor_name)
    else:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized "
                         f"element with name '{tensor_name}'")
    if not is_parametrized(module):
        cls = module.__class__
        module.__class__ = type("Parametrized" + cls.__name__, (cls,), {"_unparametrized": cls})
        module.parametrizations = ModuleDict()
    module.parametrizations[tensor_name] = ParametrizationList([parametrization], original, unsafe)
    setattr(module.__class__, tensor_name, _property(tensor_name))
    return module


def is_parametrized(module, tensor_name: str | None = None) -> bool:
    """Whether module (or its tensor_name) has parametrizations."""
    p = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(p, ModuleDict):
        return False
    return len(p) > 0 if tensor_name is None else tensor_name in p


def type_before_parametrizations(module) -> type:
    """The module's class without the Parametrized<Class> wrapper."""
    return module.__class__._unparametrized if is_parametrized(module) else module.__class__


def remove_parametrizations(module, tensor_name: str, leave_parametrized: bool = True):
    """Turn module.<tensor_name> back into a plain parameter: its current value, or (with
    leave_parametrized=False) its single original tensor."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if leave_parametrized:
        with no_grad():
            value = getattr(module, tensor_name)
        if plist.is_tensor:  # torch keeps the original Parameter object, now holding the value
            new = plist.original
            with no_grad():
                if tuple(new.shape) == tuple(value.shape) and new.dtype is value.dtype:
                    new.copy_(value)
                else:
                    new.data = value.detach()
        else:
            new = Parameter(value.detach(), value.requires_grad)
    else:
        if not plist.is_tensor:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is "
                             "parametrized in terms of a sequence of tensors.")
        new = plist.original
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    module.register_parameter(tensor_name, new if isinstance(new, Parameter) else Parameter(new))
    if not module.parametrizations:
        delattr(module, "parametrizations")
        module.__class__ = module.__class__._unparametrized
    return module


def transfer_parametrizations_and_params(from_module, to_module, tensor_name: str | None = None):
    """Copy from_module's parametrizations (and their originals) onto to_module."""
    names = [tensor_name] if tensor_name is not None else list(from_module.parametrizations)
    for name in names:
        plist = from_module.parametrizations[name]
        if not is_parametrized(to_module, name):
            if name not in to_module._parameters:
                to_module.register_parameter(name, Parameter(getattr(from_module, name).detach()))
            register_parametrization(to_module, name, plist[0], unsafe=plist.unsafe)
            for p in list(plist)[1:]:
                register_parametrization(to_module, name, p, unsafe=plist.unsafe)
        dst = to_module.parametrizations[name]
        with no_grad():
            if plist.is_tensor:
                dst.original.copy_(plist.original)
            else:
                for i in range(plist.ntensors):
                    getattr(dst, f"original{i}").copy_(getattr(plist, f"original{i}"))
    return to_module
