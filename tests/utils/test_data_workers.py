"""Multi-process DataLoader: ordering, seeding, sharding, shared memory, faults and clean shutdown."""
from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time

import numpy as np
import pytest

import ember
from ember.utils import data as ed
from ember.utils.data import _shm
from tests._oracle import requires_torch


pytestmark = pytest.mark.filterwarnings("ignore:This DataLoader will create")


@pytest.fixture(autouse=True)
def _no_leaks():
    """Every test must leave no worker process and no shared-memory segment behind."""
    yield
    deadline = time.monotonic() + 2
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert multiprocessing.active_children() == []
    if os.path.isdir("/dev/shm"):
        assert [n for n in os.listdir("/dev/shm") if n.startswith("ember_")] == []


class Items(ed.Dataset):
    """Sample i is (i, pid of the process that loaded it); some indices misbehave on purpose."""

    def __init__(self, n, fail_at=(), die_at=(), sleep_at=(), sleep=0.0, kill=False):
        self.n, self.fail_at, self.die_at, self.sleep_at, self.sleep = n, fail_at, die_at, sleep_at, sleep
        self.kill = kill

    def __getitem__(self, i):
        if i in self.fail_at:
            raise ValueError(f"bad sample {i}")
        if i in self.die_at:
            if self.kill:
                os.kill(os.getpid(), signal.SIGKILL)
            os._exit(3)
        if i in self.sleep_at:
            time.sleep(self.sleep)
        return {"i": i, "pid": os.getpid()}

    def __len__(self):
        return self.n


class Seeds(ed.Dataset):
    """Reports the worker's info and the first draw of every RNG it should have seeded."""

    def __getitem__(self, i):
        info = ed.get_worker_info()
        return {"id": info.id, "num_workers": info.num_workers, "seed": info.seed,
                "py": random.random(), "np": float(np.random.rand()), "em": ember.rand(1).item(),
                "same_dataset": info.dataset is self}

    def __len__(self):
        return 4


class Shards(ed.IterableDataset):
    def __init__(self, n, shard=True):
        self.n, self.shard = n, shard

    def __iter__(self):
        info = ed.get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class Big(ed.Dataset):
    def __getitem__(self, i):
        return ember.from_numpy(np.full((64, 64), i, dtype=np.float32))

    def __len__(self):
        return 6


def _ids(loader):
    return [b["i"].tolist() for b in loader]


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_order_matches_single_process(workers):
    ds = Items(23)
    ref = _ids(ed.DataLoader(ds, batch_size=4))
    assert _ids(ed.DataLoader(ds, batch_size=4, num_workers=workers)) == ref
    pids = {p for b in ed.DataLoader(ds, batch_size=2, num_workers=workers) for p in b["pid"].tolist()}
    assert os.getpid() not in pids and len(pids) == workers


def test_shuffle_same_order_for_any_num_workers():
    ds = Items(30)
    orders = []
    for workers in (0, 1, 2):
        ember.manual_seed(123)
        orders.append(_ids(ed.DataLoader(ds, batch_size=4, shuffle=True, num_workers=workers)))
        orders.append(_ids(ed.DataLoader(ds, batch_size=4, shuffle=True, num_workers=workers,
                                         generator=ember.Generator().manual_seed(5))))
    assert orders[0] == orders[2] == orders[4] and orders[1] == orders[3] == orders[5]
    assert sorted(sum(orders[0], [])) == list(range(30)) and orders[0] != orders[1]


def test_worker_info_and_seeding():
    ember.manual_seed(0)
    rows = list(ed.DataLoader(Seeds(), batch_size=None, num_workers=2))
    ember.manual_seed(0)
    again = list(ed.DataLoader(Seeds(), batch_size=None, num_workers=2))
    ember.manual_seed(0)
    base_seed = int(ember.empty((), dtype=ember.int64).random_().item())  # the draw the loader makes
    assert [r["id"] for r in rows] == [0, 1, 0, 1] and all(r["num_workers"] == 2 for r in rows)
    assert all(r["same_dataset"] for r in rows)
    for r in rows[:2]:
        wid = r["id"]
        assert r["seed"] == base_seed + wid
        assert r["py"] == random.Random(base_seed + wid).random()
        ember.manual_seed(base_seed + wid)
        assert r["em"] == ember.rand(1).item()
        ss = np.random.SeedSequence([wid, base_seed & 0xFFFFFFFF, base_seed >> 32, 0], pool_size=4)
        assert r["np"] == np.random.RandomState(ss.generate_state(4)).rand()
    assert rows[0]["py"] != rows[1]["py"] and rows[0]["np"] != rows[1]["np"]
    assert [r["py"] for r in rows] == [r["py"] for r in again]


