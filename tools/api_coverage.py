"""Report which public PyTorch API names ember lacks (a developer tool; it imports torch).

    python tools/api_coverage.py            # summary table
    python tools/api_coverage.py --missing  # every missing name, per area
    python tools/api_coverage.py --md docs/api-coverage.md

Areas: torch.* callables, torch.* constants/submodules, torch.Tensor attributes, torch.nn.functional,
torch.nn module classes, and submodules (special, fft, linalg, testing, distributions, optim, nn.init,
nn.utils, autograd, utils.data, func). Names ember should not
have (sparse, quantized, jit/fx/compile internals, backend kernels, private or deprecated-internal
names) are filtered out by the rules below, so "missing" means "a PyTorch user could hit this".
"""
from __future__ import annotations

import argparse
import inspect
import os
import re
import sys
import types

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import torch  # noqa: E402
import torch.nn.functional as TF  # noqa: E402

import ember  # noqa: E402

# Substrings/patterns of names that belong to features ember does not implement by design.
_EXCLUDE_RE = re.compile(
    r"sparse|quantiz|qscheme|q_per_channel|q_scale|q_zero_point|qint|quint|int_repr|fbgemm|"
    r"fake_quant|qparams|mkldnn|miopen|cudnn|vulkan|_ipu_|_xla_|xpu|mtia|hpu|ipu\b|^ipu$|"
    r"^sym_|^Sym|dlpack|_nnz|crow_indices|col_indices|ccol_indices|row_indices|^indices$|^values$|"
    r"coalesce|dense_dim|sparse_dim|^smm$|^hsmm$|^dsmm$|^spmm$|^sspaddmm$|^saddmm$|^hspmm$|"
    r"_copy$|^native_|_backward|batch_norm_(elemt|gather|stats|update|backward)|^unsafe_|"
    r"autocast_(increment|decrement)_nesting|_gpu_dtype|nested|^Q(U)?Int|^u?int[1-7]$|^float[48]_|^bits?\d*|"
    r"^per_(channel|tensor)_")

# Individual names: jit/fx/compile machinery, C++ binding types, distributed, legacy or removed API.
_EXCLUDE_NAMES = set("""
AliasDb AnyType Argument ArgumentSpec AwaitType BenchmarkConfig BenchmarkExecutionStats Block BoolType
BufferDict CallStack Capsule ClassType Code CompilationUnit CompleteArgumentSpec ComplexType
ConcreteModuleType ConcreteModuleTypeBuilder DeepCopyMemoTable DeserializationStorageContext DeviceObjType
DictType DisableTorchFunction DisableTorchFunctionSubclass DispatchKey DispatchKeySet EnumType ErrorReport
ExcludeDispatchKeyGuard ExecutionPlan FatalError FileCheck FloatType FunctionSchema Future FutureType
Gradient Graph GraphExecutorState IODescriptor InferredType IntType InterfaceType JITException ListType
LiteScriptModule LockingLogger LoggerBase ModuleDict Node NoneType NoopLogger NumberType OperatorInfo
OptionalType ParameterDict PyObjectType PyTorchFileReader PyTorchFileWriter RRefType ScriptClass
ScriptClassFunction ScriptDict ScriptDictIterator ScriptDictKeyIterator ScriptFunction ScriptList
ScriptListIterator ScriptMethod ScriptModule ScriptModuleSerializer ScriptObject ScriptObjectProperty
SerializationStorageContext StaticModule StorageBase StreamObjType StringType Tag TensorType
ThroughputBenchmark TracingState TupleType Type UnionType Use Value AggregationType AcceleratorError
classproperty compiled_with_cxx11_abi fork wait import_ir_module import_ir_module_from_buffer parse_ir
parse_schema parse_type_comment merge_type_from_type_comment unify_type_list
prepare_multiprocessing_environment profiler_allow_cudagraph_cupti_lazy_reinit_cuda12 get_file_path
thread_safe_generator while_loop cond init_num_threads is_distributed get_device_module hash_tensor
segment_reduce conv_tbc embedding_renorm_ norm_except_dim frobenius_norm affine_grid_generator
grid_sampler grid_sampler_2d grid_sampler_3d convolution constant_pad_nd choose_qparams_optimized
eig symeig lstsq solve matrix_rank empty_quantized nonzero_static slice_inverse
rnn_relu rnn_tanh rnn_relu_cell rnn_tanh_cell lstm gru lstm_cell gru_cell embedding_bag
set_anomaly_enabled get_autocast_xla_dtype set_flush_denormal resize_as_sparse_
BFloat16Storage BoolStorage ByteStorage CharStorage ComplexDoubleStorage ComplexFloatStorage
DoubleStorage FloatStorage HalfStorage IntStorage LongStorage ShortStorage
Stream Event AVG SUM PRIVATE_OPS TYPE_CHECKING USE_GLOBAL_DEPS USE_RTLD_GLOBAL_WITH_LIBTORCH jagged
bit complex32 legacy_contiguous_format BFloat16Tensor
SparseAdam DFIterDataPipe DataChunk IterDataPipe MapDataPipe argument_validation functional_datapipe
guaranteed_datapipes_determinism non_deterministic runtime_validation runtime_validation_disabled
""".split())  # (last two lines: sparse gradients; DataPipes, deprecated in torch and moved to torchdata)

