"""Shared helpers for the serialization tests (ember <-> torch tensor comparison, file surgery)."""
import io
import zipfile

import numpy as np

from tests._oracle import torch

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
          "float64", "complex64", "complex128"]


def rand_np(rng, shape, dtype: str):
    """Seeded values for a dtype name (bfloat16 comes back as float32 to be converted)."""
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype.startswith(("int", "uint")):
        info = np.iinfo(np.dtype(dtype))
        return rng.integers(max(info.min, -1000), min(info.max, 1000), shape, endpoint=True).astype(dtype)
    if dtype.startswith("complex"):
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    if dtype == "bfloat16":
        return rng.standard_normal(shape).astype(np.float32)
    return rng.standard_normal(shape).astype(dtype)


def torch_tensor(rng, shape, dtype: str):
    t = torch.from_numpy(np.ascontiguousarray(rand_np(rng, shape, dtype)))
    return t.to(torch.bfloat16) if dtype == "bfloat16" else t


def ember_tensor(arr):
    from ember._tensor import _wrap
    return _wrap(arr)


def ember_from_torch(t):
    """An ember tensor with the same bits as a (contiguous) torch tensor, fresh storage."""
    import ml_dtypes
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        return ember_tensor(t.view(torch.int16).numpy().copy().view(ml_dtypes.bfloat16))
    return ember_tensor(t.numpy().copy())


def ember_bytes(t) -> bytes:
    return np.ascontiguousarray(t._data).tobytes()


def torch_bytes(t) -> bytes:
    t = t.detach().contiguous()
    if t.numel() == 0:
        return b""
    return t.reshape(-1).view(torch.uint8).numpy().tobytes()


def root_ptr(t) -> int:
    from ember._storage import storage_of
    raw, _ = storage_of(t)
    return raw.__array_interface__["data"][0]


def ember_stride(t):
    return tuple(s // t._data.itemsize for s in t._data.strides)


def ember_offset(t) -> int:
    from ember._storage import storage_of
    return storage_of(t)[1] // t._data.itemsize


def assert_same(e, t):
    """ember tensor ``e`` equals torch tensor ``t``: dtype, shape, stride, offset, bits."""
    assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
    assert tuple(e._data.shape) == tuple(t.shape)
    if t.numel() > 1:
        assert ember_stride(e) == tuple(t.stride()), (ember_stride(e), t.stride())
    if t.numel():
        assert ember_offset(e) == t.storage_offset()
    assert ember_bytes(e) == torch_bytes(t)
    assert bool(e.requires_grad) == bool(t.requires_grad)


def rewrite_zip(data: bytes, edit) -> bytes:
    """Rebuild a zip checkpoint, passing each (name, bytes) through ``edit`` (stored, no alignment)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            body = edit(info.filename, src.read(info))
            if body is not None:
                dst.writestr(info.filename, body)
    return out.getvalue()


def byteswap_record(name: str, body: bytes, itemsizes: dict) -> bytes:
    """Swap a storage record's elements (complex: each half) for a big-endian copy."""
    key = name.rsplit("/", 1)[-1]
    size = itemsizes.get(key, 1)
    if size <= 1:
        return body
    unit = {2: np.uint16, 4: np.uint32, 8: np.uint64}[size]
    return np.frombuffer(body, unit).byteswap().tobytes()


def torch_save_bytes(obj, **kw) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf, **kw)
    return buf.getvalue()


def ember_save_bytes(obj, **kw) -> bytes:
    from ember import serialization as S
    buf = io.BytesIO()
    S.save(obj, buf, **kw)
    return buf.getvalue()


def ember_load_bytes(data: bytes, **kw):
    from ember import serialization as S
    return S.load(io.BytesIO(data), **kw)


def torch_load_bytes(data: bytes, **kw):
    kw.setdefault("weights_only", True)
    return torch.load(io.BytesIO(data), **kw)
