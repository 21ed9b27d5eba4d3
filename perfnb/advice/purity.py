"""Whether code only computes: no I/O, no randomness, no writes to anything it did not create.

Caching, hoisting out of a loop and running in worker processes are only safe for such code.
"""

from __future__ import annotations

import ast

from .astscan import Loop, call_name, stored_among, walk
from .context import Context, Scope

IMPURE_CALLS = ("print", "open", "input", "exec", "eval", "setattr", "delattr", "next", "globals", "id")
IMPURE_PREFIXES = ("random.", "np.random.", "numpy.random.", "torch.rand", "time.", "os.", "sys.", "subprocess.",
                   "requests.", "logging.", "shutil.", "datetime.")
MUTATING_METHODS = {
    "append", "extend", "insert", "pop", "popitem", "remove", "clear", "update", "add", "discard", "setdefault",
    "sort", "reverse", "fill", "resize", "write", "writelines", "send", "put", "step", "backward", "zero_grad",
    "to_csv", "to_parquet", "save", "close", "seek", "read", "readline", "readlines",
}
PURE_CALLS = {
    "len", "sum", "set", "frozenset", "list", "tuple", "dict", "abs", "round", "str", "repr", "any", "all", "int",
    "float", "bool", "range", "enumerate", "zip", "map", "filter", "reversed", "pow", "divmod", "isinstance",
    "json.loads", "re.compile", "re.findall", "re.sub", "re.match", "re.search", "pd.read_csv", "pd.read_parquet",
    "pd.read_json", "pandas.read_csv", "hash", "chr", "ord", "format",
}
PURE_PREFIXES = ("np.", "numpy.", "math.", "statistics.", "cmath.", "operator.", "itertools.", "functools.reduce",
                 "torch.", "F.")
PURE_METHODS = {
    "mean", "sum", "std", "var", "max", "min", "copy", "astype", "to_numpy", "tolist", "keys", "values", "items",
    "describe", "unique", "nunique", "dot", "transpose", "reshape", "flatten", "ravel", "lower", "upper", "split",
    "strip", "replace", "encode", "decode", "sort_values", "groupby", "agg", "count", "index", "median", "quantile",
    "cumsum", "prod", "argsort", "argmax", "argmin", "norm", "get", "join", "format", "startswith", "endswith",
}


def is_pure_call(call: ast.Call, pure_functions: frozenset[str] = frozenset()) -> bool:
    """A call that, by its name, only computes a value."""
    name = call_name(call)
    if name.startswith(IMPURE_PREFIXES) or name in IMPURE_CALLS:
        return False
    if name in PURE_CALLS or name in pure_functions or name.startswith(PURE_PREFIXES):
        return True
    method = name.rsplit(".", 1)[-1] if "." in name else ""
    return bool(method) and method in PURE_METHODS


def is_pure_scope(ctx: Context, scope: Scope) -> bool:
    """A function the cell reached, a plain ``def``, that returns a value computed from its arguments
    (and globals it only reads); decided once per advise() call."""
    return not scope.is_cell and isinstance(scope.node, ast.FunctionDef) and ctx.remember(
        ("pure", scope), lambda: _computes_only(scope)
    )


def _computes_only(scope: Scope) -> bool:
    created = stored_among(scope.everything)
    returns = False
    for node in scope.nodes:
        if isinstance(node, (ast.Global, ast.Nonlocal, ast.Yield, ast.YieldFrom, ast.Await)):
            return False
        if isinstance(node, ast.Return) and node.value is not None:
            returns = True
        if isinstance(node, ast.Call):
            name = call_name(node)
            if name.startswith(IMPURE_PREFIXES) or name in IMPURE_CALLS:
                return False
            if isinstance(node.func, ast.Attribute) and node.func.attr in MUTATING_METHODS:
                base = node.func.value
                if not (isinstance(base, ast.Name) and base.id in created):
                    return False
        if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, ast.Store):
            base = node.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if not (isinstance(base, ast.Name) and base.id in created):
                return False
    return returns


def pure_functions(ctx: Context) -> frozenset[str]:
    """Names of the functions the cell reached (plain ``def``s) that only compute."""
    return ctx.remember("pure functions", lambda: frozenset(s.name for s in ctx.scopes if is_pure_scope(ctx, s)))


def loop_mutates(ctx: Context, loop: Loop) -> frozenset[str]:
    """``mutated_names`` of a loop's body."""
    return ctx.remember(("mutated", loop), lambda: frozenset(mutated_names(loop.body)))


def mutated_names(body: list[ast.AST]) -> set[str]:
    """Names whose objects the code changes in place: ``x[i] =``, ``x.a =``, ``x += ``, ``x.append()``, ``out=x``."""
    names: set[str] = set()
    for part in body:
        for node in walk(part):
            if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
                base = node.value
                while isinstance(base, (ast.Subscript, ast.Attribute)):
                    base = base.value
                if isinstance(base, ast.Name):
                    names.add(base.id)
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and (
                    func.attr in MUTATING_METHODS or func.attr.endswith("_")
                ):
                    names.add(func.value.id)
                for kw in node.keywords:
                    if kw.arg == "out" and isinstance(kw.value, ast.Name):
                        names.add(kw.value.id)
    return names
