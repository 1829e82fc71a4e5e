"""default_collate / default_convert and the single-process DataLoader vs torch.utils.data (the oracle)."""
from __future__ import annotations

import collections
import types
import warnings

import numpy as np
import pytest

import ember
from ember.utils import data as ed
from tests._oracle import requires_torch, torch

if torch is not None:
    from torch.utils import data as td

Point = collections.namedtuple("Point", ["x", "y"])


def _same(e, t, path="batch"):
    """``e`` (ember result) has torch's structure, container types, dtypes, shapes and values."""
    if torch.is_tensor(t):
        assert isinstance(e, ember.Tensor), f"{path}: {type(e)} is not a tensor"
        assert repr(e.dtype) == repr(t.dtype), f"{path}: {e.dtype} != {t.dtype}"
        assert tuple(e.shape) == tuple(t.shape), f"{path}: {tuple(e.shape)} != {tuple(t.shape)}"
        np.testing.assert_array_equal(e.numpy(), t.numpy(), err_msg=path)
    elif isinstance(t, collections.abc.Mapping):
        assert type(e) is type(t) and list(e) == list(t), f"{path}: {type(e)} {list(e)} vs {type(t)} {list(t)}"
        for k in t:
            _same(e[k], t[k], f"{path}[{k!r}]")
    elif isinstance(t, (list, tuple)):
        assert type(e) is type(t) and len(e) == len(t), f"{path}: {type(e)} vs {type(t)}"
        for i, (a, b) in enumerate(zip(e, t)):
            _same(a, b, f"{path}[{i}]")
    elif isinstance(t, np.ndarray):
        assert isinstance(e, np.ndarray)
        np.testing.assert_array_equal(e, t)
    else:
        assert type(e) is type(t) and e == t, f"{path}: {e!r} vs {t!r}"


def _samples(lib, kind):
    """The same nested samples built with ``lib`` (ember or torch) tensors."""
    rng = np.random.default_rng(0)
    arrs = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(3)]
    ints = [rng.integers(0, 9, (4,)).astype(np.int32) for _ in range(3)]

    def T(a):
        return lib.from_numpy(a.copy())

    if kind == "tensors":
        return [T(a) for a in arrs]
    if kind == "int_tensors":
        return [T(a) for a in ints]
    if kind == "scalar_tensors":
        return [T(np.array(i, dtype=np.int64)) for i in range(3)]
    if kind == "ints":
        return [1, 2, 3]
    if kind == "floats":
        return [1.5, 2.0, -3.25]
    if kind == "bools":
        return [True, False, True]
    if kind == "int_then_float":
        return [1, 2.5]
    if kind == "np_scalars_f32":
        return [np.float32(1.5), np.float32(2.5)]
    if kind == "np_scalars_i16":
        return [np.int16(3), np.int16(-4)]
    if kind == "np_bool":
        return [np.bool_(True), np.bool_(False)]
    if kind == "np_arrays":
        return [a.copy() for a in ints]
    if kind == "np_0d":
        return [np.array(2.5), np.array(-1.0)]
    if kind == "np_uint8_img":
        return [rng.integers(0, 255, (4, 4, 3)).astype(np.uint8) for _ in range(2)]
    if kind == "strings":
        return ["a", "bc", "d"]
    if kind == "bytes":
        return [b"x", b"y"]
    if kind == "dicts":
        return [{"img": T(a), "label": i, "name": f"n{i}", "meta": {"w": float(i) / 2, "arr": ints[i].copy()}}
                for i, a in enumerate(arrs)]
    if kind == "ordered_dicts":
        return [collections.OrderedDict([("b", i), ("a", T(a))]) for i, a in enumerate(arrs)]
    if kind == "mapping_proxy":
        return [types.MappingProxyType({"k": i}) for i in range(3)]
    if kind == "namedtuples":
        return [Point(T(a), i) for i, a in enumerate(arrs)]
    if kind == "tuples":
        return [(T(a), i, "s") for i, a in enumerate(arrs)]
    if kind == "lists":
        return [[T(a), [i, i + 1]] for i, a in enumerate(arrs)]
    raise AssertionError(kind)


KINDS = ["tensors", "int_tensors", "scalar_tensors", "ints", "floats", "bools", "int_then_float", "np_scalars_f32",
         "np_scalars_i16", "np_bool", "np_arrays", "np_0d", "np_uint8_img", "strings", "bytes", "dicts",
         "ordered_dicts", "mapping_proxy", "namedtuples", "tuples", "lists"]


