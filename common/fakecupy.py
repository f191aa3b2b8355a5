"""A CPU stand-in for CuPy that fails where CuPy fails, so that GPU porting bugs show on a laptop.

Code written for ``xp = array_module(x)`` runs on NumPy and on CuPy alike, until it calls NumPy
directly on device data. On a GPU that mistake raises (or quietly copies the data to the host
and back); on a machine without one it never shows. This module is an array library with
CuPy's rules and NumPy's arithmetic::

    from common import fakecupy as xp
    x = xp.asarray(np.arange(6.0))      # "to the device": an xp.ndarray
    y = xp.exp(x) * 2                   # fine: xp functions, operators, methods
    np.asarray(x)                       # TypeError, as CuPy: use x.get() or xp.asnumpy(x)
    x + np.ones(6)                      # TypeError, as CuPy: mixing device and host arrays
    float(x.sum())                      # fine, but counted: a host synchronisation

What it enforces, as CuPy does:

- no implicit conversion to NumPy (``np.asarray``, ``np.array``, NumPy functions that are not
  ufuncs on its arrays): ``TypeError``;
- no NumPy array as an operand of an arithmetic operator, a ufunc or a module function (only
  ``asarray``/``array`` take host data, and indexing takes host index arrays, as CuPy does);
- reductions return 0-d arrays, not Python numbers: a number needs ``float()``, ``int()``,
  ``bool()``, ``.item()``, ``.tolist()`` or ``.get()``, each one a host synchronisation,
  counted in :data:`stats` (``stats.syncs``, reset with ``stats.reset()``);
- its own ``random`` (``xp.random.default_rng(seed)``), whose draws are device arrays.

Everything else is NumPy's, computed on the CPU, with NumPy's results bit for bit.
"""

from __future__ import annotations

import numbers
import sys
from types import SimpleNamespace

import numpy as np

IMPLICIT = ("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct a NumPy "
            "array explicitly.")


class _Stats:
    """How many times device data went to the host (each one a synchronisation on a GPU)."""

    def __init__(self):
        self.syncs = 0
        self.where: list[str] = []

    def reset(self) -> None:
        self.syncs = 0
        self.where = []

    def count(self, what: str) -> None:
        self.syncs += 1
        if len(self.where) < 1000:
            frame = sys._getframe(2)
            self.where.append(f"{what} at {frame.f_code.co_filename}:{frame.f_lineno}")


stats = _Stats()


def _unwrap(x, what: str):
    """The NumPy data of ``x`` for a computation; TypeError for a host array (NumPy's)."""
    if isinstance(x, ndarray):
        return x._a
    if isinstance(x, np.ndarray):
        raise TypeError(f"Unsupported type {type(x)}: {what} mixes a device array with a NumPy (host) array; "
                        f"move it with xp.asarray(...) first")
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v, what) for v in x)
    if isinstance(x, dict):
        return {k: _unwrap(v, what) for k, v in x.items()}
    return x


def _wrap(x):
    """Device arrays for NumPy results: arrays and NumPy scalars become ``ndarray``."""
    if isinstance(x, np.ndarray):
        return ndarray(x)
    if isinstance(x, np.generic):
        return ndarray(np.asarray(x))
    if isinstance(x, tuple):
        return tuple(_wrap(v) for v in x)
    if isinstance(x, list):
        return [_wrap(v) for v in x]
    return x


def _index(key):
    """An index for NumPy: device arrays unwrapped; host index arrays allowed (CuPy copies them over)."""
    if isinstance(key, ndarray):
        return key._a
    if isinstance(key, tuple):
        return tuple(_index(k) for k in key)
    return key


