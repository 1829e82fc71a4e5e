"""The multi-process DataLoader iterator: feeds index batches to workers, returns results in order.

Protocol (as torch's, except results): each worker has its own index queue and sends results back
on its own pipe (torch shares one result queue; a pipe per worker lets the main process notice a
dead worker at once, by end-of-file, and keeps a killed worker from wedging the others). Task
``i`` goes to the next active worker round robin; at most ``prefetch_factor * num_workers`` tasks are
outstanding. Results arriving early wait in ``_task_info`` until their turn, so batches come out in
sampler order. Shutdown sets ``done_event``, sends ``None`` to every worker and joins them.
"""
from __future__ import annotations

import collections
import itertools
import secrets
import time
from multiprocessing.connection import wait as _wait
from typing import Any

from . import _shm
from ._worker import (
    ExceptionWrapper,
    _DatasetKind,
    _IterableDatasetStopIteration,
    _ResumeIteration,
    _worker_loop,
)
from .dataloader import _BaseDataLoaderIter, _default_context, _pin

# How long shutdown waits for a worker to exit by itself before terminating it.
_JOIN_TIMEOUT = 5.0


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader) -> None:
        super().__init__(loader)
        self._shutdown = True  # until the workers exist, there is nothing to shut down
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        context = loader.multiprocessing_context or _default_context()
        self._worker_init_fn = loader.worker_init_fn
        self._workers_done_event = context.Event()
        # Segment names carry a per-iterator token so leftovers can be swept at shutdown.
        self._shm_prefix = f"ember_{secrets.token_hex(4)}_"
        self._index_queues: list = []
        self._workers: list = []
        self._result_conns: list = []  # None once the worker's pipe reached end-of-file
        self._exit_sent: list[bool] = []  # the worker was told to exit, so its end is expected
        self._workers_status: list[bool] = []
        self._received: collections.deque = collections.deque()
        self._dead_workers: list = []
        self._shutdown = False
        for worker_id in range(self._num_workers):
            index_queue = context.Queue()
            index_queue.cancel_join_thread()
            reader, writer = context.Pipe(duplex=False)
            worker = context.Process(
                target=_worker_loop,
                args=(self._dataset_kind, self._dataset, index_queue, writer,
                      self._workers_done_event, self._auto_collation, self._collate_fn, self._drop_last,
                      self._base_seed, self._worker_init_fn, worker_id, self._num_workers,
                      self._persistent_workers, f"{self._shm_prefix}{worker_id}_"),
            )
            worker.daemon = True
            worker.start()
            # Only the worker may hold the write end, or its death would never read as end-of-file
            # (closing it before the next fork also keeps later workers from inheriting it).
            writer.close()
            self._index_queues.append(index_queue)
            self._workers.append(worker)
            self._result_conns.append(reader)
            self._exit_sent.append(False)
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter: bool = False) -> None:
        super()._reset(loader, first_iter)
        self._send_idx = 0
        self._rcvd_idx = 0
        # task index -> (worker_id,) while pending, (worker_id, data) once arrived out of order
        self._task_info: dict[int, tuple] = {}
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # Persistent workers: discard what the previous epoch left in flight, then restart them.
            for index_queue in self._index_queues:
                index_queue.put(_ResumeIteration())
            pending = self._num_workers
            while pending > 0:
                return_idx, _ = self._get_data()
                if isinstance(return_idx, _ResumeIteration):
                    pending -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _poll_workers(self, timeout) -> None:
        # Wait until a result arrives or a worker ends, and queue up whatever is ready.
        waitables = {}
        for wid, conn in enumerate(self._result_conns):
            if conn is not None:
                waitables[conn] = wid
                waitables[self._workers[wid].sentinel] = wid
        if not waitables:
            return
        for ready in _wait(list(waitables), timeout):
            wid = waitables[ready]
            conn = self._result_conns[wid]
            if conn is None:
                continue
            if ready is conn or conn.poll(0):
                try:
                    payload = conn.recv_bytes()
                except (EOFError, OSError):
                    self._worker_ended(wid)
                    continue
                self._received.append(_shm.decode(payload))
            else:  # the process is gone and its pipe holds nothing more
                self._worker_ended(wid)

    def _worker_ended(self, wid: int) -> None:
        self._result_conns[wid].close()
        self._result_conns[wid] = None
        if not self._exit_sent[wid]:
            self._dead_workers.append(self._workers[wid])

    def _awaited_worker_dead(self, awaited) -> bool:
        # Results of live workers are still delivered; fail only once the batch we need can never come.
        if not self._dead_workers:
            return False
        return awaited is None or self._workers[awaited] in self._dead_workers

    def _try_get_data(self, timeout, awaited=None):
        if not self._received and not self._awaited_worker_dead(awaited):
            self._poll_workers(timeout)
        if self._received:
            return True, self._received.popleft()
        if self._awaited_worker_dead(awaited):
            pids = ", ".join(str(w.pid) for w in self._dead_workers)
            self._shutdown_workers()
            raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly")
        return False, None

    def _get_data(self, awaited=None):
        """Next message from any worker; ``awaited`` is the worker owing the batch we need (None: any)."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = None
            if deadline is not None:
                wait = deadline - time.monotonic()
                if wait <= 0:
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
            success, data = self._try_get_data(wait, awaited)
            if success:
                return data

    def _next_data(self) -> Any:
        while True:
            # Skip tasks whose (iterable) worker already ran dry and whose result will never come.
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info:
                    if len(info) == 2 or self._workers_status[info[0]]:
                        break
                    del self._task_info[self._rcvd_idx]
                    self._tasks_outstanding -= 1  # its worker ran dry and will never answer it
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration

            if len(self._task_info[self._rcvd_idx]) == 2:
                data = self._task_info.pop(self._rcvd_idx)[1]
                self._rcvd_idx += 1
                return self._process_data(data)

            if self._shutdown or self._tasks_outstanding <= 0:
                raise RuntimeError("DataLoader iterator was shut down while batches were still expected")
            idx, data = self._get_data(awaited=self._task_info[self._rcvd_idx][0])
            self._tasks_outstanding -= 1
            if self._dataset_kind == _DatasetKind.Iterable and isinstance(data, _IterableDatasetStopIteration):
                self._task_info.pop(idx, None)  # answered: the skip above must not count it again
                if self._persistent_workers:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_as_unavailable(data.worker_id)
                self._try_put_index()
                continue
            if idx not in self._task_info:
                continue  # a stale result (its task was abandoned)
            if idx != self._rcvd_idx:
                if not self._in_order:
                    del self._task_info[idx]
                    return self._process_data(data)
                self._task_info[idx] += (data,)
            else:
                del self._task_info[idx]
                self._rcvd_idx += 1
                return self._process_data(data)

    def _try_put_index(self) -> None:
        if self._tasks_outstanding >= self._prefetch_factor * self._num_workers:
            return
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_queue_idx = next(self._worker_queue_idx_cycle)
            if self._workers_status[worker_queue_idx]:
                break
        else:
            return  # every worker has run dry
        self._index_queues[worker_queue_idx].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_queue_idx,)
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _process_data(self, data):
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        if self._pin_memory:
            data = _pin(data)
        return data

    def _mark_worker_as_unavailable(self, worker_id: int, shutdown: bool = False) -> None:
        # A None tells the worker to exit; a stopped iterable worker is not given tasks any more.
        try:
            self._index_queues[worker_id].put(None)
        except (ValueError, OSError):
            pass
        self._exit_sent[worker_id] = True
        self._workers_status[worker_id] = False

    def _shutdown_workers(self) -> None:
        if getattr(self, "_shutdown", True):
            return
        self._shutdown = True
        try:
            self._workers_done_event.set()
            for worker_id in range(len(self._workers)):
                if not self._exit_sent[worker_id]:
                    self._mark_worker_as_unavailable(worker_id, shutdown=True)
            # Keep reading (and dropping) results so no worker stays blocked on a full pipe.
            deadline = time.monotonic() + _JOIN_TIMEOUT
            alive = [w for w in self._workers if w.exitcode is None]
            while alive and time.monotonic() < deadline:
                conns = [c for c in self._result_conns if c is not None]
                for ready in _wait(conns + [w.sentinel for w in alive], deadline - time.monotonic()):
                    if ready in conns:
                        try:
                            ready.recv_bytes()
                        except (EOFError, OSError):
                            wid = self._result_conns.index(ready)
                            self._result_conns[wid] = None
                            ready.close()
                alive = [w for w in alive if w.exitcode is None]
        finally:
            for worker in self._workers:
                if worker.exitcode is None:
                    worker.terminate()
                worker.join(timeout=_JOIN_TIMEOUT)
            for index_queue in self._index_queues:
                index_queue.cancel_join_thread()
                index_queue.close()
            for i, conn in enumerate(self._result_conns):
                if conn is not None:
                    conn.close()
                    self._result_conns[i] = None
            self._received.clear()
            # With every worker gone, any segment still named was never received: free it.
            _shm.sweep(self._shm_prefix)

    def __del__(self) -> None:
        try:
            self._shutdown_workers()
        except Exception:
            pass
