"""Objects of another process, reached through a socket: how isolated grading keeps the checks apart.

In isolated grading (``python -m grader N --isolate``) the code under test never runs in the
process that holds the checks, their oracles and the channel to the grader. It runs in a *host*
process (:mod:`grader.host`) that the checking process starts and talks to through one socket.
:func:`common.load` then returns a :class:`Proxy` of the learner's module, and every use of it
(an attribute, a call, ``+``, ``len``, ``with``) becomes a request to the host.

Values cross the socket as plain data, never pickle: ``None``, bools, numbers, strings, bytes,
lists, tuples, dicts, sets, slices, paths, NumPy scalars and dtypes are copied; classes and
functions of NumPy, ``math`` and the built-ins are named and looked up on the other side; any
other object stays where it lives and the other side gets a :class:`Proxy` of it. A proxy of a
learner's object is never equal to plain data, so an ``__eq__`` that says yes to everything
cannot pass a comparison with an expected value.

NumPy arrays are *mirrored*: each side holds a copy, the same object every time the array
crosses, and every message brings the other side's copies up to date. An array the code keeps,
writes into or returns as a view of its state then behaves as it would in one process, and the
checks that catch aliasing bugs still catch them. A NumPy ``Generator`` handed to the code
comes back having advanced as far as the code drew from it. ``np.errstate`` around a call holds
where the code runs.

The connection is symmetric, so that learner code can call back into objects a check hands it (a
NumPy ``Generator``, a callback). The checking side serves such calls under a narrow policy
(``restricted``): calls and public attributes only, nothing set, nothing private.

The plain data is defined in :mod:`grader.wire`, the proxies in :mod:`grader.proxy`.

Frame::

    8 bytes: length of the JSON header   8 bytes: number of buffers   header (UTF-8 JSON)
    per buffer: 8 bytes of length, then the bytes
"""

from __future__ import annotations

import copy
import json
import math
import operator
import os
import socket
import struct
import sys
import types
import weakref
from pathlib import Path, PurePath, PureWindowsPath

import numpy as np

from grader.proxy import Proxy, proxy_type
from grader.wire import (MAX_DEPTH, MAX_FRAME, PeerGone, ProtocolError, assign, descr, exception_from,
                         exception_record, exception_type, lineage, mapped, resolve, shared_name)

_DEFAULT_ERRORS = np.geterr()


# ---------------------------------------------------------------- operations both sides serve

def _enter(obj):
    return type(obj).__enter__(obj)


def _exit(obj, exc=None):
    return type(obj).__exit__(obj, type(exc) if exc is not None else None, exc, None)


OPS = {name: getattr(operator, name) for name in (
    "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and_", "or_", "xor", "lshift", "rshift",
    "iadd", "isub", "imul", "itruediv", "ifloordiv", "imod", "ipow", "imatmul",
    "neg", "pos", "invert", "lt", "le", "eq", "ne", "gt", "ge",
    "getitem", "setitem", "delitem", "contains", "index")}
OPS.update(len=len, iter=iter, next=next, bool=bool, repr=repr, str=str, hash=hash, float=float, int=int,
           complex=complex, abs=abs, round=round, format=format, dir=dir, reversed=reversed,
           isinstance=isinstance, issubclass=issubclass, enter=_enter, exit=_exit,
           copy=copy.copy, deepcopy=copy.deepcopy, array=np.asarray)
# What a restricted side (the checks) lets the other side (learner code) do to the objects it was handed.
SAFE_OPS = frozenset({"len", "iter", "next", "bool", "repr", "str", "hash", "float", "int", "index", "format",
                      "getitem", "contains", "eq", "ne", "lt", "le", "gt", "ge", "add", "sub", "mul",
                      "truediv", "neg", "array"})



