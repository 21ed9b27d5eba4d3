"""The ``perfnb`` command (also ``python -m perfnb``): run, compare, export, import.

Exit status: 0 success, 1 ``compare`` found a regression, 2 an input problem (a
missing file, invalid JSON, an unknown schema version, a notebook that failed),
reported as one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import InputError


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.command(args))
    except InputError as exc:
        print(f"perfnb: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("perfnb: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="perfnb", description="Profile notebooks headless, compare runs, "
                                     "gate regressions, and convert profiles to and from other tools' formats.")
    parser.add_argument("--version", action="version", version=f"perfnb {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="execute a notebook in a real kernel and collect its profiles")
    run.add_argument("notebook", type=Path, metavar="NOTEBOOK.ipynb")
    run.add_argument("--all-cells", action="store_true", help="profile every code cell, not only %%%%perf cells")
    run.add_argument("-o", "--output", type=Path, metavar="EXECUTED.ipynb", help="write the executed notebook")
    run.add_argument("--json", type=Path, metavar="PROFILES.json", help="write every profile (a perfnb.run/1 document)")
    run.add_argument("--html", type=Path, metavar="REPORT.html", help="write a one-file HTML report")
    run.add_argument("--kernel", metavar="NAME", help="kernel to use (default: the notebook's, else python3)")
    run.add_argument("--timeout", type=int, metavar="S", help="fail a cell that runs longer than S seconds")
    run.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    run.set_defaults(command=_run)

    compare = commands.add_parser("compare", help="compare two runs; exit 1 on a regression found with confidence")
    compare.add_argument("base", type=Path, metavar="BASE")
    compare.add_argument("new", type=Path, metavar="NEW")
    compare.add_argument("--max-slowdown", type=_quantity("percent"), metavar="PCT",
                         help="fail when a cell's median is slower by more than PCT (e.g. 10%%) with confidence")
    compare.add_argument("--max-p99", type=_quantity("duration"), metavar="TIME",
                         help="fail when a cell's p99 exceeds TIME (e.g. 15ms) with confidence")
    compare.add_argument("--max-memory", type=_quantity("percent_or_size"), metavar="PCT|SIZE",
                         help="fail when a cell's peak memory grows by more than PCT (10%%) or exceeds SIZE (500MB)")
    compare.add_argument("--confidence", type=float, default=0.95, metavar="LEVEL",
                         help="confidence level of the intervals and tests (default 0.95)")
    compare.set_defaults(command=_compare)

    export = commands.add_parser("export", help="write profiles in another tool's format")
    export.add_argument("profile", type=Path, metavar="PROFILE")
    export.add_argument("--format", required=True, choices=["speedscope", "chrome", "collapsed", "pstats"])
    export.add_argument("-o", "--output", type=Path, metavar="FILE", help="default: next to PROFILE, by format")
    export.set_defaults(command=_export)

    imp = commands.add_parser("import", help="turn a Scalene JSON profile or a pyinstrument session into a perfnb profile")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--from", dest="kind", choices=["scalene", "pyinstrument"], help="default: detected")
    imp.add_argument("-o", "--output", type=Path, metavar="PROFILE.json", help="default: FILE.perfnb.json")
    imp.add_argument("--html", type=Path, metavar="REPORT.html", help="also write perfnb's static HTML view")
    imp.set_defaults(command=_import)
    return parser


def _quantity(kind: str) -> Callable[[str], object]:
    from . import units

    def parse(text: str) -> object:
        try:
            if kind == "percent_or_size":
                return units.parse_percent(text) if text.strip().endswith("%") else units.parse_size(text)
            return getattr(units, f"parse_{kind}")(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _run(args: argparse.Namespace) -> int:
    from .notebook_run import RunOptions, run_notebook
    from .profile_files import write_json
    from .render.format import headline

    result = run_notebook(args.notebook, RunOptions(
        all_cells=args.all_cells, kernel=args.kernel, timeout_s=args.timeout, progress=not args.no_progress))
    if args.output:
        _write_notebook(result.notebook, args.output)
    if result.failure:
        raise InputError(result.failure)
    document = result.document
    for cell, profile in document.profiles():
        print(f"{cell.label()}  " + " · ".join(f"{k} {v}" for k, v in headline(profile)))
    if not document.cells:
        print(f"{args.notebook}: no cell showed a profile (add %%perf, or use --all-cells)", file=sys.stderr)
    if args.json:
        write_json(args.json, document.to_dict())
    if args.html:
        from .render.notebook_report import render_report

        _write_text(args.html, render_report(document))
    return 0


def _compare(args: argparse.Namespace) -> int:
    from .comparison import Thresholds, compare, render_table
    from .profile_files import read_profiles

    memory = args.max_memory
    thresholds = Thresholds(
        max_slowdown=args.max_slowdown, max_p99_s=args.max_p99,
        max_memory=memory if isinstance(memory, float) else None,
        max_memory_bytes=memory if isinstance(memory, int) else None,
        confidence=args.confidence,
    )
    if not 0.5 <= thresholds.confidence < 1.0:
        raise InputError(f"--confidence must be in [0.5, 1), got {thresholds.confidence}")
    result = compare(read_profiles(args.base), read_profiles(args.new), thresholds)
    if not result.cells:
        raise InputError(f"no profiles in {args.base} or {args.new}")
    print(render_table(result))
    regressions = sum(1 for c in result.cells if c.failures)
    if thresholds.max_slowdown is not None and result.unjudged():
        print(f"perfnb: {result.unjudged()} cell(s) have too few runs to judge a slowdown "
              "(profile them with %%perf -n 10)", file=sys.stderr)
    if regressions:
        print(f"perfnb: {regressions} cell{'s' * (regressions != 1)} regressed", file=sys.stderr)
    return 1 if result.regressed else 0


def _export(args: argparse.Namespace) -> int:
    from .export.formats import FORMATS
    from .profile_files import read_profiles

    document = read_profiles(args.profile)
    labelled = [(_profile_label(cell.index, profile.cell.execution_count), profile)
                for cell, profile in document.profiles()]
    if not labelled:
        raise InputError(f"{args.profile}: holds no profile")
    fmt = FORMATS[args.format]
    out = args.output or args.profile.with_name(args.profile.name.removesuffix(".json") + fmt.suffix)
    _write_bytes(out, fmt.write(labelled, args.profile.name))
    print(f"perfnb: wrote {out}", file=sys.stderr)
    return 0


def _profile_label(index: int, count: int | None) -> str:
    run = f"In [{count}]" if count is not None else "In [ ]"
    return f"cell {index} {run}" if index >= 0 else run


def _import(args: argparse.Namespace) -> int:
    from .importers import import_profile
    from .profile_files import read_json, write_json

    profile = import_profile(read_json(args.file), args.kind, str(args.file))
    out = args.output or args.file.with_name(args.file.stem + ".perfnb.json")
    write_json(out, profile.to_dict())
    print(f"perfnb: wrote {out}", file=sys.stderr)
    if args.html:
        from .render.html import render_html

        _write_text(args.html, f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{render_html(profile)}</body></html>\n")
    return 0


def _write_notebook(notebook: object, path: Path) -> None:
    import nbformat

    try:
        nbformat.write(notebook, str(path))  # type: ignore[no-untyped-call]
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _write_text(path: Path, text: str) -> None:
    _write_bytes(path, text.encode("utf-8"))


def _write_bytes(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