@requires_torch
@pytest.mark.parametrize("kind", KINDS)
def test_default_collate_vs_torch(kind):
    _same(ed.default_collate(_samples(ember, kind)), td.default_collate(_samples(torch, kind)))


@requires_torch
@pytest.mark.parametrize("kind", KINDS)
def test_default_convert_vs_torch(kind):
    e_sample, t_sample = _samples(ember, kind)[0], _samples(torch, kind)[0]
    _same(ed.default_convert(e_sample), td.default_convert(t_sample))
    _same(ed.default_convert(_samples(ember, kind)), td.default_convert(_samples(torch, kind)))


@requires_torch
def test_default_collate_errors_vs_torch():
    cases = [
        [[1, 2], [3]],  # ragged
        [object(), object()],
        [np.array(["a", "b"]), np.array(["c", "d"])],
    ]
    for batch in cases:
        with pytest.raises(Exception) as et:
            td.default_collate(batch)
        with pytest.raises(type(et.value)) as ee:
            ed.default_collate(batch)
        assert str(ee.value) == str(et.value)
    with pytest.raises(RuntimeError):
        ed.default_collate([ember.zeros(2), ember.zeros(3)])


# ----------------------------------------------------------------------------- DataLoader, one process
def _xy(n=10):
    rng = np.random.default_rng(1)
    return rng.standard_normal((n, 3)).astype(np.float32), np.arange(n, dtype=np.int64)


class _Range(ed.IterableDataset):
    def __init__(self, n, with_len=True):
        self.n, self.with_len = n, with_len

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        if not self.with_len:
            raise TypeError("no len")
        return self.n


class _TRange(td.IterableDataset if torch is not None else object):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


@requires_torch
@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (10, False), (12, True),
                                                  (None, False)])
def test_map_loader_batches_vs_torch(batch_size, drop_last):
    x, y = _xy()
    e = ed.DataLoader(ed.TensorDataset(ember.from_numpy(x), ember.from_numpy(y)), batch_size=batch_size,
                      drop_last=drop_last)
    t = td.DataLoader(td.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=batch_size,
                      drop_last=drop_last)
    assert len(e) == len(t)
    eb, tb = list(e), list(t)
    assert len(eb) == len(tb)
    for a, b in zip(eb, tb):
        _same(a, b)


@requires_torch
def test_loader_unbatched_numpy_dataset_vs_torch():
    arrs = [np.full((2,), i, dtype=np.float64) for i in range(4)]
    _same(list(ed.DataLoader(arrs, batch_size=None)), list(td.DataLoader(arrs, batch_size=None)))
    _same(list(ed.DataLoader(arrs, batch_size=3)), list(td.DataLoader(arrs, batch_size=3)))
    dicts = [{"a": i, "b": float(i)} for i in range(5)]
    _same(list(ed.DataLoader(dicts, batch_size=2)), list(td.DataLoader(dicts, batch_size=2)))


@requires_torch
def test_loader_custom_samplers_and_collate_vs_torch():
    data = list(range(10))
    bs = [[3, 1], [0, 9, 8], [2]]
    _same(list(ed.DataLoader(data, batch_sampler=bs)), list(td.DataLoader(data, batch_sampler=bs)))
    _same(list(ed.DataLoader(data, sampler=[5, 4, 3], batch_size=2)),
          list(td.DataLoader(data, sampler=[5, 4, 3], batch_size=2)))
    assert list(ed.DataLoader(data, batch_size=4, collate_fn=sum)) == [6, 22, 17]
    assert len(ed.DataLoader(data, batch_sampler=bs)) == 3


@requires_torch
@pytest.mark.parametrize("n,batch_size,drop_last", [(10, 3, False), (10, 3, True), (7, None, False)])
def test_iterable_loader_vs_torch(n, batch_size, drop_last):
    e = ed.DataLoader(_Range(n), batch_size=batch_size, drop_last=drop_last)
    t = td.DataLoader(_TRange(n), batch_size=batch_size, drop_last=drop_last)
    assert len(e) == len(t)
    _same(list(e), list(t))