# Tensor attributes ember should not have (beyond the patterns above).
_TENSOR_EXCLUDE = set("""
to_mkldnn is_mkldnn storage_type module_load new_empty_strided_copy
is_quantized dequantize q_per_channel_axis q_per_channel_scales q_per_channel_zero_points
ipu mps xpu mtia hpu is_ipu is_mps is_xpu is_mtia is_hpu is_maia is_vulkan is_xla is_nested is_sparse_csr
itemsize_ element_size_ data_ptr_ untyped_storage_ dim_order_ smm to_padded_tensor
resize_as_sparse_ sparse_resize_ sparse_resize_and_clear_ sparse_mask to_sparse to_sparse_csr
is_coalesced indices values coalesce eig symeig lstsq solve record_stream hash_tensor is_distributed
reinforce volatile slice_inverse nonzero_static index
""".split())

# nn.functional: helpers imported into the module that are not part of its API.
_F_EXCLUDE = set("""
Callable Optional List Tuple Union Tensor DType BroadcastingList1 BroadcastingList2 BroadcastingList3
boolean_dispatch handle_torch_function has_torch_function has_torch_function_unary
has_torch_function_variadic math warnings importlib grad reproducibility_notes sparse_support_notes
tf32_notes GRID_SAMPLE_INTERPOLATION_MODES GRID_SAMPLE_PADDING_MODES assert_int_or_pair
conv_tbc native_channel_shuffle grouped_mm scaled_grouped_mm scaled_mm
""".split())

# nn classes that are not Modules users build models from.
_NN_EXCLUDE = set("Container DataParallel SyncBatchNorm CrossMapLRN2d NLLLoss2d".split())

# Submodules of torch a user reaches for; ember should provide the ones not excluded here.
_SUBMODULES_EXCLUDE = set("""
ao classes compiler cpp distributed export futures fx library monitor mps mtia multiprocessing
nested ops overrides package profiler quantization quasirandom sparse xpu accelerator func signal
builtins ctypes functools glob importlib inspect math os platform sys textwrap threading types
warnings torch torch_version version storage windows return_types masked onnx
""".split())


def _excluded(name: str) -> bool:
    return name.startswith("_") or name in _EXCLUDE_NAMES or bool(_EXCLUDE_RE.search(name))


def torch_toplevel_callables() -> list[str]:
    """Public callables of torch.* that ember should provide."""
    out = []
    for n in dir(torch):
        if _excluded(n):
            continue
        obj = getattr(torch, n)
        if isinstance(obj, types.ModuleType) or not callable(obj):
            continue
        if isinstance(obj, (torch.dtype,)):
            continue
        out.append(n)
    return sorted(out)


def torch_toplevel_other() -> list[str]:
    """Public non-callable torch.* names (dtypes, constants, layouts) and submodules."""
    out = []
    for n in dir(torch):
        if _excluded(n):
            continue
        obj = getattr(torch, n)
        if isinstance(obj, types.ModuleType):
            if n not in _SUBMODULES_EXCLUDE:
                out.append(n)
        elif not callable(obj) or isinstance(obj, torch.dtype):
            if isinstance(obj, (str, dict)) and n not in ("__version__",):
                continue
            out.append(n)
    return sorted(out)


def tensor_attributes() -> list[str]:
    """Public torch.Tensor methods and properties that ember should provide."""
    out = []
    for n in dir(torch.Tensor):
        if n.startswith("_") or n in _TENSOR_EXCLUDE or _EXCLUDE_RE.search(n):
            continue
        out.append(n)
    return sorted(out)


def functional_names() -> list[str]:
    """Public functions of torch.nn.functional."""
    out = []
    for n in dir(TF):
        if n.startswith("_") or n in _F_EXCLUDE:
            continue
        obj = getattr(TF, n)
        if isinstance(obj, types.ModuleType) or not callable(obj) or inspect.isclass(obj):
            continue
        out.append(n)
    return sorted(out)


def nn_classes() -> list[str]:
    """torch.nn classes: Modules, Parameter and friends."""
    out = []
    for n in dir(torch.nn):
        if n.startswith("_") or n in _NN_EXCLUDE:
            continue
        obj = getattr(torch.nn, n)
        if inspect.isclass(obj) and (issubclass(obj, torch.nn.Module) or issubclass(obj, torch.Tensor)):
            out.append(n)
    return sorted(out)


