"""One run, in whatever process executes it: simulate a `RunSpec`, keep what studies need.

`run_spec` depends on nothing but its argument, so a run gives the same result in the main
process, a loky worker or a Ray task. A run that raises is returned as a `RunFailure` with one
line naming the policy, hook, store and run, and the full traceback for the log file.
"""

from __future__ import annotations

import gc
import logging
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from experiments.engine.burn_ins import BurnIns, Share
from experiments.engine.specs import RunSpec
from sim import ConfigError, RetailModel
from sim.kernels.heap import keep_freed_pages
from sim.model import HOOKS
from sim.policies import StorePolicy
from sim.snapshot import BurnIn

logging.getLogger("MESA").setLevel(logging.WARNING)

SERIES_COLUMNS = ("active", "revenue", "profit", "policy_cost")
HOOK_NAMES = frozenset({*HOOKS, "bind"})
"""Methods of a policy that count as its hooks when naming where a run failed."""


@dataclass
class RunFailure:
    """A run that raised: `message` is one line; `details` is the full traceback."""

    index: int
    key: str
    message: str
    details: str


def simulate_spec(spec: RunSpec, burn_in: BurnIn | None = None) -> RetailModel:
    """Simulate `spec`, from `burn_in` (its market's and seed's burn-in) when given."""
    model = RetailModel(
        market=spec.market,
        policies=list(spec.policies) if spec.policies is not None else None,
        activation=spec.activation,
        seed=spec.seed,
        burn_in=burn_in,
    )
    return model.run()


def run_spec(spec: RunSpec, burn_in: BurnIn | None = None) -> dict[str, Any]:
    """Simulate one spec and extract its tidy pieces (small and picklable); the same result
    with or without a shared `burn_in` (`sim.snapshot`)."""
    start = time.perf_counter()
    keep_freed_pages()  # the next run reuses what this one frees (sim.kernels.heap)
    model = simulate_spec(spec, burn_in)
    out = extract(model)
    del model
    _collect()
    out["seconds"] = time.perf_counter() - start
    return out


_FROZEN = False


def _collect() -> None:
    """Free the finished model's reference cycles now, not at some later run.

    A full collection walks every object alive; after the first run of a process, the imports
    (pandas, SciPy, Mesa ...) are moved out of the collector's sight once (`gc.freeze`), so each
    later collection walks only what the last run left behind (0.08 s CPU -> ~0).
    """
    global _FROZEN
    gc.collect()
    if not _FROZEN:
        gc.freeze()
        _FROZEN = True


def extract(model: RetailModel) -> dict[str, Any]:
    """Every store's KPIs, the market view, and the focal store's series and yearly tables.

    The pieces of `model.summary()`, `metrics_frame()`, `retention_table()` and
    `yearly_segment_snapshots()` a study keeps, built for the focal store only (the same values
    and dtypes: tests/test_golden.py), without the parts it drops (the config's dict, the other
    stores' series).
    """
    from sim.metrics import all_store_kpis, focal_series
    from sim.segmenting import yearly_segment_snapshots

    focal = model.store_ids[model.focal]
    kpis = all_store_kpis(model)
    stores = [{"store_id": sid, "is_focal": sid == focal, **k} for sid, k in kpis.items()]
    series = focal_series(model, SERIES_COLUMNS)
    yearly = _focal_yearly(model, focal)
    segments = yearly_segment_snapshots(model, store_column=False)
    from sim.population import CHURNED, PROSPECT

    state = model.pop.state
    churned = int(np.count_nonzero(state == CHURNED))
    prospects = int(np.count_nonzero(state == PROSPECT))
    market = {
        "category_revenue": float(sum(s.get("revenue", 0.0) for s in kpis.values())),
        "category_profit": float(sum(s.get("profit", 0.0) for s in kpis.values())),
        "customers_lost": churned,
        "prospects": prospects,
        "members": int(state.size - churned - prospects),
    }
    return {
        "stores": stores,
        "market": market,
        "series": series,
        "yearly": yearly,
        "segments": segments,
    }


