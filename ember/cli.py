"""The ``ember`` command line: ``ember demo``, ``ember info``, ``ember run script.py [args...]``."""
from __future__ import annotations

import argparse
import os
import platform
import runpy
import sys
from typing import List, Optional, Sequence

__all__ = ["main", "build_parser", "run_demo"]


def _ember_version() -> str:
    import ember

    version = getattr(ember, "__version__", None)
    if version:
        return str(version)
    try:
        from importlib.metadata import version as dist_version

        return dist_version("ember")
    except Exception:  # not installed as a distribution (e.g. run from a source tree)
        return "unknown"


def _blas_lines() -> List[str]:
    """Describe the BLAS/OpenMP libraries NumPy loaded, from threadpoolctl."""
    import numpy  # noqa: F401  (loads NumPy's BLAS so threadpoolctl can see it)

    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return ["BLAS:    unknown (threadpoolctl is not installed)"]
    lines = []
    for lib in threadpool_info():
        api = lib.get("user_api", "?")
        name = lib.get("internal_api", "?")
        version = lib.get("version") or "?"
        threads = lib.get("num_threads", "?")
        label = "BLAS:   " if api == "blas" else f"{api}:".ljust(8)
        lines.append(f"{label} {name} {version} ({threads} threads) {lib.get('filepath', '')}".rstrip())
    return lines or ["BLAS:    none found by threadpoolctl"]


def _cupy_line() -> str:
    import importlib.util

    if importlib.util.find_spec("cupy") is None:
        return "cupy no (not installed; pip install 'ember[cuda]')"
    try:
        import cupy

        return f"cupy yes ({cupy.__version__})"
    except Exception as exc:  # installed but unusable (no driver, wrong CUDA)
        return f"cupy installed but not importable ({type(exc).__name__}: {exc})"


def _call(obj: object, name: str) -> str:
    """Call ``obj.name()`` for display; a missing or failing call is shown, not raised."""
    func = getattr(obj, name, None)
    if func is None:
        return "n/a"
    try:
        return str(func())
    except Exception as exc:
        return f"error ({type(exc).__name__}: {exc})"


