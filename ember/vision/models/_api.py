"""Weights enums, the model registry and the legacy ``pretrained=`` interface (torchvision.models._api)."""
from __future__ import annotations

import functools
import inspect
import warnings
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, Dict, List, Optional, Type, TypeVar, Union

from ... import hub

__all__ = ["WeightsEnum", "Weights", "get_model", "get_model_builder", "get_model_weights", "get_weight",
           "list_models", "register_model"]


@dataclass
class Weights:
    """A checkpoint: where it lives, the preprocessing it expects and its metadata."""

    url: str
    transforms: Callable
    meta: Dict[str, Any]

    def __eq__(self, other: Any) -> bool:
        # partial objects compare by identity; compare what they build instead.
        if not isinstance(other, Weights):
            return NotImplemented
        if self.url != other.url or self.meta != other.meta:
            return False
        a, b = self.transforms, other.transforms
        if isinstance(a, functools.partial) and isinstance(b, functools.partial):
            return a.func == b.func and a.args == b.args and a.keywords == b.keywords
        return a == b


class WeightsEnum(Enum):
    """Base of the per-model weights enums (``ResNet50_Weights.IMAGENET1K_V2`` ...)."""

    @classmethod
    def verify(cls, obj: Any) -> Any:
        """Turn ``obj`` (member, member name or None) into a member of this enum."""
        if obj is not None:
            if type(obj) is str:
                obj = cls[obj.replace(cls.__name__ + ".", "")]
            elif not isinstance(obj, cls):
                raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                                f"{obj.__class__.__name__}.")
        return obj

    def get_state_dict(self, *args: Any, **kwargs: Any) -> Dict[str, Any]:
        """Download (or read from the hub cache) and load this checkpoint's state_dict."""
        return hub.load_state_dict_from_url(self.url, *args, **kwargs)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self) -> str:
        return self.value.url

    @property
    def transforms(self) -> Callable:
        return self.value.transforms

    @property
    def meta(self) -> Dict[str, Any]:
        return self.value.meta


def get_weight(name: str) -> WeightsEnum:
    """The weights enum member named like ``"ResNet50_Weights.IMAGENET1K_V1"``."""
    try:
        enum_name, value_name = name.split(".")
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.")
    for fn in BUILTIN_MODELS.values():
        w = _get_enum_from_fn(fn)
        if w.__name__ == enum_name:
            return w[value_name]
    raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be retrieved.")


def _get_enum_from_fn(fn: Callable) -> Type[WeightsEnum]:
    enum = getattr(fn, "_weights_enum", None)
    if enum is not None:
        return enum
    base = inspect.unwrap(fn)
    ann = inspect.signature(base).parameters["weights"].annotation
    if isinstance(ann, str):
        # ``Optional[ResNet50_Weights]`` under postponed evaluation of annotations.
        ann = base.__globals__[ann.split("[")[-1].rstrip("]")]
    if not (isinstance(ann, type) and issubclass(ann, WeightsEnum)):
        raise ValueError("The WeightsEnum class for the specific method couldn't be retrieved. Make sure the "
                         "typing info is correct.")
    return ann


def get_model_weights(name: Union[Callable, str]) -> Type[WeightsEnum]:
    """The weights enum class of a model (by builder or by name)."""
    model = get_model_builder(name) if isinstance(name, str) else name
    return _get_enum_from_fn(model)


M = TypeVar("M")
BUILTIN_MODELS: Dict[str, Callable[..., Any]] = {}


def register_model(name: Optional[str] = None) -> Callable[[Callable[..., M]], Callable[..., M]]:
    """Decorator: add a model builder to the registry ``list_models``/``get_model`` read."""
    def wrapper(fn: Callable[..., M]) -> Callable[..., M]:
        key = name if name is not None else fn.__name__
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        return fn
    return wrapper


