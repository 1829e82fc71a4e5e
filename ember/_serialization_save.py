"""Writing torch checkpoints: a pickler that speaks torch's global names, plus the two containers.

Tensors reduce exactly as torch's do (``torch._utils._rebuild_tensor_v2(storage, offset, size,
stride, requires_grad, OrderedDict())`` with the storage as a persistent id), so real
``torch.load(weights_only=True)`` accepts our files. The pickle names torch's globals through
stand-in objects: the pure-Python pickler lets us emit ``GLOBAL torch._utils _rebuild_tensor_v2``
without importing torch (the C pickler insists on importing the module to check the name).
"""
from __future__ import annotations

import collections
import io
import os
import pickle
import stat
import struct
import sys
import tempfile
from typing import Any, BinaryIO, Dict

import numpy as np

from . import _dtype as D
from ._serialization_zip import ZipWriter, archive_name_for

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001


class TorchGlobal:
    """A stand-in for one of torch's module-level names, pickled as ``GLOBAL module name``."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str):
        self.module = module
        self.name = name

    def __repr__(self) -> str:
        return f"<torch global {self.module}.{self.name}>"

    def __call__(self, *args, **kwargs):  # pickle insists a reduce function be callable
        raise RuntimeError(f"{self.module}.{self.name} is a name for pickling, not a function")


_GLOBALS: Dict[tuple, TorchGlobal] = {}


def torch_global(module: str, name: str) -> TorchGlobal:
    """The (cached, so the pickle memo reuses it) stand-in for ``module.name``."""
    key = (module, name)
    g = _GLOBALS.get(key)
    if g is None:
        g = _GLOBALS[key] = TorchGlobal(module, name)
    return g


REBUILD_V2 = torch_global("torch._utils", "_rebuild_tensor_v2")
REBUILD_V3 = torch_global("torch._utils", "_rebuild_tensor_v3")
REBUILD_PARAM = torch_global("torch._utils", "_rebuild_parameter")
G_SIZE = torch_global("torch", "Size")
G_DEVICE = torch_global("torch", "device")
G_UNTYPED = torch_global("torch.storage", "UntypedStorage")

# dtypes with a legacy typed storage class; the rest are saved as UntypedStorage + _rebuild_tensor_v3
STORAGE_NAMES = {
    "float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
    "bfloat16": "BFloat16Storage", "int64": "LongStorage", "int32": "IntStorage",
    "int16": "ShortStorage", "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage",
    "complex64": "ComplexFloatStorage", "complex128": "ComplexDoubleStorage",
}

_CPU = sys.intern("cpu")
_LOCATIONS: Dict[str, str] = {"cpu": _CPU}


def _location_of(arr) -> str:
    if type(arr) is np.ndarray or isinstance(arr, np.ndarray):
        return _CPU
    dev = getattr(arr, "device", None)
    loc = f"cuda:{getattr(dev, 'id', 0)}"
    return _LOCATIONS.setdefault(loc, loc)


def _host_bytes(raw) -> np.ndarray:
    """A C-contiguous host uint8 array with the storage's bytes."""
    if not isinstance(raw, np.ndarray):
        raw = raw.get()
    return np.ascontiguousarray(raw)


def _raw_of_array(arr):
    from ._storage import _root, _root_bytes
    return _root_bytes(_root(arr))


class _StorageProxy:
    """What a tensor's reduction names as its storage; ``persistent_id`` turns it into the pid."""

    __slots__ = ("pid",)

    def __init__(self, pid: tuple):
        self.pid = pid


class _PlainTensor:
    """A Parameter's data, pickled as an ordinary tensor without requires_grad (as torch does)."""

    __slots__ = ("t",)

    def __init__(self, t):
        self.t = t


def _is_parameter(t) -> bool:
    if getattr(t, "_is_param", False):
        return True
    try:
        from .nn.parameter import Parameter
    except Exception:  # nn may not be importable yet
        return type(t).__name__ == "Parameter"
    return isinstance(t, Parameter)


