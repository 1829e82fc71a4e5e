"""Thread control: set_num_threads/get_num_threads size ember's CPU thread team (``_blas``).

ember keeps NumPy's OpenBLAS single-threaded and splits products, convolutions and large
elementwise kernels over its own threads; where NumPy's BLAS is not an OpenBLAS ember can drive,
the limit goes to that BLAS through threadpoolctl instead.
"""
from __future__ import annotations

_limiter = None


def get_num_threads() -> int:
    """Threads used by ember's CPU kernels."""
    from . import _blas
    return _blas.get_threads()


def set_num_threads(n: int) -> None:
    """Use n threads for ember's CPU kernels (process-wide)."""
    global _limiter
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, but got {n}")
    from . import _blas
    _blas.set_threads(n)
    if _blas._set_threads is None:
        from threadpoolctl import threadpool_limits
        _limiter = threadpool_limits(limits=n, user_api="blas")


def get_num_interop_threads() -> int:
    return 1


def set_num_interop_threads(n: int) -> None:
    pass
