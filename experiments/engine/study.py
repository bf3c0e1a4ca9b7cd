"""`run_study`: run many `RunSpec`s on an executor, keeping each finished run in a store.

A study killed at any moment and started again with the same specs finds its finished runs in
the `RunStore` (by content key) and computes only the rest; the tidy frames it returns are
the same as an uninterrupted study's, whatever the executor or the number of workers.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.engine.executors import execute
from experiments.engine.runner import RunFailure, frames
from experiments.engine.specs import RunSpec
from experiments.engine.store import DEFAULT_STORE, RunStore, atomic_write_text
from sim import ConfigError


class StudyError(ConfigError):
    """Some runs failed; the message is one line, tracebacks are in the log files."""

    def __init__(self, message: str, failures: list[RunFailure]) -> None:
        Exception.__init__(self, message)
        self.field = "run"
        self.message = message
        self.failures = failures

    def __str__(self) -> str:
        return self.message


@dataclass
class StudyResult:
    """The tidy frames of a study (see docs/engine.md) and how its runs were obtained."""

    stores: pd.DataFrame
    runs: pd.DataFrame
    market: pd.DataFrame
    series: pd.DataFrame
    yearly: pd.DataFrame
    segments: pd.DataFrame
    reused: int = 0
    computed: int = 0
    wall_seconds: float = 0.0
    keys: list[str] = field(default_factory=list)


def open_store(store: str | Path | RunStore | None) -> RunStore:
    if isinstance(store, RunStore):
        return store
    return RunStore(DEFAULT_STORE if store is None else Path(store))


def run_study(
    specs: Sequence[RunSpec],
    *,
    executor: str | Executor = "local",
    workers: int | None = None,
    address: str | None = None,
    store: str | Path | RunStore | None = None,
    fresh: bool = False,
    progress: bool = True,
    desc: str = "runs",
    log_dir: str | Path | None = None,
) -> StudyResult:
    """Run every spec (reusing stored runs unless `fresh`) and return tidy frames in spec order.

    Each finished run is stored as soon as its batch returns. When runs fail, the others still
    finish and are stored; then `StudyError` is raised with one line naming the first failure
    (policy, hook, run) and how many failed; full tracebacks go to ``<log_dir>/<key>.log``
    (default: ``<store>/logs``).
    """
    from tqdm.auto import tqdm

    specs = list(specs)
    run_store = open_store(store)
    keys = [s.key for s in specs]
    results: list[Any] = [None] * len(specs)
    first_of: dict[str, int] = {}
    todo: list[tuple[int, RunSpec]] = []
    reused = 0
    for i, (spec, key) in enumerate(zip(specs, keys, strict=True)):
        if key in first_of:  # the same simulation twice in one study: run it once
            continue
        first_of[key] = i
        cached = None if fresh else run_store.get(key)
        if cached is not None:
            results[i] = cached
            reused += 1
        else:
            todo.append((i, spec))
    start = time.perf_counter()
    failures: list[RunFailure] = []
    bar = tqdm(
        total=len(first_of),
        initial=reused,
        desc=f"{desc} ({reused} reused)" if reused else desc,
        unit="run",
        disable=not progress,
        file=sys.stderr,
    )
    with bar:
        for i, res in execute(todo, executor=executor, workers=workers, address=address):
            if isinstance(res, RunFailure):
                failures.append(res)
            else:
                run_store.put(keys[i], res)
                results[i] = res
            bar.update()
    wall = time.perf_counter() - start
    if failures:
        raise _failed(failures, run_store, log_dir, len(first_of))
    for i, key in enumerate(keys):
        if results[i] is None:
            results[i] = results[first_of[key]]
    out = frames(results, specs)
    return StudyResult(**out, reused=reused, computed=len(todo), wall_seconds=wall, keys=keys)


def _failed(
    failures: list[RunFailure], store: RunStore, log_dir: str | Path | None, total: int
) -> StudyError:
    logs = Path(log_dir) if log_dir is not None else store.root / "logs"
    failures.sort(key=lambda f: f.index)
    for f in failures:
        atomic_write_text(logs / f"{f.key}.log", f"{f.message}\n\n{f.details}")
    more = f"; {len(failures)} of {total} runs failed" if len(failures) > 1 else ""
    return StudyError(
        f"{failures[0].message}{more} (traceback: {logs / (failures[0].key + '.log')}; "
        "finished runs are kept)",
        failures,
    )