class Connection:
    """One end of the socket: sends requests, serves the other side's, keeps the objects it lent out.

    ``restricted``: serve the other side only calls, public attributes and :data:`SAFE_OPS` on what
    it was handed, never ``setattr`` nor imports (the checks' side, facing learner code)."""

    def __init__(self, sock: socket.socket, *, restricted: bool, loader=None, forward_env=(), accept_env=()):
        self.sock = sock
        self.restricted = restricted
        self.forward_env = tuple(forward_env)  # environment variables each request carries (their values here)
        self.accept_env = frozenset(accept_env)  # those a request may set here, for the time it is served
        self.loader = loader             # (n, module, reload) -> module, on the side that runs learner code
        self.exports: dict[int, list] = {}  # handle -> [object, times sent]
        self.handle_of: dict[int, int] = {}  # id(object) -> handle
        self.proxies: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self.released: list[list[int]] = []
        self.next_handle = 1
        self.next_id = 1
        self.on_gone = None              # called, then PeerGone raised, when the other side is gone
        self.on_broken = None            # called with the ProtocolError when the other side sent nonsense
        self.extra: dict = {}            # further operations this side serves, by name
        self.mirrors: dict[int, list] = {}    # mirror id -> [weak reference to an array, bytes the other side holds]
        self.mirror_of: dict[int, int] = {}   # id(array) -> mirror id
        self.dead_mirrors: list[int] = []     # mirror ids whose array died here: the other side forgets them
        self.next_mirror = 1
        self.sent = 0                         # messages sent so far
        self._syncing = False
        self._recent: list = []  # copies received since this side last sent: written into and dropped at
        #                          once (``model.w.data[3] = inf``), their change must still go back
        self.rngs: dict[int, list] = {}       # generator id -> [generator, state the other side holds, count]
        self.rng_of: dict[int, int] = {}      # id(generator) -> generator id
        self.gone_rngs: list = []             # generator notes for the other side, as for arrays

    # ------------------------------------------------------------ values

    def encode(self, value, buffers: list, depth: int = 0):
        t = type(value)
        if value is None or t in (bool, int, str):
            return value
        if t is float:
            return value if math.isfinite(value) else {"$": "f", "v": repr(value)}
        if depth > MAX_DEPTH:
            raise TypeError(f"a value nested more than {MAX_DEPTH} deep (a list that contains itself?) cannot be sent")
        d = depth + 1
        if t is list:
            return [self.encode(v, buffers, d) for v in value]
        if t is tuple:
            return {"$": "t", "v": [self.encode(v, buffers, d) for v in value]}
        if t is dict:
            return {"$": "d", "k": [self.encode(k, buffers, d) for k in value],
                    "v": [self.encode(v, buffers, d) for v in value.values()]}
        if t in (set, frozenset):
            return {"$": "s" if t is set else "fs", "v": [self.encode(v, buffers, d) for v in value]}
        if t in (bytes, bytearray):
            buffers.append(bytes(value))
            return {"$": "b" if t is bytes else "ba", "i": len(buffers) - 1}
        if t is complex:
            return {"$": "c", "v": [repr(value.real), repr(value.imag)]}
        if t is slice:
            return {"$": "sl", "v": [self.encode(v, buffers, d) for v in (value.start, value.stop, value.step)]}
        if t is range:
            return {"$": "r", "v": [value.start, value.stop, value.step]}
        if value is Ellipsis:
            return {"$": "..."}
        if isinstance(value, np.memmap) and descr(value.dtype):
            where = mapped(value)
            if where is not None:  # a map of a file: the other side maps the same bytes of the same file
                return {"$": "mm", "f": where[0], "o": where[1], "mode": where[2], "dt": descr(value.dtype),
                        "sh": list(value.shape)}
        if isinstance(value, np.ndarray) and descr(value.dtype):
            data = np.ascontiguousarray(value).tobytes()
            buffers.append(data)
            return {"$": "nd", "dt": descr(value.dtype), "sh": list(value.shape), "i": len(buffers) - 1,
                    "m": self._mirror(value, data), **({"ro": True} if not value.flags.writeable else {})}
        if isinstance(value, np.ndarray) and value.dtype == object:
            return {"$": "nO", "sh": list(value.shape), "v": [self.encode(v, buffers, d) for v in value.ravel().tolist()]}
        if t is np.random.Generator:
            bits = value.bit_generator
            return {"$": "rng", "bg": type(bits).__name__, "st": self.encode(bits.state, buffers, d),
                    "g": self._mirror_rng(value)}
        if isinstance(value, np.generic) and descr(value.dtype):
            buffers.append(value.tobytes())
            return {"$": "ns", "dt": descr(value.dtype), "i": len(buffers) - 1}
        if t is np.dtype or isinstance(value, np.dtype):
            if descr(value):
                return {"$": "dt", "v": descr(value)}
        if isinstance(value, Proxy) and object.__getattribute__(value, "_proxy_conn_") is self:
            return {"$": "y", "h": object.__getattribute__(value, "_proxy_h_")}
        if isinstance(value, BaseException):
            return {"$": "x", "v": exception_record(value)}
        if isinstance(value, PurePath):
            return {"$": "p", "v": str(value), "w": isinstance(value, PureWindowsPath)}
        if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ != "builtins":
            return {"$": "X", "l": lineage(value), "b": next(c for c in value.__mro__ if c.__module__ == "builtins").__name__}
        if self.restricted and isinstance(value, types.ModuleType):
            # A module of the checks would open every public function of it (os.write) to the code.
            raise TypeError(f"the checks do not hand modules to the code under test ({value.__name__})")
        shared = shared_name(value) if callable(value) else None
        if shared:
            return {"$": "g", "m": shared[0], "q": shared[1]}
        return {"$": "o", "h": self._export(value), "m": getattr(t, "__module__", "?"), "q": t.__qualname__}

    # Mirrors. An array is *owned* by the side where it first existed (its id's parity says which);
    # the other side holds a copy. ``entry = [weak reference, bytes the other side holds, count,
    # strong reference while the other side holds a copy]``:
    # for an owned array, how many times it was sent and not yet reported gone; for a copy, how
    # many times it was received. When a copy dies, its side reports ``[id, count]`` ("gone"); when
    # both counts agree the other side holds no copy and stops sending changes. When an owned array
    # dies, its side reports the id ("unmirror") and the copy there lives on, unlinked.

    def _owns(self, mid: int) -> bool:
        return mid % 2 == (0 if self.restricted else 1)

    def _mirror(self, array: np.ndarray, data: bytes) -> int:
        """The mirror id of ``array`` (assigned on its first crossing); ``data`` is what the other side now holds."""
        mid = self.mirror_of.get(id(array))
        entry = self.mirrors.get(mid) if mid is not None else None
        if entry is None or entry[0]() is not array:
            mid = 2 * self.next_mirror + (0 if self.restricted else 1)  # each side names its own arrays apart
            self.next_mirror += 1
            entry = self._adopt(array, mid, data, 0)
        entry[1] = data
        if self._owns(mid) and not self._syncing:
            entry[2] += 1
            entry[3] = array   # kept alive while the other side holds a copy, as that side's reference would
        return mid

    def _adopt(self, array: np.ndarray, mid: int, data: bytes, count: int) -> list:
        old = self.mirrors.get(mid)
        if old is not None and old[0]() is not None:
            self.mirror_of.pop(id(old[0]()), None)
        dead, owned = self.dead_mirrors, self._owns(mid)

        def died(ref, mid=mid):
            entry = self.mirrors.get(mid)
            if entry is not None and entry[0] is ref:
                del self.mirrors[mid]
                dead.append(mid if owned else [mid, entry[2]])

        entry = self.mirrors[mid] = [weakref.ref(array, died), data, count, None]
        self.mirror_of[id(array)] = mid
        return entry

    def _changes(self) -> list:
        """``[mid, array]`` for each mirrored array whose contents changed here since the other side last saw them."""
        out = []
        for mid, entry in list(self.mirrors.items()):
            array = entry[0]()
            if array is None or (self._owns(mid) and entry[2] <= 0):
                continue
            if not unchanged(array, entry[1]):
                out.append([mid, array])
        return out

    def _forget_mirrors(self, notes: list) -> None:
        for note in notes:
            if isinstance(note, list):          # a copy there died: [mid, times it was received]
                entry = self.mirrors.get(note[0])
                if entry is not None and self._owns(note[0]):
                    entry[2] -= int(note[1])
                    if entry[2] <= 0:
                        entry[3] = None
            else:                               # the array there died: our copy lives on, unlinked
                entry = self.mirrors.pop(note, None)
                if entry is not None and entry[0]() is not None:
                    self.mirror_of.pop(id(entry[0]()), None)

    # Generators are mirrored the same way, with their state in place of contents. They cannot be
    # weakly referenced, so both sides hold them; a copy counts as dead when its entry here holds
    # the last reference to it.

    def _mirror_rng(self, rng) -> int:
        gid = self.rng_of.get(id(rng))
        entry = self.rngs.get(gid) if gid is not None else None
        if entry is None or entry[0] is not rng:
            gid = 2 * self.next_mirror + (0 if self.restricted else 1)
            self.next_mirror += 1
            entry = self.rngs[gid] = [rng, None, 0]
            self.rng_of[id(rng)] = gid
        entry[1] = rng.bit_generator.state
        if self._owns(gid) and not self._syncing:
            entry[2] += 1
        return gid

    def _rng_changes(self) -> list:
        out = []
        for gid, entry in list(self.rngs.items()):
            rng, held, count = entry
            if not self._owns(gid) and sys.getrefcount(rng) <= 3:  # this entry, `rng` and the call's argument
                del self.rngs[gid]
                self.rng_of.pop(id(rng), None)
                self.gone_rngs.append([gid, count])
                continue
            if self._owns(gid) and count <= 0:
                del self.rngs[gid]
                self.rng_of.pop(id(rng), None)
                continue
            state = rng.bit_generator.state
            if state != held:
                entry[1] = state
                out.append([gid, state])
        return out

    def _forget_rngs(self, notes: list) -> None:
        for gid, count in notes:
            entry = self.rngs.get(gid)
            if entry is not None and self._owns(gid):
                entry[2] -= int(count)

    def _apply_rngs(self, changes: list) -> None:
        for gid, state in changes:
            entry = self.rngs.get(gid)
            if entry is not None:
                entry[0].bit_generator.state = state
                entry[1] = entry[0].bit_generator.state

    def _export(self, value) -> int:
        h = self.handle_of.get(id(value))
        if h is None or self.exports.get(h, [None])[0] is not value:
            h = self.next_handle
            self.next_handle += 1
            self.exports[h] = [value, 0]
            self.handle_of[id(value)] = h
        self.exports[h][1] += 1
        return h

    def decode(self, tree, buffers: list):
        if tree is None or isinstance(tree, (bool, int, float, str)):
            return tree
        if isinstance(tree, list):
            return [self.decode(v, buffers) for v in tree]
        if not isinstance(tree, dict):
            raise ProtocolError(f"unexpected {type(tree).__name__} in a message")
        tag = tree.get("$")
        v = tree.get("v")
        if tag == "t":
            return tuple(self.decode(x, buffers) for x in v)
        if tag == "d":
            return dict(zip((self.decode(k, buffers) for k in tree["k"]), (self.decode(x, buffers) for x in v)))
        if tag in ("s", "fs"):
            return (set if tag == "s" else frozenset)(self.decode(x, buffers) for x in v)
        if tag in ("b", "ba"):
            data = buffers[tree["i"]]
            return bytes(data) if tag == "b" else bytearray(data)
        if tag == "f":
            return float(v)
        if tag == "c":
            return complex(float(v[0]), float(v[1]))
        if tag == "sl":
            return slice(*(self.decode(x, buffers) for x in v))
        if tag == "r":
            return range(*v)
        if tag == "...":
            return Ellipsis
        if tag == "nd":
            dtype = np.dtype(tree["dt"])
            shape = tuple(int(n) for n in tree["sh"])
            data = buffers[tree["i"]]
            if dtype.itemsize * math.prod(shape) != len(data):
                raise ProtocolError(f"an array of shape {shape} and dtype {dtype} cannot hold {len(data)} bytes")
            mid = tree.get("m")
            known = self.mirrors.get(mid) if isinstance(mid, int) else None
            array = known[0]() if known is not None else None
            if array is not None and array.shape == shape and array.dtype == dtype:
                if bytes(data) != known[1]:   # the same array as before: it takes the other side's contents
                    assign(array, np.frombuffer(data, dtype=dtype).reshape(shape))
                    known[1] = bytes(data)
                if not self._owns(mid) and not self._syncing:
                    known[2] += 1
                return array
            if self._syncing:                 # a change to an array this side no longer holds
                return None
            array = np.frombuffer(data, dtype=dtype).reshape(shape).copy()  # owns its memory, as the original did
            if tree.get("ro"):  # read-only there, read-only here: writing into it fails alike
                array.flags.writeable = False
            if isinstance(mid, int) and not self._owns(mid):
                self._adopt(array, mid, bytes(data), 1)
                self._recent.append(array)
            return array
        if tag == "mm":
            mode = {"r": "r", "c": "c"}.get(tree.get("mode"), "r+")
            return np.memmap(str(tree["f"]), dtype=np.dtype(tree["dt"]), mode=mode, offset=int(tree["o"]),
                             shape=tuple(int(n) for n in tree["sh"]))
        if tag == "nO":
            shape = tuple(int(n) for n in tree["sh"])
            items = [self.decode(x, buffers) for x in v]
            if math.prod(shape) != len(items):
                raise ProtocolError(f"an object array of shape {shape} cannot hold {len(items)} items")
            array = np.empty(len(items), dtype=object)
            array[:] = items
            return array.reshape(shape)
        if tag == "rng":
            bits = getattr(np.random, str(tree["bg"]), None)
            if not (isinstance(bits, type) and issubclass(bits, np.random.BitGenerator)):
                raise ProtocolError(f"unknown bit generator {tree['bg']!r}")
            state, gid = self.decode(tree["st"], buffers), tree.get("g")
            entry = self.rngs.get(gid) if isinstance(gid, int) else None
            if entry is not None and type(entry[0].bit_generator) is bits:
                if entry[0].bit_generator.state != state:
                    entry[0].bit_generator.state = state
                entry[1] = entry[0].bit_generator.state
                if not self._owns(gid):
                    entry[2] += 1
                return entry[0]
            bits = bits()
            bits.state = state
            rng = np.random.Generator(bits)
            if isinstance(gid, int) and not self._owns(gid):
                self.rngs[gid] = [rng, bits.state, 1]
                self.rng_of[id(rng)] = gid
            return rng
        if tag == "ns":
            return np.frombuffer(buffers[tree["i"]], dtype=np.dtype(tree["dt"]))[0].copy()
        if tag == "dt":
            return np.dtype(v)
        if tag == "g":
            return resolve(str(tree["m"]), str(tree["q"]))
        if tag == "x":
            return exception_from(v)
        if tag == "X":
            return exception_type(tree.get("l") or [], tree.get("b", ""))
        if tag == "p":
            return (PureWindowsPath if tree.get("w") else Path)(str(v))
        if tag == "y":
            entry = self.exports.get(tree["h"])
            if entry is None:
                raise ProtocolError(f"the other side named object {tree['h']}, which this side never lent it")
            return entry[0]
        if tag == "o":
            return self._proxy(int(tree["h"]), str(tree.get("m")), str(tree.get("q")))
        raise ProtocolError(f"unknown tag {tag!r} in a message")

    def _proxy(self, h: int, module: str, qualname: str) -> Proxy:
        p = self.proxies.get(h)
        if p is None:
            p = object.__new__(proxy_type(module, qualname))
            object.__setattr__(p, "_proxy_conn_", self)
            object.__setattr__(p, "_proxy_h_", h)
            object.__setattr__(p, "_proxy_n_", 0)
            object.__setattr__(p, "_proxy_seen_", [-1, {}])
            self.proxies[h] = p
        object.__setattr__(p, "_proxy_n_", object.__getattribute__(p, "_proxy_n_") + 1)
        return p

    # ------------------------------------------------------------ messages

    def send(self, message: dict) -> None:
        self.sent += 1  # attributes read through proxies before now may have changed (grader/proxy.py)
        buffers: list = []
        changes = self._changes()   # arrays that changed here since they crossed: the other side's copies follow
        self._recent = []
        drawn = self._rng_changes()  # generators drawn from here: the other side's copies follow
        if drawn:
            message["rsync"] = drawn
        if self.gone_rngs:
            message["rgone"], self.gone_rngs[:] = list(self.gone_rngs), []
        if self.dead_mirrors:
            message["unmirror"], self.dead_mirrors[:] = list(self.dead_mirrors), []
        if changes:
            self._syncing = True   # a change is not a new copy: it does not count as a sending
            try:
                message["sync"] = self.encode(changes, buffers)
            finally:
                self._syncing = False
        message = {k: (self.encode(v, buffers) if k in ("args", "value", "rsync") else v)
                   for k, v in message.items()}
        head = json.dumps(message, allow_nan=False).encode()
        parts = [struct.pack("<QQ", len(head), len(buffers)), head]
        for b in buffers:
            parts += [struct.pack("<Q", len(b)), b]
        try:
            for part in parts:
                self.sock.sendall(part)
        except OSError as exc:
            self._gone(exc)

    def _read(self, n: int) -> bytearray:
        buf = bytearray(n)
        view, got = memoryview(buf), 0
        while got < n:
            try:
                k = self.sock.recv_into(view[got:])
            except OSError as exc:
                self._gone(exc)
            if k == 0:
                self._gone(None)
            got += k
        return buf

    def _gone(self, exc):
        if self.on_gone is not None:
            self.on_gone()
        raise PeerGone(f"the other process closed the connection{f' ({exc})' if exc else ''}")

    def receive(self) -> tuple[dict, list]:
        n_head, n_buffers = struct.unpack("<QQ", self._read(16))
        if n_head > MAX_FRAME or n_buffers > 1_000_000:
            raise ProtocolError(f"a message of {n_head:,} header bytes and {n_buffers:,} buffers is refused")
        try:
            message = json.loads(bytes(self._read(n_head)))
        except (ValueError, RecursionError) as exc:
            raise ProtocolError(f"a message that is not JSON: {exc}") from None
        buffers, total = [], n_head
        for _ in range(n_buffers):
            (size,) = struct.unpack("<Q", self._read(8))
            total += size
            if total > MAX_FRAME:
                raise ProtocolError(f"a message over {MAX_FRAME:,} bytes is refused")
            buffers.append(self._read(size))
        if not isinstance(message, dict):
            raise ProtocolError("a message that is not a JSON object")
        self._forget_mirrors(message.get("unmirror") or [])
        self._forget_rngs(message.get("rgone") or [])
        if message.get("rsync"):
            self._apply_rngs(self.decode(message["rsync"], buffers))
        if message.get("sync"):
            self._syncing = True
            try:
                self.decode(message["sync"], buffers)  # each array decodes into the mirror it names
            finally:
                self._syncing = False
        for h, n in message.get("release") or ():
            entry = self.exports.get(h)
            if entry is not None:
                entry[1] -= n
                if entry[1] <= 0:
                    del self.exports[h]
                    self.handle_of.pop(id(entry[0]), None)
        return message, buffers

    def request(self, op: str, *args):
        """Ask the other side to perform ``op`` on ``args``; serve its requests until it answers."""
        rid = self.next_id
        self.next_id += 1
        released, self.released = self.released, []
        message = {"kind": "request", "id": rid, "op": op, "args": list(args), "release": released}
        errors = np.geterr()
        if errors != _DEFAULT_ERRORS:   # np.errstate around a call holds on the other side too
            message["errstate"] = errors
        if self.forward_env:            # so does a switch such as SCRATCHGPT_FAKE_GPU
            message["env"] = {k: os.environ.get(k) for k in self.forward_env}
        self.send(message)
        while True:
            try:
                message, buffers = self.receive()
            except PeerGone:
                raise
            except ProtocolError as exc:
                if self.on_broken is not None:
                    self.on_broken(exc)
                raise
            if message.get("kind") == "request":
                self.serve(message, buffers)
                continue
            if message.get("kind") != "reply" or message.get("id") != rid:
                raise ProtocolError(f"expected the answer to request {rid}, got {str(message)[:200]}")
            if "error" in message:
                raise exception_from(message["error"])
            return self.decode(message.get("value"), buffers)

    def serve(self, message: dict, buffers: list) -> None:
        """Perform one request of the other side and answer it (with the value, or the exception)."""
        rid = message.get("id")
        try:
            args = self.decode(message.get("args"), buffers)
            self._set_env(message.get("env"))
            errors = message.get("errstate")
            if isinstance(errors, dict):
                with np.errstate(**{k: v for k, v in errors.items() if k in _DEFAULT_ERRORS}):
                    value = self.perform(str(message.get("op")), args)
            else:
                value = self.perform(str(message.get("op")), args)
            reply = {"kind": "reply", "id": rid, "value": value}
        except BaseException as exc:  # noqa: BLE001 - whatever the code raised goes back as data
            reply = {"kind": "reply", "id": rid, "error": exception_record(exc)}
        try:
            self.send(reply)
        except (TypeError, ValueError, RecursionError) as exc:
            self.send({"kind": "reply", "id": rid, "error": exception_record(exc)})

    def _set_env(self, env) -> None:
        """Take the other side's values of the variables this side accepts (None: unset)."""
        if not isinstance(env, dict):
            return
        for k, v in env.items():
            if k not in self.accept_env or not (v is None or isinstance(v, str)):
                continue
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    def perform(self, op: str, args: list):
        if op in self.extra:
            return self.extra[op](*args)
        if op == "load":
            if self.loader is None:
                raise PermissionError("this side loads no code for the other")
            return self.loader(*args)
        if op == "call":
            fn, a, kw = args
            return fn(*a, **kw)
        if op == "getattr":
            obj, name = args
            self._check_name(name)
            return getattr(obj, name)
        if op in ("setattr", "delattr"):
            if self.restricted:
                raise PermissionError(f"learner code may not {op} on an object of the grader")
            return setattr(*args) if op == "setattr" else delattr(*args)
        if op in OPS:
            if self.restricted and op not in SAFE_OPS:
                raise PermissionError(f"learner code may not use {op} on an object of the grader")
            return OPS[op](*args)
        if op == "ping":
            return args[0] if args else None
        raise PermissionError(f"unknown request {op!r}")

    def _check_name(self, name) -> None:
        if not isinstance(name, str):
            raise TypeError(f"attribute names are strings, not {type(name).__name__}")
        if self.restricted and name.startswith("_"):
            raise PermissionError(f"learner code may not reach {name!r} of an object of the grader")



