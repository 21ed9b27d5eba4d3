"""Reading Python source for the advisor: parsing cells, finding loops, names and calls."""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache

LoopNode = ast.For | ast.AsyncFor | ast.While | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")  # the fields through which statements nest


@lru_cache(maxsize=256)
def parse_cell(source: str) -> ast.Module | None:
    """A cell's AST with the editor's line numbers; magic and shell lines are blanked.

    Cached by source, as a re-run cell or a function called again is parsed once: the tree is
    shared, so nothing may change it (a rewrite parses its own copy)."""
    lines = [
        "" if line.lstrip().startswith(("%", "!")) else line
        for line in source.splitlines()
    ]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


@dataclass(eq=False)
class Loop:
    """A ``for``/``while`` statement or a comprehension, with the names each iteration rebinds.
    What is read from its body is computed once, on first use (rules share a scope's loops)."""

    node: LoopNode
    first: int
    last: int
    body: list[ast.AST]
    iters: list[ast.expr]
    targets: set[str]

    @cached_property
    def assigned(self) -> frozenset[str]:
        """Names bound anywhere in the loop (targets and assignments in its body)."""
        names = set(self.targets)
        for part in self.body:
            names |= stored_names(part)
        return frozenset(names)

    @cached_property
    def nodes(self) -> list[ast.AST]:
        """The nodes of the body, as ``walk_body`` yields them."""
        return list(walk_body(self.body))

    @cached_property
    def calls(self) -> list[ast.Call]:
        """The calls in the body, in the order of ``nodes``."""
        return [n for n in self.nodes if isinstance(n, ast.Call)]


def loops(nodes: Iterable[ast.AST]) -> list[Loop]:
    """The loops among ``nodes``, in their order: given a scope's ``walk_local`` nodes, every loop
    not inside a nested function, outermost first."""
    found: list[Loop] = []
    for node in nodes:
        if isinstance(node, (ast.For, ast.AsyncFor)):
            found.append(Loop(node, node.lineno, _end(node), list(node.body), [node.iter], stored_names(node.target)))
        elif isinstance(node, ast.While):
            found.append(Loop(node, node.lineno, _end(node), list(node.body), [], set()))
        elif isinstance(node, COMPREHENSIONS):
            element: list[ast.AST] = (
                [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            )
            conditions: list[ast.AST] = [c for g in node.generators for c in g.ifs]
            targets: set[str] = set()
            for generator in node.generators:
                targets |= stored_names(generator.target)
            found.append(
                Loop(node, node.lineno, _end(node), element + conditions, [g.iter for g in node.generators], targets)
            )
    return found


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk``: the same nodes in the same order, faster."""
    return _descend(node, (), breadth_first=True)


def walk_local(tree: ast.AST) -> Iterator[ast.AST]:
    """The nodes of ``tree`` without nested function definitions (the root may be one), depth first,
    the last child first."""
    return _descend(tree, FUNCTIONS, breadth_first=False)


def _descend(root: ast.AST, skip: tuple[type[ast.AST], ...], breadth_first: bool) -> Iterator[ast.AST]:
    """Walking trees is most of the advisor's work: this reads each node's fields directly,
    without the generators of ``ast.iter_child_nodes``."""
    todo = deque([root])
    take = todo.popleft if breadth_first else todo.pop
    while todo:
        node = take()
        yield node
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                todo.extend([v for v in value if isinstance(v, ast.AST) and not isinstance(v, skip)])
            elif isinstance(value, ast.AST) and not isinstance(value, skip):
                todo.append(value)


def walk_body(body: list[ast.AST]) -> Iterator[ast.AST]:
    for part in body:
        yield from walk_local(part)


def functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Every function defined in ``tree``, at any depth. A ``def`` is a statement, so only lists
    of statements are walked, never expressions (a cell's large literals cost nothing here)."""
    found: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append(node)
        for name in STATEMENT_LISTS:
            stack.extend(getattr(node, name, ()))
    return found


def stored_names(node: ast.AST) -> set[str]:
    return stored_among(walk(node))


def stored_among(nodes: Iterable[ast.AST]) -> set[str]:
    """Names the nodes bind or delete (each node alone, not what is under it)."""
    return {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))}


def loaded_names(node: ast.AST) -> set[str]:
    return {n.id for n in walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def dotted(node: ast.AST) -> str:
    """``np.linalg.norm`` for an attribute chain on a name; empty for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def call_name(call: ast.Call) -> str:
    """``sorted``, ``np.append``, or ``.sort`` for a method called on any other expression."""
    name = dotted(call.func)
    if name:
        return name
    if isinstance(call.func, ast.Attribute):
        return "." + call.func.attr
    return ""


def method_of(call: ast.Call) -> tuple[str, str] | None:
    """(receiver name, method) for ``name.method(...)``."""
    if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
        return call.func.value.id, call.func.attr
    return None


def calls(node: ast.AST) -> Iterator[ast.Call]:
    for child in walk_local(node):
        if isinstance(child, ast.Call):
            yield child


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def constant(node: ast.expr | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def inside(node: ast.AST, ancestors: list[ast.AST]) -> bool:
    return any(child is node for a in ancestors for child in walk(a))


def _end(node: ast.AST) -> int:
    end: int | None = getattr(node, "end_lineno", None)
    return end if end is not None else int(getattr(node, "lineno", 0))


def end_line(node: ast.AST) -> int:
    return _end(node)


def text(node: ast.AST) -> str:
    return ast.unparse(node)


def statement_lines(body: list[ast.AST]) -> set[int]:
    lines: set[int] = set()
    for part in body:
        for child in walk_local(part):
            lineno = getattr(child, "lineno", None)
            if lineno is not None:
                lines.update(range(lineno, _end(child) + 1))
    return lines
