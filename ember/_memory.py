"""Heap settings for large tensors (glibc's malloc on Linux).

A training step allocates and frees the same large arrays every iteration. With glibc's defaults a
freed block above the (dynamic) mmap threshold, or free space at the top of the heap beyond the
trim threshold, goes back to the kernel, so the next step gets fresh zero pages and pays one page
fault per 4 KiB touched: about 4,000-5,000 faults per MNIST CNN training step on the benchmark
machine, 10-15% of the step. ember raises the mmap threshold to glibc's maximum (32 MiB) and keeps
up to 1 GiB of freed heap for reuse. Set ``EMBER_HEAP_TUNING=0`` to keep the defaults; an explicit
``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` in the environment also wins.
"""
from __future__ import annotations

import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # glibc's upper limit for M_MMAP_THRESHOLD on 64-bit
TRIM_THRESHOLD = 1 << 30

applied = False  # whether tune_heap() changed the allocator's settings


def tune_heap() -> bool:
    """Apply the settings above once; returns whether they were applied."""
    global applied
    if applied:
        return True
    if not sys.platform.startswith("linux") or os.environ.get("EMBER_HEAP_TUNING", "1") == "0":
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False
    try:
        import ctypes
        libc = ctypes.CDLL(None)
        if not hasattr(libc, "gnu_get_libc_version"):  # musl and others: different allocator
            return False
        mallopt = libc.mallopt
        mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        mallopt.restype = ctypes.c_int
    except (OSError, AttributeError):  # pragma: no cover - no usable libc
        return False
    # the trim threshold first: setting either one turns off glibc's dynamic adjustment
    applied = bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)) and \
        bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    return applied
