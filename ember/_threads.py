"""Thread control: set_num_threads/get_num_threads drive the BLAS pool through threadpoolctl."""
from __future__ import annotations

import os

_limiter = None
_num_threads = None


def get_num_threads() -> int:
    """Threads used by BLAS-backed ops."""
    if _num_threads is not None:
        return _num_threads
    try:
        from threadpoolctl import threadpool_info
        info = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
        if info:
            return max(info)
    except Exception:
        pass
    return os.cpu_count() or 1


def set_num_threads(n: int) -> None:
    """Limit BLAS to n threads (process-wide)."""
    global _limiter, _num_threads
    if not isinstance(n, int) or n < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, but got {n}")
    from threadpoolctl import threadpool_limits
    _limiter = threadpool_limits(limits=n, user_api="blas")
    _num_threads = n


def get_num_interop_threads() -> int:
    return 1


def set_num_interop_threads(n: int) -> None:
    pass