def submodule_names(mod) -> list[str]:
    """Public callables of a torch submodule (special, fft, linalg, testing)."""
    return sorted(n for n in getattr(mod, "__all__", dir(mod))
                  if not n.startswith("_") and callable(getattr(mod, n, None))
                  and not isinstance(getattr(mod, n), types.ModuleType) and not inspect.isclass(getattr(mod, n)))


def module_api(mod) -> list[str]:
    """A torch submodule's public API: its __all__ (classes included), without submodules."""
    names = getattr(mod, "__all__", None) or [n for n in dir(mod) if not n.startswith("_")]
    return sorted(n for n in names if not n.startswith("_") and not _excluded(n)
                  and not isinstance(getattr(mod, n, None), types.ModuleType))


def _has(obj, name) -> bool:
    try:
        return hasattr(obj, name)
    except Exception:  # a property that raises on the class still counts as present
        return True


def _ember_sub(path: str):
    obj = ember
    for part in path.split("."):
        if not _has(obj, part):
            return None
        obj = getattr(obj, part)
    return obj


def areas() -> list[tuple[str, list[str], object]]:
    import torch.distributions
    import torch.func
    import torch.optim.lr_scheduler
    import torch.utils.data
    import torch.special
    import torch.fft
    import torch.linalg
    import torch.testing
    return [
        ("torch.* callables", torch_toplevel_callables(), ember),
        ("torch.* constants, dtypes, submodules", torch_toplevel_other(), ember),
        ("torch.Tensor methods/properties", tensor_attributes(), ember.Tensor),
        ("torch.nn.functional", functional_names(), _ember_sub("nn.functional")),
        ("torch.nn classes", nn_classes(), _ember_sub("nn")),
        ("torch.special", submodule_names(torch.special), _ember_sub("special")),
        ("torch.fft", submodule_names(torch.fft), _ember_sub("fft")),
        ("torch.linalg", submodule_names(torch.linalg), _ember_sub("linalg")),
        ("torch.testing", ["assert_close", "make_tensor"], _ember_sub("testing")),
        ("torch.distributions", module_api(torch.distributions), _ember_sub("distributions")),
        ("torch.distributions.constraints", module_api(torch.distributions.constraints),
         _ember_sub("distributions.constraints")),
        ("torch.optim", module_api(torch.optim), _ember_sub("optim")),
        ("torch.optim.lr_scheduler", module_api(torch.optim.lr_scheduler), _ember_sub("optim.lr_scheduler")),
        ("torch.nn.init", [n for n in module_api(torch.nn.init) if callable(getattr(torch.nn.init, n))
                           and getattr(getattr(torch.nn.init, n), "__module__", "") == "torch.nn.init"],
         _ember_sub("nn.init")),
        ("torch.nn.utils", module_api(torch.nn.utils), _ember_sub("nn.utils")),
        ("torch.autograd", module_api(torch.autograd), _ember_sub("autograd")),
        ("torch.utils.data", module_api(torch.utils.data), _ember_sub("utils.data")),
        ("torch.func", module_api(torch.func), _ember_sub("func")),
    ]


def report() -> list[tuple[str, int, int, list[str]]]:
    rows = []
    for title, names, target in areas():
        missing = [n for n in names if target is None or not _has(target, n)]
        rows.append((title, len(names), len(names) - len(missing), missing))
    return rows


def markdown(rows) -> str:
    lines = ["# PyTorch API coverage", "",
             "Generated by `python tools/api_coverage.py --md docs/api-coverage.md` (compares against the "
             f"installed torch {torch.__version__.split('+')[0]}). Sparse, quantized, jit/fx/compile "
             "internals, backend kernels (cudnn/mkldnn/miopen), private and deprecated-internal names "
             "are filtered out (see the rules in the tool).", "",
             "| area | torch | ember has | missing |", "|---|---:|---:|---|"]
    for title, total, have, missing in rows:
        lines.append(f"| {title} | {total} | {have} | {', '.join(missing) if missing else '-'} |")
    tot = sum(r[1] for r in rows)
    hv = sum(r[2] for r in rows)
    lines += ["", f"Total: {hv} / {tot} ({100 * hv / tot:.1f}%)", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--missing", action="store_true", help="list every missing name")
    ap.add_argument("--md", metavar="PATH", help="write the markdown report to PATH")
    args = ap.parse_args(argv)
    rows = report()
    for title, total, have, missing in rows:
        print(f"{title:42s} {have:4d} / {total:4d}   missing {len(missing)}")
        if args.missing and missing:
            print("    " + " ".join(missing))
    tot = sum(r[1] for r in rows)
    hv = sum(r[2] for r in rows)
    print(f"{'TOTAL':42s} {hv:4d} / {tot:4d}")
    if args.md:
        with open(args.md, "w") as f:
            f.write(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
