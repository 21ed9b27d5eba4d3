"""The JupyterLab extension as shipped: its TypeScript unit tests pass, and a wheel carries the
prebuilt extension so that, installed without Node, `jupyter labextension list` shows it
enabled and OK."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LABEXT = ROOT / "labextension"
BUILT = ROOT / "perfnb" / "labextension"


def _need_built() -> None:
    if not (LABEXT / "node_modules").is_dir() or not (BUILT / "package.json").is_file():
        pytest.skip("the labextension is not built (make frontend)")


def test_typescript_model_unit_tests() -> None:
    _need_built()
    npm = shutil.which("npm")
    assert npm is not None, "npm is needed to run the labextension's unit tests"
    result = subprocess.run([npm, "test", "--silent"], cwd=LABEXT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "passed" in result.stdout


def test_prebuilt_extension_metadata() -> None:
    _need_built()
    data = json.loads((BUILT / "package.json").read_text())
    assert data["name"] == "perfnb"
    build = data["jupyterlab"]["_build"]
    assert (BUILT / build["load"]).is_file()
    assert build["extension"] == "./extension" and build["mimeExtension"] == "./mimeExtension"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this checkout (the build hook finds the labextension built and skips npm)."""
    _need_built()
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (found,) = out.glob("perfnb-*.whl")
    return found


def test_wheel_ships_the_prebuilt_extension(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    data = next(n for n in names if n.endswith(".data/data/share/jupyter/labextensions/perfnb/package.json"))
    prefix = data.rsplit("package.json", 1)[0]
    assert prefix + "install.json" in names
    assert any(n.startswith(prefix + "static/remoteEntry.") for n in names)
    assert "perfnb/__init__.py" in names


def test_installed_wheel_is_listed_enabled_and_ok(wheel: Path, tmp_path: Path) -> None:
    """Install the wheel into an empty prefix (no Node involved) and ask JupyterLab."""
    prefix = tmp_path / "prefix"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHON"))}
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--ignore-installed", "--quiet", "--prefix", str(prefix), str(wheel)],  # -I: never uninstall the dev install
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    share = prefix / "share" / "jupyter"
    assert (share / "labextensions" / "perfnb" / "static").is_dir()
    env.update(JUPYTER_PATH=str(share), JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_DATA_DIR=str(tmp_path / "data"))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    listed = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"], capture_output=True, text=True, timeout=120, env=env,
    )
    text = listed.stdout + listed.stderr
    assert listed.returncode == 0, text
    lines = [line.strip() for line in text.splitlines()]
    start = lines.index(str(share / "labextensions"))  # the prefix's section, then its extensions
    section = lines[start + 1 : lines.index("", start) if "" in lines[start:] else len(lines)]
    assert any(line.startswith("perfnb v") and "enabled" in line and "OK" in line and "(python, perfnb)" in line for line in section), text
