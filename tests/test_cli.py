"""The command line: ``python -m ember demo|info|run`` and the ``ember`` console script."""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from ember.cli import build_parser, main, run_demo
from tests._oracle import requires_torch, torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(REPO, "examples", "pytorch_script.py")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def ember_cmd(*args: str, cwd: str = REPO, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -m ember ARGS`` in a fresh interpreter (ember importable from the repo root)."""
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "ember", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


# ------------------------------------------------------------------ parser

def test_parser_subcommands() -> None:
    parser = build_parser()
    args = parser.parse_args(["run", "train.py", "--epochs", "3", "-v"])
    assert args.command == "run" and args.target == "train.py"
    assert args.args == ["--epochs", "3", "-v"] and not args.module
    args = parser.parse_args(["run", "-m", "pkg.train", "x"])
    assert args.module and args.target == "pkg.train" and args.args == ["x"]
    assert parser.parse_args(["info"]).command == "info"
    assert parser.parse_args(["demo"]).command == "demo"


def test_no_subcommand_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "usage: ember" in err and "{demo,info,run}" in err


# ------------------------------------------------------------------ info

def test_info(capsys) -> None:
    import ember

    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ember:")
    assert f"NumPy:   {np.__version__}" in out
    assert f"Python:  {sys.version.split()[0]}" in out
    assert "BLAS:" in out
    assert f"threads: {ember.get_num_threads()} (ember.get_num_threads())" in out
    assert "backends: numpy yes; cupy " in out
    assert f"ember.cuda.is_available(): {ember.cuda.is_available()}" in out
    assert f"CUDA device count: {ember.cuda.device_count()}" in out


# ------------------------------------------------------------------ demo

def test_python_m_ember_demo() -> None:
    proc = ember_cmd("demo")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    out = proc.stdout
    for heading in ("Creating tensors", "Storage", "stride", "Transpose", "Contiguous", "Views",
                    "dtypes", "Saving and loading"):
        assert heading in out, heading
    assert ">>> points.stride()\n(2, 1)\n" in out
    assert "[torch.storage.TypedStorage(dtype=torch.float32, device=cpu) of size 6]" in out
    assert ">>> c.size(), c.storage_offset(), c.stride()\n(torch.Size([2, 2]), 4, (3, 1))\n" in out


def _demo_lines(module) -> list:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = run_demo(module)
    assert rc == 0, buf.getvalue()[-3000:]
    return buf.getvalue().splitlines()


@requires_torch
def test_demo_output_is_what_torch_shows() -> None:
    """Every demo step prints exactly what the same line prints with the real torch."""
    import ember

    expected, got = _demo_lines(torch), _demo_lines(ember)
    for i, (want, have) in enumerate(zip(expected, got)):
        assert have == want, f"demo line {i}: expected {want!r}, got {have!r}\n" + "\n".join(got[max(0, i - 8):i + 1])
    assert len(got) == len(expected)


# ------------------------------------------------------------------ run

def test_run_example_script() -> None:
    proc = ember_cmd("run", EXAMPLE, "arg1")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "args: ['arg1']"
    assert lines[1] == "data: (16, 1) torch.float32 y[:3]=[-2.5, -2.1, -1.7]"
    losses = [float(line.split()[-1]) for line in lines if line.startswith("epoch")]
    assert len(losses) == 8 and losses[-1] < losses[0] / 5


@requires_torch
def test_run_example_matches_real_torch(monkeypatch) -> None:
    """The unmodified script prints the same lines on ember as on PyTorch."""
    # The real-torch run happens in this process (torch is already imported here as the oracle).
    import runpy

    monkeypatch.setattr(sys, "argv", [EXAMPLE, "arg1", "--flag"])
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        runpy.run_path(EXAMPLE, run_name="__main__")
    proc = ember_cmd("run", EXAMPLE, "arg1", "--flag")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == buf.getvalue()


SCRIPT = """\
import os, sys
import torch
import torch.nn as nn
import ember
print(torch is ember, nn is ember.nn, __name__, sys.argv)
print(os.path.dirname(os.path.abspath(__file__)) == sys.path[0])
import helper_mod
print(helper_mod.VALUE)
raise SystemExit(int(sys.argv[-1]))
"""


def test_run_sets_argv_main_and_path(tmp_path) -> None:
    (tmp_path / "script.py").write_text(SCRIPT)
    (tmp_path / "helper_mod.py").write_text("VALUE = 'helper found next to the script'\n")
    proc = ember_cmd("run", str(tmp_path / "script.py"), "--lr", "0.1", "3", cwd=str(tmp_path.parent))
    assert proc.returncode == 3, proc.stderr  # SystemExit code propagates
    assert proc.stdout.splitlines() == [
        f"True True __main__ ['{tmp_path / 'script.py'}', '--lr', '0.1', '3']",
        "True",
        "helper found next to the script",
    ]


def test_run_module(tmp_path) -> None:
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "train.py").write_text("import sys, torch\nprint(torch.__name__, __name__, sys.argv[1:])\n")
    proc = ember_cmd("run", "-m", "mypkg.train", "a", "b", cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ember __main__ ['a', 'b']"


def test_run_script_error_shows_traceback(tmp_path) -> None:
    (tmp_path / "bad.py").write_text("import torch\n\ndef f():\n    raise ValueError('boom from the script')\n\nf()\n")
    proc = ember_cmd("run", str(tmp_path / "bad.py"))
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr and "bad.py\", line 4, in f" in proc.stderr
    assert proc.stderr.rstrip().endswith("ValueError: boom from the script")


def test_run_missing_script() -> None:
    proc = ember_cmd("run", "no_such_script.py")
    assert proc.returncode == 2
    assert "no_such_script.py" in proc.stderr


# ------------------------------------------------------------------ console script

def test_console_script() -> None:
    exe = shutil.which("ember")
    if exe is None:
        if IN_CI:
            pytest.fail("the `ember` console script is not on PATH after `pip install -e '.[test]'`")
        pytest.skip("ember is not pip-installed here (no `ember` console script on PATH)")
    proc = subprocess.run([exe, "run", EXAMPLE, "x"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "args: ['x']"
