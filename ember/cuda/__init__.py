"""ember.cuda: CUDA devices through CuPy (when installed and a GPU is visible)."""
from __future__ import annotations

from .._device import _get_cupy


def is_available() -> bool:
    """Whether a CUDA device can be used (CuPy installed and a GPU visible)."""
    return _get_cupy() is not None


def _cp():
    cp = _get_cupy()
    if cp is None:
        raise RuntimeError("Torch not compiled with CUDA enabled: ember found no CUDA device "
                           "(CuPy is not installed or sees no GPU)")
    return cp


def device_count() -> int:
    """Number of visible CUDA devices (0 without CuPy/GPU)."""
    cp = _get_cupy()
    return 0 if cp is None else cp.cuda.runtime.getDeviceCount()


def current_device() -> int:
    return _cp().cuda.Device().id


def set_device(device) -> None:
    from .._device import device as _dev
    idx = device if isinstance(device, int) else _dev(device).index or 0
    _cp().cuda.Device(idx).use()


def synchronize(device=None) -> None:
    _cp().cuda.Device().synchronize()


def get_device_name(device=None) -> str:
    cp = _cp()
    idx = 0 if device is None else (device if isinstance(device, int) else device.index or 0)
    return cp.cuda.runtime.getDeviceProperties(idx)["name"].decode()


def manual_seed(seed: int) -> None:
    """Seed CUDA generators (no-op without a GPU, as torch)."""
    cp = _get_cupy()
    if cp is not None:
        cp.random.seed(seed)


manual_seed_all = manual_seed


def memory_allocated(device=None) -> int:
    cp = _get_cupy()
    return 0 if cp is None else cp.get_default_memory_pool().used_bytes()


def memory_reserved(device=None) -> int:
    cp = _get_cupy()
    return 0 if cp is None else cp.get_default_memory_pool().total_bytes()


def max_memory_allocated(device=None) -> int:
    return memory_allocated(device)


def empty_cache() -> None:
    cp = _get_cupy()
    if cp is not None:
        cp.get_default_memory_pool().free_all_blocks()


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return is_available()


def is_initialized() -> bool:
    return is_available()
