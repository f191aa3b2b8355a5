"""Proxies: objects of the other process of isolated grading, used as if they were here.

Every use of a :class:`Proxy` (an attribute, a call, ``+``, ``len``, ``with``) is a request through
its connection (:class:`grader.remote.Connection`). A proxy equals another proxy when the remote
objects say so, and plain data never.
"""

from __future__ import annotations

import types

import numpy as np

from grader.wire import ProtocolError

_proxy_types: dict[tuple[str, str], type] = {}
FUNCTION_TYPES = {("builtins", "function"), ("builtins", "builtin_function_or_method"), ("builtins", "method"),
                  ("functools", "partial")}


def proxy_type(module: str, qualname: str) -> type:
    """A subclass of :class:`Proxy` named like the remote object's class, so messages read naturally."""
    key = (module, qualname)
    cls = _proxy_types.get(key)
    if cls is None:
        body = {"__slots__": (), "__module__": module, "__qualname__": qualname}
        if (module, qualname) in FUNCTION_TYPES:  # set on a class, it binds as a method would
            body["__get__"] = lambda self, instance, owner=None: self if instance is None else types.MethodType(self, instance)
        cls = _proxy_types[key] = type(qualname.rsplit(".", 1)[-1], (Proxy,), body)
    return cls


def _binary(op):
    def forward(self, other):
        return object.__getattribute__(self, "_proxy_conn_").request(op, self, other)
    forward.__name__ = f"__{op.rstrip('_')}__"
    return forward


def _reflected(op):
    def forward(self, other):
        return object.__getattribute__(self, "_proxy_conn_").request(op, other, self)
    forward.__name__ = f"__r{op.rstrip('_')}__"
    return forward


def _unary(op):
    def forward(self):
        return object.__getattribute__(self, "_proxy_conn_").request(op, self)
    forward.__name__ = f"__{op}__"
    return forward


