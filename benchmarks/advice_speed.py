"""What the advisor costs per profiled cell: ``perfnb.advice.advise()`` timed on real profiles.

Every ``%%perf`` cell runs the advisor after the cell (``publish.add_suggestions``), so its
time is part of perfnb's fixed cost per cell. Each workload below runs once under
``%%perf --no-advice`` in one IPython shell (a setup cell first, as a notebook would); then
``advise()`` is called on the stored profiles again and again, the workloads interleaved on
every repeat so they share the machine's load, and the median is printed beside the cell's
own run time.

    .venv/bin/python benchmarks/advice_speed.py                     # prints the table
    .venv/bin/python benchmarks/advice_speed.py --baseline HEAD~1   # beside the advisor of another commit
    .venv/bin/python benchmarks/advice_speed.py --write             # and writes benchmarks/results/advice_speed.txt

With ``--baseline`` the committed advisor is imported as a second package and timed on the
same profiles, interleaved with this one, and their suggestions are compared.

CI does not run this file (it is not under tests/).
"""

from __future__ import annotations

import argparse
import atexit
import dataclasses
import datetime
import importlib
import importlib.util
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from perfnb.advice import advise  # noqa: E402
from perfnb.model import Profile  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "advice_speed.txt"


def _large_cell(blocks: int) -> str:
    """A long cell: many short loops that take little time, and one that takes most of it."""
    parts = [f"s{i} = 0\nfor k in range({50 + i}):\n    s{i} += k * {i}\n" for i in range(blocks)]
    parts.insert(blocks // 2, "seen = []\nfor w in words:\n    if w not in seen:\n        seen.append(w)\n")
    return "".join(parts)


TINY_NUMPY = """
acc = 0.0
for _ in range(6):
    _b = _a @ _a
    acc += float(np.exp(_b / _b.max()).sum())
"""

LOOP_HEAVY = """
seen = []
text = ''
counts = {}
total = 0.0
for w in words:
    if w not in seen:
        seen.append(w)
    counts[w] = counts.get(w, 0) + 1
    text += w
for i, x in enumerate(nums):
    total += math.sqrt(x) * math.log1p(x)
    if i % 100 == 0:
        best = sorted(nums)[:3]
pairs = [(a, b) for a in range(60) for b in range(60) if (a * b) % 7 == 0]
k = 0
while k < 2000:
    k += 1
    y = len(words) * 2 + k
squares = {n: n * n for n in range(5000)}
"""

EARLIER_FUNCTIONS = """
import math
def norm(v):
    s = 0.0
    for x in v:
        s += x * x
    return math.sqrt(s)
def score(v, w):
    out = []
    for a, b in zip(v, w):
        out.append(a * b + norm(v[:5]))
    return sum(out)
def pipeline(rows):
    res = []
    for r in rows:
        res.append(score(r, r[::-1]))
    return res
rows = [[float(i + j) for j in range(40)] for i in range(300)]
"""

# name: (setup cell, profiled cell)
WORKLOADS: dict[str, tuple[str, str]] = {
    "tiny numpy (4 lines)": ("import numpy as np\n_a = np.random.rand(120, 120)", TINY_NUMPY),
    "loop-heavy (19 lines)": (
        "import math, random\nrandom.seed(1)\nwords = [str(random.randint(0, 500)) for _ in range(3000)]\n"
        "nums = [random.random() for _ in range(3000)]",
        LOOP_HEAVY,
    ),
    "calls functions of an earlier cell": (
        EARLIER_FUNCTIONS, "r1 = pipeline(rows)\nr2 = [norm(r) for r in rows]\nr3 = score(rows[0], rows[1])\n"
    ),
    "large cell (42 loops, one hot)": (
        "import random\nrandom.seed(2)\nwords = [str(random.randint(0, 800)) for _ in range(4000)]", _large_cell(41)
    ),
}


def profile_of(shell: Any, setup: str, cell: str) -> Profile:
    """The profile of ``cell`` run under %%perf (without suggestions) after ``setup``."""
    assert shell.run_cell(setup.strip(), store_history=True).success
    assert shell.run_cell(f"%%perf -q --no-advice -o _advice_speed\n{cell.strip()}\n", store_history=True).success
    profile: Profile = shell.user_ns.pop("_advice_speed")
    return profile


def machine() -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"{platform.platform()} · {os.cpu_count()} logical CPUs (shared; load average at the start {load}) · "
        f"Python {platform.python_version()} · {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC"
    )


