"""Data structures and algorithms inside loops: membership tests on lists, quadratic building
of strings, lists and arrays, sorting or searching inside a loop, and loop-invariant work."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Any

from ..model import Suggestion
from .astscan import Loop, call_name, calls, walk
from .context import Context, Scope
from .kinds import describe, is_dataframe, is_ndarray
from .purity import is_pure_call, loop_mutates, pure_functions
from .rule import Rule

MIN_LIST = 64  # a membership test on a shorter list is as fast as on a set


def list_names(ctx: Context, scope: Scope) -> frozenset[str]:
    """Names bound to lists or tuples: from the namespace (the cell) or from list displays in the scope."""
    return ctx.remember(("list names", scope), lambda: _list_names(ctx, scope))


def _list_names(ctx: Context, scope: Scope) -> frozenset[str]:
    names: set[str] = set()
    for node in scope.nodes:
        if isinstance(node, ast.Assign) and (
            isinstance(node.value, (ast.List, ast.ListComp, ast.Tuple))
            or (isinstance(node.value, ast.Call) and call_name(node.value) in ("list", "tuple", "sorted"))
        ):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    if scope.is_cell:
        names = {n for n in names if n not in ctx.ns or _is_sequence(ctx.ns[n])}
        names |= ctx.held_names(scope, _is_sequence)
    return frozenset(names | ctx.params_given(scope, _is_sequence))


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple))


class _PerLoop(Rule):
    """Suggestions for lines of loops, timed by ``ctx.in_loop``; a loop whose enclosing loops are
    not worth a suggestion cannot hold a line that is, and its code is not read."""

    def check(self, ctx: Context) -> Iterable[Suggestion]:
        for scope in ctx.scopes:
            done: set[int] = set()
            for loop in scope.loops:
                if not self.worth(ctx, ctx.around(scope, loop)):
                    continue
                for suggestion in self.check_loop(ctx, scope, loop):
                    if not set(suggestion.lines) & done:
                        done |= set(suggestion.lines)
                        yield suggestion

    def check_loop(self, ctx: Context, scope: Scope, loop: Loop) -> Iterable[Suggestion]:
        raise NotImplementedError


class ListMembership(_PerLoop):
    id = "list-membership"
    category = "data-structures"
    level = "beginner"
    tutorial = "tutorials/beginner/01-measure-first.ipynb#sets-instead-of-lists"
    speedup = (10.0, 1000.0)

    def check_loop(self, ctx: Context, scope: Scope, loop: Loop) -> Iterable[Suggestion]:
        lists = list_names(ctx, scope) - loop.assigned
        for node in loop.nodes:
            if not isinstance(node, ast.Compare):
                continue
            for op, right in zip(node.ops, node.comparators, strict=True):
                if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, ast.Name) and right.id in lists:
                    name = right.id
                    if scope.is_cell and len(ctx.ns.get(name, ())) < MIN_LIST:
                        continue
                    seconds, timed = ctx.in_loop(scope, loop, node.lineno)
                    if not self.worth(ctx, seconds):
                        continue
                    size = f" ({describe(ctx.ns[name])})" if scope.is_cell and name in ctx.ns else ""
                    yield self.suggest(
                        ctx,
                        title=f"Test membership in a set, not in the list `{name}`",
                        evidence=(
                            f"`… in {name}` at {scope.where(node.lineno)} runs on every iteration of the loop at line "
                            f"{loop.first}; {timed}. Each test scans the list `{name}`{size} from the start."
                        ),
                        lines=[node.lineno],
                        fix=f"Before the loop: `{name}_set = set({name})`; then test `… in {name}_set` (constant time).",
                        seconds=seconds,
                        file=scope.file,
                    )


class QuadraticBuild(_PerLoop):
    id = "quadratic-build"
    category = "algorithm"
    level = "beginner"
    tutorial = "tutorials/beginner/01-measure-first.ipynb#build-once-not-by-copying"
    speedup = (3.0, 100.0)

    def check_loop(self, ctx: Context, scope: Scope, loop: Loop) -> Iterable[Suggestion]:
        for statement in loop.nodes:
            found = self._growth(ctx, scope, statement)
            if found is None or not isinstance(statement, ast.stmt):
                continue
            name, kind, fix = found
            seconds, timed = ctx.in_loop(scope, loop, statement.lineno)
            if not self.worth(ctx, seconds):
                continue
            size = f"; it ends as {describe(ctx.ns[name])}" if scope.is_cell and name in ctx.ns else ""
            yield self.suggest(
                ctx,
                title=f"Build `{name}` once instead of copying it on every iteration",
                evidence=(
                    f"{kind} at {scope.where(statement.lineno)} runs in the loop at line {loop.first}; {timed}. "
                    f"Each iteration copies everything `{name}` holds so far, so the work grows with the square "
                    f"of the iterations{size}."
                ),
                lines=[statement.lineno],
                fix=fix,
                seconds=seconds,
                file=scope.file,
            )

    def _growth(self, ctx: Context, scope: Scope, node: ast.AST) -> tuple[str, str, str] | None:
        if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add) and isinstance(node.target, ast.Name):
            name = node.target.id
            value = ctx.ns.get(name) if scope.is_cell else None
            if isinstance(value, str) or (value is None and _assigned_str(scope, name)):
                return name, f"`{name} += …` on a string", (
                    f"Collect the pieces in a list (`parts.append(…)`) and join once after the loop: "
                    f"`{name} = ''.join(parts)`."
                )
            return None
        if not isinstance(node, ast.Assign) or len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            return None
        name = node.targets[0].id
        value = node.value
        if (
            isinstance(value, ast.BinOp)
            and isinstance(value.op, ast.Add)
            and _is(value.left, name)
            and (isinstance(value.right, (ast.List, ast.ListComp)) or isinstance(ctx.ns.get(name), list))
        ):
            return name, f"`{name} = {name} + …`", (
                f"Grow the list in place: `{name}.append(x)` (or `{name}.extend(items)`), amortized constant time."
            )
        if isinstance(value, ast.Call) and value.args:
            function = call_name(value)
            first = value.args[0]
            holds = _is(first, name) or (
                isinstance(first, (ast.List, ast.Tuple)) and any(_is(e, name) for e in first.elts)
            )
            if not holds:
                return None
            if function in ("np.append", "np.concatenate", "np.vstack", "np.hstack", "np.row_stack",
                            "numpy.append", "numpy.concatenate", "np.stack"):
                return name, f"`{name} = {function}({name}, …)`", (
                    f"Append the pieces to a Python list and call `np.concatenate(pieces)` once after the loop, "
                    f"or preallocate `{name} = np.empty(n)` and fill `{name}[i] = …`."
                )
            if function in ("pd.concat", "pandas.concat") or (function.endswith("concat") and is_dataframe(ctx.ns.get(name))):
                return name, f"`{name} = {function}([{name}, …])`", (
                    "Collect the frames (or plain dicts of rows) in a list and call `pd.concat(frames)` "
                    "(or `pd.DataFrame(rows)`) once after the loop."
                )
        return None


def _is(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _assigned_str(scope: Scope, name: str) -> bool:
    return any(
        isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
        and any(_is(t, name) for t in n.targets)
        for n in scope.nodes
    )


def search_target(call: ast.Call) -> str | None:
    """The collection a sort or search works on: ``sorted(xs)``, ``xs.sort()``, ``xs.index(v)``, ``max(xs)``."""
    name = call_name(call)
    if name in ("sorted", "min", "max") and len(call.args) == 1 and isinstance(call.args[0], ast.Name):
        return call.args[0].id
    func = call.func
    if name in (".sort", ".index", ".count") and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id
    if "." in name and name.rsplit(".", 1)[1] in ("sort", "index", "count"):
        return name.rsplit(".", 1)[0] if "." not in name.rsplit(".", 1)[0] else None
    return None


class SortInLoop(_PerLoop):
    id = "sort-in-loop"
    category = "algorithm"
    level = "intermediate"
    tutorial = "tutorials/beginner/01-measure-first.ipynb#sort-once-search-with-bisect"
    speedup = (5.0, 500.0)

    def check_loop(self, ctx: Context, scope: Scope, loop: Loop) -> Iterable[Suggestion]:
        rebuilt = loop.targets | (loop.assigned - loop_mutates(ctx, loop))
        for call in loop.calls:
            target = search_target(call)
            if target is None or target in rebuilt or target not in _collections(ctx, scope):
                continue
            seconds, timed = ctx.in_loop(scope, loop, call.lineno)
            if not self.worth(ctx, seconds):
                continue
            how = call_name(call).lstrip(".").rsplit(".", 1)[-1]
            size = f" ({describe(ctx.ns[target])})" if scope.is_cell and target in ctx.ns else ""
            fix = {
                "sorted": f"Sort once before the loop (`{target}_sorted = sorted({target})`); "
                          "if items arrive in the loop, insert with `bisect.insort`.",
                "sort": f"Keep `{target}` sorted as it grows with `bisect.insort({target}, x)` instead of re-sorting.",
                "index": f"Build a lookup once before the loop: `pos = {{v: i for i, v in enumerate({target})}}`, "
                         "then `pos[x]`; or search a sorted copy with `bisect.bisect_left`.",
                "count": f"Count once before the loop: `counts = collections.Counter({target})`, then `counts[x]`.",
            }.get(how, f"Keep a running {how} (or a `heapq`) instead of scanning `{target}` every iteration.")
            yield self.suggest(
                ctx,
                title=f"Do not {'sort' if 'sort' in how else 'search'} `{target}` on every iteration",
                evidence=(
                    f"`{ast.unparse(call)}` at {scope.where(call.lineno)} runs on every iteration of the loop at "
                    f"line {loop.first}; {timed}. Each call walks all of `{target}`{size}."
                ),
                lines=[call.lineno],
                fix=fix,
                seconds=seconds,
                file=scope.file,
            )


def _collections(ctx: Context, scope: Scope) -> frozenset[str]:
    return ctx.remember(("collections", scope), lambda: _sorted_or_searched(ctx, scope))


def _sorted_or_searched(ctx: Context, scope: Scope) -> frozenset[str]:
    names = list_names(ctx, scope)
    if scope.is_cell:
        names |= ctx.held_names(scope, is_ndarray)
    else:
        names |= {a.arg for a in getattr(getattr(scope.node, "args", None), "args", [])}
    return names


class LoopInvariant(_PerLoop):
    id = "loop-invariant"
    category = "algorithm"
    level = "beginner"
    tutorial = "tutorials/beginner/01-measure-first.ipynb#hoist-work-out-of-loops"
    speedup = (2.0, 50.0)

    def check_loop(self, ctx: Context, scope: Scope, loop: Loop) -> Iterable[Suggestion]:
        variant = loop.assigned | loop_mutates(ctx, loop)
        pure = pure_functions(ctx)
        seen_lines: set[int] = set()
        for call in loop.calls:
            if call.lineno in seen_lines or not (call.args or call.keywords or isinstance(call.func, ast.Attribute)):
                continue
            names = {n.id for n in walk(call) if isinstance(n, ast.Name)}
            if names & variant or search_target(call) is not None:
                continue
            if not all(is_pure_call(c, pure) for c in calls(call)):
                continue  # calls something that may change state (a module, an optimizer, I/O)
            if call_name(call) in ("range", "enumerate", "zip", "len", "int", "float", "str", "bool"):
                continue
            seconds, timed = ctx.in_loop(scope, loop, call.lineno)
            if not self.worth(ctx, seconds):
                continue
            seen_lines.add(call.lineno)
            expression = ast.unparse(call)
            hoisted = _name_for(call)
            yield self.suggest(
                ctx,
                title=f"Compute `{expression}` once, before the loop",
                evidence=(
                    f"`{expression}` at {scope.where(call.lineno)} gives the same result on every iteration of "
                    f"the loop at line {loop.first} (none of its inputs change in the loop); {timed}."
                ),
                lines=[call.lineno],
                fix=f"Before line {loop.first}: `{hoisted} = {expression}`; inside the loop use `{hoisted}`.",
                seconds=seconds,
                file=scope.file,
            )


def _name_for(call: ast.Call) -> str:
    words = [n.id if isinstance(n, ast.Name) else n.attr for n in walk(call) if isinstance(n, (ast.Name, ast.Attribute))]
    useful = [w for w in words if w not in ("np", "numpy", "math", "pd", "torch")]
    return "_".join(dict.fromkeys(useful))[:30] or "value"


RULES: list[Rule] = [ListMembership(), QuadraticBuild(), SortInLoop(), LoopInvariant()]
