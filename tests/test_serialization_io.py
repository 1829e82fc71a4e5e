"""Atomic saves, mmap loading, stream handling and the safetensors format."""
import io
import json
import mmap
import os
import struct
import zipfile

import numpy as np
import pytest

from tests._oracle import requires_torch, torch
from tests.test_serialization_helpers import ember_bytes, ember_tensor, root_ptr


def _S():
    from ember import serialization as S
    return S


def test_atomic_save_keeps_previous_file_on_error(tmp_path, monkeypatch):
    S = _S()
    path = tmp_path / "ckpt.pt"
    S.save({"x": ember_tensor(np.arange(3, dtype=np.int64))}, path)
    before = path.read_bytes()
    os.chmod(path, 0o640)
    from ember import _serialization_zip as Z
    real = Z.ZipWriter.write_record

    def failing(self, name, data):
        if name == "data/1":
            raise OSError("disk full (simulated)")
        return real(self, name, data)

    monkeypatch.setattr(Z.ZipWriter, "write_record", failing)
    big = {"a": ember_tensor(np.ones(1000, np.float32)), "b": ember_tensor(np.zeros(10, np.float64))}
    with pytest.raises(OSError, match="simulated"):
        S.save(big, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.pt"]  # no temp file left behind
    monkeypatch.setattr(Z.ZipWriter, "write_record", real)
    S.save(big, path)
    assert np.array_equal(S.load(path)["a"]._data, np.ones(1000, np.float32))
    assert os.stat(path).st_mode & 0o777 == 0o640  # replacing keeps the file's permissions


def test_save_to_missing_folder_raises(tmp_path):
    with pytest.raises(RuntimeError, match="does not exist"):
        _S().save({}, tmp_path / "nope" / "x.pt")


@pytest.mark.parametrize("src", ["ember", "torch"])
def test_mmap_load(tmp_path, src):
    S = _S()
    path = tmp_path / "m.pt"
    data = np.arange(4096, dtype=np.float32)
    if src == "torch":
        if torch is None:
            pytest.skip("torch oracle not installed")
        base = torch.from_numpy(data.copy())
        torch.save({"w": base, "v": base[10:20], "i": torch.arange(7)}, path)
    else:
        base = ember_tensor(data.copy())
        S.save({"w": base, "v": ember_tensor(base._data[10:20]), "i": ember_tensor(np.arange(7))}, path)
    before = path.read_bytes()
    out = S.load(path, mmap=True)
    assert np.array_equal(out["w"]._data, data) and np.array_equal(out["v"]._data, data[10:20])
    assert np.array_equal(out["i"]._data, np.arange(7))
    assert root_ptr(out["w"]) == root_ptr(out["v"]) != root_ptr(out["i"])
    from ember._storage import _root
    owner = _root(out["w"]._data).base
    owner = owner.obj if isinstance(owner, memoryview) else owner
    assert isinstance(owner, mmap.mmap)  # the storage is the file mapping, not a copy
    out["w"]._data[0] = 123.0  # copy-on-write: the file is untouched
    assert path.read_bytes() == before
    with open(path, "rb") as fh:  # a real file object works too (mapped through its name)
        assert np.array_equal(S.load(fh, mmap=True)["v"]._data, data[10:20])
    with pytest.raises(ValueError, match="file path"):
        S.load(io.BytesIO(before), mmap=True)


def test_mmap_refuses_legacy_files(tmp_path):
    S = _S()
    path = tmp_path / "legacy.pt"
    S.save({"x": ember_tensor(np.ones(2, np.float32))}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="mmap"):
        S.load(path, mmap=True)


class _Stream(io.RawIOBase):
    """A read-only, non-seekable stream (like a socket or pipe)."""

    def __init__(self, data):
        self._buf = io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, b):
        return self._buf.readinto(b)


def test_non_seekable_streams():
    S = _S()
    x = ember_tensor(np.arange(6, dtype=np.int32))
    buf = io.BytesIO()
    S.save({"x": x}, buf)
    assert ember_bytes(S.load(_Stream(buf.getvalue()))["x"]) == ember_bytes(x)
    buf = io.BytesIO()
    S.save({"x": x}, buf, _use_new_zipfile_serialization=False)
    assert ember_bytes(S.load(_Stream(buf.getvalue()))["x"]) == ember_bytes(x)


