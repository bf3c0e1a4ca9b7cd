"""Commands piped into ``head`` and friends: a closed stdout is not an error."""

from __future__ import annotations

import os
import sys


def quiet_broken_pipe() -> None:
    """After the reader of stdout went away: point stdout at /dev/null so that Python's final
    flush does not print 'Broken pipe' (the recipe of the Python docs, "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - stdout without a file descriptor
        pass
