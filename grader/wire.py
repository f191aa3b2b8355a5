"""Plain data between the two processes of isolated grading: what may cross, and how exceptions do.

Used by :mod:`grader.remote`. Classes and functions of the modules both processes import alike
(NumPy, ``math``, the built-ins) cross by name (:func:`shared_name`, :func:`resolve`); an exception
crosses as a record (:func:`exception_record`) and comes back as a class of the same names and the
same chain of classes down to the same built-in (:func:`exception_type`, :func:`exception_from`).
"""

from __future__ import annotations

import builtins
import importlib
import math
import mmap
import traceback

import numpy as np

MAX_FRAME = 1 << 30       # bytes in one message: a larger one is refused as a protocol error
MAX_DEPTH = 64            # nesting of containers in one value
SHARED_MODULES = ("builtins", "math", "operator", "numpy", "numpy.random", "numpy.linalg", "numpy.fft")




class ProtocolError(RuntimeError):
    """The other side sent something that is not a message of this protocol, or went away."""


class PeerGone(ProtocolError):
    """The other process closed the socket (it ended, or was killed)."""



def shared_name(value) -> tuple[str, str] | None:
    """``(module, qualname)`` when ``value`` is a class or function of a module both sides import alike."""
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
    if not isinstance(module, str) or not isinstance(qualname, str):
        return None
    if module not in SHARED_MODULES and not (module.startswith("numpy.") and module.count(".") <= 2):
        return None
    try:
        found = resolve(module, qualname)
    except (ProtocolError, ImportError):
        return None
    return (module, qualname) if found is value else None


_resolved: dict[tuple[str, str], object] = {}


def resolve(module: str, qualname: str):
    """The object named ``module.qualname``, as it was the first time it was looked up here: a check
    that patches ``np.random.default_rng`` where the code runs, then puts it back, names it by this."""
    key = (module, qualname)
    if key in _resolved:
        return _resolved[key]
    if module not in SHARED_MODULES and not module.startswith("numpy."):
        raise ProtocolError(f"{module} is not a module both sides share")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        if part.startswith("_") and part not in ("_NoValue",):
            raise ProtocolError(f"refusing private name {qualname!r} of {module}")
        obj = getattr(obj, part)
    from grader.proxy import Proxy  # here: proxy.py imports this module

    if not isinstance(obj, Proxy):  # never remember a patch made by the other side
        _resolved[key] = obj
    return obj


def exception_record(exc: BaseException) -> dict:
    """An exception as plain data: its type's names, its builtin base, its args, message and frames."""
    base = next(c for c in type(exc).__mro__ if c.__module__ == "builtins")
    chain = lineage(type(exc))
    frames = [(f.filename, f.lineno, f.name, f.line or "") for f in traceback.extract_tb(exc.__traceback__)]
    try:
        args = _encode_plain(exc.args)
    except TypeError:
        args = None
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a learner's __str__ may itself fail
        text = f"<{type(exc).__name__} whose str() failed>"
    return {"module": type(exc).__module__, "name": type(exc).__qualname__, "base": base.__name__,
            "lineage": chain, "args": args, "text": text[:100_000], "frames": frames[-40:]}


def _encode_plain(value, depth: int = 0):
    """``value`` as JSON when it is plain data all the way down (no buffers, no handles); else TypeError."""
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return value if math.isfinite(value) else {"$": "f", "v": repr(value)}
    if depth > MAX_DEPTH:
        raise TypeError("nested too deeply")
    if type(value) in (list, tuple):
        items = [_encode_plain(v, depth + 1) for v in value]
        return items if type(value) is list else {"$": "t", "v": items}
    raise TypeError(f"{type(value).__name__} is not plain")


_exc_types: dict[tuple, type] = {}


def lineage(cls: type) -> list[list[str]]:
    """The classes of ``cls``'s MRO that are not built in, most derived first, as ``[module, qualname]``."""
    return [[str(c.__module__), c.__qualname__] for c in cls.__mro__
            if c.__module__ != "builtins" and issubclass(c, BaseException)][:16]


def _text(self):
    return getattr(self, "_remote_text", None) or (str(self.args[0]) if len(self.args) == 1 else str(self.args))


def exception_type(lineage: list, base_name: str) -> type:
    """A local stand-in for an exception class of the other process: same names, same chain of classes
    down to the same built-in base (so ``except`` and ``pytest.raises`` work as there)."""
    base = getattr(builtins, str(base_name), None)
    if not (isinstance(base, type) and issubclass(base, BaseException)):
        base = Exception
    cls = base
    chain = [(str(m), str(q)) for m, q in lineage if isinstance(m, str) and isinstance(q, str)][:16]
    for i in range(len(chain) - 1, -1, -1):
        key = tuple(chain[i:]) + (base.__name__,)
        made = _exc_types.get(key)
        if made is None:
            module, qualname = chain[i]
            made = _exc_types[key] = type(qualname.rsplit(".", 1)[-1], (cls,),
                                          {"__module__": module, "__qualname__": qualname, "__str__": _text})
        cls = made
    return cls


def exception_from(record: dict) -> BaseException:
    args = _decode_plain(record["args"]) if record.get("args") is not None else (record.get("text", ""),)
    args = tuple(args) if isinstance(args, (list, tuple)) else (args,)
    cls = exception_type(record.get("lineage") or [], record.get("base", ""))
    exc = None
    try:
        exc = cls(*args)
    except Exception:  # noqa: BLE001 - args that do not rebuild this type
        exc = cls.__new__(cls)
        exc.args = args
    if str(exc) != record.get("text"):
        if cls.__module__ == "builtins":  # a built-in whose str the args do not give back: keep the text
            cls = exception_type([["builtins", cls.__qualname__]], cls.__name__)
            exc = cls.__new__(cls)
            exc.args = args
        exc._remote_text = str(record.get("text", ""))
    exc.__remote_frames__ = [tuple(f) for f in record.get("frames", []) if isinstance(f, (list, tuple)) and len(f) == 4]
    return exc


def _decode_plain(tree):
    if isinstance(tree, list):
        return [_decode_plain(v) for v in tree]
    if isinstance(tree, dict):
        if tree.get("$") == "t":
            return tuple(_decode_plain(v) for v in tree["v"])
        if tree.get("$") == "f":
            return float(tree["v"])
        raise ProtocolError(f"unexpected plain value {tree!r:.80}")
    return tree


def descr(dtype: np.dtype) -> str | None:
    return None if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None else dtype.str


def mapped(array: np.memmap) -> tuple[str, int, str] | None:
    """``(file, byte offset in it, mode)`` of a C-contiguous, non-empty memory map; None otherwise."""
    mm, name = getattr(array, "_mmap", None), getattr(array, "filename", None)
    if mm is None or not name or not array.size or not array.flags.c_contiguous:
        return None
    try:
        start = np.frombuffer(mm, dtype=np.uint8).ctypes.data
    except (TypeError, ValueError):
        return None
    first = array.offset - array.offset % mmap.ALLOCATIONGRANULARITY  # where the map begins in the file
    return str(name), first + array.ctypes.data - start, str(array.mode)


def assign(array: np.ndarray, contents: np.ndarray) -> None:
    """Write the other side's contents into a mirrored array, read-only or not (it is the same array there)."""
    if array.flags.writeable:
        array[...] = contents
        return
    try:
        array.flags.writeable = True
    except ValueError:  # a view of memory that cannot be written (a read-only map): leave it
        return
    array[...] = contents
    array.flags.writeable = False

