"""The export formats by name: each turns labelled profiles into the bytes of one file."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from .stacks import Labelled


@dataclass(frozen=True)
class Format:
    suffix: str
    write: Callable[[list[Labelled], str], bytes]


def _speedscope(profiles: list[Labelled], name: str) -> bytes:
    from .speedscope import to_speedscope

    return json.dumps(to_speedscope(profiles, name)).encode()


def _chrome(profiles: list[Labelled], name: str) -> bytes:
    from .chrome import to_chrome

    return json.dumps(to_chrome(profiles)).encode()


def _collapsed(profiles: list[Labelled], name: str) -> bytes:
    from .collapsed import to_collapsed

    return to_collapsed(profiles).encode()


def _pstats(profiles: list[Labelled], name: str) -> bytes:
    from .pstats_file import to_pstats

    return to_pstats(profiles)


FORMATS = {
    "speedscope": Format(".speedscope.json", _speedscope),
    "chrome": Format(".trace.json", _chrome),
    "collapsed": Format(".collapsed.txt", _collapsed),
    "pstats": Format(".pstats", _pstats),
}
