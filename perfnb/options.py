"""The arguments of %%perf / %perf, parsed into Options."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

F = TypeVar("F", bound=Callable[..., Any])

ENGINES = ("sampler", "scalene")  # what --engine accepts; the first is the default


@dataclass
class Options:
    repeat: int = 1
    warmup: int = 0
    interval_s: float = 0.001
    quiet: bool = False
    output: str | None = None
    threads: bool = True
    memory: str | None = None  # None, "trace" (tracemalloc) or "rss" (memory_profiler)
    lines: bool = False
    functions: list[str] = field(default_factory=list)
    save: str | None = None  # keep this profile under NAME for a later --compare NAME
    compare: str | None = None  # show an A/B comparison against the profile saved as NAME
    torch: bool = False  # torch.profiler: op table, per-line op/kernel time, device memory, syncs
    gpu: bool = False  # --torch plus NVML utilisation/memory sampling when a GPU is present
    flops: bool = False  # FlopCounterMode: exact FLOPs in total and per nn.Module
    trace: str | None = None  # write the torch trace as a Chrome trace (Perfetto) to this path
    verify: bool = False  # measure the suggestions that can be measured (on copies) and withdraw the slower
    advice: bool = True  # --no-advice: no suggestions
    engine: str = ENGINES[0]  # --engine: "sampler" (perfnb's own) or "scalene"; checked when profiling starts

    @property
    def repeats(self) -> bool:
        return self.repeat > 1 or self.warmup > 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def _interval_ms(text: str) -> float:
    value = float(text)
    if not 0.05 <= value <= 1000:
        raise ValueError(text)
    return value


_ARGUMENTS = [
    argument("-n", "--repeat", type=_positive_int, default=1, metavar="N",
             help="Run the cell N times and report the latency distribution (p50/p95/p99, "
                  "a confidence interval for the median). Only when asked: repeating a cell "
                  "with side effects is your choice."),
    argument("--warmup", type=_non_negative_int, default=0, metavar="K",
             help="Run the cell K times before the measured runs (not profiled)."),
    argument("-i", "--interval", type=_interval_ms, default=1.0, metavar="MS",
             help="Starting sampling interval in milliseconds (default 1). It grows on long "
                  "cells so the overhead stays low."),
    argument("-o", "--output", default=None, metavar="NAME",
             help="Store the Profile object in the variable NAME."),
    argument("-q", "--quiet", action="store_true", help="Display nothing (use with -o)."),
    argument("--no-threads", action="store_true", help="Do not sample threads other than the main one."),
    argument("--memory", nargs="?", const="trace", choices=["trace", "rss"], default=None, metavar="trace|rss",
             help="Memory per line. --memory (tracemalloc): the most each line of the cell and of the "
                  "functions it reaches held at once, what it held at the traced peak and still holds at "
                  "the end, with block counts (NumPy buffers included). Measured cost: 1.6-11x "
                  "on pure-Python programs (tracemalloc alone: 1.4-4.6x), 1.5x on NumPy code "
                  "(benchmarks/results/memory_lines). "
                  "--memory=rss: the process's RSS change per line of the cell and its notebook "
                  "functions, read (with psutil, as memory_profiler does) on every line those run, "
                  "plus a trace call on every other call: 4-7x on pure-Python programs, slower on "
                  "line-heavy notebook code (benchmarks/results/memory_rss*)."),
    argument("--lines", action="store_true",
             help="Exact hits and time per line (line_profiler) for the cell and every function "
                  "defined in the notebook; -f adds functions from modules."),
    argument("-f", "--function", action="append", default=[], metavar="DOTTED.NAME",
             help="Time this function line by line too (repeatable; implies --lines), "
                  "e.g. -f mymodule.work or -f pandas.DataFrame.apply."),
    argument("--torch", action="store_true",
             help="PyTorch profiling (torch.profiler): op table with shapes and FLOPs, op and kernel time "
                  "per notebook line, device memory peak and timeline, CPU-GPU syncs, nn.Modules used."),
    argument("--gpu", action="store_true",
             help="--torch, plus GPU utilisation and memory sampled through NVML when a GPU is present."),
    argument("--flops", action="store_true",
             help="Count FLOPs exactly with torch's FlopCounterMode, in total and per nn.Module (slower)."),
    argument("--trace", default=None, metavar="PATH",
             help="Write the torch trace to PATH as a Chrome trace (open it in Perfetto); implies --torch."),
    argument("--verify", action="store_true",
             help="Measure the suggestions that can be measured — caching, float32, int8 quantization — by "
                  "running the candidate on a copy after the cell: both timed, outputs compared (max |Δ|); "
                  "a suggestion that is not faster is withdrawn. Your objects are never changed."),
    argument("--no-advice", action="store_true", help="Show no optimization suggestions."),
    # No argparse choices: an unknown name is a one-line message and the cell still runs (recorder.py).
    argument("--engine", default=ENGINES[0], metavar="|".join(ENGINES),
             help="Which profiler measures the cell (default: sampler, perfnb's own). --engine scalene "
                  "(pip install perfnb[scalene]): the cell runs in the kernel as always, its effects and "
                  "output stand; then Scalene profiles a copy of it in a separate Python process, which "
                  "gets copies (cloudpickle) of the variables the cell reads and runs it from the kernel's "
                  "working directory. Per-line time (Python / native) and the call tree are Scalene's, "
                  "charged to the cell's and earlier cells' lines. It costs a second run of the cell plus "
                  "Scalene's start (seconds), and whatever the cell does outside Python (files, network) "
                  "happens twice. CPU time only; not with -n, --warmup, --memory, --lines, -f, --torch, "
                  "--gpu, --flops or --trace."),
    argument("--save", default=None, metavar="NAME",
             help="Keep this profile under NAME (for this kernel) to compare a later cell against it."),
    argument("--compare", default=None, metavar="NAME",
             help="Compare with the profile saved as NAME: speedup with a confidence interval (use -n on "
                  "both cells), per-line changes and a differential flame graph."),
]


def perf_arguments(func: F) -> F:
    """Attach the %%perf argument list to a magic (parser and help text)."""
    for decorator in reversed(_ARGUMENTS):
        func = decorator(func)
    return magic_arguments()(func)  # type: ignore[no-any-return]


@perf_arguments
def _perf_signature(line: str, cell: str | None = None) -> None:
    """Profile a cell: where its time, memory and GPU went, line by line."""


def parse(line: str) -> Options:
    """Options from a magic's argument string; raises UsageError on bad input."""
    args = parse_argstring(_perf_signature, line)
    return Options(
        repeat=args.repeat,
        warmup=args.warmup,
        interval_s=args.interval / 1000.0,
        quiet=args.quiet,
        output=args.output,
        threads=not args.no_threads,
        memory=args.memory,
        lines=args.lines or bool(args.function),
        functions=list(args.function),
        save=args.save,
        compare=args.compare,
        torch=args.torch or args.gpu or args.trace is not None,
        gpu=args.gpu,
        flops=args.flops,
        trace=args.trace,
        verify=args.verify,
        advice=not args.no_advice,
        engine=args.engine,
    )


def split_statement(line: str) -> tuple[str, str]:
    """Split a %perf line into its options and the statement after them.

    Options end at ``--`` or at the first word that is neither an option nor the
    value of one; the statement keeps its exact text.
    """
    parser = _perf_signature.parser  # type: ignore[attr-defined]
    # An optional value (--memory[=rss]) is only taken in its --opt=value form here.
    takes_value = {s for a in parser._actions if a.nargs not in (0, "?") for s in a.option_strings}
    rest = line.lstrip()
    consumed: list[str] = []
    expect_value = False
    while rest:
        word = rest.split(None, 1)[0]
        if expect_value:
            expect_value = False
        elif word == "--":
            rest = rest[len(word):].lstrip()
            break
        elif word.startswith("-") and word.split("=", 1)[0] in parser._option_string_actions:
            expect_value = word in takes_value
        else:
            break
        consumed.append(word)
        rest = rest[len(word):].lstrip()
    return " ".join(shlex.quote(w) for w in consumed), rest
