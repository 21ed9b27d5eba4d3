"""Memory: float64 arrays where float32 serves, copies nobody needs, and expressions that
build several full-size temporary arrays."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from ..model import Suggestion
from ..render.format import size
from .astscan import call_name, loaded_names, walk
from .context import Context, Scope
from .kinds import describe, is_dataframe, is_ndarray, is_tensor, nbytes
from .purity import mutated_names
from .rule import Rule, share_text

BIG_BYTES = 4_000_000


def statements(ctx: Context, rule: Rule) -> Iterator[tuple[Scope, ast.stmt, float]]:
    """Simple statements of the cell (loops and blocks are entered, nested functions are not) that
    take a share worth a suggestion of ``rule``, with their scope and time; the others are not read."""
    scope = ctx.cell_scope()
    if scope is None:
        return
    for node, seconds in ctx.remember("timed statements", lambda: _timed_statements(ctx, scope)):
        if rule.worth(ctx, seconds):
            yield scope, node, seconds


def _timed_statements(ctx: Context, scope: Scope) -> list[tuple[ast.stmt, float]]:
    return [
        (node, ctx.node_time(scope, node)) for node in scope.nodes
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return))
    ]


class Float64(Rule):
    id = "float64-arrays"
    category = "memory"
    level = "intermediate"
    tutorial = "tutorials/intermediate/02-vectorization.ipynb#float32-where-it-serves"
    speedup = (1.3, 2.0)

    def check(self, ctx: Context) -> Iterable[Suggestion]:
        for scope, statement, seconds in statements(ctx, self):
            if not _compute_bound(statement):
                continue
            names = sorted(
                n for n in loaded_names(statement)
                if _is_float64(ctx.ns.get(n)) and nbytes(ctx.ns[n]) >= BIG_BYTES
            )
            if not names:
                continue
            sizes = ", ".join(f"`{n}`: {describe(ctx.ns[n])}" for n in names)
            first = names[0]
            cast = f"`{first}32 = {first}.astype(np.float32)`" if is_ndarray(ctx.ns[first]) else f"`{first}.float()`"
            suggestion = self.suggest(
                ctx,
                title="Compute in float32: half the bytes to move, twice the numbers per vector instruction",
                evidence=(
                    f"{scope.where(statement.lineno)} does float64 arithmetic ({sizes}) and takes "
                    f"{share_text(ctx, seconds)}."
                ),
                lines=[statement.lineno],
                fix=(
                    f"If about 7 significant digits are enough, create the data as float32 (`dtype=np.float32`) "
                    f"or convert once: {cast}; `%%perf --verify` measures the gain and the difference in results."
                ),
                seconds=seconds,
                file=scope.file,
            )
            ctx.candidates[id(suggestion)] = (statement, names)
            yield suggestion


HEAVY_CALLS = ("np.dot", "np.matmul", "np.einsum", "np.linalg.", "np.fft.", "np.tensordot", "np.convolve",
               "numpy.dot", "numpy.matmul", "numpy.linalg.", "torch.matmul", "torch.mm", "torch.bmm", ".dot")
UFUNCS = ("np.exp", "np.log", "np.sin", "np.cos", "np.tanh", "np.sqrt", "np.power", "np.arctan2")


def _compute_bound(statement: ast.AST) -> bool:
    """Arithmetic-heavy array work, where float32 doubles the throughput (matrix products,
    linear algebra, FFTs, or several transcendental ufuncs) — not copies or reductions."""
    nodes = list(walk(statement))
    if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.MatMult) for n in nodes):
        return True
    names = [call_name(n) for n in nodes if isinstance(n, ast.Call)]
    if any(name.startswith(HEAVY_CALLS) or name.endswith(".dot") for name in names):
        return True
    return sum(name.startswith(UFUNCS) for name in names) >= 2


def _is_float64(obj: object) -> bool:
    if is_ndarray(obj):
        return str(getattr(obj, "dtype", "")) == "float64"
    if is_tensor(obj):
        return str(getattr(obj, "dtype", "")) == "torch.float64"
    return False


COPIES = {"np.copy", "numpy.copy", "np.array", "numpy.array", "copy.deepcopy", "copy.copy", "list", ".copy"}


class NeedlessCopy(Rule):
    id = "needless-copy"
    category = "memory"
    level = "intermediate"
    tutorial = "tutorials/intermediate/02-vectorization.ipynb#views-not-copies"
    speedup = (2.0, 10.0)

    def check(self, ctx: Context) -> Iterable[Suggestion]:
        for scope, statement, seconds in statements(ctx, self):
            if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
                continue
            target = statement.targets[0]
            source = _copied(statement.value)
            if not isinstance(target, ast.Name) or source is None:
                continue
            original = ctx.ns.get(source)
            held = nbytes(original) or (len(original) * 8 if isinstance(original, list) else 0)
            if held < BIG_BYTES:
                continue
            changed = mutated_names(list(getattr(scope.node, "body", [])))
            if target.id in changed or source in changed:
                continue
            yield self.suggest(
                ctx,
                title=f"`{target.id}` is a copy of `{source}` that nothing changes",
                evidence=(
                    f"`{ast.unparse(statement)}` at {scope.where(statement.lineno)} copies {describe(original)} and "
                    f"takes {share_text(ctx, seconds)}; neither `{target.id}` nor `{source}` is modified afterwards "
                    "in this cell."
                ),
                lines=[statement.lineno],
                fix=f"Use `{source}` directly (or a view: `{target.id} = {source}`), and copy only before modifying.",
                seconds=seconds,
                file=scope.file,
            )


def _copied(value: ast.expr) -> str | None:
    """The name copied by ``x.copy()``, ``np.array(x)``, ``copy.deepcopy(x)``, ``list(x)``, ``x[:]``, ``df.copy()``."""
    if isinstance(value, ast.Call):
        name = call_name(value)
        if name.endswith(".copy") and not value.args and isinstance(value.func, ast.Attribute):
            receiver = value.func.value
            return receiver.id if isinstance(receiver, ast.Name) else None
        if name in COPIES and len(value.args) == 1 and isinstance(value.args[0], ast.Name):
            return value.args[0].id
    if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name) and isinstance(value.slice, ast.Slice):
        s = value.slice
        if s.lower is None and s.upper is None and s.step is None:
            return value.value.id
    return None


ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.FloorDiv, ast.Mod)


class LargeTemporaries(Rule):
    id = "large-temporaries"
    category = "memory"
    level = "advanced"
    tutorial = "tutorials/intermediate/02-vectorization.ipynb#in-place-operations"
    speedup = (1.2, 2.0)

    def check(self, ctx: Context) -> Iterable[Suggestion]:
        for scope, statement, seconds in statements(ctx, self):
            value = getattr(statement, "value", None)
            if not isinstance(value, ast.expr):
                continue
            operations = [n for n in walk(value) if isinstance(n, ast.BinOp) and isinstance(n.op, ARITHMETIC)]
            if len(operations) < 3:
                continue
            arrays = sorted(n for n in loaded_names(value) if is_ndarray(ctx.ns.get(n)) or is_dataframe(ctx.ns.get(n)))
            largest = max((nbytes(ctx.ns[n]) for n in arrays), default=0)  # a DataFrame's takes a while
            if largest < BIG_BYTES:
                continue
            temporaries = len(operations) - 1
            memory = ctx.profile.memory
            grew = memory.rss_peak_bytes - memory.rss_start_bytes if memory.rss_start_bytes else 0
            stat = ctx.line(scope.file, statement.lineno)
            allocated = f", and the line allocated {size(stat.alloc_bytes)}" if stat and stat.alloc_bytes else ""
            peak = f"; the cell's RSS rose {size(grew)} at its peak" if grew > 0 else ""
            yield self.suggest(
                ctx,
                title="Fewer full-size temporary arrays in one expression",
                evidence=(
                    f"`{ast.unparse(value)}` at {scope.where(statement.lineno)} takes {share_text(ctx, seconds)}; "
                    f"its {len(operations)} operations create about {temporaries} temporary arrays of up to "
                    f"{size(largest)} each{allocated}{peak}."
                ),
                lines=[statement.lineno],
                fix=(
                    "Reuse one output buffer with in-place operations (`out = a * 2; out += b; np.sqrt(out, out=out)`) "
                    "or evaluate the whole expression in one pass with `numexpr.evaluate(...)`."
                ),
                seconds=seconds,
                file=scope.file,
            )


RULES: list[Rule] = [Float64(), NeedlessCopy(), LargeTemporaries()]