def test_compressed_zip_members_still_load():
    """Checkpoints re-zipped with deflate (not written by torch, but valid zips) still read."""
    S = _S()
    x = ember_tensor(np.arange(100, dtype=np.float64))
    buf = io.BytesIO()
    S.save({"x": x}, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    assert ember_bytes(S.load(io.BytesIO(out.getvalue()))["x"]) == ember_bytes(x)


# ---------------------------------------------------------------------------------------------
# safetensors
def _st_tensors(rng):
    import ml_dtypes
    return {
        "f32": ember_tensor(rng.standard_normal((3, 4)).astype(np.float32)),
        "f16": ember_tensor(rng.standard_normal(5).astype(np.float16)),
        "bf16": ember_tensor(rng.standard_normal((2, 2)).astype(ml_dtypes.bfloat16)),
        "i64": ember_tensor(rng.integers(-9, 9, (2, 3))),
        "u8": ember_tensor(rng.integers(0, 255, 7).astype(np.uint8)),
        "b": ember_tensor(rng.random(4) > 0.5),
        "c64": ember_tensor((rng.standard_normal(3) + 1j).astype(np.complex64)),
        "scalar": ember_tensor(np.array(2.5, np.float64)),
        "empty": ember_tensor(np.zeros((0, 3), np.int32)),
        "strided": ember_tensor(np.arange(12, dtype=np.int16).reshape(3, 4).T),
    }


def test_safetensors_roundtrip_and_layout(tmp_path):
    S = _S()
    tensors = _st_tensors(np.random.default_rng(0))
    path = tmp_path / "m.safetensors"
    S.save_safetensors(tensors, path, metadata={"format": "pt"})
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    assert (8 + n) % 8 == 0 and header["__metadata__"] == {"format": "pt"}
    assert header["bf16"]["dtype"] == "BF16" and header["strided"]["shape"] == [4, 3]
    out = S.load_safetensors(path)
    assert set(out) == set(tensors)
    for k, t in tensors.items():
        assert str(out[k].dtype) == str(t.dtype) and tuple(out[k].shape) == tuple(t.shape)
        assert ember_bytes(out[k]) == ember_bytes(t)
    assert len({root_ptr(t) for t in out.values() if t._data.size}) == len(out) - 1  # no sharing
    assert S.safetensors_metadata(path) == {"format": "pt"}


def test_safetensors_interop_with_package(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    S = _S()
    rng = np.random.default_rng(1)
    arrays = {"a": rng.standard_normal((3, 2)).astype(np.float32), "b": np.arange(5, dtype=np.int64),
              "c": np.array([True, False]), "d": rng.standard_normal(4).astype(np.float16)}
    st.save_file(arrays, str(tmp_path / "pkg.safetensors"), metadata={"k": "v"})
    out = S.load_safetensors(tmp_path / "pkg.safetensors")
    for k, a in arrays.items():
        assert np.array_equal(out[k]._data, a) and out[k]._data.dtype == a.dtype
    S.save_safetensors({k: ember_tensor(a) for k, a in arrays.items()}, tmp_path / "ours.safetensors")
    back = st.load_file(str(tmp_path / "ours.safetensors"))
    for k, a in arrays.items():
        assert np.array_equal(back[k], a) and back[k].dtype == a.dtype


@requires_torch
def test_safetensors_bf16_matches_torch_bits(tmp_path):
    import ml_dtypes
    S = _S()
    t = torch.randn(6, generator=torch.Generator().manual_seed(0)).to(torch.bfloat16)
    e = ember_tensor(t.view(torch.int16).numpy().copy().view(ml_dtypes.bfloat16))
    S.save_safetensors({"w": e}, tmp_path / "bf.safetensors")
    raw = (tmp_path / "bf.safetensors").read_bytes()
    assert raw.endswith(t.view(torch.int16).numpy().tobytes())


@pytest.mark.parametrize("case", ["short", "huge_header", "bad_json", "bad_dtype", "hole", "overlap",
                                  "size_mismatch", "past_end"])
def test_safetensors_rejects_corrupt_files(tmp_path, case):
    S = _S()
    path = tmp_path / "bad.safetensors"

    def write(header, data=b"\0" * 16):
        blob = json.dumps(header).encode()
        path.write_bytes(struct.pack("<Q", len(blob)) + blob + data)

    if case == "short":
        path.write_bytes(b"\x01\x02")
    elif case == "huge_header":
        path.write_bytes(struct.pack("<Q", 2 ** 40) + b"{}")
    elif case == "bad_json":
        path.write_bytes(struct.pack("<Q", 3) + b"{x]")
    elif case == "bad_dtype":
        write({"a": {"dtype": "Q9", "shape": [4], "data_offsets": [0, 16]}})
    elif case == "hole":
        write({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})
    elif case == "overlap":
        write({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
               "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})
    elif case == "size_mismatch":
        write({"a": {"dtype": "F64", "shape": [4], "data_offsets": [0, 16]}})
    else:
        write({"a": {"dtype": "F32", "shape": [8], "data_offsets": [0, 32]}})
    with pytest.raises(ValueError):
        S.load_safetensors(path)


def test_safetensors_rejects_bad_arguments(tmp_path):
    S = _S()
    with pytest.raises(TypeError):
        S.save_safetensors({1: ember_tensor(np.ones(1))}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError):
        S.save_safetensors({"a": [1, 2]}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError):
        S.save_safetensors({"a": ember_tensor(np.ones(1))}, tmp_path / "x.safetensors", metadata={"k": 1})
    with pytest.raises(ValueError, match="complex128"):
        S.save_safetensors({"a": ember_tensor(np.ones(1, np.complex128))}, tmp_path / "x.safetensors")
