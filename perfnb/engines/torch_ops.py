"""The torch.profiler engine (``%%perf --torch``): ops, per-line op and kernel time, memory, syncs.

Runs torch.profiler with CPU and, where CUDA is usable, CUDA activities
(``record_shapes``, ``profile_memory`` on a GPU; ``with_stack`` when a trace file is
asked for, for the Python stacks in Perfetto — but not together with FlopCounterMode:
torch 2.13's Python tracer then records names it cannot decode and the whole profile
is lost). Python stacks make the small-op loop of benchmarks/torch_overhead.py a third
slower again than the profiler alone (4.4× bare against 3.3× in results/torch.txt), so
only ``--trace`` asks for them; FLOPs are torch's formulas applied to the recorded
shapes (torch_flops.py says why not ``with_flops``). A
``TorchFunctionMode`` (torch_lines.py) labels each torch call with the user's line
that made it, so op and kernel time lands on ``In [N] line L``.

On a GPU the device is synchronised before the profile starts and before it
stops (inside an annotation left out of every figure), so queued kernels are
neither charged to this cell from earlier ones nor lost at its end; the kernel
time per line is what the device reports for each kernel (CUPTI), never device-wide
utilisation. The cell's GPU span is also timed with CUDA events.
"""

from __future__ import annotations

import contextlib
import gc
import os
import tempfile
from collections.abc import Callable, Iterator
from types import CodeType
from typing import Any

from ..model import Profile, TorchLine
from ..sources import SourceMap
from .torch_device import cuda_ready, device_name, fill_rates, import_torch, torch_section
from .torch_events import EventSummary, records, summarize
from .torch_lines import INTERNAL, CallSite, make_line_tagger
from .torch_modules import ModuleWatcher

MAX_LINES = 200


