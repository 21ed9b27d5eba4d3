# %% [markdown]
# A performance regression gate in CI

**Level: expert · about 15 minutes · CPU**

Tests catch wrong answers; nothing catches *slow* answers unless you build it. A regression gate
runs a benchmark on every change, compares it with a baseline, and fails the build when the code got
slower **with statistical confidence** — not whenever the machine had a noisy minute.

perfnb's command line does the three steps:

| step | command |
| --- | --- |
| run a benchmark notebook headless, keep its profiles | `perfnb run bench.ipynb --json new.json` |
| compare with the baseline, fail on regression | `perfnb compare base.json new.json --max-slowdown 10%` |
| look at the details in other tools | `perfnb export new.json --format speedscope` |

In this notebook we build a tiny project, record a baseline, introduce a regression on purpose, and
watch the gate catch it — and *not* fire on an unchanged re-run.
# %%
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import nbformat

project = Path(tempfile.mkdtemp(prefix="perfnb-gate-"))
print("working in", project)


def perfnb(*args):
    """Run the perfnb command line (from this notebook's Python) and show what it prints."""
    done = subprocess.run([sys.executable, "-m", "perfnb", *map(str, args)], cwd=project,
                          capture_output=True, text=True)
    print(f"$ perfnb {' '.join(map(str, args))}\n{done.stdout}{done.stderr}exit status: {done.returncode}")
    if done.returncode not in (0, 1):  # 1 is "regression found"; anything else is a problem to fix first
        raise RuntimeError(f"perfnb {args[0]} failed with exit status {done.returncode}")
    return done.returncode
# %% [markdown]
## The project and its benchmark

`catalog.py` is the code under test. The benchmark is an ordinary notebook: each `%%perf -n …` cell
is one benchmark, and `perfnb run` executes it in a fresh kernel and collects every profile.
Use `-n` (10 or more runs): the comparison needs a distribution, not a single number.
# %%
FAST_VERSION = '''
def unique_skus(orders):
    seen = set()
    out = []
    for sku in orders:
        if sku not in seen:
            seen.add(sku)
            out.append(sku)
    return out
'''
(project / "catalog.py").write_text(FAST_VERSION)

bench = nbformat.v4.new_notebook()
bench.cells = [
    nbformat.v4.new_code_cell("%load_ext perfnb\nimport random\nimport catalog\n"
                              "orders = [f'SKU{random.Random(i).randrange(1_000):05d}' for i in range(5_000)]"),
    nbformat.v4.new_markdown_cell("Benchmark: de-duplicate 5,000 order lines"),
    nbformat.v4.new_code_cell("%%perf -n 15 --warmup 2\n_ = catalog.unique_skus(orders)"),
]
nbformat.write(bench, project / "bench.ipynb")
print(sorted(p.name for p in project.iterdir()))
# %% [markdown]
## Record the baseline

On the main branch, run the benchmark and keep the JSON (in CI: as a build artifact or in a cache).
# %%
perfnb("run", "bench.ipynb", "--json", "base.json", "--no-progress")
base = json.loads((project / "base.json").read_text())
print("document schema:", base.get("schema"), "| top-level keys:", sorted(base))
# %% [markdown]
## An A/A run: the gate must stay quiet

Before trusting a gate, run the *same* code twice and compare. Timings differ between the runs, but the
comparison only fails when the slowdown is beyond the threshold *and* its confidence interval excludes
"no change". A gate that fires here would train everyone to ignore it.
# %%
perfnb("run", "bench.ipynb", "--json", "same.json", "--no-progress")
status = perfnb("compare", "base.json", "same.json", "--max-slowdown", "10%")
print("gate:", "FAILED" if status == 1 else "passed")
# %% [markdown]
## Introduce a regression

A well-meant refactoring: "a list keeps the order, so we don't need two containers". Every membership
test becomes a scan of the list.
# %%
SLOW_VERSION = '''
def unique_skus(orders):
    out = []
    for sku in orders:
        if sku not in out:
            out.append(sku)
    return out
'''
(project / "catalog.py").write_text(SLOW_VERSION)
_ = perfnb("run", "bench.ipynb", "--json", "new.json", "--no-progress")
# %% [markdown]
## The gate
# %%
status = perfnb("compare", "base.json", "new.json", "--max-slowdown", "10%")
print("gate:", "FAILED — the build stops here" if status == 1 else "passed")
# %% [markdown]
Exit status 1 fails the CI job. The table shows each benchmark cell's median before and after, the
ratio with its confidence interval, and which threshold it broke. Other thresholds:

