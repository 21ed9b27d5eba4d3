"""The tutorials: their structure (fast), and every notebook executed in an environment built
from binder/ alone (slow, marker ``tutorials``).

The execution test is the one place CI runs the tutorials: a fresh virtual environment is made
with ``python -m venv``, ``pip install -r binder/requirements.txt`` and ``binder/postBuild``
(exactly what mybinder.org does), and each notebook runs once in it with nbclient. Select or
skip it with ``pytest -m tutorials`` / ``pytest -m "not tutorials"``.

Environment variables:
  PERFNB_TUTORIAL_TIMEOUT   seconds one notebook may take (default 300; the target is 120 s on
                            2 cores, with headroom for a shared machine)
  PERFNB_TUTORIAL_VENV      reuse this virtual environment instead of building one (local runs)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "tutorials"
BINDER = ROOT / "binder"
LEVELS = ("beginner", "intermediate", "advanced", "expert")
NOTEBOOKS = sorted(p.relative_to(TUTORIALS).as_posix() for p in TUTORIALS.glob("*/*.ipynb"))
ALL_NOTEBOOKS = ["index.ipynb", *NOTEBOOKS]
TIMEOUT_S = int(os.environ.get("PERFNB_TUTORIAL_TIMEOUT", "300"))


def read(relative: str) -> dict[str, Any]:
    return json.loads((TUTORIALS / relative).read_text(encoding="utf-8"))


def source(cell: dict[str, Any]) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def slug(heading: str) -> str:
    """A markdown heading as an anchor: lowercase, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return re.sub(r" +", "-", text.strip())


def anchors(relative: str) -> set[str]:
    found = set()
    for cell in read(relative)["cells"]:
        if cell["cell_type"] == "markdown":
            for line in source(cell).splitlines():
                if line.startswith("#"):
                    found.add(slug(line.lstrip("#")))
    return found


# --- structure (fast) ------------------------------------------------------------------------


def test_every_level_has_at_least_two_notebooks_and_the_index_lists_them_all() -> None:
    for level in LEVELS:
        assert len(list((TUTORIALS / level).glob("*.ipynb"))) >= 2, level
    index = "\n".join(source(c) for c in read("index.ipynb")["cells"])
    readme = (TUTORIALS / "README.md").read_text(encoding="utf-8")
    for notebook in NOTEBOOKS:
        assert f"({notebook})" in index, f"index.ipynb does not link {notebook}"
        assert f"({notebook})" in readme, f"tutorials/README.md does not link {notebook}"


def test_the_notebooks_are_built_from_their_sources_and_committed_without_outputs() -> None:
    check = subprocess.run([sys.executable, str(TUTORIALS / "_source" / "build.py"), "--check"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    for notebook in ALL_NOTEBOOKS:
        for cell in read(notebook)["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, notebook


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_each_notebook_measures_with_perfnb_and_ends_with_a_self_check(notebook: str) -> None:
    cells = read(notebook)["cells"]
    code = "\n".join(source(c) for c in cells if c["cell_type"] == "code")
    assert "%load_ext perfnb" in code or "import perfnb" in code
    assert "quiz([" in code, "no self-check quiz"
    assert {"self-check", "what-you-can-do-now"} <= anchors(notebook)
    assert source(cells[-1]).startswith("## What you can do now")
    assert not re.search(r"https?://(?!mybinder\.org|docs\.pytorch\.org|pytorch\.org)", code), \
        "a tutorial must not download anything"


def test_the_advisors_tutorial_links_resolve_to_a_notebook_and_a_heading() -> None:
    from perfnb.advice import all_rules

    for rule in all_rules():
        path, _, section = rule.tutorial.partition("#")
        relative = path.removeprefix("tutorials/")
        assert (TUTORIALS / relative).is_file(), rule.tutorial
        if section:
            assert section in anchors(relative), f"{rule.id}: no heading for #{section} in {relative}"


def test_the_binder_links_in_the_readmes_open_each_level_in_jupyterlab() -> None:
    from perfnb.render.tutorial_links import BINDER_REPO

    for readme in (ROOT / "README.md", TUTORIALS / "README.md"):
        text = readme.read_text(encoding="utf-8")
        for level in LEVELS:
            url = f"https://mybinder.org/v2/gh/{BINDER_REPO}/HEAD?urlpath=lab/tree/tutorials/{level}"
            assert url in text, f"{readme.name}: no Binder link for {level}"


def test_binder_pins_the_cpu_build_of_torch() -> None:
    requirements = (BINDER / "requirements.txt").read_text(encoding="utf-8")
    constraints = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    pinned = re.search(r"^torch==([\w.]+)", constraints, re.M)
    assert pinned is not None
    assert re.search(rf"^torch=={re.escape(pinned.group(1))}\+cpu$", requirements, re.M)
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in requirements
    assert os.access(BINDER / "postBuild", os.X_OK)


# --- execution in the Binder environment (slow) ------------------------------------------------

RUNNER = """
import sys, time, nbformat
from nbclient import NotebookClient
path, timeout = sys.argv[1], int(sys.argv[2])
nb = nbformat.read(path, as_version=4)
start = time.perf_counter()
NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": sys.argv[3]}}).execute()
print(f"executed in {time.perf_counter() - start:.1f} s")
"""


def _run(command: list[str], env: dict[str, str], timeout: float) -> None:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@pytest.fixture(scope="session")
def binder_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment variables of a virtual environment built from binder/ alone."""
    reuse = os.environ.get("PERFNB_TUTORIAL_VENV")
    venv = Path(reuse) if reuse else tmp_path_factory.mktemp("binder") / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "JUPYTER_PATH")}
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
        # Find the kernel spec of this environment first (not one in the user's Jupyter folders).
        JUPYTER_PATH=str(venv / "share" / "jupyter"),
        JUPYTER_PLATFORM_DIRS="1",
        MPLBACKEND="module://matplotlib_inline.backend_inline",
        # Offline CI: an index that cannot be reached (PyTorch's CPU index) is skipped at once, not retried.
        PIP_RETRIES=os.environ.get("PIP_RETRIES", "0"),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    if not reuse:
        _run([sys.executable, "-m", "venv", str(venv)], env, 120)
        _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", str(BINDER / "requirements.txt")],
             env, 600)
        _run(["bash", str(BINDER / "postBuild")], env, 600)
    return env


@pytest.mark.tutorials
@pytest.mark.kernel
@pytest.mark.parametrize("notebook", ALL_NOTEBOOKS)
def test_the_tutorial_runs_in_the_binder_environment(notebook: str, binder_env: dict[str, str]) -> None:
    path = TUTORIALS / notebook
    python = str(Path(binder_env["VIRTUAL_ENV"]) / "bin" / "python")
    start = time.perf_counter()
    done = subprocess.run([python, "-c", RUNNER, str(path), str(TIMEOUT_S), str(path.parent)], cwd=path.parent,
                          env=binder_env, capture_output=True, text=True, timeout=TIMEOUT_S + 60)
    elapsed = time.perf_counter() - start
    print(f"{notebook}: {elapsed:.1f} s")  # shown with -s; the per-notebook target is 120 s on 2 cores
    assert done.returncode == 0, f"{notebook} failed after {elapsed:.0f} s:\n{done.stderr[-4000:]}"
