"""Shared-memory transport of tensors from DataLoader workers to the main process.

A worker writes each tensor's bytes into a POSIX shared-memory segment (or stacks the batch straight
into one, see ``_collate``) and sends only its name and layout. The main process maps the segment,
unlinks the name at once (the mapping stays valid until the last array using it is freed) and wraps
a NumPy view of it as a tensor, so the data is never pickled.
"""
from __future__ import annotations

import io
import itertools
import mmap
import os
import pickle
from typing import Any

import numpy as np

import ember

try:  # the primitive multiprocessing.shared_memory itself uses on POSIX
    import _posixshmem
except ImportError:  # pragma: no cover - Windows
    _posixshmem = None

# Tensors smaller than this are pickled inline: a segment costs a few syscalls, more than copying.
INLINE_BYTES = 16 * 1024

_SHM_DIR = "/dev/shm"
_prefix: str | None = None  # set in a worker: names of the segments it creates start with it
_counter = itertools.count()
_attached: dict[str, np.ndarray] | None = None  # segments opened while decoding one message


def available() -> bool:
    """Whether this process is a worker that can send tensors through shared memory."""
    return _posixshmem is not None and _prefix is not None


def set_prefix(prefix: str | None) -> None:
    """Enable shared-memory sending in this (worker) process, naming segments ``prefix...``."""
    global _prefix
    _prefix = prefix


class _Segment(mmap.mmap):
    """A mapping of one named segment; ``name`` is set once the segment is created."""

    name: str
    sent: bool


def _segment_of(array: np.ndarray):
    # Walk the view chain down to the buffer the array lives in.
    base: Any = array
    while isinstance(base, np.ndarray):
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    return base if isinstance(base, _Segment) else None


def empty(shape: tuple, dtype: np.dtype) -> np.ndarray | None:
    """A C-contiguous array of ``shape``/``dtype`` in a fresh named segment (None if unavailable)."""
    if not available():
        return None
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    name = f"/{_prefix}{next(_counter)}"
    try:
        fd = _posixshmem.shm_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, mode=0o600)
    except OSError:
        return None
    try:
        size = max(nbytes, 1)
        if hasattr(os, "posix_fallocate"):
            # Reserve the pages now: on a full /dev/shm this fails cleanly (we fall back to
            # pickling) instead of the worker dying of SIGBUS when it first writes the page.
            os.posix_fallocate(fd, 0, size)
        else:  # pragma: no cover - macOS
            os.ftruncate(fd, size)
        seg = _Segment(fd, size)
    except OSError:
        _posixshmem.shm_unlink(name)
        return None
    finally:
        os.close(fd)
    seg.name = name
    seg.sent = False
    root = np.frombuffer(seg, dtype=np.uint8)
    return root[:nbytes].view(dtype).reshape(shape)


def _attach(name: str) -> np.ndarray:
    # Map a segment by name and unlink it immediately: from now on only our mapping keeps it alive.
    if _attached is not None and name in _attached:
        return _attached[name]
    fd = _posixshmem.shm_open(name, os.O_RDWR, mode=0o600)
    try:
        size = os.fstat(fd).st_size
        seg = mmap.mmap(fd, size)
    finally:
        os.close(fd)
        _posixshmem.shm_unlink(name)
    root = np.frombuffer(seg, dtype=np.uint8)
    if _attached is not None:
        _attached[name] = root
    return root


def _rebuild_shared(name, offset, shape, strides, dtype, requires_grad):
    root = _attach(name)
    array = np.ndarray(shape, dtype=dtype, buffer=root, offset=offset, strides=strides)
    return _as_tensor(array, requires_grad)


def _rebuild_inline(array, inverse_perm, requires_grad):
    return _as_tensor(array.transpose(inverse_perm), requires_grad)


def _dense_order(data: np.ndarray):
    # torch shares a tensor's storage, so a transposed (or otherwise permuted) dense tensor keeps
    # its strides. Find the dim order that makes ``data`` C-contiguous, if one exists.
    perm = sorted(range(data.ndim), key=lambda d: (-data.strides[d], -data.shape[d]))
    compact = data.transpose(perm)
    return (perm, compact) if compact.flags.c_contiguous else (None, None)


def _as_tensor(array: np.ndarray, requires_grad: bool):
    tensor = ember.from_numpy(array)
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


class _WorkerPickler(pickle.Pickler):
    """Pickler that sends ember tensors by shared-memory name."""

    def __init__(self, file):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._segments_in_message: set[int] = set()

    def reducer_override(self, obj):
        if not isinstance(obj, ember.Tensor):
            return NotImplemented
        data = obj._data
        if type(data) is not np.ndarray:
            return NotImplemented  # device tensors take their own pickling path
        if obj.requires_grad and obj.grad_fn is not None:
            raise RuntimeError(
                "Cowardly refusing to serialize non-leaf tensor which requires_grad, "
                "since autograd does not support crossing process boundaries.  "
                "If you just want to transfer the data, call detach() on the tensor "
                "before serializing (e.g., putting it on the queue)."
            )
        requires_grad = bool(obj.requires_grad)
        seg = _segment_of(data)
        # A segment already sent in an earlier message was unlinked by the receiver: copy again.
        reusable = seg is not None and (not seg.sent or id(seg) in self._segments_in_message)
        if not reusable or any(s < 0 for s in data.strides):
            perm, compact = _dense_order(data)
            if perm is None:  # a strided slice: send just its elements, compacted
                perm, compact = list(range(data.ndim)), np.ascontiguousarray(data)
            inverse = [perm.index(d) for d in range(data.ndim)]
            copy = None
            if data.nbytes >= INLINE_BYTES and available():
                copy = empty(compact.shape, compact.dtype)
            if copy is None:
                return _rebuild_inline, (compact, inverse, requires_grad)
            np.copyto(copy, compact)
            data, seg = copy.transpose(inverse), _segment_of(copy)
        seg.sent = True
        self._segments_in_message.add(id(seg))
        start = np.frombuffer(seg, dtype=np.uint8).ctypes.data
        offset = data.__array_interface__["data"][0] - start
        return _rebuild_shared, (seg.name, offset, data.shape, data.strides, data.dtype, requires_grad)


def encode(obj: Any) -> bytes:
    """Serialize a worker result, moving its CPU tensors to shared memory."""
    buf = io.BytesIO()
    _WorkerPickler(buf).dump(obj)
    return buf.getvalue()


def decode(payload: bytes) -> Any:
    """Inverse of :func:`encode` (in the main process): maps and unlinks every segment it names."""
    global _attached
    _attached = {}
    try:
        return pickle.loads(payload)
    finally:
        _attached = None


def sweep(prefix: str) -> None:
    """Unlink leftover segments named ``prefix...`` (results that were never received)."""
    if _posixshmem is None or not os.path.isdir(_SHM_DIR):
        return
    try:
        names = os.listdir(_SHM_DIR)
    except OSError:
        return
    for entry in names:
        if entry.startswith(prefix):
            try:
                _posixshmem.shm_unlink("/" + entry)
            except OSError:
                pass
