"""Tensor and storage printing must match torch character for character."""
import math

import warnings

import ml_dtypes
import numpy as np
import pytest

import ember
from ember import _tensor_str as ts
from tests._oracle import requires_torch, torch

pytestmark = requires_torch


# ----------------------------------------------------------------------------- fakes


class _Dev:
    def __init__(self, text):
        self.type = text.split(":")[0]
        self.index = int(text.split(":")[1]) if ":" in text else None
        self._text = text

    def __str__(self):
        return self._text


class Tensor:
    """Just the fields tensor_repr reads, taken from a torch tensor."""

    def __init__(self, t, device=None, names=None):
        t = t.detach().resolve_conj().resolve_neg()
        if t.dtype == torch.bfloat16:
            data = t.view(torch.int16).numpy().view(ml_dtypes.bfloat16)
        else:
            data = t.numpy()
        self._data = data
        self.dtype = t.dtype
        self.device = device or _Dev("cpu")
        self._names = names
        self.requires_grad = False
        self.grad_fn = None
        self.is_leaf = True


class _GradFn:
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name


def _fake_from(t, device=None, names=None):
    fake = Tensor(t, device=device, names=names)
    fake.requires_grad = t.requires_grad
    if t.grad_fn is not None:
        fake.grad_fn = _GradFn(t.grad_fn.name())
    fake.is_leaf = t.is_leaf
    return fake


def _numpy_of(t):
    """The torch tensor's values as a fresh NumPy array (bfloat16 through ml_dtypes)."""
    t = t.detach().resolve_conj().resolve_neg()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().view(ml_dtypes.bfloat16).copy()
    return t.numpy().copy()


def _mirror(t):
    """An ember tensor holding the same values as the torch tensor (leaf requires_grad kept)."""
    e = ember.from_numpy(_numpy_of(t))
    if t.requires_grad and t.is_leaf:
        e.requires_grad_(True)
    return e


def _check(t):
    e = _mirror(t)
    assert repr(e) == repr(t)
    assert str(e) == str(t)


@pytest.fixture(autouse=True)
def _reset_options():
    yield
    ts.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


def _both_set(**kw):
    ts.set_printoptions(**kw)
    torch.set_printoptions(**kw)


# ----------------------------------------------------------------------------- seed examples


def test_seed_examples():
    cases = [
        (torch.tensor([[1.0, 2.0], [3.0, 1.0], [2.5, 1.5]]),
         "tensor([[1.0000, 2.0000],\n        [3.0000, 1.0000],\n        [2.5000, 1.5000]])"),
        (torch.ones(3), "tensor([1., 1., 1.])"),
        (torch.cos(torch.arange(9.0)),
         "tensor([ 1.0000,  0.5403, -0.4161, -0.9900, -0.6536,  0.2837,  0.9602,  0.7539,\n        -0.1455])"),
        (torch.zeros(5, dtype=torch.float64), "tensor([0., 0., 0., 0., 0.], dtype=torch.float64)"),
        (torch.tensor([[4.0, 1.0], [10.0, 3.0], [2.0, 1.0]]),
         "tensor([[ 4.,  1.],\n        [10.,  3.],\n        [ 2.,  1.]])"),
        (torch.tensor(3.0), "tensor(3.)"),
        (torch.tensor([]), "tensor([])"),
        (torch.zeros(0, 3), "tensor([], size=(0, 3))"),
    ]
    for t, expected in cases:
        assert repr(t) == expected
        assert repr(_mirror(t)) == expected
    # The same values built through ember's own API.
    assert repr(ember.ones(3)) == "tensor([1., 1., 1.])"
    assert repr(ember.zeros(5, dtype=ember.float64)) == "tensor([0., 0., 0., 0., 0.], dtype=torch.float64)"
    assert repr(ember.tensor(3.0)) == "tensor(3.)"
    assert repr(ember.tensor([[4.0, 1.0], [10.0, 3.0], [2.0, 1.0]])) == \
        "tensor([[ 4.,  1.],\n        [10.,  3.],\n        [ 2.,  1.]])"


def test_named_tensor_suffix():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = ember.tensor([0.2126, 0.7152, 0.0722], names=("channels",))
    assert repr(e) == "tensor([0.2126, 0.7152, 0.0722], names=('channels',))"
    t = torch.tensor([0.2126, 0.7152, 0.0722])
    fake = _fake_from(t, names=("channels",))
    assert ts.tensor_repr(fake) == "tensor([0.2126, 0.7152, 0.0722], names=('channels',))"
    fake = _fake_from(torch.ones(2, 2), names=("N", None))
    assert ts.tensor_repr(fake) == "tensor([[1., 1.],\n        [1., 1.]], names=('N', None))"
    # All-None names are the same as unnamed.
    assert ts.tensor_repr(_fake_from(torch.ones(2), names=(None,))) == "tensor([1., 1.])"