class ndarray:  # noqa: N801 - CuPy's name
    """A device array: NumPy data behind CuPy's rules (see the module docstring)."""

    __slots__ = ("_a",)
    __array_priority__ = 100.0

    def __init__(self, data):
        if not isinstance(data, np.ndarray):
            raise TypeError("fakecupy.ndarray wraps a NumPy array; make one with xp.asarray(...)")
        self._a = data

    # --- what CuPy refuses
    def __array__(self, dtype=None, copy=None):
        raise TypeError(IMPLICIT)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        args = _unwrap(inputs, name)
        if "out" in kwargs:
            kwargs["out"] = tuple(_unwrap(o, name) for o in kwargs["out"])
        return _wrap(getattr(ufunc, method)(*args, **_unwrap(kwargs, name)))

    def __array_function__(self, func, types, args, kwargs):
        # CuPy runs its own version of a NumPy function called on its arrays (NEP 18): so does this.
        name = f"{func.__module__}.{func.__name__}"
        if func.__name__ in _HOST_ONLY:
            raise TypeError(f"{name} reads or writes host memory and cannot take a device array: .get() it first")
        return _wrap(func(*_unwrap(args, name), **_unwrap(kwargs, name)))

    # --- host synchronisations, counted
    def get(self) -> np.ndarray:
        stats.count("ndarray.get()")
        return self._a.copy()

    def item(self):
        stats.count("ndarray.item()")
        return self._a.item()

    def tolist(self):
        stats.count("ndarray.tolist()")
        return self._a.tolist()

    def __float__(self):
        stats.count("float(ndarray)")
        return float(self._a)

    def __int__(self):
        stats.count("int(ndarray)")
        return int(self._a)

    def __bool__(self):
        stats.count("bool(ndarray)")
        return bool(self._a)

    def __index__(self):
        stats.count("operator.index(ndarray)")
        return self._a.__index__()

    def __repr__(self):
        return "fakecupy." + repr(self._a)

    def __str__(self):
        return str(self._a)

    def __format__(self, spec):
        stats.count("format(ndarray)")
        return format(self._a.item() if self._a.ndim == 0 else self._a, spec)

    # --- plain attributes
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    nbytes = property(lambda self: self._a.nbytes)
    itemsize = property(lambda self: self._a.itemsize)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: self._a.flags)
    T = property(lambda self: ndarray(self._a.T))
    base = property(lambda self: None if self._a.base is None else ndarray(self._a.base))

    @property
    def real(self):
        return ndarray(self._a.real)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (_wrap(v) for v in self._a)

    def __getitem__(self, key):
        return _wrap(self._a[_index(key)])

    def __setitem__(self, key, value):
        if isinstance(value, np.ndarray):  # CuPy copies host data in for an assignment
            value = np.asarray(value)
        self._a[_index(key)] = value._a if isinstance(value, ndarray) else value

    def __getattr__(self, name):
        # Methods (sum, reshape, astype, ...) run NumPy's on the data; their results stay on the device.
        # Protocols (__array_interface__, __array_struct__, __dlpack__, the buffer) are not forwarded:
        # NumPy would read the data through them without asking.
        if name.startswith("__") or name in ("ctypes", "data", "tofile", "dump", "dumps", "tobytes"):
            raise AttributeError(f"fakecupy.ndarray has no attribute {name!r}")
        attr = getattr(self._a, name)
        if not callable(attr):
            return _wrap(attr)

        def method(*args, **kwargs):
            return _wrap(attr(*_unwrap(args, f"ndarray.{name}"), **_unwrap(kwargs, f"ndarray.{name}")))

        return method

    def __copy__(self):
        return ndarray(self._a.copy())

    def __deepcopy__(self, memo):
        return ndarray(self._a.copy())

    def __reduce__(self):
        raise TypeError("a device array cannot be pickled as is: .get() it first")


def _binary(name: str, reflected: bool = False):
    op = getattr(np.ndarray, name)

    in_place = name.startswith("__i")

    def method(self, other):
        if isinstance(other, np.ndarray):
            raise TypeError(f"Unsupported type {type(other)}: device array {name.strip('_')} NumPy (host) array; "
                            f"move it with xp.asarray(...) first")
        if not isinstance(other, (ndarray, numbers.Number, np.generic)):
            return NotImplemented
        out = op(self._a, _unwrap(other, name))
        return self if in_place else _wrap(out)

    method.__name__ = name
    return method


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
              "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__rpow__", "__matmul__",
              "__rmatmul__", "__and__", "__rand__", "__or__", "__ror__", "__xor__", "__rxor__", "__lshift__",
              "__rshift__", "__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__",
              "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ipow__", "__imatmul__", "__iand__", "__ior__"):
    setattr(ndarray, _name, _binary(_name))
ndarray.__hash__ = None  # type: ignore[assignment]
for _name in ("__neg__", "__pos__", "__abs__", "__invert__"):
    setattr(ndarray, _name, (lambda op: lambda self: _wrap(op(self._a)))(getattr(np.ndarray, _name)))


# ---------------------------------------------------------------- the module's functions

_HOST_ONLY = {"save", "savez", "load", "fromfile", "tofile", "memmap"}


def asarray(a, dtype=None) -> ndarray:
    """Host data (or a device array) as a device array: the one way onto the device."""
    if isinstance(a, ndarray):
        return a if dtype is None or a.dtype == dtype else ndarray(a._a.astype(dtype))
    return ndarray(np.array(a, dtype=dtype))


def array(a, dtype=None, copy=True) -> ndarray:
    """A device array holding a copy of ``a``."""
    if isinstance(a, ndarray):
        return ndarray(a._a.astype(dtype) if dtype is not None else a._a.copy())
    return ndarray(np.array(a, dtype=dtype))