@requires_torch
def test_numpy_worker_seed_matches_torch():
    from torch.utils.data._utils.worker import _generate_state
    from ember.utils.data._worker import _numpy_seed

    for base, wid in [(0, 0), (2**63 - 1, 3), (123456789012345, 1), (2**40 + 5, 7)]:
        assert list(_numpy_seed(base, wid)) == list(_generate_state(base, wid))


def test_iterable_sharding():
    out = sorted(sum((b.tolist() for b in ed.DataLoader(Shards(17), batch_size=3, num_workers=2)), []))
    assert out == list(range(17))
    dup = sorted(sum((b.tolist() for b in ed.DataLoader(Shards(5, shard=False), batch_size=2, num_workers=2)), []))
    assert dup == sorted(list(range(5)) * 2)  # without sharding every worker yields everything, as torch
    unbatched = sorted(int(x) for x in ed.DataLoader(Shards(7), batch_size=None, num_workers=3))
    assert unbatched == list(range(7))


def test_tensors_come_back_through_shared_memory():
    batches = list(ed.DataLoader(Big(), batch_size=2, num_workers=2))
    assert [b.shape for b in batches] == [(2, 64, 64)] * 3
    for k, b in enumerate(batches):
        np.testing.assert_array_equal(b.numpy()[:, 0, 0], [2 * k, 2 * k + 1])
        base = b._data
        while isinstance(base, np.ndarray):
            base = base.base
        assert isinstance(getattr(base, "obj", base), __import__("mmap").mmap)  # a view of the segment
    unbatched = list(ed.DataLoader(Big(), batch_size=None, num_workers=1))
    assert unbatched[3].dtype == ember.float32 and unbatched[3].numpy()[5, 5] == 3


class Layouts(ed.Dataset):
    def __getitem__(self, i):
        base = ember.from_numpy(np.arange(6000, dtype=np.float32).reshape(60, 100))
        return {"t": base.t(), "leaf": ember.ones(3, requires_grad=True), "slice": base[::2, 3:7]}

    def __len__(self):
        return 1


class NonLeaf(ed.Dataset):
    def __getitem__(self, i):
        return ember.ones(3, requires_grad=True) * 2

    def __len__(self):
        return 1


def test_layout_and_grad_flags_cross_the_process_boundary():
    (out,) = list(ed.DataLoader(Layouts(), batch_size=None, num_workers=1))
    ref = Layouts()[0]
    assert out["t"].stride() == ref["t"].stride() == (1, 100)  # a permuted dense tensor keeps its strides
    np.testing.assert_array_equal(out["t"].numpy(), ref["t"].numpy())
    np.testing.assert_array_equal(out["slice"].numpy(), ref["slice"].numpy())
    assert out["leaf"].requires_grad and out["leaf"].is_leaf
    with pytest.raises(RuntimeError, match="(?s)Caught RuntimeError in DataLoader worker process 0.*non-leaf"):
        list(ed.DataLoader(NonLeaf(), batch_size=None, num_workers=1))


def test_shm_encode_decode_roundtrip_in_process():
    _shm.set_prefix(f"ember_test{os.getpid()}_")
    try:
        x = ember.from_numpy(np.arange(12000, dtype=np.float64).reshape(100, 120))
        view = x[:, 5:9]
        small = ember.tensor([1, 2, 3])
        out = _shm.decode(_shm.encode({"x": x, "v": view, "s": small, "again": x}))
    finally:
        _shm.set_prefix(None)
    np.testing.assert_array_equal(out["x"].numpy(), x.numpy())
    np.testing.assert_array_equal(out["v"].numpy(), view.numpy())
    assert out["again"] is out["x"] and out["s"].tolist() == [1, 2, 3]


