"""weights_only loading refuses anything off the allowlist, and corrupt files fail cleanly."""
import collections
import io
import os
import pickle
import signal
import struct
import zipfile

import numpy as np
import pytest

from tests.test_serialization_helpers import ember_save_bytes, ember_tensor, rewrite_zip

CLEAN = (pickle.UnpicklingError, RuntimeError, ValueError, EOFError, zipfile.BadZipFile)


def _load(data: bytes, **kw):
    from ember import serialization as S
    return S.load(io.BytesIO(data), **kw)


def _valid_zip() -> bytes:
    base = ember_tensor(np.arange(12, dtype=np.float32))
    sd = collections.OrderedDict(w=base, v=ember_tensor(base._data[2:8].reshape(2, 3)),
                                 i=ember_tensor(np.arange(4, dtype=np.int64)))
    sd._metadata = {"": {"version": 1}}
    return ember_save_bytes(sd)


def _with_pickle(pkl: bytes) -> bytes:
    """A valid checkpoint whose data.pkl is replaced by ``pkl``."""
    return rewrite_zip(_valid_zip(), lambda n, b: pkl if n.endswith("data.pkl") else b)


def _global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _marker(tmp_path):
    return tmp_path / "pwned"


def _payloads(marker):
    cmd = f"touch {marker}"
    yield "os.system", b"\x80\x02" + _global("os", "system") + pickle.dumps((cmd,), 2)[2:-1] + b"R."
    yield "posix.system", b"\x80\x02" + _global("posix", "system") + pickle.dumps((cmd,), 2)[2:-1] + b"R."
    code = f"open({str(marker)!r}, 'w').close()"
    args = pickle.dumps((code,), 2)[2:-1]
    yield "builtins.eval", b"\x80\x02" + _global("__builtin__", "eval") + args + b"R."
    yield "builtins.exec", b"\x80\x02" + _global("builtins", "exec") + pickle.dumps((code,), 2)[2:-1] + b"R."
    yield "builtins.getattr", b"\x80\x02" + _global("builtins", "getattr") + b")R."
    yield "subprocess.Popen", b"\x80\x02" + _global("subprocess", "Popen") + b")\x81."
    # dotted names reaching through an allowed class to something else
    yield ("collections.OrderedDict.fromkeys",
           b"\x80\x02" + _global("collections", "OrderedDict.fromkeys") + b")R.")
    yield "torch._utils.sys", b"\x80\x02" + _global("torch._utils", "sys") + b"."
    # protocol 4 STACK_GLOBAL spelling of os.system
    yield "os.system", (b"\x80\x04\x8c\x02os\x94\x8c\x06system\x94\x93\x94" +
                        b"\x8c" + bytes([len(cmd)]) + cmd.encode() + b"\x85R.")


@pytest.mark.parametrize("container", ["zip", "legacy", "raw"])
def test_malicious_globals_refused_and_never_run(tmp_path, container):
    marker = _marker(tmp_path)
    for name, pkl in _payloads(marker):
        if container == "zip":
            data = _with_pickle(pkl)
        elif container == "legacy":
            head = b"".join(pickle.dumps(x, 2)
                            for x in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}))
            data = head + pkl
        else:
            data = pkl
        with pytest.raises(pickle.UnpicklingError, match=name.replace(".", r"\.")):
            _load(data)
        assert not marker.exists(), name
    # a pickled object whose __reduce__ would run os.system
    data = ember_save_bytes({"evil": _Evil(str(marker))})
    with pytest.raises(pickle.UnpicklingError, match=r"posix\.system|os\.system"):
        _load(data)
    assert not marker.exists()


class _Evil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def test_subclass_and_state_tricks_refused(tmp_path):
    # BUILD on an allowed class object (not an instance) must not set attributes on it
    pkl = b"\x80\x02" + _global("collections", "OrderedDict") + b"}X\x03\x00\x00\x00fooK\x01sb."
    with pytest.raises(pickle.UnpicklingError):
        _load(_with_pickle(pkl))
    assert not hasattr(collections.OrderedDict, "foo")
    # BUILD on one of ember's rebuild functions (a function object) is refused
    pkl = (b"\x80\x02" + _global("torch._utils", "_rebuild_tensor_v2") +
           b"}X\x0c\x00\x00\x00__defaults__)sb.")
    with pytest.raises(pickle.UnpicklingError):
        _load(_with_pickle(pkl))
    # REDUCE of something that did not come from the allowlist (a str on the stack) is refused
    with pytest.raises(pickle.UnpicklingError):
        _load(_with_pickle(b"\x80\x02X\x04\x00\x00\x00evil)R."))
    # NEWOBJ of an allowed non-class / of a refused class
    with pytest.raises(pickle.UnpicklingError):
        _load(_with_pickle(b"\x80\x02" + _global("torch._utils", "_rebuild_tensor_v2") + b")\x81."))
    with pytest.raises(pickle.UnpicklingError, match="builtins.type"):
        _load(_with_pickle(b"\x80\x02" + _global("builtins", "type") + b")\x81."))
    # allowlisted names that would allocate whatever a file asks for stay inert
    for mod, name in (("torch", "Tensor"), ("builtins", "bytearray"), ("torch.nn.parameter", "Parameter")):
        pkl = b"\x80\x02" + _global(mod, name) + b"\x8a\x06\x00\x00\x00\x00\x00\x01\x85R."
        with pytest.raises(pickle.UnpicklingError):
            _load(_with_pickle(pkl))
    # _rebuild_from_type_v2 only calls tensor rebuilders
    pkl = (b"\x80\x02" + _global("torch._tensor", "_rebuild_from_type_v2") + b"("
           + _global("_codecs", "encode") + _global("torch", "Tensor") + b"X\x01\x00\x00\x00a\x85NtR.")
    with pytest.raises(pickle.UnpicklingError, match="rebuilders"):
        _load(_with_pickle(pkl))
    # OrderedDict state may not carry non-str keys
    pkl = b"\x80\x02" + _global("collections", "OrderedDict") + b")R}K\x01K\x02sb."
    with pytest.raises(pickle.UnpicklingError):
        _load(_with_pickle(pkl))


