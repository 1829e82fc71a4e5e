"""torch.func: function transforms built on ember's reverse-mode autograd.

``grad``/``vjp``/``jacrev``/``hessian`` call ``autograd.grad`` with ``create_graph=True``, so they
compose (``grad(grad(f))``); ``jvp``/``jacfwd`` use the double-vjp identity J v = d/du <J^T u, v>
(ember has no forward-mode AD, so they cost two reverse passes); ``vmap`` runs the function once
per example; ``functional_call`` swaps a module's parameters and buffers for the call.
"""
from __future__ import annotations

import contextlib

from ._tensor import Tensor
from .autograd import grad as _autograd_grad
from .autograd.grad_mode import enable_grad
from .ops.extra import vmap

__all__ = ["functional_call", "grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian",
           "vmap", "stack_module_state", "linearize", "functionalize", "replace_all_batch_norm_modules_", "debug_unwrap", "rearrange"]


# ---- functional_call -------------------------------------------------------------------------------
@contextlib.contextmanager
def _swapped(module, tensors: dict, strict: bool):
    """Put tensors (by dotted name) in place of module's parameters/buffers, restore afterwards."""
    if strict:
        known = {n for n, _ in module.named_parameters()} | {n for n, _ in module.named_buffers()}
        missing, unexpected = sorted(known - set(tensors)), sorted(set(tensors) - known)
        if missing or unexpected:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}: "
                               f"missing keys {missing}, unexpected keys {unexpected}")
    saved = []
    try:
        for name, t in tensors.items():
            *path, leaf = name.split(".")
            owner = module
            for p in path:
                owner = getattr(owner, p)
            for store in ("_parameters", "_buffers"):
                d = owner.__dict__[store]
                if leaf in d:
                    saved.append((d, leaf, d[leaf]))
                    d[leaf] = t
                    break
            else:
                raise AttributeError(f"{type(owner).__name__} has no parameter or buffer '{leaf}'")
        yield
    finally:
        for d, leaf, old in reversed(saved):
            d[leaf] = old


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights: bool = True, strict: bool = False):
    """module(*args, **kwargs) with the given tensors in place of its parameters and buffers."""
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, (list, tuple)):
        merged = {}
        for d in dicts:
            for k in d:
                if k in merged:
                    raise ValueError(f"{k} appeared in multiple dictionaries; behavior of functional call "
                                     "is ambiguous")
            merged.update(d)
        dicts = merged
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _swapped(module, dict(dicts), strict):
        return module(*args, **(kwargs or {}))


# ---- reverse-mode transforms -----------------------------------------------------------------------
def _prepare(x):
    """x as a tensor the transform differentiates: a fresh leaf, or (inside an outer transform) a
    node that still depends on x so the outer transform can differentiate the result."""
    if isinstance(x, Tensor):
        return x.view_as(x) if x.requires_grad else x.detach().requires_grad_(True)
    if isinstance(x, (tuple, list)):
        return type(x)(_prepare(v) for v in x)
    if isinstance(x, dict):
        return {k: _prepare(v) for k, v in x.items()}
    return x


def _leaves(x):
    if isinstance(x, Tensor):
        return [x]
    if isinstance(x, (tuple, list)):
        return [t for v in x for t in _leaves(v)]
    if isinstance(x, dict):
        return [t for v in x.values() for t in _leaves(v)]
    return []


def _rebuild(x, it):
    if isinstance(x, Tensor):
        return next(it)
    if isinstance(x, (tuple, list)):
        return type(x)(_rebuild(v, it) for v in x)
    if isinstance(x, dict):
        return {k: _rebuild(v, it) for k, v in x.items()}
    return x


def _zeros_for_unused(grads, inputs):
    return [g if g is not None else t.detach() * 0 for g, t in zip(grads, inputs)]


def _call(func, args, kwargs, argnums, has_aux):
    """func on args whose argnums are prepared for differentiation: (output, aux, those args)."""
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    args = list(args)
    for n in nums:
        args[n] = _prepare(args[n])
    out = func(*args, **kwargs)
    aux = None
    if has_aux:
        out, aux = out
    return out, aux, [args[n] for n in nums]


def grad_and_value(func, argnums=0, has_aux: bool = False):
    """A function returning (gradient of func's scalar output w.r.t. args[argnums], output)."""
    def wrapper(*args, **kwargs):
        with enable_grad():
            out, aux, targets = _call(func, args, kwargs, argnums, has_aux)
            if not isinstance(out, Tensor) or out.numel() != 1:
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, "
                                   f"got tensor with {out.dim() if isinstance(out, Tensor) else '?'} dims")
            leaves = _leaves(targets)
            gs = _zeros_for_unused(_autograd_grad(out, leaves, create_graph=True, allow_unused=True), leaves)
            it = iter(gs)
            per = [_rebuild(t, it) for t in targets]
            g = per[0] if isinstance(argnums, int) else tuple(per)
        return (g, (out, aux)) if has_aux else (g, out)
    return wrapper


