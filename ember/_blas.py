"""BLAS-direct matrix products and ember's CPU thread team, for NumPy arrays.

``numpy.matmul`` always overwrites its output and copies operands whose rows are not packed, so a
convolution written as a sum of shifted matrix products would pay an extra pass over the output
per term. NumPy's own OpenBLAS exports ``cblas_?gemm``; calling it through ctypes lets one product
add into an existing output (``beta=1``) and read a matrix straight out of a larger buffer (``lda``
larger than its width). Any other backend (CuPy, an unknown BLAS) falls back to ``matmul``.

Threads: once ember first uses BLAS it sets OpenBLAS to one thread and parallelises its own work
(products, convolutions, norms, activations) on a team of persistent threads, one slab per thread
(``parallel_ranges``). OpenBLAS's threads busy-wait for a while after each threaded call; sharing
the cores with a second pool that way made every convolution that followed a Linear layer up to
1.5x slower. ``ember.set_num_threads`` sizes the team (default: OpenBLAS's own default count).
"""
from __future__ import annotations

import ctypes
import itertools
import os
import threading
import time

import numpy as np

_lib_lock = threading.Lock()
_fns = None  # {np.dtype: ctypes function} once probed; {} when no usable BLAS was found
_get_threads = _set_threads = None  # OpenBLAS's thread-count controls, when found
_threads = None  # the team's size (ember.set_num_threads); None until set or probed

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


def _candidates(prefix: str):
    """(symbol suffix, integer type) pairs to try, most specific first."""
    if "64" in prefix or "scipy" in prefix:
        yield "64_", ctypes.c_int64
    yield "", ctypes.c_int


def _probe():
    """Bind ?gemm of the BLAS NumPy loaded; verify on a tiny product before trusting it."""
    out = {}
    try:
        from threadpoolctl import threadpool_info
        infos = [i for i in threadpool_info() if i.get("user_api") == "blas"
                 and i.get("internal_api") == "openblas"]
    except Exception:  # pragma: no cover - threadpoolctl missing or broken
        infos = []
    for info in infos:
        try:
            lib = ctypes.CDLL(info["filepath"])
        except OSError:  # pragma: no cover
            continue
        prefix = info.get("prefix", "")
        for pre in (("scipy_",) if "scipy" in prefix else ()) + ("",):
            for suffix, cint in _candidates(prefix):
                fns = {}
                for ch, dt, cfl in (("s", np.float32, ctypes.c_float), ("d", np.float64, ctypes.c_double)):
                    fn = getattr(lib, f"{pre}cblas_{ch}gemm{suffix}", None)
                    if fn is None:
                        break
                    vp = ctypes.c_void_p
                    fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, cint, cint, cint, cfl, vp,
                                   cint, vp, cint, cfl, vp, cint]
                    fn.restype = None
                    fns[np.dtype(dt)] = fn
                if len(fns) == 2 and _selftest(fns):
                    _bind_thread_controls(lib, pre, suffix)
                    _bind_axpby(lib, pre, suffix, cint)
                    return fns
    return out


def _bind_thread_controls(lib, pre, suffix):
    global _get_threads, _set_threads
    g = getattr(lib, f"{pre}openblas_get_num_threads{suffix}", None)
    s = getattr(lib, f"{pre}openblas_set_num_threads{suffix}", None)
    if g is not None and s is not None:
        g.restype = ctypes.c_int
        g.argtypes = []
        s.argtypes = [ctypes.c_int]
        s.restype = None
        _get_threads, _set_threads = g, s
        global _threads
        if _threads is None:
            _threads = max(1, int(g()))
        s(1)


_axpby: dict = {}  # np.dtype -> cblas ?axpby (an OpenBLAS extension), when found


def _bind_axpby(lib, pre, suffix, cint):
    for ch, dt, cfl in (("s", np.float32, ctypes.c_float), ("d", np.float64, ctypes.c_double)):
        fn = getattr(lib, f"{pre}cblas_{ch}axpby{suffix}", None)
        if fn is None:
            return
        fn.argtypes = [cint, cfl, ctypes.c_void_p, cint, cfl, ctypes.c_void_p, cint]
        fn.restype = None
        _axpby[np.dtype(dt)] = fn


