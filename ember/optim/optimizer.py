"""Optimizer base class: parameter groups, per-parameter state, torch-compatible state dicts.

Updates run on the backend arrays (``p._data``) with in-place ufuncs, so one step costs a handful
of array operations per parameter and no autograd bookkeeping.
"""
from __future__ import annotations

import contextlib
import functools
from collections import OrderedDict, defaultdict
from itertools import chain

from .._tensor import Tensor, _wrap

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook",
           "register_optimizer_step_post_hook", "swap_in_optimizer_params_and_state"]


class _RequiredParameter:
    """Marks a hyperparameter that every param group must specify."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_global_pre_hooks: OrderedDict = OrderedDict()
_global_post_hooks: OrderedDict = OrderedDict()
_hook_counter = [0]


class _Handle:
    def __init__(self, store: dict):
        _hook_counter[0] += 1
        self.id = _hook_counter[0]
        self._store = store

    def remove(self) -> None:
        self._store.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def register_optimizer_step_pre_hook(hook) -> _Handle:
    """hook(optimizer, args, kwargs) runs before every optimizer's step."""
    h = _Handle(_global_pre_hooks)
    _global_pre_hooks[h.id] = hook
    return h


def register_optimizer_step_post_hook(hook) -> _Handle:
    """hook(optimizer, args, kwargs) runs after every optimizer's step."""
    h = _Handle(_global_post_hooks)
    _global_post_hooks[h.id] = hook
    return h


def _hooked_step(step):
    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        d = self.__dict__
        pre = d.get("_optimizer_step_pre_hooks")
        if _global_pre_hooks or pre:
            for hook in chain(_global_pre_hooks.values(), (pre or {}).values()):
                r = hook(self, args, kwargs)
                if r is not None:
                    if isinstance(r, tuple) and len(r) == 2:
                        args, kwargs = r
                    else:
                        raise RuntimeError(f"{hook} must return None or a tuple of (new_args, "
                                           f"new_kwargs), but got {r}.")
        d["_opt_called"] = True
        out = step(self, *args, **kwargs)
        post = d.get("_optimizer_step_post_hooks")
        if _global_post_hooks or post:
            for hook in chain(_global_post_hooks.values(), (post or {}).values()):
                hook(self, args, kwargs)
        return out
    wrapper._hooked = True
    return wrapper


def _scalar_value(x) -> float:
    return float(x.item()) if isinstance(x, Tensor) else float(x)


