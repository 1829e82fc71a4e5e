"""The autograd graph: Node (one per recorded op), AccumulateGrad (leaves), and the engine.

Every differentiable op call that needs a gradient creates one Node. The Node holds
``next_functions`` (edges to the nodes of its inputs, as ``(node, output_nr)``), the tensors its
backward formula needs (checked against in-place modification through version counters), and the
input metadata used to reduce broadcast gradients. ``run_backward`` walks the graph from the roots
in reverse creation order (a heap keyed by sequence number, as torch's engine orders ready nodes).
"""
from __future__ import annotations

import heapq
import itertools
import weakref

from .anomaly_mode import anomaly as _anomaly
from .grad_mode import state

_seq = itertools.count()

FREED_MSG = ("Trying to backward through the graph a second time (or directly access saved tensors "
             "after they have already been freed). Saved intermediate values of the graph are freed "
             "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
             "backward through the graph a second time or if you need to access saved tensors after "
             "calling backward.")


class Node:
    """A recorded operation in the autograd graph (what ``tensor.grad_fn`` returns)."""

    # Populated by apply(); kept in __dict__ so op classes may store what they need on ctx.
    next_functions: tuple = ()
    _saved: tuple | None = None
    _had_saved = False
    _freed = False
    _pre_hooks = None
    _post_hooks = None
    _retain = None
    _input_meta: tuple = ()
    _outputs = None
    _n_outputs = 1
    _materialize = True
    _seq = -1  # creation order (set per recorded node); the engine runs later nodes first

    def name(self) -> str:
        """Torch-style node name, e.g. ``AddBackward0``."""
        n = type(self).__name__
        return n if n.endswith(("Backward0", "Backward1", "Grad")) or n[-1].isdigit() else n + "Backward0"

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    @property
    def metadata(self) -> dict:
        """A free-form dict users may attach data to (as torch's Node.metadata)."""
        d = self.__dict__.get("_metadata")
        if d is None:
            d = self.__dict__["_metadata"] = {}
        return d

    # ---- saved tensors ---------------------------------------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        """Keep tensors for backward; modifying one in place afterwards makes backward fail."""
        self._saved = tuple((t, t._version) if t is not None else (None, 0) for t in tensors)
        self._had_saved = True

    @property
    def saved_tensors(self) -> tuple:
        """The tensors saved for backward, checked against in-place modification."""
        if self._freed and self._had_saved:
            raise RuntimeError(FREED_MSG)
        saved = self._saved
        if saved is None:
            return ()
        out = []
        for t, ver in saved:
            if t is not None and t._version != ver:
                raise RuntimeError(version_error(t, t.grad_fn, ver))
            out.append(t)
        return tuple(out)

    def _release(self) -> None:
        self._freed = True
        self._saved = None
        self._outputs = None

    # ---- hooks -----------------------------------------------------------------------------------
    def register_hook(self, fn):
        """Call ``fn(grad_inputs, grad_outputs)`` after this node runs; may replace grad_inputs."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(fn)
        return _RemovableHandle(self._post_hooks, fn)

    def register_prehook(self, fn):
        """Call ``fn(grad_outputs)`` before this node runs; may replace grad_outputs."""
        hooks = self.__dict__.setdefault("_node_prehooks", [])
        hooks.append(fn)
        return _RemovableHandle(hooks, fn)

    def _add_tensor_hook(self, output_nr: int, fn):
        if self._pre_hooks is None:
            self._pre_hooks = {}
        lst = self._pre_hooks.setdefault(output_nr, [])
        lst.append(fn)
        return _RemovableHandle(lst, fn)

    def _backward(self, grads: tuple) -> tuple:
        res = type(self).backward(self, *grads)
        if not isinstance(res, tuple):
            res = (res,)
        return res


def _type_name(t) -> str:
    names = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
             "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
             "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}
    return f"torch.{names.get(t.dtype.name, t.dtype.name)}Tensor"


def version_error(t, producer, expected: int) -> str:
    """torch's message for a saved tensor modified in place (producer: the node that made it)."""
    where = ""
    if producer is not None:
        name = producer.name()
        if name == "CopySlices":
            name = "torch::autograd::CopySlices"
        if name.endswith("Backward0"):
            name = name[:-9]
        where = f", which is output {t._output_nr} of {name.replace('Backward', '')},"
    return ("one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [{_type_name(t)} {list(t.shape)}]{where} is at version {t._version}; "
            f"expected version {expected} instead. Hint: enable anomaly detection to find the "
            "operation that failed to compute its gradient, with "
            "torch.autograd.set_detect_anomaly(True, check_nan=False).")