def test_iterable_len_warning():
    loader = ed.DataLoader(_Range(5), batch_size=None)
    assert len(loader) == 5
    loader.dataset.n = 6  # now yields more than reported
    with pytest.warns(UserWarning, match="was reported to be 5"):
        list(loader)
    assert list(ed.DataLoader(_Range(4, with_len=False), batch_size=2)) is not None


@requires_torch
def test_loader_argument_errors_vs_torch():
    ds, it = list(range(4)), _Range(3)
    tit = _TRange(3)
    cases = [
        (dict(num_workers=-1), ds, ds),
        (dict(timeout=-1), ds, ds),
        (dict(prefetch_factor=2), ds, ds),
        (dict(num_workers=1, prefetch_factor=-1), ds, ds),
        (dict(persistent_workers=True), ds, ds),
        (dict(shuffle=True), it, tit),
        (dict(sampler=[0]), it, tit),
        (dict(batch_sampler=[[0]]), it, tit),
        (dict(sampler=[0], shuffle=True), ds, ds),
        (dict(batch_sampler=[[0]], batch_size=2), ds, ds),
        (dict(batch_sampler=[[0]], drop_last=True), ds, ds),
        (dict(batch_size=None, drop_last=True), ds, ds),
        (dict(multiprocessing_context="fork"), ds, ds),
        (dict(num_workers=1, multiprocessing_context="nope"), ds, ds),
        (dict(num_workers=1, multiprocessing_context=3), ds, ds),
    ]
    for kwargs, e_ds, t_ds in cases:
        with pytest.raises(Exception) as et:
            td.DataLoader(t_ds, **kwargs)
        with pytest.raises(type(et.value)) as ee:
            ed.DataLoader(e_ds, **kwargs)
        assert str(ee.value) == str(et.value), kwargs
    loader = ed.DataLoader(ds)
    for attr in ("batch_size", "sampler", "dataset", "drop_last", "batch_sampler", "persistent_workers"):
        with pytest.raises(ValueError, match=f"{attr} attribute should not be set after DataLoader is initialized"):
            setattr(loader, attr, None)
    loader.num_workers = 0  # other attributes stay settable


def test_shuffle_determinism():
    ds = list(range(40))

    def epoch(seed=None, generator=None):
        if seed is not None:
            ember.manual_seed(seed)
        return [b.tolist() for b in ed.DataLoader(ds, batch_size=8, shuffle=True, generator=generator)]

    a = epoch(seed=11)
    assert a == epoch(seed=11) and a != epoch(seed=12)
    assert sorted(sum(a, [])) == ds and sum(a, []) != ds
    g = epoch(generator=ember.Generator().manual_seed(4))
    assert g == epoch(generator=ember.Generator().manual_seed(4))
    loader = ed.DataLoader(ds, batch_size=8, shuffle=True, generator=ember.Generator().manual_seed(4))
    assert [b.tolist() for b in loader] != [b.tolist() for b in loader]  # new order each epoch


@requires_torch
def test_pin_memory_without_accelerator_warns_like_torch():
    with warnings.catch_warnings(record=True) as tw:
        warnings.simplefilter("always")
        list(td.DataLoader([1, 2], pin_memory=True))
    with warnings.catch_warnings(record=True) as ew:
        warnings.simplefilter("always")
        out = list(ed.DataLoader([1, 2], pin_memory=True))
    assert [b.tolist() for b in out] == [[1], [2]]
    assert {str(w.message) for w in tw} <= {str(w.message) for w in ew}


def test_worker_info_is_none_in_main_process():
    assert ed.get_worker_info() is None
    seen = []
    ed.DataLoader(_Collect(seen), batch_size=None).__iter__().__next__()
    assert seen == [None]


class _Collect(ed.Dataset):
    def __init__(self, seen):
        self.seen = seen

    def __getitem__(self, i):
        self.seen.append(ed.get_worker_info())
        return i

    def __len__(self):
        return 1


def test_collate_fn_map_is_extensible_and_torch_private_paths_exist():
    from ember.utils.data._utils.collate import collate, default_collate_fn_map

    class Box:
        def __init__(self, v):
            self.v = v

    fn_map = {**default_collate_fn_map, Box: lambda batch, *, collate_fn_map: sum(b.v for b in batch)}
    out = collate([{"b": Box(1), "x": 1.0}, {"b": Box(2), "x": 2.0}], collate_fn_map=fn_map)
    assert out["b"] == 3 and out["x"].dtype == ember.float64
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        ed.default_collate([Box(1)])
