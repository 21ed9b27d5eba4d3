"""The Profile: the one data structure engines produce and views consume.

Its JSON form is the ``perfnb.profile/1`` contract (see ``schema/profile-1.json``).
Fields may be added; renaming or removing one needs a new schema version.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, Union

SCHEMA = "perfnb.profile/1"
MIME_TYPE = "application/vnd.perfnb.profile+json"

Origin = Literal["cell", "file"]


@dataclass
class CellInfo:
    execution_count: int | None
    source: str


@dataclass
class Timing:
    wall_s: float
    cpu_s: float
    runs_s: list[float]
    p50_s: float
    p95_s: float
    p99_s: float
    mean_s: float = 0.0
    stdev_s: float = 0.0
    min_s: float = 0.0
    max_s: float = 0.0
    p50_ci_s: list[float] | None = None
    warmup: int = 0


@dataclass
class LineStat:
    origin: Origin
    cell: int | None
    file: str
    line: int
    code: str
    time_s: float
    native_s: float
    hits: int | None = None
    alloc_bytes: int | None = None
    cpu_s: float = 0.0
    function: str = ""
    # --lines (line_profiler): time measured between this line's start and the next line's
    # in the same frame, over every hit (callees included); None when not measured.
    line_time_s: float | None = None
    # --memory: alloc_bytes is the most the line held at once; alloc_count its blocks then;
    # peak_bytes what it held at the traced peak; retained_bytes what it still held at the end.
    alloc_count: int | None = None
    peak_bytes: int | None = None
    retained_bytes: int | None = None


@dataclass
class TreeNode:
    name: str
    file: str
    line: int
    time_s: float
    self_s: float
    children: list[TreeNode] = field(default_factory=list)
    cell: int | None = None
    native_s: float = 0.0

    def walk(self) -> typing.Iterator[TreeNode]:
        """Every node of the tree, this one first (iterative: trees can be deep)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


@dataclass
class Memory:
    rss_peak_bytes: int
    traced_peak_bytes: int | None = None
    timeline: list[list[float]] = field(default_factory=list)
    rss_start_bytes: int = 0
    rss_end_bytes: int = 0
    # --memory: traced bytes over time, and traced bytes allocated during the run and still
    # held at its end (None when not traced).
    traced_timeline: list[list[float]] = field(default_factory=list)
    retained_bytes: int | None = None


@dataclass
class GCStats:
    collections: list[int] = field(default_factory=lambda: [0, 0, 0])
    time_s: float = 0.0
    max_pause_s: float = 0.0


@dataclass
class ThreadProfile:
    name: str
    ident: int
    time_s: float
    cpu_s: float = 0.0
    lines: list[LineStat] = field(default_factory=list)
    tree: TreeNode | None = None


@dataclass
class TorchOp:
    name: str
    count: int
    self_s: float
    device_s: float
    flops: int | None = None
    shapes: str = ""


@dataclass
class TorchLine:
    """Torch work launched from one source line (inclusive: a cell line calling a
    function from an earlier cell is charged that function's ops too)."""

    origin: Origin
    cell: int | None
    file: str
    line: int
    code: str
    cpu_s: float
    device_s: float
    ops: int = 0
    syncs: int = 0
    function: str = ""


@dataclass
class TorchModule:
    """An nn.Module the cell called (outermost ones only; children are in their totals)."""

    name: str
    type: str
    params: int
    bytes: int
    dtypes: list[str] = field(default_factory=list)
    device: str = ""
    calls: int = 0
    flops: int | None = None


@dataclass
class TorchSection:
    device: str
    ops: list[TorchOp] = field(default_factory=list)
    flops: int | None = None
    device_memory_peak_bytes: int | None = None
    syncs: int = 0
    lines: list[TorchLine] = field(default_factory=list)
    modules: list[TorchModule] = field(default_factory=list)
    flops_source: str = ""
    flops_per_s: float | None = None
    peak_flops_per_s: float | None = None
    peak_fraction: float | None = None
    dtype: str = ""
    device_memory_reserved_peak_bytes: int | None = None
    memory_timeline: list[list[float]] = field(default_factory=list)
    cpu_s: float = 0.0
    device_s: float = 0.0
    dataloader_wait_s: float = 0.0
    trace_path: str | None = None
    device_elapsed_s: float | None = None  # the cell's span on the GPU, timed with CUDA events
    device_memory_peak_is_lower_bound: bool = False
    module_flops: dict[str, int] = field(default_factory=dict)


