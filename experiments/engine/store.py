"""Atomic output files and the run store that makes studies resumable.

Every file a study writes goes through `atomic_write_bytes`: a temporary file in the same
directory, flushed and fsynced, then `os.replace`d over the target. A killed or disk-full run
therefore leaves either the old file or the new one, never a truncated one.

`RunStore` keeps each finished run under its content key (`RunSpec.key`): a study started again
with the same arguments finds its finished runs there and computes only the rest.
"""

from __future__ import annotations

import io
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

DEFAULT_STORE = Path("outputs") / "run_store"
COMPLETE = "COMPLETE"
"""Name of the completion marker a job directory gets after all its outputs are written."""


def atomic_write_bytes(path: Path | str, data: bytes) -> Path:
    """Write `data` to `path` so that readers never see a partial file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def atomic_write_text(path: Path | str, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def _via_buffer(write: Callable[[Any], Any], binary: bool) -> bytes:
    buf: Any = io.BytesIO() if binary else io.StringIO()
    write(buf)
    data = buf.getvalue()
    return data if binary else data.encode("utf-8")


def atomic_to_csv(frame: pd.DataFrame, path: Path | str, **kwargs: Any) -> Path:
    kwargs.setdefault("index", False)
    return atomic_write_bytes(path, _via_buffer(lambda b: frame.to_csv(b, **kwargs), False))


def atomic_to_parquet(frame: pd.DataFrame, path: Path | str, **kwargs: Any) -> Path:
    kwargs.setdefault("index", False)
    return atomic_write_bytes(path, _via_buffer(lambda b: frame.to_parquet(b, **kwargs), True))


def atomic_savefig(fig: Any, path: Path | str, **kwargs: Any) -> Path:
    """Save a matplotlib figure atomically (the format comes from the file's suffix)."""
    path = Path(path)
    kwargs.setdefault("format", path.suffix.lstrip(".") or "png")
    return atomic_write_bytes(path, _via_buffer(lambda b: fig.savefig(b, **kwargs), True))


def mark_complete(directory: Path | str, note: str = "") -> Path:
    """Write the completion marker last: a directory without it is not a finished job."""
    return atomic_write_text(Path(directory) / COMPLETE, note or "complete\n")


def is_complete(directory: Path | str) -> bool:
    return (Path(directory) / COMPLETE).is_file()


class RunStore:
    """Finished runs on disk, one pickle per content key (``<root>/<key[:2]>/<key>.pkl``).

    Writes are atomic, so a run is either fully stored or absent; any number of studies (and
    processes) can share one store because keys are content hashes.
    """

    def __init__(self, root: Path | str = DEFAULT_STORE) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.pkl"

    def __contains__(self, key: str) -> bool:
        return self._path(key).is_file()

    def get(self, key: str) -> Any | None:
        """The stored result, or None when absent or unreadable (then it is simply recomputed)."""
        path = self._path(key)
        try:
            with path.open("rb") as fh:
                return pickle.load(fh)
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 - a damaged entry is recomputed, not trusted
            return None

    def put(self, key: str, result: Any) -> None:
        atomic_write_bytes(self._path(key), pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))

    def __len__(self) -> int:
        return sum(1 for _ in self.root.glob("*/*.pkl")) if self.root.is_dir() else 0
