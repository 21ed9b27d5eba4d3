"""What profiling costs: the same workloads bare and under each profiler, side by side.

Runs real programs from the pyperformance suite plus a NumPy-heavy and a
torch-heavy cell in one IPython shell, interleaving the modes (bare, %%perf,
cProfile, pyinstrument, line_profiler, tracemalloc, ...) in a shuffled order on
every repeat (a round), and prints each mode's time as a ratio to bare: the median,
over the rounds, of the mode's time over the same round's bare time. Pairing runs
made seconds apart cancels the host's slow drift, which a ratio of two medians
taken over the whole run does not (that one is printed too, in the summary). Scalene
cannot run inside a shell, so it runs each workload as a script in a subprocess
against the same script run bare. Also measures the fixed cost of %%perf around
an empty cell, the time of `%load_ext perfnb`, and attribution accuracy.

    python benchmarks/overhead.py                  # full run, writes benchmarks/results/
    python benchmarks/overhead.py --quick          # a smoke run (2 repeats, no Scalene)
    python benchmarks/overhead.py --repeats 31 --modes "%%perf,%%perf+display" --out benchmarks/results/overhead_targets
                                                   # perfnb alone, more rounds: what the targets are judged on

Engines add their modes to MODES (a name and a function that wraps a cell).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import inspect
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
PYPERFORMANCE_PROGRAMS = {
    # name: (module, call) — sizes chosen so one run takes roughly 0.1–0.5 s here
    "raytrace": ("bm_raytrace", "bm_raytrace.bench_raytrace(1, 40, 40, None)"),
    "nbody": ("bm_nbody", "bm_nbody.bench_nbody(1, 'sun', 20000)"),
    "richards": ("bm_richards", "bm_richards.Richards().run(4)"),
    "go": ("bm_go", "bm_go.versus_cpu()"),
    "deltablue": ("bm_deltablue", "bm_deltablue.delta_blue(5000)"),
    "float": ("bm_float", "bm_float.benchmark(60000)"),
    "fannkuch": ("bm_fannkuch", "bm_fannkuch.fannkuch(8)"),
    "spectral_norm": ("bm_spectral_norm", "bm_spectral_norm.bench_spectral_norm(1)"),
}


@dataclass
class Workload:
    name: str
    setup: str  # run once in the shell before timing
    cell: str  # the timed cell
    module: str | None = None  # the workload's module, for line_profiler's function list


def pyperformance_dir() -> Path:
    import pyperformance

    return Path(pyperformance.__file__).parent / "data-files" / "benchmarks"


def workloads() -> list[Workload]:
    found: list[Workload] = []
    root = pyperformance_dir()
    for name, (module, call) in PYPERFORMANCE_PROGRAMS.items():
        path = root / f"bm_{name}" / "run_benchmark.py"
        setup = (
            f"import importlib.util as _u\n_s = _u.spec_from_file_location({module!r}, {str(path)!r})\n"
            f"{module} = _u.module_from_spec(_s)\n_s.loader.exec_module({module})\n"
            f"import sys as _sys\n_sys.modules[{module!r}] = {module}\n"
        )
        found.append(Workload(name, setup, call, module))
    found.append(
        Workload(
            "numpy",
            "import numpy as np\n_rng = np.random.default_rng(0)\n_a = _rng.random((500, 500))\n",
            "acc = 0.0\nfor _ in range(6):\n    _b = _a @ _a\n    acc += float(np.exp(_b / _b.max()).sum())\n",
        )
    )
    if importlib.util.find_spec("torch") is not None:
        found.append(
            Workload(
                "torch",
                "import torch\ntorch.manual_seed(0)\n"
                "_mlp = torch.nn.Sequential(torch.nn.Linear(512, 1024), torch.nn.ReLU(), torch.nn.Linear(1024, 512))\n"
                "_x = torch.randn(128, 512)\n",
                "with torch.no_grad():\n    for _ in range(40):\n        _y = _mlp(_x)\n",
            )
        )
    return found


# -- modes ---------------------------------------------------------------------
@dataclass
class Mode:
    name: str
    wrap: Callable[[Workload], str]
    prepare: str = ""  # run once in the shell before timing
    needs: str | None = None  # a module that must be importable


def _between(before: str, after: str) -> Callable[[Workload], str]:
    return lambda w: f"{before}\n{w.cell}\n{after}\n"


def _line_profiler_cell(w: Workload) -> str:
    # line_profiler only times functions it is given: give it every function of the program.
    register = f"_bench_lp = _LineProfiler()\nfor _f in _bench_functions({w.module!r}):\n    _bench_lp.add_function(_f)\n"
    return f"{register}_bench_lp.enable_by_count()\n{w.cell}\n_bench_lp.disable_by_count()\n"


def _memory_profiler_cell(w: Workload) -> str:
    # memory_profiler's own line tracer, given the same functions as line_profiler above.
    register = f"_bench_mp = _MemoryLineProfiler(backend='psutil')\nfor _f in _bench_functions({w.module!r}):\n    _bench_mp.add_function(_f)\n"
    return f"{register}_bench_mp.enable_by_count()\n{w.cell}\n_bench_mp.disable_by_count()\n"


def _perf_lines_cell(w: Workload) -> str:
    # %%perf --lines, told about the same module functions line_profiler is given (-f), so
    # both time the same code.
    names = [f"{w.module}.{f.__qualname__}" for f in _functions_of(w.module) if "<" not in f.__qualname__]
    return "%%perf -q --lines " + " ".join(f"-f {n}" for n in names) + f"\n{w.cell}"


def _functions_of(module_name: str | None) -> list[Any]:
    if module_name is None or module_name not in sys.modules:
        return []
    module = sys.modules[module_name]
    functions = []
    for value in vars(module).values():
        if inspect.isfunction(value) and value.__module__ == module_name:
            functions.append(value)
        elif inspect.isclass(value) and value.__module__ == module_name:
            functions += [f for f in vars(value).values() if inspect.isfunction(f)]
    return functions


MODES: dict[str, Mode] = {
    "bare": Mode("bare", lambda w: w.cell),
    # perfnb's modes run with -q: the profiling itself. Showing the result (text, HTML with
    # pictures) is measured once, by "%%perf+display", so neither cost hides the other.
    "%%perf": Mode("%%perf", lambda w: f"%%perf -q\n{w.cell}"),
    "%%perf+display": Mode("%%perf+display", lambda w: f"%%perf\n{w.cell}"),
    "cProfile": Mode(
        "cProfile",
        _between("_bench_cp = _cProfile.Profile()\n_bench_cp.enable()", "_bench_cp.disable()"),
        prepare="import cProfile as _cProfile",
    ),
    "pyinstrument": Mode(
        "pyinstrument",
        _between("_bench_pi = _Pyinstrument(interval=0.001)\n_bench_pi.start()", "_bench_pi.stop()"),
        prepare="from pyinstrument import Profiler as _Pyinstrument",
        needs="pyinstrument",
    ),
    "line_profiler": Mode(
        "line_profiler",
        _line_profiler_cell,
        prepare="from line_profiler import LineProfiler as _LineProfiler",
        needs="line_profiler",
    ),
    "tracemalloc": Mode(
        "tracemalloc", _between("import tracemalloc as _tm\n_tm.start()", "_tm.stop()"), prepare="import tracemalloc"
    ),
    # issue #3: per-line memory and exact line timings. --memory keeps 3 frames per block
    # (perfnb/engines/memory.py): "tracemalloc-3" is tracemalloc alone at that depth, its floor.
    "tracemalloc-3": Mode(
        "tracemalloc-3", _between("import tracemalloc as _tm\n_tm.start(3)", "_tm.stop()"), prepare="import tracemalloc"
    ),
    "--memory": Mode("--memory", lambda w: f"%%perf -q --memory\n{w.cell}"),
    "--memory=rss": Mode("--memory=rss", lambda w: f"%%perf -q --memory=rss\n{w.cell}", needs="psutil"),
    "memory_profiler": Mode(
        "memory_profiler",
        _memory_profiler_cell,
        prepare="from memory_profiler import LineProfiler as _MemoryLineProfiler",
        needs="memory_profiler",
    ),
    "--lines": Mode("--lines", _perf_lines_cell, needs="line_profiler"),
    # issue #4: PyTorch profiling (torch.profiler alone as the reference)
    "torch.profiler": Mode(
        "torch.profiler",
        _between("_bench_tp = _tprof.profile(record_shapes=True)\n_bench_tp.start()", "_bench_tp.stop()"),
        prepare="import torch.profiler as _tprof",
        needs="torch",
    ),
    "--torch": Mode("--torch", lambda w: f"%%perf -q --torch\n{w.cell}", needs="torch"),
    "--flops": Mode("--flops", lambda w: f"%%perf -q --flops\n{w.cell}", needs="torch"),
}


# -- measuring -----------------------------------------------------------------
@dataclass
class Results:
    times: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    scalene: dict[str, float] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    def ratio(self, workload: str, mode: str) -> float:
        """The median over the rounds of the mode's time / the same round's bare time."""
        pairs = zip(self.times[(workload, mode)], self.times[(workload, "bare")], strict=True)
        return statistics.median(t / bare for t, bare in pairs)

    def ratio_of_medians(self, workload: str, mode: str) -> float:
        return statistics.median(self.times[(workload, mode)]) / statistics.median(self.times[(workload, "bare")])


def make_shell() -> Any:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "perfnb")
    shell.display_pub.publish = lambda *args, **kwargs: None  # render the profile, print nothing
    shell.user_ns["_bench_functions"] = _functions_of
    return shell


def run_cell(shell: Any, source: str) -> float:
    started = time.perf_counter()
    result = shell.run_cell(source, store_history=True)
    elapsed = time.perf_counter() - started
    if not result.success:
        raise RuntimeError(f"benchmark cell failed: {result.error_in_exec or result.error_before_exec}\n{source}")
    return elapsed


def measure_modes(shell: Any, loads: list[Workload], modes: list[Mode], repeats: int, results: Results) -> None:
    for mode in modes:
        if mode.prepare:
            run_cell(shell, mode.prepare)
    for load in loads:
        run_cell(shell, load.setup)
        for mode in modes:  # warm-up: first calls, imports, caches
            run_cell(shell, mode.wrap(load))
        for repeat in range(repeats):
            order = modes[:]
            random.Random(repeat).shuffle(order)
            for mode in order:
                gc.collect()  # every run starts from the same heap: a full collection due mid-run is noise
                results.times.setdefault((load.name, mode.name), []).append(run_cell(shell, mode.wrap(load)))
        ratios = "  ".join(f"{m.name} {results.ratio(load.name, m.name):.2f}x" for m in modes if m.name != "bare")
        print(f"  {load.name:14s} {ratios}", file=sys.stderr, flush=True)


def measure_scalene(loads: list[Workload], repeats: int, results: Results) -> None:
    """Scalene runs a program: time the same script bare and under `scalene run --cpu-only`."""
    for load in loads:
        script = textwrap.dedent(
            f"""
            import sys, time
            sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
            from overhead import _functions_of
            """
        )
        body = load.setup + "\n" + f"import time as _t\n_t0 = _t.perf_counter()\nfor _rep in range({repeats}):\n"
        body += textwrap.indent(load.cell, "    ") + "\n"
        body += "print('ELAPSED', _t.perf_counter() - _t0)\n"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"bench_{load.name}.py"
            path.write_text(script + body)
            bare = _elapsed([sys.executable, str(path)])
            scalene = _elapsed(
                [sys.executable, "-m", "scalene", "run", "--cpu-only", "-o", str(Path(tmp) / "s.json"), str(path)]
            )
        if bare and scalene:
            results.scalene[load.name] = scalene / bare
            print(f"  {load.name:14s} scalene {scalene / bare:.2f}x", file=sys.stderr, flush=True)


def _elapsed(command: list[str]) -> float | None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    for line in done.stdout.splitlines():
        if line.startswith("ELAPSED"):
            return float(line.split()[1])
    print(f"  (no timing from {' '.join(command[:4])}: {done.stderr.strip()[-200:]})", file=sys.stderr)
    return None


def measure_fixed_costs(shell: Any, results: Results, runs: int = 60) -> None:
    cells = {"bare": "pass", "quiet": "%%perf -q\npass", "shown": "%%perf\npass"}
    times: dict[str, list[float]] = {name: [] for name in cells}
    for _ in range(runs):  # interleaved, like the workloads
        for name, cell in cells.items():
            times[name].append(run_cell(shell, cell))
    bare = statistics.median(times["bare"])
    results.extras["fixed_cost_s"] = statistics.median(times["quiet"]) - bare
    results.extras["fixed_cost_display_s"] = statistics.median(times["shown"]) - bare
    code = (
        "import time\nfrom IPython.core.interactiveshell import InteractiveShell\n"
        "ip = InteractiveShell.instance()\nt = time.perf_counter()\nip.run_line_magic('load_ext', 'perfnb')\n"
        "print(time.perf_counter() - t)\n"
    )
    loads = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout) for _ in range(5)]
    results.extras["load_ext_s"] = statistics.median(loads)


def measure_attribution(shell: Any, results: Results) -> None:
    """One line taking most of a cell, and a cell dominated by one matrix product."""
    run_cell(shell, "import time, numpy as np\ndef _spin(s):\n    e = time.perf_counter() + s\n    while time.perf_counter() < e: pass\n")
    run_cell(shell, "%%perf -q -o _att\n_spin(0.45)\n_spin(0.05)\n")
    profile = shell.user_ns["_att"]
    line = next(s for s in profile.lines if s.code == "_spin(0.45)")
    results.extras["one_line_90pct_reported"] = line.time_s / profile.timing.wall_s
    run_cell(shell, "_m = np.random.default_rng(1).random((1500, 1500))")
    run_cell(shell, "%%perf -q -o _att\n_p = _m @ _m\n_s = float(_p.sum())\n")
    profile = shell.user_ns["_att"]
    line = next(s for s in profile.lines if s.code == "_p = _m @ _m")
    results.extras["matmul_line_share"] = line.time_s / profile.timing.wall_s
    results.extras["matmul_line_native_share"] = line.native_s / line.time_s


# -- report --------------------------------------------------------------------
def machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    with contextlib.suppress(OSError):
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def spread(times: list[float]) -> float:
    """Run-to-run noise of a mode: the interquartile range as a share of the median."""
    if len(times) < 4:
        return 0.0
    quartiles = statistics.quantiles(times, n=4)
    return (quartiles[2] - quartiles[0]) / statistics.median(times)


def report(results: Results, loads: list[Workload], modes: list[Mode], repeats: int) -> str:
    names = [m.name for m in modes if m.name != "bare"]
    lines = [
        f"perfnb overhead benchmark — time as a ratio to bare (lower is better): {repeats} rounds, each running every",
        "mode once in a shuffled order, each run after gc.collect(); a ratio is the median over the rounds of the mode's",
        "time / the same round's bare time; spread = the bare runs' interquartile range / median (the host's noise)",
    ]
    lines.append(json.dumps(machine()))
    header = f"{'workload':14s} {'bare':>9s} {'spread':>7s} " + " ".join(f"{n:>13s}" for n in names)
    if results.scalene:
        header += f" {'scalene':>9s}"
    lines += ["", header]
    for load in loads:
        bare = statistics.median(results.times[(load.name, "bare")])
        row = f"{load.name:14s} {bare * 1e3:7.1f}ms {spread(results.times[(load.name, 'bare')]):6.1%} " + " ".join(f"{results.ratio(load.name, n):12.3f}x" for n in names)
        if results.scalene:
            scalene = results.scalene.get(load.name)
            row += f" {scalene:8.2f}x" if scalene else f" {'—':>9s}"
        lines.append(row)
    lines.append("")
    for name in names:
        ratios = [results.ratio(load.name, name) for load in loads]
        of_medians = [results.ratio_of_medians(load.name, name) for load in loads]
        lines.append(
            f"{name:14s} median {statistics.median(ratios):.3f}x  worst {max(ratios):.3f}x"
            f"   (ratio of medians: median {statistics.median(of_medians):.3f}x  worst {max(of_medians):.3f}x)"
        )
    if results.scalene:
        values = list(results.scalene.values())
        lines.append(f"{'scalene':14s} median {statistics.median(values):.3f}x  worst {max(values):.3f}x")
    extras = results.extras
    if extras:
        lines.append("")
        if "fixed_cost_s" in extras:
            lines.append(f"fixed cost of %%perf around an empty cell: {extras['fixed_cost_s'] * 1e3:.2f} ms (target ≤ 20 ms)")
            lines.append(f"  the same, showing the profile (text + static HTML): {extras['fixed_cost_display_s'] * 1e3:.2f} ms")
            lines.append(f"%load_ext perfnb: {extras['load_ext_s'] * 1e3:.1f} ms (target ≤ 300 ms)")
        if "one_line_90pct_reported" in extras:
            lines.append(
                f"attribution: a line taking ~90% of the cell is reported at {extras['one_line_90pct_reported']:.1%} "
                f"(target ≥ 75%); a matrix-product line gets {extras['matmul_line_share']:.1%} of the cell, "
                f"{extras['matmul_line_native_share']:.1%} of it native"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=11, help="rounds (default 11)")
    parser.add_argument("--quick", action="store_true", help="2 repeats, no Scalene: a smoke run")
    parser.add_argument("--modes", default="", help="comma-separated subset of modes (bare is always included)")
    parser.add_argument("--workloads", default="", help="comma-separated subset of workloads")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write overhead.txt/json ('' for nowhere)")
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else args.repeats
    wanted = {m for m in args.modes.split(",") if m}
    modes = [
        m
        for m in MODES.values()
        if (m.name == "bare" or not wanted or m.name in wanted)
        and (m.needs is None or importlib.util.find_spec(m.needs) is not None)
    ]
    loads = [w for w in workloads() if not args.workloads or w.name in args.workloads.split(",")]
    shell = make_shell()
    results = Results()
    print("measuring modes…", file=sys.stderr)
    measure_modes(shell, loads, modes, repeats, results)
    # In-process figures before Scalene's subprocesses: right after them an empty cell measured
    # 2.5 ms of fixed cost where it measures 0.8 ms otherwise.
    measure_fixed_costs(shell, results)
    measure_attribution(shell, results)
    if not args.quick and (not wanted or "scalene" in wanted) and importlib.util.find_spec("scalene"):
        print("measuring Scalene (subprocesses)…", file=sys.stderr)
        measure_scalene(loads, max(2, repeats // 2), results)
    text = report(results, loads, modes, repeats)
    print(text)
    if str(args.out) and not args.quick:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "overhead.txt").write_text(text + "\n")
        raw = {f"{w}|{m}": v for (w, m), v in results.times.items()}
        (args.out / "overhead.json").write_text(
            json.dumps({"machine": machine(), "times_s": raw, "scalene": results.scalene, **results.extras}, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