class TorchOps:
    name = "torch"

    def __init__(
        self, is_root: Callable[[CodeType], bool], trace_path: str | None = None, python_stacks: bool = True
    ) -> None:
        self._is_root = is_root
        self._trace_path = trace_path
        self._python_stacks = python_stacks and trace_path is not None
        self._torch: Any = None
        self._profiler: Any = None
        self._tagger: Any = None
        self._modules: ModuleWatcher | None = None
        self._cuda = False
        self._device = "cpu"
        self._memory_start = 0
        self._events: tuple[Any, Any] | None = None
        self._device_span_s: float | None = None
        self._errors: list[str] = []
        self._stopped = False

    def start(self) -> None:
        torch = self._torch = import_torch()
        from torch.profiler import ProfilerActivity, profile

        self._cuda = cuda_ready(torch)
        self._device = device_name(torch)
        activities = [ProfilerActivity.CPU]
        if self._cuda:
            activities.append(ProfilerActivity.CUDA)
            torch.cuda.synchronize()  # earlier cells' queued kernels are not this cell's
            self._memory_start = int(torch.cuda.memory_allocated())
        self._profiler = profile(
            activities=activities,
            record_shapes=True,
            profile_memory=self._cuda,  # device memory; on the CPU, RSS is the memory section's
            with_stack=self._python_stacks,
        )
        self._profiler.start()
        if self._cuda:
            self._events = (torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
            self._events[0].record()
        self._modules = ModuleWatcher(torch)
        self._modules.start()
        self._tagger = make_line_tagger(torch, self._is_root)
        self._tagger.__enter__()

    def stop(self) -> None:
        """Pop the line tagger, remove the module hook, stop the profiler (idempotent, also after a failed start)."""
        if self._stopped:
            return
        self._stopped = True
        try:
            if self._tagger is not None:
                self._pop_tagger()
        finally:
            try:
                if self._modules is not None:
                    self._modules.stop()
            finally:
                if self._profiler is not None:
                    self._stop_profiler()

    def _pop_tagger(self) -> None:
        if self._torch.overrides._get_current_function_mode() is self._tagger:
            self._tagger.__exit__(None, None, None)
        else:  # the cell left a mode of its own on top of ours: ours cannot be taken out from under it
            self._errors.append("the cell left a torch function mode active; perfnb's line labels stay under it")

    def _stop_profiler(self) -> None:
        torch = self._torch
        try:
            if self._cuda:
                with torch.autograd.profiler.record_function(INTERNAL):
                    if self._events is not None:
                        self._events[1].record()
                    torch.cuda.synchronize()  # every kernel of the cell has finished and been recorded
                if self._events is not None:
                    self._device_span_s = self._events[0].elapsed_time(self._events[1]) / 1000.0
        finally:
            self._profiler.stop()

    def contribute(self, profile: Profile, sources: SourceMap) -> None:
        if self._profiler is None:
            return
        torch = self._torch
        section = torch_section(profile, self._device)
        with gc_paused():  # tens of thousands of short-lived records: no collections while they live
            raw = records(self._profiler.profiler.kineto_results.events(), with_devices=self._cuda)
            summary = summarize(raw, device_memory=self._cuda, memory_start=self._memory_start)
        section.ops = summary.ops
        section.cpu_s = summary.cpu_s
        section.device_s = summary.device_s
        section.dataloader_wait_s = summary.dataloader_wait_s
        section.device_elapsed_s = self._device_span_s
        if summary.memory_peak_bytes is not None:
            section.device_memory_peak_bytes = summary.memory_peak_bytes
            section.device_memory_peak_is_lower_bound = False
            section.memory_timeline = summary.memory_timeline
        sites: list[CallSite] = self._tagger.sites.sites if self._tagger is not None else []
        section.lines = line_totals(sites, summary, sources)
        section.syncs = sum(max(s.syncs, _runtime_syncs(summary, s)) for s in sites) + summary.unattributed_syncs
        if self._modules is not None:
            section.modules = self._modules.summary()
            section.dtype = section.dtype or self._modules.dominant_dtype(section.modules)
        if section.flops is None and summary.flops:
            section.flops = summary.flops
            section.flops_source = "torch.profiler shapes (matmul, conv2d, mul, add formulas)"
        fill_rates(section, profile.timing.wall_s, bool(torch.backends.cuda.matmul.allow_tf32))
        if self._trace_path is not None:
            try:
                section.trace_path = self._write_trace(sites, sources)
            except (OSError, ValueError) as exc:
                self._errors.append(f"no trace file: {type(exc).__name__}: {exc}")
        profile.meta.errors.extend(self._errors)

    def _write_trace(self, sites: list[CallSite], sources: SourceMap) -> str:
        from ..export import torch_trace

        handle, raw = tempfile.mkstemp(suffix=".json", prefix="perfnb-torch-")
        os.close(handle)
        try:
            self._profiler.export_chrome_trace(raw)
            trace = torch_trace.load(raw)
        finally:
            os.unlink(raw)
        labels = {INTERNAL: "perfnb (synchronise)"}
        files: dict[str, str] = {}
        for site in sites:
            filename, line, _ = site.frames[0]
            label = f"{_where(sources, filename, line)}: {sources.line(filename, line)}"
            if len(site.frames) > 1:
                label += f" (from {_where(sources, site.frames[-1][0], site.frames[-1][1])})"
            labels[site.label] = label
            for name, _, _ in site.frames:
                location = sources.locate(name)
                if location.origin == "cell":
                    files[name] = location.file
        assert self._trace_path is not None
        return torch_trace.write(torch_trace.relabel(trace, labels, files), self._trace_path)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a while (as it was, after)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _where(sources: SourceMap, filename: str, line: int) -> str:
    location = sources.locate(filename)
    return f"{location.file} line {line}" if location.origin == "cell" else f"{filename}:{line}"


def _runtime_syncs(summary: EventSummary, site: CallSite) -> int:
    totals = summary.sites.get(site.label)
    return totals.runtime_syncs if totals is not None else 0


def line_totals(sites: list[CallSite], summary: EventSummary, sources: SourceMap) -> list[TorchLine]:
    """Per source line, inclusive: each call site's ops count once on every user frame of its stack."""
    lines: dict[tuple[str, int], TorchLine] = {}
    for site in sites:
        totals = summary.sites.get(site.label)
        syncs = max(site.syncs, totals.runtime_syncs if totals is not None else 0)
        if totals is None and not syncs:
            continue
        seen: set[tuple[str, int]] = set()
        for filename, line, function in site.frames:
            key = (filename, line)
            if key in seen:
                continue
            seen.add(key)
            stat = lines.get(key)
            if stat is None:
                location = sources.locate(filename)
                stat = lines[key] = TorchLine(
                    origin="cell" if location.origin == "cell" else "file",
                    cell=location.cell,
                    file=location.file if location.origin == "cell" else filename,
                    line=line,
                    code=sources.line(filename, line),
                    cpu_s=0.0,
                    device_s=0.0,
                    function=function,
                )
            if totals is not None:
                stat.cpu_s += totals.cpu_s
                stat.device_s += totals.device_s
                stat.ops += totals.ops
            stat.syncs += syncs
    ranked = sorted(lines.values(), key=lambda s: s.cpu_s + s.device_s, reverse=True)[:MAX_LINES]
    return sorted(ranked, key=lambda s: (s.origin != "cell", s.cell or 0, s.file, s.line))