* `--max-p99 15ms` — an absolute latency budget for the tail, independent of the baseline,
* `--max-memory 10%` or `--max-memory 500MB` — peak memory growth or an absolute cap,
* `--confidence 0.99` — demand more certainty before failing (fewer false alarms, more missed small regressions).
# %%
status = perfnb("compare", "base.json", "new.json", "--max-p99", "20ms")
# %% [markdown]
## Look closer

When the gate fails, the profiles say *where*. Export the new run for a flame-graph viewer
(speedscope), or open the HTML report from `perfnb run --html`:
# %%
perfnb("export", "new.json", "--format", "speedscope", "-o", "new.speedscope.json")
print("files:", sorted(p.name for p in project.iterdir()))
# %% [markdown]
## Wiring it into CI

A GitHub Actions job (the same three commands work in any CI). The important design decisions are in
the comments:

```yaml
name: performance
on: pull_request
jobs:
  perf-gate:
    runs-on: ubuntu-latest          # better: a dedicated, quiet runner — shared runners are noisy
    steps:
      - uses: actions/checkout@v4
        with: {fetch-depth: 0}
      - uses: actions/setup-python@v5
        with: {python-version: "3.11"}
      - run: pip install -c constraints.txt ".[dev]"
      # Measure the baseline on the SAME machine, in the same job: numbers from another
      # machine or another day are not comparable.
      - run: git worktree add ../base origin/main && pip install -e ../base
      - run: perfnb run benchmarks/bench.ipynb --json base.json --no-progress
      - run: pip install -e .
      - run: perfnb run benchmarks/bench.ipynb --json new.json --html report.html --no-progress
      - run: perfnb compare base.json new.json --max-slowdown 10% --max-memory 20%
      - if: always()
        uses: actions/upload-artifact@v4
        with: {name: perf-report, path: "report.html\nnew.json\nbase.json"}
```

Design choices and their trade-offs:

* **Same runner for base and new** doubles the CI time but removes machine-to-machine variation,
  which is usually larger than the regressions you want to catch.
* **Threshold and confidence** trade false alarms against missed regressions; start at 10% / 0.95
  and tighten once the A/A runs are stable.
* **Benchmarks should be small and deterministic**: fixed seeds, fixed data sizes, no network; the
  `--warmup` runs absorb imports and caches.

## Self-check
# %% [quiz-helper]
# %%
quiz([
    ("Why run an A/A comparison (same code twice) before enabling the gate?",
     ["To warm up the CI machine", "To check that noise alone does not fail the gate", "It is required by perfnb"], 1,
     "A gate that fires on unchanged code gets ignored; A/A runs measure your false-alarm rate."),
    ("Why should the baseline be measured in the same CI job as the new code?",
     ["To save disk space", "Different machines and times have different speeds; only side-by-side numbers compare",
      "Because JSON files expire"], 1,
     "Cross-machine noise is often larger than the regression you want to catch."),
    ("Why does the benchmark cell use -n 15?",
     ["The comparison needs a distribution of runs to compute a confidence interval", "To make CI slower",
      "perfnb ignores single runs"], 0,
     "With one run per side there is no way to tell a regression from noise."),
    ("What does `perfnb compare` return when it finds a regression?",
     ["Exit status 0", "Exit status 1", "It raises an exception"], 1,
     "A non-zero exit status fails the CI step; 2 means an input problem (missing file, bad JSON)."),
])
# %% [markdown]
## What you can do now

* Write benchmark notebooks with `%%perf -n … --warmup …` cells.
* Run them headless with `perfnb run --json`, and gate changes with `perfnb compare` thresholds.
* Validate a gate with A/A runs and choose thresholds and confidence knowingly.
* Set up a CI job that measures base and new side by side and keeps the reports as artifacts.

Next: [write your own advisor rule](02-advisor-rules.ipynb).
