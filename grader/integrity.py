"""The functions the checks rely on, watched for replacement by the code under test.

A check compares with NumPy, PyTorch and ``common.checks``; code under test that replaces one of
their functions (``np.array_equal = lambda *a, **k: True``, an ``SGD.step`` that does nothing)
makes the check agree with anything. The grading process records every function and class of
the watched modules when each is first imported (before code under test can run, for those the
grader imports itself), and after each case compares: a case in which one was replaced, or
deleted, fails with a message naming it, and the originals are put back for the next case.

This raises the bar, it does not close it: code in the same process can also undo its patch
before the comparison runs. ``--verify`` lists such constructs in the source for review.
"""

from __future__ import annotations

import builtins
import importlib.abc
import sys
import types

# Modules whose functions and classes the checks call, directly or through an oracle.
WATCHED = ("builtins", "math", "os", "json", "numpy", "numpy.linalg", "numpy.testing", "numpy.random",
           "torch", "torch.nn", "torch.nn.functional", "torch.optim", "torch.testing", "torch.linalg",
           "torch.optim.sgd", "torch.optim.adam", "torch.optim.adamw", "torch.optim.optimizer",
           "common.checks", "common.torchcheck", "grader.plugin", "grader.integrity")

_KINDS = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, type, staticmethod, classmethod)
_recorded: dict[str, tuple[types.ModuleType, dict[str, object], dict[type, dict[str, object]]]] = {}


def _watchable(value) -> bool:
    return isinstance(value, _KINDS) or (callable(value) and type(value).__name__ in ("ufunc", "_ArrayFunctionDispatcher"))


def record(name: str, module: types.ModuleType) -> None:
    """Remember ``module``'s functions and classes (and their own methods), once."""
    if name in _recorded:
        return
    names = {k: v for k, v in vars(module).items() if _watchable(v)}
    classes = {}
    for value in names.values():
        if isinstance(value, type) and getattr(value, "__module__", "").split(".")[0] == name.split(".")[0]:
            methods = {k: v for k, v in vars(value).items() if _watchable(v)}
            if methods:
                classes[value] = methods
    _recorded[name] = (module, names, classes)


def record_loaded() -> None:
    """Record every watched module imported so far."""
    for name in WATCHED:
        module = sys.modules.get(name)
        if module is not None:
            record(name, module)


class RecordOnImport(importlib.abc.MetaPathFinder):
    """A finder that records a watched module the moment its import finishes, before anything imported
    later (code under test) can patch it."""

    def find_spec(self, fullname, path, target=None):
        if fullname not in WATCHED or fullname in _recorded:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module, _run=run, _name=fullname):
            _run(module)
            record(_name, module)

        loader.exec_module = exec_module
        return spec


_setattr, _type_setattr = builtins.setattr, type.__setattr__


def _own_wrapper(new, original, module: types.ModuleType) -> bool:
    """Whether ``new`` is the library wrapping its own function (``functools.wraps`` in a file of the
    library), as PyTorch does on first use to its optimizers' ``step`` and to ``torch.manual_seed``."""
    code = getattr(new, "__code__", None)
    home = getattr(sys.modules.get(module.__name__.split(".")[0]), "__file__", None)
    return (getattr(new, "__wrapped__", None) is original and code is not None and home is not None
            and code.co_filename.startswith(home.rsplit("/", 1)[0]))


def replaced() -> list[str]:
    """Watched functions and classes replaced or deleted since they were recorded, each put back."""
    found = []
    for name, (module, names, classes) in _recorded.items():
        now = vars(module)
        for key, original in names.items():
            if now.get(key, None) is not original and _own_wrapper(now.get(key), original, module):
                names[key] = now[key]
            elif now.get(key, None) is not original:
                found.append(f"{name}.{key}")
                _setattr(module, key, original)
        for cls, methods in classes.items():
            own = vars(cls)
            for key, original in methods.items():
                if own.get(key, None) is not original and _own_wrapper(own.get(key), original, module):
                    methods[key] = own[key]
                elif own.get(key, None) is not original:
                    found.append(f"{name}.{cls.__name__}.{key}")
                    try:
                        _type_setattr(cls, key, original)
                    except TypeError:  # a built-in type: its methods cannot be replaced anyway
                        pass
    return found
