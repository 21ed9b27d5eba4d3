"""torch.profiler events → the op table, time per call site, syncs and the memory timeline.

Reads the profiler's raw records (``profiler.kineto_results.events()``) rather than
``profiler.events()``: torch builds its ``FunctionEvent`` tree in Python, which on
a loop of small ops costs many times the cell itself. Here each record becomes a
small ``Record``; CPU records nest by time on their thread (a parent's span holds
its children's); each kernel's device time goes to the CPU op that launched it
(``linked_correlation_id``), the time the device reports for that kernel. The
functions below are pure, and work on anything with a ``Record``'s fields.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..model import TorchOp
from .torch_lines import INTERNAL, PREFIX, SYNC_RUNTIME_CALLS

NS = 1e-9
MAX_OPS = 40
TIMELINE_POINTS = 500
DATALOADER = "enumerate(DataLoader)"
PYTHON_DISPATCH = "PythonDispatchMode"
MEMORY = "[memory]"


@dataclass(eq=False, slots=True)
class Record:
    name: str
    start: int  # ns
    end: int  # ns
    thread: int = 0
    cpu: bool = True
    shapes: Any = None
    flops: int = 0
    nbytes: int = 0  # a [memory] record: bytes allocated (negative: freed)
    correlation: int = 0  # a CPU op's id
    linked: int = 0  # a kernel's or runtime call's link to the CPU op that launched it
    parent: Record | None = None
    children_ns: int = 0
    device_ns: int = 0
    site: str | None = None


def records(raw_events: Iterable[Any], with_devices: bool) -> list[Record]:
    """Records from torch's ``_KinetoEvent`` objects. Each accessor is a call into C++, so only
    what is needed is read: device types and links only when CUDA was profiled
    (``with_devices``), bytes only for memory records."""
    out = []
    cpu_type: Any = None
    if with_devices:
        from torch._C._autograd import DeviceType

        cpu_type = DeviceType.CPU
    for e in raw_events:
        name = e.name()
        start = e.start_ns()
        record = Record(name, start, start + e.duration_ns(), e.start_thread_id())
        if name == MEMORY:
            record.nbytes = e.nbytes()
        else:
            record.shapes = e.shapes()
            record.flops = e.flops()
        if with_devices:
            record.cpu = e.device_type() == cpu_type
            record.correlation = e.correlation_id()
            record.linked = e.linked_correlation_id()
        out.append(record)
    return out


@dataclass
class SiteTotals:
    cpu_s: float = 0.0
    device_s: float = 0.0
    ops: int = 0
    runtime_syncs: int = 0


@dataclass
class EventSummary:
    ops: list[TorchOp] = field(default_factory=list)
    sites: dict[str, SiteTotals] = field(default_factory=dict)
    cpu_s: float = 0.0
    device_s: float = 0.0
    flops: int | None = None
    unattributed_syncs: int = 0
    memory_peak_bytes: int | None = None
    memory_timeline: list[list[float]] = field(default_factory=list)
    dataloader_wait_s: float = 0.0


def is_python_event(name: str) -> bool:
    """Records of torch's Python tracer (``with_stack``) and module markers: not ops."""
    return name.startswith(("<built-in", "nn.Module:")) or ".py(" in name


def format_shapes(shapes: Any) -> str:
    """``64×512, 1024×512`` for the input shapes (scalars and empty entries left out)."""
    parts = []
    for shape in shapes or ():
        if isinstance(shape, (list, tuple)) and shape and all(isinstance(d, int) for d in shape):
            parts.append("×".join(str(d) for d in shape))
    return ", ".join(parts)


def nest(cpu_records: list[Record]) -> None:
    """Set each record's parent (the innermost record on its thread whose span holds it) and
    its site (its nearest ``perfnb@N`` annotation; for an op on another thread, such as
    autograd's, the annotation whose span holds it)."""
    cpu_records.sort(key=lambda r: (r.thread, r.start, -r.end))
    annotations = sorted((r.start, r.end, r.name) for r in cpu_records if r.name.startswith(PREFIX))
    starts = [a[0] for a in annotations]
    stack: list[Record] = []
    thread = None
    for record in cpu_records:
        if record.thread != thread:
            stack, thread = [], record.thread
        while stack and record.end > stack[-1].end:
            stack.pop()
        parent = stack[-1] if stack else None
        record.parent = parent
        if parent is not None:
            parent.children_ns += record.end - record.start
            record.site = record.name if record.name.startswith(PREFIX) else parent.site
        elif record.name.startswith(PREFIX):
            record.site = record.name
        else:
            index = bisect.bisect_right(starts, record.start) - 1
            if index >= 0 and annotations[index][0] <= record.start and record.end <= annotations[index][1]:
                record.site = annotations[index][2]
        stack.append(record)


