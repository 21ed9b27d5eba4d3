"""PyTorch inference: autograd left on, one sample per forward call, Linear-heavy models on
the CPU (int8 quantization, only kept when measured faster) and large models (pruning)."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from typing import Any

from ..model import Suggestion
from ..render.format import size
from .astscan import walk
from .context import Context
from .kinds import describe, is_tensor, module_device
from .rule import Rule, share_text
from .torchsites import ModuleUse, grad_disabled, module_uses, trains


class _ModuleRule(Rule):
    def check(self, ctx: Context) -> Iterable[Suggestion]:
        if "torch" not in sys.modules:
            return
        for use in module_uses(ctx):
            if self.worth(ctx, use.seconds):
                suggestion = self.check_use(ctx, use)
                if suggestion is not None:
                    yield suggestion

    def check_use(self, ctx: Context, use: ModuleUse) -> Suggestion | None:
        raise NotImplementedError

    def site_file(self, use: ModuleUse) -> str:
        return use.sites[0][0].file


class NoGrad(_ModuleRule):
    id = "torch-no-grad"
    category = "memory"
    level = "intermediate"
    tutorial = "tutorials/intermediate/03-pytorch-benchmark.ipynb#inference-mode"
    speedup = (1.1, 1.5)

    def check_use(self, ctx: Context, use: ModuleUse) -> Suggestion | None:
        import torch

        if trains(ctx) or not torch.is_grad_enabled():
            return None
        if not any(p.requires_grad for p in use.module.parameters()):
            return None
        open_sites = [(scope, call) for scope, call, _ in use.sites if not grad_disabled(scope, call)]
        if not open_sites:
            return None
        recorded = ""
        for scope, call in open_sites:
            output = _assigned_to(scope.node, call)
            value: Any = ctx.ns.get(output) if output and scope.is_cell else None
            if is_tensor(value) and value.grad_fn is not None:
                recorded = f"; `{output}.grad_fn` is `{type(value.grad_fn).__name__}`: autograd kept the graph"
                break
        lines = sorted({call.lineno for _, call in open_sites})
        return self.suggest(
            ctx,
            title=f"Run `{use.name}` under `torch.inference_mode()`",
            evidence=(
                f"The forward calls of `{use.name}` ({open_sites[0][0].where(lines[0])}) take "
                f"{share_text(ctx, use.seconds)} with gradients enabled and no `.backward()` in sight{recorded}."
            ),
            lines=lines,
            fix=f"Wrap the inference in `with torch.inference_mode():` (and call `{use.name}.eval()` once).",
            seconds=use.seconds,
            file=self.site_file(use),
        )


def _assigned_to(tree: ast.AST, call: ast.Call) -> str | None:
    for node in walk(tree):
        if isinstance(node, ast.Assign) and node.value is call and isinstance(node.targets[0], ast.Name):
            return node.targets[0].id
    return None


ONE_SAMPLE = ("unsqueeze", "view", "reshape")


class BatchSizeOne(_ModuleRule):
    id = "torch-batch-one"
    category = "batching"
    level = "advanced"
    tutorial = "tutorials/advanced/03-batching.ipynb#batch-the-forward-calls"
    speedup = (3.0, 50.0)

    def check_use(self, ctx: Context, use: ModuleUse) -> Suggestion | None:
        for scope, call, loop in use.sites:
            if loop is None or not call.args:
                continue
            arg = call.args[0]
            if not {n.id for n in walk(arg) if isinstance(n, ast.Name)} & loop.assigned:
                continue
            why = _one_sample(ctx, arg, loop.iters)
            if why is None:
                continue
            seconds = ctx.span_time(scope, loop.first, loop.last)
            if not self.worth(ctx, seconds):
                continue
            iterations = ""
            sequence = loop.iters[0] if loop.iters else None
            if isinstance(sequence, ast.Name) and sequence.id in ctx.ns:
                iterations = f", over `{sequence.id}` ({describe(ctx.ns[sequence.id])})"
            stacked = ast.unparse(sequence) if sequence is not None else "inputs"
            return self.suggest(
                ctx,
                title=f"Call `{use.name}` on a batch instead of one sample at a time",
                evidence=(
                    f"The loop at {scope.where(loop.first, loop.last)}{iterations} calls `{use.name}` once per "
                    f"sample ({why}) and takes {share_text(ctx, seconds)}; each call pays the per-call overhead "
                    "and runs matrix products too small to use the hardware."
                ),
                lines=list(range(loop.first, loop.last + 1)),
                fix=(
                    f"Stack the inputs and call once: `out = {use.name}(torch.stack(list({stacked})))` "
                    f"(or `{use.name}({stacked})` when it is already a tensor), in chunks of e.g. 256 "
                    "if memory is tight."
                ),
                seconds=seconds,
                file=scope.file,
            )
        return None


def _one_sample(ctx: Context, arg: ast.expr, iters: list[ast.expr]) -> str | None:
    for node in walk(arg):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            first = node.args[0] if node.args else None
            if node.func.attr in ONE_SAMPLE and isinstance(first, ast.Constant) and first.value in (0, 1):
                return f"`{ast.unparse(node)}` makes a batch of one"
        if isinstance(node, ast.Subscript):
            index = node.slice
            if isinstance(index, ast.Constant) and index.value is None:
                return f"`{ast.unparse(node)}` makes a batch of one"
            if isinstance(index, ast.Slice) and index.upper is not None and index.lower is not None:
                lower = ast.unparse(index.lower)
                if ast.unparse(index.upper) in (f"{lower} + 1", f"1 + {lower}"):
                    return f"`{ast.unparse(node)}` is one row"
    for it in iters:
        if not isinstance(it, ast.Name):
            continue
        value: Any = ctx.ns.get(it.id)
        if is_tensor(value) and value.dim() >= 2:
            return f"iterating `{it.id}` yields one row at a time"
        if isinstance(value, (list, tuple)) and value and all(
            is_tensor(v) and v.dim() >= 1 and v.shape[0] == 1 for v in value[:8]
        ):
            return f"the tensors in `{it.id}` have a leading dimension of 1"
    return None


MIN_QUANT_PARAMS = 250_000


class Quantize(_ModuleRule):
    id = "torch-quantize"
    category = "quantization"
    level = "advanced"
    tutorial = "tutorials/advanced/01-quantization.ipynb#dynamic-int8-with-torchao"
    speedup = (1.2, 2.5)

    def check_use(self, ctx: Context, use: ModuleUse) -> Suggestion | None:
        if trains(ctx) or module_device(use.module) != "cpu":
            return None
        total, linear, nbytes = use.parameters
        if total < MIN_QUANT_PARAMS or linear < 0.5 * total:
            return None
        suggestion = self.suggest(
            ctx,
            title=f"Try int8 dynamic quantization of `{use.name}`'s Linear layers",
            evidence=(
                f"`{use.name}` runs on the CPU and its forward calls take {share_text(ctx, use.seconds)}; "
                f"Linear layers hold {linear / total:.0%} of its {total:,} parameters ({size(nbytes)}). "
                "int8 can also be slower on some x86 CPUs: only a measurement (`%%perf --verify`) tells."
            ),
            lines=use.lines,
            fix=(
                "`from torchao.quantization import quantize_, Int8DynamicActivationInt8WeightConfig`; "
                f"`q{use.name} = copy.deepcopy({use.name}); quantize_(q{use.name}, Int8DynamicActivationInt8WeightConfig())`, "
                f"then use `q{use.name}` and check its accuracy on your data."
            ),
            seconds=use.seconds,
            file=self.site_file(use),
        )
        ctx.candidates[id(suggestion)] = use
        return suggestion


MIN_PRUNE_PARAMS = 10_000_000


class Prune(_ModuleRule):
    id = "torch-prune"
    category = "pruning"
    level = "advanced"
    tutorial = "tutorials/advanced/02-pruning-distillation.ipynb#structured-pruning"
    speedup = (1.3, 4.0)

    def check_use(self, ctx: Context, use: ModuleUse) -> Suggestion | None:
        total, _, nbytes = use.parameters
        if total < MIN_PRUNE_PARAMS or use.seconds < 0.3 * ctx.total_s:
            return None
        return self.suggest(
            ctx,
            title=f"Make `{use.name}` smaller: structured pruning or distillation",
            evidence=(
                f"`{use.name}` has {total:,} parameters ({size(nbytes)}) and its forward calls take "
                f"{share_text(ctx, use.seconds)}: time goes with model size."
            ),
            lines=use.lines,
            fix=(
                "Remove whole channels or neurons with low importance "
                "(`torch.nn.utils.prune.ln_structured(layer, 'weight', amount=0.3, n=2, dim=0)`, then rebuild "
                "the smaller layers) or train a smaller student to match its outputs; measure accuracy after."
            ),
            seconds=use.seconds,
            file=self.site_file(use),
        )


RULES: list[Rule] = [NoGrad(), BatchSizeOne(), Quantize(), Prune()]
