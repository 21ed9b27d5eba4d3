"""Errors the command line reports as one line on stderr (exit status 2), never as a traceback."""

from __future__ import annotations


class InputError(Exception):
    """A file or notebook perfnb cannot use: missing, not JSON, an unknown schema, a failed run."""
