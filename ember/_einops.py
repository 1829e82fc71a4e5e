"""torch.func.rearrange (functorch's einops-style ``rearrange``): reorder, split and merge axes by
a pattern such as ``"b c (h w) -> b h w c"``. Built from reshape and permute, so it is a view when
the layout allows and differentiable either way."""
from __future__ import annotations

import re

_TOKEN = re.compile(r"\.\.\.|\(|\)|[A-Za-z_][A-Za-z0-9_]*|\d+|\S")


class DimensionBindError(Exception):
    """A dimension's size cannot be worked out from the pattern and the tensor."""


def _parse(side: str):
    """Groups of one side: each group a list of names, '...' or '1' (a size-1 axis)."""
    groups, current = [], None
    for tok in _TOKEN.findall(side):
        if tok == "(":
            if current is not None:
                raise ValueError("Nested parentheses are not supported in rearrange patterns")
            current = []
        elif tok == ")":
            if current is None:
                raise ValueError("Unbalanced parentheses in rearrange pattern")
            groups.append(current)
            current = None
        elif tok == "..." or tok.isidentifier() or tok.isdigit():
            if tok.isdigit() and tok != "1":
                raise ValueError("rearrange only supports unnamed axes of size 1")
            if current is None:
                groups.append([tok])
            else:
                current.append(tok)
        else:
            raise ValueError(f"Invalid character in rearrange pattern: {tok!r}")
    if current is not None:
        raise ValueError("Unbalanced parentheses in rearrange pattern")
    return groups


def rearrange(tensor, pattern: str, **axes_lengths):
    """Rearrange tensor's axes as pattern says (a list of tensors is stacked along a new first
    axis first); axes_lengths gives the sizes a split cannot infer."""
    import ember
    if isinstance(tensor, (list, tuple)):
        tensor = ember.stack(list(tensor))
    if "->" not in pattern:
        raise ValueError("rearrange pattern must contain '->'")
    left_s, right_s = pattern.split("->")
    left, right = _parse(left_s), _parse(right_s)
    names = lambda groups: {t for g in groups for t in g if t not in ("...", "1")}  # noqa: E731
    only = names(left) ^ names(right)
    if only:
        raise ValueError(f"Identifiers only on one side of rearrange expression (should be on both): {only}")
    ell_left = sum(g.count("...") for g in left)
    if ell_left != sum(g.count("...") for g in right) or ell_left > 1:
        raise ValueError("Ellipsis must appear once on both sides of a rearrange pattern, or on neither")
    nd = tensor.dim()
    if ell_left == 0 and len(left) != nd:
        raise ValueError(f"Number of dimensions in pattern ({len(left)}) must be equal to the number of "
                         f"dimensions in the tensor ({nd})")
    n_ell = nd - (len(left) - 1) if ell_left else 0
    if n_ell < 0:
        raise ValueError(f"Number of dimensions in pattern ({len(left) - 1}) is more than the number of "
                         f"dimensions in the tensor ({nd})")
    sizes = dict(axes_lengths)
    elementary = []  # left's elementary axes, in order
    dim = 0
    for g in left:
        if g == ["..."]:
            for i in range(n_ell):
                sizes[f"...{i}"] = tensor.shape[dim + i]
                elementary.append(f"...{i}")
            dim += n_ell
            continue
        if "..." in g:
            raise ValueError("Ellipsis inside parentheses is not supported on the left of rearrange")
        size = tensor.shape[dim]
        axes = [t for t in g if t != "1"]
        unknown = [t for t in axes if t not in sizes]
        known = 1
        for t in axes:
            if t in sizes:
                known *= sizes[t]
        if len(unknown) > 1:
            raise DimensionBindError(f"cannot infer the sizes of two dimensions at once {unknown[0]} and {unknown[1]}")
        if unknown:
            if known == 0 or size % known:
                raise DimensionBindError(f"inferred dimension does not evenly fit into larger dimension: {size} vs "
                                         f"('?', {known})")
            sizes[unknown[0]] = size // known
        elif known != size:
            raise DimensionBindError(f"Dimension sizes do not match ({size} != {known}) when matching {g}")
        elementary.extend(axes)
        dim += 1
    x = tensor.reshape([sizes[a] for a in elementary])
    order = []
    out_shape = []
    for g in right:
        if g == ["..."]:
            order.extend(elementary.index(f"...{i}") for i in range(n_ell))
            out_shape.extend(sizes[f"...{i}"] for i in range(n_ell))
            continue
        prod = 1
        for t in g:
            if t == "1":
                continue
            if t == "...":
                for i in range(n_ell):
                    order.append(elementary.index(f"...{i}"))
                    prod *= sizes[f"...{i}"]
                continue
            order.append(elementary.index(t))
            prod *= sizes[t]
        out_shape.append(prod)
    return x.permute(order).reshape(out_shape)
