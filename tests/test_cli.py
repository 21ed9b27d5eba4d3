"""The ``perfnb`` command through its real entry points (the script and ``python -m perfnb``)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import nbformat
import pytest

from .cli_helpers import MB, make_profile, perfnb, run_document, write
from .conftest import ROOT, validate

RUN_SCHEMA = ROOT / "perfnb" / "schema" / "run-1.json"

# ---------------------------------------------------------------- compare


def noisy(center: float, n: int, spread: float = 0.03, seed: int = 0) -> list[float]:
    rng = random.Random(seed)
    return [center * rng.lognormvariate(0, spread) for _ in range(n)]


def compare_files(tmp_path: Path, base: list[Any], new: list[Any]) -> tuple[Path, Path]:
    return write(tmp_path / "base.json", run_document(base)), write(tmp_path / "new.json", run_document(new))


def test_compare_passes_the_same_code_and_fails_a_real_slowdown(tmp_path: Path) -> None:
    base, same = compare_files(
        tmp_path, [("a", "work()", [make_profile(noisy(0.010, 10, seed=1))])],
        [("a", "work()", [make_profile(noisy(0.010, 10, seed=2))])],
    )
    result = perfnb("compare", base, same, "--max-slowdown", "10%")
    assert result.returncode == 0, result.stderr
    assert "REGRESSION" not in result.stdout and "work()" in result.stdout

    slower = write(tmp_path / "slower.json", run_document([("a", "work()", [make_profile(noisy(0.020, 10, seed=3))])]))
    result = perfnb("compare", base, slower, "--max-slowdown", "10%", module=True)
    assert result.returncode == 1
    assert "REGRESSION" in result.stdout and "exceeds +10%" in result.stdout
    assert result.stderr.strip() == "perfnb: 1 cell regressed"


def test_compare_respects_the_threshold(tmp_path: Path) -> None:
    base, new = compare_files(
        tmp_path, [("a", "work()", [make_profile(noisy(0.010, 20, 0.005, seed=1))])],
        [("a", "work()", [make_profile(noisy(0.0105, 20, 0.005, seed=2))])],
    )
    assert perfnb("compare", base, new, "--max-slowdown", "10%").returncode == 0  # 5% slower: within 10%
    assert perfnb("compare", base, new, "--max-slowdown", "2%").returncode == 1  # but confidently past 2%


def test_a_noisy_difference_of_medians_is_not_a_regression(tmp_path: Path) -> None:
    """The medians differ by 30%, but five runs this noisy cannot tell: no failure."""
    base_runs = [0.010, 0.005, 0.015, 0.020, 0.007]
    new_runs = [0.013, 0.006, 0.021, 0.009, 0.026]
    base, new = compare_files(tmp_path, [(None, "work()", [make_profile(base_runs)])],
                              [(None, "work()", [make_profile(new_runs)])])
    result = perfnb("compare", base, new, "--max-slowdown", "10%")
    assert result.returncode == 0, result.stdout
    assert "REGRESSION" not in result.stdout


def test_single_runs_are_reported_without_a_verdict(tmp_path: Path) -> None:
    base, new = compare_files(tmp_path, [("a", "work()", [make_profile([0.010])])],
                              [("a", "work()", [make_profile([0.050])])])
    result = perfnb("compare", base, new, "--max-slowdown", "10%")
    assert result.returncode == 0
    assert "too few runs" in result.stdout
    assert "1 cell(s) have too few runs to judge a slowdown" in result.stderr


def test_p99_limit_needs_more_slow_runs_than_a_one_percent_tail(tmp_path: Path) -> None:
    fast = [0.005] * 20
    one_slow = [0.005] * 19 + [0.030]
    three_slow = [0.005] * 17 + [0.030] * 3
    base = write(tmp_path / "b.json", make_profile(fast).to_dict())
    ok = write(tmp_path / "ok.json", make_profile(one_slow).to_dict())
    bad = write(tmp_path / "bad.json", make_profile(three_slow).to_dict())
    assert perfnb("compare", base, ok, "--max-p99", "15ms").returncode == 0
    result = perfnb("compare", base, bad, "--max-p99", "15ms")
    assert result.returncode == 1 and "3 of 20 runs over 15.0 ms" in result.stdout


def test_memory_growth_past_the_threshold_and_the_noise_floor(tmp_path: Path) -> None:
    runs = noisy(0.01, 6)
    base = write(tmp_path / "b.json", make_profile(runs, growth_bytes=50 * MB).to_dict())
    grew = write(tmp_path / "g.json", make_profile(runs, growth_bytes=80 * MB).to_dict())
    small = write(tmp_path / "s.json", make_profile(runs, growth_bytes=51 * MB).to_dict())
    assert perfnb("compare", base, grew, "--max-memory", "10%").returncode == 1
    assert perfnb("compare", base, small, "--max-memory", "1%").returncode == 0  # 1 MB: within allocator noise
    assert perfnb("compare", base, grew, "--max-memory", "100MB").returncode == 0
    assert perfnb("compare", base, grew, "--max-memory", "60MiB").returncode == 1


def test_cells_match_by_id_then_by_source(tmp_path: Path) -> None:
    runs = noisy(0.01, 6)
    base, new = compare_files(
        tmp_path,
        [("id-1", "%%perf\nfirst()", [make_profile(runs, "first()")]), ("id-2", "second()", [make_profile(runs)])],
        [("id-1", "%%perf\nfirst(changed=True)", [make_profile(runs)]), ("other", "second()", [make_profile(runs)]),
         ("id-3", "third()", [make_profile(runs)])],
    )
    result = perfnb("compare", base, new)
    assert result.returncode == 0
    rows = [line for line in result.stdout.splitlines()[2:] if line.startswith("cell ")]
    assert len(rows) == 3
    assert sum("only in" in row for row in rows) == 1 and "third()" in next(r for r in rows if "only in" in r)


def test_two_lone_profiles_are_the_same_cell_before_and_after(tmp_path: Path) -> None:
    before = write(tmp_path / "before.json", make_profile(noisy(0.010, 8, seed=1), "slow_version()").to_dict())
    after = write(tmp_path / "after.json", make_profile(noisy(0.002, 8, seed=2), "fast_version()").to_dict())
    result = perfnb("compare", before, after, "--max-slowdown", "10%")
    assert result.returncode == 0
    (row,) = [line for line in result.stdout.splitlines() if line.startswith("In [3]: fast_version()")]
    assert "faster" in row and "-80%" in row
    assert perfnb("compare", after, before, "--max-slowdown", "10%").returncode == 1


# ---------------------------------------------------------------- errors: one line, exit 2


@pytest.mark.parametrize("module", [False, True])
def test_input_errors_are_one_line_and_exit_2(tmp_path: Path, module: bool) -> None:
    good = write(tmp_path / "good.json", make_profile([0.01]).to_dict())
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{ not json")
    future = write(tmp_path / "future.json", {**make_profile([0.01]).to_dict(), "schema": "perfnb.profile/9"})
    cases = [
        (["compare", tmp_path / "missing.json", good], "no such file"),
        (["compare", good, bad_json], "not valid JSON"),
        (["export", future, "--format", "speedscope"], "unsupported profile schema 'perfnb.profile/9'"),
        (["run", tmp_path / "missing.ipynb"], "no such file"),
        (["run", bad_json], "not a readable notebook"),
        (["import", good], "not a Scalene JSON profile or a pyinstrument session"),
    ]
    for args, message in cases:
        result = perfnb(*args, module=module)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and result.stderr.startswith("perfnb: ")


# ---------------------------------------------------------------- run: a real kernel

NOTEBOOK_CELLS = [
    ("markdown", "# A <b>demo</b>"),
    ("code", "def slow(n):\n    s = 0\n    for i in range(n):\n        s += i * i\n    return s"),
    ("code", "%%perf -n 6\nslow(20000)"),
    ("code", "label = '<script>alert(1)</script>'\nx = slow(100000)"),
]


def make_notebook(path: Path, cells: list[tuple[str, str]]) -> Path:
    notebook = nbformat.v4.new_notebook()
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}
    notebook.cells = [make[kind](source) for kind, source in cells]
    nbformat.write(notebook, str(path))
    return path


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("run")
    notebook = make_notebook(folder / "demo.ipynb", NOTEBOOK_CELLS)
    result = perfnb("run", notebook, "--json", folder / "p.json", "--html", folder / "r.html",
                    "-o", folder / "out.ipynb")
    return {"folder": folder, "notebook": notebook, "result": result}


@pytest.mark.kernel
def test_run_collects_the_perf_cells_profiles(ran: dict[str, Any], schema: dict[str, Any]) -> None:
    result, folder = ran["result"], ran["folder"]
    assert result.returncode == 0, result.stderr
    document = json.loads((folder / "p.json").read_text())
    validate(document, json.loads(RUN_SCHEMA.read_text()))
    assert document["schema"] == "perfnb.run/1" and document["notebook"]["path"].endswith("demo.ipynb")
    original = nbformat.read(str(ran["notebook"]), as_version=4)
    (cell,) = document["cells"]
    assert cell["index"] == 2 and cell["id"] == original.cells[2].id and cell["source"] == original.cells[2].source
    (profile,) = cell["profiles"]
    validate(profile, schema)
    assert len(profile["timing"]["runs_s"]) == 6
    assert "cell 2: slow(20000)" in result.stdout
    assert "3/3" in result.stderr  # one progress line per code cell


@pytest.mark.kernel
def test_run_writes_a_static_report_and_the_executed_notebook(ran: dict[str, Any]) -> None:
    folder = ran["folder"]
    report = (folder / "r.html").read_text()
    assert report.startswith("<!DOCTYPE html>") and "<script" not in report
    assert "Cell 2" in report and "slow(20000)" in report and "Hottest lines" in report
    executed = nbformat.read(str(folder / "out.ipynb"), as_version=4)
    assert [c.get("execution_count") for c in executed.cells] == [None, 1, 2, 3]
    mimes = [set(o.get("data", {})) for o in executed.cells[2].outputs]
    assert any("application/vnd.perfnb.profile+json" in m for m in mimes)
    # the executed notebook is itself a profile file: compare it with the JSON of the same run
    result = perfnb("compare", folder / "out.ipynb", folder / "p.json", "--max-slowdown", "10%")
    assert result.returncode == 0, result.stderr
    assert "+0% [" in result.stdout and "only in" not in result.stdout


@pytest.mark.kernel
def test_run_all_cells_profiles_every_cell_in_the_users_numbering(tmp_path: Path) -> None:
    notebook = make_notebook(tmp_path / "all.ipynb", NOTEBOOK_CELLS)
    result = perfnb("run", notebook, "--all-cells", "--json", tmp_path / "p.json", "--html", tmp_path / "r.html",
                    "--no-progress", module=True)
    assert result.returncode == 0, result.stderr
    assert "/3" not in result.stderr
    document = json.loads((tmp_path / "p.json").read_text())
    by_index = {c["index"]: c for c in document["cells"]}
    assert set(by_index) == {1, 2, 3}
    last = by_index[3]
    assert last["source"] == NOTEBOOK_CELLS[3][1]
    (profile,) = last["profiles"]
    assert profile["cell"]["source"] == NOTEBOOK_CELLS[3][1]
    lines = {(line["file"], line["code"]): line["line"] for line in profile["lines"] if line["origin"] == "cell"}
    assert lines[("In [3]", "x = slow(100000)")] == 2  # the user's line 2, not 3 of the rewritten cell
    assert lines[("In [1]", "s += i * i")] == 4
    report = (tmp_path / "r.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report and "<script>" not in report


@pytest.mark.kernel
def test_a_failing_notebook_exits_2_with_one_line(tmp_path: Path) -> None:
    cells = [("code", "%load_ext perfnb"), ("code", "%%perf\nx = 1"), ("code", "1 / 0"), ("code", "print('never')")]
    notebook = make_notebook(tmp_path / "fails.ipynb", cells)
    result = perfnb("run", notebook, "--json", tmp_path / "p.json", "-o", tmp_path / "out.ipynb", "--no-progress")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "cell 2 failed: ZeroDivisionError: division by zero" in result.stderr
    assert not (tmp_path / "p.json").exists()
    executed = nbformat.read(str(tmp_path / "out.ipynb"), as_version=4)  # written, to see what went wrong
    assert executed.cells[0].outputs == []  # the notebook's own %load_ext: silent, perfnb was loaded before it
    assert any(o.get("output_type") == "display_data" for o in executed.cells[1].outputs)
    assert executed.cells[2].outputs[0]["ename"] == "ZeroDivisionError"
