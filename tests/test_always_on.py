"""Always-on mode: `%perf on` profiles every cell (folded bundle), `%perf off` stops."""

from __future__ import annotations

from typing import Any

from tests.conftest import run

MIME = "application/vnd.perfnb.profile+json"


def _published(ip: Any, source: str) -> list[tuple[dict[str, Any], Any]]:
    """Run a cell; the (data, metadata) of each display it published."""
    seen: list[tuple[dict[str, Any], Any]] = []
    original = ip.display_pub.publish

    def publish(data: dict[str, Any], metadata: Any = None, **kwargs: Any) -> None:
        seen.append((data, metadata))
        original(data, metadata, **kwargs)

    ip.display_pub.publish = publish
    try:
        result = run(ip, source)
    finally:
        ip.display_pub.publish = original
    assert result.success, result.error_in_exec or result.error_before_exec
    return [(d, m) for d, m in seen if MIME in d]


def test_always_on_profiles_every_cell_until_off(ip: Any) -> None:
    assert _published(ip, "x = sum(range(1000))") == []
    try:
        assert _published(ip, "%perf on") == []  # switching on is not itself profiled
        shown = _published(ip, "y = sum(i * i for i in range(20000))\ny")
        assert len(shown) == 1
        data, metadata = shown[0]
        assert data[MIME]["cell"]["source"].startswith("y = sum(")
        assert metadata == {MIME: {"always_on": True}}
        assert "text/html" in data and "text/plain" in data
        assert not any(k.startswith("application/vnd.jupyter.widget") for k in data)
        # a %%perf cell keeps its own profile (one, not two) and its normal display
        explicit = _published(ip, "%%perf\nz = sum(range(5000))")
        assert len(explicit) == 1
        assert explicit[0][1] in (None, {})
        assert _published(ip, "   \n") == []
    finally:
        assert _published(ip, "%perf off") == []
    assert _published(ip, "w = sum(range(1000))") == []
