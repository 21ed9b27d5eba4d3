"""The PyTorch targets of issue #4, measured side by side in one run.

On the CPU:
- the FLOPs of nn.Linear(512, 1024) on a (64, 512) input as ``--flops`` and ``--torch``
  report them, against 2·64·512·1024 (target: exact);
- ``--torch`` overhead on MLP inference loops (target ≤ 1.3× on the issue's 512→1024→512 MLP),
  interleaved in one shell (overhead.py's machinery) with bare, ``%%perf`` (the default mode:
  on a machine without CUDA the torch facts — device memory peak, syncs — do not start),
  ``--flops``, and raw torch.profiler (``record_shapes=True``, as ``--torch`` runs it) both
  alone and followed by its op table (``key_averages(group_by_input_shape=True)``), which is
  what a user runs to read ops and shapes, and with ``with_stack=True`` (Python stacks, which
  ``--torch`` records only for ``--trace``).

On a GPU (only where CUDA is available; otherwise the report says it was not measured):
- the kernel time summed over the cell's lines against the cell's GPU time from CUDA
  events, on a GPU-bound cell (target: within 5%);
- ``--gpu`` overhead on a small CNN training step (target ≤ 1.2×), and the default mode's there
  (its cheap torch facts: device memory peak, CPU-GPU syncs counted by sync-debug warnings).

    python benchmarks/torch_overhead.py             # writes benchmarks/results/torch.txt
    python benchmarks/torch_overhead.py --quick     # 2 repeats, writes nothing
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from overhead import MODES, RESULTS, Mode, Results, Workload, machine, make_shell, measure_modes, run_cell

PROFILER_STACK = Mode(  # what --torch would cost with Python stacks on (it turns them on for --trace only)
    "torch.profiler+stack",
    lambda w: f"_bench_tp = _tprof.profile(record_shapes=True, with_stack=True)\n_bench_tp.start()\n{w.cell}\n"
    "_bench_tp.stop()\n",
    prepare="import torch.profiler as _tprof",
    needs="torch",
)
PROFILER_TABLE = Mode(
    "torch.profiler+table",
    lambda w: f"_bench_tp = _tprof.profile(record_shapes=True)\n_bench_tp.start()\n{w.cell}\n_bench_tp.stop()\n"
    "_bench_table = _bench_tp.key_averages(group_by_input_shape=True).table(row_limit=40)\n",
    prepare="import torch.profiler as _tprof",
    needs="torch",
)
CPU_MODES = [
    MODES["bare"], MODES["%%perf"], MODES["torch.profiler"], PROFILER_STACK, PROFILER_TABLE, MODES["--torch"], MODES["--flops"]
]

MLP_SETUP = "import torch\ntorch.manual_seed(0)\ntorch.set_num_threads(1)\n"
CPU_LOADS = [
    Workload(
        "mlp-512x1024",  # the issue's layer sizes: matmuls dominate
        MLP_SETUP + "_mlp = torch.nn.Sequential(torch.nn.Linear(512, 1024), torch.nn.ReLU(), torch.nn.Linear(1024, 512))\n"
        "_x = torch.randn(64, 512)\n",
        "with torch.no_grad():\n    for _ in range(40):\n        _y = _mlp(_x)\n",
    ),
    Workload(
        "mlp-small-ops",  # small layers: the per-op cost of profiling shows
        MLP_SETUP + "_mlp = torch.nn.Sequential(torch.nn.Linear(128, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),"
        " torch.nn.ReLU(), torch.nn.Linear(128, 10))\n_x = torch.randn(32, 128)\n",
        "with torch.no_grad():\n    for _ in range(300):\n        _y = _mlp(_x)\n",
    ),
]
GPU_SETUP = (
    "import torch\nfrom torch import nn\ntorch.manual_seed(0)\n"
    "_cnn = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),"
    " nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)).cuda()\n"
    "_opt = torch.optim.SGD(_cnn.parameters(), lr=0.01)\n"
    "_images, _labels = torch.randn(64, 3, 32, 32, device='cuda'), torch.randint(0, 10, (64,), device='cuda')\n"
)
GPU_STEP = (
    "for _ in range(20):\n    _opt.zero_grad()\n    _loss = nn.functional.cross_entropy(_cnn(_images), _labels)\n"
    "    _loss.backward()\n    _opt.step()\ntorch.cuda.synchronize()\n"
)
GPU_MODES = [MODES["bare"], MODES["%%perf"], Mode("--gpu", lambda w: f"%%perf -q --gpu\n{w.cell}")]


def measure_flops(shell: Any) -> dict[str, Any]:
    run_cell(shell, "import torch\n_layer = torch.nn.Linear(512, 1024)\n_inp = torch.randn(64, 512)\n")
    expected = 2 * 64 * 512 * 1024
    run_cell(shell, "%%perf -q -o _f --flops\n_out = _layer(_inp)\n")
    counted = shell.user_ns["_f"].torch.flops
    run_cell(shell, "%%perf -q -o _f --torch\n_out = _layer(_inp)\n")
    profiled = shell.user_ns["_f"].torch.flops
    return {"expected": expected, "flops_counter_mode": counted, "torch_profiler": profiled}


def measure_gpu(shell: Any, repeats: int, results: Results) -> dict[str, Any]:
    import torch

    if not torch.cuda.is_available():
        return {"gpu": "not measured: no CUDA device on this machine"}
    run_cell(shell, "import torch\n_a = torch.randn(4096, 4096, device='cuda')\n")
    run_cell(shell, "%%perf -q -o _g --gpu\nfor _ in range(10):\n    _b = _a @ _a\n_c = (_b * 2).relu()\ntorch.cuda.synchronize()\n")
    profile = shell.user_ns["_g"]
    section = profile.torch
    own = sum(line.device_s for line in section.lines if line.cell == profile.cell.execution_count)
    train = Workload("cnn-train-step", GPU_SETUP, GPU_STEP)
    measure_modes(shell, [train], GPU_MODES, repeats, results)
    return {
        "gpu": section.device,
        "kernel_time_by_line_s": own,
        "cuda_events_s": section.device_elapsed_s,
        "kernel_over_events": own / section.device_elapsed_s if section.device_elapsed_s else None,
        "gpu_overhead": results.ratio("cnn-train-step", "--gpu"),
        "default_overhead": results.ratio("cnn-train-step", "%%perf"),
    }


def report(results: Results, flops: dict[str, Any], gpu: dict[str, Any], modes: list[Mode], repeats: int) -> str:
    names = [m.name for m in modes if m.name != "bare"]
    load = " ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    lines = [
        f"perfnb torch benchmark — ratio of median time to bare, {repeats} interleaved repeats",
        json.dumps(machine()),
        f"load average at the end (1, 5, 15 min): {load}",
    ]
    lines += ["", f"{'workload':16s} {'bare':>9s} " + " ".join(f"{n:>21s}" for n in names)]
    for load in CPU_LOADS:
        bare = statistics.median(results.times[(load.name, "bare")])
        lines.append(f"{load.name:16s} {bare * 1e3:7.1f}ms " + " ".join(f"{results.ratio(load.name, n):20.3f}x" for n in names))
    lines.append("")
    for load in CPU_LOADS:
        torch_ratio, raw = results.ratio(load.name, "--torch"), results.ratio(load.name, "torch.profiler")
        lines.append(
            f"--torch on {load.name}: {torch_ratio:.3f}x bare, {torch_ratio / raw:.2f}x raw torch.profiler, "
            f"{torch_ratio / results.ratio(load.name, PROFILER_TABLE.name):.2f}x raw torch.profiler with its op table"
        )
    issue = results.ratio(CPU_LOADS[0].name, "--torch")
    lines += [
        f"--torch on the issue's MLP ({CPU_LOADS[0].name}): {issue:.3f}x (target ≤ 1.3x: {'met' if issue <= 1.3 else 'NOT met'})",
        f"FLOPs of nn.Linear(512, 1024) on (64, 512): expected {flops['expected']:,}; --flops (FlopCounterMode) "
        f"{flops['flops_counter_mode']:,}; --torch (torch.profiler) {flops['torch_profiler']:,} "
        f"({'exact' if flops['expected'] == flops['flops_counter_mode'] == flops['torch_profiler'] else 'NOT exact'})",
    ]
    if "kernel_over_events" in gpu:
        lines.append(
            f"GPU {gpu['gpu']}: kernel time by line {gpu['kernel_time_by_line_s'] * 1e3:.2f} ms vs CUDA events "
            f"{gpu['cuda_events_s'] * 1e3:.2f} ms ({gpu['kernel_over_events']:.1%}; target within 5%); "
            f"--gpu on a CNN training step {gpu['gpu_overhead']:.3f}x (target ≤ 1.2x); "
            f"%%perf (default, with device memory peak and sync count) {gpu['default_overhead']:.3f}x"
        )
    else:
        lines.append(f"GPU targets: {gpu['gpu']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="2 repeats, writes nothing")
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else args.repeats
    shell = make_shell()
    results = Results()
    flops = measure_flops(shell)
    measure_modes(shell, CPU_LOADS, CPU_MODES, repeats, results)
    gpu = measure_gpu(shell, repeats, results)
    text = report(results, flops, gpu, CPU_MODES, repeats)
    print(text)
    if not args.quick:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "torch.txt").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
