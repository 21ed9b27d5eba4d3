"""Which names hold NumPy arrays in a scope, and rewriting element-wise code to whole-array code."""

from __future__ import annotations

import ast

from .astscan import dotted, walk
from .context import Context, Scope
from .kinds import is_ndarray

NUMPY_PREFIXES = ("np.", "numpy.")
UFUNC_NAMES = {
    "sqrt", "exp", "log", "log10", "log2", "log1p", "expm1", "sin", "cos", "tan", "asin", "acos", "atan",
    "atan2", "sinh", "cosh", "tanh", "floor", "ceil", "fabs", "pow", "hypot", "isnan", "isinf", "trunc",
}
RENAMED = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2", "pow": "power", "fabs": "abs"}


def array_names(ctx: Context, scope: Scope) -> frozenset[str]:
    """Names that hold arrays: in the cell, what the namespace holds; in a function, what is
    assigned from a NumPy call and the parameters the cell passes arrays to."""
    return ctx.remember(("array names", scope), lambda: _array_names(ctx, scope))


def _array_names(ctx: Context, scope: Scope) -> frozenset[str]:
    names: set[str] = set()
    for node in scope.nodes:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and dotted(node.value.func).startswith(NUMPY_PREFIXES)
        ):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    if scope.is_cell:
        return frozenset(names | ctx.held_names(scope, is_ndarray))
    return frozenset(names | ctx.params_given(scope, is_ndarray))


class WholeArray(ast.NodeTransformer):
    """``a[i] * math.sqrt(b[i])`` → ``a * np.sqrt(b)``: element access on the loop index becomes
    the whole array, ``math`` functions their NumPy ufuncs, the loop variable its sequence."""

    def __init__(self, arrays: frozenset[str], index: frozenset[str], element: dict[str, str]) -> None:
        self.arrays = arrays
        self.index = index
        self.element = element  # loop variable -> the array or sequence it walks
        self.changed = False

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id in self.arrays:
            used = {n.id for n in walk(node.slice) if isinstance(n, ast.Name)}
            if used and used <= self.index:
                self.changed = True
                return ast.Name(node.value.id, ast.Load())
        return self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.element:
            self.changed = True
            return ast.Name(self.element[node.id], ast.Load())
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == "math" and node.attr in UFUNC_NAMES:
            self.changed = True
            return ast.Attribute(ast.Name("np", ast.Load()), RENAMED.get(node.attr, node.attr), ast.Load())
        return self.generic_visit(node)


def whole_array(expr: ast.expr, arrays: frozenset[str], index: frozenset[str], element: dict[str, str]) -> str | None:
    """The whole-array form of an element-wise expression, or None when it has no element access."""
    rewriter = WholeArray(arrays, index, element)
    new = rewriter.visit(ast.parse(ast.unparse(expr), mode="eval").body)
    return ast.unparse(new) if rewriter.changed else None