def test_worker_exception_reraised_with_traceback():
    loader = ed.DataLoader(Items(8, fail_at=(5,)), batch_size=2, num_workers=2)
    it = iter(loader)
    assert next(it)["i"].tolist() == [0, 1] and next(it)["i"].tolist() == [2, 3]
    with pytest.raises(ValueError) as e:
        next(it)
    msg = str(e.value)
    assert msg.startswith("Caught ValueError in DataLoader worker process 0.\nOriginal Traceback (most recent call")
    assert "bad sample 5" in msg and "__getitem__" in msg
    assert next(it)["i"].tolist() == [6, 7]  # the loader goes on after an error, no batch lost
    with pytest.raises(StopIteration):
        next(it)


class _KeyErr(ed.Dataset):
    def __getitem__(self, i):
        return {}["missing"]

    def __len__(self):
        return 2


def test_key_error_and_init_fn_error():
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process"):
        list(ed.DataLoader(_KeyErr(), num_workers=1))

    def bad_init(worker_id):
        raise RuntimeError(f"init failed in {worker_id}")

    with pytest.raises(RuntimeError, match="init failed in 0"):
        list(ed.DataLoader(Items(4), num_workers=1, worker_init_fn=bad_init))


def test_worker_init_fn_runs_in_each_worker():
    class Who(ed.Dataset):
        def __getitem__(self, i):
            return os.environ.get("EMBER_TEST_WORKER", "unset")

        def __len__(self):
            return 4

    def init(worker_id):
        os.environ["EMBER_TEST_WORKER"] = f"w{worker_id}"

    assert list(ed.DataLoader(Who(), batch_size=None, num_workers=2, worker_init_fn=init)) == ["w0", "w1"] * 2


@pytest.mark.parametrize("kill", [False, True])
def test_dead_worker_is_reported_quickly(kill):
    it = iter(ed.DataLoader(Items(10, die_at=(4,), kill=kill), batch_size=2, num_workers=2))
    assert next(it)["i"].tolist() == [0, 1]
    assert next(it)["i"].tolist() == [2, 3]
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        for _ in range(5):
            next(it)
    assert time.monotonic() - start < 5
    del it


def test_timeout():
    it = iter(ed.DataLoader(Items(4, sleep_at=(1,), sleep=1.0), batch_size=None, num_workers=1, timeout=0.2))
    assert next(it)["i"] == 0
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.2 seconds"):
        next(it)
    del it


def test_early_break_shuts_workers_down():
    loader = ed.DataLoader(Big(), batch_size=1, num_workers=2, prefetch_factor=4)
    for _ in loader:
        assert len(multiprocessing.active_children()) == 2
        break
    assert multiprocessing.active_children() == []  # gone as soon as the loop let go of the iterator
    it = iter(loader)
    next(it)
    del it
    assert multiprocessing.active_children() == []


def test_persistent_workers_reuse_processes():
    loader = ed.DataLoader(Items(9), batch_size=2, num_workers=2, persistent_workers=True)
    first = list(loader)
    second = list(loader)
    assert [b["i"].tolist() for b in first] == [b["i"].tolist() for b in second] == _ids(ed.DataLoader(Items(9),
                                                                                                       batch_size=2))
    pids = lambda bs: {p for b in bs for p in b["pid"].tolist()}  # noqa: E731
    assert pids(first) == pids(second) and len(multiprocessing.active_children()) == 2
    it = iter(loader)
    next(it)  # abandon this epoch half way: the next one must not see its leftovers
    assert _ids(loader) == _ids(ed.DataLoader(Items(9), batch_size=2))
    it2 = iter(ed.DataLoader(Shards(5), batch_size=2, num_workers=2, persistent_workers=True))
    assert sorted(sum((b.tolist() for b in it2), [])) == list(range(5))
    del loader, it, it2


def test_prefetch_factor_and_unordered():
    assert _ids(ed.DataLoader(Items(7), batch_size=2, num_workers=2, prefetch_factor=1)) == [[0, 1], [2, 3], [4, 5],
                                                                                                [6]]
    out = _ids(ed.DataLoader(Items(8, sleep_at=(0,), sleep=0.3), batch_size=2, num_workers=2, in_order=False))
    assert sorted(map(tuple, out)) == [(0, 1), (2, 3), (4, 5), (6, 7)] and out[0] != [0, 1]


def test_spawn_context():
    x = ember.from_numpy(np.arange(12, dtype=np.float32).reshape(6, 2))
    loader = ed.DataLoader(ed.TensorDataset(x), batch_size=4, num_workers=1, multiprocessing_context="spawn")
    out = [b[0].numpy() for b in loader]
    np.testing.assert_array_equal(np.concatenate(out), x.numpy())
