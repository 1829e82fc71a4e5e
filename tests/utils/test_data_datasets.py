"""ember.utils.data datasets, samplers and DistributedSampler vs torch.utils.data (the oracle)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
from ember.utils import data as ed
from ember.utils.data.distributed import DistributedSampler
from tests._oracle import requires_torch, torch

if torch is not None:
    from torch.utils import data as td
    from torch.utils.data.distributed import DistributedSampler as TorchDistributedSampler


def _raises_like(fn_ember, fn_torch):
    """Both calls raise the same exception type with the same message."""
    with pytest.raises(Exception) as e_torch:
        fn_torch()
    with pytest.raises(type(e_torch.value)) as e_ember:
        fn_ember()
    assert str(e_ember.value) == str(e_torch.value)


def _rows(n=10, d=3):
    return np.random.default_rng(0).standard_normal((n, d)).astype(np.float32), np.arange(n, dtype=np.int64)


class _Squares(ed.Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return i * i

    def __len__(self):
        return self.n


class _Count(ed.IterableDataset):
    def __init__(self, start, stop):
        self.start, self.stop = start, stop

    def __iter__(self):
        return iter(range(self.start, self.stop))

    def __len__(self):
        return self.stop - self.start


# ----------------------------------------------------------------------------- datasets
def test_dataset_base_errors_and_add():
    d = ed.Dataset()
    with pytest.raises(NotImplementedError, match="Subclasses of Dataset should implement __getitem__."):
        d[0]
    with pytest.raises(TypeError):
        len(d)
    both = _Squares(3) + _Squares(2)
    assert isinstance(both, ed.ConcatDataset) and [both[i] for i in range(5)] == [0, 1, 4, 0, 1]


def test_iterable_dataset_abstract_and_chain():
    with pytest.raises(TypeError):
        ed.IterableDataset()
    chained = _Count(0, 3) + _Count(10, 12)
    assert isinstance(chained, ed.ChainDataset)
    assert list(chained) == [0, 1, 2, 10, 11] and len(chained) == 5
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(ed.ChainDataset([_Squares(2)]))


@requires_torch
def test_tensor_dataset_vs_torch():
    x, y = _rows()
    e = ed.TensorDataset(ember.from_numpy(x), ember.from_numpy(y))
    t = td.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    assert len(e) == len(t) == 10
    for i in (0, 4, -1):
        (ex, ey), (tx, ty) = e[i], t[i]
        np.testing.assert_array_equal(ex.numpy(), tx.numpy())
        assert ey.item() == ty.item()
    _raises_like(lambda: ed.TensorDataset(ember.zeros(3), ember.zeros(4)),
                 lambda: td.TensorDataset(torch.zeros(3), torch.zeros(4)))


@requires_torch
def test_concat_dataset_vs_torch():
    parts = [list(range(3)), list(range(10, 15)), list(range(20, 22))]
    e, t = ed.ConcatDataset(parts), td.ConcatDataset(parts)
    assert e.cumulative_sizes == t.cumulative_sizes == [3, 8, 10]
    assert [e[i] for i in range(-10, 10)] == [t[i] for i in range(-10, 10)]
    _raises_like(lambda: e[-11], lambda: t[-11])
    _raises_like(lambda: ed.ConcatDataset([]), lambda: td.ConcatDataset([]))
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ed.ConcatDataset([_Count(0, 2)])


@requires_torch
def test_subset_and_getitems():
    base = list(range(100, 110))
    e, t = ed.Subset(base, [9, 3, 5]), td.Subset(base, [9, 3, 5])
    assert len(e) == 3 and [e[i] for i in range(3)] == [t[i] for i in range(3)] == [109, 103, 105]
    assert e.__getitems__([2, 0]) == t.__getitems__([2, 0]) == [105, 109]
    nested = ed.Subset(ed.Subset(base, [9, 3, 5]), [2, 1])
    assert nested.__getitems__([0, 1]) == [105, 103]

    class OnlyGetitem(ed.Subset):
        def __getitem__(self, i):
            return 0

    with pytest.raises(NotImplementedError, match="overrides __getitem__ but not __getitems__"):
        OnlyGetitem(base, [0])


@requires_torch
def test_stack_dataset_vs_torch():
    a, b = list(range(5)), [str(i) for i in range(5)]
    e, t = ed.StackDataset(a, b), td.StackDataset(a, b)
    assert len(e) == 5 and e[3] == t[3] == (3, "3")
    assert e.__getitems__([1, 4]) == t.__getitems__([1, 4])
    ek, tk = ed.StackDataset(x=a, y=b), td.StackDataset(x=a, y=b)
    assert ek[2] == tk[2] and ek.__getitems__([0, 2]) == tk.__getitems__([0, 2])
    assert ed.StackDataset(ed.Subset(a, [4, 3]), b[:2]).__getitems__([0, 1]) == [(4, "0"), (3, "1")]
    _raises_like(lambda: ed.StackDataset(a, b[:3]), lambda: td.StackDataset(a, b[:3]))
    _raises_like(lambda: ed.StackDataset(a, y=b), lambda: td.StackDataset(a, y=b))
    _raises_like(lambda: ed.StackDataset(), lambda: td.StackDataset())


@requires_torch
@pytest.mark.parametrize("n,lengths", [(10, [0.5, 0.3, 0.2]), (11, [0.5, 0.5]), (7, [0.1, 0.2, 0.7]),
                                       (10, [3, 7]), (5, [5, 0])])
def test_random_split_sizes_vs_torch(n, lengths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = ed.random_split(range(n), lengths, generator=ember.Generator().manual_seed(1))
        t = td.random_split(range(n), lengths, generator=torch.Generator().manual_seed(1))
    assert [len(s) for s in e] == [len(s) for s in t]
    picked = sorted(i for s in e for i in s)
    assert picked == list(range(n))  # a partition of the dataset


@requires_torch
def test_random_split_errors_warning_and_determinism():
    _raises_like(lambda: ed.random_split(range(5), [2, 2]), lambda: td.random_split(range(5), [2, 2]))
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        ed.random_split(range(3), [1.0, 0.0])
    first = [list(s) for s in ed.random_split(range(20), [0.5, 0.5], generator=ember.Generator().manual_seed(7))]
    again = [list(s) for s in ed.random_split(range(20), [0.5, 0.5], generator=ember.Generator().manual_seed(7))]
    other = [list(s) for s in ed.random_split(range(20), [0.5, 0.5], generator=ember.Generator().manual_seed(8))]
    assert first == again and first != other
    ember.manual_seed(3)
    g1 = [list(s) for s in ed.random_split(range(20), [10, 10])]
    ember.manual_seed(3)
    assert [list(s) for s in ed.random_split(range(20), [10, 10])] == g1


# ----------------------------------------------------------------------------- samplers
@requires_torch
def test_sequential_and_batch_sampler_vs_torch():
    assert list(ed.SequentialSampler(range(7))) == list(td.SequentialSampler(range(7)))
    for bs in (1, 3, 7, 8):
        for drop in (False, True):
            e = ed.BatchSampler(ed.SequentialSampler(range(7)), bs, drop)
            t = td.BatchSampler(td.SequentialSampler(range(7)), bs, drop)
            assert list(e) == list(t) and len(e) == len(t)
    for bad in (0, -1, 1.5, True):
        _raises_like(lambda: ed.BatchSampler(range(3), bad, False), lambda: td.BatchSampler(range(3), bad, False))
    _raises_like(lambda: ed.BatchSampler(range(3), 2, 1), lambda: td.BatchSampler(range(3), 2, 1))


@requires_torch
def test_random_sampler_properties_and_errors():
    g = ember.Generator().manual_seed(0)
    perm = list(ed.RandomSampler(range(50), generator=g))
    assert sorted(perm) == list(range(50)) and perm != list(range(50))
    long = list(ed.RandomSampler(range(10), num_samples=25, generator=g))
    assert len(long) == 25 and sorted(long[:10]) == list(range(10)) and sorted(long[10:20]) == list(range(10))
    rep = ed.RandomSampler(range(5), replacement=True, num_samples=70, generator=g)
    drawn = list(rep)
    assert len(rep) == 70 and len(drawn) == 70 and set(drawn) <= set(range(5)) and len(set(drawn)) == 5
    _raises_like(lambda: ed.RandomSampler(range(3), replacement=1), lambda: td.RandomSampler(range(3), replacement=1))
    _raises_like(lambda: ed.RandomSampler(range(3), num_samples=0), lambda: td.RandomSampler(range(3), num_samples=0))
    _raises_like(lambda: ed.RandomSampler([]), lambda: td.RandomSampler([]))


def test_random_sampler_determinism():
    def order(seed=None, g=None):
        if seed is not None:
            ember.manual_seed(seed)
        return list(ed.RandomSampler(range(30), generator=g))

    assert order(seed=5) == order(seed=5) != order(seed=6)
    assert order(g=ember.Generator().manual_seed(9)) == order(g=ember.Generator().manual_seed(9))
    s = ed.RandomSampler(range(30), generator=ember.Generator().manual_seed(9))
    assert list(s) != list(s)  # the generator advances between epochs


def test_subset_random_sampler():
    idx = [3, 8, 13, 21, 34]
    s = ed.SubsetRandomSampler(idx, generator=ember.Generator().manual_seed(2))
    out = list(s)
    assert len(s) == 5 and sorted(out) == idx
    assert out == list(ed.SubsetRandomSampler(idx, generator=ember.Generator().manual_seed(2)))


@requires_torch
def test_weighted_random_sampler():
    w = [0.0, 1.0, 0.0, 3.0]
    s = ed.WeightedRandomSampler(w, 400, generator=ember.Generator().manual_seed(0))
    drawn = list(s)
    assert len(s) == 400 and set(drawn) == {1, 3}
    assert 0.6 < drawn.count(3) / 400 < 0.9
    assert sorted(ed.WeightedRandomSampler([1, 1, 1, 5], 4, replacement=False)) == [0, 1, 2, 3]
    for args in ([w, 0], [w, 2.0], [w, True], [[[1.0, 2.0]], 2]):
        _raises_like(lambda: ed.WeightedRandomSampler(*args), lambda: td.WeightedRandomSampler(*args))
    _raises_like(lambda: ed.WeightedRandomSampler(w, 2, replacement=0),
                 lambda: td.WeightedRandomSampler(w, 2, replacement=0))


@requires_torch
@pytest.mark.parametrize("n", [10, 11, 3])
@pytest.mark.parametrize("replicas", [1, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_unshuffled_vs_torch(n, replicas, drop_last):
    ds = list(range(n))
    for rank in range(replicas):
        e = DistributedSampler(ds, num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        t = TorchDistributedSampler(ds, num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        assert list(e) == list(t) and len(e) == len(t) and e.total_size == t.total_size


@requires_torch
def test_distributed_sampler_shuffle_and_errors():
    ds = list(range(23))
    shards = [list(DistributedSampler(ds, 4, r, seed=3)) for r in range(4)]
    flat = sum(shards, [])
    assert len(flat) == 24 and set(flat) == set(ds)  # every index, padded by one repeat
    again = [list(DistributedSampler(ds, 4, r, seed=3)) for r in range(4)]
    assert shards == again
    s = DistributedSampler(ds, 4, 0, seed=3)
    s.set_epoch(1)
    assert list(s) != shards[0] and s.epoch == 1
    _raises_like(lambda: DistributedSampler(ds, 2, 2), lambda: TorchDistributedSampler(ds, 2, 2))
    _raises_like(lambda: DistributedSampler(ds, 2, -1), lambda: TorchDistributedSampler(ds, 2, -1))
    with pytest.raises((RuntimeError, ValueError)):
        DistributedSampler(ds)  # no process group
