"""ember.save / ember.load against real torch files, both directions."""
import collections
import io
import zipfile

import numpy as np
import pytest

from tests._oracle import requires_torch, torch
from tests.test_serialization_helpers import (
    DTYPES, assert_same, byteswap_record, ember_bytes, ember_from_torch, ember_load_bytes,
    ember_offset, ember_save_bytes, ember_stride, ember_tensor, rewrite_zip, root_ptr,
    torch_bytes, torch_load_bytes, torch_save_bytes, torch_tensor)

pytestmark = requires_torch


def _rng(seed=0):
    return np.random.default_rng(seed)


# ---------------------------------------------------------------------------------------------
# torch -> ember
@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_file_every_dtype(dtype):
    rng = _rng(1)
    obj = {"m": torch_tensor(rng, (3, 4), dtype), "s": torch_tensor(rng, (), dtype),
           "e": torch_tensor(rng, (0, 2), dtype)}
    out = ember_load_bytes(torch_save_bytes(obj))
    assert set(out) == set(obj)
    for k in obj:
        assert_same(out[k], obj[k])


def test_torch_views_offsets_strides_and_sharing():
    base = torch.arange(24, dtype=torch.float32)
    obj = {"base": base, "slice": base[2:9], "t": base.view(4, 6).t(), "step": base[1::3],
           "expand": base[:3].view(3, 1).expand(3, 5), "scalar": base[5], "other": torch.ones(3)}
    out = ember_load_bytes(torch_save_bytes(obj))
    for k in obj:
        assert_same(out[k], obj[k])
    family = {root_ptr(out[k]) for k in ("base", "slice", "t", "step", "expand", "scalar")}
    assert len(family) == 1 and root_ptr(out["other"]) not in family
    out["slice"]._data[0] = -1.0  # one storage: writing a view shows in the base
    assert float(out["base"]._data[2]) == -1.0
    assert ember_stride(out["expand"]) == (1, 0)


def test_torch_parameters_and_requires_grad():
    p = torch.nn.Parameter(torch.arange(6.0).view(2, 3))
    frozen = torch.nn.Parameter(torch.ones(2), requires_grad=False)
    rg = torch.ones(3, requires_grad=True)
    out = ember_load_bytes(torch_save_bytes({"p": p, "frozen": frozen, "rg": rg}))
    assert_same(out["p"], p)
    assert_same(out["frozen"], frozen)
    assert_same(out["rg"], rg)
    try:
        from ember.nn.parameter import Parameter
    except Exception:
        return
    assert isinstance(out["p"], Parameter) and isinstance(out["frozen"], Parameter)
    assert not isinstance(out["rg"], Parameter)


def test_torch_parameter_with_state():
    p = torch.nn.Parameter(torch.ones(2))
    p.tag = "decoder"
    data = torch_save_bytes({"p": p})
    assert b"_rebuild_parameter_with_state" in zipfile.ZipFile(io.BytesIO(data)).read("archive/data.pkl")
    out = ember_load_bytes(data)
    assert out["p"].tag == "decoder" and out["p"].requires_grad
    assert ember_bytes(out["p"]) == torch_bytes(p)


def test_torch_model_state_dict_with_metadata():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.ReLU(),
                                torch.nn.Flatten(), torch.nn.Linear(12, 5))
    model(torch.randn(4, 2, 4, 4))  # moves BatchNorm running stats
    sd = model.state_dict()
    out = ember_load_bytes(torch_save_bytes(sd))
    assert isinstance(out, collections.OrderedDict)
    assert list(out) == list(sd)
    assert out._metadata == sd._metadata
    for k in sd:
        assert_same(out[k], sd[k])


