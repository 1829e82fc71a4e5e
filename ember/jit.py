"""torch.jit stand-ins: ember has no TorchScript compiler, so ``script``/``trace`` return their
argument unchanged (eager Python is what runs), decorators pass functions through, and
``save``/``load`` pickle the module with ``ember.save``/``ember.load`` (not TorchScript archives)."""
from __future__ import annotations

import builtins
import contextlib
import warnings

__all__ = ["script", "trace", "trace_module", "ignore", "unused", "export", "is_scripting", "is_tracing",
           "annotate", "Final", "fork", "wait", "Future", "freeze", "optimize_for_inference", "save", "load",
           "interface", "script_if_tracing", "script_method", "optimized_execution", "fuser",
           "set_fusion_strategy", "enable_onednn_fusion", "onednn_fusion_enabled", "isinstance", "Error",
           "Attribute", "TracerWarning", "ScriptWarning", "strict_fusion", "ScriptModule", "ScriptFunction"]

try:
    from typing import Final  # noqa: F401
except ImportError:  # pragma: no cover
    Final = None


class Error(RuntimeError):
    """torch.jit.Error."""


class TracerWarning(Warning):
    """Warning category torch's tracer uses."""


class ScriptWarning(Warning):
    """Warning category torch's scripting uses."""


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """Returns obj unchanged (ember runs eager Python; there is no TorchScript)."""
    return obj


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-5,
          strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs=True):
    """Returns func (a function or Module) unchanged."""
    return func


def trace_module(mod, inputs, *args, **kwargs):
    """Returns mod unchanged."""
    return mod


def script_if_tracing(fn):
    """Returns fn unchanged."""
    return fn


def script_method(fn):
    """Returns fn unchanged."""
    return fn


def interface(obj):
    """Returns obj unchanged."""
    return obj


def ignore(drop=False, **kwargs):
    """Decorator that leaves a function to Python (always the case in ember)."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    """Decorator marking a function unused by the compiler (no effect)."""
    return fn


def export(fn):
    """Decorator exporting a method to TorchScript (no effect)."""
    return fn


def is_scripting() -> bool:
    """False: code never runs under TorchScript in ember."""
    return False


def is_tracing() -> bool:
    """False: ember never traces."""
    return False


def annotate(the_type, the_value):
    """Type hint for the compiler: returns the_value."""
    return the_value


def Attribute(value, type=None):  # noqa: N802 - torch's name
    """Type hint for a module attribute: returns value."""
    return value


def isinstance(obj, target_type) -> bool:  # noqa: A001 - torch.jit.isinstance
    """Runtime isinstance (container type hints are checked on their origin type)."""
    origin = getattr(target_type, "__origin__", None)
    return builtins.isinstance(obj, origin if origin is not None else target_type)


class Future:
    """A finished computation (torch.jit.fork runs the function immediately in ember)."""

    def __init__(self, value=None):
        self._value = value

    def wait(self):
        """The function's result."""
        return self._value

    def value(self):
        return self._value

    def done(self) -> bool:
        return True


def fork(func, *args, **kwargs) -> Future:
    """Run func(*args, **kwargs) now and return a Future holding the result."""
    return Future(func(*args, **kwargs))


def wait(future):
    """The result of a Future from fork."""
    return future.wait()


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    """Returns mod (there is no graph to freeze)."""
    return mod


def optimize_for_inference(mod, other_methods=None):
    """Returns mod in eval mode."""
    return mod.eval() if hasattr(mod, "eval") else mod


def save(m, f, _extra_files=None) -> None:
    """Pickle the module with ember.save (not a TorchScript archive)."""
    import ember
    ember.save(m, f)


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    """Load what jit.save wrote (a pickled module; only load files you trust)."""
    import ember
    warnings.warn("ember.jit.load unpickles a full module (weights_only=False): only load trusted files.",
                  UserWarning)
    return ember.load(f, map_location=map_location, weights_only=False)


@contextlib.contextmanager
def optimized_execution(should_optimize):
    """Context manager accepted for compatibility."""
    yield


@contextlib.contextmanager
def fuser(name):
    """Context manager accepted for compatibility."""
    yield


@contextlib.contextmanager
def strict_fusion():
    """Context manager accepted for compatibility."""
    yield


def set_fusion_strategy(strategy):
    """Accepted for compatibility; returns the previous (empty) strategy."""
    return []


_onednn = [False]


def enable_onednn_fusion(enabled: bool) -> None:
    """Accepted for compatibility."""
    _onednn[0] = bool(enabled)


def onednn_fusion_enabled() -> bool:
    return _onednn[0]


def __getattr__(name):
    if name == "ScriptModule":
        from .nn import Module
        return Module
    if name == "ScriptFunction":
        import types
        return types.FunctionType
    raise AttributeError(f"module 'ember.jit' has no attribute '{name}'")
