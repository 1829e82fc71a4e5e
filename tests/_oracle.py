"""The single place tests import real PyTorch from (the oracle).

In CI (``CI=true``) a missing torch is an error, never a silent skip.
"""
import os

import pytest

try:
    import torch  # noqa: F401
except ImportError:  # pragma: no cover - depends on environment
    torch = None
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        raise RuntimeError("torch==2.13.0 (the oracle) must be installed in CI: pip install -e .[test]")

requires_torch = pytest.mark.skipif(torch is None, reason="torch oracle not installed")


def torch_or_skip():
    """Return the torch module, or skip the calling test when it is missing (never in CI)."""
    if torch is None:
        pytest.skip("torch oracle not installed")
    return torch