class CheckpointPickler(pickle._Pickler):
    """Pickles ember objects under torch's names, collecting the storages it meets."""

    def __init__(self, file: BinaryIO, protocol: int, legacy: bool = False):
        super().__init__(file, protocol)
        self.legacy = legacy
        self.storages: Dict[str, tuple] = {}  # key -> (raw uint8 array, itemsize)
        self._keys: Dict[Any, str] = {}
        self._dtypes: Dict[str, Any] = {}
        from ._device import device
        from ._storage import TypedStorage, UntypedStorage
        from ._tensor import Size, Tensor
        self._Tensor, self._Size, self._device = Tensor, Size, device
        self._Typed, self._Untyped = TypedStorage, UntypedStorage

    # -- storages ----------------------------------------------------------------------------------
    def _storage_key(self, raw, check_dtype) -> str:
        ident = raw.__array_interface__["data"][0] if isinstance(raw, np.ndarray) else int(raw.data.ptr)
        ident = ident if raw.nbytes else ("empty", id(raw))
        key = self._keys.get(ident)
        if key is None:
            key = str(ident) if self.legacy else str(len(self._keys))
            self._keys[ident] = key
            self.storages[key] = (raw, 1)
            self._dtypes[key] = check_dtype
        elif self._dtypes[key] != check_dtype and raw.nbytes:
            raise RuntimeError("Cannot save multiple tensors or storages that view the same data as "
                               "different types")
        return key

    def _pid(self, raw, dt) -> tuple:
        name = STORAGE_NAMES.get(dt.name)
        if name is None:  # no typed storage class: saved untyped, as torch does
            stype, check, itemsize = G_UNTYPED, "uint8", 1
        else:
            stype, check, itemsize = torch_global("torch", name), dt.name, dt.itemsize
        key = self._storage_key(raw, check)
        old_raw, old_item = self.storages[key]
        self.storages[key] = (old_raw, max(old_item, itemsize))
        numel = raw.nbytes // itemsize
        loc = _location_of(raw)
        if self.legacy:
            return ("storage", stype, key, loc, numel, None)
        return ("storage", stype, key, loc, numel)

    def persistent_id(self, obj):
        cls = obj.__class__
        if cls is _StorageProxy:
            return obj.pid
        if cls is self._Typed:
            raw = obj._raw if obj._raw is not None else _raw_of_array(obj._array)
            return self._pid(raw, obj.dtype)
        if cls is self._Untyped:
            return self._pid(_raw_of_array(obj._array), D.uint8)
        return None

    # -- reductions --------------------------------------------------------------------------------
    def _reduce_tensor(self, t, requires_grad: bool):
        from ._storage import storage_of
        data = t._data
        dt = D.from_np(data.dtype)
        itemsize = data.itemsize
        raw, off = storage_of(t)
        strides = data.strides
        if data.size and (off % itemsize or any(s < 0 or s % itemsize for s in strides)):
            # numpy-only layouts (negative strides, odd byte offsets) have no torch equivalent
            data = data.copy()
            raw = _raw_of_array(data)
            off, strides = 0, data.strides
        pid = self._pid(raw, dt)
        proxy = _StorageProxy(pid)
        size = tuple(int(s) for s in data.shape)
        stride = tuple(int(s) // itemsize for s in strides)
        args = (proxy, off // itemsize, size, stride, bool(requires_grad), collections.OrderedDict())
        if pid[1] is G_UNTYPED:
            return (REBUILD_V3, args + (dt,))
        return (REBUILD_V2, args)

    def reducer_override(self, obj):
        cls = obj.__class__
        if cls is TorchGlobal:
            return obj.name
        if isinstance(obj, self._Tensor):
            if _is_parameter(obj):
                return (REBUILD_PARAM, (_PlainTensor(obj), bool(obj.requires_grad),
                                        collections.OrderedDict()))
            return self._reduce_tensor(obj, obj.requires_grad)
        if cls is _PlainTensor:
            return self._reduce_tensor(obj.t, False)
        if cls is D.dtype:
            return obj.name
        if cls is self._Size:
            return (G_SIZE, (tuple(obj),))
        if cls is self._device:
            return (G_DEVICE, (obj.type,) if obj.index is None else (obj.type, obj.index))
        return NotImplemented

    def save_global(self, obj, name=None):
        cls = obj.__class__
        if cls is TorchGlobal:
            module, name = obj.module, obj.name
        elif cls is D.dtype:
            module, name = "torch", obj.name
        else:
            return super().save_global(obj, name)
        if self.proto >= 4:
            self.save(module)
            self.save(name)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + f"{module}\n{name}\n".encode("utf-8"))
        self.memoize(obj)


# ---------------------------------------------------------------------------------------------
def _write_zip(obj, f: BinaryIO, archive_name: str, protocol: int, byteorder: bool = True) -> None:
    buf = io.BytesIO()
    pickler = CheckpointPickler(buf, protocol)
    pickler.dump(obj)
    w = ZipWriter(f, archive_name)
    w.write_record("data.pkl", buf.getbuffer())
    w.write_record(".format_version", b"1")
    w.write_record(".storage_alignment", b"64")
    if byteorder:
        w.write_record("byteorder", sys.byteorder.encode("ascii"))
    for key, (raw, _) in pickler.storages.items():
        w.write_record(f"data/{key}", _host_bytes(raw))
    w.write_record("version", b"3\n")
    w.write_record(".data/serialization_id", w.serialization_id().encode("ascii"))
    w.finish()


def _write_legacy(obj, f: BinaryIO, protocol: int) -> None:
    sys_info = dict(protocol_version=PROTOCOL_VERSION, little_endian=sys.byteorder == "little",
                    type_sizes=dict(short=2, int=4, long=4))
    pickle.dump(MAGIC_NUMBER, f, protocol=protocol)
    pickle.dump(PROTOCOL_VERSION, f, protocol=protocol)
    pickle.dump(sys_info, f, protocol=protocol)
    pickler = CheckpointPickler(f, protocol, legacy=True)
    pickler.dump(obj)
    keys = sorted(pickler.storages)
    pickle.dump(keys, f, protocol=protocol)
    for key in keys:
        raw, itemsize = pickler.storages[key]
        numel = raw.nbytes // itemsize
        f.write(struct.pack("<q" if sys.byteorder == "little" else ">q", numel))
        f.write(_host_bytes(raw)[: numel * itemsize])


def _file_mode(path: str) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def atomic_write(f, writer) -> None:
    """Run ``writer(fh)`` on a temp file next to ``f`` then rename it over ``f``.

    The rename is atomic, so a failure mid-write leaves any previous file untouched.
    """
    path = os.fspath(f)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise RuntimeError(f"Parent directory {folder} does not exist.")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            writer(fh)
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def save(obj: Any, f, pickle_protocol: int = 2, _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Save an object to a file (path or binary file object) in torch's checkpoint format."""
    if not isinstance(pickle_protocol, int) or not 0 <= pickle_protocol <= pickle.HIGHEST_PROTOCOL:
        raise ValueError(f"pickle_protocol must be an int in [0, {pickle.HIGHEST_PROTOCOL}], "
                         f"got {pickle_protocol!r}")

    def write(fh: BinaryIO, name: str) -> None:
        if _use_new_zipfile_serialization:
            _write_zip(obj, fh, name, pickle_protocol, not _disable_byteorder_record)
        else:
            _write_legacy(obj, fh, pickle_protocol)

    if isinstance(f, (str, os.PathLike)):
        atomic_write(f, lambda fh: write(fh, archive_name_for(f)))
        return
    if not hasattr(f, "write"):
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a 'write' "
                             f"attribute, got {type(f).__name__}")
    write(f, archive_name_for(f))
