"""``perfnb import``: a pyinstrument session and a Scalene JSON profile as perfnb profiles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from perfnb.model import Profile
from perfnb.render.linedetail import rss_section

from .cli_helpers import perfnb, write
from .conftest import validate

FIXTURES = Path(__file__).parent / "fixtures"


def imported(path: Path, schema: dict[str, Any], *extra: str) -> Profile:
    out = path.with_name("imported.json")
    result = perfnb("import", path, "-o", out, *extra)
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    validate(data, schema)
    return Profile.from_dict(data)


def pyinstrument_work() -> int:
    total = 0
    for _ in range(3):
        total += sum(i * i for i in range(200_000))
    return total


def test_a_pyinstrument_session(tmp_path: Path, schema: dict[str, Any]) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    pyinstrument_work()
    session = profiler.stop()
    path = tmp_path / "work.pyisession"
    session.save(str(path))
    profile = imported(path, schema, "--html", str(tmp_path / "view.html"))
    assert profile.timing.wall_s == session.duration
    assert profile.tree is not None
    work = [node for node in profile.tree.walk() if node.name == "pyinstrument_work"]
    assert work and work[0].time_s >= 0.5 * session.duration
    assert work[0].file == __file__
    hot = {(line.file, line.code) for line in profile.top_lines(3)}
    assert (__file__, "total += sum(i * i for i in range(200_000))") in hot
    assert "pyinstrument_work" in (tmp_path / "view.html").read_text()


def test_a_scalene_profile(tmp_path: Path, schema: dict[str, Any]) -> None:
    """A profile Scalene 2.4.0 wrote (``scalene run -o``), trimmed: CPU, memory and stacks."""
    source = FIXTURES / "scalene-2.4.0.json"
    raw = json.loads(source.read_text())
    profile = imported(write(tmp_path / "scalene.json", raw), schema)
    elapsed = raw["elapsed_time_sec"]
    assert profile.timing.wall_s == elapsed
    ((file, entry),) = raw["files"].items()
    row = max(entry["lines"], key=lambda r: r["n_cpu_percent_python"] + r["n_cpu_percent_c"] + r["n_sys_percent"])
    stat = next(s for s in profile.lines if s.line == row["lineno"])
    share = (row["n_cpu_percent_python"] + row["n_cpu_percent_c"] + row["n_sys_percent"]) / 100
    assert stat.file == file and abs(stat.time_s - share * elapsed) < 1e-9
    assert stat.alloc_bytes == round(row["n_malloc_mb"] * 1024 * 1024)
    assert profile.memory.traced_peak_bytes == round(raw["max_footprint_mb"] * 1024 * 1024)
    assert profile.tree is not None
    assert [n.name for n in profile.tree.children] == ["<module>"]
    assert any(n.name == "build" for n in profile.tree.walk())
    section = rss_section(profile)
    assert section is not None and section.title == "Memory allocated by line (Scalene)"


def test_the_format_can_be_named(tmp_path: Path) -> None:
    path = write(tmp_path / "not-scalene.json", {"frame_records": [], "duration": 0.0})
    result = perfnb("import", path, "--from", "scalene")
    assert result.returncode == 2 and "malformed scalene data" in result.stderr
    assert result.stderr.count("\n") == 1
