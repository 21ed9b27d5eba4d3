"""What the rules read: the Profile, the source of the cell and of the functions it reached,
the user's namespace after the run, and times per source span.

Back-edge time. On CPython 3.11 a pending signal is handled at a loop's backward jump,
an instruction without a line number. The sampler charges it to the loop's header line,
so a loop without calls has its time on its header and none on its body (``split``). Time
that still lands on a scope's first line (the ``%%perf`` line of a cell, the ``def`` line
of a function) is given back to the scope's loops, in proportion to the time measured in
them, and within a loop to its lines in the same proportion (``_back_edges``).
"""

from __future__ import annotations

import ast
import linecache
import os
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, TypeVar, cast

from ..model import LineStat, Profile, Suggestion, TreeNode
from ..sources import SourceMap, cell_label
from .astscan import Loop, end_line, functions, loops, parse_cell, walk, walk_local

HEADER_DOMINATES = 0.25  # body lines under this share of the header's time: the loop is not split by line

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # perfnb's own frames

T = TypeVar("T")


class Walks:
    """The walks of one tree (a cell's module or a function's def), each done on first use. One
    per tree (trees are cached by source), so a re-run of the same code walks nothing again."""

    def __init__(self, node: ast.AST) -> None:
        self.node = node

    @cached_property
    def everything(self) -> list[ast.AST]:
        """All its nodes, nested functions included, as ``ast.walk`` yields them."""
        return list(walk(self.node))

    @cached_property
    def nested(self) -> list[tuple[int, int]]:
        """Line spans of the functions inside it."""
        return [(n.lineno, end_line(n)) for n in functions(self.node) if n is not self.node]

    @cached_property
    def nodes(self) -> list[ast.AST]:
        """The scope's own nodes (nested functions not entered), as ``walk_local`` yields them."""
        return list(walk_local(self.node))

    @cached_property
    def loops(self) -> list[Loop]:
        """Its loops, outermost first."""
        return loops(self.nodes)

    @cached_property
    def names(self) -> frozenset[str]:
        """Every name it reads or binds, nested functions included."""
        return frozenset(n.id for n in self.everything if isinstance(n, ast.Name))

    @cached_property
    def calls(self) -> list[ast.Call]:
        """The calls among ``nodes``, in their order."""
        return [n for n in self.nodes if isinstance(n, ast.Call)]


@lru_cache(maxsize=512)
def _walks(node: ast.AST) -> Walks:
    return Walks(node)


@dataclass(eq=False)
class Scope:
    """The cell, or one function the cell reached, with its AST in the editor's line numbers.
    Its walks are shared by every rule, and by every run of the same source (``Walks``)."""

    file: str  # as in LineStat.file: "In [5]" or a path
    name: str  # "" for the cell, else the function's qualified name
    node: ast.AST
    is_cell: bool

    @cached_property
    def walks(self) -> Walks:
        return _walks(self.node)

    @property
    def everything(self) -> list[ast.AST]:
        return self.walks.everything

    @property
    def nested(self) -> list[tuple[int, int]]:
        return self.walks.nested

    @property
    def nodes(self) -> list[ast.AST]:
        return self.walks.nodes

    @property
    def loops(self) -> list[Loop]:
        return self.walks.loops

    @property
    def names(self) -> frozenset[str]:
        return self.walks.names

    @property
    def calls(self) -> list[ast.Call]:
        return self.walks.calls

    def where(self, first: int, last: int | None = None) -> str:
        span = f"lines {first}–{last}" if last is not None and last != first else f"line {first}"
        place = f"{self.file} {span}" if self.file.startswith("In [") else f"{self.file}:{first}"
        return place + (f" (in {self.name})" if self.name else "")