def axpby(alpha: float, x, beta: float, y) -> None:
    """y <- alpha * x + beta * y in place (one pass, no temporary: optimizer updates). BLAS for
    contiguous float32/float64 NumPy arrays of one dtype; array arithmetic otherwise."""
    if type(y) is np.ndarray and type(x) is np.ndarray and x.dtype == y.dtype and \
            x.shape == y.shape and x.flags.c_contiguous and y.flags.c_contiguous:
        if _fns is None:
            _blas(y.dtype)
        fn = _axpby.get(y.dtype)
        if fn is not None:
            if y.size:
                fn(y.size, alpha, x.ctypes.data, 1, beta, y.ctypes.data, 1)
            return
    if beta != 1.0:
        y *= beta
    y += x * alpha if alpha != 1.0 else x


def _selftest(fns) -> bool:
    rng = np.random.default_rng(0)
    for dt, fn in fns.items():
        a = rng.standard_normal((3, 5)).astype(dt)
        b = rng.standard_normal((5, 4)).astype(dt)
        c = np.ones((3, 4), dt)
        fn(_ROW_MAJOR, _NO_TRANS, _NO_TRANS, 3, 4, 5, 1.0, a.ctypes.data, 5, b.ctypes.data, 4, 1.0,
           c.ctypes.data, 4)
        if not np.allclose(c, a @ b + 1, rtol=1e-4, atol=1e-4):
            return False
    return True


def _blas(dtype):
    global _fns
    if _fns is None:
        with _lib_lock:
            if _fns is None:
                _fns = _probe()
    return _fns.get(dtype)


def _operand(a, isz):
    """(trans flag, leading dimension) of a 2-D NumPy view, or None if BLAS cannot read it."""
    s0, s1 = a.strides
    r, c = a.shape
    if s1 == isz and s0 % isz == 0 and s0 // isz >= max(c, 1):
        return _NO_TRANS, s0 // isz
    if s0 == isz and s1 % isz == 0 and s1 // isz >= max(r, 1):
        return _TRANS, s1 // isz
    if r == 1 and s1 == isz:
        return _NO_TRANS, max(c, 1)
    if c == 1 and s0 == isz:
        return _TRANS, max(r, 1)
    return None


def has_blas(arr) -> bool:
    """True when gemm() runs arrays like ``arr`` through BLAS directly (NumPy float32/float64)."""
    return type(arr) is np.ndarray and arr.dtype.kind == "f" and _blas(arr.dtype) is not None