def cmd_info(args: argparse.Namespace) -> int:
    """Print versions, BLAS, threads and available backends."""
    import numpy

    import ember

    cuda = getattr(ember, "cuda", None)
    print(f"ember:   {_ember_version()} ({os.path.dirname(os.path.abspath(ember.__file__))})")
    print(f"Python:  {platform.python_version()} ({platform.python_implementation()}, {sys.platform})")
    print(f"NumPy:   {numpy.__version__}")
    for line in _blas_lines():
        print(line)
    print(f"threads: {_call(ember, 'get_num_threads')} (ember.get_num_threads())")
    print(f"backends: numpy yes; {_cupy_line()}")
    print(f"ember.cuda.is_available(): {_call(cuda, 'is_available')}")
    print(f"CUDA device count: {_call(cuda, 'device_count')}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Run an unmodified PyTorch script (or ``-m module``) with ``import torch`` giving ember."""
    from ember import compat

    target, rest = args.target, list(args.args)
    if not args.module and not os.path.exists(target):
        print(f"ember run: can't open file '{target}': No such file or directory", file=sys.stderr)
        return 2
    compat.install()
    sys.argv = [target, *rest]
    if args.module:
        sys.path.insert(0, os.getcwd())
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        # Like ``python script.py``: the script's directory is sys.path[0].
        path = os.path.abspath(target)
        sys.path[0:1] = [os.path.dirname(path)]
        runpy.run_path(path, run_name="__main__")
    return 0


# The demo follows "Deep Learning with PyTorch", chapter 3 (tensors): each step is one line of
# code, run REPL-style so an expression's value is shown as the interpreter would show it.
_DEMO = [
    ("Creating tensors", [
        "a = torch.ones(3)",
        "a",
        "points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])",
        "points",
        "points.shape",
        "torch.zeros(3, 2)",
    ]),
    ("Indexing", [
        "points[1:]",
        "points[1:, 0]",
        "points[None].shape",
    ]),
    ("Storage: every tensor is a view onto one flat block of memory", [
        "points.storage()",
        "points_storage = points.storage()",
        "points_storage[0] = 2.0",
        "points",
    ]),
    ("Size, storage offset and stride", [
        "second_point = points[1]",
        "second_point.storage_offset()",
        "second_point.size()",
        "points.stride()",
        "second_point[0] = 10.0",
        "points",
    ]),
    ("Transpose without copying", [
        "points_t = points.t()",
        "points_t",
        "points_t.stride()",
        "points_t.data_ptr() == points.data_ptr()",
        "some_t = torch.ones(3, 4, 5)",
        "some_t.stride(), some_t.transpose(0, 2).stride()",
    ]),
    ("Contiguous tensors", [
        "points.is_contiguous(), points_t.is_contiguous()",
        "points_t_cont = points_t.contiguous()",
        "points_t_cont.stride()",
        "points_t_cont.storage()",
    ]),
    ("Views share memory", [
        "a = torch.tensor(list(range(9)))",
        "b = a.view(3, 3)",
        "b",
        "c = b[1:, 1:]",
        "c.size(), c.storage_offset(), c.stride()",
        "c[0, 0] = 100",
        "a",
    ]),
    ("dtypes and type promotion", [
        "torch.ones(10, 2, dtype=torch.double).dtype",
        "torch.tensor([[1, 2], [3, 4]], dtype=torch.short)",
        "torch.tensor([1.7, -2.6]).to(torch.short)",
        "(torch.ones(2, dtype=torch.double) * torch.ones(2, dtype=torch.short)).dtype",
        "torch.tensor([1, 2]) + 0.5",
        "torch.tensor([1, 2]) / 2",
        "torch.cos(torch.tensor(list(range(9))))",
    ]),
    ("NumPy interop (shared memory on the CPU)", [
        "points_np = points.numpy()",
        "points_np",
        "torch.from_numpy(points_np).data_ptr() == points.data_ptr()",
        "points_np[0, 0] = -1.0",
        "points",
    ]),
    ("Saving and loading (in a temporary directory)", [
        'torch.save(points, "ourpoints.t")',
        'torch.load("ourpoints.t")',
        'torch.save({"w": points_t, "n": 3}, "state.pt")',
        'torch.load("state.pt")',
    ]),
]


def _run_step(code: str, namespace: dict) -> bool:
    """Show ``>>> code`` and run it like the interactive interpreter; False if it raised."""
    import ast

    print(">>> " + code)
    try:
        tree = ast.parse(code, mode="exec")
        last = tree.body[-1] if tree.body else None
        if isinstance(last, ast.Expr):
            exec(compile(ast.Module(tree.body[:-1], []), "<demo>", "exec"), namespace)
            value = eval(compile(ast.Expression(last.value), "<demo>", "eval"), namespace)
            if value is not None:
                print(repr(value))
        else:
            exec(compile(tree, "<demo>", "exec"), namespace)
    except Exception as exc:  # show it as the REPL would, and keep going
        print(f"{type(exc).__name__}: {exc}")
        return False
    return True


def run_demo(module: Optional[object] = None) -> int:
    """Print the tensor walk-through with ``module`` as torch (default ember); 1 if a step raised."""
    import tempfile
    import warnings

    if module is None:
        import ember as module

    namespace = {"torch": module}
    failed = 0
    print("ember demo: tensors, storage, strides, views and dtypes (`import ember as torch`)")
    with tempfile.TemporaryDirectory(prefix="ember-demo-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. TypedStorage deprecation noise, as in torch
        old_cwd = os.getcwd()
        try:
            for number, (heading, steps) in enumerate(_DEMO, 1):
                if heading.startswith("Saving"):
                    os.chdir(tmp)
                print(f"\n## {number}. {heading}")
                for code in steps:
                    failed += not _run_step(code, namespace)
        finally:
            os.chdir(old_cwd)
    if failed:
        print(f"\n{failed} step(s) raised an error: ember is incomplete here.", file=sys.stderr)
        return 1
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Walk through the tensor chapter (creation, storage, strides, views, dtypes, save/load)."""
    return run_demo()


def build_parser() -> argparse.ArgumentParser:
    """Build the argparse parser for the ``ember`` command."""
    parser = argparse.ArgumentParser(
        prog="ember",
        description="ember: PyTorch's API on NumPy/CuPy. `import ember as torch`.",
    )
    parser.add_argument("--version", action="version", version=f"ember {_ember_version()}")
    sub = parser.add_subparsers(dest="command", metavar="{demo,info,run}")
    sub.required = True

    p_demo = sub.add_parser("demo", help="walk through tensors: storage, strides, views, dtypes, save/load")
    p_demo.set_defaults(func=cmd_demo)

    p_info = sub.add_parser("info", help="versions, BLAS, threads and available backends")
    p_info.set_defaults(func=cmd_info)

    p_run = sub.add_parser(
        "run",
        help="run an unmodified PyTorch script with `import torch` giving ember",
        description="Run SCRIPT (or -m MODULE) with ember.compat installed, so `import torch`, "
        "`import torch.nn`, `import torchvision` ... import ember's modules.",
    )
    p_run.add_argument("-m", dest="module", action="store_true", help="TARGET is a module name, as in python -m")
    p_run.add_argument("target", metavar="script.py", help="the script to run (a module name with -m)")
    p_run.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script as sys.argv[1:]")
    p_run.set_defaults(func=cmd_run)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``ember`` console script and of ``python -m ember``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # e.g. `ember demo | head`: the reader left, nothing to report
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
