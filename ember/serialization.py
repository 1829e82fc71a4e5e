"""``ember.save`` / ``ember.load``: PyTorch-compatible checkpoints, safe by default.

Files are torch's zip format (or its legacy pre-1.6 stream), so checkpoints move both ways between
ember and PyTorch. ``load`` resolves pickled globals through an allowlist unless
``weights_only=False``; safetensors files are read and written from the format spec.
"""
from __future__ import annotations

import io
import os
import pickle
import struct
import zipfile
from typing import Any, Optional

from ._pickle_safe import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals
from ._serialization_load import load_legacy, load_zip
from ._serialization_safetensors import load_safetensors, safetensors_metadata, save_safetensors
from ._serialization_save import save

__all__ = ["save", "load", "add_safe_globals", "safe_globals", "get_safe_globals",
           "clear_safe_globals", "save_safetensors", "load_safetensors", "safetensors_metadata",
           "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 2
_CLEAN = (pickle.UnpicklingError, RuntimeError, ValueError, EOFError, zipfile.BadZipFile)


def _mmap_path(f) -> str:
    if isinstance(f, (str, os.PathLike)):
        return os.fspath(f)
    name = getattr(f, "name", None)
    if isinstance(name, str) and os.path.isfile(name):
        return name
    raise ValueError("f must be a file path in order to use the mmap argument")


def load(f, map_location=None, pickle_module=None, *, weights_only: Optional[bool] = True,
         mmap: Optional[bool] = False, **pickle_load_args: Any) -> Any:
    """Load an object saved with ``ember.save`` or ``torch.save`` (allowlisted globals only by default)."""
    if weights_only is None:
        weights_only = True
    if weights_only and pickle_module is not None and pickle_module is not pickle:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    path = _mmap_path(f) if mmap else None
    if isinstance(f, (str, os.PathLike)):
        with open(os.fspath(f), "rb") as fh:
            return _load(fh, map_location, bool(weights_only), path)
    if not hasattr(f, "read"):
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a 'read' "
                             f"attribute, got {type(f).__name__}")
    if not (hasattr(f, "seekable") and f.seekable()):
        f = io.BytesIO(f.read())
    return _load(f, map_location, bool(weights_only), path)


def _load(fh, map_location, weights_only: bool, mmap_path: Optional[str]) -> Any:
    pos = fh.tell()
    head = fh.read(4)
    fh.seek(pos)
    if not head:
        raise EOFError("Ran out of input")
    try:
        if head == b"PK\x03\x04":
            return load_zip(fh, map_location, weights_only, mmap_path)
        if mmap_path is not None:
            raise RuntimeError("mmap can only be used with files saved with `torch.save(_use_new_zipfile_"
                               "serialization=True)`, please torch.save your checkpoint with this option "
                               "in order to use mmap.")
        return load_legacy(fh, map_location, weights_only)
    except _CLEAN:
        raise
    except Exception as e:  # corrupt input must surface as a clean error, never a stray TypeError
        if not weights_only and not isinstance(e, (struct.error, KeyError, IndexError, OverflowError,
                                                   NotImplementedError, MemoryError)):
            raise
        raise RuntimeError(f"ember.load failed to read the checkpoint: {type(e).__name__}: {e}") from e
