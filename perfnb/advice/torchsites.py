"""Where a cell runs PyTorch modules: call sites, grad mode around them, and the time they take."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .astscan import Loop, call_name, dotted
from .context import Context, Scope
from .kinds import is_module, parameters

NO_GRAD = ("torch.no_grad", "torch.inference_mode", "no_grad", "inference_mode", "torch.set_grad_enabled")


@dataclass
class ModuleUse:
    """One module of the namespace and the lines that call it."""

    name: str
    module: Any
    sites: list[tuple[Scope, ast.Call, Loop | None]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def lines(self) -> list[int]:
        return sorted({call.lineno for _, call, _ in self.sites})

    @cached_property
    def parameters(self) -> tuple[int, int, int]:
        """``kinds.parameters`` of the module, counted once for every rule."""
        return parameters(self.module)


def module_uses(ctx: Context) -> list[ModuleUse]:
    """Modules called in the cell or in the functions it reached, heaviest first."""
    return ctx.remember("module uses", lambda: _module_uses(ctx))


def _module_uses(ctx: Context) -> list[ModuleUse]:
    uses: dict[str, ModuleUse] = {}
    for scope in ctx.scopes:
        counted: set[int] = set()
        for call in scope.calls:
            name = _called_module(call)
            if name is None or not is_module(ctx.ns.get(name)):
                continue
            use = uses.setdefault(name, ModuleUse(name, ctx.ns[name]))
            inner = [lp for lp in scope.loops if lp.first <= call.lineno <= lp.last]
            use.sites.append((scope, call, inner[-1] if inner else None))
            if call.lineno not in counted:
                counted.add(call.lineno)
                use.seconds += ctx.span_time(scope, call.lineno, call.end_lineno or call.lineno)
    return sorted(uses.values(), key=lambda u: u.seconds, reverse=True)


def _called_module(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    name = dotted(call.func)
    if name.endswith(".forward") and name.count(".") == 1:
        return name.split(".")[0]
    return None


def grad_disabled(scope: Scope, call: ast.Call) -> bool:
    """The call runs under ``with torch.no_grad()`` / ``inference_mode()`` or a decorated function."""
    definition = scope.node
    if isinstance(definition, ast.FunctionDef) and any(
        dotted(d.func if isinstance(d, ast.Call) else d) in NO_GRAD for d in definition.decorator_list
    ):
        return True
    for node in scope.nodes:
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(
            isinstance(item.context_expr, ast.Call) and dotted(item.context_expr.func) in NO_GRAD
            for item in node.items
        ) and node.lineno <= call.lineno <= (node.end_lineno or node.lineno):
            return True
    return False


def trains(ctx: Context) -> bool:
    """The cell (or a function it reached) calls ``.backward()`` or an optimizer step."""
    return ctx.remember("trains", lambda: any(
        call_name(c).endswith((".backward", ".step", "autograd.grad"))
        for scope in ctx.scopes for c in scope.calls
    ))
