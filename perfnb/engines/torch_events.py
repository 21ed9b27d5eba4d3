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
from operator import attrgetter
from typing import Any

from ..model import TorchOp
from .torch_flops import CONV2D, COUNTED, op_flops
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
    (``with_devices``), bytes only for memory records, shapes only for ops (not for perfnb's
    own annotations); FLOPs come from the shapes (torch_flops.py)."""
    out: list[Record] = []
    append = out.append
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
        elif not name.startswith(PREFIX):
            shapes = record.shapes = e.shapes()
            if name in COUNTED:
                record.flops = op_flops(name, shapes, e.concrete_inputs() if name == CONV2D else ())
        if with_devices:
            record.cpu = e.device_type() == cpu_type
            record.correlation = e.correlation_id()
            record.linked = e.linked_correlation_id()
        append(record)
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
    cpu_records.sort(key=attrgetter("end"), reverse=True)  # stable: an outer record before an inner one
    cpu_records.sort(key=attrgetter("thread", "start"))
    annotations = sorted((r.start, r.end, r.name) for r in cpu_records if r.name.startswith(PREFIX))
    starts = [a[0] for a in annotations]
    stack: list[Record] = []
    thread = None
    for record in cpu_records:
        if record.thread != thread:
            stack, thread = [], record.thread
        end = record.end
        while stack and end > stack[-1].end:
            stack.pop()
        name = record.name
        if stack:
            parent = record.parent = stack[-1]
            parent.children_ns += end - record.start
            record.site = name if name.startswith(PREFIX) else parent.site
        elif name.startswith(PREFIX):
            record.site = name
        elif starts:
            index = bisect.bisect_right(starts, record.start) - 1
            if index >= 0 and annotations[index][0] <= record.start and end <= annotations[index][1]:
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
    """Everything the torch section needs from one profile's records.

    Sums stay in integer nanoseconds keyed by (name, input shapes as tuples) while the
    records are walked; the shapes are formatted once per distinct key at the end.
    """
    memory: list[Record] = []
    cpu: list[Record] = []
    device: list[Record] = []
    redispatched = False
    for r in all_records:
        name = r.name
        if name == MEMORY:
            memory.append(r)
        elif r.cpu:
            cpu.append(r)
            redispatched = redispatched or name == PYTHON_DISPATCH
        else:
            device.append(r)
    by_id = {r.correlation: r for r in cpu if r.linked == 0 and r.correlation}
    if by_id:
        for runtime in cpu:  # a runtime call (cudaLaunchKernel) nests on the thread of the op that made it
            if runtime.linked and runtime.linked in by_id:
                runtime.thread = by_id[runtime.linked].thread
    nest(cpu)
    for kernel in device:
        launcher = by_id.get(kernel.linked)
        if launcher is not None:
            launcher.device_ns += kernel.end - kernel.start
    out = EventSummary()
    ops: dict[tuple[str, Any], list[int]] = {}  # (name, shapes) -> [count, self ns, device ns, flops]
    sites: dict[str, list[int]] = {}  # label -> [self ns, device ns, ops, runtime syncs]
    unattributed_syncs = dataloader_ns = 0
    for record in cpu:
        name, label = record.name, record.site
        if label == INTERNAL or name.startswith(PREFIX) or is_python_event(name):
            continue
        if name.startswith(DATALOADER):
            dataloader_ns += record.end - record.start
        self_ns = max(0, record.end - record.start - record.children_ns)
        device_ns = record.device_ns
        shapes = record.shapes
        key = (name, tuple(map(tuple, shapes)) if shapes else ())
        op = ops.get(key)
        if op is None:
            op = ops[key] = [0, 0, 0, 0]
        op[1] += self_ns
        op[2] += device_ns
        if not (redispatched and is_redispatch(record)):
            op[0] += 1
            op[3] += record.flops
        sync = name in SYNC_RUNTIME_CALLS
        if label is None:
            unattributed_syncs += sync
            continue
        totals = sites.get(label)
        if totals is None:
            totals = sites[label] = [0, 0, 0, 0]
        totals[0] += self_ns
        totals[1] += device_ns
        totals[2] += 1
        totals[3] += sync
    table: dict[tuple[str, str], TorchOp] = {}
    for (name, shapes), (count, self_ns, device_ns, flops) in ops.items():
        text = format_shapes(shapes)
        row = table.get((name, text))
        if row is None:
            row = table[(name, text)] = TorchOp(name=name, count=0, self_s=0.0, device_s=0.0, shapes=text)
        row.count += count
        row.self_s += self_ns * NS
        row.device_s += device_ns * NS
        if flops:
            row.flops = (row.flops or 0) + flops
    out.ops = sorted(table.values(), key=lambda o: o.self_s + o.device_s, reverse=True)[:MAX_OPS]
    out.flops = sum(op[3] for op in ops.values()) or None
    out.cpu_s = sum(op[1] for op in ops.values()) * NS
    out.device_s = sum(op[2] for op in ops.values()) * NS
    out.sites = {label: SiteTotals(c * NS, d * NS, n, s) for label, (c, d, n, s) in sites.items()}
    out.unattributed_syncs = unattributed_syncs
    out.dataloader_wait_s = dataloader_ns * NS
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
