"""Vectorization: element-wise Python loops over NumPy arrays, ``math`` per element, and
pandas row iteration (``iterrows``, ``itertuples``, ``apply(axis=1)``)."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from ..model import Suggestion
from .arrays import array_names, whole_array
from .astscan import COMPREHENSIONS, Loop, constant, dotted, keyword, method_of, walk, walk_body
from .context import Context, Scope
from .kinds import describe, is_dataframe
from .rule import Rule, share_text

MANY = 1000  # iterations: per-element work in Python
FEW = 100  # iterations: a loop over a few big chunks is fine
NATIVE_BOUND = 0.8  # with an unknown count, a loop this native is already doing array work


def element_lines(ctx: Context, scope: Scope, loop: Loop) -> tuple[frozenset[int], frozenset[str]]:
    """Lines of a loop that touch arrays one element at a time, and the arrays they touch."""
    return ctx.remember(("element lines", loop), lambda: _element_lines(loop, array_names(ctx, scope)))


def _element_lines(loop: Loop, arrays: frozenset[str]) -> tuple[frozenset[int], frozenset[str]]:
    index = loop.assigned
    lines: set[int] = set()
    touched: set[str] = set()
    walks = {
        it.id for it in loop.iters if isinstance(it, ast.Name) and it.id in arrays
    }
    for node in loop.nodes:
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in arrays:
            used = {n.id for n in walk(node.slice) if isinstance(n, ast.Name)}
            if used & index:
                lines.add(node.lineno)
                touched.add(node.value.id)
    if walks:
        touched |= walks
        lines |= {n.lineno for n in loop.nodes if isinstance(n, ast.Name) and n.id in loop.targets}
    return frozenset(lines), frozenset(touched)


class _LoopRule(Rule):
    """Walks the loops of every scope, outermost first, skipping loops inside one already reported
    and loops whose time is not worth a suggestion (their code is not read)."""

    def check(self, ctx: Context) -> Iterable[Suggestion]:
        for scope in ctx.scopes:
            reported: list[tuple[int, int]] = []
            for loop in scope.loops:
                if any(a <= loop.first and loop.last <= b for a, b in reported):
                    continue
                if not self.worth(ctx, ctx.span_time(scope, loop.first, loop.last)):
                    continue
                suggestion = self.check_loop(ctx, scope, loop)
                if suggestion is not None:
                    reported.append((loop.first, loop.last))
                    yield suggestion

    def check_loop(self, ctx: Context, scope: Scope, loop: Loop) -> Suggestion | None:
        raise NotImplementedError


def python_bound(ctx: Context, scope: Scope, loop: Loop) -> tuple[float, bool]:
    """The loop's time, and whether it does per-element work in Python: many iterations
    (or, when the count is unknown, time that is not mostly native)."""
    seconds = ctx.span_time(scope, loop.first, loop.last)
    count = ctx.iterations(scope, loop)
    if count is not None:
        return seconds, count >= MANY
    native = ctx.span_time(scope, loop.first, loop.last, native=True)
    return seconds, seconds > 0 and native <= NATIVE_BOUND * seconds


def count_text(ctx: Context, scope: Scope, loop: Loop) -> str:
    count = ctx.iterations(scope, loop)
    return f" ({count:,} iterations)" if count else ""


class NumpyLoop(_LoopRule):
    id = "numpy-loop"
    category = "vectorization"
    level = "intermediate"
    tutorial = "tutorials/intermediate/02-vectorization.ipynb#replace-the-loop-with-array-operations"
    speedup = (10.0, 100.0)

    def check_loop(self, ctx: Context, scope: Scope, loop: Loop) -> Suggestion | None:
        arrays = array_names(ctx, scope)
        lines, touched = element_lines(ctx, scope, loop)
        seconds, in_python = python_bound(ctx, scope, loop)
        if not touched or not in_python:
            return None
        if ctx.split(scope, loop) and ctx.lines_time(scope, lines) < 0.5 * seconds and not isinstance(loop.node, COMPREHENSIONS):
            return None
        sizes = ", ".join(f"`{n}`: {describe(ctx.ns[n])}" for n in sorted(touched) if n in ctx.ns and scope.is_cell)
        evidence = (
            f"The loop at {scope.where(loop.first, loop.last)}{count_text(ctx, scope, loop)} takes "
            f"{share_text(ctx, seconds)}; it indexes {', '.join(f'`{n}`' for n in sorted(touched))} one element at a time"
            + (f" ({sizes})." if sizes else ".")
        )
        return self.suggest(
            ctx,
            title="Replace the element-by-element loop with whole-array NumPy operations",
            evidence=evidence,
            lines=list(range(loop.first, loop.last + 1)),
            fix=_array_fix(loop, arrays, touched),
            seconds=seconds,
            file=scope.file,
        )


def _array_fix(loop: Loop, arrays: frozenset[str], touched: frozenset[str]) -> str:
    element = {
        t: it.id for t, it in _walked(loop) if isinstance(it, ast.Name) and it.id in arrays
    }
    index = loop.assigned
    if isinstance(loop.node, COMPREHENSIONS) and not isinstance(loop.node, ast.DictComp):
        new = whole_array(loop.node.elt, arrays, index, element)
        if new:
            return f"Compute it in one expression: `{new}` (a NumPy array instead of a Python list)."
    body = loop.body
    if len(body) == 1 and isinstance(body[0], ast.Assign) and len(body[0].targets) == 1:
        target = body[0].targets[0]
        new = whole_array(body[0].value, arrays, index, element)
        if new and isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            return f"Drop the loop: `{target.value.id}[:] = {new}`."
    if len(body) == 1 and isinstance(body[0], ast.AugAssign) and isinstance(body[0].target, ast.Name):
        new = whole_array(body[0].value, arrays, index, element)
        if new and isinstance(body[0].op, ast.Add):
            return f"Drop the loop: `{body[0].target.id} += np.sum({new})`."
    names = ", ".join(f"`{n}`" for n in sorted(touched))
    return (
        f"Operate on {names} as whole arrays: write `{next(iter(sorted(touched)))}` instead of indexing it "
        "inside the loop, `np.where(cond, a, b)` instead of `if`, and `math` functions as NumPy ufuncs."
    )


def _walked(loop: Loop) -> Iterator[tuple[str, ast.expr]]:
    node = loop.node
    if isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.target, ast.Name):
        yield node.target.id, node.iter
    elif isinstance(node, COMPREHENSIONS):
        for generator in node.generators:
            if isinstance(generator.target, ast.Name):
                yield generator.target.id, generator.iter


class MathPerElement(_LoopRule):
    id = "math-per-element"
    category = "vectorization"
    level = "beginner"
    tutorial = "tutorials/intermediate/02-vectorization.ipynb#ufuncs-instead-of-math"
    speedup = (5.0, 50.0)

    def check_loop(self, ctx: Context, scope: Scope, loop: Loop) -> Suggestion | None:
        if element_lines(ctx, scope, loop)[1]:
            return None  # the NumPy loop rule says it better
        index = loop.assigned
        found = [
            c for c in loop.calls
            if dotted(c.func).startswith("math.") and any(
                isinstance(n, ast.Name) and n.id in index for a in c.args for n in walk(a)
            )
        ]
        seconds, in_python = python_bound(ctx, scope, loop)
        if not found or not in_python:
            return None
        lines = {c.lineno for c in found}
        if ctx.split(scope, loop) and ctx.lines_time(scope, lines) < 0.5 * seconds and not isinstance(loop.node, COMPREHENSIONS):
            return None
        functions = sorted({dotted(c.func) for c in found})
        walked = dict(_walked(loop))
        sequence = next(iter(walked.values()), None)
        count = ""
        if isinstance(sequence, ast.Name) and isinstance(ctx.ns.get(sequence.id), (list, tuple)):
            count = f" over `{sequence.id}` ({describe(ctx.ns[sequence.id])} numbers)"
        source = ast.unparse(sequence) if sequence is not None else "values"
        array = f"np.asarray({source})" if not (isinstance(sequence, ast.Call) and dotted(sequence.func) == "range") \
            else f"np.arange({', '.join(ast.unparse(a) for a in sequence.args)})"
        ufuncs = ", ".join(f"`np.{f.split('.', 1)[1]}`" for f in functions)
        return self.suggest(
            ctx,
            title="Apply the math to the whole sequence at once with NumPy ufuncs",
            evidence=(
                f"The loop at {scope.where(loop.first, loop.last)}{count}{count_text(ctx, scope, loop)} calls "
                f"{', '.join(f'`{f}`' for f in functions)} once per element and takes {share_text(ctx, seconds)}."
            ),
            lines=sorted(lines),
            fix=f"Convert once with `x = {array}` and call {ufuncs} on `x`; the loop disappears.",
            seconds=seconds,
            file=scope.file,
        )


class PandasRows(_LoopRule):
    id = "pandas-iterrows"
    category = "vectorization"
    level = "beginner"
    tutorial = "tutorials/beginner/02-csv-pipeline.ipynb#columns-not-rows"
    speedup = (10.0, 200.0)

    def check_loop(self, ctx: Context, scope: Scope, loop: Loop) -> Suggestion | None:
        node = loop.node
        if not isinstance(node, (ast.For, ast.AsyncFor)) or not isinstance(node.iter, ast.Call):
            return None
        method = method_of(node.iter)
        if method is None or method[1] not in ("iterrows", "itertuples"):
            return None
        frame, how = method
        seconds = ctx.span_time(scope, loop.first, loop.last)
        rows = f" over {describe(ctx.ns[frame])}" if is_dataframe(ctx.ns.get(frame)) else ""
        row = _row_name(node.target)
        columns = sorted(_columns(loop.body, row)) if row else []
        example = " * ".join(f'{frame}["{c}"]' for c in columns[:2]) if columns else f'{frame}["a"] * {frame}["b"]'
        return self.suggest(
            ctx,
            title=f"Compute on whole columns instead of `{frame}.{how}()`",
            evidence=(
                f"The `{frame}.{how}()` loop at {scope.where(loop.first, loop.last)}{rows} takes "
                f"{share_text(ctx, seconds)}; every row becomes a Python object"
                + (f", to read {', '.join(repr(c) for c in columns)}." if columns else ".")
            ),
            lines=list(range(loop.first, loop.last + 1)),
            fix=(
                f"Write the loop body as column expressions, e.g. `{example}`; "
                "conditions become `np.where(...)` or `.loc[mask, ...]`, and groups `groupby(...).agg(...)`."
            ),
            seconds=seconds,
            file=scope.file,
        )


def _row_name(target: ast.expr) -> str:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Tuple) and target.elts and isinstance(target.elts[-1], ast.Name):
        return target.elts[-1].id
    return ""


def _columns(body: list[ast.AST], row: str) -> set[str]:
    found: set[str] = set()
    for node in walk_body(body):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == row:
            key = constant(node.slice) if isinstance(node.slice, ast.expr) else None
            if isinstance(key, str):
                found.add(key)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == row:
            found.add(node.attr)
    return found - {"Index"}


class PandasApplyRows(Rule):
    id = "pandas-apply-rows"
    category = "vectorization"
    level = "beginner"
    tutorial = "tutorials/beginner/02-csv-pipeline.ipynb#columns-not-rows"
    speedup = (10.0, 100.0)

    def check(self, ctx: Context) -> Iterable[Suggestion]:
        for scope in ctx.scopes:
            for call in scope.calls:
                if not isinstance(call.func, ast.Attribute) or call.func.attr != "apply":
                    continue
                axis = keyword(call, "axis")
                if constant(axis) not in (1, "columns"):
                    continue
                seconds = ctx.span_time(scope, call.lineno, call.end_lineno or call.lineno)
                if not self.worth(ctx, seconds):
                    continue
                receiver = ast.unparse(call.func.value)
                rows = f" on {describe(ctx.ns[receiver])}" if is_dataframe(ctx.ns.get(receiver)) else ""
                function = call.args[0] if call.args else None
                columns: list[str] = []
                if isinstance(function, ast.Lambda) and function.args.args:
                    columns = sorted(_columns([function.body], function.args.args[0].arg))
                example = " + ".join(f'{receiver}["{c}"]' for c in columns[:2]) or f'{receiver}["a"] + {receiver}["b"]'
                yield self.suggest(
                    ctx,
                    title=f"Replace `{receiver}.apply(..., axis=1)` with column arithmetic",
                    evidence=(
                        f"`{receiver}.apply(..., axis=1)` at {scope.where(call.lineno)}{rows} takes "
                        f"{share_text(ctx, seconds)}: it calls a Python function once per row."
                    ),
                    lines=[call.lineno],
                    fix=f"Use whole columns, e.g. `{example}`; `np.where` for conditions, `.map` for lookups.",
                    seconds=seconds,
                    file=scope.file,
                )


RULES: list[Rule] = [NumpyLoop(), MathPerElement(), PandasRows(), PandasApplyRows()]