def _focal_yearly(model: RetailModel, focal: str) -> pd.DataFrame:
    """`retention_table(model)`'s rows of the focal store, without the store column."""
    from sim.metrics import retention_table

    rows = [r for r in model.ledger.yearly if r["store"] == focal]
    if not rows:  # no year end yet: the empty table of `retention_table`, as it comes
        yearly = retention_table(model)
        return yearly[yearly["store"] == focal].drop(columns="store").reset_index(drop=True)
    cols = ("year", "base", "retained", "vip_base", "vip_retained")
    return pd.DataFrame({c: [r[c] for r in rows] for c in cols})


def run_batch(
    batch: list[tuple[int, RunSpec]], share: Share | None = None
) -> list[tuple[int, Any]]:
    """Run several specs in one task (dispatch costs more than a short run otherwise).

    Runs of one (market, seed) start from one burn-in, computed once here (or read from the
    run store, `share`, when their group is split over batches: `experiments.engine.burn_ins`);
    its seconds are counted in the run that needed it first.
    """
    return list(iter_batch(batch, share))


def iter_batch(
    batch: list[tuple[int, RunSpec]], share: Share | None = None
) -> Iterator[tuple[int, Any]]:
    """`run_batch`, yielding each run as it finishes (the in-process executor's loop)."""
    burn_ins = BurnIns(batch, share)
    for position, (i, spec) in enumerate(batch):
        try:
            snap, seconds = burn_ins.get(position, spec)
            res = run_spec(spec, snap)
            res["seconds"] += seconds
        except Exception as exc:  # noqa: BLE001 - reported as one line, traceback kept
            stop = interruption(exc)
            if stop is not None:  # the study is stopping: no failure of this run
                raise stop from None
            yield i, failure(i, spec, exc)
            continue
        yield i, res


def interruption(exc: BaseException) -> KeyboardInterrupt | None:
    """The KeyboardInterrupt (a study's `Interrupted`) behind `exc`, if any.

    The main process computes runs too (`executors._local`), and a signal that lands while
    compiled code hands back its results is raised by the handler inside that C call, which
    then reports ``SystemError: ... returned a result with an exception set`` caused by it.
    """
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def failure(index: int, spec: RunSpec, exc: BaseException) -> RunFailure:
    """One line naming where a run failed: the policy and hook when a policy raised."""
    line = failure_line(exc, spec.describe())
    details = "".join(traceback.format_exception(exc))
    return RunFailure(index=index, key=spec.key, message=line, details=details)


def failure_line(exc: BaseException, run: str) -> str:
    """``policy 'x' of store 'y' raised in hook 'z' (run): Error: ...`` (else ``run failed``)."""
    where = _policy_frame(exc.__traceback__)
    what = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, ConfigError):
        what = str(exc).splitlines()[0]
    if where is not None:
        policy, hook, store = where
        head = f"policy {policy!r} of store {store!r} raised in hook {hook!r}"
    else:
        head = "run failed"
    return f"{head} ({run}): {what}"


def _policy_frame(tb: Any) -> tuple[str, str, str] | None:
    """The innermost traceback frame that is a hook method of a StorePolicy."""
    found = None
    while tb is not None:
        frame = tb.tb_frame
        me = frame.f_locals.get("self")
        if isinstance(me, StorePolicy) and frame.f_code.co_name in HOOK_NAMES:
            store = "?"
            model = getattr(me, "model", None)
            if model is not None and getattr(me, "store", None) is not None:
                store = model.store_ids[me.store]
            found = (me.name, frame.f_code.co_name, store)
        tb = tb.tb_next
    return found


