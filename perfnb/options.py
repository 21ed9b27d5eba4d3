"""The arguments of %%perf / %perf, parsed into Options."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Options:
    repeat: int = 1
    warmup: int = 0
    interval_s: float = 0.001
    quiet: bool = False
    output: str | None = None
    threads: bool = True

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
    )


def split_statement(line: str) -> tuple[str, str]:
    """Split a %perf line into its options and the statement after them.

    Options end at ``--`` or at the first word that is neither an option nor the
    value of one; the statement keeps its exact text.
    """
    parser = _perf_signature.parser  # type: ignore[attr-defined]
    takes_value = {s for a in parser._actions if a.nargs != 0 for s in a.option_strings}
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
