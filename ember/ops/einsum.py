"""einsum: equation parsing (spaces, ``...``, implicit output, sublist form), size-1 broadcasting,
and a gradient that is itself an einsum of the upstream gradient with the other operands."""
from __future__ import annotations

import string

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ._function import Function, xp

_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # torch's label order for sublists


def _word(dt):
    from .pointwise import _type_word
    return _type_word(dt)


def _from_sublists(args):
    """einsum(op0, sub0, op1, sub1, ..., [out]) -> (equation, operands)."""
    ops, terms = [], []
    args = list(args)
    out = None
    if len(args) % 2 == 1:
        out = args.pop()
    for i in range(0, len(args), 2):
        ops.append(args[i])
        terms.append(_sub_to_str(args[i + 1]))
    eq = ",".join(terms)
    if out is not None:
        eq += "->" + _sub_to_str(out)
    return eq, ops


def _sub_to_str(sub) -> str:
    s = []
    for v in sub:
        if v is Ellipsis:
            s.append("...")
        else:
            v = int(v)
            if not 0 <= v < 52:
                raise RuntimeError(f"einsum(): subscript in subscript list is not within the valid range "
                                   f"[0, 52), got {v}")
            s.append(_LETTERS[v])
    return "".join(s)


def _parse_term(term: str, pos_base: int):
    """A term's labels: letters, with '.' runs collapsed into one Ellipsis marker."""
    labels = []
    i = 0
    while i < len(term):
        c = term[i]
        if c == ".":
            if term[i:i + 3] != "..." or Ellipsis in labels:
                raise RuntimeError("einsum(): found '.' for operand that is not part of any ellipsis")
            labels.append(Ellipsis)
            i += 3
            continue
        if c not in _LETTERS:
            raise RuntimeError(f"einsum(): invalid subscript given at index {pos_base + i} in the equation "
                               "string, subscripts must be in [a-zA-Z]")
        labels.append(c)
        i += 1
    return labels