# ----------------------------------------------------------------------------- random sweep

_DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int8, torch.int16,
           torch.int32, torch.int64, torch.uint8, torch.bool, torch.complex64, torch.complex128,
           torch.uint16, torch.uint32, torch.uint64]
_SHAPES = [(), (0,), (1,), (5,), (9,), (17,), (0, 3), (3, 0, 2), (2, 3), (4, 7), (3, 2, 4),
           (2, 2, 2, 3), (1001,), (40, 30), (7, 200), (12, 12, 12), (2, 1, 600), (1500, 1)]
_SCALES = [1.0, 1e-6, 1e-3, 1e3, 1e5, 1e9, 1e12, 1e-9, 0.5, 100.0]


def _random_tensor(rng, shape, dtype):
    n = int(np.prod(shape)) if shape else 1
    kind = rng.integers(0, 4)
    if dtype == torch.bool:
        arr = rng.random(n) > 0.5
    elif not (dtype.is_floating_point or dtype.is_complex):
        info = np.iinfo(torch.empty(0, dtype=dtype).numpy().dtype)
        lo, hi = max(info.min, -10 ** int(rng.integers(1, 12))), min(info.max, 10 ** int(rng.integers(1, 12)))
        arr = rng.integers(lo, hi, size=n, endpoint=True)
    else:
        scale = _SCALES[rng.integers(len(_SCALES))]
        arr = rng.standard_normal(n) * scale
        if kind == 1:
            arr = np.round(arr)  # integer-valued floats
        elif kind == 2 and n > 2:
            arr[rng.integers(n)] = [np.inf, -np.inf, np.nan, 0.0][rng.integers(4)]
            arr[rng.integers(n)] = 0.0
        elif kind == 3:
            arr = np.abs(arr)
        if dtype.is_complex:
            arr = arr + 1j * np.round(rng.standard_normal(n) * scale, int(rng.integers(0, 3)))
    t = torch.from_numpy(np.asarray(arr).reshape(shape))
    return t.to(dtype)


def test_random_sweep_matches_torch():
    rng = np.random.default_rng(1234)
    count = 0
    for i in range(230):
        shape = _SHAPES[i % len(_SHAPES)]
        dtype = _DTYPES[rng.integers(len(_DTYPES))]
        t = _random_tensor(rng, shape, dtype)
        _check(t)
        count += 1
    assert count == 230


def test_specials():
    inf, nan = math.inf, math.nan
    for values in ([inf, 1.0], [nan, -inf, 2.5], [inf, nan], [0.0, -0.0], [1e-5, 1.0], [1e8, 1.0],
                   [1.5e8, 2.0], [123456789.0, 1.0], [1e-4, 1.0], [0.1, 1000.0], [0.1, 100.0],
                   [1.0, 1001.0], [-1e-20, 3.0], [5e-324, 1.0], [1e300, 1e-300], [65504.0]):
        _check(torch.tensor(values))
        _check(torch.tensor(values, dtype=torch.float64))
        _check(torch.tensor(values[0]))
    _check(torch.tensor([1 + 2j, -0.5 - 0j, 3.25j, complex(1, -0.0)]))
    _check(torch.tensor(complex(inf, nan)))
    _check(torch.tensor(True))
    _check(torch.tensor([True, False]))
    _check(torch.tensor(-7))
    _check(torch.tensor([2 ** 63 - 1, -(2 ** 63)]))


# ----------------------------------------------------------------------------- suffixes


def test_empty_dtype_rules():
    for dtype in _DTYPES:
        for shape in [(0,), (0, 3), (2, 0, 1)]:
            _check(torch.zeros(shape, dtype=dtype))


def test_grad_suffixes():
    def cases(m):
        a = m.ones(3, requires_grad=True)
        b = m.ones(2, 3, dtype=m.float64, requires_grad=True)
        return [a, a * 2, (a * 2).sum(), b + 1, m.zeros(0, 2, requires_grad=True),
                (m.ones(12, dtype=m.float64, requires_grad=True) / 3) * 7]
    for e, t in zip(cases(ember), cases(torch)):
        assert repr(e) == repr(t)
    # The grad_fn name is the node's name() (the last '::' part), as torch shows it.
    fake = _fake_from(torch.ones(2))
    fake.grad_fn = _GradFn("torch::autograd::CopySlices")
    assert ts.tensor_repr(fake) == "tensor([1., 1.], grad_fn=<CopySlices>)"


