"""Atomic output files and the run store that makes studies resumable and shareable.

Every file a study writes goes through `atomic_write_bytes`: a temporary file in the same
directory, flushed and fsynced, given the user's umask (a temporary file is created 0600), then
`os.replace`d over the target. A killed or disk-full run therefore leaves either the old file or
the new one, never a truncated one; a failed write is one `OutputError` line naming the file.

`RunStore` keeps each finished run under its content key (`RunSpec.key`): a study started again
with the same arguments finds its finished runs there and computes only the rest. Several
studies may share one store at once: a run is *claimed* (an exclusive `fcntl.flock` on
``<key>.lock``, released by the kernel if its holder dies) before it is computed, so every run
is computed once; the others wait for it and read it. Each entry carries a SHA-256 of its
payload, so a damaged entry is detected, set aside and recomputed, never trusted.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import io
import math
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import ConfigError

DEFAULT_STORE = Path("outputs") / "run_store"
COMPLETE = "COMPLETE"
"""Name of the completion marker a job directory gets after all its outputs are written."""
MAGIC = b"SRLRUN1\n"
"""Header of a store entry: magic, 32-byte SHA-256 of the payload, then the pickle."""


class OutputError(ConfigError):
    """A file could not be written (disk full, read-only ...): one line naming it."""


def jsonable(obj: Any) -> Any:
    """JSON-safe copy: NaN -> None, NumPy scalars -> Python numbers."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def current_umask() -> int:
    """The process's umask, read without changing it (Linux), else by setting it back."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:  # pragma: no cover - not Linux
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_error(path: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    hint = ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "; free some space and run again (finished runs are kept)"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "; choose a writable directory"
    return OutputError(str(path), f"cannot write ({reason}){hint}")


def atomic_write_bytes(path: Path | str, data: bytes) -> Path:
    """Write `data` to `path` so that readers never see a partial file (mode from the umask)."""
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o666 & ~current_umask())
            _write_all(fh, data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        raise _write_error(path, exc) from None
    except BaseException:
        _discard(tmp)
        raise
    return path


def _write_all(fh: Any, data: bytes) -> None:
    fh.write(data)


def _discard(tmp: str | None) -> None:
    if tmp is not None:
        try:
            os.unlink(tmp)
        except OSError:
            pass


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


class RunStore:
    """Finished runs on disk, one entry per content key (``<root>/<key[:2]>/<key>.pkl``).

    Writes are atomic and checksummed, so an entry is either whole or detected as damaged;
    claims (`claim`) let several studies share a store with every run computed once.
    `damaged` lists the keys whose entries were unreadable and set aside (``.damaged``).
    """

    def __init__(self, root: Path | str = DEFAULT_STORE) -> None:
        self.root = Path(root)
        self.damaged: list[str] = []
        self._locks: dict[str, int] = {}

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.pkl"

    def __contains__(self, key: str) -> bool:
        return self._path(key).is_file()

    def get(self, key: str) -> Any | None:
        """The stored result, or None when absent or damaged (then it is recomputed)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError:
            return self._set_aside(key, path)
        try:
            if data.startswith(MAGIC):
                digest, payload = data[len(MAGIC) : len(MAGIC) + 32], data[len(MAGIC) + 32 :]
                if hashlib.sha256(payload).digest() != digest:
                    raise ValueError("checksum mismatch")
                return pickle.loads(payload)
            return pickle.loads(data)  # an entry written before checksums
        except Exception:  # noqa: BLE001 - a damaged entry is recomputed, not trusted
            return self._set_aside(key, path)

    def _set_aside(self, key: str, path: Path) -> None:
        self.damaged.append(key)
        try:
            os.replace(path, path.with_suffix(".damaged"))
        except OSError:
            pass
        return None

    def put(self, key: str, result: Any) -> None:
        payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        atomic_write_bytes(self._path(key), MAGIC + hashlib.sha256(payload).digest() + payload)

    def __len__(self) -> int:
        return sum(1 for _ in self.root.glob("*/*.pkl")) if self.root.is_dir() else 0

    # ------------------------------------------------------------------ claims
    def _lock_path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.lock"

    def claim(self, key: str, *, wait: bool = False) -> bool:
        """Take the exclusive claim on `key` (True), or False when another process holds it
        (`wait`: block until it is released). A dead holder's claim is released by the kernel."""
        if key in self._locks:
            return True
        path = self._lock_path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise _write_error(path, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._locks[key] = fd
        return True

    def release(self, key: str) -> None:
        fd = self._locks.pop(key, None)
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def release_all(self) -> None:
        for key in list(self._locks):
            self.release(key)
