"""Tensor and storage printing, character-for-character as PyTorch prints them.

The layout rules (column widths, fixed vs scientific notation, summarisation with ``...``,
line wrapping, the ``dtype=``/``device=``/``grad_fn=`` suffixes) follow PyTorch's observable
output; the code works on NumPy arrays only, so CuPy data is copied to the host first.
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import asdict, dataclass
from typing import Any, Dict, Iterator, List, Optional

import numpy as np

__all__ = [
    "set_printoptions",
    "get_printoptions",
    "printoptions",
    "tensor_repr",
    "storage_repr",
    "untyped_storage_repr",
]


@dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: Optional[bool] = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(
    precision: Optional[int] = None,
    threshold: Optional[float] = None,
    edgeitems: Optional[int] = None,
    linewidth: Optional[int] = None,
    profile: Optional[str] = None,
    sci_mode: Optional[bool] = None,
) -> None:
    """Set the options used to print tensors (as ``torch.set_printoptions``)."""
    # An unknown profile name is silently ignored, as in torch.
    if profile is not None and profile in _PROFILES:
        for key, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, key, value)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    # torch resets sci_mode on every call, even when it is not passed.
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> Dict[str, Any]:
    """Return the current print options as a dict (as ``torch._tensor_str.get_printoptions``)."""
    return asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Context manager that sets print options temporarily."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# ----------------------------------------------------------------------------- helpers


def _dtype_name(dtype: Any) -> str:
    return repr(dtype)


def _default_dtype_name() -> str:
    try:
        import ember

        return repr(ember.get_default_dtype())
    except Exception:  # the core is not importable (yet): torch's own default
        return "torch.float32"


def _default_device_type() -> str:
    try:
        import ember

        getter = getattr(ember, "get_default_device", None)
        if getter is not None:
            dev = getter()
            return getattr(dev, "type", str(dev).split(":")[0])
    except Exception:
        pass
    return "cpu"


def _current_cuda_index() -> int:
    try:
        import ember

        return int(ember.cuda.current_device())
    except Exception:
        return 0


def _device_type(device: Any) -> str:
    return getattr(device, "type", str(device).split(":")[0])


def _device_index(device: Any) -> Optional[int]:
    idx = getattr(device, "index", None)
    if idx is None and ":" in str(device):
        idx = int(str(device).split(":")[1])
    return idx


def _host(array: Any) -> np.ndarray:
    """The array as a NumPy array (CuPy arrays are copied to the host)."""
    if not isinstance(array, np.ndarray):
        if type(array).__module__.split(".")[0] == "cupy":
            return array.get()
        return np.asarray(array)
    return array


def _widen(array: np.ndarray, dtype_name: str, floating: bool) -> np.ndarray:
    """Half-precision floats are printed through float32, as torch does."""
    if floating and array.dtype.itemsize < 4:
        return array.astype(np.float32)
    if dtype_name == "torch.complex32":
        return array.astype(np.complex64)
    return array


# ----------------------------------------------------------------------------- formatting


class _Formatter:
    """Chooses a common notation and column width for a set of values."""

    def __init__(self, values: np.ndarray, floating: bool) -> None:
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        precision = PRINT_OPTS.precision
        flat = values.reshape(-1)
        if not floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(f"{v}"))
        else:
            nonzero = flat[np.isfinite(flat) & (flat != 0)]
            if nonzero.size == 0:
                # torch returns before applying a forced sci_mode here.
                return
            mags = np.abs(nonzero).astype(np.float64)
            lo, hi = float(mags.min()), float(mags.max())
            self.int_mode = bool(np.all(nonzero == np.ceil(nonzero)))
            ratio = hi / lo  # Python floats overflow to inf silently, as torch's doubles do
            if self.int_mode:
                self.sci_mode = ratio > 1000.0 or hi > 1.0e8
            else:
                self.sci_mode = ratio > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
            if PRINT_OPTS.sci_mode is not None:
                self.sci_mode = PRINT_OPTS.sci_mode
            # Column width comes from the notation finally chosen (a forced sci_mode included).
            vals = nonzero.astype(np.float64).tolist()
            if self.sci_mode:
                widths = (len(f"{v:.{precision}e}") for v in vals)
            elif self.int_mode:
                widths = (len(f"{v:.0f}") + 1 for v in vals)
            else:
                widths = (len(f"{v:.{precision}f}") for v in vals)
            self.max_width = max(self.max_width, max(widths))

    def width(self) -> int:
        return self.max_width

    def format(self, value: Any) -> str:
        precision = PRINT_OPTS.precision
        if self.floating:
            if self.sci_mode:
                text = f"{value:{self.max_width}.{precision}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = f"{value:.{precision}f}"
        else:
            text = f"{value}"
        return (self.max_width - len(text)) * " " + text


def _summarized(a: np.ndarray, edge: int) -> np.ndarray:
    """The elements that will actually be shown when the tensor is summarised."""
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        if a.shape[0] > 2 * edge:
            # a[-0:] is the whole array; torch has the same quirk for edgeitems=0.
            return np.concatenate((a[:edge], a[-edge:]))
        return a
    if not edge:
        return np.empty((0,) * a.ndim, a.dtype)
    n = a.shape[0]
    rows = list(range(edge)) + list(range(n - edge, n)) if n > 2 * edge else range(n)
    return np.stack([_summarized(a[i], edge) for i in rows])


def _format_value(value: Any, f1: _Formatter, f2: Optional[_Formatter]) -> str:
    if f2 is None:
        return f1.format(value)
    real = f1.format(value.real)
    imag = (f2.format(value.imag) + "j").lstrip()
    if imag[0] in "+-":
        return real + imag
    return real + "+" + imag


def _vector_str(a: np.ndarray, indent: int, summarize: bool, f1: _Formatter, f2: Optional[_Formatter]) -> str:
    element_length = f1.width() + 2
    if f2 is not None:
        element_length += f2.width() + 1
    per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / element_length)))
    edge = PRINT_OPTS.edgeitems
    if summarize and not edge:
        data = ["..."]
    elif summarize and a.shape[0] > 2 * edge:
        data = (
            [_format_value(v, f1, f2) for v in a[:edge].tolist()]
            + [" ..."]
            + [_format_value(v, f1, f2) for v in a[-edge:].tolist()]
        )
    else:
        data = [_format_value(v, f1, f2) for v in a.tolist()]
    lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(a: np.ndarray, indent: int, summarize: bool, f1: _Formatter, f2: Optional[_Formatter]) -> str:
    if a.ndim == 0:
        return _format_value(a.item(), f1, f2)
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, f1, f2)
    edge = PRINT_OPTS.edgeitems
    n = a.shape[0]
    if summarize and n > 2 * edge:
        slices = (
            [_nested_str(a[i], indent + 1, summarize, f1, f2) for i in range(edge)]
            + ["..."]
            + [_nested_str(a[i], indent + 1, summarize, f1, f2) for i in range(n - edge, n)]
        )
    else:
        slices = [_nested_str(a[i], indent + 1, summarize, f1, f2) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _trim(a: Any, edge: int) -> Any:
    """Keep only what a summarised print can show (edges plus one middle item per long axis).

    Works on the device array before the host copy, so printing a huge CuPy tensor copies a
    few elements, not all of them. A long axis keeps 2*edge+1 items so it still reads as long.
    """
    for axis, n in enumerate(a.shape):
        if n > 2 * edge + 1:
            keep = list(range(edge)) + [n // 2] + list(range(n - edge, n))
            a = a[(slice(None),) * axis + (keep,)]
    return a


def _body_str(a: np.ndarray, indent: int, floating: bool, is_complex: bool, summarize: bool) -> str:
    if a.size == 0:
        return "[]"
    edge = PRINT_OPTS.edgeitems
    if is_complex:
        real, imag = a.real, a.imag
        f1 = _Formatter(_summarized(real, edge) if summarize else real, True)
        f2 = _Formatter(_summarized(imag, edge) if summarize else imag, True)
        return _nested_str(a, indent, summarize, f1, f2)
    f1 = _Formatter(_summarized(a, edge) if summarize else a, floating)
    return _nested_str(a, indent, summarize, f1, None)


def _add_suffixes(text: str, suffixes: List[str], indent: int) -> str:
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _class_names(t: Any) -> List[str]:
    return [c.__name__ for c in type(t).__mro__]


def _grad_fn_name(t: Any) -> Optional[str]:
    try:
        grad_fn = t.grad_fn
    except RuntimeError:
        return "Invalid"
    if grad_fn is None:
        return None
    name_fn = getattr(grad_fn, "name", None)
    name = name_fn() if callable(name_fn) else type(grad_fn).__name__
    return name.rsplit("::", 1)[-1]


def _shape_of(t: Any, data: Optional[np.ndarray]) -> tuple:
    if data is not None:
        return tuple(data.shape)
    return tuple(int(s) for s in t.shape)


def tensor_repr(t: Any, tensor_contents: Optional[str] = None) -> str:
    """Return ``repr(t)`` exactly as torch prints the same tensor."""
    type_name = type(t).__name__
    plain = type_name in ("Tensor", "Parameter")
    prefix = "tensor(" if plain else f"{type_name}("
    indent = len(prefix)
    suffixes: List[str] = []

    device = t.device
    dev_type = _device_type(device)
    if (
        dev_type != _default_device_type()
        or (dev_type == "cuda" and _device_index(device) != _current_cuda_index())
        or dev_type == "mps"
    ):
        suffixes.append("device='" + str(device) + "'")

    dtype_name = _dtype_name(t.dtype)
    default_name = _default_dtype_name()
    default_complex = "torch.complex128" if default_name == "torch.float64" else "torch.complex64"
    has_default_dtype = dtype_name in (default_name, default_complex, "torch.int64", "torch.bool")

    text = tensor_contents
    if dev_type == "meta":
        suffixes.append("size=" + str(_shape_of(t, None)))
        if dtype_name != default_name:
            suffixes.append("dtype=" + dtype_name)
        if text is None:
            text = "..."
    else:
        raw = t._data
        summarize = raw.size > PRINT_OPTS.threshold
        data = _host(_trim(raw, PRINT_OPTS.edgeitems) if summarize else raw)
        if raw.size == 0:
            # The shape is spelled out unless it is (0,), as NumPy does.
            if raw.ndim != 1:
                suffixes.append("size=" + str(tuple(raw.shape)))
            # No elements to hint at the dtype, so every non-default dtype (int64 too) is named.
            if dtype_name != default_name:
                suffixes.append("dtype=" + dtype_name)
            if text is None:
                text = "[]"
        else:
            if not PRINT_OPTS.edgeitems:
                suffixes.append("size=" + str(tuple(raw.shape)))
            if not has_default_dtype:
                suffixes.append("dtype=" + dtype_name)
            if text is None:
                floating = bool(getattr(t.dtype, "is_floating_point", data.dtype.kind in "fV"))
                is_complex = bool(getattr(t.dtype, "is_complex", data.dtype.kind == "c"))
                text = _body_str(_widen(data, dtype_name, floating), indent, floating, is_complex, summarize)

    grad_fn_name = _grad_fn_name(t)
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")

    names = getattr(t, "_names", None)
    if names is not None and any(n is not None for n in names):
        suffixes.append(f"names={tuple(names)}")

    out = _add_suffixes(prefix + text, suffixes, indent)
    if not plain and "Parameter" in _class_names(t):
        out = f"Parameter({out})"
    return out


# ----------------------------------------------------------------------------- storages


def _storage_lines(values: np.ndarray) -> str:
    if values.dtype.kind == "V" or (values.dtype.kind == "f" and values.dtype.itemsize < 4):
        values = values.astype(np.float32)  # bfloat16/float16 -> exact Python floats
    return " " + "\n ".join(str(v) for v in values.tolist())


def storage_repr(storage: Any) -> str:
    """Return ``repr`` of a TypedStorage (or an UntypedStorage): one value a line, then a summary."""
    if getattr(storage, "dtype", None) is None:
        return untyped_storage_repr(storage)
    device = storage.device
    values = None if _device_type(device) == "meta" else _host(storage._array).reshape(-1)
    size = len(storage) if values is None else values.shape[0]
    info = f"[torch.storage.TypedStorage(dtype={_dtype_name(storage.dtype)}, device={device}) of size {size}]"
    if values is None:
        return "...\n" + info
    return _storage_lines(values) + "\n" + info


def untyped_storage_repr(storage: Any) -> str:
    """Return ``repr`` of an UntypedStorage: one byte a line, then a summary line."""
    device = storage.device
    values = None if _device_type(device) == "meta" else _host(storage._array).reshape(-1)
    size = len(storage) if values is None else values.shape[0]
    info = f"[torch.storage.UntypedStorage(device={device}) of size {size}]"
    if values is None:
        return "...\n" + info
    return _storage_lines(values) + "\n" + info