SMALL = 1 << 18  # bytes


def unchanged(array: np.ndarray, held: bytes, chunk: int = 1 << 16) -> bool:
    """Whether ``array`` still holds the bytes ``held``. Every message compares every live mirror: a
    small array is copied and compared whole (the fastest way below a few hundred KiB); a large one
    is compared in place, eight bytes and a chunk at a time, as a copy of it would cost page faults."""
    if array.nbytes <= SMALL or not array.flags.c_contiguous:
        return np.ascontiguousarray(array).tobytes() == held
    x, y = array.reshape(-1).view(np.uint8), np.frombuffer(held, np.uint8)
    if x.size != y.size:
        return False
    n = x.size - x.size % 8
    x8, y8 = x[:n].view(np.uint64), y[:n].view(np.uint64)
    for i in range(0, x8.size, chunk):
        if not np.array_equal(x8[i:i + chunk], y8[i:i + chunk]):
            return False
    return bool(np.array_equal(x[n:], y[n:]))


def socket_pair() -> tuple[socket.socket, socket.socket]:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    return a, b


def inherit(sock: socket.socket) -> int:
    """Make ``sock``'s descriptor survive ``exec`` (for a child process); returns it."""
    os.set_inheritable(sock.fileno(), True)
    return sock.fileno()


def stderr(text: str) -> None:
    try:
        sys.__stderr__.write(text + "\n")
        sys.__stderr__.flush()
    except Exception:  # noqa: BLE001
        pass

