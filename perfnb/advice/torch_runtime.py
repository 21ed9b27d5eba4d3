"""PyTorch at run time: many small operations (torch.compile), host–device syncs in a loop,
a DataLoader that starves the loop, and mixed precision where the hardware has it."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from typing import Any

from ..engines.torch_device import cuda_in_use, loaded_torch
from ..model import Suggestion
from .astscan import call_name
from .context import Context
from .kinds import is_dataloader, is_module, is_tensor, module_device
from .rule import Rule, share_text
from .torchsites import ModuleUse, module_uses, trains

MANY_LEAVES = 12
SMALL_LEAF_PARAMS = 20_000
SMALL_OP_S = 50e-6  # mean operator time in the torch profiler's table below which launches dominate
SLOW_FLOPS = 2e8  # arithmetic per second a forward reaches at least (2 per parameter per call): below, overhead rules


class Compile(Rule):
    id = "torch-compile"
    category = "compilation"
    level = "advanced"
    tutorial = "tutorials/intermediate/03-pytorch-benchmark.ipynb#torch-compile"
    speedup = (1.3, 3.0)

    def check(self, ctx: Context) -> Iterable[Suggestion]:
        if "torch" not in sys.modules:
            return
        for use in module_uses(ctx):
            if not self.worth(ctx, use.seconds):
                continue
            evidence = self._small_ops(ctx, use)
            if evidence is None:
                continue
            yield self.suggest(
                ctx,
                title=f"Fuse `{use.name}`'s many small operations with `torch.compile`",
                evidence=f"The forward calls of `{use.name}` take {share_text(ctx, use.seconds)}; {evidence}.",
                lines=use.lines,
                fix=(
                    f"`c{use.name} = torch.compile({use.name})` and call `c{use.name}` instead (the first call "
                    "compiles and is slow; time the later ones). On a GPU try `mode=\"reduce-overhead\"`."
                ),
                seconds=use.seconds,
                file=use.sites[0][0].file,
            )

    def _small_ops(self, ctx: Context, use: ModuleUse) -> str | None:
        section = ctx.profile.torch
        if section is not None and section.ops:
            count = sum(op.count for op in section.ops)
            self_s = sum(op.self_s for op in section.ops)
            if count >= 1000 and self_s / count < SMALL_OP_S:
                return f"the torch profiler saw {count:,} operator calls averaging {self_s / count * 1e6:.0f} µs"
            return None
        leaves = [m for m in use.module.modules() if not list(m.children())]
        if len(leaves) < MANY_LEAVES:
            return None
        average = use.parameters[0] / len(leaves)
        calls_made = 0
        for scope, _call, loop in use.sites:
            runs: int | None = ctx.iterations(scope, loop) if loop is not None else 1
            if runs is None:
                return None
            calls_made += runs
        total = use.parameters[0]
        reached = 2 * total * calls_made / use.seconds if use.seconds > 0 else 0.0
        if average > SMALL_LEAF_PARAMS or reached > SLOW_FLOPS:
            return None
        per_layer = use.seconds / max(calls_made * len(leaves), 1)
        return (f"it runs {len(leaves)} small layers (about {average:,.0f} parameters each) {calls_made:,} times, "
                f"{per_layer * 1e6:.0f} µs per layer call, about {reached / 1e6:,.0f} MFLOP/s: launch and Python "
                "overhead, not arithmetic")


SYNCS = (".item", ".cpu", ".numpy", ".tolist")


def on_gpu(ctx: Context) -> bool:
    section = ctx.profile.torch
    if section is not None and section.device.startswith("cuda"):
        return True
    if not cuda_in_use(loaded_torch()):
        return False
    return ctx.remember("namespace on gpu", lambda: any(
        (is_module(v) and module_device(v).startswith("cuda")) or (is_tensor(v) and v.is_cuda)
        for v in ctx.ns.values()
    ))


class GpuSync(Rule):
    id = "torch-gpu-sync"
    category = "gpu-sync"
    level = "advanced"
    tutorial = "tutorials/advanced/04-gpu-profiling.ipynb#host-device-syncs"
    speedup = (1.2, 3.0)

    def check(self, ctx: Context) -> Iterable[Suggestion]:
        if "torch" not in sys.modules or not on_gpu(ctx):
            return
        syncs = ctx.profile.torch.syncs if ctx.profile.torch is not None else 0
        for scope in ctx.scopes:
            for loop in scope.loops:
                seconds = ctx.span_time(scope, loop.first, loop.last)
                if not self.worth(ctx, seconds):
                    continue
                found = [c for c in loop.calls if call_name(c).endswith(SYNCS)
                         or (call_name(c) in ("float", "int", "print") and c.args)]
                if not found:
                    continue
                counted = f"; this run counted {syncs:,} synchronizations with the GPU" if syncs else ""
                first = ast.unparse(found[0])
                yield self.suggest(
                    ctx,
                    title="Keep results on the GPU inside the loop; synchronize once after it",
                    evidence=(
                        f"`{first}` at {scope.where(found[0].lineno)} waits for the GPU on every iteration of the "
                        f"loop at line {loop.first}, which takes {share_text(ctx, seconds)}{counted}."
                    ),
                    lines=sorted({c.lineno for c in found}),
                    fix=(
                        "Accumulate on the device (`total += loss.detach()`), collect tensors in a list and "
                        "`torch.stack` them, and call `.item()` / `.cpu()` once after the loop."
                    ),
                    seconds=seconds,
                    file=scope.file,
                )
                break


class DataLoaderStarvation(Rule):
    id = "torch-dataloader"
    category = "data-loading"
    level = "intermediate"
    tutorial = "tutorials/intermediate/03-pytorch-benchmark.ipynb#feed-the-model"
    speedup = (1.5, 4.0)

    def check(self, ctx: Context) -> Iterable[Suggestion]:
        if "torch" not in sys.modules:
            return
        for scope in ctx.scopes:
            for loop in scope.loops:
                node = loop.node
                if not isinstance(node, ast.For) or not isinstance(node.iter, ast.Name):
                    continue
                loader: Any = ctx.ns.get(node.iter.id)
                if not is_dataloader(loader) or loader.num_workers > 0:
                    continue
                total = ctx.span_time(scope, loop.first, loop.last)
                # A garbage collection that a batch's allocations set off is charged to the fetch
                # line, but it is not the loader's cost: count none of the cell's GC time as waiting.
                waiting = max(0.0, ctx.span_time(scope, loop.first, loop.first) - ctx.profile.gc.time_s)
                if total <= 0 or waiting < 0.3 * total or not self.worth(ctx, waiting):
                    continue
                yield self.suggest(
                    ctx,
                    title=f"The loop waits for `{node.iter.id}`: load batches in worker processes",
                    evidence=(
                        f"Fetching the next batch (`for … in {node.iter.id}` at {scope.where(loop.first)}) takes "
                        f"{waiting / total:.0%} of the loop and {share_text(ctx, waiting)}, with `num_workers=0`: "
                        "the model waits while the main process loads and collates every batch."
                    ),
                    lines=[loop.first],
                    fix=(
                        "Build it with `DataLoader(…, num_workers=4, persistent_workers=True, pin_memory=True)` "
                        "(workers need a dataset that pickles; move heavy decoding into `__getitem__`)."
                    ),
                    seconds=waiting,
                    file=scope.file,
                )


class MixedPrecision(Rule):
    id = "torch-mixed-precision"
    category = "mixed-precision"
    level = "advanced"
    tutorial = "tutorials/advanced/04-gpu-profiling.ipynb#mixed-precision"
    speedup = (1.5, 3.0)

    def check(self, ctx: Context) -> Iterable[Suggestion]:
        if "torch" not in sys.modules:
            return
        found = self.fast_low_precision(ctx)
        if found is None:
            return
        device, hardware = found
        autocast = any("autocast" in call_name(c) for s in ctx.scopes for c in s.calls)
        for use in module_uses(ctx):
            if autocast or use.seconds < 0.2 * ctx.total_s:
                continue
            dtypes = {p.dtype for p in use.module.parameters()}
            if {str(d) for d in dtypes} != {"torch.float32"}:
                continue
            dtype = "torch.bfloat16" if device == "cpu" else "torch.float16"
            yield self.suggest(
                ctx,
                title=f"Run `{use.name}` in mixed precision",
                evidence=(
                    f"`{use.name}` computes in float32 and its forward calls take {share_text(ctx, use.seconds)} on "
                    f"{hardware}, which runs 16-bit matrix products several times faster."
                ),
                lines=use.lines,
                fix=(
                    f"`with torch.autocast(device_type=\"{device}\", dtype={dtype}):` around the forward "
                    + ("and the loss, with `torch.amp.GradScaler` for float16 training." if trains(ctx)
                       else "calls; compare the outputs with float32 once.")
                ),
                seconds=use.seconds,
                file=use.sites[0][0].file,
            )

    def fast_low_precision(self, ctx: Context) -> tuple[str, str] | None:
        """(device type, description) of hardware with fast 16-bit math the model runs on, or None."""
        import torch

        if on_gpu(ctx) and torch.cuda.is_available():
            major, minor = torch.cuda.get_device_capability()
            if major >= 7:
                return "cuda", f"an NVIDIA GPU with tensor cores ({torch.cuda.get_device_name()}, sm_{major}{minor})"
            return None
        if "AMX" in torch.backends.cpu.get_cpu_capability():
            return "cpu", "a CPU with AMX bfloat16 units"
        return None


RULES: list[Rule] = [Compile(), GpuSync(), DataLoaderStarvation(), MixedPrecision()]