@lru_cache(maxsize=256)
def _definitions(source: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    module = parse_cell(source)
    return functions(module) if module is not None else []


class Context:
    def __init__(
        self, profile: Profile, shell: Any = None, namespace: dict[str, Any] | None = None, verifying: bool = False
    ) -> None:
        self.profile = profile
        self.verifying = verifying  # --verify: candidates may be proposed for measurement to decide
        self.shell = shell
        self.ns: dict[str, Any] = namespace if namespace is not None else dict(getattr(shell, "user_ns", {}) or {})
        runs = profile.timing.runs_s
        sampled = profile.tree.time_s if profile.tree is not None else 0.0
        self.total_s = max(sum(runs) if runs else profile.timing.wall_s, sampled, 1e-9)
        self.runs = max(len(runs), 1)
        self._lines: dict[tuple[str, int], LineStat] = {(s.file, s.line): s for s in profile.lines}
        self._sources = SourceMap(shell)
        self._defined: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}  # a cell number or path -> defs
        self.cell_file = cell_label(profile.cell.execution_count)
        self.scopes = self._scopes()
        self.unsplit: set[tuple[str, int]] = set()  # (file, first line) of loops whose time is not split by line
        self._times: dict[tuple[str, int], tuple[float, float]] = {
            key: (s.time_s, s.native_s) for key, s in self._lines.items()
        }
        for scope in self.scopes:
            self._back_edges(scope)
        self.suggestions: list[Suggestion] = []  # found so far, in rule order
        self.needs_measurement: set[int] = set()  # ids of suggestions that only a measurement may keep
        self.candidates: dict[int, Any] = {}  # id of a suggestion -> what --verify needs to measure it
        self._remembered: dict[Hashable, Any] = {}

    def remember(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, once per advise() call: what several rules read, like the array names of a scope."""
        if key not in self._remembered:
            self._remembered[key] = compute()
        return cast(T, self._remembered[key])

    # -- time -----------------------------------------------------------------
    def line(self, file: str, line: int) -> LineStat | None:
        return self._lines.get((file, line))

    def span_time(self, scope: Scope, first: int, last: int, native: bool = False) -> float:
        """Inclusive time of the lines first..last of a scope (each sample counts once per line;
        a scope's own lines never overlap, so their sum is the span's time)."""
        total = 0.0
        elsewhere = [(a, b) for a, b in scope.nested if not (a <= first and last <= b)]  # functions inside it
        for number in range(first, last + 1):
            if elsewhere and any(a <= number <= b for a, b in elsewhere):
                continue
            times = self._times.get((scope.file, number))
            if times is not None:
                total += times[1] if native else times[0]
        return total

    def in_loop(self, scope: Scope, loop: Loop, line: int) -> tuple[float, str]:
        """The time to weigh a line of a loop by, and how to say it: the line's own time, or the
        whole loop's when the sampler could not split that loop by line (no calls in it)."""
        from ..render.format import seconds as fmt_seconds

        outer = [lp for lp in scope.loops if lp.first <= loop.first and loop.last <= lp.last
                 and not self.split(scope, lp)]
        per_run = " per run" if self.runs > 1 else ""
        if outer:
            whole = outer[0]
            seconds = self.span_time(scope, whole.first, whole.last)
            return seconds, (
                f"the loop around it ({scope.where(whole.first, whole.last)}) takes "
                f"{min(self.share(seconds), 1.0):.0%} of the cell ({fmt_seconds(seconds / self.runs)}{per_run}); "
                "the sampler cannot split a loop without function calls by line"
            )
        seconds = self.span_time(scope, line, line)
        return seconds, (
            f"the line takes {min(self.share(seconds), 1.0):.0%} of the cell "
            f"({fmt_seconds(seconds / self.runs)}{per_run})"
        )

    def around(self, scope: Scope, loop: Loop) -> float:
        """The time of the longest loop around ``loop`` (itself included): ``in_loop`` gives none
        of its lines more."""
        return self.remember(("around", loop), lambda: max(
            self.span_time(scope, lp.first, lp.last) for lp in scope.loops
            if lp.first <= loop.first and loop.last <= lp.last
        ))

    def split(self, scope: Scope, loop: Loop) -> bool:
        """Whether the loop's time is split by line. The sampler charges a loop without calls to
        its header (its jump back is where a signal is handled), leaving its body lines (nearly) empty."""
        if (scope.file, loop.first) in self.unsplit:
            return False
        header = self.span_time(scope, loop.first, loop.first)
        body = self.span_time(scope, loop.first + 1, loop.last)
        return not (header > 0 and body < HEADER_DOMINATES * header)

    def lines_time(self, scope: Scope, lines: Iterable[int]) -> float:
        return sum(self.span_time(scope, n, n) for n in lines)

    def node_time(self, scope: Scope, node: ast.AST) -> float:
        return self.span_time(scope, int(getattr(node, "lineno", 0)), end_line(node))

    def share(self, seconds: float) -> float:
        return seconds / self.total_s

    def function_time(self, name: str) -> float:
        """Time in a function, from the call tree (nodes under a node of the same name not counted twice)."""
        tree = self.profile.tree
        if tree is None:
            return 0.0
        total = 0.0
        stack: list[tuple[TreeNode, bool]] = [(tree, False)]
        while stack:
            node, under = stack.pop()
            hit = node.name == name
            if hit and not under:
                total += node.time_s
            stack.extend((c, under or hit) for c in node.children)
        return total

    def _back_edges(self, scope: Scope) -> None:
        """Move the time charged to a scope's first line (see the module docstring) to its loops."""
        first = _first_line(scope)
        if first is None or (scope.file, first) not in self._times:
            return
        statement_loops = [lp for lp in scope.loops if isinstance(lp.node, (ast.For, ast.AsyncFor, ast.While))]
        outer = [lp for lp in statement_loops if not any(
            o is not lp and o.first <= lp.first and lp.last <= o.last for o in statement_loops)]
        if not outer:
            return
        stray, stray_native = self._times.pop((scope.file, first))
        measured = [self.span_time(scope, lp.first, lp.last) for lp in outer]
        whole = sum(measured)
        for loop, seconds in zip(outer, measured, strict=True):
            part = seconds / whole if whole > 0 else 1.0 / len(outer)
            keys = [(scope.file, n) for n in range(loop.first, loop.last + 1) if (scope.file, n) in self._times]
            inside = sum(self._times[k][0] for k in keys)
            if inside <= 0:
                # No sample landed inside: a loop without calls. Its time is known, its split by line is not.
                self.unsplit.add((scope.file, loop.first))
                keys, inside = [(scope.file, loop.first)], 0.0
                self._times.setdefault(keys[0], (0.0, 0.0))
            for key in keys:
                weight = self._times[key][0] / inside if inside > 0 else 1.0 / len(keys)
                wall, native = self._times[key]
                self._times[key] = (wall + stray * part * weight, native + stray_native * part * weight)

    def iterations(self, scope: Scope, loop: Loop) -> int | None:
        """How many times a loop's body ran: the hits of its first line (--lines), else the length
        of what it walks when the namespace tells; None when unknown."""
        body = loop.body[0] if loop.body else None
        stat = self._lines.get((scope.file, int(getattr(body, "lineno", 0))))
        if stat is not None and stat.hits:
            return stat.hits
        if not scope.is_cell or len(loop.iters) != 1:
            return None
        return self.length(loop.iters[0])

    def length(self, node: ast.expr) -> int | None:
        """The length of ``xs``, ``range(len(xs))``, ``range(n)``, ``enumerate(xs)``, ``zip(xs, …)``, ``xs.iterrows()``."""
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name):
            value = self.ns.get(node.id)
            if isinstance(value, int):
                return value
            try:
                return len(value) if value is not None and not isinstance(value, (str, bytes)) else None
            except TypeError:
                return None
        if isinstance(node, ast.Attribute) and node.attr == "shape":
            return None
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "shape":
            owner = node.value.value
            value = self.ns.get(owner.id) if isinstance(owner, ast.Name) else None
            index = node.slice.value if isinstance(node.slice, ast.Constant) else None
            shape = getattr(value, "shape", None)
            return int(shape[index]) if shape is not None and isinstance(index, int) and index < len(shape) else None
        if isinstance(node, ast.Call) and node.args:
            name = node.func.id if isinstance(node.func, ast.Name) else ""
            if name == "range":
                bounds = [self.length(a) for a in node.args[:2]]
                if any(b is None for b in bounds):
                    return None
                return max(0, bounds[-1] - (bounds[0] if len(bounds) == 2 else 0))  # type: ignore[operator]
            if name in ("len", "enumerate", "zip", "list", "reversed", "sorted"):
                return self.length(node.args[0])
        return None

    def held_names(self, scope: Scope, holds: Callable[[Any], bool]) -> set[str]:
        """Names of the scope (not private ones) whose namespace object ``holds``: only names the
        scope uses can matter to it, and the namespace of a long session holds thousands."""
        ns = self.ns
        return {n for n in scope.names if not n.startswith("_") and n in ns and holds(ns[n])}

    def params_given(self, scope: Scope, holds: Callable[[Any], bool]) -> set[str]:
        """Parameters of a function scope to which the cell passes a namespace object for which ``holds``."""
        definition = scope.node
        cell = self.cell_scope()
        if cell is None or not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return set()
        params = [a.arg for a in definition.args.posonlyargs + definition.args.args]
        found: set[str] = set()
        for call in cell.everything:
            if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name) or call.func.id != definition.name:
                continue
            for param, arg in zip(params, call.args, strict=False):
                if isinstance(arg, ast.Name) and holds(self.ns.get(arg.id)):
                    found.add(param)
        return found

    # -- source ---------------------------------------------------------------
    def cell_scope(self) -> Scope | None:
        return next((s for s in self.scopes if s.is_cell), None)

    def function_scope(self, name: str) -> Scope | None:
        return next((s for s in self.scopes if not s.is_cell and s.name == name), None)

    def _scopes(self) -> list[Scope]:
        scopes: list[Scope] = []
        tree = parse_cell(self.profile.cell.source)
        if tree is not None:
            scopes.append(Scope(self.cell_file, "", tree, True))
        seen: set[tuple[str, int]] = set()
        if self.profile.tree is None:
            return scopes
        for node in self.profile.tree.walk():
            key = (node.file, node.line)
            if node.line <= 0 or key in seen or node.name.startswith(("<", "[")) or self._is_cell(node):
                continue
            seen.add(key)
            definition = self._definition(node)
            if definition is not None:
                scopes.append(Scope(node.file, node.name, definition, False))
        return scopes

    def _is_cell(self, node: TreeNode) -> bool:
        """The tree's root: the cell itself, named by its label (already the first scope)."""
        return node.cell is None and node.file == self.cell_file

    def _definition(self, node: TreeNode) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The def of a tree node's function, when it is the user's code (a cell or a non-library file)."""
        if node.cell is None and (
            not node.file or self._sources.locate(node.file).library or node.file.startswith(PACKAGE_DIR)
        ):
            return None
        key = str(node.cell) if node.cell is not None else node.file
        if key not in self._defined:
            source = (
                "\n".join(self._sources.cell_lines(node.cell)) if node.cell is not None
                else "".join(linecache.getlines(node.file))
            )
            self._defined[key] = _definitions(source)
        short = node.name.rsplit(".", 1)[-1]
        named = [d for d in self._defined[key] if d.name == short]
        for definition in named:
            first = min([definition.lineno] + [d.lineno for d in definition.decorator_list])
            if node.line in (first, definition.lineno):
                return definition
        # IPython drops a cell's leading blank lines before compiling, so its line numbers can trail
        # the raw source's; a name defined once in the cell is still unambiguous.
        return named[0] if len(named) == 1 else None

    def code(self, scope: Scope, line: int) -> str:
        stat = self._lines.get((scope.file, line))
        return stat.code if stat is not None else ""


def _first_line(scope: Scope) -> int | None:
    """The line a scope's code object reports for instructions without a line of their own."""
    node = scope.node
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return min([node.lineno] + [d.lineno for d in node.decorator_list])
    body = getattr(node, "body", [])
    if body and body[0].lineno > 1:
        return 1  # the %%perf line: never a statement, so all its time is back-edge time
    return None
