"""``ember.vision``: ember's torchvision (models, transforms, datasets, utils, io).

``ember run`` and ``ember.compat`` map ``import torchvision`` to this package.
"""
from . import models, ops, transforms  # noqa: F401

__version__ = "0.29.1+ember"
_image_backend = "PIL"


def set_image_backend(backend: str) -> None:
    """Only 'PIL' is supported."""
    global _image_backend
    if backend not in ["PIL", "accimage"]:
        raise ValueError(f"Invalid backend '{backend}'. Options are 'PIL' and 'accimage'")
    _image_backend = backend


def get_image_backend() -> str:
    """The image backend used to load images ('PIL')."""
    return _image_backend


def __getattr__(name):
    # datasets/utils/io import Pillow and are loaded on first use.
    if name in ("datasets", "utils", "io"):
        import importlib
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'ember.vision' has no attribute '{name}'")