class Optimizer:
    """Base class of all optimizers (torch.optim.Optimizer)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_hooked", False):
            cls.step = _hooked_step(step)

    def __init__(self, params, defaults: dict) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors"
                            f" or dicts, but got {_type_name(params)}")
        self.state = defaultdict(dict)
        self.param_groups: list = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for k in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                  "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                  "_optimizer_load_state_dict_pre_hooks", "_optimizer_load_state_dict_post_hooks"):
            self.__dict__.setdefault(k, OrderedDict())

    def __repr__(self) -> str:
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += "\n"
            s += f"Parameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        s += ")"
        return s

    # ---- groups ------------------------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a dict of params (and per-group hyperparameters) to optimize."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but "
                            "the ordering of tensors in sets will change between runs. Please use a "
                            "list instead.")
        else:
            param_group["params"] = list(params)
        plist = param_group["params"]
        names = []
        for i, p in enumerate(plist):
            if isinstance(p, tuple) and len(p) == 2:
                names.append(p[0])
                plist[i] = p[1]
        if names:
            if len(names) != len(plist):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            param_group = {"param_names": names, **param_group}
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _type_name(p))
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required optimization "
                                 f"parameter {name}")
            param_group.setdefault(name, default)
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
        if any(id(p) in seen for p in param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        if len({id(p) for p in param_group["params"]}) != len(param_group["params"]):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see github.com/pytorch/pytorch/issues/"
                          "40967 for more information", stacklevel=3)
        self.param_groups.append(param_group)

    # ---- gradients ---------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized parameters (to None by default)."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    g._data[...] = 0
                    g._bump_version()

    def step(self, closure=None):  # pragma: no cover - abstract
        """Perform one optimization step."""
        raise NotImplementedError

    # ---- hooks -------------------------------------------------------------------------------
    def register_step_pre_hook(self, hook) -> _Handle:
        """hook(optimizer, args, kwargs) runs before this optimizer's step."""
        h = _Handle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[h.id] = hook
        return h

    def register_step_post_hook(self, hook) -> _Handle:
        """hook(optimizer, args, kwargs) runs after this optimizer's step."""
        h = _Handle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[h.id] = hook
        return h

    def register_state_dict_pre_hook(self, hook, prepend: bool = False) -> _Handle:
        h = _Handle(self._optimizer_state_dict_pre_hooks)
        self._optimizer_state_dict_pre_hooks[h.id] = hook
        if prepend:
            self._optimizer_state_dict_pre_hooks.move_to_end(h.id, last=False)
        return h

    def register_state_dict_post_hook(self, hook, prepend: bool = False) -> _Handle:
        h = _Handle(self._optimizer_state_dict_post_hooks)
        self._optimizer_state_dict_post_hooks[h.id] = hook
        if prepend:
            self._optimizer_state_dict_post_hooks.move_to_end(h.id, last=False)
        return h

    def register_load_state_dict_pre_hook(self, hook, prepend: bool = False) -> _Handle:
        h = _Handle(self._optimizer_load_state_dict_pre_hooks)
        self._optimizer_load_state_dict_pre_hooks[h.id] = hook
        if prepend:
            self._optimizer_load_state_dict_pre_hooks.move_to_end(h.id, last=False)
        return h

    def register_load_state_dict_post_hook(self, hook, prepend: bool = False) -> _Handle:
        h = _Handle(self._optimizer_load_state_dict_post_hooks)
        self._optimizer_load_state_dict_post_hooks[h.id] = hook
        if prepend:
            self._optimizer_load_state_dict_post_hooks.move_to_end(h.id, last=False)
        return h

    # ---- state dict --------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """{'state': {param index: state}, 'param_groups': [group with 'params' as indices]}."""
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        mapping: dict = {}
        start = 0

        def pack(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            mapping.update({id(p): i for i, p in enumerate(group["params"], start)
                            if id(p) not in mapping})
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        groups = [pack(g) for g in self.param_groups]
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        sd = {"state": state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            r = hook(self, sd)
            if r is not None:
                sd = r
        return sd

    def load_state_dict(self, state_dict: dict) -> None:
        """Load a state dict made by state_dict() (of ember or torch, tensors converted)."""
        state_dict = dict(state_dict)
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            r = hook(self, state_dict)
            if r is not None:
                state_dict = r
        groups = self.param_groups
        saved_groups = list(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the "
                             "size of optimizer's group")
        id_map = {old: p for g, s in zip(groups, saved_groups)
                  for old, p in zip(s["params"], g["params"])}
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                p = id_map[k]
                state[p] = {key: self._cast_state(p, key, val) for key, val in v.items()} \
                    if isinstance(v, dict) else v
            else:
                state[k] = v
        new_groups = []
        for g, s in zip(groups, saved_groups):
            ng = dict(s)
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                ng["param_names"] = g["param_names"]
            new_groups.append(ng)
        self.__setstate__({"state": state, "param_groups": new_groups})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)

    @staticmethod
    def _cast_state(param: Tensor, key, value):
        if not isinstance(value, Tensor):
            return value
        if key == "step":
            return value
        if param.is_floating_point() and value.dtype != param.dtype:
            return value.to(dtype=param.dtype, device=param.device)
        if value.device != param.device:
            return value.to(device=param.device)
        return value

    # ---- helpers for subclasses ------------------------------------------------------------
    def _closure_loss(self, closure):
        if closure is None:
            return None
        from ..autograd.grad_mode import enable_grad
        with enable_grad():
            return closure()

    def _each_grad(self, group, *buffers, extra=None):
        """(param, state, grad array) for each param of group with a grad; a new state gets a step
        counter, then ``extra`` (name -> factory(param)), then zeroed buffers by name (torch's key
        order); the grad is negated
        under ``maximize``."""
        from ._algos import zeros_state
        maximize = group.get("maximize", False)
        for p in group["params"]:
            gt = p.grad
            if gt is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = self._step_tensor()
                if extra:
                    for name, make in extra.items():
                        state[name] = make(p)
                for name in buffers:
                    state[name] = zeros_state(p)
            yield p, state, (-gt._data if maximize else gt._data)

    @staticmethod
    def _step_tensor(value: float = 0.0) -> Tensor:
        """The per-parameter step counter (a 0-dim tensor of torch's scalar dtype)."""
        import numpy as np
        from .. import get_default_dtype, float64
        dt = np.float64 if get_default_dtype() == float64 else np.float32
        return _wrap(np.array(value, dtype=dt))


def _type_name(x) -> str:
    if isinstance(x, Tensor):
        names = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                 "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor",
                 "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
                 "bool": "BoolTensor"}
        return "torch." + names.get(str(x.dtype).replace("torch.", ""), "Tensor")
    return type(x).__name__


def _step_count(state: dict) -> float:
    """Increment the state's step counter in place; returns the new value as a float."""
    st = state["step"]
    if isinstance(st, Tensor):
        st._data += 1
        return float(st._data)
    state["step"] = st = st + 1
    return float(st)



@contextlib.contextmanager
def swap_in_optimizer_params_and_state(optimizer: Optimizer, swapin_parameters: dict, swapin_optim_state: dict):
    """Run with the optimizer's parameters and state replaced by the given ones (parameters in
    the order the optimizer holds them; state shaped like ``state_dict()``), then restore the live
    ones. In-place updates reach the given tensors; anything else done inside is dropped."""
    groups = optimizer.param_groups
    live_params = [p for g in groups for p in g["params"]]
    if not optimizer.state:
        raise RuntimeError("swap_in_optimizer_params_and_state requires initialized optimizer state.")
    new_params = list(swapin_parameters.values())
    saved_groups = swapin_optim_state["param_groups"]
    if len(new_params) != len(live_params) or len(saved_groups) != len(groups) or \
            any(len(s["params"]) != len(g["params"]) for s, g in zip(saved_groups, groups)):
        raise RuntimeError("swap_in_optimizer_params_and_state requires the explicit parameter state to match "
                           "optimizer.param_groups ordering.")
    live_state = optimizer.state
    live_groups = [dict(g) for g in groups]
    swapped_state = defaultdict(dict)
    it = iter(new_params)
    for g, saved in zip(groups, saved_groups):
        params = [next(it) for _ in g["params"]]
        for p, pid in zip(params, saved["params"]):
            if pid in swapin_optim_state["state"]:
                swapped_state[p] = swapin_optim_state["state"][pid]  # the same dict: in-place edits show
        g.update({k: v for k, v in saved.items() if k != "params"})
        g["params"] = params
    optimizer.state = swapped_state
    try:
        yield
    finally:
        optimizer.state = live_state
        for g, live in zip(groups, live_groups):
            g.clear()
            g.update(live)
