"""Parallelism: a CPU-bound Python loop of independent calls, running on one core of several,
that no other rule explains (vectorizing or caching it would beat spreading it over cores)."""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable

from ..model import Suggestion
from .astscan import COMPREHENSIONS, Loop, call_name, loaded_names, stored_names, walk
from .context import Context, Scope
from .purity import pure_functions
from .rule import Rule, share_text

MIN_LOOP_SHARE = 0.3
MAX_BUSY = 1.3  # CPU time / wall time above this: the cell already uses more than one core
# No lower bound: on a shared machine a CPU-bound cell gets less CPU than wall time; that the
# loop's work is CPU work comes from the function it calls being pure computation (no I/O, no sleep).


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class CpuBoundLoop(Rule):
    id = "cpu-bound-loop"
    category = "parallelism"
    level = "intermediate"
    tutorial = "tutorials/intermediate/02-vectorization.ipynb#process-pools"
    speedup = (1.5, 8.0)

    def check(self, ctx: Context) -> Iterable[Suggestion]:
        cores = usable_cores()
        timing = ctx.profile.timing
        busy = timing.cpu_s / timing.wall_s if timing.wall_s > 0 else 0.0
        scope = ctx.cell_scope()
        if cores < 2 or scope is None or busy > MAX_BUSY:
            return
        pure = pure_functions(ctx)
        for loop in scope.loops:
            seconds = ctx.span_time(scope, loop.first, loop.last)
            if seconds < MIN_LOOP_SHARE * ctx.total_s or self._explained(ctx, scope, loop):
                continue
            function = _independent_call(loop, pure)
            if function is None:
                continue
            sequence = ast.unparse(loop.iters[0]) if loop.iters else "items"
            yield self.suggest(
                ctx,
                title=f"Spread the calls of `{function}` over {cores} cores",
                evidence=(
                    f"The loop at {scope.where(loop.first, loop.last)} takes {share_text(ctx, seconds)} on one core "
                    f"(CPU {busy:.0%} of wall time; {cores} cores are available to this process); its iterations "
                    f"call `{function}`, which only computes from its arguments, independently of each other."
                ),
                lines=list(range(loop.first, loop.last + 1)),
                fix=(
                    "`from concurrent.futures import ProcessPoolExecutor`; "
                    f"`with ProcessPoolExecutor({cores}) as pool: results = list(pool.map({function}, {sequence}, "
                    "chunksize=64))` (functions defined in a notebook reach the workers on Linux, where processes "
                    "fork; elsewhere move them to a .py module)."
                ),
                seconds=seconds,
                file=scope.file,
            )
            return

    def _explained(self, ctx: Context, scope: Scope, loop: Loop) -> bool:
        """Another suggestion already covers this loop (or a function it calls)."""
        called = {call_name(c) for c in loop.calls}
        for s in ctx.suggestions:
            if id(s) in ctx.needs_measurement:
                continue  # a candidate only --verify may keep
            if s.file == scope.file and set(s.lines) & set(range(loop.first, loop.last + 1)):
                return True
            if s.category == "caching" and any(f"`{name}`" in s.title for name in called):
                return True
            if s.file != scope.file and s.category in ("vectorization", "algorithm", "data-structures"):
                return True
        return False


def _independent_call(loop: Loop, pure: frozenset[str]) -> str | None:
    """The pure function each iteration calls with the loop's own values, when iterations share nothing else."""
    if isinstance(loop.node, ast.For) and not loop.node.orelse:
        if any(isinstance(statement, ast.AugAssign) for statement in loop.body):
            return None  # a running total: iterations depend on each other
        later: set[str] = set()  # names set by a statement or one after it
        for statement in reversed(loop.body):
            later |= stored_names(statement) - loop.targets
            if loaded_names(statement) & later:
                return None  # read before it is set: a value carried from one iteration to the next
    elif not isinstance(loop.node, COMPREHENSIONS):
        return None
    for call in loop.calls:
        name = call_name(call)
        used = {n.id for a in call.args for n in walk(a) if isinstance(n, ast.Name)}
        if name in pure and used & loop.assigned:
            return name
    return None


RULES: list[Rule] = [CpuBoundLoop()]