def test_torch_nested_containers_and_python_values():
    t = torch.arange(4)
    obj = {"list": [t, 1, 2.5, "s", None, True], "tuple": (t[1:], (t,)), "nested": {"a": {"b": [t]}},
           "complex": 1 + 2j, "bytes": b"\x00\xff", "set": {1, 2}, "big": 2 ** 70, "neg": -5,
           "od": collections.OrderedDict(x=1)}
    out = ember_load_bytes(torch_save_bytes(obj))
    assert out["list"][1:] == [1, 2.5, "s", None, True]
    assert isinstance(out["tuple"], tuple) and isinstance(out["tuple"][1], tuple)
    assert out["complex"] == 1 + 2j and out["bytes"] == b"\x00\xff" and out["set"] == {1, 2}
    assert out["big"] == 2 ** 70 and out["neg"] == -5 and out["od"] == collections.OrderedDict(x=1)
    assert out["list"][0] is out["tuple"][1][0] is out["nested"]["a"]["b"][0]  # pickle identity kept
    assert_same(out["tuple"][0], t[1:])
    assert root_ptr(out["tuple"][0]) == root_ptr(out["list"][0])


def test_torch_dtype_device_size_objects():
    out = ember_load_bytes(torch_save_bytes({"d": torch.float16, "dev": torch.device("cpu"),
                                             "size": torch.Size([2, 3]), "u": torch.uint16}))
    import ember._dtype as D
    from ember._tensor import Size
    assert out["d"] is D.float16 and out["u"] is D.uint16
    assert str(out["dev"]) == "cpu"
    assert isinstance(out["size"], Size) and tuple(out["size"]) == (2, 3)


@pytest.mark.parametrize("dtype", ["float32", "int64", "bfloat16", "complex128", "bool"])
def test_torch_legacy_format(dtype):
    rng = _rng(2)
    base = torch_tensor(rng, (5, 4), dtype)
    obj = {"a": base, "v": base[1:3], "t": base.t(), "other": torch_tensor(rng, (3,), dtype)}
    data = torch_save_bytes(obj, _use_new_zipfile_serialization=False)
    assert not data.startswith(b"PK")
    out = ember_load_bytes(data)
    for k in obj:
        assert_same(out[k], obj[k])
    assert root_ptr(out["a"]) == root_ptr(out["v"]) == root_ptr(out["t"]) != root_ptr(out["other"])


def test_torch_unsigned_wide_dtypes():
    obj = {"u16": torch.from_numpy(np.arange(5, dtype=np.uint16)),
           "u32": torch.from_numpy(np.arange(3, dtype=np.uint32))[1:]}
    out = ember_load_bytes(torch_save_bytes(obj))
    for k in obj:
        assert_same(out[k], obj[k])


def test_big_endian_checkpoint():
    """A torch file rewritten as big-endian (record swapped + byteorder 'big') loads the same."""
    rng = _rng(3)
    obj = {k: torch_tensor(rng, (4,), k) for k in ("int16", "float32", "float64", "complex64",
                                                     "bfloat16", "uint8")}
    obj["view"] = obj["float32"][1:3]
    data = torch_save_bytes(obj)
    z = zipfile.ZipFile(io.BytesIO(data))
    import pickletools
    # storage key -> element size, from the persistent ids in the pickle
    keys = {}
    pkl = z.read("archive/data.pkl")
    ops = list(pickletools.genops(pkl))
    sizes = {"ShortStorage": 2, "FloatStorage": 4, "DoubleStorage": 8, "ComplexFloatStorage": 4,
             "BFloat16Storage": 2, "ByteStorage": 1}
    for i, (op, arg, _) in enumerate(ops):
        if op.name == "GLOBAL" and arg.startswith("torch ") and arg.split()[1] in sizes:
            keys[ops[i + 2][1]] = sizes[arg.split()[1]]

    def edit(name, body):
        if name.endswith("/byteorder"):
            return b"big"
        if "/data/" in name and not name.endswith("serialization_id"):
            return byteswap_record(name, body, keys)
        return body

    big = rewrite_zip(data, edit)
    ref = torch_load_bytes(big)  # the oracle agrees the crafted file means the same tensors
    out = ember_load_bytes(big)
    for k in obj:
        assert torch.equal(ref[k], obj[k])
        assert_same(out[k], obj[k])


