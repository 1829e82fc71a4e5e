"""Drop-in import hook: make ``import torch`` / ``import torchvision`` give ember.

``install()`` puts a finder at the front of ``sys.meta_path`` that answers

* ``torch``               -> ``ember``
* ``torch.<sub>``         -> ``ember.<sub>``          (``torch.nn.functional`` -> ``ember.nn.functional``)
* ``torchvision``         -> ``ember.vision``
* ``torchvision.<sub>``   -> ``ember.vision.<sub>``

by aliasing the *same* module objects in ``sys.modules`` (``torch.nn is ember.nn``), never by
loading a second copy of a file, so ``isinstance`` checks and module state agree under both names.

``uninstall()`` removes the finder and the aliases (and puts back a real torch that ``force=True``
had set aside).
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from typing import Optional, Sequence

__all__ = ["install", "uninstall", "is_installed", "ember_name_for"]

# Longest prefix first, so ``torchvision`` is not read as ``torch`` + ``vision``.
_PREFIXES = (("torchvision", "ember.vision"), ("torch", "ember"))


def ember_name_for(fullname: str) -> Optional[str]:
    """Return the ember module name that a torch/torchvision module name maps to, or None."""
    for prefix, target in _PREFIXES:
        if fullname == prefix:
            return target
        if fullname.startswith(prefix + "."):
            return target + fullname[len(prefix):]
    return None


def _is_ember_module(module: object) -> bool:
    name = getattr(module, "__name__", None)
    return isinstance(name, str) and (name == "ember" or name.startswith("ember."))


class _AliasLoader(importlib.abc.Loader):
    """Loader whose module is the already-importable ember module (imported, not copied)."""

    def __init__(self, fullname: str, target: str) -> None:
        self.fullname = fullname
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        """Import the ember module and hand it back as the module for the torch name."""
        try:
            module = importlib.import_module(self.target)
        except ModuleNotFoundError as exc:
            # Only translate "ember has no such module"; a missing third-party dependency
            # inside an existing ember module must surface unchanged.
            missing = exc.name or ""
            if missing == self.target or (missing.startswith("ember")
                                          and self.target.startswith(missing + ".")):
                raise ModuleNotFoundError(
                    f"No module named '{self.fullname}': ember.compat maps it to '{self.target}', "
                    f"which ember does not provide",
                    name=self.fullname,
                ) from None
            raise
        _state.aliased.add(self.fullname)
        # The import system assigns the alias spec to ``module.__spec__`` right after this
        # returns; remember the real one so exec_module can put it back.
        self._ember_spec = getattr(module, "__spec__", None)
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run (the ember module already ran); restore its own ``__spec__``."""
        spec = getattr(self, "_ember_spec", None)
        if spec is not None:
            module.__spec__ = spec


class _TorchAliasFinder(importlib.abc.MetaPathFinder):
    """Meta-path finder that answers torch/torchvision names with ember modules."""

    def find_spec(self, fullname: str, path: Optional[Sequence[str]] = None,
                  target: Optional[types.ModuleType] = None) -> Optional[importlib.machinery.ModuleSpec]:
        """Return a spec for torch/torchvision names; None for every other name."""
        ember_name = ember_name_for(fullname)
        if ember_name is None:
            return None
        # An alias spec: no origin/location, so the import system does not set __file__ or
        # __path__ on the (shared) ember module.
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(fullname, ember_name))


class _State:
    def __init__(self) -> None:
        self.finder: Optional[_TorchAliasFinder] = None
        self.aliased: set = set()
        self.saved_torch: dict = {}


_state = _State()


def _real_torch_modules() -> dict:
    return {name: mod for name, mod in sys.modules.items()
            if ember_name_for(name) is not None and mod is not None and not _is_ember_module(mod)}


def is_installed() -> bool:
    """Return True while the torch -> ember import hook is active."""
    return _state.finder is not None and _state.finder in sys.meta_path


def install(force: bool = False) -> None:
    """Make ``import torch``/``import torchvision`` (and their submodules) import ember.

    If the real torch is already imported in this process, refuse with RuntimeError (its modules
    and objects would be mixed with ember's); ``force=True`` sets the real torch modules aside in
    this process (``uninstall()`` restores them) and installs the hook anyway.
    """
    if is_installed():
        return
    real = _real_torch_modules()
    if real:
        if not force:
            raise RuntimeError(
                "ember.compat.install(): the real 'torch' is already imported in this process "
                f"({len(real)} torch/torchvision modules loaded); aliasing 'torch' to ember now would "
                "mix the two libraries. Install the hook before anything imports torch, or pass "
                "force=True to set the real torch aside until ember.compat.uninstall()."
            )
        _state.saved_torch = real
        for name in real:
            del sys.modules[name]
    _state.finder = _TorchAliasFinder()
    sys.meta_path.insert(0, _state.finder)
    importlib.invalidate_caches()


def uninstall() -> None:
    """Remove the import hook and the torch aliases; restore a real torch set aside by ``force``."""
    if _state.finder is not None:
        try:
            sys.meta_path.remove(_state.finder)
        except ValueError:
            pass
        _state.finder = None
    for name in list(sys.modules):
        if ember_name_for(name) is not None and _is_ember_module(sys.modules[name]):
            del sys.modules[name]
    _state.aliased.clear()
    sys.modules.update(_state.saved_torch)
    _state.saved_torch = {}
    importlib.invalidate_caches()
