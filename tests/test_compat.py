"""ember.compat: ``import torch`` -> ember through a sys.meta_path alias hook.

The hook is exercised in subprocesses only, so this test process keeps its real torch (the oracle).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from ember.compat import ember_name_for
from tests._oracle import requires_torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_py(code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter from the repo root; return the finished process."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def test_name_mapping() -> None:
    assert ember_name_for("torch") == "ember"
    assert ember_name_for("torch.nn.functional") == "ember.nn.functional"
    assert ember_name_for("torch.hub") == "ember.hub"
    assert ember_name_for("torchvision") == "ember.vision"
    assert ember_name_for("torchvision.transforms.functional") == "ember.vision.transforms.functional"
    for other in ("torchaudio", "torch_geometric", "numpy", "torchvisionx", "mytorch"):
        assert ember_name_for(other) is None, other


# torch name -> ember module it must be the SAME object as.
ALIASES = {
    "torch": "ember",
    "torch.nn": "ember.nn",
    "torch.nn.functional": "ember.nn.functional",
    "torch.nn.init": "ember.nn.init",
    "torch.optim": "ember.optim",
    "torch.autograd": "ember.autograd",
    "torch.utils": "ember.utils",
    "torch.utils.data": "ember.utils.data",
    "torch.hub": "ember.hub",
    "torch.cuda": "ember.cuda",
    "torchvision": "ember.vision",
    "torchvision.transforms": "ember.vision.transforms",
    "torchvision.datasets": "ember.vision.datasets",
    "torchvision.models": "ember.vision.models",
}

_PROBE = """
import importlib, json, sys
import ember.compat
ember.compat.install()
out = {}
for torch_name, ember_name in %r.items():
    try:
        alias = importlib.import_module(torch_name)
        real = sys.modules[ember_name]
        out[torch_name] = "same" if alias is real and sys.modules[torch_name] is real else "different"
    except Exception as exc:
        out[torch_name] = "%%s: %%s" %% (type(exc).__name__, exc)
print(json.dumps(out))
""" % (ALIASES,)


@pytest.fixture(scope="module")
def alias_results() -> dict:
    proc = run_py(_PROBE)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("torch_name", list(ALIASES))
def test_alias_is_the_same_module_object(alias_results: dict, torch_name: str) -> None:
    """``torch.X`` resolves to the very module object ``ember.X`` (no second copy)."""
    assert alias_results[torch_name] == "same", f"{torch_name} -> {ALIASES[torch_name]}: {alias_results[torch_name]}"


def test_import_statements_and_classes_agree() -> None:
    proc = run_py("""
        import sys
        import ember.compat
        ember.compat.install()
        import torch
        import torch.nn as nn
        from torch import nn as nn2
        import ember
        assert torch is ember and nn is ember.nn and nn2 is ember.nn
        assert torch.Tensor is ember.Tensor
        assert isinstance(torch.ones(2), ember.Tensor)
        # one module object per ember file: no module named torch.* that is not an ember module
        for name, mod in list(sys.modules.items()):
            if name == "torch" or name.startswith("torch."):
                assert mod.__name__.startswith("ember"), (name, mod)
                assert sys.modules[mod.__name__] is mod, name
        assert ember.__name__ == "ember" and ember.__spec__.name == "ember"
        assert ember.nn.__spec__.name == "ember.nn"  # the alias spec must not stick
        print("ok", ember.compat.is_installed())
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["ok", "True"]


@pytest.mark.parametrize("torch_name, ember_name", [
    ("torch.no_such_module", "ember.no_such_module"),
    ("torch.nn.no_such_module", "ember.nn.no_such_module"),
    ("torchvision.no_such_module", "ember.vision.no_such_module"),
])
def test_missing_module_names_both(torch_name: str, ember_name: str) -> None:
    proc = run_py(f"""
        import ember.compat
        ember.compat.install()
        try:
            import {torch_name}
        except ModuleNotFoundError as exc:
            print(type(exc).__name__, exc.name, "|", exc)
        else:
            print("imported")
    """)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.strip()
    assert out.startswith(f"ModuleNotFoundError {torch_name} |"), out
    assert f"'{torch_name}'" in out and f"'{ember_name}'" in out, out


def test_non_torch_imports_untouched() -> None:
    proc = run_py("""
        import ember.compat
        ember.compat.install()
        import json, numpy
        try:
            import torchaudio_does_not_exist
        except ModuleNotFoundError as exc:
            print("missing", exc.name)
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "missing torchaudio_does_not_exist"


# One interpreter walks the whole life cycle (importing the real torch costs seconds):
# install -> uninstall -> real torch imported -> install refuses -> force -> uninstall restores.
_LIFECYCLE = """
import json, sys
import ember, ember.compat
out = {}
ember.compat.install()
ember.compat.install()                                   # idempotent
import torch
out["installed_gives_ember"] = torch is ember and ember.compat.is_installed()
ember.compat.uninstall()
out["uninstall_removes_aliases"] = (not ember.compat.is_installed() and "torch" not in sys.modules
                                    and not any(m.startswith("torch.") for m in sys.modules))
import torch as real
import torch.nn as real_nn
out["then_real_torch"] = real is not ember and real.__version__.split("+")[0] == "2.13.0"
try:
    ember.compat.install()
    out["refuses"] = "no error"
except RuntimeError as exc:
    msg = str(exc)
    out["refuses"] = "already imported" in msg and "force=True" in msg and not ember.compat.is_installed()
out["refusal_leaves_torch"] = sys.modules["torch"] is real
ember.compat.install(force=True)
import torch as t2, torch.nn as nn2
out["force_gives_ember"] = t2 is ember and nn2 is ember.nn
out["real_still_works"] = real.ones(2).sum().item() == 2.0
ember.compat.uninstall()
import torch as t3, torch.nn as nn3
out["uninstall_restores_real"] = t3 is real and nn3 is real_nn and sys.modules["torch"] is real
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def lifecycle() -> dict:
    proc = run_py(_LIFECYCLE, timeout=180)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@requires_torch
@pytest.mark.parametrize("step", ["installed_gives_ember", "uninstall_removes_aliases", "then_real_torch",
                                  "refuses", "refusal_leaves_torch", "force_gives_ember",
                                  "real_still_works", "uninstall_restores_real"])
def test_install_uninstall_with_real_torch(lifecycle: dict, step: str) -> None:
    """install/uninstall never break a real torch: refuse, or set it aside and restore it."""
    assert lifecycle[step] is True, f"{step}: {lifecycle[step]}"