def _cuda_file(obj):
    """A torch file whose storages claim to live on cuda:0 (location strings rewritten)."""
    cpu = b"X\x03\x00\x00\x00cpu"
    cuda = b"X\x06\x00\x00\x00cuda:0"

    def edit(name, body):
        return body.replace(cpu, cuda) if name.endswith("data.pkl") else body

    data = rewrite_zip(torch_save_bytes(obj), edit)
    assert cuda in zipfile.ZipFile(io.BytesIO(data)).read("archive/data.pkl")
    return data


@pytest.mark.parametrize("map_location", [None, "cpu", {"cuda:0": "cpu"}, "device", "callable"])
def test_cuda_checkpoint_maps_to_cpu(map_location):
    base = torch.arange(12.0)
    obj = {"a": base, "v": base[3:7].view(2, 2)}
    data = _cuda_file(obj)
    if map_location == "device":
        from ember._device import device
        map_location = device("cpu")
    elif map_location == "callable":
        seen = []
        map_location = lambda storage, loc: seen.append(loc) or storage  # noqa: E731
    ref = torch_load_bytes(data, map_location="cpu")
    out = ember_load_bytes(data, map_location=map_location)
    for k in obj:
        assert torch.equal(ref[k], obj[k])
        assert_same(out[k], obj[k])
        assert str(out[k].device) == "cpu"
    assert root_ptr(out["a"]) == root_ptr(out["v"])


# ---------------------------------------------------------------------------------------------
# ember -> torch
def _ember_pair(rng, shape, dtype):
    t = torch_tensor(rng, shape, dtype)
    return ember_from_torch(t), t


@pytest.mark.parametrize("dtype", DTYPES + ["uint16", "uint32", "uint64"])
def test_ember_file_every_dtype_loads_in_torch(dtype):
    rng = _rng(4)
    if dtype.startswith("uint") and dtype != "uint8":
        arr = rng.integers(0, 1000, (3, 4)).astype(dtype)
        e, t = ember_tensor(arr), torch.from_numpy(arr.copy())
    else:
        e, t = _ember_pair(rng, (3, 4), dtype)
    out = torch_load_bytes(ember_save_bytes({"x": e, "s": ember_tensor(e._data[1, 2, ...])}))
    assert torch_bytes(out["x"]) == torch_bytes(t) and out["x"].dtype == t.dtype
    assert out["s"].shape == () and torch_bytes(out["s"]) == torch_bytes(t[1, 2])
    assert out["s"].storage_offset() == 6
    assert out["s"].untyped_storage().nbytes() == out["x"].untyped_storage().nbytes()
    back = ember_load_bytes(ember_save_bytes({"x": e}))
    assert ember_bytes(back["x"]) == ember_bytes(e) and str(back["x"].dtype) == str(e.dtype)


def test_ember_views_strides_and_sharing_in_torch():
    base = ember_tensor(np.arange(24, dtype=np.float32))
    d = base._data
    obj = {"base": base, "slice": ember_tensor(d[2:9]), "t": ember_tensor(d.reshape(4, 6).T),
           "step": ember_tensor(d[1::3]), "bcast": ember_tensor(np.broadcast_to(d[:3].reshape(3, 1), (3, 5))),
           "other": ember_tensor(np.ones(3, np.float32))}
    out = torch_load_bytes(ember_save_bytes(obj))
    for k, e in obj.items():
        t = out[k]
        assert ember_stride(e) == t.stride() and ember_offset(e) == t.storage_offset()
        assert ember_bytes(e) == torch_bytes(t)
    ptrs = {out[k].untyped_storage().data_ptr() for k in ("base", "slice", "t", "step", "bcast")}
    assert len(ptrs) == 1 and out["other"].untyped_storage().data_ptr() not in ptrs
    assert out["base"].untyped_storage().nbytes() == 96
    z = zipfile.ZipFile(io.BytesIO(ember_save_bytes(obj)))
    assert sum(n.split("/")[-2] == "data" for n in z.namelist()) == 2  # two storage records


