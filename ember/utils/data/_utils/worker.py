"""``torch.utils.data._utils.worker`` twin: re-exports the worker-side helpers."""
from .._worker import WorkerInfo, get_worker_info, ExceptionWrapper  # noqa: F401

__all__ = ["WorkerInfo", "get_worker_info", "ExceptionWrapper"]
