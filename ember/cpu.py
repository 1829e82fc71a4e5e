"""torch.cpu: the CPU "device module" (always available, one device, nothing to synchronize)."""
from __future__ import annotations

import contextlib
import os

__all__ = ["is_available", "is_initialized", "device_count", "current_device", "set_device",
           "synchronize", "current_stream", "stream", "Stream", "Event", "StreamContext"]


def is_available() -> bool:
    """Always True."""
    return True


def is_initialized() -> bool:
    """Always True."""
    return True


def device_count() -> int:
    """Always 1."""
    return 1


def current_device() -> str:
    """Always 'cpu'."""
    return "cpu"


def set_device(device) -> None:
    """No-op (there is one CPU device)."""


def synchronize(device=None) -> None:
    """No-op: CPU work is synchronous."""


class Stream:
    """The CPU's single stream (a placeholder; work runs in order)."""

    def __init__(self, priority: int = -1) -> None:
        self.priority = priority

    def wait_stream(self, stream) -> None:
        """No-op."""

    def synchronize(self) -> None:
        """No-op."""


class Event:
    """A CPU event (always complete)."""

    def query(self) -> bool:
        return True

    def record(self, stream=None) -> None:
        """No-op."""

    def synchronize(self) -> None:
        """No-op."""

    def wait(self, stream=None) -> None:
        """No-op."""


_default_stream = Stream()


def current_stream(device=None) -> Stream:
    """The CPU stream."""
    return _default_stream


class StreamContext(contextlib.nullcontext):
    """Context selecting a stream (nothing to select on the CPU)."""


def stream(stream) -> StreamContext:
    """Context selecting a stream (nothing to select on the CPU)."""
    return StreamContext(stream)


def _cores() -> int:
    return os.cpu_count() or 1
