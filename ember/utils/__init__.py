"""ember.utils: helpers mirroring ``torch.utils`` (data loading lives in ``ember.utils.data``)."""
import importlib as _importlib

__all__ = ["data", "checkpoint"]


def __getattr__(name: str):
    """Import submodules lazily so ``import ember`` never pays for (or cycles through) them."""
    if name in __all__:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
