"""Writing SVG by hand for the static report: escaped text, the root element, plot axes.

Every string goes through ``text`` (XML-escaped, characters XML cannot hold replaced), so
names from user code stay text, never markup. Colours are presentation attributes that
read on light and dark backgrounds; ``STYLE`` themes them with JupyterLab's CSS variables
where those exist (a CSS rule wins over a presentation attribute).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

INK = "#808080"  # text and axes: mid grey reads on white and on black
FONT = "font-family='system-ui,-apple-system,Segoe UI,sans-serif' font-size='10'"
STYLE = (
    ".perfnb-picture .ink{fill:var(--jp-ui-font-color2,#808080)}"
    ".perfnb-picture .rule{stroke:var(--jp-ui-font-color2,#808080)}"
    ".perfnb-picture .grid{stroke:var(--jp-border-color2,#808080)}"
)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ZEROS = re.compile(r"\.0+\b|(\.\d*?[1-9])0+\b")


def text(value: str) -> str:
    """``value`` as XML character data or attribute text."""
    return escape(_NOT_XML.sub("\ufffd", value), quote=True)


def root(width: int, height: int, label: str, body: str) -> str:
    """An <svg> element named ``label`` for assistive technology (<title> and aria-label)."""
    name = text(label)
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' style='max-width:100%;height:auto' role='img' aria-label='{name}' {FONT}>"
        f"<title>{name}</title>{body}</svg>"
    )


def label(x: float, y: float, value: str, anchor: str = "middle", extra: str = "") -> str:
    """Grey text at (x, y): ``anchor`` is start, middle or end."""
    return f"<text class='ink' fill='{INK}' x='{x:.1f}' y='{y:.1f}' text-anchor='{anchor}'{extra}>{text(value)}</text>"


def ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round values (1, 2 or 5 times a power of ten apart) from at or below ``low``
    to at or above ``high``."""
    if high <= low:
        high = low + (abs(low) or 1.0) * 0.1
    raw = (high - low) / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * 0.999)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [i * step for i in range(first, last + 1)]


def tick_text(show: Callable[[float], str]) -> Callable[[float], str]:
    """``show`` for tick labels: zero as a plain ``0`` (not ``0 µs``), no trailing zeros (``5 s``, ``20 MB``)."""
    return lambda value: "0" if abs(value) < 1e-12 else _ZEROS.sub(lambda m: m.group(1) or "", show(value))


@dataclass(frozen=True)
class Plot:
    """A plotting area of ``width`` × ``height`` pixels: ``x_range`` × ``y_range``, ticks at ``xs`` and ``ys``."""

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    xs: Sequence[float]
    ys: Sequence[float]
    width: int = 360
    height: int = 160
    left: int = 58
    right: int = 22
    top: int = 14
    bottom: int = 34

    def x(self, value: float) -> float:
        low, high = self.x_range
        return self.left + (value - low) / (high - low) * (self.width - self.left - self.right)

    def y(self, value: float) -> float:
        low, high = self.y_range
        return self.height - self.bottom - (value - low) / (high - low) * (self.height - self.top - self.bottom)

    def points(self, values: Sequence[Sequence[float]]) -> str:
        """(x, y) data pairs as the ``points`` of a <polyline>: the transforms inlined, for long series."""
        (x_low, x_high), (y_low, y_high) = self.x_range, self.y_range
        sx = (self.width - self.left - self.right) / (x_high - x_low)
        sy = (self.height - self.top - self.bottom) / (y_high - y_low)
        x0, y0 = self.left - x_low * sx, self.height - self.bottom + y_low * sy
        return " ".join([f"{x0 + x * sx:.1f},{y0 - y * sy:.1f}" for x, y in values])

    def axes(self, x_text: Callable[[float], str], y_text: Callable[[float], str], x_title: str, y_title: str) -> str:
        """Grid lines, both axes with their tick labels, and the two axis titles."""
        x0, x1 = self.x(self.x_range[0]), self.x(self.x_range[1])
        y0, y1 = self.y(self.y_range[0]), self.y(self.y_range[1])
        parts = [
            f"<line class='grid' stroke='{INK}' stroke-opacity='0.3' x1='{x0:.1f}' x2='{x1:.1f}' "
            f"y1='{self.y(v):.1f}' y2='{self.y(v):.1f}'/>"
            + label(x0 - 4, self.y(v) + 3.5, y_text(v), "end")
            for v in self.ys
        ]
        parts += [
            f"<line class='rule' stroke='{INK}' x1='{self.x(v):.1f}' x2='{self.x(v):.1f}' "
            f"y1='{y0:.1f}' y2='{y0 + 4:.1f}'/>"
            + label(self.x(v), y0 + 14, x_text(v))
            for v in self.xs
        ]
        parts.append(f"<line class='rule' stroke='{INK}' x1='{x0:.1f}' x2='{x1:.1f}' y1='{y0:.1f}' y2='{y0:.1f}'/>")
        parts.append(label((x0 + x1) / 2, self.height - 4, x_title))
        middle = (y0 + y1) / 2
        parts.append(label(11, middle, y_title, extra=f" transform='rotate(-90 11 {middle:.1f})'"))
        return "".join(parts)