def test_suffix_wraps_past_linewidth():
    # A last line near the width pushes the suffix onto its own line, indented.
    for n in range(5, 12):
        _check(torch.arange(float(n)) / 3 + 0.5)
        _check((torch.arange(float(n)) / 3).double())
        t = (torch.arange(float(n), requires_grad=True) / 3).double()
        assert ts.tensor_repr(_fake_from(t)) == repr(t)
    _check(torch.full((2, 7), 1.2345, dtype=torch.float64))


def test_device_suffix_is_first():
    t = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    fake = _fake_from(t, device=_Dev("cuda:0"))
    assert ts.tensor_repr(fake) == "tensor([1., 2.], device='cuda:0', dtype=torch.float64, requires_grad=True)"
    assert ts.tensor_repr(_fake_from(torch.zeros(0, 2), device=_Dev("cuda:1"))) == \
        "tensor([], device='cuda:1', size=(0, 2))"


def test_meta_device():
    t = torch.ones(2, 3, dtype=torch.int32, device="meta")
    fake = Tensor.__new__(Tensor)
    fake._data, fake.dtype, fake.device, fake._names = None, t.dtype, _Dev("meta"), None
    fake.shape, fake.requires_grad, fake.grad_fn, fake.is_leaf = t.shape, False, None, True
    assert ts.tensor_repr(fake) == repr(t)


def test_default_dtype_changes_suffix():
    prev_t, prev_e = torch.get_default_dtype(), ember.get_default_dtype()
    try:
        for default in ("float64", "float32", "float16"):
            torch.set_default_dtype(getattr(torch, default))
            ember.set_default_dtype(getattr(ember, default))
            for dtype in ("float32", "float64", "float16", "complex64", "complex128", "int64", "bool"):
                for shape in [(3,), (0,), (0, 2)]:
                    _check(torch.ones(shape, dtype=getattr(torch, dtype)))
    finally:
        torch.set_default_dtype(prev_t)
        ember.set_default_dtype(prev_e)


def test_subclass_prefix():
    class Parameter(Tensor):
        pass

    class MyT(Tensor):
        pass

    base = torch.ones(2)
    p = Parameter(base)
    assert ts.tensor_repr(p) == "tensor([1., 1.])"
    m = MyT(base)
    assert ts.tensor_repr(m) == repr(base.as_subclass(type("MyT", (torch.Tensor,), {})))


def test_tensor_contents_override():
    fake = _fake_from(torch.ones(2, dtype=torch.int32))
    assert ts.tensor_repr(fake, tensor_contents="[xx]") == "tensor([xx], dtype=torch.int32)"


# ----------------------------------------------------------------------------- print options


def test_get_set_printoptions_semantics():
    assert ts.get_printoptions() == torch._tensor_str.get_printoptions()
    for kw in [dict(precision=2), dict(sci_mode=True), dict(precision=7), dict(profile="bogus"),
               dict(profile="full"), dict(profile="short"), dict(threshold=5, edgeitems=1),
               dict(linewidth=40, sci_mode=False), dict(profile="default")]:
        _both_set(**kw)
        assert ts.get_printoptions() == torch._tensor_str.get_printoptions(), kw


def test_printoptions_context_manager():
    with ts.printoptions(precision=2):
        assert ts.get_printoptions()["precision"] == 2
    assert ts.get_printoptions()["precision"] == 4


def test_options_change_output():
    rng = np.random.default_rng(7)
    tensors = [torch.from_numpy(rng.standard_normal((6, 9))).float(),
               torch.from_numpy(rng.standard_normal(30) * 1e4),
               torch.arange(40).reshape(5, 8),
               torch.zeros(4), torch.tensor([1e-8, 1e10]), torch.tensor([1.0, 2.0]),
               torch.from_numpy(rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4)))]
    for kw in [dict(precision=2), dict(precision=8), dict(sci_mode=True), dict(sci_mode=False),
               dict(threshold=10), dict(threshold=10, edgeitems=1), dict(threshold=10, edgeitems=0),
               dict(edgeitems=0), dict(linewidth=30), dict(linewidth=200), dict(profile="short"),
               dict(profile="full"), dict(linewidth=5, threshold=4, edgeitems=2)]:
        _both_set(**kw)
        for t in tensors:
            _check(t)
            _check(t[0])
        _both_set(profile="default")