def _normalise(equation: str, operands):
    """Resolve ellipses and the implicit output: letters-only input terms and output term."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    parsed = []
    base = 0
    for t in terms:
        parsed.append(_parse_term(t, base))
        base += len(t) + 1
    used = {c for p in parsed for c in p if c is not Ellipsis}
    out_labels = _parse_term(rhs, len(lhs) + 2) if arrow else None
    if out_labels is not None:
        used |= {c for c in out_labels if c is not Ellipsis}
    n_ell = 0
    for i, (p, op) in enumerate(zip(parsed, operands)):
        nl = len([c for c in p if c is not Ellipsis])
        if Ellipsis in p:
            if nl > op.dim():
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({nl}) is more than "
                                   f"the number of dimensions ({op.dim()}) for operand {i}")
            n_ell = max(n_ell, op.dim() - nl)
        elif nl != op.dim():
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({nl}) does not match "
                               f"the number of dimensions ({op.dim()}) for operand {i} and no ellipsis was "
                               "given")
    free = [c for c in _LETTERS if c not in used]
    ell = free[:n_ell]
    terms_out = []
    for p, op in zip(parsed, operands):
        s = []
        for c in p:
            if c is Ellipsis:
                k = op.dim() - (len(p) - 1)
                s.extend(ell[n_ell - k:] if k else [])
            else:
                s.append(c)
        terms_out.append("".join(s))
    if out_labels is None:
        counts = {}
        for t in terms_out:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        singles = sorted(c for c, n in counts.items() if n == 1 and c not in ell)
        out = "".join(ell) + "".join(singles)
    else:
        s = []
        seen = set()
        for c in out_labels:
            if c is Ellipsis:
                s.extend(ell)
                continue
            if c in seen:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            if not any(c in t for t in terms_out):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any "
                                   "input operand")
            seen.add(c)
            s.append(c)
        out = "".join(s)
    return terms_out, out


def _raw_einsum(eq, arrays):
    m = xp(arrays[0])
    dt = arrays[0].dtype
    if dt == np.float16 or dt == D.bfloat16.np:
        return m.einsum(eq, *[a.astype(np.float32) for a in arrays], optimize=len(arrays) > 2).astype(dt)
    if len(arrays) <= 2:
        r = m.einsum(eq, *arrays, optimize=len(arrays) == 2 and arrays[0].ndim + arrays[1].ndim > 2)
    else:
        r = m.einsum(eq, *arrays, optimize=True)
    return m.asarray(r, dtype=dt)


class Einsum(Function):
    @staticmethod
    def forward(ctx, *arrays, terms=(), out=""):
        ctx.terms, ctx.out = terms, out
        ctx.sizes = [a.shape for a in arrays]
        return _raw_einsum(",".join(terms) + "->" + out, arrays)

    @staticmethod
    def backward(ctx, g):
        ops = ctx.saved_tensors
        grads = []
        for i, need in enumerate(ctx.needs_input_grad):
            grads.append(_operand_grad(g, ops, ctx.terms, ctx.out, i) if need else None)
        return tuple(grads) if len(grads) > 1 else grads[0]

    @classmethod
    def apply(cls, *tensors, **params):
        cls.save = tuple(range(len(tensors)))
        return super().apply(*tensors, **params)


def _operand_grad(g, ops, terms, out, i):
    """d(einsum)/d(operand i) contracted with g, as an einsum of g and the other operands."""
    from .creation import eye
    term = terms[i]
    shape = ops[i].shape
    avail = set(out)
    in_terms, in_ops = [out], [g]
    for j, (t, op) in enumerate(zip(terms, ops)):
        if j != i:
            in_terms.append(t)
            in_ops.append(op.conj() if op.is_complex() else op)
            avail |= set(t)
    used = set("".join(terms)) | set(out)
    spare = iter(c for c in _LETTERS if c not in used)
    target = []
    first_pos = {}
    for pos, c in enumerate(term):
        if c in first_pos:  # a repeated label: a fresh letter tied to the first by an identity
            nc = next(spare)
            in_terms.append(c + nc)
            in_ops.append(eye(shape[pos], dtype=g.dtype, device=g.device))
            avail |= {c, nc}
            target.append(nc)
        else:
            first_pos[c] = pos
            target.append(c)
    keep = [c in avail for c in target]
    res_term = "".join(c for c, k in zip(target, keep) if k)
    r = Einsum.apply(*in_ops, terms=tuple(in_terms), out=res_term)
    if not all(keep):  # labels summed only within operand i: the gradient is constant along them
        r = r.reshape([s if k else 1 for s, k in zip(shape, keep)]).expand(shape)
    return r


def einsum(*args) -> Tensor:
    """Einstein summation: einsum('ij,jk->ik', a, b), with '...', or the sublist form."""
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand, or at "
                        "least one operand and its subscripts list")
    if isinstance(args[0], str):
        equation, ops = args[0], list(args[1:])
        if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
            ops = list(ops[0])
    else:
        equation, ops = _from_sublists(args)
    if not ops:
        raise RuntimeError("einsum(): must provide at least one operand")
    for o in ops:
        if not isinstance(o, Tensor):
            raise TypeError(f"einsum(): expected Tensor operands, got {type(o).__name__}")
    dt = ops[0].dtype
    for o in ops[1:]:
        if o.dtype is not dt:
            raise RuntimeError(f"expected scalar type {_word(dt)} but found {_word(o.dtype)}")
    terms, out = _normalise(equation, ops)
    # label sizes: size-1 dims broadcast against the others (torch allows it for every label)
    sizes = {}
    for k, (t, o) in enumerate(zip(terms, ops)):
        local = {}
        for c, s in zip(t, o.shape):
            if c in local and local[c] != s:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} but the sizes "
                                   f"don't match, {local[c]} != {s}")
            local[c] = s
            prev = sizes.get(c)
            if prev is None or prev == 1:
                sizes[c] = s
            elif s != 1 and s != prev:
                raise RuntimeError(f"einsum(): subscript {c} has size {s} for operand {k} which does not "
                                   f"broadcast with previously seen size {prev}")
    ops = [o.expand([sizes[c] for c in t]) if any(s != sizes[c] for c, s in zip(t, o.shape)) else o
           for t, o in zip(terms, ops)]
    return Einsum.apply(*ops, terms=tuple(terms), out=out)


__all__ = ["einsum"]
