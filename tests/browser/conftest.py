"""A real JupyterLab in headless system Chromium (Playwright; never a downloaded browser).

`lab` starts ``jupyter lab`` on a free loopback port over a temporary root directory,
without a token, as root if need be, and with nothing to build. Screenshots go to
``test-artifacts/`` (gitignored), kept for a person to look at.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("PERFNB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

pytestmark = pytest.mark.browser


@dataclass
class Lab:
    url: str
    root: Path

    def notebook(self, name: str, cells: list[str]) -> str:
        """Write a notebook with these code cells (no outputs); its URL in JupyterLab."""
        import nbformat

        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        return f"{self.url}lab/tree/{name}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "api/status", timeout=2) as response:
                json.load(response)
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"jupyter lab did not start in {timeout_s} s: {log.read_text()[-3000:]}")


@pytest.fixture(scope="package")  # one package at a time: a live sync Playwright breaks asyncio for later tests
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (make chromium)")
    root = tmp_path_factory.mktemp("lab-root")
    home = tmp_path_factory.mktemp("lab-home")
    port = _free_port()
    log = home / "lab.log"
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "IPYTHONDIR": str(home / "ipython"), "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}", "--IdentityProvider.token=",
        "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True", "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.expose_app_in_browser=True",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait(url, proc, log)
        yield Lab(url=url, root=root)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log, ARTIFACTS / "jupyter-lab.log")


@pytest.fixture(scope="package")  # one package at a time: a live sync Playwright breaks asyncio for later tests
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    with shared_page(browser, request.node.name) as page:
        yield page


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@contextlib.contextmanager
def shared_page(browser: Any, name: str) -> Iterator[Any]:
    """A page (for one test, or shared by a module's tests); screenshots of its pages on the way
    out (``name``-end-N)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, record_video_dir=None)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        for i, other in enumerate(context.pages):
            shot(other, f"{name}-end-{i}")
        context.close()


def dismiss_news(page: Any) -> None:
    """Close JupyterLab's "be notified about news?" toast when it shows."""
    no_news = page.get_by_role("button", name="No")
    if no_news.count():
        no_news.first.click()


def run_all(page: Any, url: str, before: str | None = None) -> None:
    """Open a notebook in JupyterLab and run all its cells (returns at once); ``before`` is
    JavaScript evaluated in the page just before they start (e.g. to watch what they show)."""
    page.goto(url)
    # this notebook in front (JupyterLab also restores the notebooks an earlier test left open)
    path = json.dumps(url.split("/lab/tree/", 1)[1])
    page.wait_for_function(f"window.jupyterapp?.shell.currentWidget?.context?.path === {path}")
    page.wait_for_function("window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel?.status === 'idle'")
    if before:
        page.evaluate(before)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
