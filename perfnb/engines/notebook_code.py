"""Finds the code a cell can reach: functions defined in the notebook, and ``-f`` names.

Functions defined in cells are recognised by their code's file name, which IPython
maps to an execution count (``shell.compile._filename_map``). Decorated functions
are unwrapped (``__wrapped__``) and classes contribute their methods and properties.
"""

from __future__ import annotations

import builtins
import importlib
import sys
import types
from collections.abc import Iterator
from typing import Any

MAX_FUNCTIONS = 5_000


def ipython_shell() -> Any:
    """The running IPython shell, or None (plain Python; IPython is never imported here)."""
    module = sys.modules.get("IPython")
    return module.get_ipython() if module is not None else None


def cell_files(shell: Any) -> set[str] | dict[str, int]:
    mapping = getattr(getattr(shell, "compile", None), "_filename_map", None)
    return mapping if isinstance(mapping, dict) else set()


def python_function(obj: Any) -> types.FunctionType | None:
    """The Python function behind a function, method, classmethod, staticmethod, property
    or ``functools.wraps`` wrapper; None for anything else (classes, built-ins, values)."""
    for _ in range(20):  # bounded: a __wrapped__ chain may loop
        if isinstance(obj, types.FunctionType) and not hasattr(obj, "__wrapped__"):
            return obj
        if isinstance(obj, (classmethod, staticmethod, types.MethodType)):
            obj = obj.__func__
        elif isinstance(obj, property):
            obj = obj.fget
        elif not isinstance(obj, type) and callable(obj) and hasattr(obj, "__wrapped__"):  # cheap tests first
            obj = obj.__wrapped__
        else:
            return obj if isinstance(obj, types.FunctionType) else None
    return None


def _members(value: Any) -> Iterator[Any]:
    if isinstance(value, type):
        for member in vars(value).values():
            if isinstance(member, property):
                yield from (f for f in (member.fget, member.fset, member.fdel) if f is not None)
            else:
                yield member
    else:
        yield value


def notebook_functions(namespace: dict[str, Any], files: set[str] | dict[str, int]) -> list[types.FunctionType]:
    """Functions (and methods of classes) in ``namespace`` whose code was typed in a cell."""
    found: dict[int, types.FunctionType] = {}
    for value in list(namespace.values()):
        for member in _members(value):
            function = python_function(member)
            if function is not None and function.__code__.co_filename in files:
                found[id(function)] = function
                if len(found) >= MAX_FUNCTIONS:
                    return list(found.values())
    return list(found.values())


def all_functions(namespace: dict[str, Any]) -> Iterator[types.FunctionType]:
    """Every Python function reachable from ``namespace`` by the rules above."""
    for value in list(namespace.values()):
        for member in _members(value):
            function = python_function(member)
            if function is not None:
                yield function


class TargetError(LookupError):
    """An ``-f`` name that names nothing, or something that is not a Python function."""


def resolve(name: str, namespace: dict[str, Any]) -> types.FunctionType:
    """The Python function a dotted name denotes: a notebook name first, then a module."""
    parts = name.split(".")
    if not all(part.isidentifier() for part in parts):
        raise TargetError(f"-f {name}: not a dotted name")
    if parts[0] in namespace:
        obj, rest = namespace[parts[0]], parts[1:]
    elif parts[0] in vars(builtins):
        obj, rest = vars(builtins)[parts[0]], parts[1:]
    else:
        for cut in range(len(parts), 0, -1):
            try:
                obj, rest = importlib.import_module(".".join(parts[:cut])), parts[cut:]
                break
            except ImportError:
                continue
        else:
            raise TargetError(f"-f {name}: no notebook name or module {parts[0]!r}")
    reached = name[: len(name) - len(".".join(rest)) - (1 if rest else 0)]
    for attr in rest:
        found = getattr(obj, "__dict__", {}).get(attr) if isinstance(obj, type) else None
        if found is None:
            try:
                found = getattr(obj, attr)
            except AttributeError:
                raise TargetError(f"-f {name}: {reached} has no attribute {attr!r}") from None
        obj, reached = found, f"{reached}.{attr}"
    function = python_function(obj)
    if function is None:
        kind = "a built-in" if isinstance(obj, types.BuiltinFunctionType) else f"a {type(obj).__name__}"
        raise TargetError(f"-f {name}: is {kind}, not a Python function; nothing to time line by line")
    return function
