"""Checkpoint save/load throughput: ember vs torch on a ~400 MB state_dict, plus mmap load time.

    python benchmarks/bench_serialization.py [--size-mb 400] [--repeat 3] [--dir /tmp]
"""
from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run from a checkout


def make_state_dict(size_mb: float, seed: int = 0) -> "collections.OrderedDict[str, np.ndarray]":
    """Layer-shaped float32 arrays (plus small biases) totalling about ``size_mb`` MB."""
    rng = np.random.default_rng(seed)
    sd = collections.OrderedDict()
    total, i = 0, 0
    target = int(size_mb * 1e6)
    while total < target:
        n = min(1024, max(16, int(np.sqrt((target - total) / 4))))
        sd[f"layer{i}.weight"] = rng.standard_normal((n, n), dtype=np.float32)
        sd[f"layer{i}.bias"] = rng.standard_normal(n, dtype=np.float32)
        total += 4 * (n * n + n)
        i += 1
    return sd


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=float, default=400.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", default=None, help="folder for the checkpoint files")
    args = ap.parse_args()

    from ember import serialization as S
    from ember._tensor import _wrap

    arrays = make_state_dict(args.size_mb)
    nbytes = sum(a.nbytes for a in arrays.values())
    mb = nbytes / 1e6
    esd = collections.OrderedDict((k, _wrap(a)) for k, a in arrays.items())
    try:
        import torch
    except ImportError:
        torch = None
    folder = args.dir or tempfile.mkdtemp(prefix="ember_bench_")
    epath, tpath = os.path.join(folder, "ember.pt"), os.path.join(folder, "torch.pt")
    print(f"state_dict: {len(arrays)} tensors, {mb:.1f} MB, files in {folder}")

    rows = []
    e_save = best_of(lambda: S.save(esd, epath), args.repeat)
    e_load = best_of(lambda: S.load(epath), args.repeat)
    e_mmap = best_of(lambda: S.load(epath, mmap=True), args.repeat)
    rows.append(("ember", e_save, e_load, e_mmap))
    if torch is not None:
        tsd = collections.OrderedDict((k, torch.from_numpy(a)) for k, a in arrays.items())
        t_save = best_of(lambda: torch.save(tsd, tpath), args.repeat)
        t_load = best_of(lambda: torch.load(tpath, weights_only=True), args.repeat)
        t_mmap = best_of(lambda: torch.load(tpath, weights_only=True, mmap=True), args.repeat)
        rows.append(("torch", t_save, t_load, t_mmap))
        # cross-check: each side reads the other's file
        assert np.array_equal(torch.load(epath, weights_only=True)["layer0.weight"].numpy(),
                              arrays["layer0.weight"])
        assert np.array_equal(S.load(tpath)["layer0.weight"]._data, arrays["layer0.weight"])

    print(f"{'':6} {'save s':>8} {'MB/s':>8} {'load s':>8} {'MB/s':>8} {'mmap load s':>12}")
    for name, s, l, m in rows:
        print(f"{name:6} {s:8.3f} {mb / s:8.0f} {l:8.3f} {mb / l:8.0f} {m:12.4f}")
    if torch is not None:
        (_, es, el, em), (_, ts, tl, tm) = rows
        print(f"throughput ember/torch: save {ts / es:.2f}x, load {tl / el:.2f}x, mmap load {tm / em:.2f}x")
    for p in (epath, tpath):
        if os.path.exists(p):
            os.remove(p)
    if args.dir is None:
        os.rmdir(folder)


if __name__ == "__main__":
    main()
