"""torch.amp: ``autocast`` and ``GradScaler``.

ember's ``autocast`` is a documented no-op: it accepts torch's arguments, works as a context
manager and decorator and reports its state through ``torch.is_autocast_enabled`` /
``get_autocast_dtype``, but ops keep computing in their input dtype (float32 stays float32, so
results are at least as accurate as under torch's bfloat16/float16 autocast).

``GradScaler`` is the real algorithm (scale the loss, unscale gradients, skip steps whose
gradients hold inf/NaN, grow or back off the scale). As in torch, asking for a CUDA scaler
without CUDA warns and gives a disabled scaler whose methods pass through.
"""
from __future__ import annotations

import functools
import threading
import warnings

__all__ = ["autocast", "GradScaler", "is_autocast_available", "custom_fwd", "custom_bwd"]

_DEFAULT_DTYPES = {"cpu": "bfloat16", "cuda": "float16", "mps": "float16", "xpu": "bfloat16"}
_local = threading.local()


def _state() -> dict:
    st = getattr(_local, "st", None)
    if st is None:
        import ember
        st = _local.st = {"enabled": {}, "dtype": {d: getattr(ember, n) for d, n in _DEFAULT_DTYPES.items()},
                          "cache": True}
    return st


def _cuda_available() -> bool:
    try:
        import ember
        return bool(ember.cuda.is_available())
    except Exception:
        return False


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast can be enabled for device_type ('cpu' always; 'cuda' when present)."""
    return device_type == "cpu" or (device_type == "cuda" and _cuda_available())


class autocast:
    """Mixed-precision region (accepted and tracked; ember computes in the input dtypes)."""

    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        st = _state()
        self.fast_dtype = dtype if dtype is not None else st["dtype"].get(device_type)
        self._enabled = bool(enabled)
        self._cache_enabled = cache_enabled
        if device_type == "cuda" and enabled and not _cuda_available():
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", UserWarning)
            self._enabled = False
        elif device_type not in ("cpu", "cuda"):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        if device_type == "cpu" and self._enabled and dtype is not None:
            import ember
            if dtype not in (ember.bfloat16, ember.float16):
                warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                              "CPU Autocast only supports dtype of torch.bfloat16, torch.float16 currently.",
                              UserWarning)
                self._enabled = False

    def __enter__(self):
        st = _state()
        self._prev = (st["enabled"].get(self.device, False), st["dtype"].get(self.device), st["cache"])
        st["enabled"][self.device] = self._enabled
        st["dtype"][self.device] = self.fast_dtype
        if self._cache_enabled is not None:
            st["cache"] = bool(self._cache_enabled)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        st = _state()
        st["enabled"][self.device], st["dtype"][self.device], st["cache"] = self._prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with autocast(self.device, self.fast_dtype, self._enabled, self._cache_enabled):
                return func(*args, **kwargs)
        return wrapper


# ---- torch.* autocast state functions ---------------------------------------------------------
def is_autocast_enabled(device_type: str = "cuda") -> bool:
    """Whether autocast is on for device_type (torch's no-argument form asks about CUDA)."""
    return bool(_state()["enabled"].get(device_type, False))


def set_autocast_enabled(device_type, enabled=None) -> None:
    """Turn autocast on/off for a device type (set_autocast_enabled(bool) means CUDA)."""
    if enabled is None:
        device_type, enabled = "cuda", device_type
    _state()["enabled"][device_type] = bool(enabled)


def get_autocast_dtype(device_type: str):
    """The dtype autocast casts to on device_type."""
    return _state()["dtype"].get(device_type)


def set_autocast_dtype(device_type: str, dtype) -> None:
    """Set the dtype autocast uses on device_type."""
    _state()["dtype"][device_type] = dtype


def is_autocast_cpu_enabled() -> bool:
    """Deprecated spelling of is_autocast_enabled('cpu')."""
    return is_autocast_enabled("cpu")


def set_autocast_cpu_enabled(enabled: bool) -> None:
    """Deprecated spelling of set_autocast_enabled('cpu', enabled)."""
    set_autocast_enabled("cpu", enabled)


def get_autocast_cpu_dtype():
    """Deprecated spelling of get_autocast_dtype('cpu')."""
    return get_autocast_dtype("cpu")


def set_autocast_cpu_dtype(dtype) -> None:
    """Deprecated spelling of set_autocast_dtype('cpu', dtype)."""
    set_autocast_dtype("cpu", dtype)


def is_autocast_cache_enabled() -> bool:
    """Whether autocast caches casted weights (recorded only)."""
    return _state()["cache"]


def set_autocast_cache_enabled(enabled: bool) -> None:
    """Enable/disable the autocast weight cache (recorded only)."""
    _state()["cache"] = bool(enabled)


def clear_autocast_cache() -> None:
    """Drop autocast's cast cache (ember keeps none)."""


def custom_fwd(fwd=None, *, device_type: str = "cuda", cast_inputs=None):
    """Decorator for a custom Function's forward under autocast (pass-through in ember)."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    return fwd


def custom_bwd(bwd=None, *, device_type: str = "cuda"):
    """Decorator for a custom Function's backward under autocast (pass-through in ember)."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd


# ---- GradScaler ---------------------------------------------------------------------------------
class GradScaler:
    """Dynamic loss scaling: scale(loss).backward(); step(opt) skips inf/NaN steps; update()."""

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = enabled
        if self._device == "cuda" and enabled and not _cuda_available():
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                          UserWarning)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
        self._init_scale = float(init_scale)
        self._scale = None
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._init_growth_tracker = 0
        self._growth_tracker = None
        self._per_optimizer_states: dict = {}

    def _lazy_init(self):
        import ember
        if self._scale is None:
            self._scale = ember.full((), self._init_scale, dtype=ember.float32, device=self._dev())
            self._growth_tracker = ember.full((), self._init_growth_tracker, dtype=ember.int32, device=self._dev())

    def _dev(self):
        return "cpu" if self._device not in ("cuda",) else "cuda"

    def scale(self, outputs):
        """Multiply a loss (or a nested list/tuple of them) by the current scale."""
        if not self._enabled:
            return outputs
        import ember
        self._lazy_init()
        if isinstance(outputs, ember.Tensor):
            return outputs * self._scale.to(outputs.device)
        if isinstance(outputs, (list, tuple)):
            r = [self.scale(o) for o in outputs]
            return type(outputs)(r) if isinstance(outputs, tuple) else r
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def _state_of(self, optimizer) -> dict:
        return self._per_optimizer_states.setdefault(id(optimizer), {"stage": "ready", "found_inf": False})

    def unscale_(self, optimizer) -> None:
        """Divide the optimizer's gradients by the scale in place and note any inf/NaN."""
        if not self._enabled:
            return
        import ember
        st = self._state_of(optimizer)
        if st["stage"] == "unscaled":
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if st["stage"] == "stepped":
            raise RuntimeError("unscale_() is being called after step().")
        self._lazy_init()
        inv = 1.0 / float(self._scale.item())
        found = False
        with ember.no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    if p.grad.dtype == ember.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    p.grad.mul_(inv)
                    if not bool(ember.isfinite(p.grad).all()):
                        found = True
        st["found_inf"] = found
        st["stage"] = "unscaled"

    def step(self, optimizer, *args, **kwargs):
        """optimizer.step() unless the (unscaled) gradients hold inf/NaN; returns its result."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        st = self._state_of(optimizer)
        if st["stage"] == "stepped":
            raise RuntimeError("step() has already been called since the last update().")
        if st["stage"] == "ready":
            self.unscale_(optimizer)
        retval = None
        if not st["found_inf"]:
            retval = optimizer.step(*args, **kwargs)
        st["stage"] = "stepped"
        return retval

    def update(self, new_scale=None) -> None:
        """Back off the scale after an inf/NaN step, grow it after growth_interval clean steps."""
        if not self._enabled:
            return
        import ember
        self._lazy_init()
        if new_scale is not None:
            v = float(new_scale.item()) if isinstance(new_scale, ember.Tensor) else float(new_scale)
            self._scale.fill_(v)
        else:
            found = any(s["found_inf"] for s in self._per_optimizer_states.values())
            if not self._per_optimizer_states:
                raise AssertionError("No inf checks were recorded prior to update.")
            scale = float(self._scale.item())
            tracker = int(self._growth_tracker.item())
            if found:
                scale *= self._backoff_factor
                tracker = 0
            else:
                tracker += 1
                if tracker == self._growth_interval:
                    scale *= self._growth_factor
                    tracker = 0
            self._scale.fill_(scale)
            self._growth_tracker.fill_(tracker)
        self._per_optimizer_states = {}

    def get_scale(self) -> float:
        """The current scale as a Python float (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else float(self._scale.item())

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = new_interval

    def is_enabled(self) -> bool:
        """Whether scaling is active."""
        return self._enabled

    def state_dict(self) -> dict:
        """scale, growth/backoff factors, growth interval and tracker ({} when disabled)."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._init_growth_tracker if self._growth_tracker is None
                else int(self._growth_tracker.item())}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what state_dict() returned."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._init_growth_tracker = int(state_dict["_growth_tracker"])
        if self._scale is not None:
            self._scale.fill_(self._init_scale)
            self._growth_tracker.fill_(self._init_growth_tracker)
