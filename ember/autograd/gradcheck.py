"""Finite-difference gradient checks: ``gradcheck`` and ``gradgradcheck`` (torch's API).

The numerical Jacobian comes from central differences on each input element; the analytical one
from one ``autograd.grad`` call per output element. Complex numbers follow torch's convention: a
column for a complex input holds ``dL/dx + i dL/dy``, and a complex output is checked as its
imaginary part, then its real part (upstream gradients ``i`` and ``1``).
"""
from __future__ import annotations

import warnings

import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck/gradgradcheck when analytical and numerical gradients disagree."""


def _tensor_cls():
    from .._tensor import Tensor
    return Tensor


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(func, inputs) -> tuple:
    out = func(*inputs)
    return _as_tuple(out)


def _host(t) -> np.ndarray:
    d = t._data
    return np.asarray(d if isinstance(d, np.ndarray) else d.get())


def _numerical(func, inputs, diff_idx, n_out_elems, eps):
    """Central differences: {(i, k): d out_k / d Re(in_i)} and {("y", i, k): d out_k / d Im(in_i)},
    each an array [n_in, n_out] of complex128."""
    jac = {}

    def column(arr, idx, orig, step):
        arr[idx] = orig + step
        plus = [_host(o).reshape(-1).astype(np.complex128) for o in _outputs(func, inputs)]
        arr[idx] = orig - step
        minus = [_host(o).reshape(-1).astype(np.complex128) for o in _outputs(func, inputs)]
        arr[idx] = orig
        return [(p - m) / (2 * eps) for p, m in zip(plus, minus)]

    for i in diff_idx:
        arr = inputs[i]._data
        cplx = arr.dtype.kind == "c"
        keys = [(i, k) for k in range(len(n_out_elems))]
        for key, m in zip(keys, n_out_elems):
            jac[key] = np.zeros((arr.size, m), dtype=np.complex128)
            if cplx:
                jac[("y",) + key] = np.zeros((arr.size, m), dtype=np.complex128)
        for j in range(arr.size):
            idx = np.unravel_index(j, arr.shape) if arr.ndim else ()
            orig = arr[idx].copy()
            for key, d in zip(keys, column(arr, idx, orig, eps)):
                jac[key][j] = d
            if cplx:
                for key, d in zip(keys, column(arr, idx, orig, eps * 1j)):
                    jac[("y",) + key][j] = d
    return jac


def _real_part_jacobian(jac, i, k, cplx_in, imag_part):
    """Jacobian of Re(out) (or Im(out)) w.r.t. input i in torch's layout [n_in, n_out]."""
    dx = jac[(i, k)]
    part = (lambda a: a.imag) if imag_part else (lambda a: a.real)
    r = part(dx)
    if cplx_in:
        r = r + 1j * part(jac[("y", i, k)])
    return r


def _analytical(outputs, inputs, diff_idx, k, u):
    """Rows of the analytical Jacobian of output k with upstream scale u ([n_in, n_out] per input)."""
    from . import grad as _grad
    from ..ops.creation import zeros_like
    out = outputs[k]
    m = out.numel()
    res = {i: np.zeros((inputs[i].numel(), m), dtype=np.complex128) for i in diff_idx}
    diff_inputs = [inputs[i] for i in diff_idx]
    for e in range(m):
        go = zeros_like(out)
        go._data.reshape(-1)[e] = u
        gs = _grad(out, diff_inputs, grad_outputs=go, retain_graph=True, allow_unused=True)
        for i, g in zip(diff_idx, gs):
            if g is None:
                continue
            if g.shape != inputs[i].shape:
                raise GradcheckError(f"Gradient has incorrect shape: got {list(g.shape)} but expected "
                                     f"{list(inputs[i].shape)}")
            res[i][:, e] = _host(g).reshape(-1)
    return res


def _to_tensor(a: np.ndarray, like):
    from ..ops.creation import tensor
    dt = like.dtype
    return tensor(a.astype(dt.np) if like.is_complex() else a.real.astype(dt.np), dtype=dt)


def _fail(msg, raise_exception):
    if raise_exception:
        raise GradcheckError(msg)
    return False


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked=None) -> bool:
    """Compare analytical gradients of ``func`` with central finite differences; True if they match."""
    T = _tensor_cls()
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, T) and x.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none "
                         "of them have requires_grad=True.")
    for i in diff_idx:
        x = inputs[i]
        if x.dtype.name not in ("float64", "complex128"):
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point "
                          "or complex. This check will likely fail if all the inputs are not of double "
                          "precision floating point or complex. ", UserWarning, stacklevel=2)
        if any(s == 0 and n > 1 for s, n in zip(x.stride(), x.shape)):
            raise RuntimeError(f"The {i}th input has a dimension with stride 0. gradcheck only supports "
                               "inputs that are non-overlapping to be able to compute the numerical "
                               "gradients correctly. You should call .contiguous on the input before "
                               "passing it to gradcheck.")
    if not check_backward_ad:
        return True
    outputs = _outputs(func, inputs)
    out_t = [o for o in outputs if isinstance(o, T)]
    n_elems = [o.numel() for o in out_t]
    jac = _numerical(func, inputs, diff_idx, n_elems, eps)
    diff_out = [k for k, o in enumerate(out_t) if o.requires_grad]
    if not diff_out:
        for i in diff_idx:
            for k in range(len(out_t)):
                if np.any(jac[(i, k)] != 0):
                    return _fail("Numerical gradient for function expected to be zero", raise_exception)
        return True
    for k in diff_out:
        out = out_t[k]
        parts = (("imaginary", 1j), ("real", 1.0)) if out.is_complex() else (("", 1.0),)
        for part, u in parts:
            ana = _analytical(out_t, inputs, diff_idx, k, u)
            for i in diff_idx:
                x = inputs[i]
                num = _real_part_jacobian(jac, i, k, x.is_complex(), part == "imaginary")
                a = ana[i]
                if not x.is_complex():
                    a = a.real
                    num = np.real(num)
                if not np.allclose(a, num, rtol=rtol, atol=atol):
                    prefix = f"While considering the {part} part of complex outputs only, " if part else ""
                    msg = (f"{prefix}Jacobian mismatch for output {k:d} with respect to input {i:d},\n"
                           f"numerical:{_to_tensor(num, x)}\nanalytical:{_to_tensor(a, x)}\n")
                    return _fail(msg, raise_exception)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False, masked: bool = False) -> bool:
    """gradcheck of the gradients of ``func``: checks second derivatives by finite differences."""
    from . import grad as _grad
    from ..ops.creation import tensor
    T = _tensor_cls()
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outs = [o for o in _outputs(func, inputs) if isinstance(o, T) and o.requires_grad]
        rng = np.random.default_rng(0)
        grad_outputs = []
        for o in outs:
            a = rng.standard_normal(tuple(o.shape))
            if o.is_complex():
                a = a + 1j * rng.standard_normal(tuple(o.shape))
            g = tensor(a, dtype=o.dtype)
            if gen_non_contig_grad_outputs and g.dim() >= 2:
                g = g.t().contiguous().t() if g.dim() == 2 else g
            grad_outputs.append(g.requires_grad_())
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)
    diff_positions = [i for i, x in enumerate(inputs) if isinstance(x, T) and x.requires_grad]

    def new_func(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = [o for o in _outputs(func, ins) if isinstance(o, T) and o.requires_grad]
        diff_ins = [ins[i] for i in diff_positions]
        gs = _grad(outs, diff_ins, grad_outputs=list(gos), create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(new_func, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol)
