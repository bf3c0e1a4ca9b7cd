"""`run_study`: run many `RunSpec`s on an executor, keeping each finished run in a store.

A study killed at any moment and started again with the same specs finds its finished runs in
the `RunStore` (by content key) and computes only the rest; the tidy frames it returns are
the same as an uninterrupted study's, whatever the executor or the number of workers.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.engine.executors import compile_once, execute
from experiments.engine.runner import RunFailure, frames
from experiments.engine.specs import RunSpec, spec_keys
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


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGINT stopped a study; its finished runs are in the store."""

    def __init__(self, signum: int, kept: int = 0) -> None:
        super().__init__(signum)
        self.signum = signum
        self.kept = kept

    @property
    def exit_status(self) -> int:
        return 128 + self.signum

    def __str__(self) -> str:
        name = signal.Signals(self.signum).name
        return (
            f"stopped by {name}; {self.kept} finished run(s) kept in the run store, run again "
            "to resume"
        )


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGINT raise `Interrupted` in the main thread, so the executor's cleanup
    runs (workers killed, claims released) instead of the process dying around its workers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise Interrupted(signum)

    old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


WAVE = 2048
"""Runs claimed at once (each claim holds one open file)."""


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

    Each finished run is stored as soon as its batch returns. Runs are claimed in the store
    before they are computed, so studies sharing a store compute each run once (a run claimed
    by another study is waited for and read). When runs fail, the others still finish and are
    stored; then `StudyError` is raised with one line naming the first failure (policy, hook,
    run) and how many failed; full tracebacks go to ``<log_dir>/<key>.log`` (default:
    ``<store>/logs``). SIGTERM/SIGINT stop every worker and raise `Interrupted`; damaged store
    entries are recomputed and reported on stderr.
    """
    from tqdm.auto import tqdm

    specs = list(specs)
    run_store = open_store(store)
    keys = spec_keys(specs)
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
    if todo:  # before the progress bar: its first runs would otherwise seem to hang
        compile_once()
    start = time.perf_counter()
    failures: list[RunFailure] = []
    computed = 0
    bar = tqdm(
        total=len(first_of),
        initial=reused,
        desc=f"{desc} ({reused} reused)" if reused else desc,
        unit="run",
        disable=not progress,
        file=sys.stderr,
    )
    kept = reused

    def compute(items: list[tuple[int, RunSpec]]) -> None:
        nonlocal computed, kept
        for i, res in execute(
            items, executor=executor, workers=workers, address=address, store_root=run_store.root
        ):
            if isinstance(res, RunFailure):
                failures.append(res)
            else:
                run_store.put(keys[i], res)
                results[i] = res
                kept += 1
            run_store.release(keys[i])
            computed += 1
            bar.update()

    try:
        with bar, stop_on_signals():
            waiting: list[tuple[int, RunSpec]] = []
            for w in range(0, len(todo), WAVE):
                mine = []
                for i, spec in todo[w : w + WAVE]:
                    (mine if run_store.claim(keys[i]) else waiting).append((i, spec))
                compute(mine)
            again = []
            for i, spec in waiting:  # claimed by another study: wait for it, then read it
                run_store.claim(keys[i], wait=True)
                found = run_store.get(keys[i])  # just computed by the other study
                if found is None:
                    again.append((i, spec))  # its holder stopped or failed: compute it here
                    continue
                run_store.release(keys[i])
                results[i] = found
                reused += 1
                kept += 1
                bar.update()
            compute(again)
    except Interrupted as stop:
        raise Interrupted(stop.signum, kept) from None
    finally:
        run_store.release_all()
    wall = time.perf_counter() - start
    if run_store.damaged:
        print(
            f"warning: {len(run_store.damaged)} damaged run-store entr"
            f"{'y' if len(run_store.damaged) == 1 else 'ies'} set aside (*.damaged) and "
            f"recomputed: {', '.join(k[:12] for k in run_store.damaged[:3])}"
            f"{' ...' if len(run_store.damaged) > 3 else ''}",
            file=sys.stderr,
        )
    if failures:
        raise _failed(failures, run_store, log_dir, len(first_of))
    for i, key in enumerate(keys):
        if results[i] is None:
            results[i] = results[first_of[key]]
    out = frames(results, specs)
    return StudyResult(**out, reused=reused, computed=computed, wall_seconds=wall, keys=keys)


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
