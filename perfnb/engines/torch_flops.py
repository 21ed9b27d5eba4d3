"""FLOPs of one op from the input shapes torch.profiler records (``record_shapes``).

The formulas are torch.profiler's own (``with_flops``: matrix products, 2-D
convolution, elementwise multiply and add), applied here to the recorded shapes
after the cell: with ``with_flops`` on, torch works them out while the cell runs,
which made the profiled MLP loops of benchmarks/torch_overhead.py 6-8% slower
(30 interleaved runs, torch 2.13 on the CPU); here they cost a few microseconds
per counted op once the profile has stopped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

CONV2D = "aten::conv2d"  # the one op whose FLOPs need its arguments (stride, padding, dilation, groups)
COUNTED = frozenset({"aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::mul", "aten::add", CONV2D})


def op_flops(name: str, shapes: Sequence[Sequence[int]], arguments: Sequence[Any] = ()) -> int:
    """FLOPs of an op named in COUNTED; 0 where its shapes do not fit the formula.
    ``arguments`` are the op's concrete inputs (only aten::conv2d needs them)."""
    try:
        if name == "aten::mm":
            (m, k), (_, n) = shapes[0], shapes[1]
            return 2 * m * k * n
        if name == "aten::addmm":
            (m, k), (_, n) = shapes[1], shapes[2]
            return 2 * m * k * n
        if name in ("aten::bmm", "aten::baddbmm"):
            first = 0 if name == "aten::bmm" else 1
            (b, m, k), (_, _, n) = shapes[first], shapes[first + 1]
            return 2 * b * m * k * n
        if name in ("aten::mul", "aten::add"):
            return math.prod(shapes[0]) if shapes[0] else 0
        if name == CONV2D:
            return _conv2d(shapes, arguments)
    except (IndexError, TypeError, ValueError):
        return 0
    return 0


def _conv2d(shapes: Sequence[Sequence[int]], arguments: Sequence[Any]) -> int:
    (n, _, height, width), (c_out, c_in_per_group, k_h, k_w) = shapes[0], shapes[1]
    stride, padding, dilation = arguments[3], arguments[4], arguments[5]
    out_h = (height + 2 * padding[0] - dilation[0] * (k_h - 1) - 1) // stride[0] + 1
    out_w = (width + 2 * padding[1] - dilation[1] * (k_w - 1) - 1) // stride[1] + 1
    return int(2 * n * out_h * out_w * k_h * k_w * c_in_per_group * c_out)
