"""Random number generators: ``ember.Generator``, the default generators, seeding and RNG state.

A CPU Generator reproduces torch's CPU stream (``_random_mt``: MT19937 and torch's transforms), so
seeded runs give torch's numbers and ``get_state`` is torch's 5056-byte state (a state saved by
torch loads here and continues the same stream). A CUDA generator keeps torch's CUDA state shape,
(seed, offset): every draw makes a fresh CuPy generator from a hash of the pair and bumps the offset.
"""
from __future__ import annotations

import contextlib
import os
import sys

import numpy as np

from ._device import array_module_for, to_device
from ._random_mt import STATE_BYTES as _CPU_STATE_BYTES, MTStream

_DEFAULT_SEED = 67280421310721  # torch's seed for a freshly made Generator
_MASK64 = (1 << 64) - 1
_STATE_BYTES = 48


def _seed_value(seed) -> int:
    """torch's seed normalisation: int() then wrap into uint64 (negative seeds wrap)."""
    s = int(seed)
    if s >= 1 << 64 or s < -(1 << 63):
        raise ValueError("Overflow when unpacking long long")
    return s & _MASK64


def _fresh_seed() -> int:
    return int.from_bytes(os.urandom(8), "little")


class Generator:
    """A random number generator (``torch.Generator``): seedable, with savable state."""

    def __init__(self, device="cpu") -> None:
        self._device = to_device(device)
        if self._device.type not in ("cpu", "cuda"):
            raise RuntimeError(f"ember has no random generator for device type '{self._device.type}'")
        self._set_seed(_DEFAULT_SEED)

    # ---- seeding -------------------------------------------------------------------------------
    def _set_seed(self, seed: int) -> None:
        self._seed = seed
        self._offset = 0
        if self._device.type == "cpu":
            self._mt = MTStream(seed)

    def manual_seed(self, seed) -> "Generator":
        """Seed the generator; returns self."""
        self._set_seed(_seed_value(seed))
        return self

    def seed(self) -> int:
        """Seed from a non-deterministic source and return the seed used."""
        s = _fresh_seed()
        self._set_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed the generator was last seeded with."""
        return self._seed

    @property
    def device(self):
        """The device this generator draws numbers for."""
        return self._device

    # ---- state ---------------------------------------------------------------------------------
    def get_state(self):
        """The generator state as a uint8 tensor (feed it back to set_state)."""
        from ._tensor import _wrap
        if self._device.type == "cpu":
            return _wrap(self._mt.get_state(self._seed))
        buf = np.zeros(_STATE_BYTES, dtype=np.uint8)
        buf[0:8] = np.frombuffer(self._offset.to_bytes(8, "little"), np.uint8)
        buf[40:48] = np.frombuffer(self._seed.to_bytes(8, "little"), np.uint8)
        return _wrap(buf)

    def set_state(self, new_state) -> "Generator":
        """Restore a state returned by get_state (on the CPU also one saved by torch); returns self."""
        from ._tensor import Tensor
        if not isinstance(new_state, Tensor) or new_state._data.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        arr = np.ascontiguousarray(new_state._host()).reshape(-1)
        size = _CPU_STATE_BYTES if self._device.type == "cpu" else _STATE_BYTES
        if arr.size != size:
            kind = "CPUGeneratorImplState" if self._device.type == "cpu" else "GeneratorImplState"
            raise RuntimeError(f"Expected a {kind} of size {size} but found the input RNG state size "
                               f"to be {arr.size}")
        b = arr.tobytes()
        if self._device.type == "cpu":
            self._seed = self._mt.set_state(b)
        else:
            self._set_seed(int.from_bytes(b[40:48], "little"))
            self._offset = int.from_bytes(b[0:8], "little")
        return self

    def clone_state(self) -> "Generator":
        """A new generator on the same device whose state is a copy of this one's."""
        g = Generator(self._device)
        g.set_state(self.get_state())
        return g

    def __getstate__(self):
        return {"device": str(self._device), "state": self.get_state()._data.copy()}

    def __setstate__(self, d):
        from ._tensor import _wrap
        self.__init__(d["device"])
        self.set_state(_wrap(d["state"]))

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {hex(id(self))}>"

    # ---- the sampler ops draw from -------------------------------------------------------------
    def _sampler(self):
        """An object with NumPy's Generator API producing arrays on this generator's device (on the
        CPU seeded from torch's stream: for the distributions that stream does not define)."""
        if self._device.type == "cpu":
            return self._mt.numpy_generator()
        cp = array_module_for(self._device)
        # a counter-based scheme like torch's Philox state: (seed, offset) -> independent stream
        key = (self._seed * 0x9E3779B97F4A7C15 + self._offset) & _MASK64
        self._offset += 1
        with cp.cuda.Device(self._device.index or 0):
            return _CupySampler(cp, key)


class _CupySampler:
    """NumPy-Generator-like facade over cupy.random.RandomState (the calls ember's ops make)."""

    def __init__(self, cp, seed):
        self._cp = cp
        self._rs = cp.random.RandomState(seed)

    def random(self, size=None, dtype=np.float64):
        return self._rs.random_sample(size, dtype=dtype)

    def standard_normal(self, size=None, dtype=np.float64):
        return self._rs.standard_normal(size, dtype=dtype)

    def standard_exponential(self, size=None, dtype=np.float64):
        return self._rs.standard_exponential(size, dtype=dtype)

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        if endpoint:
            high = high + 1
        return self._rs.randint(low, high, size=size, dtype=dtype)

    def permutation(self, n):
        return self._rs.permutation(n)

    def geometric(self, p, size=None):
        return self._rs.geometric(p, size=size)

    def poisson(self, lam, size=None):
        return self._rs.poisson(lam, size=size)


# ---- default generators -------------------------------------------------------------------------
default_generator = Generator("cpu")
default_generator._set_seed(_fresh_seed())  # torch seeds its default CPU generator randomly too
_cuda_defaults: dict = {}


def default_generator_for(device) -> Generator:
    """The default generator of a device (the CPU one, or one per CUDA device)."""
    dev = to_device(device)
    if dev.type == "cpu":
        return default_generator
    g = _cuda_defaults.get(dev)
    if g is None:
        g = _cuda_defaults[dev] = Generator(dev)
        g._set_seed(default_generator._seed)
    return g


def manual_seed(seed) -> Generator:
    """Seed every default generator (CPU and CUDA); returns the CPU one."""
    s = _seed_value(seed)
    default_generator._set_seed(s)
    for g in _cuda_defaults.values():
        g._set_seed(s)
    return default_generator


def seed() -> int:
    """Seed the default generators non-deterministically; returns the seed."""
    s = default_generator.seed()
    for g in _cuda_defaults.values():
        g._set_seed(s)
    return s


def initial_seed() -> int:
    """The initial seed of the default CPU generator."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default CPU generator's state (a uint8 tensor)."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore the default CPU generator's state."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type=None):
    """Context manager that restores the RNG states (CPU and CUDA defaults) on exit."""
    if not enabled:
        yield
        return
    cpu_state = default_generator.get_state()
    cuda_states = {d: g.get_state() for d, g in _cuda_defaults.items()}
    try:
        yield
    finally:
        default_generator.set_state(cpu_state)
        for d, st in cuda_states.items():
            _cuda_defaults[d].set_state(st)


# ``import ember.random`` / ``ember.random.fork_rng`` work as torch.random does
sys.modules.setdefault(__name__.rpartition(".")[0] + ".random", sys.modules[__name__])

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "fork_rng"]
