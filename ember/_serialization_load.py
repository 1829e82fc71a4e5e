"""Reading torch checkpoints: storages, tensor rebuilders, the allowlist and the two containers."""
from __future__ import annotations

import collections
import io
import mmap as _mmap
import os
import pickle
import struct
import sys
from typing import Any, Callable, Dict, Optional

import numpy as np

from . import _dtype as D
from ._pickle_safe import SafeUnpickler, user_safe_globals
from ._serialization_save import MAGIC_NUMBER, PROTOCOL_VERSION, STORAGE_NAMES
from ._serialization_zip import ZipReader

_STORAGE_DTYPES = {v: k for k, v in STORAGE_NAMES.items()}
_STORAGE_DTYPES.update({"UInt16Storage": "uint16", "UInt32Storage": "uint32",
                        "UInt64Storage": "uint64"})


class StorageType:
    """What ``torch.FloatStorage`` & co. resolve to on load: names the element dtype of a storage."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype):
        self.name = name
        self.dtype = dtype  # an ember dtype, or None for UntypedStorage (bytes)

    def __repr__(self) -> str:
        return f"<storage type {self.name}>"


def _np_view(raw, npdt):
    """``raw`` (1-D uint8) reinterpreted as ``npdt`` (bfloat16 through uint16, like the core)."""
    usable = raw.size - raw.size % npdt.itemsize
    raw = raw[:usable]
    if npdt == D.bfloat16.np:
        return raw.view(np.uint16).view(npdt)
    return raw.view(npdt)


def _make_typed(raw, dt):
    from ._storage import TypedStorage
    s = TypedStorage.__new__(TypedStorage)
    s._raw = raw
    s.dtype = dt
    s._array = _np_view(raw, dt.np)
    return s


def _make_untyped(raw):
    from ._storage import UntypedStorage
    return UntypedStorage._wrap(raw)


def _raw_of_storage(storage):
    from ._storage import TypedStorage, UntypedStorage
    if isinstance(storage, TypedStorage):
        return storage._raw if storage._raw is not None else storage._array.view(np.uint8)
    if isinstance(storage, UntypedStorage):
        return storage._array
    raise RuntimeError(f"expected a storage when rebuilding a tensor, got {type(storage).__name__}")


# ---------------------------------------------------------------------------------------------
# rebuild functions: what torch._utils._rebuild_* resolve to
def _check_ints(name: str, values) -> tuple:
    if not isinstance(values, (tuple, list)) or not all(type(v) is int for v in values):
        raise RuntimeError(f"rebuilding a tensor: {name} must be a tuple of ints, got {values!r}")
    return tuple(values)


def _strided(storage, offset, size, stride, dt=None):
    """A tensor viewing ``storage`` (bounds-checked, so a crafted file cannot read outside it)."""
    from ._tensor import _wrap
    size = _check_ints("size", size)
    stride = _check_ints("stride", stride)
    if type(offset) is not int or offset < 0:
        raise RuntimeError(f"rebuilding a tensor: invalid storage offset {offset!r}")
    if len(size) != len(stride):
        raise RuntimeError(f"rebuilding a tensor: size {size} and stride {stride} differ in length")
    if any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise RuntimeError(f"rebuilding a tensor: negative size or stride in {size}, {stride}")
    raw = _raw_of_storage(storage)
    if dt is None:
        dt = storage.dtype if hasattr(storage, "dtype") else D.uint8
    _ensure_byteorder(storage, raw, dt)
    typed = _np_view(raw, dt.np)
    numel = 1
    for s in size:
        numel *= s
    if numel:
        last = offset + sum((n - 1) * st for n, st in zip(size, stride))
        if last >= typed.shape[0]:
            raise RuntimeError(f"rebuilding a tensor: size {list(size)} with stride {list(stride)} and "
                               f"offset {offset} is out of bounds for a storage of {typed.shape[0]} "
                               "elements")
    else:
        offset = min(offset, typed.shape[0])
    xp = np if isinstance(typed, np.ndarray) else _cupy()
    itemsize = typed.itemsize
    arr = xp.lib.stride_tricks.as_strided(typed[offset:], size, tuple(s * itemsize for s in stride))
    return _wrap(arr)


def _set_rg(t, requires_grad):
    if requires_grad:
        t.requires_grad = True
    return t


def rebuild_tensor(storage, storage_offset, size, stride):
    """torch._utils._rebuild_tensor."""
    return _strided(storage, storage_offset, size, stride)


def rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                      metadata=None):
    """torch._utils._rebuild_tensor_v2."""
    return _set_rg(_strided(storage, storage_offset, size, stride), requires_grad)


def rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                      metadata=None):
    """torch._utils._rebuild_tensor_v3: the storage is untyped, the dtype comes separately."""
    if not isinstance(dtype, D.dtype) or dtype.np is None:
        raise RuntimeError(f"rebuilding a tensor: unsupported dtype {dtype!r}")
    return _set_rg(_strided(storage, storage_offset, size, stride, dtype), requires_grad)


def _parameter(data, requires_grad):
    from ._tensor import Tensor
    if not isinstance(data, Tensor):
        raise RuntimeError(f"rebuilding a Parameter: expected a tensor, got {type(data).__name__}")
    try:
        from .nn.parameter import Parameter
    except Exception:  # nn not available: a tensor with requires_grad stands in
        return _set_rg(data, requires_grad)
    return Parameter(data, bool(requires_grad))


def rebuild_parameter(data, requires_grad, backward_hooks):
    """torch._utils._rebuild_parameter."""
    return _parameter(data, requires_grad)


def rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    """torch._utils._rebuild_parameter_with_state."""
    p = _parameter(data, requires_grad)
    _set_obj_state(p, state)
    return p


def rebuild_device_tensor_from_cpu_tensor(data, dtype, device, requires_grad):
    """torch._utils._rebuild_device_tensor_from_cpu_tensor."""
    from ._tensor import Tensor
    if not isinstance(data, Tensor):
        raise RuntimeError(f"rebuilding a tensor: expected a tensor, got {type(data).__name__}")
    return _set_rg(data, requires_grad)


def rebuild_from_type_v2(func, new_type, args, state):
    """torch._tensor._rebuild_from_type_v2: rebuild with ``func`` then restore the subclass/state."""
    if not any(func is r for r in _REBUILDERS):
        raise pickle.UnpicklingError(
            f"_rebuild_from_type_v2 only calls tensor rebuilders, got {func!r}"[:200])
    if not isinstance(args, tuple):
        raise pickle.UnpicklingError("_rebuild_from_type_v2 expects an args tuple")
    ret = func(*args)
    if isinstance(new_type, _TypeMark):
        new_type = new_type.cls
    try:
        from .nn.parameter import Parameter
    except Exception:
        Parameter = None
    if Parameter is not None and new_type is Parameter and not isinstance(ret, Parameter):
        ret = Parameter(ret, ret.requires_grad)
    _set_obj_state(ret, state)
    return ret


def _set_obj_state(obj, state) -> None:
    if state is None:
        return
    slots = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    for part in (state, slots):
        if not part:
            continue
        if not isinstance(part, dict):
            raise RuntimeError("tensor state must be a dict")
        for k, v in part.items():
            if not isinstance(k, str) or k.startswith("__") or k == "_data":
                raise pickle.UnpicklingError(f"refusing to set attribute {k!r} on a tensor")
            setattr(obj, k, v)


_REBUILDERS = (rebuild_tensor, rebuild_tensor_v2, rebuild_tensor_v3, rebuild_parameter,
               rebuild_parameter_with_state, rebuild_device_tensor_from_cpu_tensor)


def tensor_set_state(inst, state) -> bool:
    """BUILD hook: tensors accept attribute state (torch's ``_set_obj_state``)."""
    from ._tensor import Tensor
    if isinstance(inst, Tensor):
        _set_obj_state(inst, state)
        return True
    return False


def _cupy():
    from ._device import _get_cupy
    cp = _get_cupy()
    if cp is None:
        raise RuntimeError("CUDA storage requested but ember found no CUDA device")
    return cp


# ---------------------------------------------------------------------------------------------
# the allowlist
_DEFAULT: Optional[Dict[str, Any]] = None


def _dtype_names():
    return [d.name for d in D.ALL_DTYPES]


def default_globals() -> Dict[str, Any]:
    """{'module.name': object} that weights_only loading resolves (torch's names -> ember's)."""
    global _DEFAULT
    if _DEFAULT is not None:
        return _DEFAULT
    from ._device import device
    from ._tensor import Size, Tensor
    g: Dict[str, Any] = {
        "collections.OrderedDict": collections.OrderedDict,
        "collections.Counter": collections.Counter,
        "builtins.set": set, "builtins.frozenset": frozenset, "builtins.complex": complex,
        "builtins.bytearray": _bytearray,
        "_codecs.encode": _codecs_encode,
        "torch._utils._rebuild_tensor": rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": rebuild_parameter_with_state,
        "torch._utils._rebuild_device_tensor_from_cpu_tensor": rebuild_device_tensor_from_cpu_tensor,
        "torch._tensor._rebuild_from_type_v2": rebuild_from_type_v2,
        "torch.Size": Size, "torch.device": device, "torch.Tensor": Tensor,
        "torch.storage.UntypedStorage": StorageType("UntypedStorage", None),
    }
    try:
        from .nn.parameter import Parameter
        g["torch.nn.parameter.Parameter"] = Parameter
    except Exception:
        pass
    for sname, dname in _STORAGE_DTYPES.items():
        st = StorageType(sname, D._BY_NAME[dname])
        g["torch." + sname] = st
        g["torch.cuda." + sname] = st
    for name in _dtype_names():
        g["torch." + name] = D._BY_NAME[name]
    _DEFAULT = g
    return g


class _TypeMark:
    """weights_only stand-in for torch.Tensor / Parameter: names the type, cannot be called."""

    __slots__ = ("cls",)

    def __init__(self, cls):
        self.cls = cls


def _safe_overrides() -> Dict[str, Any]:
    # calling Tensor(...) would run the legacy constructor (any size): keep the classes inert
    g = default_globals()
    return {k: _TypeMark(g[k]) for k in ("torch.Tensor", "torch.nn.parameter.Parameter") if k in g}


def _bytearray(*args):
    """bytearray, but only from data (bytearray(n) would let a file allocate any amount)."""
    if not args or not isinstance(args[0], (bytes, str)):
        raise pickle.UnpicklingError("bytearray is only allowed from bytes or str data")
    return bytearray(*args)


def _codecs_encode(obj, encoding="utf-8", errors="strict"):
    """_codecs.encode, limited to str -> bytes (how protocol 2 pickles bytes)."""
    import codecs
    if not isinstance(obj, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8", "ascii"):
        raise pickle.UnpicklingError("_codecs.encode is only allowed for str in latin1/utf-8")
    return codecs.encode(obj, encoding, errors)


_OVERRIDES: Optional[Dict[str, Any]] = None


def _safe_resolve(module: str, name: str):
    global _OVERRIDES
    full = f"{module}.{name}"
    if _OVERRIDES is None:
        _OVERRIDES = _safe_overrides()
    obj = _OVERRIDES.get(full)
    if obj is None:
        obj = default_globals().get(full)
    if obj is not None:
        return obj
    user = user_safe_globals()
    if full in user:
        return user[full]
    raise pickle.UnpicklingError(
        f"Weights only load failed. Unsupported global: GLOBAL {full} was not an allowed global by "
        f"default. Please use `ember.serialization.add_safe_globals([{name}])` or the "
        f"`ember.serialization.safe_globals([{name}])` context manager to allowlist this global if "
        f"you trust this class/function, or load with weights_only=False if you trust the file.")


def _full_resolve(module: str, name: str):
    """Trusted loading: torch's names map to ember's, everything else imports normally."""
    full = f"{module}.{name}"
    obj = default_globals().get(full)
    if obj is not None:
        return obj
    if module == "torch" or module.startswith("torch."):
        import importlib
        target = None
        try:
            mod = importlib.import_module("ember" + module[len("torch"):])
            target = mod
            for part in name.split("."):
                target = getattr(target, part)
        except (ImportError, AttributeError):
            target = None
        if target is None:
            import ember
            target = ember
            for part in name.split("."):
                target = getattr(target, part, None)
                if target is None:
                    raise pickle.UnpicklingError(f"ember has no equivalent of {full}")
        return target
    __import__(module, level=0)
    mod = sys.modules[module]
    obj = mod
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


class _FullUnpickler(pickle.Unpickler):
    def __init__(self, file, persistent_load):
        super().__init__(file)
        self._pl = persistent_load

    def find_class(self, module, name):
        import _compat_pickle
        # protocol 2 writes python 2 names (__builtin__); map them as pickle's own find_class does
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        return _full_resolve(module, name)

    def persistent_load(self, pid):
        return self._pl(pid)


def unpickle(file, weights_only: bool, persistent_load: Callable) -> Any:
    if weights_only:
        return SafeUnpickler(file, _safe_resolve, persistent_load, tensor_set_state).load()
    return _FullUnpickler(file, persistent_load).load()


# ---------------------------------------------------------------------------------------------
# byte order
def _ensure_byteorder(storage, raw, dt) -> None:
    """Swap a big-endian storage into native order the first time it is viewed with a dtype."""
    pending = _PENDING_SWAP.pop(id(raw), None)
    if pending is None or pending is not raw:
        return
    _byteswap(raw, dt)


_PENDING_SWAP: Dict[int, Any] = {}


def _byteswap(raw, dt) -> None:
    size = dt.itemsize // 2 if dt.is_complex else dt.itemsize
    if size <= 1:
        return
    unit = {2: np.uint16, 4: np.uint32, 8: np.uint64}[size]
    n = raw.size - raw.size % size
    view = raw[:n].view(unit)
    view.byteswap(inplace=True)


# ---------------------------------------------------------------------------------------------
# locations
def _target_device(location: str, map_location) -> str:
    if map_location is None:
        return location
    if isinstance(map_location, dict):
        return str(map_location.get(location, location))
    if isinstance(map_location, str):
        return map_location
    from ._device import device
    if isinstance(map_location, device):
        return str(map_location)
    raise TypeError(f"map_location should be a str, device, dict or callable, got "
                    f"{type(map_location).__name__}")


def _place(raw, location: str, map_location):
    """Move a freshly read storage (host uint8 array) where ``map_location`` says."""
    if callable(map_location) and not isinstance(map_location, (str, dict)):
        from ._storage import UntypedStorage
        res = map_location(UntypedStorage._wrap(raw), location)
        if res is not None:
            return _raw_of_storage(res)
        target = location
    else:
        target = _target_device(location, map_location)
    if not isinstance(target, str):
        target = str(target)
    if target.startswith("cuda"):
        from ._device import _get_cupy
        cp = _get_cupy()
        if cp is None:
            asked = map_location is not None and not callable(map_location) and (
                not isinstance(map_location, dict) or location in map_location)
            if asked:
                raise RuntimeError(
                    "Attempting to deserialize object on a CUDA device but ember found no CUDA "
                    "device (CuPy missing or no GPU). If you are running on a CPU-only machine, "
                    "please use ember.load with map_location='cpu' to map your storages to the CPU.")
            return raw  # a CUDA checkpoint on a CPU-only machine loads onto the CPU
        idx = int(target.split(":")[1]) if ":" in target else 0
        with cp.cuda.Device(idx):
            return cp.asarray(raw)
    if target == "cpu" or target.startswith("cpu"):
        return raw
    raise RuntimeError(f"don't know how to restore data location {target!r}")


# ---------------------------------------------------------------------------------------------
# containers
def _parse_pid(pid):
    if not isinstance(pid, tuple) or len(pid) < 5 or pid[0] != "storage":
        raise pickle.UnpicklingError(f"Unknown saved id type: {pid!r}"[:200])
    stype, key, location, numel = pid[1], pid[2], pid[3], pid[4]
    if not isinstance(stype, StorageType):
        if getattr(stype, "__name__", "") == "TypedStorage":
            raise pickle.UnpicklingError("unsupported storage type in persistent id")
        raise pickle.UnpicklingError(f"unsupported storage type {stype!r} in persistent id"[:200])
    if not isinstance(key, str) or not isinstance(location, str) or type(numel) is not int or numel < 0:
        raise pickle.UnpicklingError("malformed storage persistent id")
    return stype, key, location, numel


def _wrap_storage(raw, stype):
    return _make_untyped(raw) if stype.dtype is None else _make_typed(raw, stype.dtype)


def load_zip(f, map_location, weights_only: bool, mmap_path: Optional[str]) -> Any:
    reader = ZipReader(f)
    data_pkl = reader.read_small("data.pkl")
    big = False
    if reader.has_record("byteorder"):
        order = reader.read_small("byteorder")
        if order not in (b"little", b"big"):
            raise RuntimeError(f"Unknown endianness type: {order[:20]!r}")
        big = order.decode() != sys.byteorder
    mm = None
    if mmap_path is not None:
        with open(mmap_path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            mm = _mmap.mmap(fh.fileno(), size, access=_mmap.ACCESS_COPY) if size else None
    loaded: Dict[str, Any] = {}

    def persistent_load(pid):
        stype, key, location, numel = _parse_pid(pid)
        raw = loaded.get(key)
        itemsize = 1 if stype.dtype is None else stype.dtype.itemsize
        if raw is None:
            name = f"data/{key}"
            nbytes = reader.record_size(name)
            if nbytes < numel * itemsize:
                raise RuntimeError(f"storage {key} has {nbytes} bytes, expected {numel * itemsize}")
            off = reader.data_offset(name) if mm is not None else -1
            if mm is not None and off >= 0 and nbytes:
                raw = np.frombuffer(mm, np.uint8, nbytes, off)
            else:
                raw = np.empty(nbytes, np.uint8)
                reader.read_into(name, raw)
            if big:
                if stype.dtype is not None:
                    _byteswap(raw, stype.dtype)
                else:
                    _PENDING_SWAP[id(raw)] = raw
            raw = _place(raw, location, map_location)
            loaded[key] = raw
        elif raw.size < numel * itemsize:
            raise RuntimeError(f"storage {key} is smaller than a persistent id claims")
        return _wrap_storage(raw, stype)

    try:
        return unpickle(io.BytesIO(data_pkl), weights_only, persistent_load)
    finally:
        _PENDING_SWAP.clear()


def load_legacy(f, map_location, weights_only: bool) -> Any:
    def small(fh):
        return unpickle(fh, True, None)

    start = f.tell()
    end = f.seek(0, 2)
    f.seek(start)
    magic = small(f)
    if magic != MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file?")
    version = small(f)
    if version != PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {version!r}"[:100])
    sys_info = small(f)
    little = sys_info.get("little_endian", True) if isinstance(sys_info, dict) else True
    big = little != (sys.byteorder == "little")
    storages: Dict[str, Any] = {}
    itemsizes: Dict[str, Any] = {}

    def persistent_load(pid):
        stype, key, location, numel = _parse_pid(pid)
        view = pid[5] if len(pid) > 5 else None
        itemsize = 1 if stype.dtype is None else stype.dtype.itemsize
        raw = storages.get(key)
        if raw is None:
            if numel * itemsize > end - f.tell():
                raise RuntimeError(f"storage {key} claims {numel * itemsize} bytes, more than the file holds")
            raw = np.empty(numel * itemsize, np.uint8)
            storages[key] = raw
            itemsizes[key] = (itemsize, stype.dtype, location)
        if view is not None:  # very old files: (view_key, offset, size) of a storage slice
            _, voff, vsize = view
            raw = raw[voff * itemsize:(voff + vsize) * itemsize]
        return _wrap_storage(raw, stype)

    result = unpickle(f, weights_only, persistent_load)
    keys = unpickle(f, True, None)
    if not isinstance(keys, list):
        raise pickle.UnpicklingError("corrupt legacy checkpoint: bad storage key list")
    for key in keys:
        if key not in storages:
            raise RuntimeError(f"corrupt legacy checkpoint: unknown storage key {key!r}"[:120])
        raw = storages[key]
        itemsize, dt, _ = itemsizes[key]
        head = f.read(8)
        if len(head) != 8:
            raise EOFError("legacy checkpoint truncated")
        numel = struct.unpack(">q" if big else "<q", head)[0]
        if numel * itemsize != raw.size:
            raise RuntimeError(f"storage {key} has {numel} elements on disk, expected "
                               f"{raw.size // itemsize}")
        mv = memoryview(raw)
        got = 0
        while got < raw.size:
            n = f.readinto(mv[got:])
            if not n:
                raise EOFError("legacy checkpoint truncated")
            got += n
        if big and dt is not None:
            _byteswap(raw, dt)
    # legacy checkpoints load onto the CPU (their views were built before the data arrived)
    return result