def gemm(a, b, c, beta: float = 0.0, alpha: float = 1.0) -> None:
    """c <- alpha * a @ b + beta * c for 2-D views (c must have unit column stride)."""
    fn = _blas(c.dtype) if type(c) is np.ndarray else None
    if fn is not None and a.dtype == c.dtype and b.dtype == c.dtype:
        isz = c.itemsize
        M, N = c.shape
        K = a.shape[1]
        oa, ob = _operand(a, isz), _operand(b, isz)
        s0, s1 = c.strides
        if oa is not None and ob is not None and (s1 == isz or N == 1) and s0 % isz == 0 \
                and (s0 // isz >= max(N, 1) or M == 1):
            if M and N:
                if K == 0:
                    c *= beta
                else:
                    fn(_ROW_MAJOR, oa[0], ob[0], M, N, K, alpha, a.ctypes.data, oa[1], b.ctypes.data,
                       ob[1], beta, c.ctypes.data, max(s0 // isz, N, 1))
            return
    m = np if type(c) is np.ndarray else _module_of(c)
    prod = m.matmul(a, b)
    if alpha != 1.0:
        prod *= alpha
    if beta == 0.0:
        c[...] = prod
    else:
        if beta != 1.0:
            c *= beta
        c += prod


def _module_of(arr):
    from .ops._function import xp
    return xp(arr)


# ---- splitting work over threads ------------------------------------------------------------------
# OpenBLAS's own threads synchronise several times inside every product and busy-wait between
# calls; when the machine has more runnable threads than cores each of those waits can cost a
# scheduler time slice. Splitting the *output rows* between our own threads, each running
# single-threaded BLAS on an independent slab, needs one join per call and degrades gracefully to
# the single-threaded time.
_MIN_FLOPS = 3e7  # below this a thread hand-off costs more than it saves
_team = None
_team_key = None


class _Team:
    """Persistent helper threads, each parked on its own lock: starting a job is one lock release
    per helper and joining is one acquire, about half the round trip of a ThreadPoolExecutor's
    future (the hand-off is paid by every convolution, norm and activation of a network)."""

    def __init__(self, n: int):
        self.job = None
        self.errors = []
        # Seconds from a release until the first helper runs (moving average): waking a parked
        # thread, and on a VM its idle vCPU, costs 15-40 us, which splits of short jobs allow for.
        self.lag = 20e-6
        self.t_release = 0.0
        self.t_start = [0.0] * n
        self.busy = threading.Lock()  # one job at a time; a second caller runs serially
        self.go, self.done = [], []
        for i in range(n):
            go, done = threading.Lock(), threading.Lock()
            go.acquire()
            done.acquire()
            self.go.append(go)
            self.done.append(done)
            threading.Thread(target=self._loop, args=(i, go, done), daemon=True,
                             name=f"ember-nn-{i}").start()

    def _loop(self, i, go, done):
        clock = time.perf_counter
        while True:
            go.acquire()
            self.t_start[i] = clock()
            try:
                self.job()
            except BaseException as e:  # re-raised in the caller's thread
                self.errors.append(e)
            done.release()

    def run(self, helpers: int, job) -> None:
        """job() on ``helpers`` helper threads and in the caller; returns when all have finished."""
        self.job = job
        self.errors = []
        self.t_release = time.perf_counter()
        for i in range(helpers):
            self.go[i].release()
        try:
            job()
        finally:
            for i in range(helpers):
                self.done[i].acquire()
            self.job = None
        if helpers:
            self.lag += 0.2 * (min(min(self.t_start[:helpers]) - self.t_release, 1e-3) - self.lag)
        if self.errors:
            raise self.errors[0]


def _after_fork_in_child():
    """A fork taken while another thread was inside a section: the child has no such thread."""
    global _team, _team_key
    _team = _team_key = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _budget() -> int:
    """Threads ember's kernels may use (1 when NumPy's BLAS is not one ember can drive)."""
    if _fns is None:
        _blas(np.dtype(np.float32))
    if _set_threads is None:
        return 1
    if _get_threads() != 1:  # someone (a threadpoolctl context ending, say) raised it again
        _set_threads(1)
    return _threads


def threads_for(flops: float) -> int:
    """Threads worth using for a job of this many FLOPs (1 below the hand-off break-even)."""
    return _budget() if flops >= _MIN_FLOPS else 1


def get_threads() -> int:
    """The team size that ember.get_num_threads reports."""
    if _threads is None:
        _blas(np.dtype(np.float32))
    if _threads is None:  # no OpenBLAS to drive: NumPy's BLAS threads itself
        return os.cpu_count() or 1
    return _threads


def set_threads(n: int) -> None:
    """Size the team (ember.set_num_threads); OpenBLAS itself stays single-threaded."""
    global _threads
    _blas(np.dtype(np.float32))
    _threads = int(n)


def _get_team(n):
    global _team, _team_key
    pid = os.getpid()
    if _team is None or _team_key != pid or len(_team.go) < n:  # after fork() the threads are gone
        _team = _Team(n)
        _team_key = pid
    return _team


def parallel_ranges(n: int, fn, flops: float = 1e12, grain: int = 1, per_thread: int | None = None) -> None:
    """fn(lo, hi) over chunks of range(n) (multiples of ``grain``), handed out on demand to the BLAS
    thread budget: ``per_thread`` chunks per thread, so a thread slowed down by other load simply
    takes fewer. By default one chunk per thread when the units split evenly (within 10%), else
    four: each chunk taken is an interpreter-lock hand-off, which can cost a thread wake-up
    (15-40 us on a VM). One chunk (serial) when the work is small, BLAS is not ours, or another
    section is already running."""
    T = threads_for(flops)
    units = -(-n // grain) if n > 0 else 0
    T = min(T, units)
    if T <= 1:
        fn(0, n)
        return
    team = _get_team(T - 1)
    if not team.busy.acquire(blocking=False):  # another Python thread is using the helpers
        fn(0, n)
        return
    try:
        if per_thread is None:
            per_thread = 1 if -(-units // T) * T * 10 <= units * 11 else 4
        nch = min(units, T * per_thread)
        bounds = [min(n, (units * i // nch) * grain) for i in range(nch + 1)]
        ticket = itertools.count()

        def run():
            while True:
                i = next(ticket)
                if i >= nch:
                    return
                fn(bounds[i], bounds[i + 1])
        team.run(T - 1, run)
    finally:
        team.busy.release()


_MIN_ELEMS = 1 << 19  # memory-bound work: below this a thread hand-off costs more than it saves


def parallel_elementwise(arr, n: int, fn, elems: int) -> None:
    """fn(lo, hi) over chunks of range(n) for memory-bound NumPy work on ``elems`` elements (threads
    pay off from ``_MIN_ELEMS``); other backends run fn(0, n) once. Below a few million elements
    each thread takes one chunk: every further hand-off of the interpreter lock between threads
    can cost a wake-up (15-40 us on a VM), as much as the chunk itself."""
    if type(arr) is np.ndarray and _fns and elems >= _MIN_ELEMS:
        parallel_ranges(n, fn, 1e12, per_thread=1 if elems < (1 << 22) else 4)
    else:
        fn(0, n)


# ---- products on the team -----------------------------------------------------------------------------
_THREAD_MNK = 1 << 18  # OpenBLAS itself runs smaller products on one thread


_rate: dict = {}  # dtype -> one thread's GEMM FLOP/s on team slabs (moving average)


def matmul(a, b):
    """a @ b for backend arrays: large float32/float64 2-D NumPy products run as row (or column)
    slabs on ember's team; everything else is ``matmul`` of the array module."""
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2 and b.ndim == 2 and \
            a.dtype == b.dtype and a.dtype.kind == "f" and a.shape[1] == b.shape[0]:
        M, K = a.shape
        N = b.shape[1]
        if M * N * K >= _THREAD_MNK and _blas(a.dtype) is not None:
            out = _team_matmul(a, b, M, N, K)
            if out is not None:
                return out
        return np.matmul(a, b)
    if type(a) is np.ndarray:
        return np.matmul(a, b)
    return _module_of(a).matmul(a, b)


def _team_matmul(a, b, M, N, K):
    """The product as one slab per thread, or None when the team or BLAS cannot take it.

    The caller's slab is larger by the work it can do while the helpers wake up (``_Team.lag``
    at the measured per-thread rate), so all finish together and nobody waits for a wake-up at
    the join; the C call arguments are prepared before the release for the same reason."""
    flops = 2.0 * M * N * K
    rows = M >= N
    units, grain = (M, 8) if rows else (N, 16)
    T = min(threads_for(flops), units // grain)
    dt = a.dtype
    isz = dt.itemsize
    oa, ob = _operand(a, isz), _operand(b, isz)
    if T <= 1 or oa is None or ob is None:
        return None
    team = _get_team(T - 1)
    if not team.busy.acquire(blocking=False):
        return None
    try:
        out = np.empty((M, N), dt)
        rate = _rate.get(dt, 6e10)
        # units the caller does while helpers wake, plus a margin so that the helpers are done
        # (and need no second wake-up to say so) by the time the caller joins
        lead = (team.lag + 20e-6) * rate / (flops / units)
        first = min(units - grain * (T - 1), max(grain, round((units + (T - 1) * lead) / T / grain) * grain))
        bounds = [0, first] + [first + (units - first) * i // (T - 1) for i in range(1, T)]
        pa, pb, pc = a.ctypes.data, b.ctypes.data, out.ctypes.data
        # a row slab starts lo rows into a and out; a column slab lo columns into b and out
        sa = a.strides[0] if rows else 0
        sb = 0 if rows else b.strides[1]
        sc = out.strides[0] if rows else isz
        calls = [(_ROW_MAJOR, oa[0], ob[0], hi - lo if rows else M, N if rows else hi - lo, K, 1.0,
                  pa + lo * sa, oa[1], pb + lo * sb, ob[1], 0.0, pc + lo * sc, N)
                 for lo, hi in zip(bounds, bounds[1:])]
        ticket = itertools.count()
        fn = _fns[dt]
        clock = time.perf_counter
        timing = []

        def run():
            i = next(ticket)
            if i == 0:
                t = clock()
                fn(*calls[0])
                timing.append(clock() - t)
            elif i < T:
                fn(*calls[i])
        team.run(T - 1, run)
        if timing and timing[0] > 0:
            _rate[dt] = rate + 0.2 * (flops * first / units / timing[0] - rate)
        return out
    finally:
        team.busy.release()
