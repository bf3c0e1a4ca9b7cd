"""Where runs execute: in this process, this process with local worker processes (loky), or Ray.

Every executor takes batches of ``(index, RunSpec)`` and yields ``(index, result)`` pairs as
batches finish; results do not depend on the executor because a run depends only on its spec.
Runs travel in batches so that a 0.3-s run is not dominated by the cost of dispatching it, and
the runs of one burn-in travel together so that it is computed once (`plan_batches`).

Stopping: when the consumer stops early (an exception, SIGTERM/SIGINT turned into
`Interrupted` by `run_study`), this process stops computing, the local workers are killed at
once and pending Ray tasks are cancelled, so no worker computes on after the study has
stopped. A Ray task whose worker dies is retried (Ray's own retries, then ours), so a killed
worker loses no run.
"""

from __future__ import annotations

import gc
import math
import os
import queue
import sys
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, as_completed, wait
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from experiments.engine.burn_ins import Share, burn_in_keys, grouped_batches
from experiments.engine.runner import iter_batch, run_batch
from experiments.engine.specs import RunSpec
from experiments.paths import REPO
from sim import ConfigError, kernels

EXECUTORS = ("local", "ray")
Batch = list[tuple[int, RunSpec]]
RAY_RETRIES = 3
START_ATTEMPTS = 2
"""A local Ray that times out starting (its raylet gets 30 s, too little on a loaded machine)
is started once more before giving up."""
"""Extra submissions of a batch whose Ray worker died (after Ray's own task retries)."""


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def batches(items: Sequence[tuple[int, RunSpec]], workers: int, max_size: int = 8) -> list[Batch]:
    """Batches in spec order, burn-ins aside: about four per worker (load balance), at most
    `max_size` runs each (so results reach the store, and the progress bar, often). The
    executors use `plan_batches`, which keeps each burn-in's runs together."""
    if not items:
        return []
    size = max(1, min(max_size, math.ceil(len(items) / (4 * max(1, workers)))))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def plan_batches(
    items: Sequence[tuple[int, RunSpec]], workers: int, store_root: Path | str | None
) -> tuple[list[Batch], Share | None]:
    """Batches keeping each burn-in's runs together (`grouped_batches`), and the run store's
    share of the burn-ins of groups split over several batches (None: nothing to share)."""
    keys = burn_in_keys([spec for _, spec in items])
    groups, split = grouped_batches(items, keys, workers)
    return groups, Share(store_root, split) if split and store_root is not None else None


def execute(
    items: Sequence[tuple[int, RunSpec]],
    *,
    executor: str | Executor = "local",
    workers: int | None = None,
    address: str | None = None,
    store_root: Path | str | None = None,
) -> Iterator[tuple[int, Any]]:
    """Run `items` and yield ``(index, result or RunFailure)`` as they finish.

    Runs sharing a burn-in (`experiments.engine.burn_ins`) travel in one batch where the
    balance allows; `store_root` (a run store's directory, seen by every worker) shares the
    burn-ins of groups split over batches, for as long as this call runs.
    """
    workers = default_workers() if workers is None else workers
    if not isinstance(executor, Executor) and executor not in EXECUTORS:
        raise ConfigError("executor", f"must be one of {list(EXECUTORS)}, got {executor!r}")
    if executor == "local" and (workers <= 1 or len(items) <= 1):
        yield from _in_process(items)
        return
    if executor == "ray":  # a cluster's nodes may not see this machine's run store
        yield from _ray(items, workers, address, None if address else store_root)
        return
    planned, share = plan_batches(items, workers, store_root)
    try:
        if isinstance(executor, Executor):
            yield from _futures(planned, share, executor)
        else:
            yield from _local(planned, share, workers)
    finally:
        if share is not None:
            share.clean()


def announce_compile() -> bool:
    """Say on stderr, once per call, that the kernels are about to be compiled when this
    checkout has none cached (a first run is slow then: about a minute); True if so."""
    note = kernels.compile_note()
    if note is not None:
        print(note, file=sys.stderr, flush=True)
    return note is not None


def compile_once() -> None:
    """On a checkout whose kernels are not compiled yet, compile them here, once, saying so,
    before any worker starts: otherwise every worker compiles them all itself at the same
    time, and the first runs take half a minute each with nothing said why."""
    if announce_compile():
        kernels.warm_up()


def _in_process(items: Sequence[tuple[int, RunSpec]]) -> Iterator[tuple[int, Any]]:
    """One process: the runs of each burn-in one after the other, each yielded when done."""
    keys = burn_in_keys([spec for _, spec in items])
    first = {k: n for n, k in reversed(list(enumerate(keys)))}
    order = sorted(range(len(items)), key=lambda n: first[keys[n]])
    yield from iter_batch([items[n] for n in order])