def test_full_profile_prints_everything():
    _both_set(profile="full")
    t = torch.arange(2000.0)
    out = repr(_mirror(t))
    assert "..." not in out and out == repr(t)


# ----------------------------------------------------------------------------- storages


class _Storage:
    def __init__(self, array, dtype, device="cpu"):
        self._array = array
        self.dtype = dtype
        self.device = _Dev(device)

    def __len__(self):
        return self._array.shape[0]


def test_storage_repr_matches_torch():
    warnings.simplefilter("ignore")
    t = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
    expected = " 4.0\n 1.0\n 5.0\n 3.0\n 2.0\n 1.0\n[torch.storage.TypedStorage(dtype=torch.float32, device=cpu) of size 6]"
    assert repr(t.storage()) == expected
    assert repr(ember.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]]).storage()) == expected
    for tt in [torch.tensor([0.1, 2.0]), torch.tensor([0.1], dtype=torch.float16),
               torch.tensor([0.1, -3.0], dtype=torch.bfloat16), torch.tensor([], dtype=torch.int32),
               torch.tensor([1 + 2j]), torch.tensor([True, False]), torch.tensor([3, -4]),
               torch.tensor([1.5, 2.0], dtype=torch.float64), torch.tensor([200, 7], dtype=torch.uint8)]:
        e = _mirror(tt)
        assert repr(e.storage()) == repr(tt.storage())
        assert str(e.storage()) == str(tt.storage())
        assert repr(e.untyped_storage()) == repr(tt.untyped_storage())
    # Storage objects only need _array/dtype/device: an UntypedStorage has no dtype.
    raw = np.array([1, 255], np.uint8)
    assert ts.untyped_storage_repr(_Storage(raw, None)) == ts.storage_repr(_Storage(raw, None))
    meta = torch.ones(2, device="meta")
    m = _Storage(None, torch.float32, "meta")
    m.__class__ = type("S", (_Storage,), {"__len__": lambda self: 2})
    assert ts.storage_repr(m) == repr(meta.storage())


def test_random_sweep_with_random_options():
    rng = np.random.default_rng(99)
    for i in range(150):
        kw = dict(precision=int(rng.integers(0, 9)), threshold=int(rng.choice([4, 20, 1000, 5000])),
                  edgeitems=int(rng.integers(0, 5)), linewidth=int(rng.choice([10, 40, 80, 120])),
                  sci_mode=[None, True, False][rng.integers(3)])
        _both_set(**kw)
        shape = _SHAPES[rng.integers(len(_SHAPES))]
        dtype = _DTYPES[rng.integers(len(_DTYPES))]
        t = _random_tensor(rng, shape, dtype)
        assert repr(_mirror(t)) == repr(t), (kw, shape, dtype)


def test_ember_set_printoptions_is_this_module():
    assert ember.set_printoptions is ts.set_printoptions
    ember.set_printoptions(precision=2)
    assert repr(ember.tensor([1.2345, 2.0])) == "tensor([1.23, 2.00])"
    ember.set_printoptions(profile="default")
    assert repr(ember.tensor([1.2345, 2.0])) == "tensor([1.2345, 2.0000])"


class _FakeCupyArray:
    """Stands in for a cupy.ndarray: slicing stays 'on device', .get() copies to the host."""

    def __init__(self, a):
        self._a = a
        self.shape, self.size, self.ndim, self.dtype = a.shape, a.size, a.ndim, a.dtype
        self.copied = 0

    def __getitem__(self, key):
        return _FakeCupyArray(self._a[key])

    def get(self):
        _FakeCupyArray.copied += self._a.size
        return self._a


_FakeCupyArray.__module__ = "cupy._core.core"


def test_device_arrays_are_trimmed_before_the_host_copy():
    t = torch.from_numpy(np.random.default_rng(3).standard_normal((500, 400))).float()
    fake = _fake_from(t, device=_Dev("cuda:0"))
    expected = ts.tensor_repr(fake)  # the host-array path, itself checked against torch elsewhere
    assert expected.startswith(repr(t)[:-3]) and expected.endswith("device='cuda:0')")
    fake._data = _FakeCupyArray(fake._data)
    _FakeCupyArray.copied = 0
    assert ts.tensor_repr(fake) == expected
    assert _FakeCupyArray.copied == 7 * 7  # edges and one middle item per axis, not 200000
