"""Calibration of customer-base models on a store's own log, validated on a holdout period.

Hydra-free: reads a log (``sim.translog``), checks that it can be fitted (one-line
``ConfigError`` before any fitting), splits it at the calibration end (default: the last third
of the time span is holdout), fits BG/NBD, Pareto/NBD and Gamma-Gamma on the calibration
period, and compares the models' holdout predictions with what happened. Method:
docs/calibration.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.customer_base import bgnbd, gammagamma, paretonbd
from sim.customer_base.fitting import FitResult
from sim.customer_base.rfm import day_number, group_rfm, purchase_days, rfm_summary
from sim.errors import ConfigError
from sim.translog import read_log

__all__ = [
    "MIN_CUSTOMERS",
    "MIN_REPEAT_BUYERS",
    "Calibration",
    "Periods",
    "fit_store",
    "load_store_log",
    "periods_of",
    "tracking",
    "tracking_actual",
]

#: Below these counts the four BG/NBD parameters are not identified (intervals as wide as the
#: parameters themselves); a consultant gets an error instead of a meaningless fit.
MIN_CUSTOMERS = 50
MIN_REPEAT_BUYERS = 20
UNIT_DAYS = 7.0  # model time unit: a week (Fader, Hardie & Lee 2005)


@dataclass(frozen=True)
class Periods:
    """Day numbers (days since 1970-01-01) of the log's first day, calibration end, last day."""

    start: int
    calibration_end: int
    end: int

    @property
    def holdout_weeks(self) -> float:
        return (self.end - self.calibration_end) / UNIT_DAYS

    def dates(self) -> dict[str, str]:
        def iso(d: int) -> str:
            return str(np.datetime64(d, "D"))

        return {
            "start": iso(self.start),
            "calibration_end": iso(self.calibration_end),
            "holdout_start": iso(self.calibration_end + 1),
            "end": iso(self.end),
        }


def load_store_log(
    path: str | Path, store: str | None = None, *, strict: bool = True, report=print
) -> pd.DataFrame:
    """Read a log and keep one store's rows. A log with several stores needs ``store``."""
    log = read_log(path, strict=strict, report=report)
    return select_store(log, store)


def select_store(log: pd.DataFrame, store: str | None) -> pd.DataFrame:
    if "store_id" in log.columns:
        stores = sorted(str(s) for s in log["store_id"].unique())
    else:
        stores = []
    if store is None:
        if len(stores) > 1:
            raise ConfigError("--store", f"the log holds several stores; choose one of "
                              f"{', '.join(stores)}")
        return log
    if not stores:
        raise ConfigError("--store", f"{store!r}: the log has no store_id column")
    if store not in stores:
        raise ConfigError("--store", f"{store!r} is not in the log (stores: {', '.join(stores)})")
    return log[log["store_id"] == store].reset_index(drop=True)