def baseline(revision: str) -> Callable[..., list[Any]]:
    """``advise`` of perfnb as committed at ``revision``: ``git archive`` into a temporary folder,
    imported as the package ``perfnb_baseline`` beside the working tree's ``perfnb``."""
    folder = Path(tempfile.mkdtemp(prefix="perfnb-baseline-"))
    atexit.register(shutil.rmtree, folder, True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "perfnb"], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    package = folder / "perfnb_baseline"
    (folder / "perfnb").rename(package)
    spec = importlib.util.spec_from_file_location("perfnb_baseline", package / "__init__.py",
                                                  submodule_search_locations=[str(package)])
    assert spec is not None and spec.loader is not None
    sys.modules["perfnb_baseline"] = module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # the frames it leaves out as perfnb's own are those of the perfnb that recorded the profiles
    context: Any = importlib.import_module("perfnb_baseline.advice.context")
    context.PACKAGE_DIR = str(ROOT / "perfnb") + os.sep
    advise_then: Callable[..., list[Any]] = importlib.import_module("perfnb_baseline.advice").advise
    return advise_then


def commit(revision: str) -> str:
    """``HEAD (1569bbc)``: the revision and the commit it names now."""
    found = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", revision], check=True,
                           capture_output=True, text=True).stdout.strip()
    return f"{revision} ({found})" if found != revision else revision


def as_json(found: list[Any]) -> str:
    return json.dumps([dataclasses.asdict(s) for s in found], sort_keys=True)


def median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=300, help="advise() calls per workload (default 300)")
    parser.add_argument("--baseline", metavar="REV", help="also time advise() as committed at this git revision")
    parser.add_argument("--write", action="store_true", help=f"also write {RESULTS.relative_to(ROOT)}")
    args = parser.parse_args()

    from IPython.testing.globalipapp import start_ipython

    shell = start_ipython()
    shell.run_cell("%load_ext perfnb", store_history=True)
    versions: dict[str, Callable[..., list[Any]]] = {"now": advise}
    if args.baseline:
        versions[args.baseline] = baseline(args.baseline)
    against = f", against perfnb at {commit(args.baseline)}" if args.baseline else ""
    header = [
        "perfnb advisor speed: median time of one advise() call on a stored profile, "
        f"{args.repeats} interleaved repeats{against}",
        machine(),
        "",
    ]
    print("\n".join(header), flush=True)
    profiles = {name: profile_of(shell, setup, cell) for name, (setup, cell) in WORKLOADS.items()}
    found = {(version, name): run(p, shell) for version, run in versions.items() for name, p in profiles.items()}
    times: dict[tuple[str, str], list[float]] = {key: [] for key in found}
    for _ in range(args.repeats):
        for name, p in profiles.items():
            for version, run in versions.items():
                started = time.perf_counter()
                run(p, shell)
                times[version, name].append(time.perf_counter() - started)

    columns = f"{'cell':36} {'lines':>5} {'advise() ms':>11} {'p90 ms':>7} {'cell ms':>8} {'share':>6}"
    if args.baseline:
        columns += f" {args.baseline[:10] + ' ms':>13} {'faster':>7} {'same advice':>11}"
    rows = [columns + "  suggestions"]
    for name, p in profiles.items():
        now = times["now", name]
        row = (
            f"{name:36} {len(WORKLOADS[name][1].strip().splitlines()):5d} {median_ms(now):11.3f} "
            f"{statistics.quantiles(now, n=10)[-1] * 1e3:7.3f} {p.timing.wall_s * 1e3:8.1f} "
            f"{median_ms(now) / 1e3 / p.timing.wall_s:6.1%}"
        )
        if args.baseline:
            then = times[args.baseline, name]
            same = as_json(found["now", name]) == as_json(found[args.baseline, name])
            row += f" {median_ms(then):13.3f} {median_ms(then) / median_ms(now):6.1f}× {'yes' if same else 'NO':>11}"
        rows.append(row + "  " + (", ".join(s.rule for s in found["now", name]) or "-"))
    rows += [
        "",
        "share: advise() over the cell's own run time (perfnb's whole fixed cost per cell targets ≤ 3%).",
        "Command: .venv/bin/python benchmarks/advice_speed.py " + " ".join(sys.argv[1:]),
    ]
    print("\n".join(rows))
    if args.write:
        RESULTS.write_text("\n".join(header + rows) + "\n")


if __name__ == "__main__":
    main()
