"""Read/write timings of a synthetic log: ``python -m sim.translog --bench [N_ROWS]``."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.translog.api import read_log, write_log

__all__ = ["main", "synthetic_log"]


def synthetic_log(n_rows: int, n_customers: int, seed: int = 0) -> pd.DataFrame:
    """A random canonical log with every optional column (tests and the benchmark)."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2021-01-01", "D")
    dates = start + rng.integers(0, 3 * 365, n_rows).astype("timedelta64[D]")
    return pd.DataFrame(
        {
            "customer_id": rng.integers(1, n_customers + 1, n_rows).astype(np.int64),
            "date": dates.astype("datetime64[ns]"),
            "amount": np.round(rng.gamma(2.0, 300.0, n_rows), 2),
            "store_id": rng.choice(np.array(["S1", "S2", "S3"], dtype=object), n_rows),
            "promo": rng.random(n_rows) < 0.3,
            "discount": np.round(rng.random(n_rows) * 20, 2),
        }
    )


def _bench(n_rows: int, directory: Path) -> None:
    log = synthetic_log(n_rows, max(n_rows // 10, 1))
    for suffix in (".csv", ".parquet"):
        path = directory / f"bench_log{suffix}"
        t0 = time.perf_counter()
        write_log(log, path)
        t1 = time.perf_counter()
        back = read_log(path, report=None)
        t2 = time.perf_counter()
        assert len(back) == n_rows
        print(
            f"{suffix:8s} {n_rows:>9,d} rows: write {t1 - t0:.2f} s, read+validate {t2 - t1:.2f} s"
        )


def main(argv: list[str] | None = None) -> None:
    """Print read/write timings for a synthetic log (a benchmark, not a test)."""
    parser = argparse.ArgumentParser(prog="python -m sim.translog")
    parser.add_argument("--bench", type=int, nargs="?", const=1_000_000, metavar="N_ROWS")
    args = parser.parse_args(argv)
    if args.bench is None:
        parser.error("nothing to do (use --bench [N_ROWS])")
    with tempfile.TemporaryDirectory() as tmp:
        _bench(args.bench, Path(tmp))
