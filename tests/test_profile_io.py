"""Loading profiles from files and notebooks: validated, one-line errors, corrupt ones skipped."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from perfnb import profile_io
from perfnb.model import MIME_TYPE, CellInfo, Profile
from perfnb.profile_io import ProfileError, load_profile, notebook_profiles, problems
from perfnb.stats import timing_from_runs

from .conftest import ROOT
from .test_model import profiles_strategy


def _valid() -> dict[str, Any]:
    return Profile(cell=CellInfo(2, "x = 1"), timing=timing_from_runs([0.1], 0.1)).to_dict()


CORRUPTIONS = {
    "not an object": [1, 2],
    "other schema": _valid() | {"schema": "perfnb.profile/9"},
    "no timing": {k: v for k, v in _valid().items() if k != "timing"},
    "runs_s empty": _valid() | {"timing": _valid()["timing"] | {"runs_s": []}},
    "negative time": _valid() | {"lines": [{"origin": "cell", "cell": 1, "file": "In [1]", "line": 1, "code": "x",
                                            "time_s": -1.0, "native_s": 0.0, "hits": None, "alloc_bytes": None}]},
    "string count": _valid() | {"cell": {"execution_count": "7", "source": ""}},
    "tree without children": _valid() | {"tree": {"name": "a", "file": "", "line": 1, "time_s": 1.0, "self_s": 1.0}},
}  # fmt: skip


@pytest.mark.parametrize("validator", ["jsonschema", "built-in"])
@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_a_corrupt_profile_is_refused_in_one_line(
    name: str, validator: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if validator == "built-in":
        monkeypatch.setitem(sys.modules, "jsonschema", None)  # import jsonschema now fails
    if validator == "built-in" and name == "negative time":
        pytest.skip("the built-in check covers required fields and types, not value ranges")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(CORRUPTIONS[name]))
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path))


@settings(max_examples=15, deadline=None)
@given(profiles_strategy)
def test_every_valid_profile_loads_with_either_validator(profile: Profile) -> None:
    data = json.loads(profile.to_json())
    assert problems(data) == []
    assert profile_io._minimal_problems(data) == []
    assert profile_io.profile_from_data(data) == profile


def test_load_reads_a_file_and_reports_bad_json(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_valid()))
    assert load_profile(good).cell.source == "x = 1"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ProfileError, match="not valid JSON"):
        load_profile(bad)
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(tmp_path / "missing.json")


def test_a_corrupt_profile_in_a_notebook_is_skipped_with_a_warning() -> None:
    def output(profile: Any) -> dict[str, Any]:
        return {"output_type": "display_data", "data": {MIME_TYPE: profile, "text/plain": "p"}, "metadata": {}}

    notebook = {
        "cells": [
            {"cell_type": "code", "source": "%%perf\nx = 1", "outputs": [output(_valid())]},
            {"cell_type": "markdown", "source": "text"},
            {"cell_type": "code", "source": "%%perf\ny = 2", "outputs": [output({"schema": "perfnb.profile/1"})]},
            {"cell_type": "code", "source": "%%perf\nz = 3", "outputs": [output(_valid())]},
        ]
    }
    found = notebook_profiles(notebook, "demo.ipynb")
    assert [index for index, _ in found.profiles] == [0, 3]
    assert len(found.warnings) == 1 and found.warnings[0].startswith("demo.ipynb: cell 2:")
    assert found.warnings[0].endswith("skipped") and "\n" not in found.warnings[0]


def test_load_ext_does_not_import_jsonschema() -> None:
    code = (
        "import sys\nfrom IPython.testing.globalipapp import start_ipython\nip = start_ipython()\n"
        "ip.run_cell('%load_ext perfnb')\nprint('jsonschema' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr
