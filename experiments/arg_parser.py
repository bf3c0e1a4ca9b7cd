"""The argparse parser of the non-Hydra commands (segment, calibrate, report, collect, bench):
a bad argument is one ``error: ...`` line and exit status 2, like every other bad input."""

from __future__ import annotations

import argparse
from pathlib import Path


class OneLineParser(argparse.ArgumentParser):
    """argparse without the usage block before its error (the usage is one `--help` away)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"error: {message} (see --help)\n")


def directory(text: str) -> Path:
    """An output directory argument: a path, never the empty text (which would quietly mean
    the working directory)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must be a directory path, got ''")
    return Path(text)