def grad(func, argnums=0, has_aux: bool = False):
    """A function returning the gradient of func's scalar output w.r.t. args[argnums]."""
    gv = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        g, rest = gv(*args, **kwargs)
        return (g, rest[1]) if has_aux else g
    return wrapper


def vjp(func, *primals, has_aux: bool = False):
    """(func(*primals), vjp_fn): vjp_fn(cotangent) gives the cotangent's pull-back to primals."""
    with enable_grad():
        prim = [_prepare(p) for p in primals]
        out = func(*prim)
        aux = None
        if has_aux:
            out, aux = out
    outs = _leaves(out)
    inputs = _leaves(prim)

    def vjp_fn(*cotangents):
        cots = _leaves(list(cotangents))
        with enable_grad():
            gs = _autograd_grad(outs, inputs, cots, create_graph=True, allow_unused=True)
        it = iter(_zeros_for_unused(gs, inputs))
        return tuple(_rebuild(p, it) for p in prim)
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def jvp(func, primals, tangents, *, has_aux: bool = False):
    """(func(*primals), J @ tangents) by the double-vjp identity (two reverse passes)."""
    with enable_grad():
        r = vjp(func, *primals, has_aux=has_aux)
        out, vjp_fn = r[0], r[1]
        outs = _leaves(out)
        us = [o.detach().new_zeros(o.shape).requires_grad_(True) for o in outs]
        pulled = _leaves(list(vjp_fn(*_rebuild(out, iter(us)) if isinstance(out, (tuple, list)) else us)))
        tans = _leaves(list(tangents))
        dot = sum((p * t).sum() for p, t in zip(pulled, tans))
        jv = _zeros_for_unused(_autograd_grad(dot, us, create_graph=True, allow_unused=True), us)
    jout = _rebuild(out, iter(jv))
    return (out, jout, r[2]) if has_aux else (out, jout)


def jacrev(func, argnums=0, *, has_aux: bool = False):
    """A function returning the Jacobian of func w.r.t. args[argnums] (shape: out + input)."""
    def wrapper(*args, **kwargs):
        with enable_grad():
            out, aux, targets = _call(func, args, kwargs, argnums, has_aux)
            flat = out.reshape(-1)
            rows = [[] for _ in targets]
            for i in range(flat.shape[0]):
                gs = _autograd_grad(flat[i], targets, create_graph=True, allow_unused=True)
                for k, (g, t) in enumerate(zip(_zeros_for_unused(gs, targets), targets)):
                    rows[k].append(g)
            from .ops.joining import stack
            jacs = [stack(r).reshape(tuple(out.shape) + tuple(t.shape)) if r else
                    t.new_zeros(tuple(out.shape) + tuple(t.shape)) for r, t in zip(rows, targets)]
        j = jacs[0] if isinstance(argnums, int) else tuple(jacs)
        return (j, aux) if has_aux else j
    return wrapper


jacfwd = jacrev  # same Jacobian (ember computes it in reverse mode)


def hessian(func, argnums=0):
    """The Hessian of a scalar func w.r.t. args[argnums]."""
    return jacrev(jacrev(func, argnums), argnums)


def stack_module_state(models):
    """(params, buffers): each name's tensors from models stacked along a new first dim."""
    from .ops.joining import stack
    params = {n: stack([dict(m.named_parameters())[n].detach() for m in models]).requires_grad_(p.requires_grad)
              for n, p in models[0].named_parameters()}
    buffers = {n: stack([dict(m.named_buffers())[n] for m in models]) for n, _ in models[0].named_buffers()}
    return params, buffers


from ._einops import rearrange  # noqa: E402


def linearize(func, *primals):
    """(func(*primals), jvp_fn): jvp_fn(*tangents) is the Jacobian-vector product at primals."""
    out = func(*primals)

    def jvp_fn(*tangents):
        jv = jvp(func, primals, tangents)[1]
        if any(getattr(p, "requires_grad", False) for p in _leaves(list(primals))):
            return jv
        return _rebuild(jv, iter([t.detach() for t in _leaves(jv)]))  # no graph left behind
    return out, jvp_fn


def functionalize(func, *, remove: str = "mutations"):
    """func itself: ember runs eagerly, so there are no traced mutations to rewrite away."""
    if remove not in ("mutations", "mutations_and_views"):
        raise RuntimeError(f"functionalize(f, remove='mutations'): received invalid argument for remove={remove}."
                           " Valid options are:\n     remove='mutations': all inplace and out= operators will be "
                           "removed from the program, and replaced with their out-of-place equivalents.\n     "
                           "remove='mutations_and_views': In addition to the above, all aliasing operators "
                           "{view} will be replaced with their non-aliasing counterparts, {view}_copy.\n")
    return func


def replace_all_batch_norm_modules_(root):
    """Make every BatchNorm in root use batch statistics only (no running stats), in place."""
    from .nn.modules.batchnorm import _BatchNorm
    for module in root.modules():
        if isinstance(module, _BatchNorm):
            module.running_mean = None
            module.running_var = None
            module.num_batches_tracked = None
            module.track_running_stats = False
    return root


def debug_unwrap(tensor, *, recurse: bool = True):
    """tensor itself: ember's transforms do not wrap tensors."""
    return tensor