def _local(planned: list[Batch], share: Share | None, workers: int) -> Iterator[tuple[int, Any]]:
    """`workers` processes compute: this one and ``workers - 1`` loky workers.

    This process has imported the simulation already and waits for results anyway, so it
    takes batches too: one worker process fewer to start (its imports cost ~1.5 s CPU, ~8%
    of a default comparison). Batches go out one at a time to whoever is free (each
    worker one ahead, topped up by a feeder thread as soon as it returns), so everyone
    finishes within a batch of each other; results are yielded as they come, from either.
    """
    from joblib.externals.loky import get_reusable_executor

    todo = deque(planned)
    lock = threading.Lock()
    inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
    helpers = min(workers - 1, max(0, len(planned) - 1))
    pool = get_reusable_executor(max_workers=helpers) if helpers else None

    def take() -> Batch | None:
        with lock:
            return todo.popleft() if todo else None

    def feed() -> None:  # keep every worker process one batch ahead
        inflight: set[Any] = set()
        try:
            while True:
                while len(inflight) < helpers and (batch := take()) is not None:
                    inflight.add(pool.submit(run_batch, batch, share))
                if not inflight:
                    break
                done, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in done:
                    inbox.put(fut)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            inbox.put(exc)
        finally:
            inbox.put(None)

    feeder = threading.Thread(target=feed, name="study-feeder", daemon=True) if pool else None
    fed = feeder is None

    def arrived(block: bool) -> Iterator[tuple[int, Any]]:
        nonlocal fed
        while not fed:
            try:
                got = inbox.get(block=block)
            except queue.Empty:
                return
            if got is None:
                fed = True
            elif isinstance(got, BaseException):
                raise got
            else:
                yield from got.result()

    finished = False
    mine = 0
    try:
        if feeder is not None:
            feeder.start()
        while (batch := take()) is not None:
            gc.freeze()  # this process holds the study's results: its runs' collections skip them
            for item in iter_batch(batch, share):
                mine += 1
                yield item
                gc.freeze()
                yield from arrived(block=False)
        yield from arrived(block=True)
        finished = True
    finally:
        if not finished:  # stopped early: no worker may compute on (issue 18)
            with lock:
                todo.clear()
            if pool is not None:
                pool.shutdown(wait=False, kill_workers=True)
        if mine:  # what was frozen alive and died since is collected now, once
            gc.unfreeze()
            gc.collect()
            gc.freeze()


def _futures(
    planned: list[Batch], share: Share | None, pool: Executor
) -> Iterator[tuple[int, Any]]:
    futures = [pool.submit(run_batch, b, share) for b in planned]
    try:
        for fut in as_completed(futures):
            yield from fut.result()
    finally:
        for fut in futures:
            fut.cancel()


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return (lines[0] if lines else type(exc).__name__)[:200]


def start_ray(workers: int, address: str | None) -> bool:
    """Connect to (or start) Ray; True when this call started it. A failure is one line with
    what to try, never Ray's traceback."""
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "executor", "ray is not installed; pip install -e '.[cluster]' or use executor=local"
        ) from None
    if ray.is_initialized():
        return False
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = {"env_vars": {"PYTHONPATH": path}}
    failed: BaseException | None = None
    for _ in range(1 if address else START_ATTEMPTS):
        try:
            if address:
                ray.init(address=address, runtime_env=env, log_to_driver=False)
            else:
                ray.init(
                    num_cpus=workers,
                    include_dashboard=False,
                    runtime_env=env,
                    log_to_driver=False,
                )
            return True
        except Exception as exc:  # noqa: BLE001 - Ray raises many kinds; all are one line here
            failed = exc
            try:
                ray.shutdown()
            except Exception:  # noqa: BLE001
                pass
    why = _first_line(failed) if failed is not None else "unknown reason"
    if address:
        raise ConfigError(
            "executor.address",
            f"cannot reach a Ray cluster at {address!r} ({why}); check that it runs "
            "(`ray status`), or use executor=local",
        )
    raise ConfigError(
        "executor",
        f"Ray did not start ({why}); try again when the machine is less busy, set RAY_TMPDIR "
        "to a short writable directory, start a cluster with `ray start --head` and pass "
        "executor.address=auto, or use executor=local",
    )


@contextmanager
def one_ray(executor: Any, workers: int | None, address: str | None) -> Iterator[None]:
    """One Ray for every `run_study` call inside, for a study that decides its runs as it
    goes (the design's rounds of trials). `_ray` leaves alone a Ray it did not start, so a
    local instance is started once here instead of once per call: measured on 2 cores, a
    design's 12 runs took 52.5 s on Ray with three starts, against 2.8 s locally."""
    started = executor == "ray" and start_ray(
        default_workers() if workers is None else workers, address
    )
    try:
        yield
    finally:
        if started:
            import ray

            ray.shutdown()


def _ray(
    items: Sequence[tuple[int, RunSpec]],
    workers: int,
    address: str | None,
    store_root: Path | str | None,
) -> Iterator[tuple[int, Any]]:
    started = start_ray(workers, address)
    import ray
    from ray.exceptions import RayError, RayTaskError

    remote = ray.remote(num_cpus=1, max_retries=RAY_RETRIES)(run_batch)
    total = workers
    if address:
        total = max(1, int(ray.cluster_resources().get("CPU", workers)))
    pending: dict[Any, tuple[Batch, int]] = {}
    planned, share = plan_batches(items, total, store_root)
    for b in planned:
        pending[remote.remote(b, share)] = (b, 0)
    try:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                batch, tries = pending.pop(ref)
                try:
                    out = ray.get(ref)
                except RayTaskError:
                    raise
                except RayError as exc:  # the worker or its node died: run the batch again
                    if tries >= RAY_RETRIES:
                        raise ConfigError(
                            "executor",
                            f"a Ray batch failed {tries + 1} times "
                            f"({_first_line(exc)}); finished runs are kept, run again to resume",
                        ) from None
                    pending[remote.remote(batch, share)] = (batch, tries + 1)
                    continue
                yield from out
    finally:
        for ref in pending:
            try:
                ray.cancel(ref, force=True)
            except Exception:  # noqa: BLE001 - best effort on the way out
                pass
        if started:
            ray.shutdown()
        if share is not None:
            share.clean()
