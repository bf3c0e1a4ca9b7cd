"""One worker thread per process for work that runs while the caller goes on: NumPy's bulk
draws and sorts and the kernels declared `nogil` release the GIL, so on a second core they
overlap the caller's own work. At a million customers that is the social network, built while
the attributes are drawn (`sim.population`), and the next blocks of the occasion streams,
drawn while the tick's kernels run (`sim.rng.DrawsAhead`).

Jobs never wait for one another (a job that did could wait for itself: one thread runs them
in turn), and the results are the same as in the caller's thread: each job has its own
random stream.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

_WORKER: tuple[int, ThreadPoolExecutor] | None = None


def submit(work: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
    """`work(*args, **kwargs)` on the worker; the future's `result()` returns what it returned
    or raises what it raised. A forked child makes its own worker (its parent's thread is not
    copied)."""
    global _WORKER
    if _WORKER is None or _WORKER[0] != os.getpid():
        _WORKER = (os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="sim-background"))
    return _WORKER[1].submit(work, *args, **kwargs)
