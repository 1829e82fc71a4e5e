"""Acceptance test: the seeds' tensor cells, run with ``torch`` = ember, show the seeds' output.

The cells and their expected output are in ``tests/seeds/cells.py`` (read its docstring for what was
normalised and why). Each seed runs in one namespace, cells in order, as a notebook does;
``import torch`` inside a cell gives ember through a namespace-local ``__import__`` (this test process
keeps the real torch, the oracle, untouched). A second test runs the same cells with the real torch
2.13 to prove that every expected text (except the named-tensor spec) is what torch prints today.
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import importlib
import io
import os
import re
import warnings
from typing import Callable, Dict, List, Optional

import pytest

import ember
from ember.compat import ember_name_for
from tests._oracle import requires_torch, torch
from tests.seeds.cells import SEED_000, SEED_004, Cell

SEEDS: Dict[str, List[Cell]] = {"004": SEED_004, "000": SEED_000}


def _h5py_available() -> bool:
    return importlib.util.find_spec("h5py") is not None


def _ember_cuda_available() -> bool:
    try:
        return bool(ember.cuda.is_available())
    except Exception:
        return False


def _ember_import(name, globals=None, locals=None, fromlist=(), level=0):
    """``__import__`` for the cells: torch/torchvision names import ember's modules."""
    target = ember_name_for(name) if level == 0 else None
    if target is None:
        return builtins.__import__(name, globals, locals, fromlist, level)
    module = importlib.import_module(target)
    if fromlist:
        for item in fromlist:
            if item != "*" and not hasattr(module, item):
                with contextlib.suppress(ModuleNotFoundError):
                    importlib.import_module(f"{target}.{item}")
        return module
    # `import torch.nn` binds the top-level name: `torch` (ember) or `torchvision` (ember.vision).
    return importlib.import_module(ember_name_for(name.split(".")[0]))


def show(code: str, namespace: dict) -> str:
    """Run a cell; return what a notebook shows: printed text, then repr of the last expression."""
    tree = ast.parse(code, mode="exec")
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    body = tree.body[:-1] if last is not None else tree.body
    out = io.StringIO()
    value = None
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. named-tensor / TypedStorage warnings
        exec(compile(ast.Module(body, []), "<cell>", "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
    text = out.getvalue()
    if value is not None:
        text += repr(value) + "\n"
    return text


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


class SeedRunner:
    """One notebook: a namespace, a working directory, and the cells run so far (in order)."""

    def __init__(self, cells: List[Cell], workdir: str, namespace: dict) -> None:
        self.cells = cells
        self.workdir = workdir
        self.namespace = namespace
        self.done = 0  # cells[:done] have been run (or skipped)

    def runnable(self, cell: Cell) -> Optional[str]:
        """Return why the cell can't run here, or None."""
        if cell.skip:
            return cell.skip
        if cell.needs == "h5py" and not _h5py_available():
            return "h5py is not installed"
        if cell.needs == "cuda" and not self.cuda_available():
            return "needs a CUDA device (cuda.is_available() is False)"
        return None

    def cuda_available(self) -> bool:
        return _ember_cuda_available()

    def display(self, index: int) -> str:
        """Run the cells before ``index`` not yet run (their errors ignored), then run cell ``index``."""
        old = os.getcwd()
        os.chdir(self.workdir)
        try:
            while self.done < index:
                cell = self.cells[self.done]
                self.done += 1
                if self.runnable(cell) is None:
                    with contextlib.suppress(Exception):
                        show(cell.code, self.namespace)
            self.done = index + 1
            cell = self.cells[index]
            if re.match(r"^[A-Za-z]*Error: ", cell.expected):
                try:
                    return show(cell.code, self.namespace)
                except Exception as exc:  # the cell's shown output is the traceback's last line
                    return f"{type(exc).__name__}: {exc}"
            return show(cell.code, self.namespace)
        finally:
            os.chdir(old)


def _make_workdir(tmp_path_factory, name: str) -> str:
    # notebook/ is the cwd; ../data/out (seed 000) and ./data/p1ch3 (seed 004) exist as on the
    # authors' machines.
    root = tmp_path_factory.mktemp(name)
    os.makedirs(root / "data" / "out")
    os.makedirs(root / "notebook" / "data" / "p1ch3")
    return str(root / "notebook")


def _check(cell: Cell, got: str) -> None:
    __tracebackhide__ = True
    if cell.kind == "bool":
        # id() of temporaries: any bool is right (see tests/seeds/cells.py).
        assert _norm(got) in ("True", "False"), f"cell:\n{cell.code}\nshowed:\n{got}"
        return
    assert _norm(got) == _norm(cell.expected), (
        f"seed cell ({cell.where}):\n{cell.code}\n--- expected ---\n{cell.expected}\n--- got ---\n{got}"
    )


def _params():
    for seed, cells in SEEDS.items():
        for i, cell in enumerate(cells):
            tag = "added" if cell.added else cell.kind
            yield pytest.param(seed, i, id=f"seed{seed}-{i:03d}-{cell.where.split()[0]}-{tag}")


@pytest.fixture(scope="module")
def ember_runners(tmp_path_factory) -> Dict[str, SeedRunner]:
    runners = {}
    for seed, cells in SEEDS.items():
        namespace = {"__name__": "__main__", "torch": ember,
                     "__builtins__": dict(vars(builtins), __import__=_ember_import)}
        runners[seed] = SeedRunner(cells, _make_workdir(tmp_path_factory, f"ember{seed}"), namespace)
    return runners


@pytest.mark.parametrize("seed, index", list(_params()))
def test_seed_cell(ember_runners, seed: str, index: int) -> None:
    """Each seed cell, run with ember as torch, shows the seed's output."""
    runner = ember_runners[seed]
    cell = runner.cells[index]
    reason = runner.runnable(cell)
    if reason:
        runner.done = max(runner.done, index + 1)
        pytest.skip(reason)
    _check(cell, runner.display(index))


class _TorchRunner(SeedRunner):
    def cuda_available(self) -> bool:
        return bool(torch.cuda.is_available())


@pytest.fixture(scope="module")
def torch_runners(tmp_path_factory) -> Dict[str, SeedRunner]:
    runners = {}
    for seed, cells in SEEDS.items():
        namespace = {"__name__": "__main__", "torch": torch}
        runners[seed] = _TorchRunner(cells, _make_workdir(tmp_path_factory, f"torch{seed}"), namespace)
    return runners


def _oracle_params():
    for seed, cells in SEEDS.items():
        for i, cell in enumerate(cells):
            if cell.kind != "spec":
                yield pytest.param(seed, i, id=f"seed{seed}-{i:03d}")


@requires_torch
@pytest.mark.parametrize("seed, index", list(_oracle_params()))
def test_expected_output_is_torch_2_13s(torch_runners, seed: str, index: int) -> None:
    """The expected text is what the real torch shows (named-tensor cells excepted)."""
    runner = torch_runners[seed]
    cell = runner.cells[index]
    reason = runner.runnable(cell)
    if reason:
        runner.done = max(runner.done, index + 1)
        pytest.skip(reason)
    _check(cell, runner.display(index))


def test_cells_cover_both_seeds() -> None:
    """Guard against the cell lists being emptied or truncated by an edit."""
    assert len(SEED_004) >= 95 and len(SEED_000) >= 15
    assert sum(c.kind == "spec" for c in SEED_004) == 6