class _RemovableHandle:
    """Handle returned by hook registration; ``remove()`` unregisters."""

    def __init__(self, lst, fn):
        self._lst, self._fn = lst, fn

    def remove(self) -> None:
        try:
            self._lst.remove(self._fn)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class AccumulateGrad(Node):
    """The node that deposits a leaf tensor's gradient into ``leaf.grad``."""

    def __init__(self, variable):
        self.variable = variable
        self._seq = -1  # leaves run last among ready nodes at equal priority

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"

    def accumulate(self, grad, create_graph: bool, owned: bool) -> None:
        var = self.variable
        hooks = var.__dict__.get("_hooks") if hasattr(var, "__dict__") else None
        if hooks:
            for h in list(hooks):
                r = h(grad)
                if r is not None:
                    grad = r
                    owned = False
        old = var.grad
        if old is None:
            if create_graph and grad.requires_grad:
                var.grad = grad
            elif owned and grad._base is None and not grad._rg and \
                    grad._data.strides == var._data.strides and grad._data.flags.writeable:
                var.grad = grad
            else:
                var.grad = _copy_like(grad, var)
        elif create_graph or state.grad_enabled:
            var.grad = old + grad
        else:
            old._data += grad._data.astype(old._data.dtype, copy=False)
        post = var.__dict__.get("_post_acc_hooks") if hasattr(var, "__dict__") else None
        if post:
            for h in list(post):
                h(var)


def _copy_like(grad, var):
    """A fresh copy of grad laid out like var (torch's gradient layout contract)."""
    from .._tensor import _wrap
    from .._device import array_module
    arr = array_module(var._data).empty_like(var._data, dtype=grad._data.dtype)
    arr[...] = grad._data
    return _wrap(arr)


def grad_accumulator(t) -> AccumulateGrad:
    """The (cached) AccumulateGrad node of a leaf tensor that requires grad."""
    ref = t.__dict__.get("_acc")
    acc = ref() if ref is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t.__dict__["_acc"] = weakref.ref(acc)
    return acc


def _collect(roots, targets=None):
    """Dependency counts of every node reachable from the roots (pruned to those reaching targets)."""
    if targets is None:  # the common case: count each edge once, no traversal order needed
        deps: dict = {}
        stack = []
        root_ids = set()
        for r in roots:
            if r is not None and id(r) not in root_ids:
                root_ids.add(id(r))
                stack.append(r)
        while stack:
            for nxt, _ in stack.pop().next_functions:
                if nxt is not None:
                    k = id(nxt)
                    c = deps.get(k)
                    if c is None:
                        deps[k] = 1
                        if k not in root_ids:
                            stack.append(nxt)
                    else:
                        deps[k] = c + 1
        return deps, None
    order, seen, stack = [], set(), []
    for r in roots:
        if r is not None and id(r) not in seen:
            seen.add(id(r))
            stack.append((r, iter(r.next_functions)))
    # Iterative post-order DFS: deep graphs (long RNN chains) must not hit the recursion limit.
    while stack:
        node, it = stack[-1]
        for nxt, _ in it:
            if nxt is not None and id(nxt) not in seen:
                seen.add(id(nxt))
                stack.append((nxt, iter(nxt.next_functions)))
                break
        else:
            stack.pop()
            order.append(node)
    needed = None
    if targets is not None:
        needed = set()
        for node in order:  # children come before parents in post-order
            if id(node) in targets or any(n is not None and id(n) in needed for n, _ in node.next_functions):
                needed.add(id(node))
    deps = {}
    for node in order:
        if needed is not None and id(node) not in needed:
            continue
        for nxt, _ in node.next_functions:
            if nxt is not None and (needed is None or id(nxt) in needed):
                deps[id(nxt)] = deps.get(id(nxt), 0) + 1
    return deps, needed


