"""Anomaly detection: ``detect_anomaly`` / ``set_detect_anomaly`` (a light version of torch's).

When enabled, the engine checks every node's gradients for NaN (with ``check_nan``) and, when a
node's backward raises, warns with the node's name and the traceback of the forward call that
created it (recorded only while anomaly mode is on, so normal runs pay nothing).
"""
from __future__ import annotations

import functools
import warnings

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]


class _Anomaly:
    enabled = False
    check_nan = True


anomaly = _Anomaly()


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on."""
    return anomaly.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection also checks gradients for NaN."""
    return anomaly.check_nan


class detect_anomaly:
    """Context manager / decorator enabling anomaly detection for the autograd engine."""

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = anomaly.enabled
        self.check_nan = check_nan
        self.prev_check_nan = anomaly.check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and "
                      "should only be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self) -> None:
        self.prev, self.prev_check_nan = anomaly.enabled, anomaly.check_nan
        anomaly.enabled, anomaly.check_nan = True, self.check_nan

    def __exit__(self, *exc) -> None:
        anomaly.enabled, anomaly.check_nan = self.prev, self.prev_check_nan

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return func(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off (as a function call or a context manager)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev, self.prev_check_nan = anomaly.enabled, anomaly.check_nan
        anomaly.enabled, anomaly.check_nan = bool(mode), bool(check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        anomaly.enabled, anomaly.check_nan = self.prev, self.prev_check_nan


def check_nan(node, grads) -> None:
    """Raise torch's error when a node produced NaN gradients (called only in anomaly mode)."""
    for i, g in enumerate(grads):
        if g is not None:
            d = g._data
            if bool((d != d).any()):  # NaN is the only value unequal to itself (numpy and cupy)
                raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def report(node, exc) -> None:
    """Warn about the node whose backward failed, with its forward traceback if one was recorded."""
    tb = node.__dict__.get("_anomaly_trace")
    msg = f"Error detected in {node.name()}. "
    if tb:
        msg += "Traceback of forward call that caused the error:\n" + "".join(tb)
    else:
        msg += "No forward pass information available. Enable detect anomaly during forward pass for " \
               "more information."
    warnings.warn(msg, UserWarning, stacklevel=3)
