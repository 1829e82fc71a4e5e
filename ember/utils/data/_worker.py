"""What runs inside a DataLoader worker process, plus the fetchers shared with single-process loading."""
from __future__ import annotations

import os
import queue
import random
import sys
import traceback
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

import ember

from . import _shm

__all__ = ["WorkerInfo", "get_worker_info", "ExceptionWrapper"]

# How often a blocked worker wakes up to check that the main process is still alive.
MP_STATUS_CHECK_INTERVAL = 5.0


@dataclass(frozen=True)
class WorkerInfo:
    """Information about the current DataLoader worker process (see :func:`get_worker_info`)."""

    id: int
    num_workers: int
    seed: int
    dataset: Any
    rng: Any = None
    worker_method: Optional[str] = "multiprocessing"


_worker_info: Optional[WorkerInfo] = None


def get_worker_info() -> Optional[WorkerInfo]:
    """In a DataLoader worker, its :class:`WorkerInfo` (id, num_workers, seed, dataset); else None."""
    return _worker_info


class _DatasetKind:
    Map = 0
    Iterable = 1

    @staticmethod
    def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
        if kind == _DatasetKind.Map:
            return _MapDatasetFetcher(dataset, auto_collation, collate_fn, drop_last)
        return _IterableDatasetFetcher(dataset, auto_collation, collate_fn, drop_last)


class _MapDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def fetch(self, possibly_batched_index):
        if self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            if getitems:
                data = getitems(possibly_batched_index)
            else:
                data = [self.dataset[idx] for idx in possibly_batched_index]
        else:
            data = self.dataset[possibly_batched_index]
        return self.collate_fn(data)


class _IterableDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, possibly_batched_index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in possibly_batched_index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if len(data) == 0 or (self.drop_last and len(data) < len(possibly_batched_index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


class _KeyErrorMessage(str):
    # KeyError repr()s its argument; returning the text itself keeps the traceback readable.
    __slots__ = ()

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception and its formatted traceback, carried across processes and re-raised there."""

    def __init__(self, exc_info=None, where: str = "in background") -> None:
        """Capture the current (or given) exception; the traceback is kept as text only."""
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise an exception of the original type whose message holds the original traceback."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        try:
            raise exception
        finally:
            # The frame must not keep the exception: exception -> traceback -> frame -> exception
            # would be a cycle that keeps the iterator (and its workers) alive until a GC pass.
            del exception


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    seed: Optional[int] = None


def _numpy_seed(base_seed: int, worker_id: int) -> np.ndarray:
    # torch seeds numpy with 4 words hashed from (worker_id, base_seed) by numpy's SeedSequence mixing,
    # so numpy's and Python's streams differ even though both derive from the same seed.
    entropy = [worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]
    return np.random.SeedSequence(entropy, pool_size=4).generate_state(4)


def _seed_worker(base_seed: int, worker_id: int) -> int:
    # Like torch (which calls torch.set_num_threads(1) here): workers are the parallelism, so a
    # worker's own math must not spawn a thread pool per process.
    set_num_threads = getattr(ember, "set_num_threads", None)
    if set_num_threads is not None:
        try:
            set_num_threads(1)
        except Exception:
            pass
    seed = base_seed + worker_id
    random.seed(seed)
    ember.manual_seed(seed)
    np.random.seed(_numpy_seed(base_seed, worker_id))
    return seed


def _send(result_conn, idx, data, worker_id) -> bool:
    # Synchronous send on this worker's own pipe: nothing is buffered in a feeder thread, so a
    # result is never lost if the worker dies right after, and a dead worker cannot hold a lock
    # other workers need.
    try:
        payload = _shm.encode((idx, data))
    except Exception:
        payload = _shm.encode((idx, ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")))
    try:
        result_conn.send_bytes(payload)
    except (BrokenPipeError, OSError):
        return False  # the main process is gone
    return True


def _worker_loop(dataset_kind, dataset, index_queue, result_conn, done_event, auto_collation, collate_fn,
                 drop_last, base_seed, init_fn, worker_id, num_workers, persistent_workers, shm_prefix):
    """Body of a worker process: fetch the index batches it is sent and send back the results."""
    global _worker_info
    parent_pid = os.getppid()
    try:
        seed = _seed_worker(base_seed, worker_id)
        _shm.set_prefix(shm_prefix)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        init_exception = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
        # An exhausted iterable worker waits for the final None instead of sending more stops.
        iteration_end = False
        # A worker whose parent died is re-parented, so a changed ppid means the main process is gone.
        while os.getppid() == parent_pid:
            try:
                r = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                continue
            if isinstance(r, _ResumeIteration):
                if not _send(result_conn, r, None, worker_id):
                    break
                iteration_end = False
                try:
                    fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation, collate_fn,
                                                          drop_last)
                except Exception:
                    init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
                continue
            if r is None:
                break
            if done_event.is_set() or iteration_end:
                continue
            idx, index = r
            if init_exception is not None:
                data: Any = init_exception
                init_exception = None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and dataset_kind == _DatasetKind.Iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            sent = _send(result_conn, idx, data, worker_id)
            del data, idx, index, r
            if not sent:
                break
    except KeyboardInterrupt:
        pass  # the main process gets the interrupt too and shuts us down
    result_conn.close()
    if os.getppid() != parent_pid:
        _shm.sweep(shm_prefix)  # the main process died: nobody else will free what we sent