def frames(results: list[dict[str, Any]], specs: list[RunSpec]) -> dict[str, pd.DataFrame]:
    """Tidy frames from results in spec order; label columns first, then `seed`."""

    def lead(spec: RunSpec) -> dict[str, Any]:
        return {**dict(spec.labels), "seed": spec.seed}

    stores, market = [], []
    keys = [lead(spec) for spec in specs]
    for key, res in zip(keys, results, strict=True):
        stores += [{**key, **row, "seconds": res["seconds"]} for row in res["stores"]]
        market.append({**key, **res["market"]})
    stores_df = pd.DataFrame(stores)
    cost_cols = sorted(c for c in stores_df.columns if c.startswith("cost_"))
    if cost_cols:
        stores_df[cost_cols] = stores_df[cost_cols].fillna(0.0)
    from sim.metrics import KPIS

    names = list(lead(specs[0])) if specs else []
    kpi_cols = [k for k in KPIS if k in stores_df.columns]
    rest = [
        c
        for c in stores_df.columns
        if c not in {*names, "store_id", "is_focal", *kpi_cols, *cost_cols, "seconds"}
    ]
    order = [*names, "store_id", "is_focal", *kpi_cols, *cost_cols, *rest, "seconds"]
    stores_df = stores_df[[c for c in order if c in stores_df.columns]]
    runs = stores_df[stores_df["is_focal"]].drop(columns="is_focal").reset_index(drop=True)

    return {
        "stores": stores_df.reset_index(drop=True),
        "runs": runs,
        "market": pd.DataFrame(market),
        **{part: labelled(results, keys, part) for part in ("series", "yearly", "segments")},
    }


def labelled(results: list[dict[str, Any]], keys: list[dict[str, Any]], part: str) -> pd.DataFrame:
    """The runs' `part` frames one under the other, each run's labels in front: what
    concatenating ``frame.assign(**key)[[*key, *frame.columns]]`` per run gives, built with one
    concatenation when every run has the same label names and value types and the same
    columns (a per-run `assign` costs ~1 ms, a study has thousands of runs)."""
    parts = [res[part] for res in results]
    if not parts:
        return pd.DataFrame()
    names = list(keys[0])
    columns = list(parts[0].columns)
    dtypes = list(parts[0].dtypes)
    label_dtypes = [_scalar_dtype(keys[0][n]) for n in names]
    same = (
        None not in label_dtypes
        and not set(names) & set(columns)
        and all(list(k) == names for k in keys)
        and all(
            _scalar_dtype(k[n]) == d for k in keys for n, d in zip(names, label_dtypes, strict=True)
        )
        and all(list(f.columns) == columns and list(f.dtypes) == dtypes for f in parts)
    )
    if not same:  # the general case, one run at a time
        return pd.concat(
            [f.assign(**k)[[*k, *f.columns]] for f, k in zip(parts, keys, strict=True)],
            ignore_index=True,
        )
    body = pd.concat(parts, ignore_index=True)
    lengths = np.fromiter((len(f) for f in parts), dtype=np.int64, count=len(parts))
    front = {}
    for n, dtype in zip(names, label_dtypes, strict=True):
        values = np.empty(len(keys), dtype=dtype)
        values[:] = [k[n] for k in keys]
        front[n] = np.repeat(values, lengths)
    out = pd.DataFrame(front, index=body.index)
    for c in columns:  # one column at a time: the frame's columns as concatenated
        out[c] = body[c]
    return out


_SCALAR_DTYPES: dict[type, np.dtype] = {
    str: np.dtype(object),
    bool: np.dtype(bool),
    float: np.dtype(np.float64),
}


def _scalar_dtype(value: Any) -> np.dtype | None:
    """The dtype `DataFrame.assign` gives a column of `value` (None: not one of the plain
    kinds, so the caller takes the general path)."""
    kind = type(value)
    if kind is int:
        return np.dtype(np.int64) if -(2**63) <= value < 2**63 else None
    if kind in _SCALAR_DTYPES:
        return _SCALAR_DTYPES[kind]
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return np.dtype(kind)
    return None