def run_backward(roots, root_grads, retain_graph: bool, create_graph: bool,
                 inputs=None, capture: bool = False, allow_unused: bool = False):
    """Run the backward pass from ``roots`` (list of (node, output_nr)) with ``root_grads``.

    With ``capture`` (autograd.grad) the gradients of ``inputs`` are returned instead of being
    accumulated into ``.grad``; with ``inputs`` and no capture only those leaves accumulate.
    """
    from ..ops._function import sum_to_shape  # late import: ops build on autograd

    targets = None
    target_keys = {}
    if inputs is not None:
        targets = set()
        for i, t in enumerate(inputs):
            if t.grad_fn is not None:
                node, nr = t.grad_fn, t._output_nr
            elif t.requires_grad:
                node, nr = grad_accumulator(t), 0
            else:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            targets.add(id(node))
            target_keys.setdefault((id(node), nr), []).append(i)
    root_nodes = [n for n, _ in roots]
    deps, needed = _collect(root_nodes, targets)
    buffers: dict = {}
    owned_ids: dict = {}
    for (node, nr), g in zip(roots, root_grads):
        if node is None:
            continue
        buf = buffers.setdefault(id(node), {})
        buf[nr] = g if nr not in buf else buf[nr] + g
    results = [None] * (len(inputs) if inputs is not None else 0)
    heap = []
    pushed = set()
    for node in root_nodes:
        if node is not None and deps.get(id(node), 0) == 0 and id(node) not in pushed:
            if needed is not None and id(node) not in needed:
                continue
            pushed.add(id(node))
            heapq.heappush(heap, (-node._seq, id(node), node))
    anomaly_on = _anomaly.enabled
    heappop, heappush = heapq.heappop, heapq.heappush
    prev_mode = state.grad_enabled
    state.grad_enabled = create_graph
    try:
        while heap:
            _, nid, node = heappop(heap)
            buf = buffers.pop(nid, None) or {}
            if node._pre_hooks:
                for nr, hooks in node._pre_hooks.items():
                    if nr in buf:
                        for h in list(hooks):
                            r = h(buf[nr])
                            if r is not None:
                                buf[nr] = r
            if node._retain:
                for nr, ref in node._retain.items():
                    t = ref()
                    if t is not None and nr in buf:
                        g = buf[nr]
                        t.grad = g.detach().clone() if t.grad is None else t.grad + g.detach()
            if targets is not None and nid in targets:
                leaf_node = isinstance(node, AccumulateGrad)
                for (tid, nr), idxs in target_keys.items():
                    if tid == nid and nr in buf:
                        if capture:
                            for i in idxs:
                                results[i] = buf[nr]
                        elif not leaf_node:  # backward(inputs=[non-leaf]) fills its .grad
                            _accumulate_nonleaf(inputs[idxs[0]], buf[nr], create_graph)
                if capture and leaf_node:
                    continue
                if not leaf_node and not any(n is not None and id(n) in needed
                                             for n, _ in node.next_functions):
                    continue  # a target that leads to no other target need not run
            if node.__class__ is AccumulateGrad:
                if 0 in buf:
                    node.accumulate(buf[0], create_graph, owned_ids.get(id(buf[0]), False))
                continue
            if node._freed and node._had_saved:
                raise RuntimeError(FREED_MSG)
            n_out = node._n_outputs
            if n_out == 1 and len(buf) == 1 and 0 in buf:
                grads = (buf[0],)
            else:
                grads = tuple(buf.get(i) for i in range(max(n_out, (max(buf) + 1) if buf else 1)))
            pre = node.__dict__.get("_node_prehooks")
            if pre:
                for h in pre:
                    r = h(grads)
                    if r is not None:
                        grads = tuple(r)
            if not any(g is not None for g in grads):
                in_grads = ()  # no gradient reached this node (an input's gradient was undefined)
            else:
                if node._materialize:
                    for g in grads:
                        if g is None:
                            grads = node._fill_none(grads)
                            break
                if anomaly_on:
                    in_grads = _anomalous_backward(node, grads)
                else:
                    in_grads = node._backward(grads)
            if node._post_hooks and in_grads:
                for h in node._post_hooks:
                    r = h(in_grads, grads)
                    if r is not None:
                        in_grads = tuple(r)
            if not retain_graph:
                node._release()
            metas = node._input_meta
            n_in = len(in_grads)
            k = -1
            for nxt, nr in node.next_functions:
                k += 1
                if nxt is None:
                    continue
                nxt_id = id(nxt)
                if needed is not None and nxt_id not in needed:
                    continue
                g = in_grads[k] if k < n_in else None
                if g is not None:
                    if metas:
                        shape, dt = metas[k]
                        a = g._data
                        if a.shape != shape:
                            g = sum_to_shape(g, shape)
                            a = g._data
                        if a.dtype is not dt and a.dtype != dt:
                            g = g.to(_from_np(dt))
                    owned_ids[id(g)] = True
                    b = buffers.get(nxt_id)
                    if b is None:
                        buffers[nxt_id] = {nr: g}
                    elif nr in b:
                        b[nr] = b[nr] + g
                        owned_ids[id(b[nr])] = True
                    else:
                        b[nr] = g
                d = deps[nxt_id] - 1
                deps[nxt_id] = d
                if d == 0:
                    heappush(heap, (-nxt._seq, nxt_id, nxt))
    finally:
        state.grad_enabled = prev_mode
    if capture:
        for i, r in enumerate(results):
            if r is None and not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the desired "
                                   "behavior.")
        return tuple(results)
    return None