class Proxy:
    """An object that lives in the other process; every use of it is a request there.

    A proxy equals another proxy when the remote objects say so, and plain data never: a check
    comparing a learner's result with an expected list, array or number gets ``False`` from a
    result that is not itself plain data, whatever its ``__eq__`` says."""

    __slots__ = ("_proxy_conn_", "_proxy_h_", "_proxy_n_", "_proxy_seen_", "__weakref__")
    __array_ufunc__ = None  # ``array + proxy`` asks the proxy (``__radd__``) instead of NumPy

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__") and name not in ("__name__", "__doc__", "__qualname__",
                                                                           "__dict__", "__wrapped__"):
            raise AttributeError(name)
        # Read once between two requests: until this side sends again, the other side runs no code, so
        # nothing read since can have changed (``cfg.n_embd`` read a thousand times costs one request).
        conn = object.__getattribute__(self, "_proxy_conn_")
        seen = object.__getattribute__(self, "_proxy_seen_")  # [messages sent when read, {name: value}]
        if seen[0] == conn.sent and name in seen[1]:
            return seen[1][name]
        value = conn.request("getattr", self, name)
        if seen[0] != conn.sent - 1:
            seen[1].clear()
        seen[0] = conn.sent
        seen[1][name] = value
        return value

    def __setattr__(self, name, value):
        object.__getattribute__(self, "_proxy_conn_").request("setattr", self, name, value)

    def __delattr__(self, name):
        object.__getattribute__(self, "_proxy_conn_").request("delattr", self, name)

    def __call__(self, *args, **kwargs):
        return object.__getattribute__(self, "_proxy_conn_").request("call", self, args, kwargs)

    def __del__(self):
        try:
            conn = object.__getattribute__(self, "_proxy_conn_")
            conn.released.append([object.__getattribute__(self, "_proxy_h_"), object.__getattribute__(self, "_proxy_n_")])
        except Exception:  # noqa: BLE001 - interpreter shutting down
            pass

    def __eq__(self, other):
        if not isinstance(other, Proxy):
            return False
        return object.__getattribute__(self, "_proxy_conn_").request("eq", self, other)

    def __ne__(self, other):
        if not isinstance(other, Proxy):
            return True
        return object.__getattribute__(self, "_proxy_conn_").request("ne", self, other)

    def __hash__(self):
        return object.__getattribute__(self, "_proxy_conn_").request("hash", self)

    def __bool__(self):
        return bool(object.__getattribute__(self, "_proxy_conn_").request("bool", self))

    def __len__(self):
        return object.__getattribute__(self, "_proxy_conn_").request("len", self)

    def __repr__(self):
        try:
            return str(object.__getattribute__(self, "_proxy_conn_").request("repr", self))
        except ProtocolError:
            return f"<remote {type(self).__qualname__}, its process gone>"

    def __str__(self):
        return str(object.__getattribute__(self, "_proxy_conn_").request("str", self))

    def __format__(self, spec):
        return str(object.__getattribute__(self, "_proxy_conn_").request("format", self, spec))

    def __dir__(self):
        return object.__getattribute__(self, "_proxy_conn_").request("dir", self)

    def __enter__(self):
        return object.__getattribute__(self, "_proxy_conn_").request("enter", self)

    def __exit__(self, kind, value, tb):
        return object.__getattribute__(self, "_proxy_conn_").request("exit", self, value)

    def __copy__(self):
        return object.__getattribute__(self, "_proxy_conn_").request("copy", self)

    def __deepcopy__(self, memo):
        return object.__getattribute__(self, "_proxy_conn_").request("deepcopy", self)

    def __reduce_ex__(self, protocol):
        raise TypeError(f"a {type(self).__qualname__} of the process under test cannot be pickled")

    def __array__(self, dtype=None, copy=None):
        a = object.__getattribute__(self, "_proxy_conn_").request("array", self)
        if not isinstance(a, np.ndarray):
            raise TypeError(f"a {type(self).__qualname__} is not array-like")
        return a.astype(dtype) if dtype is not None else a

    def __instancecheck__(self, obj):
        return bool(object.__getattribute__(self, "_proxy_conn_").request("isinstance", obj, self))

    def __subclasscheck__(self, cls):
        return bool(object.__getattribute__(self, "_proxy_conn_").request("issubclass", cls, self))

    def __mro_entries__(self, bases):
        raise TypeError(f"{type(self).__qualname__} lives in the process under test: a class of the grader "
                        "cannot derive from it")

    def __iter__(self):
        return object.__getattribute__(self, "_proxy_conn_").request("iter", self)

    def __next__(self):
        return object.__getattribute__(self, "_proxy_conn_").request("next", self)

    def __reversed__(self):
        return object.__getattribute__(self, "_proxy_conn_").request("reversed", self)

    def __getitem__(self, key):
        return object.__getattribute__(self, "_proxy_conn_").request("getitem", self, key)

    def __setitem__(self, key, value):
        object.__getattribute__(self, "_proxy_conn_").request("setitem", self, key, value)

    def __delitem__(self, key):
        object.__getattribute__(self, "_proxy_conn_").request("delitem", self, key)

    def __contains__(self, item):
        return bool(object.__getattribute__(self, "_proxy_conn_").request("contains", self, item))

    def __float__(self):
        return object.__getattribute__(self, "_proxy_conn_").request("float", self)

    def __int__(self):
        return object.__getattribute__(self, "_proxy_conn_").request("int", self)

    def __index__(self):
        return object.__getattribute__(self, "_proxy_conn_").request("index", self)

    def __complex__(self):
        return object.__getattribute__(self, "_proxy_conn_").request("complex", self)

    def __round__(self, ndigits=None):
        return object.__getattribute__(self, "_proxy_conn_").request("round", self, ndigits)


for _op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and_", "or_", "xor",
            "lshift", "rshift", "lt", "le", "gt", "ge"):
    setattr(Proxy, f"__{_op.rstrip('_')}__", _binary(_op))
for _op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and_", "or_", "xor",
            "lshift", "rshift"):
    setattr(Proxy, f"__r{_op.rstrip('_')}__", _reflected(_op))
for _op in ("iadd", "isub", "imul", "itruediv", "ifloordiv", "imod", "ipow", "imatmul"):
    setattr(Proxy, f"__{_op}__", _binary(_op))
for _op in ("neg", "pos", "invert", "abs"):
    setattr(Proxy, f"__{_op}__", _unary(_op))
del _op