def test_ember_zip_layout_matches_torch():
    """Same state_dict saved by both: identical record list, offsets and pickle bytes."""
    torch.manual_seed(0)
    sd = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)).state_dict()
    esd = collections.OrderedDict((k, ember_from_torch(v)) for k, v in sd.items())
    esd._metadata = sd._metadata
    tdata, edata = torch_save_bytes(sd), ember_save_bytes(esd)
    zt, ze = zipfile.ZipFile(io.BytesIO(tdata)), zipfile.ZipFile(io.BytesIO(edata))
    assert ze.namelist() == zt.namelist()
    assert ze.read("archive/data.pkl") == zt.read("archive/data.pkl")
    for a, b in zip(zt.infolist(), ze.infolist()):
        assert (a.header_offset, a.file_size, a.flag_bits) == (b.header_offset, b.file_size, b.flag_bits)
        if "serialization_id" not in a.filename:
            assert zt.read(a) == ze.read(b)
    assert len(edata) == len(tdata)
    assert ze.testzip() is None
    assert ze.read("archive/version") == b"3\n" and ze.read("archive/byteorder") == b"little"
    sid = ze.read("archive/.data/serialization_id")
    assert len(sid) == 40 and sid.isdigit()
    for info in ze.infolist():  # every record's data starts on a 64-byte boundary
        hdr = edata[info.header_offset:info.header_offset + 30]
        start = (info.header_offset + 30 + int.from_bytes(hdr[26:28], "little")
                 + int.from_bytes(hdr[28:30], "little"))
        assert start % 64 == 0


def test_ember_parameters_and_state_dict_in_torch():
    w = ember_tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    try:
        from ember.nn.parameter import Parameter
        p = Parameter(w)
    except Exception:
        p = w
        p.requires_grad = True
    rg = ember_tensor(np.ones(2, np.float32))
    rg.requires_grad = True
    sd = collections.OrderedDict(weight=p, rg=rg, bias=ember_tensor(np.zeros(3, np.float64)))
    sd._metadata = collections.OrderedDict({"": {"version": 1}, "fc": {"version": 2}})
    out = torch_load_bytes(ember_save_bytes(sd))
    assert isinstance(out, collections.OrderedDict) and list(out) == list(sd)
    assert out._metadata == sd._metadata
    if type(p).__name__ == "Parameter":
        assert isinstance(out["weight"], torch.nn.Parameter)
    assert out["weight"].requires_grad and out["rg"].requires_grad and not out["bias"].requires_grad
    assert torch.equal(out["weight"].detach(), torch.arange(6.0).view(2, 3))
    back = ember_load_bytes(ember_save_bytes(sd))
    assert type(back["weight"]) is type(p) and back["weight"].requires_grad
    assert back._metadata == sd._metadata