def asnumpy(a) -> np.ndarray:
    """A NumPy copy of a device array (a synchronisation), or ``np.asarray(a)`` of host data."""
    if isinstance(a, ndarray):
        stats.count("asnumpy()")
        return a._a.copy()
    return np.asarray(a)


def get_array_module(*arrays):
    """This module if any argument is a device array, else NumPy (CuPy's function of the same name)."""
    return sys.modules[__name__] if any(isinstance(a, ndarray) for a in arrays) else np


def _function(name: str):
    fn = getattr(np, name)

    def call(*args, **kwargs):
        return _wrap(fn(*_unwrap(args, f"xp.{name}"), **_unwrap(kwargs, f"xp.{name}")))

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"NumPy's ``{name}`` on device arrays (host arrays refused, as CuPy does)."
    return call


_ADD_AT_DTYPES = {np.dtype(t) for t in (np.int32, np.float16, np.float32, np.float64, np.uint32, np.uint64)}


class _Ufunc:
    """A NumPy ufunc with CuPy's rules: ``xp.add(a, b)``, ``xp.add.at(a, index, b)``, ``xp.add.reduce(a)``."""

    def __init__(self, ufunc: np.ufunc):
        self._u = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args, **kwargs):
        name = f"xp.{self.__name__}"
        return _wrap(self._u(*_unwrap(args, name), **_unwrap(kwargs, name)))

    def at(self, a, indices, b=None):
        if not isinstance(a, ndarray):
            raise TypeError(f"xp.{self.__name__}.at works in place on a device array, got {type(a).__name__}")
        if self.__name__ == "add" and a.dtype not in _ADD_AT_DTYPES:  # CuPy's scatter-add has atomicAdd's types only
            raise TypeError("cupy.add.at only supports int32, float16, float32, float64, uint32, uint64, as data type")
        args = (_index(indices),) if b is None else (_index(indices), _unwrap(b, f"xp.{self.__name__}.at"))
        self._u.at(a._a, *args)

    def __getattr__(self, method):
        fn = getattr(self._u, method)
        if not callable(fn):
            return fn

        def call(*args, **kwargs):
            name = f"xp.{self.__name__}.{method}"
            return _wrap(fn(*_unwrap(args, name), **_unwrap(kwargs, name)))

        return call


def __getattr__(name: str):
    """Any other NumPy function or constant, with CuPy's rules: ``xp.exp``, ``xp.float32``, ``xp.pi``..."""
    if name.startswith("__") or name in _HOST_ONLY or not hasattr(np, name):
        raise AttributeError(f"module 'fakecupy' has no attribute {name!r}")
    value = getattr(np, name)
    if isinstance(value, type) or not callable(value):
        return value                       # dtypes (xp.float32), constants (xp.pi, xp.inf), np.newaxis
    if isinstance(value, np.ufunc):
        return _Ufunc(value)
    return _function(name)


class RawKernel:
    """``cupy.RawKernel(code, name)``: the CUDA kernel run by :mod:`common.cudasim`, its threads
    taking turns on the CPU. Arrays must be this module's (a NumPy array is a host array: TypeError,
    as CuPy), contiguous and of the parameter's dtype; scalars of the parameter's type."""

    def __init__(self, code: str, name: str, options=(), **kwargs):
        from common import cudasim

        self._kernel = cudasim.RawKernel(code, name, options, **kwargs)
        self.code, self.name = code, name

    def __call__(self, grid, block, args, *, shared_mem: int = 0):
        def unwrap(a):
            if isinstance(a, np.ndarray):
                raise TypeError(f"Unsupported type {type(a)}: a kernel argument must be a device array; move it "
                                f"with xp.asarray(...) first")
            return a._a if isinstance(a, ndarray) else a

        self._kernel(grid, block, args, shared_mem=shared_mem, unwrap=unwrap)


class _Generator:
    """``xp.random.default_rng(seed)``: NumPy's PCG64 stream, device arrays out."""

    def __init__(self, seed=None):
        self._g = np.random.default_rng(seed)

    def __getattr__(self, name):
        attr = getattr(self._g, name)
        if not callable(attr):
            return attr

        def draw(*args, **kwargs):
            return _wrap(attr(*_unwrap(args, f"Generator.{name}"), **_unwrap(kwargs, f"Generator.{name}")))

        return draw


random = SimpleNamespace(default_rng=_Generator, Generator=_Generator)


class _MemoryPool:
    """Enough of ``cupy.get_default_memory_pool()`` for code that reports memory: nothing is pooled."""

    def used_bytes(self) -> int:
        return 0

    def total_bytes(self) -> int:
        return 0

    def free_all_blocks(self) -> None:
        pass


_pool = _MemoryPool()


def get_default_memory_pool() -> _MemoryPool:
    return _pool