def test_out_of_bounds_tensor_views_refused():
    """A crafted size/stride reaching past the storage never reads outside it."""
    good = _valid_zip()
    z = zipfile.ZipFile(io.BytesIO(good))
    pkl = z.read("archive/data.pkl")
    # w has size (12,), stride (1,): make it claim 1000 elements
    bad = pkl.replace(b"K\x00K\x0c\x85", b"K\x00M\xe8\x03\x85", 1)
    assert bad != pkl
    with pytest.raises(RuntimeError, match="out of bounds"):
        _load(_with_pickle(bad))
    bad = pkl.replace(b"K\x00K\x0c\x85", b"K\x05K\x0c\x85", 1)  # offset 5 + 12 elements
    with pytest.raises(RuntimeError, match="out of bounds"):
        _load(_with_pickle(bad))


def test_safe_globals_api():
    from ember import serialization as S
    S.clear_safe_globals()
    data = ember_save_bytes({"p": _Point(1, 2)})
    with pytest.raises(pickle.UnpicklingError, match="_Point"):
        _load(data)
    with S.safe_globals([_Point]):
        assert _Point in S.get_safe_globals()
        p = _load(data)["p"]
        assert (p.x, p.y) == (1, 2)
    assert S.get_safe_globals() == []
    with pytest.raises(pickle.UnpicklingError):
        _load(data)
    S.add_safe_globals([(_Point, f"{_Point.__module__}._Point")])
    try:
        assert _load(data)["p"].y == 2
    finally:
        S.clear_safe_globals()
    assert S.get_safe_globals() == []
    with pytest.raises(TypeError):
        S.add_safe_globals(_Point)


class _Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


def _mutations(data: bytes, rng, count: int):
    arr = np.frombuffer(data, np.uint8)
    for i in range(count):
        m = arr.copy()
        kind = i % 4
        if kind == 0:  # flip a few random bytes
            idx = rng.integers(0, m.size, rng.integers(1, 6))
            m[idx] = rng.integers(0, 256, idx.size)
        elif kind == 1:  # truncate
            m = m[: rng.integers(0, m.size)]
        elif kind == 2:  # corrupt a byte inside the pickle region (early in the file)
            idx = rng.integers(0, min(m.size, 700), 2)
            m[idx] ^= rng.integers(1, 256, 2).astype(np.uint8)
        else:  # overwrite a 4-byte little-endian field with a huge value
            pos = int(rng.integers(0, m.size - 4))
            m[pos:pos + 4] = np.frombuffer(struct.pack("<I", int(rng.integers(2 ** 20, 2 ** 32))), np.uint8)
        yield m.tobytes()


def _alarm(signum, frame):
    raise TimeoutError("ember.load hung on a corrupt file")


@pytest.mark.parametrize("legacy", [False, True])
def test_fuzzed_checkpoints_fail_cleanly(tmp_path, legacy):
    base = ember_tensor(np.arange(12, dtype=np.float32))
    obj = {"w": base, "v": ember_tensor(base._data[2:8].reshape(2, 3)), "n": [1, "two", 3.0],
           "i": ember_tensor(np.arange(4, dtype=np.int16))}
    data = ember_save_bytes(obj, _use_new_zipfile_serialization=not legacy)
    rng = np.random.default_rng(123)
    old = signal.signal(signal.SIGALRM, _alarm)
    outcomes = collections.Counter()
    try:
        for blob in _mutations(data, rng, 300):
            signal.alarm(5)
            try:
                _load(blob)
                outcomes["ok"] += 1
            except CLEAN as e:
                outcomes[type(e).__name__] += 1
            finally:
                signal.alarm(0)
    finally:
        signal.signal(signal.SIGALRM, old)
    assert sum(outcomes.values()) == 300
    assert outcomes["ok"] < 300  # the mutations do break things
    assert not list(tmp_path.iterdir())