def periods_of(log: pd.DataFrame, calibration_end: object | None = None) -> Periods:
    """Split the log's span: by default the last third (in days) is the holdout period."""
    if log.empty:
        raise ConfigError("LOG", "no transactions to calibrate on")
    days = log["date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
    start, end = int(days.min()), int(days.max())
    first, last = str(np.datetime64(start, "D")), str(np.datetime64(end, "D"))
    if end == start:
        raise ConfigError("LOG", f"every transaction is on {first}: a log spanning a single day "
                          "shows no repeat purchases over time")
    if calibration_end is None:
        cal = start + int(round((end - start) * 2.0 / 3.0))
    else:
        try:
            cal = day_number(calibration_end)
        except (ValueError, TypeError):
            raise ConfigError("--calibration-end",
                              f"{calibration_end!r} is not a date (use YYYY-MM-DD)") from None
        if not start <= cal < end:
            raise ConfigError(
                "--calibration-end",
                f"{str(np.datetime64(cal, 'D'))} is outside the log's dates: must be on or after "
                f"{first} and before {last} (the holdout period needs at least one day)",
            )
    return Periods(start, cal, end)


@dataclass
class Calibration:
    """Fitted models on the calibration period and their holdout validation."""

    periods: Periods
    rfm: pd.DataFrame
    bgnbd: FitResult
    paretonbd: FitResult | None
    gammagamma: FitResult
    holdout: dict = field(default_factory=dict)
    tracking: pd.DataFrame | None = None
    by_frequency: pd.DataFrame | None = None

    @property
    def customers(self) -> int:
        return int(len(self.rfm))

    @property
    def repeat_buyers(self) -> int:
        return int((self.rfm["frequency"] > 0).sum())


def check_fittable(rfm: pd.DataFrame) -> None:
    n = len(rfm)
    rep = int((rfm["frequency"] > 0).sum())
    if n < MIN_CUSTOMERS:
        raise ConfigError("LOG", f"{n} customers in the calibration period: need at least "
                          f"{MIN_CUSTOMERS} to fit the models")
    if rep < MIN_REPEAT_BUYERS:
        raise ConfigError("LOG", f"{rep} repeat buyers in the calibration period: need at least "
                          f"{MIN_REPEAT_BUYERS} to fit the models (a later --calibration-end "
                          "gives more)")
    spend = int(((rfm["frequency"] > 0) & (rfm["monetary_value"] > 0)).sum())
    if spend < MIN_REPEAT_BUYERS:
        raise ConfigError("LOG", f"{spend} repeat buyers with positive spend: need at least "
                          f"{MIN_REPEAT_BUYERS} to fit the spend model")


def prepare(
    log: pd.DataFrame, calibration_end: object | None = None
) -> tuple[Periods, pd.DataFrame]:
    """Periods and the RFM summary with holdout columns; raises ConfigError if not fittable."""
    periods = periods_of(log, calibration_end)
    rfm = rfm_summary(log, calibration_end=periods.calibration_end, holdout_end=periods.end,
                      unit_days=UNIT_DAYS)
    check_fittable(rfm)
    return periods, rfm


def fit_models(
    rfm: pd.DataFrame, *, pareto: bool = True, intervals: bool = True
) -> tuple[FitResult, FitResult | None, FitResult]:
    """(BG/NBD, Pareto/NBD or None, Gamma-Gamma) fitted on an RFM summary; the Gamma-Gamma
    on every repeat spend. ``intervals=False`` skips the profile-likelihood intervals (Wald
    only), for the many fits of the indirect inference, which use the estimates alone."""
    x = rfm["frequency"].to_numpy(dtype=np.float64)
    g = group_rfm(x, rfm["recency"].to_numpy(), rfm["T"].to_numpy())
    ci = "profile" if intervals else "wald"
    bg = bgnbd.fit(g, ci=ci)
    pn = paretonbd.fit(g) if pareto else None
    gg = gammagamma.fit(x, rfm["monetary_value"].to_numpy(dtype=np.float64),
                        log_mean=rfm["log_monetary_value"].to_numpy(dtype=np.float64), ci=ci)
    return bg, pn, gg


def fit_store(log: pd.DataFrame, calibration_end: object | None = None, *,
              pareto: bool = True) -> Calibration:
    """Split, check, fit and validate on the holdout period (see module doc)."""
    periods, rfm = prepare(log, calibration_end)
    bg, pn, gg = fit_models(rfm, pareto=pareto)
    cal = Calibration(periods, rfm, bg, pn, gg)
    validate(cal, log)
    return cal


def validate(cal: Calibration, log: pd.DataFrame) -> None:
    """Holdout errors, the weekly tracking series and expected-vs-actual by frequency."""
    rfm, hold = cal.rfm, cal.periods.holdout_weeks
    x, t_x, T = (rfm[c].to_numpy(dtype=np.float64) for c in ("frequency", "recency", "T"))
    actual = rfm["holdout_frequency"].to_numpy(dtype=np.float64)
    preds = {"bgnbd": bgnbd.conditional_expected(cal.bgnbd.params, hold, x, t_x, T)}
    if cal.paretonbd is not None:
        preds["paretonbd"] = paretonbd.conditional_expected(cal.paretonbd.params, hold, x, t_x, T)
    total = float(actual.sum())
    cal.holdout = {"weeks": hold, "actual_repeat_transactions": total, "models": {}}
    for name, pred in preds.items():
        p = float(pred.sum())
        cal.holdout["models"][name] = {
            "predicted_repeat_transactions": p,
            "error": (p - total) / total if total > 0 else None,
            "mae_per_customer": float(np.mean(np.abs(pred - actual))),
        }
    spend_pred = gammagamma.conditional_mean_spend(cal.gammagamma.params, x, rfm["monetary_value"])
    buyers = actual > 0
    if buyers.any():
        mean_actual = float(rfm["holdout_spend"].to_numpy()[buyers].sum() / actual[buyers].sum())
        mean_pred = float(np.average(np.asarray(spend_pred)[buyers], weights=actual[buyers]))
        cal.holdout["spend_per_visit"] = {"actual": mean_actual, "predicted": mean_pred,
                                          "error": (mean_pred - mean_actual) / mean_actual}
    freq = np.minimum(x, 7).astype(int)
    table = pd.DataFrame({"frequency": freq, "actual": actual, "bgnbd": preds["bgnbd"]})
    if "paretonbd" in preds:
        table["paretonbd"] = preds["paretonbd"]
    cal.by_frequency = table.groupby("frequency").agg(
        customers=("actual", "size"), actual=("actual", "mean"),
        **{k: (k, "mean") for k in preds})
    cal.tracking = tracking(log, cal)


def tracking_actual(log: pd.DataFrame, p: Periods) -> tuple[pd.Series, int]:
    """Weekly repeat purchases (customer-days after each customer's first) of the calibration
    cohort (first purchase on or before the calibration end), indexed by the day number of
    each week's first day (weeks counted from the log's first day); and the cohort's size."""
    codes, days, _, ids = purchase_days(log)
    n_weeks = int(np.ceil((p.end - p.start + 1) / UNIT_DAYS))
    index = p.start + np.arange(n_weeks) * int(UNIT_DAYS)
    if codes.size == 0:
        return pd.Series(np.zeros(n_weeks), index=index), 0
    first = np.full(ids.size, np.iinfo(np.int64).max)
    np.minimum.at(first, codes, days)
    cohort = first <= p.calibration_end
    keep = cohort[codes] & (days > first[codes]) & (days >= p.start) & (days <= p.end)
    week = ((days[keep] - p.start) // int(UNIT_DAYS)).astype(int)
    counts = np.bincount(week, minlength=n_weeks)[:n_weeks].astype(np.float64)
    return pd.Series(counts, index=index), int(cohort.sum())


def tracking(log: pd.DataFrame, cal: Calibration) -> pd.DataFrame:
    """Weekly repeat purchases of the calibration cohort: actual and BG/NBD expected.

    The model's line is the sum over customers of E[X(t)] increments from each customer's
    first purchase (``bgnbd.expected_purchases``).
    """
    p = cal.periods
    actual, _ = tracking_actual(log, p)
    n_weeks = actual.size
    edges = p.start + np.arange(n_weeks + 1) * UNIT_DAYS  # week boundaries (day numbers)
    firsts, counts = np.unique(cal.rfm["first_day"].to_numpy(), return_counts=True)
    # E[X(t)] at each week edge (end of the day before the edge) for each first-purchase day
    t = np.clip((edges[None, :] - 1 - firsts[:, None]) / UNIT_DAYS, 0.0, None)
    cum = bgnbd.expected_purchases(cal.bgnbd.params, t)
    expected = (np.diff(cum, axis=1) * counts[:, None]).sum(axis=0)
    starts = pd.to_datetime(np.asarray(edges[:-1], dtype=np.int64).astype("datetime64[D]"))
    return pd.DataFrame({"week_start": starts, "day": edges[:-1].astype(np.int64),
                         "actual": actual.to_numpy(), "bgnbd": expected,
                         "holdout": edges[:-1] > p.calibration_end})