def is_redispatch(record: Record) -> bool:
    """A Python dispatch mode (FlopCounterMode) re-dispatches each op, which the profiler records
    again inside the first (``aten::mm`` > ``PythonDispatchMode`` > ``aten::mm``): one call, its
    time split between the records, counted once."""
    parent = record.parent
    while parent is not None and parent.name == PYTHON_DISPATCH:
        parent = parent.parent
    return parent is not None and parent is not record.parent and parent.name == record.name


def summarize(all_records: list[Record], device_memory: bool, memory_start: int = 0) -> EventSummary:
    """Everything the torch section needs from one profile's records."""
    memory = [r for r in all_records if r.name == MEMORY]
    cpu = [r for r in all_records if r.cpu and r.name != MEMORY]
    device = [r for r in all_records if not r.cpu and r.name != MEMORY]
    by_id = {r.correlation: r for r in cpu if r.linked == 0 and r.correlation}
    for runtime in cpu:  # a runtime call (cudaLaunchKernel) nests on the thread of the op that made it
        if runtime.linked and runtime.linked in by_id:
            runtime.thread = by_id[runtime.linked].thread
    nest(cpu)
    for kernel in device:
        launcher = by_id.get(kernel.linked)
        if launcher is not None:
            launcher.device_ns += kernel.end - kernel.start
    out = EventSummary()
    table: dict[tuple[str, str], TorchOp] = {}
    shape_text: dict[str, str] = {}
    flops_total = 0
    for record in cpu:
        name, label = record.name, record.site
        if label == INTERNAL or name.startswith(PREFIX) or is_python_event(name):
            continue
        if name.startswith(DATALOADER):
            out.dataloader_wait_s += (record.end - record.start) * NS
        self_cpu = max(0, record.end - record.start - record.children_ns) * NS
        self_device = record.device_ns * NS
        out.cpu_s += self_cpu
        out.device_s += self_device
        key = str(record.shapes)
        shapes = shape_text.get(key)
        if shapes is None:
            shapes = shape_text[key] = format_shapes(record.shapes)
        op = table.get((name, shapes))
        if op is None:
            op = table[(name, shapes)] = TorchOp(name=name, count=0, self_s=0.0, device_s=0.0, shapes=shapes)
        op.self_s += self_cpu
        op.device_s += self_device
        if not is_redispatch(record):
            op.count += 1
            if record.flops:
                op.flops = (op.flops or 0) + record.flops
                flops_total += record.flops
        if name in SYNC_RUNTIME_CALLS and label is None:
            out.unattributed_syncs += 1
        if label is not None:
            totals = out.sites.get(label)
            if totals is None:
                totals = out.sites[label] = SiteTotals()
            totals.cpu_s += self_cpu
            totals.device_s += self_device
            totals.ops += 1
            if name in SYNC_RUNTIME_CALLS:
                totals.runtime_syncs += 1
    out.ops = sorted(table.values(), key=lambda o: o.self_s + o.device_s, reverse=True)[:MAX_OPS]
    out.flops = flops_total or None
    changes = [(float(r.start), r.nbytes) for r in memory if r.cpu != device_memory and r.nbytes]
    if changes:
        out.memory_peak_bytes, out.memory_timeline = memory_curve(changes, memory_start)
    return out


def memory_curve(changes: list[tuple[float, int]], start: int) -> tuple[int, list[list[float]]]:
    """Peak and timeline ([seconds from the first change, bytes]) of allocations minus frees;
    ``changes`` are (time in ns, bytes).

    Downsampled to at most TIMELINE_POINTS points, each keeping the highest value
    of the stretch it stands for, so the peak shows on the curve.
    """
    changes.sort(key=lambda c: c[0])
    t0 = changes[0][0]
    level = start
    peak = start
    points: list[list[float]] = [[0.0, float(start)]]
    for t_ns, change in changes:
        level += change
        peak = max(peak, level)
        points.append([(t_ns - t0) * NS, float(level)])
    if len(points) > TIMELINE_POINTS:
        step = -(-len(points) // TIMELINE_POINTS)
        points = [max(points[i : i + step], key=lambda p: p[1]) for i in range(0, len(points), step)]
    return peak, points
