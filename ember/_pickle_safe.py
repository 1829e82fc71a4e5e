"""A restricted pickle interpreter for ``ember.load(weights_only=True)``.

It understands the binary pickle opcodes (protocols 2-5) and never imports or calls anything that
is not on an allowlist: GLOBAL resolves only through ``resolve`` (the allowlist), REDUCE/NEWOBJ
call only objects that came from ``resolve``, and BUILD only sets state on OrderedDicts, tensors
and user-allowlisted types. Each opcode consumes input, so a corrupt stream always ends.
"""
from __future__ import annotations

import _compat_pickle
import collections
import contextlib
import pickle
import struct
from typing import Any, Callable, Dict, Iterator, List

__all__ = ["SafeUnpickler", "add_safe_globals", "safe_globals", "get_safe_globals",
           "clear_safe_globals", "user_safe_globals"]

# ---------------------------------------------------------------------------------------------
# user allowlist (add_safe_globals & co.)
_USER: List[Any] = []


def _qualified(entry) -> tuple:
    """(object, 'module.qualname') for an allowlist entry (an object or an (object, name) pair)."""
    if isinstance(entry, tuple):
        if len(entry) != 2 or not isinstance(entry[1], str):
            raise TypeError("safe globals entries are objects or (object, 'module.name') tuples")
        return entry[0], entry[1]
    module = getattr(entry, "__module__", None)
    qual = getattr(entry, "__qualname__", None) or getattr(entry, "__name__", None)
    if module is None or qual is None:
        raise TypeError(f"cannot allowlist {entry!r}: it has no __module__/__qualname__")
    return entry, f"{module}.{qual}"


def add_safe_globals(safe_globals: List[Any]) -> None:
    """Mark globals (objects or (object, "module.name") pairs) as safe for weights_only loading."""
    if not isinstance(safe_globals, (list, tuple)):
        raise TypeError(f"add_safe_globals expects a list, got {type(safe_globals).__name__}")
    for entry in safe_globals:
        _qualified(entry)
    _USER.extend(safe_globals)


def get_safe_globals() -> List[Any]:
    """Return the user-added safe globals for weights_only loading."""
    return list(_USER)


def clear_safe_globals() -> None:
    """Remove every user-added safe global."""
    _USER.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: List[Any]) -> Iterator[None]:
    """Context manager that adds safe globals for weights_only loading, restoring the list after."""
    saved = list(_USER)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _USER[:] = saved


def user_safe_globals() -> Dict[str, Any]:
    """{'module.qualname': object} for the user allowlist."""
    out = {}
    for entry in _USER:
        obj, name = _qualified(entry)
        out[name] = obj
    return out


# ---------------------------------------------------------------------------------------------
class _Mark:
    pass


def _unpack(fmt: str, data: bytes):
    return struct.unpack(fmt, data)[0]