def test_ember_nested_containers_and_objects_in_torch():
    import ember._dtype as D
    from ember._device import device
    from ember._tensor import Size
    e = ember_tensor(np.arange(4, dtype=np.int64))
    obj = {"list": [e, 1, 2.5, "s", None], "tuple": (ember_tensor(e._data[1:]), (e,)), "n": {"a": [e]},
           "dtype": D.bfloat16, "dev": device("cpu"), "size": Size([2, 3]), "c": 1 - 1j,
           "b": b"xy", "od": collections.OrderedDict(k=[1, 2])}
    data = ember_save_bytes(obj)
    out = torch_load_bytes(data)
    assert out["list"][0] is out["tuple"][1][0] is out["n"]["a"][0]
    assert out["tuple"][0].storage_offset() == 1
    assert out["tuple"][0].untyped_storage().data_ptr() == out["list"][0].untyped_storage().data_ptr()
    assert out["dtype"] is torch.bfloat16 and out["dev"] == torch.device("cpu")
    assert out["size"] == torch.Size([2, 3]) and isinstance(out["size"], torch.Size)
    assert out["c"] == 1 - 1j and out["b"] == b"xy" and out["od"] == obj["od"]
    back = ember_load_bytes(data)
    assert back["dtype"] is D.bfloat16 and back["size"] == Size([2, 3]) and back["dev"] == device("cpu")
    assert back["list"][0] is back["n"]["a"][0]


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_ember_pickle_protocols(protocol):
    e = ember_tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    data = ember_save_bytes({"x": e, "v": ember_tensor(e._data[:, 1])}, pickle_protocol=protocol)
    # torch's own weights_only unpickler has no FRAME opcode (protocol 4+), for its files too
    out = torch_load_bytes(data, weights_only=protocol == 2)
    assert torch.equal(out["x"], torch.arange(6.0).view(2, 3)) and out["v"].stride() == (3,)
    back = ember_load_bytes(data)
    assert ember_bytes(back["v"]) == ember_bytes(ember_tensor(e._data[:, 1]))


def test_ember_legacy_format_both_ways():
    base = ember_tensor(np.arange(10, dtype=np.float64))
    obj = {"a": base, "v": ember_tensor(base._data[3:6]), "i": ember_tensor(np.arange(3, dtype=np.int16))}
    data = ember_save_bytes(obj, _use_new_zipfile_serialization=False)
    assert not data.startswith(b"PK")
    out = torch_load_bytes(data)
    assert torch.equal(out["v"], torch.arange(3.0, 6.0, dtype=torch.float64))
    assert out["v"].storage_offset() == 3
    assert out["a"].untyped_storage().data_ptr() == out["v"].untyped_storage().data_ptr()
    back = ember_load_bytes(data)
    for k in obj:
        assert ember_bytes(back[k]) == ember_bytes(obj[k])
    assert root_ptr(back["a"]) == root_ptr(back["v"])


def test_paths_and_file_objects(tmp_path):
    from ember import serialization as S
    e = ember_tensor(np.arange(5, dtype=np.int32))
    for target in (str(tmp_path / "a.pt"), tmp_path / "b.pth"):
        S.save({"x": e}, target)
        assert torch.load(target, weights_only=True)["x"].tolist() == [0, 1, 2, 3, 4]
        assert ember_bytes(S.load(target)["x"]) == ember_bytes(e)
        with open(target, "rb") as fh:
            assert ember_bytes(S.load(fh)["x"]) == ember_bytes(e)
    names = zipfile.ZipFile(tmp_path / "b.pth").namelist()
    assert names[0] == "b/data.pkl"  # archive folder named after the file, as torch does
    with open(tmp_path / "c.pt", "wb") as fh:
        S.save([e], fh)
    assert torch.load(tmp_path / "c.pt", weights_only=True)[0].tolist() == [0, 1, 2, 3, 4]


def test_whole_object_needs_weights_only_false():
    import pickle
    from ember import serialization as S
    obj = collections.Counter(a=1)
    box = {"counter": obj, "t": ember_tensor(np.ones(2, np.float32)), "obj": _Box(3)}
    data = ember_save_bytes(box)
    with pytest.raises(pickle.UnpicklingError, match="_Box"):
        S.load(io.BytesIO(data))
    out = S.load(io.BytesIO(data), weights_only=False)
    assert isinstance(out["obj"], _Box) and out["obj"].v == 3 and out["counter"] == obj
    with S.safe_globals([_Box]):
        assert S.load(io.BytesIO(data))["obj"].v == 3


class _Box:
    def __init__(self, v):
        self.v = v


