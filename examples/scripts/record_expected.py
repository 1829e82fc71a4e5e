"""Record each example script's output under REAL PyTorch as ``<script>.expected``.

    python examples/scripts/record_expected.py            # all scripts
    python examples/scripts/record_expected.py 04_cnn_mnist.py

tests/test_scripts.py runs the same scripts under ``ember run`` and compares with these files.
Needs torch (and torchvision for the vision script) importable; the scripts force the CPU.
A torchvision wheel built for CUDA cannot load its C++ ops next to a CPU-only torch; the pure
Python parts the scripts use (models, transforms, datasets) do not need them, so the runner below
lets torchvision's import skip registering fake kernels for ops that are missing.
"""
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

_RUNNER = r"""
import os, runpy, sys
import torch
assert "ember" not in torch.__file__, "record_expected must run the REAL torch"
import torch.library
_register_fake = torch.library.register_fake

def _lenient_register_fake(op, *args, **kwargs):
    if args or kwargs.get("func") is not None:
        try:
            return _register_fake(op, *args, **kwargs)
        except RuntimeError:
            return None
    def decorate(fn):
        try:
            return _register_fake(op, **kwargs)(fn)
        except RuntimeError:  # e.g. 'operator torchvision::nms does not exist'
            return fn
    return decorate

torch.library.register_fake = _lenient_register_fake
script = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path[0] = os.path.dirname(os.path.abspath(script))
runpy.run_path(script, run_name="__main__")
"""


def script_paths(names=None):
    """The example scripts (``NN_name.py``) in run order, or the ones named."""
    if names:
        return [os.path.join(HERE, os.path.basename(n)) for n in names]
    return sorted(glob.glob(os.path.join(HERE, "[0-9][0-9]_*.py")))


def script_env():
    """Environment for both recording and testing: CPU only, one BLAS thread, fixed hash seed."""
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", PYTHONHASHSEED="0", PYTHONWARNINGS="ignore")
    # Several scripts run side by side in the test; multithreaded BLAS on a busy machine spins
    # and gets many times slower, while one thread each keeps every run fast and repeatable.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    return env


def main(argv):
    failed = 0
    for path in script_paths(argv):
        proc = subprocess.run([sys.executable, "-c", _RUNNER, path], capture_output=True, text=True,
                              env=script_env(), cwd=HERE)
        name = os.path.basename(path)
        if proc.returncode != 0:
            failed += 1
            print(f"FAILED {name}:\n{proc.stderr[-3000:]}", file=sys.stderr)
            continue
        with open(path[:-3] + ".expected", "w") as f:
            f.write(proc.stdout)
        print(f"recorded {name}: {len(proc.stdout.splitlines())} lines")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