@dataclass
class GpuSection:
    device: str
    utilization: list[list[float]] = field(default_factory=list)
    memory: list[list[float]] = field(default_factory=list)


@dataclass
class Suggestion:
    rule: str
    category: str
    level: str
    title: str
    evidence: str
    lines: list[int]
    fix: str
    tutorial: str
    verified: str | None = None
    speedup: str = ""
    saving_s: float = 0.0
    file: str = ""  # where ``lines`` are: "In [5]" or a path


@dataclass
class Meta:
    perfnb_version: str = ""
    python: str = ""
    platform: str = ""
    started_at: str = ""
    engines: list[str] = field(default_factory=list)
    interval_s: float = 0.0
    samples: int = 0
    errors: list[str] = field(default_factory=list)
    advice_notes: list[str] = field(default_factory=list)  # suggestions measured and withdrawn, and why


@dataclass
class Profile:
    cell: CellInfo
    timing: Timing
    lines: list[LineStat] = field(default_factory=list)
    tree: TreeNode | None = None
    memory: Memory = field(default_factory=lambda: Memory(rss_peak_bytes=0))
    torch: TorchSection | None = None
    gpu: GpuSection | None = None
    suggestions: list[Suggestion] = field(default_factory=list)
    gc: GCStats = field(default_factory=GCStats)
    threads: list[ThreadProfile] = field(default_factory=list)
    meta: Meta = field(default_factory=Meta)
    schema: str = SCHEMA

    def to_dict(self) -> dict[str, Any]:
        return _to_plain(self)  # type: ignore[no-any-return]

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Profile:
        if data.get("schema") != SCHEMA:
            raise ValueError(f"unsupported profile schema {data.get('schema')!r} (expected {SCHEMA!r})")
        return _build(cls, data)

    @classmethod
    def from_json(cls, text: str) -> Profile:
        return cls.from_dict(json.loads(text))

    def top_lines(self, n: int = 10) -> list[LineStat]:
        """The n lines with the most time, hottest first."""
        return sorted(self.lines, key=lambda s: s.time_s, reverse=True)[:n]


_PLAIN = (str, int, float, bool, type(None))


def _to_plain(value: Any) -> Any:
    """Dataclasses to dicts without recursion (call trees can be thousands deep)."""
    if isinstance(value, _PLAIN):  # most values: tested first, as a profile is converted for every display
        return value
    if isinstance(value, TreeNode):
        return tree_to_plain(value)
    if isinstance(value, (list, tuple)):
        return [_to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: _to_plain(getattr(value, name)) for name in _field_names(type(value))}
    return value


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names (``dataclasses.fields`` builds its list anew at every call)."""
    return tuple(f.name for f in dataclasses.fields(cls))


def tree_to_plain(root: Any) -> dict[str, Any]:
    """A tree of dataclass nodes (each with a ``children`` list) as nested dicts, iteratively."""

    def shallow(node: Any) -> dict[str, Any]:
        out = {name: getattr(node, name) for name in _field_names(node.__class__) if name != "children"}
        out["children"] = []
        return out

    top = shallow(root)
    stack = [(root, top)]
    while stack:
        node, plain = stack.pop()
        for child in node.children:
            child_plain = shallow(child)
            plain["children"].append(child_plain)
            stack.append((child, child_plain))
    return top


def _tree_from_plain(data: dict[str, Any]) -> TreeNode:
    def shallow(d: dict[str, Any]) -> TreeNode:
        kwargs = {k: v for k, v in d.items() if k in _TREE_FIELDS and k != "children"}
        return TreeNode(**kwargs)

    root = shallow(data)
    stack = [(root, data)]
    while stack:
        node, plain = stack.pop()
        for child_plain in plain.get("children", []):
            child = shallow(child_plain)
            node.children.append(child)
            stack.append((child, child_plain))
    return root


_TREE_FIELDS = {f.name for f in dataclasses.fields(TreeNode)}
T = TypeVar("T")


def _build(cls: type[T], data: Any) -> T:
    """Build a dataclass from its plain form, ignoring unknown keys (forward compatible)."""
    if cls is TreeNode:
        return _tree_from_plain(data)  # type: ignore[return-value]
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in data:
            kwargs[f.name] = _convert(hints[f.name], data[f.name])
    return cls(**kwargs)


def _convert(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value) if len(inner) == 1 else value
    if origin is list:
        return [_convert(args[0], v) for v in value]
    if dataclasses.is_dataclass(hint):
        return _build(hint, value)  # type: ignore[arg-type]
    if hint is float and isinstance(value, int):
        return float(value)
    return value
