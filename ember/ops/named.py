"""Named tensors (the seed's chapter 3.4): names on dims, checked and carried through ops.

torch 2.13 dropped named tensors; ember keeps the behaviour the seed documents.
"""
from __future__ import annotations

import warnings

from .._tensor import Tensor, register_methods

_warned = [False]


def _warn_once() -> None:
    if not _warned[0]:
        _warned[0] = True
        warnings.warn("Named tensors and all their associated APIs are an experimental feature and "
                      "subject to change. Please do not use them for anything important until they "
                      "are released as stable.", UserWarning, stacklevel=4)


def _set_names(t: Tensor, names) -> None:
    """Set t's names in place (None clears them)."""
    if names is None:
        t._names = None
        return
    names = tuple(names)
    if len(names) != t.dim():
        raise RuntimeError(f"Number of names ({len(names)}) and number of dimensions in tensor "
                           f"({t.dim()}) do not match. Attempted to create a tensor with names "
                           f"{list(names)}")
    seen = set()
    for n in names:
        if n is None:
            continue
        if not isinstance(n, str) or not (n.isidentifier() and not n.startswith("_")):
            raise RuntimeError(f"Invalid name: a valid identifier contains only digits, alphabetical "
                               f"characters and/or underscore and starts with a non-digit. got: '{n}'.")
        if n in seen:
            raise RuntimeError(f"Cannot construct a tensor with duplicate names: {list(names)}")
        seen.add(n)
    _warn_once()
    t._names = None if all(n is None for n in names) else names


def _names_of(t: Tensor) -> tuple:
    return t._names if t._names is not None else (None,) * t.dim()


def binary_names(a: Tensor, b: Tensor):
    """Names of a broadcast result: matched from the right, None adopts the other's name."""
    na, nb = _names_of(a), _names_of(b)
    n = max(len(na), len(nb))
    out = []
    for i in range(1, n + 1):
        x = na[-i] if i <= len(na) else None
        y = nb[-i] if i <= len(nb) else None
        if x is not None and y is not None and x != y:
            raise RuntimeError(f"Error when attempting to broadcast dims {_fmt(na)} and dims {_fmt(nb)}: "
                               f"dim '{x}' and dim '{y}' are at the same position from the right but do "
                               "not match.")
        if x is not None and y is None and x in nb or y is not None and x is None and y in na:
            dup = x if x is not None else y
            raise RuntimeError(f"Error when attempting to broadcast dims {_fmt(na)} and dims {_fmt(nb)}: "
                               f"dim '{dup}' appears in a different position from the right across both "
                               "lists.")
        out.append(x if x is not None else y)
    out.reverse()
    return None if all(v is None for v in out) else tuple(out)


def _fmt(names) -> str:
    return "[" + ", ".join("None" if n is None else f"'{n}'" for n in names) + "]"


def index_names(t: Tensor, key: tuple):
    """Names after basic indexing: ints drop a dim, None adds an unnamed one, slices keep."""
    names = list(_names_of(t))
    out = []
    i = 0
    n_consumed = sum(1 for k in key if k is not None and k is not Ellipsis)
    for k in key:
        if k is None:
            out.append(None)
        elif k is Ellipsis:
            cnt = len(names) - n_consumed
            out.extend(names[i:i + cnt])
            i += cnt
        elif isinstance(k, int):
            i += 1
        else:
            out.append(names[i])
            i += 1
    out.extend(names[i:])
    return None if all(v is None for v in out) else tuple(out)


def _expand_ellipsis(t: Tensor, names, fn: str) -> tuple:
    names = list(names)
    if Ellipsis in names or "..." in names:
        idx = names.index(Ellipsis) if Ellipsis in names else names.index("...")
        rest = len(names) - 1
        cur = _names_of(t)
        fill = list(cur[idx: idx + t.dim() - rest])
        names = names[:idx] + fill + names[idx + 1:]
    return tuple(names)


def refine_names(self: Tensor, *names) -> Tensor:
    """Give names to unnamed dims (``...`` keeps the dims it covers)."""
    names = _expand_ellipsis(self, names, "refine_names")
    if len(names) != self.dim():
        raise RuntimeError(f"refine_names: cannot coerce Tensor{list(_names_of(self))} to Tensor"
                           f"{list(names)} because they have a different number of dims "
                           f"({self.dim()} and {len(names)} respectively).")
    for old, new in zip(_names_of(self), names):
        if old is not None and old != new:
            raise RuntimeError(f"refine_names: cannot coerce Tensor{_fmt(_names_of(self))} to Tensor"
                               f"{_fmt(names)} because '{old}' is different from '{new}' at index "
                               f"{names.index(new) if new in names else 0}")
    r = _alias(self)
    _set_names(r, names)
    return r


def _alias(t: Tensor) -> Tensor:
    from .shape import View, _as_view
    r = _as_view(View.apply(t, shape=t._data.shape), t)
    return r


def rename(self: Tensor, *names, **rename_map) -> Tensor:
    """New names (``rename(None)`` drops them; keywords rename some)."""
    r = _alias(self)
    if rename_map:
        cur = list(_names_of(self))
        for old, new in rename_map.items():
            if old not in cur:
                raise RuntimeError(f"Tried to rename dim '{old}' to dim {new} in Tensor"
                                   f"{_fmt(cur)} but dim '{old}' does not exist")
            cur[cur.index(old)] = new
        _set_names(r, cur)
        return r
    if len(names) == 1 and names[0] is None:
        r._names = None
        return r
    _set_names(r, _expand_ellipsis(self, names, "rename"))
    return r


def rename_(self: Tensor, *names, **rename_map) -> Tensor:
    r = rename(self, *names, **rename_map)
    self._names = r._names
    return self


def align_to(self: Tensor, *names) -> Tensor:
    """Permute (and add size-1 dims) so the dims follow ``names``."""
    cur = _names_of(self)
    if self._names is None or any(n is None for n in cur):
        raise RuntimeError("align_to: All input dims must be named. Found unnamed dim at index "
                           f"{list(cur).index(None)} of Tensor{_fmt(cur)}")
    names = list(names)
    if Ellipsis in names or "..." in names:
        idx = names.index(Ellipsis) if Ellipsis in names else names.index("...")
        others = [n for n in cur if n not in names]
        names = names[:idx] + others + names[idx + 1:]
    for n in cur:
        if n not in names:
            raise RuntimeError(f"align_to: Cannot find dim '{n}' from Tensor{_fmt(cur)} in desired "
                               f"alignment {_fmt(names)}.")
    perm = [cur.index(n) for n in names if n in cur]
    from .shape import permute, reshape
    p = permute(self.rename(None), perm)
    shape = []
    src = iter(p.shape)
    for n in names:
        shape.append(next(src) if n in cur else 1)
    r = reshape(p, tuple(shape)) if len(shape) != p.dim() else p
    if r is p and len(shape) == p.dim():
        pass
    r._names = tuple(names)
    return r


def align_as(self: Tensor, other: Tensor) -> Tensor:
    """align_to(other's names)."""
    return align_to(self, *_names_of(other))


def has_names(self: Tensor) -> bool:
    return self._names is not None


register_methods({"refine_names": refine_names, "rename": rename, "rename_": rename_,
                  "align_to": align_to, "align_as": align_as, "has_names": has_names})