class SafeUnpickler:
    """Interprets a pickle stream with an allowlisted ``resolve`` and a ``persistent_load`` hook.

    ``resolve(module, name)`` returns the allowed object or raises ``pickle.UnpicklingError``;
    ``buildable(obj)`` says whether BUILD may set state on ``obj``; ``set_state(obj, state)`` does it.
    """

    def __init__(self, file, resolve: Callable[[str, str], Any],
                 persistent_load: Callable[[Any], Any] = None,
                 set_state: Callable[[Any, Any], bool] = None):
        self._read = file.read
        self._readline = file.readline
        self._resolve = resolve
        self._persistent_load = persistent_load
        self._set_state = set_state
        self._callables: Dict[int, Any] = {}
        self._user_types = {id(o): o for o in user_safe_globals().values() if isinstance(o, type)}
        self.proto = 0

    # -- input helpers -------------------------------------------------------------------------
    def _take(self, n: int) -> bytes:
        data = self._read(n)
        if len(data) != n:
            raise pickle.UnpicklingError("pickle data was truncated")
        return data

    def _line(self) -> str:
        line = self._readline()
        if not line.endswith(b"\n"):
            raise pickle.UnpicklingError("pickle data was truncated")
        return line[:-1].decode("utf-8")

    def _global(self, module: str, name: str) -> Any:
        if not isinstance(module, str) or not isinstance(name, str):
            raise pickle.UnpicklingError("STACK_GLOBAL requires str module and name")
        if self.proto < 3:
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        obj = self._resolve(module, name)
        self._callables[id(obj)] = obj
        return obj

    # -- main loop -------------------------------------------------------------------------------
    def load(self) -> Any:
        """Run the pickle program and return its result."""
        try:
            return self._load()
        except (pickle.UnpicklingError, RuntimeError, EOFError):
            raise
        except Exception as e:  # a corrupt stream must surface as one clean error type
            raise pickle.UnpicklingError(
                f"corrupt or unsupported pickle data: {type(e).__name__}: {e}") from e

    def _load(self) -> Any:
        stack: list = []
        metastack: list = []
        memo: Dict[int, Any] = {}
        take = self._take
        first = self._read(1)
        if not first:
            raise EOFError("Ran out of input")
        op = first
        while True:
            if not op:
                raise pickle.UnpicklingError("pickle data was truncated")
            c = op[0]
            if c == 0x80:  # PROTO
                self.proto = take(1)[0]
                if self.proto > pickle.HIGHEST_PROTOCOL:
                    raise pickle.UnpicklingError(f"unsupported pickle protocol: {self.proto}")
            elif c == 0x95:  # FRAME
                take(8)
            elif c == 0x2E:  # STOP
                if not stack:
                    raise pickle.UnpicklingError("STOP with an empty stack")
                return stack[-1]
            elif c == 0x28:  # MARK
                metastack.append(stack)
                stack = []
            elif c == 0x30:  # POP
                if stack:
                    stack.pop()
                else:
                    stack = metastack.pop() if metastack else _underflow()
            elif c == 0x31:  # POP_MARK
                stack = metastack.pop() if metastack else _no_mark()
            elif c == 0x32:  # DUP
                stack.append(stack[-1])
            elif c == 0x4E:  # NONE
                stack.append(None)
            elif c == 0x88:
                stack.append(True)
            elif c == 0x89:
                stack.append(False)
            elif c == 0x4A:  # BININT
                stack.append(_unpack("<i", take(4)))
            elif c == 0x4B:  # BININT1
                stack.append(take(1)[0])
            elif c == 0x4D:  # BININT2
                stack.append(_unpack("<H", take(2)))
            elif c == 0x8A:  # LONG1
                stack.append(int.from_bytes(take(take(1)[0]), "little", signed=True))
            elif c == 0x8B:  # LONG4
                n = _unpack("<i", take(4))
                if n < 0:
                    raise pickle.UnpicklingError("LONG pickle has negative byte count")
                stack.append(int.from_bytes(take(n), "little", signed=True))
            elif c == 0x47:  # BINFLOAT
                stack.append(_unpack(">d", take(8)))
            elif c == 0x58:  # BINUNICODE
                stack.append(str(take(_unpack("<I", take(4))), "utf-8", "surrogatepass"))
            elif c == 0x8C:  # SHORT_BINUNICODE
                stack.append(str(take(take(1)[0]), "utf-8", "surrogatepass"))
            elif c == 0x8D:  # BINUNICODE8
                stack.append(str(take(_unpack("<Q", take(8))), "utf-8", "surrogatepass"))
            elif c == 0x42:  # BINBYTES
                stack.append(take(_unpack("<I", take(4))))
            elif c == 0x43:  # SHORT_BINBYTES
                stack.append(take(take(1)[0]))
            elif c == 0x8E:  # BINBYTES8
                stack.append(take(_unpack("<Q", take(8))))
            elif c == 0x96:  # BYTEARRAY8
                stack.append(bytearray(take(_unpack("<Q", take(8)))))
            elif c == 0x29:  # EMPTY_TUPLE
                stack.append(())
            elif c == 0x74:  # TUPLE
                items = stack
                stack = metastack.pop() if metastack else _no_mark()
                stack.append(tuple(items))
            elif c == 0x85:
                stack[-1] = (stack[-1],)
            elif c == 0x86:
                stack[-2:] = [tuple(stack[-2:])] if len(stack) >= 2 else _underflow()
            elif c == 0x87:
                stack[-3:] = [tuple(stack[-3:])] if len(stack) >= 3 else _underflow()
            elif c == 0x5D:  # EMPTY_LIST
                stack.append([])
            elif c == 0x6C:  # LIST
                items = stack
                stack = metastack.pop() if metastack else _no_mark()
                stack.append(list(items))
            elif c == 0x61:  # APPEND
                value = stack.pop()
                self._extend(stack[-1], [value])
            elif c == 0x65:  # APPENDS
                items = stack
                stack = metastack.pop() if metastack else _no_mark()
                self._extend(stack[-1], items)
            elif c == 0x7D:  # EMPTY_DICT
                stack.append({})
            elif c == 0x64:  # DICT
                items = stack
                stack = metastack.pop() if metastack else _no_mark()
                stack.append(self._setitems({}, items))
            elif c == 0x73:  # SETITEM
                value = stack.pop()
                key = stack.pop()
                self._setitems(stack[-1], [key, value])
            elif c == 0x75:  # SETITEMS
                items = stack
                stack = metastack.pop() if metastack else _no_mark()
                self._setitems(stack[-1], items)
            elif c == 0x8F:  # EMPTY_SET
                stack.append(set())
            elif c == 0x90:  # ADDITEMS
                items = stack
                stack = metastack.pop() if metastack else _no_mark()
                target = stack[-1]
                if not isinstance(target, set):
                    raise pickle.UnpicklingError("ADDITEMS on a non-set")
                target.update(items)
            elif c == 0x91:  # FROZENSET
                items = stack
                stack = metastack.pop() if metastack else _no_mark()
                stack.append(frozenset(items))
            elif c == 0x63:  # GLOBAL
                module = self._line()
                name = self._line()
                stack.append(self._global(module, name))
            elif c == 0x93:  # STACK_GLOBAL
                name = stack.pop()
                module = stack.pop()
                stack.append(self._global(module, name))
            elif c == 0x52:  # REDUCE
                args = stack.pop()
                func = stack[-1]
                stack[-1] = self._call(func, args)
            elif c == 0x81:  # NEWOBJ
                args = stack.pop()
                cls = stack.pop()
                stack.append(self._new(cls, args, {}))
            elif c == 0x92:  # NEWOBJ_EX
                kwargs = stack.pop()
                args = stack.pop()
                cls = stack.pop()
                stack.append(self._new(cls, args, kwargs))
            elif c == 0x62:  # BUILD
                state = stack.pop()
                self._build(stack[-1], state)
            elif c == 0x71:  # BINPUT
                memo[take(1)[0]] = _top(stack)
            elif c == 0x72:  # LONG_BINPUT
                memo[_unpack("<I", take(4))] = _top(stack)
            elif c == 0x94:  # MEMOIZE
                memo[len(memo)] = _top(stack)
            elif c == 0x70:  # PUT
                memo[int(self._line())] = _top(stack)
            elif c == 0x68:  # BINGET
                stack.append(_memo_get(memo, take(1)[0]))
            elif c == 0x6A:  # LONG_BINGET
                stack.append(_memo_get(memo, _unpack("<I", take(4))))
            elif c == 0x67:  # GET
                stack.append(_memo_get(memo, int(self._line())))
            elif c == 0x51:  # BINPERSID
                stack.append(self._persid(stack.pop()))
            elif c == 0x50:  # PERSID
                stack.append(self._persid(self._line()))
            else:
                raise pickle.UnpicklingError(f"unsupported pickle opcode {bytes([c])!r} in weights_only load")
            op = self._read(1)

    # -- opcode helpers -------------------------------------------------------------------------
    def _persid(self, pid):
        if self._persistent_load is None:
            raise pickle.UnpicklingError("A load persistent id instruction was encountered, "
                                         "but no persistent_load function was specified.")
        return self._persistent_load(pid)

    def _allowed(self, obj) -> bool:
        return self._callables.get(id(obj)) is obj

    def _call(self, func, args):
        if not self._allowed(func):
            raise pickle.UnpicklingError(f"weights_only load refused to call {func!r}: "
                                         "it is not an allowed global")
        if not isinstance(args, tuple):
            raise pickle.UnpicklingError("REDUCE arguments must be a tuple")
        return func(*args)

    def _new(self, cls, args, kwargs):
        if not (self._allowed(cls) and isinstance(cls, type)):
            raise pickle.UnpicklingError(f"weights_only load refused to create {cls!r}: "
                                         "it is not an allowed class")
        if not isinstance(args, tuple) or not isinstance(kwargs, dict):
            raise pickle.UnpicklingError("NEWOBJ arguments must be a tuple and a dict")
        if cls in (set, frozenset, bytearray, complex):
            return cls(*args)
        return cls.__new__(cls, *args, **kwargs)

    def _extend(self, target, items: list) -> None:
        if isinstance(target, list):
            target.extend(items)
        elif self._user_type(target):
            ext = getattr(target, "extend", None)
            if ext is not None:
                ext(items)
            else:
                for it in items:
                    target.append(it)
        else:
            raise pickle.UnpicklingError(f"cannot append to {type(target).__name__} in weights_only load")

    def _setitems(self, target, items: list):
        if len(items) % 2:
            raise pickle.UnpicklingError("odd number of items for SETITEMS")
        if not (type(target) in (dict, collections.OrderedDict, collections.Counter)
                or self._user_type(target)):
            raise pickle.UnpicklingError(f"cannot set items on {type(target).__name__} in weights_only load")
        for i in range(0, len(items), 2):
            target[items[i]] = items[i + 1]
        return target

    def _user_type(self, obj) -> bool:
        """Whether obj is an instance of a user-allowlisted class (they may take state/items)."""
        cls = type(obj)
        return self._user_types.get(id(cls)) is cls and cls not in (type, object)

    def _build(self, inst, state) -> None:
        if self._set_state is not None and self._set_state(inst, state):
            return
        if type(inst) in (collections.OrderedDict, collections.Counter):
            if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
                raise pickle.UnpicklingError("OrderedDict state must be a dict with str keys")
            inst.__dict__.update(state)
            return
        if self._user_type(inst):
            setstate = getattr(inst, "__setstate__", None)
            if setstate is not None and type(inst).__setstate__ is not getattr(object, "__setstate__", None):
                setstate(state)
                return
            slotstate = None
            if isinstance(state, tuple) and len(state) == 2:
                state, slotstate = state
            if state:
                inst.__dict__.update(state)
            if slotstate:
                for k, v in slotstate.items():
                    setattr(inst, k, v)
            return
        raise pickle.UnpicklingError(
            f"weights_only load can only BUILD tensors, Parameters, OrderedDicts or types allowlisted "
            f"with ember.serialization.add_safe_globals, but got {type(inst).__name__}")


def _top(stack):
    if not stack:
        raise pickle.UnpicklingError("memoize with an empty stack")
    return stack[-1]


def _memo_get(memo, idx):
    try:
        return memo[idx]
    except KeyError:
        raise pickle.UnpicklingError(f"Memo value not found at index {idx}") from None


def _underflow():
    raise pickle.UnpicklingError("unpickling stack underflow")


def _no_mark():
    raise pickle.UnpicklingError("could not find MARK")
