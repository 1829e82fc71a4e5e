"""ember/_blas.py (thread team, team-split products), ember/_memory.py (heap settings) and the
ReLU kernels of ember/ops/_kernels.py."""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import ember
from ember import _blas as G, _memory
from ember.ops import _kernels as K


@pytest.fixture
def two_threads(monkeypatch):
    """Force the team path however small the work and whatever the machine's core count."""
    monkeypatch.setattr(G, "_MIN_FLOPS", 0)
    monkeypatch.setattr(G, "_MIN_ELEMS", 0)
    monkeypatch.setattr(G, "_THREAD_MNK", 0)
    monkeypatch.setattr(G, "_budget", lambda: 2)


@pytest.mark.parametrize("shape", [(37, 19, 23), (5, 19, 300), (300, 7, 5), (1, 3, 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_team_matmul_matches_numpy(two_threads, shape, dtype):
    M, Kd, N = shape
    rng = np.random.default_rng(0)
    a = rng.standard_normal((M, Kd)).astype(dtype)
    b = rng.standard_normal((Kd, N)).astype(dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for A, B in [(a, b), (np.asfortranarray(a), b), (a, np.asfortranarray(b)), (a, b[:, ::-1])]:
        out = G.matmul(A, B)
        assert out.shape == (M, N) and out.dtype == dtype and out.flags.c_contiguous
        np.testing.assert_allclose(out, A @ B, rtol=tol, atol=tol)


@pytest.mark.parametrize("lag", [0.0, 30e-6, 1.0])
@pytest.mark.parametrize("shape", [(37, 64, 20), (20, 64, 53), (256, 256, 256)])
def test_team_matmul_caller_share_follows_wake_lag(two_threads, lag, shape):
    """However much larger the caller's slab is made (the helpers' measured wake-up lag), every
    row/column is computed exactly once and the moving averages stay sane."""
    M, Kd, N = shape
    rng = np.random.default_rng(2)
    a = rng.standard_normal((M, Kd)).astype(np.float32)
    b = rng.standard_normal((Kd, N)).astype(np.float32)
    team = G._get_team(1)
    for _ in range(3):
        team.lag = lag
        out = G.matmul(a, b)
        np.testing.assert_allclose(out, a @ b, rtol=1e-5, atol=1e-4)
    assert 0 <= team.lag <= 1.0 and 1e6 < G._rate[np.dtype(np.float32)] < 1e14


def test_team_matmul_other_inputs_fall_back(two_threads):
    a = np.arange(6).reshape(2, 3)
    assert G.matmul(a, a.T).dtype == np.int64
    x = np.ones((2, 3, 4), np.float32)
    assert G.matmul(x, np.ones((4, 5), np.float32)).shape == (2, 3, 5)


def test_linear_and_matmul_use_team_and_match_torch(two_threads):
    from tests._oracle import torch
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((64, 96)), rng.standard_normal((48, 96)), rng.standard_normal(48)
    outs = []
    for L in (ember, torch):
        tx, tw, tb = (L.tensor(v.astype(np.float32), requires_grad=True) for v in (x, w, b))
        y = L.nn.functional.linear(tx, tw, tb)
        (y * y).sum().backward()
        outs.append([y.detach().numpy(), tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()])
    for e, t in zip(*outs):
        np.testing.assert_allclose(e, t, rtol=2e-4, atol=2e-4)


def test_team_propagates_errors_and_stays_usable(two_threads):
    def boom(lo, hi):
        if lo > 0:
            raise ValueError("chunk failed")
    with pytest.raises(ValueError, match="chunk failed"):
        G.parallel_ranges(8, boom)
    seen = []
    lock = threading.Lock()

    def ok(lo, hi):
        with lock:
            seen.extend(range(lo, hi))
    G.parallel_ranges(100, ok)
    assert sorted(seen) == list(range(100))


def test_team_concurrent_callers_get_right_results(two_threads):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((64, 32)).astype(np.float32)
    b = rng.standard_normal((32, 48)).astype(np.float32)
    want = a @ b
    bad = []

    def worker():
        for _ in range(50):
            if not np.allclose(G.matmul(a, b), want, rtol=1e-5, atol=1e-5):
                bad.append(1)
    ts = [threading.Thread(target=worker) for _ in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not bad


def test_openblas_stays_single_threaded_and_team_size_is_settable():
    if not G.has_blas(np.ones(1, np.float32)):
        pytest.skip("NumPy's BLAS is not an OpenBLAS ember can drive")
    n = ember.get_num_threads()
    try:
        from threadpoolctl import threadpool_limits
        with threadpool_limits(4):  # raised behind ember's back: its next kernel call lowers it
            pass
        ember.set_num_threads(3)
        assert ember.get_num_threads() == 3 and G._budget() == 3
        assert G._get_threads() == 1  # NumPy's OpenBLAS (scipy may load another one)
    finally:
        ember.set_num_threads(n)
    with pytest.raises(RuntimeError, match="positive integer"):
        ember.set_num_threads(0)


# ---- heap settings ---------------------------------------------------------------------------------
def _run(code, **env):
    e = dict(os.environ)
    for k in ("EMBER_HEAP_TUNING", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"):
        e.pop(k, None)
    e.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e,
                          check=True).stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc settings")
def test_heap_tuning_applied_and_opt_outs():
    code = "import ember, ember._memory as m; print(m.applied)"
    import ctypes
    glibc = hasattr(ctypes.CDLL(None), "gnu_get_libc_version")
    assert _run(code) == str(glibc)
    assert _run(code, EMBER_HEAP_TUNING="0") == "False"
    assert _run(code, MALLOC_TRIM_THRESHOLD_="1000000") == "False"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc settings")
def test_heap_tuning_reuses_freed_blocks():
    """A freed 8 MB block comes back without page faults (it would fault ~2,000 times if unmapped)."""
    if not _memory.applied:
        pytest.skip("heap tuning not active in this process")
    import resource
    a = np.ones(2_000_000, np.float32)
    del a
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    b = np.ones(2_000_000, np.float32)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert b[-1] == 1 and faults < 500


# ---- ReLU kernels ------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 2048, 2049, K._CHUNK - 1, K._CHUNK, 3 * K._CHUNK + 17])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_relu_kernel_matches_maximum(n, dtype):
    x = np.random.default_rng(3).standard_normal(n).astype(dtype)
    if n > 5:
        x[[1, -2]] = np.nan
        x[3] = -np.inf
    out = np.empty_like(x)
    K.relu_into(x, out)
    np.testing.assert_array_equal(out, np.maximum(x, 0))
    y = K.relu_array(x.reshape(1, -1) if n else x)
    np.testing.assert_array_equal(y.reshape(-1), np.maximum(x, 0))


def test_relu_paths_keep_nan_and_gradients():
    from tests._oracle import torch
    x = np.linspace(-2, 2, 200_001).astype(np.float32)
    x[7] = np.nan
    for L in (ember, torch):
        t = L.tensor(x, requires_grad=True)
        y = L.relu(t)
        y2 = L.nn.functional.relu(t * 1.0)
        with L.no_grad():
            y3 = L.nn.functional.relu(L.tensor(x), inplace=True)
        g = L.ones_like(y)
        (y * g).sum().backward()
        res = (y.detach().numpy(), y2.detach().numpy(), y3.numpy(), t.grad.numpy())
        if L is ember:
            got = res
        else:
            want = res
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


# ---- full sums ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [(1 << 16) - 1, 1 << 16, K._SUM_ROW * 300 + 17, (1 << 20) + 4095])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_full_sum_matches_exact_sum_and_torch(n, dtype, monkeypatch):
    from tests._oracle import torch
    x = (np.random.default_rng(n).standard_normal(n) + 0.25).astype(dtype)
    exact = x.astype(np.float64).sum()
    got = {}
    for budget in (1, 2):
        monkeypatch.setattr(G, "_budget", lambda budget=budget: budget)
        got[budget] = K.full_sum(x.reshape(-1, 1) if n % 2 else x)
        assert got[budget].dtype == dtype
    assert got[1] == got[2]  # the split does not change the order of the additions
    tol = 2e-6 if dtype == np.float32 else 1e-13
    assert abs(got[1] - exact) <= tol * abs(exact)
    mean = ember.from_numpy(x).mean().item()
    np.testing.assert_allclose(mean, torch.from_numpy(x).mean().item(), rtol=tol)


def test_full_sum_special_values():
    x = np.ones(1 << 20, np.float32)
    assert K.full_sum(x) == 1 << 20
    x[123_456] = np.inf
    assert K.full_sum(x) == np.inf
    x[5] = np.nan
    assert np.isnan(K.full_sum(x))
    assert np.isnan(ember.from_numpy(x).sum().item())
    assert K.full_sum(np.ones((1 << 20, 2), np.float32)[:, 0]) == 1 << 20  # strided: add.reduce


# ---- per-channel affine ------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(2, 3, 100), (1, 5, 784), (3, 4, 4096), (1, 2, 8193)])
@pytest.mark.parametrize("threads", [1, 2])
def test_channel_affine_matches_broadcast_and_restores_bufsize(shape, threads, monkeypatch):
    monkeypatch.setattr(G, "_budget", lambda: threads)
    monkeypatch.setattr(G, "_MIN_FLOPS", 0)
    monkeypatch.setattr(G, "_MIN_ELEMS", 0)
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape).astype(np.float32)
    s, h = rng.standard_normal(shape[1]).astype(np.float32), rng.standard_normal(shape[1]).astype(np.float32)
    out = np.empty_like(x)
    before = np.getbufsize()
    K.channel_affine(x, s, h, out)
    assert np.getbufsize() == before
    np.testing.assert_array_equal(out, x * s[:, None] + h[:, None])


def test_eval_batch_norm_uses_channel_affine_and_matches_torch():
    from tests._oracle import torch
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 6, 28, 28)).astype(np.float32)
    stats = [rng.standard_normal(6).astype(np.float32) for _ in range(4)]
    stats[1] = np.abs(stats[1]) + 0.1
    outs = []
    for L in (ember, torch):
        bn = L.nn.BatchNorm2d(6).eval()
        for t, v in zip((bn.running_mean, bn.running_var, bn.weight, bn.bias), stats):
            t.data.copy_(L.from_numpy(v))
        with L.no_grad():
            outs.append(bn(L.from_numpy(x)).numpy())
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("n, chunks", [(64, 2), (21, 2), (5, 5), (3, 3), (2, 2), (40, 2)])
def test_parallel_ranges_one_chunk_per_thread_when_even(two_threads, n, chunks):
    """Even splits run as one chunk per thread (each extra chunk is a lock hand-off); uneven small
    ones are handed out unit by unit; either way every index is covered exactly once."""
    seen = []
    G.parallel_ranges(n, lambda lo, hi: seen.append((lo, hi)))
    assert len(seen) == chunks
    assert sorted(i for lo, hi in seen for i in range(lo, hi)) == list(range(n))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_axpby_in_place(dtype):
    rng = np.random.default_rng(6)
    x = rng.standard_normal(1000).astype(dtype)
    y = rng.standard_normal(1000).astype(dtype)
    want = (0.5 * x.astype(np.float64) + 0.9 * y.astype(np.float64))
    G.axpby(0.5, x, 0.9, y)
    assert y.dtype == dtype
    np.testing.assert_allclose(y, want, rtol=2e-3 if dtype == np.float16 else 1e-6, atol=1e-3)
    if dtype != np.float16 and G._set_threads is not None:  # NumPy's BLAS is an OpenBLAS
        assert G._axpby.get(np.dtype(dtype)) is not None  # OpenBLAS's extension was bound
    z = np.ones((4, 6), dtype)[:, ::2]  # strided: array arithmetic
    G.axpby(2.0, np.ones((4, 3), dtype), 1.0, z)
    assert (z == 3).all()
