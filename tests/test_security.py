"""Security: content from user code never becomes markup, perfnb opens no listener and
puts no environment variable into any output, and profiles loaded from files are validated.

tests/payloads.txt is the shared payload corpus (one HTML/script payload per line);
the widget and sidebar browser tests reuse it.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import psutil
import pytest
from jupyter_client.manager import KernelManager

from perfnb.model import CellInfo, LineStat, Profile, Suggestion, ThreadProfile, TreeNode
from perfnb.render.bundle import mime_bundle
from perfnb.stats import timing_from_runs

from .conftest import profiles, run

PAYLOADS = [line for line in (Path(__file__).parent / "payloads.txt").read_text().splitlines() if line]
FORBIDDEN_TAGS = {"script", "iframe", "img", "object", "embed", "form", "input", "base", "meta", "link", "math",
                  "noscript", "a"}  # fmt: skip


class _Markup(HTMLParser):
    """Collects the tags, attributes and text of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.text: list[str] = []
        self._in_style = 0
        self.style_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)
        if tag == "style":
            self._in_style += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style -= 1

    def handle_data(self, data: str) -> None:
        (self.style_text if self._in_style else self.text).append(data)


def _assert_inert(document: str) -> None:
    markup = _Markup()
    markup.feed(document)
    markup.close()
    assert not FORBIDDEN_TAGS & set(markup.tags), FORBIDDEN_TAGS & set(markup.tags)
    assert not [a for a in markup.attributes if a[0].startswith("on")]
    assert not [a for a in markup.attributes if "javascript:" in a[1].lower() or "evil.example" in a[1]]
    assert "perfnb-xss" not in "".join(markup.style_text)
    assert "perfnb-xss" not in " ".join(v for _, v in markup.attributes)


def _payload_profile() -> Profile:
    """A profile whose every user-derived string is a payload."""
    lines = [
        LineStat(origin="cell", cell=3, file="In [3]", line=i + 1, code=p, time_s=1.0, native_s=0.2, function=p)
        for i, p in enumerate(PAYLOADS)
    ] + [
        LineStat(origin="file", cell=None, file=f"/home/{p}/mod.py", line=7, code=p, time_s=0.5, native_s=0.0, function=p)
        for p in PAYLOADS
    ]
    children = [TreeNode(name=p, file=f"/srv/{p}.py", line=1, time_s=1.0, self_s=1.0) for p in PAYLOADS]
    tree = TreeNode(name="In [3]", file="In [3]", line=1, time_s=float(len(PAYLOADS)), self_s=0.0, children=children)
    profile = Profile(
        cell=CellInfo(3, "\n".join(PAYLOADS)),
        timing=timing_from_runs([float(len(PAYLOADS))], 1.0),
        lines=lines,
        tree=tree,
        threads=[ThreadProfile(name=p, ident=i, time_s=0.5) for i, p in enumerate(PAYLOADS)],
        suggestions=[
            Suggestion(rule=p, category="caching", level="beginner", title=p, evidence=p, lines=[1], fix=p,
                       tutorial="tutorials/beginner/x.ipynb")
            for p in PAYLOADS[:5]
        ],
    )
    profile.meta.errors = list(PAYLOADS)
    return profile


def test_the_payload_corpus_is_there_for_every_view() -> None:
    assert len(PAYLOADS) >= 20 and all("perfnb-xss" in p or "<" in p for p in PAYLOADS)


def test_payloads_in_a_profile_render_as_text_in_the_static_html() -> None:
    bundle = mime_bundle(_payload_profile())
    html = bundle["text/html"]
    _assert_inert(html)
    markup = _Markup()
    markup.feed(html)
    text = "".join(markup.text)
    shown = [p for p in PAYLOADS if p in text]
    assert len(shown) >= 10, "the payloads are shown to the reader, as text"


def test_payloads_from_a_real_cell_render_as_text(ip: Any, tmp_path: Path) -> None:
    # A module whose path and function names carry payloads, a cell whose lines carry them,
    # and an exception message that is one.
    directory = tmp_path / "<img src=x onerror=alert('perfnb-xss-dir')>"
    directory.mkdir()
    module = directory / "payload_mod.py"
    module.write_text(
        "import time\n"
        "def spin():\n"
        "    end = time.perf_counter() + 0.05\n"
        "    while time.perf_counter() < end:\n"
        "        pass\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(module.read_text(), str(module), "exec"), namespace)
    ip.user_ns["payload_spin"] = namespace["spin"]
    run(ip, "%%perf\nlabel = '<script>alert(\"perfnb-xss-cell\")</script>'; payload_spin()\n"
            "raise ValueError('<img src=x onerror=alert(\"perfnb-xss-exc\")>')")  # fmt: skip
    (profile,) = profiles(ip)
    assert any("onerror" in line["file"] for line in profile["lines"]), "the payload path is in the profile"
    html = next(d["text/html"] for d in ip.captured if "text/html" in d)
    _assert_inert(html)


def _kernel_pid(manager: KernelManager) -> int:
    provisioner = manager.provisioner
    process = getattr(provisioner, "process", None)
    assert process is not None
    return int(process.pid)


def _listening(pid: int) -> set[tuple[str, int, str]]:
    process = psutil.Process(pid)
    sockets = set()
    for conn in process.net_connections(kind="inet"):
        if conn.status == psutil.CONN_LISTEN or not conn.raddr:
            sockets.add((conn.laddr.ip, conn.laddr.port, str(conn.type)))
    return sockets


@pytest.mark.kernel
def test_no_listener_and_no_secret_in_any_output() -> None:
    secret = f"perfnb-secret-{uuid.uuid4().hex}"
    env = dict(os.environ, PERFNB_TEST_SECRET=secret)
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env=env)
    client = manager.client()
    client.start_channels()
    outputs: list[dict[str, Any]] = []
    try:
        client.wait_for_ready(timeout=120)
        pid = _kernel_pid(manager)
        client.execute_interactive("%load_ext perfnb", timeout=120)
        before = _listening(pid)
        cells = [
            "%%perf\nimport os, time\ntoken = os.environ['PERFNB_TEST_SECRET']\nn = len(token)\ntime.sleep(1.0)",
            "%%perf --memory\nimport os\nvalues = [os.environ.get(k) for k in sorted(os.environ)]\nlen(values) > 0",
            "%perf -o prof_obj sum(range(100000))",
            "print(prof_obj.to_json().count('PERFNB_TEST_SECRET'))",
        ]
        during: set[tuple[str, int, str]] = set()
        for code in cells:
            msg_id = client.execute(code)
            if code.endswith("time.sleep(1.0)"):
                time.sleep(0.6)
                during = _listening(pid)
            while True:
                msg = client.get_iopub_msg(timeout=120)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    break
                outputs.append(msg["content"])
        after = _listening(pid)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert during == before and after == before, (before, during, after)
    text = json.dumps(outputs)
    assert "application/vnd.perfnb.profile+json" in text, "the cells were profiled"
    assert secret not in text
    assert '"text": "0\\n"' in text, "no environment variable name in the stored profile"
