"""Where runs execute: in this process, local worker processes (joblib/loky) or Ray.

Every executor takes batches of ``(index, RunSpec)`` and yields ``(index, result)`` pairs as
batches finish; results do not depend on the executor because a run depends only on its spec.
Runs travel in batches so that a 0.3-s run is not dominated by the cost of dispatching it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, as_completed
from pathlib import Path
from typing import Any

from experiments.engine.runner import run_batch
from experiments.engine.specs import RunSpec
from sim import ConfigError

EXECUTORS = ("local", "ray")
REPO = Path(__file__).resolve().parents[2]
Batch = list[tuple[int, RunSpec]]


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def batches(items: Sequence[tuple[int, RunSpec]], workers: int, max_size: int = 8) -> list[Batch]:
    """About four batches per worker (load balance), at most `max_size` runs each (so results
    reach the store, and the progress bar, often)."""
    if not items:
        return []
    size = max(1, min(max_size, math.ceil(len(items) / (4 * max(1, workers)))))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def execute(
    items: Sequence[tuple[int, RunSpec]],
    *,
    executor: str | Executor = "local",
    workers: int | None = None,
    address: str | None = None,
) -> Iterator[tuple[int, Any]]:
    """Run `items` and yield ``(index, result or RunFailure)`` as they finish."""
    workers = default_workers() if workers is None else workers
    if isinstance(executor, Executor):
        yield from _futures(items, executor, workers)
    elif executor == "local":
        yield from _local(items, workers)
    elif executor == "ray":
        yield from _ray(items, workers, address)
    else:
        raise ConfigError("executor", f"must be one of {list(EXECUTORS)}, got {executor!r}")


def _local(items: Sequence[tuple[int, RunSpec]], workers: int) -> Iterator[tuple[int, Any]]:
    if workers <= 1 or len(items) <= 1:
        for item in items:
            yield from run_batch([item])
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=workers, backend="loky", return_as="generator_unordered")
    for done in parallel(delayed(run_batch)(b) for b in batches(items, workers)):
        yield from done


def _futures(
    items: Sequence[tuple[int, RunSpec]], pool: Executor, workers: int
) -> Iterator[tuple[int, Any]]:
    futures = [pool.submit(run_batch, b) for b in batches(items, workers)]
    for fut in as_completed(futures):
        yield from fut.result()


def _ray(
    items: Sequence[tuple[int, RunSpec]], workers: int, address: str | None
) -> Iterator[tuple[int, Any]]:
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "executor", "ray is not installed; pip install -e '.[cluster]' or use executor=local"
        ) from None
    started = False
    if not ray.is_initialized():
        path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        env = {"env_vars": {"PYTHONPATH": path}}
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
        except ConnectionError as exc:
            raise ConfigError(
                "executor.address", f"cannot reach a Ray cluster at {address!r} ({exc})"
            ) from None
        started = True
    try:
        remote = ray.remote(num_cpus=1)(run_batch)
        total = workers
        if address:
            total = max(1, int(ray.cluster_resources().get("CPU", workers)))
        pending = [remote.remote(b) for b in batches(items, total)]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                yield from ray.get(ref)
    finally:
        if started:
            ray.shutdown()