def list_models(module=None, include=None, exclude=None) -> List[str]:
    """Sorted names of the registered models (filtered by module and fnmatch patterns)."""
    import fnmatch
    models = [k for k, v in BUILTIN_MODELS.items()
              if module is None or v.__module__.rsplit(".", 1)[0] == module.__name__]
    if include:
        inc = [include] if isinstance(include, str) else include
        models = [m for m in models if any(fnmatch.fnmatch(m, p) for p in inc)]
    if exclude:
        exc = [exclude] if isinstance(exclude, str) else exclude
        models = [m for m in models if not any(fnmatch.fnmatch(m, p) for p in exc)]
    return sorted(models)


def get_model_builder(name: str) -> Callable[..., Any]:
    """The builder function registered under ``name``."""
    name = name.lower()
    try:
        return BUILTIN_MODELS[name]
    except KeyError:
        raise ValueError(f"Unknown model {name}")


def get_model(name: str, **config: Any) -> Any:
    """Build the registered model ``name`` with keyword arguments ``config``."""
    return get_model_builder(name)(**config)


# ---------------------------------------------------------------- builder helpers

def _ovewrite_named_param(kwargs: Dict[str, Any], param: str, new_value: Any) -> None:
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(f"The parameter '{param}' expected value {new_value} but got {kwargs[param]} "
                             f"instead.")
    else:
        kwargs[param] = new_value


def handle_legacy_interface(**weights: Any) -> Callable:
    """Accept the pre-0.13 ``pretrained=True`` argument (keyword or first positional) as torchvision does."""
    def outer(builder: Callable) -> Callable:
        @functools.wraps(builder)
        def inner(*args: Any, **kwargs: Any) -> Any:
            if args:
                # Builders are keyword-only; positional arguments fill weights, progress, ... in order.
                names = [n for n, p in inspect.signature(builder).parameters.items()
                         if p.kind is p.KEYWORD_ONLY]
                if len(args) > len(names):
                    raise TypeError(f"{builder.__name__}() takes {len(names)} positional arguments but "
                                    f"{len(args)} were given")
                warnings.warn(f"Using {', '.join(repr(n) for n in names[:len(args)])} as positional "
                              f"parameter(s) is deprecated since 0.13 and may be removed in the future. "
                              f"Please use keyword parameter(s) instead.")
                kwargs.update(zip(names, args))
            for weights_param, (pretrained_param, default) in weights.items():
                sentinel = object()
                weights_arg = kwargs.get(weights_param, sentinel)
                if ((weights_param not in kwargs and pretrained_param not in kwargs)
                        or isinstance(weights_arg, WeightsEnum)
                        or (isinstance(weights_arg, str) and weights_arg != "legacy")
                        or weights_arg is None):
                    continue
                pretrained_positional = weights_arg is not sentinel
                if pretrained_positional:
                    kwargs[pretrained_param] = pretrained_arg = kwargs.pop(weights_param)
                else:
                    pretrained_arg = kwargs[pretrained_param]
                if pretrained_param in kwargs and not pretrained_positional:
                    warnings.warn(f"The parameter '{pretrained_param}' is deprecated since 0.13 and may be "
                                  f"removed in the future, please use '{weights_param}' instead.")
                kwargs.pop(pretrained_param, None)
                default_weights_arg = default(kwargs) if callable(default) else default
                if pretrained_arg:
                    msg = (f"Arguments other than a weight enum or `None` for '{weights_param}' are deprecated "
                           f"since 0.13 and may be removed in the future. The current behavior is equivalent "
                           f"to passing `{weights_param}={default_weights_arg}`. You can also use "
                           f"`{weights_param}={type(default_weights_arg).__name__}.DEFAULT` to get the "
                           f"most up-to-date weights.")
                else:
                    msg = (f"Arguments other than a weight enum or `None` for '{weights_param}' are deprecated "
                           f"since 0.13 and may be removed in the future. The current behavior is equivalent "
                           f"to passing `{weights_param}=None`.")
                warnings.warn(msg)
                kwargs[weights_param] = default_weights_arg if pretrained_arg else None
            return builder(**kwargs)
        return inner
    return outer