def test_torch_arbitrary_objects_weights_only_false():
    """A torch file with a non-tensor object maps torch names to ember's for trusted loads."""
    from ember import serialization as S
    data = torch_save_bytes({"size": torch.Size([4]), "obj": _Box(torch.ones(2)), "dt": torch.int8})
    out = S.load(io.BytesIO(data), weights_only=False)
    assert out["obj"].v.tolist() == [1.0, 1.0] and tuple(out["size"]) == (4,)
    assert str(out["dt"]) == "torch.int8"


def test_load_rejects_bad_inputs(tmp_path):
    from ember import serialization as S
    with pytest.raises(FileNotFoundError):
        S.load(tmp_path / "missing.pt")
    with pytest.raises(EOFError):
        S.load(io.BytesIO(b""))
    with pytest.raises((RuntimeError, Exception)) as info:
        S.load(io.BytesIO(b"not a checkpoint at all"))
    assert info.type.__name__ in ("RuntimeError", "UnpicklingError")
    with pytest.raises(ValueError):
        S.save({}, io.BytesIO(), pickle_protocol=99)


def test_bare_storages_both_ways():
    import warnings
    from ember._storage import TypedStorage, UntypedStorage
    t = torch.arange(6, dtype=torch.int32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ember_load_bytes(torch_save_bytes({"typed": t.storage(), "t": t}))
    assert isinstance(out["typed"], TypedStorage) and out["typed"].tolist() == list(range(6))
    assert out["typed"].data_ptr() == root_ptr(out["t"])  # one record for both
    b = t.view(torch.uint8)
    out = ember_load_bytes(torch_save_bytes({"u": b.untyped_storage(), "b": b}))
    assert isinstance(out["u"], UntypedStorage) and out["u"].nbytes() == 24
    assert out["u"].data_ptr() == root_ptr(out["b"])
    e = ember_tensor(np.arange(4, dtype=np.uint8))
    back = torch_load_bytes(ember_save_bytes({"u": e.untyped_storage(), "t": e}))
    assert back["u"].nbytes() == 4 and back["u"].data_ptr() == back["t"].untyped_storage().data_ptr()
    f = ember_tensor(np.arange(4, dtype=np.float32))
    with pytest.raises(RuntimeError, match="different types"):  # as torch refuses
        ember_save_bytes({"u": f.untyped_storage(), "t": f})
    with pytest.raises(RuntimeError, match="different types"):
        torch_save_bytes({"u": t.untyped_storage(), "t": t})


def test_numpy_arrays_need_allowlisting():
    import pickle
    from ember import serialization as S
    arr = np.arange(3.0)
    data = torch_save_bytes({"np": arr})
    with pytest.raises(pickle.UnpicklingError, match="numpy"):
        S.load(io.BytesIO(data))
    from numpy._core.multiarray import _reconstruct
    allow = [_reconstruct, np.ndarray, np.dtype, type(np.dtype(np.float64))]
    with S.safe_globals(allow):
        out = S.load(io.BytesIO(data))
    assert np.array_equal(out["np"], arr)
    assert np.array_equal(S.load(io.BytesIO(data), weights_only=False)["np"], arr)


def test_legacy_trusted_load_from_real_file(tmp_path):
    from ember import serialization as S
    path = tmp_path / "old.pt"
    torch.save({"obj": _Box(1), "t": torch.arange(3)}, path, _use_new_zipfile_serialization=False)
    out = S.load(path, weights_only=False)
    assert out["obj"].v == 1 and out["t"].tolist() == [0, 1, 2]


def test_explicit_cuda_map_location_without_gpu():
    from ember._device import _get_cupy
    if _get_cupy() is not None:
        pytest.skip("a GPU is present")
    data = ember_save_bytes({"x": ember_tensor(np.ones(2, np.float32))})
    with pytest.raises(RuntimeError, match="CUDA"):
        ember_load_bytes(data, map_location="cuda:0")
    with pytest.raises(RuntimeError, match="CUDA"):
        ember_load_bytes(data, map_location={"cpu": "cuda:0"})
