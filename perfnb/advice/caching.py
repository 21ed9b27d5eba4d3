"""Caching: a pure function that takes a real share of the cell and is called again and again
with the same arguments — recursion into overlapping subproblems, or a loop whose arguments
repeat. Call counts come from ``--lines`` (hits) when it ran; distinct arguments and the
measured gain from ``--verify``, which re-evaluates the call site with a cached copy."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

from ..model import Suggestion
from .astscan import Loop, call_name, dotted, walk
from .context import Context, Scope
from .purity import is_pure_scope
from .rule import Rule, share_text

NARROWING = (ast.Mod, ast.FloorDiv)


@dataclass
class CallSite:
    scope: Scope
    call: ast.Call
    loop: Loop | None


class RepeatedCalls(Rule):
    id = "repeated-calls"
    category = "caching"
    level = "intermediate"
    tutorial = "tutorials/intermediate/01-caching.ipynb#functools-cache"
    speedup = (2.0, 1000.0)

    def check(self, ctx: Context) -> Iterable[Suggestion]:
        for scope in ctx.scopes:
            definition = scope.node
            if scope.is_cell or not isinstance(definition, ast.FunctionDef):
                continue
            seconds = ctx.function_time(scope.name)
            if not self.worth(ctx, seconds) or not is_pure_scope(ctx, scope):
                continue
            if any(dotted(d).endswith(("cache", "lru_cache")) or (
                isinstance(d, ast.Call) and dotted(d.func).endswith("lru_cache")) for d in definition.decorator_list):
                continue
            name = definition.name
            sites = call_sites(ctx, name)
            reason = _repetition(ctx, definition, sites)
            calls_seen = _hits(ctx, scope, definition)
            if reason is None and not ctx.verifying:
                continue  # no sign of repetition: only a census under --verify can tell
            counted = ""
            if calls_seen:
                counted = f"; it ran {calls_seen:,} times, {seconds / calls_seen * 1e6 / ctx.runs:,.0f} µs per call"
            suggestion = self.suggest(
                ctx,
                title=f"Cache the results of `{name}`",
                evidence=(
                    f"`{name}`, defined at {scope.file} line {definition.lineno}, takes {share_text(ctx, seconds)}{counted}. "
                    f"It only computes from its arguments" + (f", and {reason}." if reason else ".")
                ),
                lines=[definition.lineno],
                fix=(
                    f"Decorate it: `@functools.cache` on the line above `def {name}(…)` (or "
                    f"`{name} = functools.lru_cache(maxsize=None)({name})`); arguments must be hashable — "
                    "pass tuples instead of lists, or key on what matters."
                ),
                seconds=seconds,
                file=scope.file,
            )
            ctx.candidates[id(suggestion)] = (name, sites)
            if reason is None:
                ctx.needs_measurement.add(id(suggestion))
            yield suggestion


def call_sites(ctx: Context, name: str) -> list[CallSite]:
    sites: list[CallSite] = []
    for scope in ctx.scopes:
        for call in scope.calls:
            if call_name(call) != name:
                continue
            inner = [lp for lp in scope.loops if lp.first <= call.lineno <= lp.last and lp.node is not scope.node]
            sites.append(CallSite(scope, call, inner[-1] if inner else None))
    return sites


def _repetition(ctx: Context, definition: ast.FunctionDef, sites: list[CallSite]) -> str | None:
    """Why the same arguments come back, from the source and the namespace; None when nothing shows it."""
    own = [s for s in sites if s.scope.node is definition]
    if len(own) >= 2:
        return (f"it calls itself {len(own)} times per call, so the same arguments are recomputed "
                "over and over (overlapping subproblems)")
    for site in sites:
        if site.loop is None:
            continue
        index = site.loop.assigned
        for arg in site.call.args:
            for node in walk(arg):
                narrowing = isinstance(node, ast.BinOp) and isinstance(node.op, NARROWING)
                if narrowing and {n.id for n in walk(node) if isinstance(n, ast.Name)} & index:
                    return (f"the loop at line {site.loop.first} passes `{ast.unparse(arg)}`, "
                            "which takes few distinct values")
        for it in site.loop.iters:
            sequence = ctx.ns.get(it.id) if isinstance(it, ast.Name) and site.scope.is_cell else None
            if isinstance(sequence, (list, tuple)) and sequence:
                try:
                    distinct = len(set(sequence))
                except TypeError:
                    continue
                if distinct <= 0.5 * len(sequence):
                    return (f"the loop at line {site.loop.first} walks `{ast.unparse(it)}`, {len(sequence):,} items "
                            f"of which only {distinct:,} are distinct")
    return None


def _hits(ctx: Context, scope: Scope, definition: ast.FunctionDef) -> int:
    """Calls of a function, from the hits of its first body line (only when --lines ran)."""
    if not definition.body:
        return 0
    stat = ctx.line(scope.file, definition.body[0].lineno)
    return stat.hits if stat is not None and stat.hits else 0


RULES: list[Rule] = [RepeatedCalls()]