def _accumulate_nonleaf(t, g, create_graph: bool) -> None:
    if not create_graph:
        g = g.detach()
    t.grad = g if t.grad is None else t.grad + g


def _anomalous_backward(node, grads):
    from .anomaly_mode import check_nan, report
    try:
        res = node._backward(grads)
    except Exception as e:
        report(node, e)
        raise
    if _anomaly.check_nan:
        check_nan(node, res)
    return res


def node_seq(node) -> int:
    return node._seq


def _from_np(npdt):
    from .._dtype import from_np
    return from_np(npdt)


def refresh_view_grad_fn(view):
    """Regenerate a view's grad_fn after an in-place op elsewhere in its view family.

    A view records the family version when its grad_fn was made (``_view_ver``); once the version
    moved on, the base's graph may have been rebased, so the view's node is rebuilt as an
    ``AsStridedBackward0`` reading the view's region out of the base's current gradient.
    """
    from ..ops._inplace import TakeFlat, _flat_index
    from ..ops._function import _counter, _edge
    base = view._base
    ver = view._vc[0]
    if not base._rg:
        view.__dict__["_view_ver"] = ver
        return view._grad_fn
    node = TakeFlat.__new__(TakeFlat)
    node.next_functions = (_edge(base),)
    node._input_meta = ((base._data.shape, base._data.dtype),)
    node.needs_input_grad = (True,)
    node._seq = next(_counter)
    node.idx = _flat_index(base, view)
    node.shape = base._data.shape
    view._grad_fn = node
    view._rg = True
    view.__dict__["_view_ver"] = ver
    return node


def to_dot(root, params: dict | None = None) -> str:
    """The backward graph behind ``root`` (a tensor or a node) as Graphviz DOT text.

    Each node is a box named like ``MulBackward0``; leaves (``AccumulateGrad``) show the leaf's
    shape and, when ``params`` maps names to tensors, its name. Edges point from a node to the
    nodes its gradient flows into (its ``next_functions``). Render with ``dot -Tsvg``.
    """
    node = getattr(root, "grad_fn", root) if not isinstance(root, Node) else root
    names = {id(t): n for n, t in (params or {}).items()}
    lines = ["digraph backward {", '  node [shape=box, fontname="monospace", fontsize=10];']
    if node is None:
        lines.append('  empty [label="(no grad_fn)"];')
        return "\n".join(lines + ["}"]) + "\n"
    ids: dict = {}
    stack = [node]

    def nid(n) -> str:
        if id(n) not in ids:
            ids[id(n)] = f"n{len(ids)}"
            stack.append(n)
        return ids[id(n)]

    nid(node)
    stack.pop()
    seen = set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, AccumulateGrad):
            v = n.variable
            label = names.get(id(v), "")
            label = (label + "\\n" if label else "") + "(" + ", ".join(str(s) for s in v.shape) + ")"
            lines.append(f'  {ids[id(n)]} [label="{label}", style=filled, fillcolor=lightblue];')
        else:
            lines.append(f'  {ids[id(n)]} [label="{n.name()}"];')
        for nxt, _ in n.next_functions:
            if nxt is not None:
                lines.append(f"  {ids[id(n)]} -> {nid(nxt)};")
    return "\n".join(lines + ["}"]) + "\n"
