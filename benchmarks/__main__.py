"""Run the ember-vs-torch benchmark suite: ``python -m benchmarks --compare torch [--quick]``."""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time


def _startup_env(cached: bool) -> dict:
    """Environment for the start-up runs. ``cached``: byte-code caches are written to (and read
    from) a private directory, as for an installed package (pip compiles .pyc files; torch ships
    them), even where the environment sets PYTHONDONTWRITEBYTECODE; otherwise every module of a
    source checkout is compiled on each run."""
    env = dict(os.environ)
    if cached:
        import tempfile
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "ember_bench_pycache")
    return env


def _startup(cmd: str, runs: int = 5, cached: bool = True) -> float:
    """Median wall time of ``python -c cmd`` (after one warm-up run that fills caches)."""
    env = _startup_env(cached)
    subprocess.run([sys.executable, "-c", cmd], check=True, env=env)
    best = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", cmd], check=True, env=env)
        best.append(time.perf_counter() - t)
    best.sort()
    return best[len(best) // 2]


def _installed_size(mod) -> int:
    root = os.path.dirname(mod.__file__)
    total = 0
    for d, _, files in os.walk(root):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(d, f))
            except OSError:
                pass
    return total


def _peak_rss_resnet50_train(lib_name: str) -> float:
    code = f"""
import resource, numpy as np, sys
sys.path.insert(0, {os.path.dirname(os.path.dirname(os.path.abspath(__file__)))!r})
import {lib_name} as L
from benchmarks.suite import _RESNET_SRC
ns = {{"torch": L, "nn": L.nn}}; exec(_RESNET_SRC, ns)
m = ns["resnet"](50)
opt = L.optim.SGD(m.parameters(), lr=0.01)
x = L.tensor(np.random.default_rng(0).standard_normal((8, 3, 224, 224)).astype(np.float32))
y = L.tensor(np.arange(8))
opt.zero_grad(); L.nn.functional.cross_entropy(m(x), y).backward(); opt.step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1]) / 1024.0  # MiB


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--compare", default="torch", choices=["torch"], help="reference library")
    p.add_argument("--quick", action="store_true", help="fewer/smaller cases, ~3 minutes")
    p.add_argument("--only", default="", help="run cases whose name contains this text")
    p.add_argument("--min-time", type=float, default=None, help="seconds per case per library")
    p.add_argument("--json", default="benchmarks/results.json", help="where to write results")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory case")
    args = p.parse_args(argv)
    from benchmarks.suite import cases, run_case
    import numpy as np
    import ember
    import torch
    from threadpoolctl import threadpool_info
    blas = ", ".join(sorted({f"{i.get('internal_api')} {i.get('version')}" for i in threadpool_info()
                             if i.get("user_api") == "blas"}))
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import re
    m = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    torch_blas = (m.group(1) if m else "?") + (", oneDNN" if torch.backends.mkldnn.is_available() else "")
    info = {"cpu": cpu, "cores": os.cpu_count(), "blas": blas, "torch_blas": torch_blas,
            "python": platform.python_version(),
            "numpy": np.__version__, "torch": torch.__version__, "ember": ember.__version__,
            "torch_threads": torch.get_num_threads()}
    print(f"# CPU: {cpu} ({os.cpu_count()} cores); NumPy BLAS: {blas}; torch {torch.__version__} "
          f"(BLAS: {torch_blas}, {torch.get_num_threads()} threads)")
    min_time = args.min_time or (0.6 if args.quick else 2.0)
    results = []
    print(f"{'case':48s} {'ember':>12s} {'torch':>12s} {'ratio':>7s} {'target':>7s}")
    for name, make, target in cases(args.quick):
        if args.only and args.only not in name:
            continue
        r = run_case(name, make, min_time=min_time)
        r["target"] = target
        r["meets_target"] = r["ratio"] <= target
        results.append(r)
        print(f"{name:48s} {_fmt(r['ember_s']):>12s} {_fmt(r['torch_s']):>12s} {r['ratio']:7.2f} "
              f"{'<=' + str(target):>7s}  [{r['ratio_low']:.2f}-{r['ratio_high']:.2f}]"
              f"{'' if r['meets_target'] else '  MISSED'}", flush=True)
    if not args.only or "start" in args.only:
        e = _startup("import ember")
        t = _startup("import torch")
        r = {"case": "start-up: python -c 'import X'", "ember_s": e, "torch_s": t, "ratio": e / t,
             "target": 0.15, "meets_target": e / t <= 0.15,
             "ember_installed_mb": _installed_size(ember) / 2**20,
             "torch_installed_mb": _installed_size(torch) / 2**20}
        results.append(r)
        print(f"{r['case']:48s} {_fmt(e):>12s} {_fmt(t):>12s} {r['ratio']:7.2f} {'<=0.15':>7s}"
              f"{'' if r['meets_target'] else '  MISSED'}  (installed: ember "
              f"{r['ember_installed_mb']:.1f} MB, torch {r['torch_installed_mb']:.0f} MB)")
        if os.environ.get("PYTHONDONTWRITEBYTECODE"):  # informational: no .pyc cache at all
            e, t = _startup("import ember", cached=False), _startup("import torch", cached=False)
            r = {"case": "start-up without .pyc cache (informational)", "ember_s": e, "torch_s": t,
                 "ratio": e / t, "target": None, "meets_target": None}
            results.append(r)
            print(f"{r['case']:48s} {_fmt(e):>12s} {_fmt(t):>12s} {r['ratio']:7.2f}")
    if not args.quick and not args.no_memory and (not args.only or "memory" in args.only):
        e = _peak_rss_resnet50_train("ember")
        t = _peak_rss_resnet50_train("torch")
        r = {"case": "peak RSS ResNet-50 train step b8 (MiB)", "ember_mib": e, "torch_mib": t,
             "ratio": e / t, "target": 1.3, "meets_target": e / t <= 1.3}
        results.append(r)
        print(f"{r['case']:48s} {e:10.0f}MB {t:10.0f}MB {r['ratio']:7.2f} {'<=1.3':>7s}")
    os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({"machine": info, "results": results}, f, indent=1)
    print(f"# wrote {args.json}")
    return 0


def _fmt(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.2f} us"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


if __name__ == "__main__":
    sys.exit(main())
