"""RFM summary for customer-base models: frequency x, recency t_x, age T and mean spend.

A *purchase* is a customer-day (several lines on one day are one visit), as in
``sim.segments`` and the customer-base literature. Time is measured in ``unit_days`` (default
a week, the unit of Fader, Hardie & Lee 2005) from each customer's first purchase:

- ``frequency`` x: repeat purchases in the calibration period (purchase days - 1);
- ``recency`` t_x: first to last purchase in the calibration period;
- ``T``: first purchase to the end of the calibration period;
- ``monetary_value``: mean spend of the repeat purchases (the first one excluded, since it is
  often atypical and the Gamma-Gamma model is fitted on repeat purchases); 0 when x = 0;
- ``log_monetary_value``: mean of the logs of those repeat spends (NaN when x = 0 or one of
  them is not positive): with the mean it is the sufficient statistic of the Gamma-Gamma
  model on every repeat spend, which pins down the per-visit shape p far better than the
  mean alone (see ``sim.customer_base.gammagamma``);
- ``litt``: the sum of the logs of the inter-purchase times (for Erlang-k timing,
  ``sim.customer_base.mbgcnbd``); 0 when x = 0;
- with a holdout end: ``holdout_frequency`` (purchases after the calibration end, up to and
  including the holdout end) and ``holdout_spend``.

Customers whose first purchase falls after the calibration end are not in the summary (they
are not part of the cohort the models describe).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.segment_log import log_arrays

__all__ = ["GroupedRFM", "day_number", "group_rfm", "purchase_days", "rfm_summary"]

WEEK = 7.0


def day_number(stamp: object) -> int:
    """Days since 1970-01-01 of a date-like value (the day, time dropped); an integer is taken
    to be a day number already."""
    if isinstance(stamp, int | np.integer) and not isinstance(stamp, bool):
        return int(stamp)
    return int(np.datetime64(pd.Timestamp(stamp).normalize().date(), "D").astype(np.int64))


def purchase_days(log: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index]:
    """(codes, days, spend) with one row per customer-day, sorted by customer then day."""
    codes, days, amounts, _, ids = log_arrays(log)
    if codes.size == 0:
        return codes, days, amounts, ids
    key = codes * (int(days.max()) - int(days.min()) + 1) + (days - int(days.min()))
    uniq, inverse = np.unique(key, return_inverse=True)
    spend = np.bincount(inverse, weights=amounts, minlength=uniq.size)
    first = np.zeros(uniq.size, dtype=np.int64)
    first[inverse[::-1]] = np.arange(codes.size)[::-1]  # any row of each customer-day
    return codes[first], days[first], spend, ids


def rfm_summary(
    log: pd.DataFrame,
    *,
    calibration_end: object | None = None,
    holdout_end: object | None = None,
    unit_days: float = WEEK,
) -> pd.DataFrame:
    """Per-customer (x, t_x, T, monetary_value[, holdout_frequency, holdout_spend]).

    ``calibration_end`` defaults to the last date of the log. Extra columns: ``first_day``
    (day number of the first purchase) and ``n_purchases`` in the calibration period.
    """
    codes, days, spend, ids = purchase_days(log)
    if codes.size == 0:
        raise ValueError("rfm_summary: empty log")
    end = int(days.max()) if calibration_end is None else day_number(calibration_end)
    cal = days <= end
    n = ids.size
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, codes[cal], days[cal])
    last = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last, codes[cal], days[cal])
    count = np.bincount(codes[cal], minlength=n)
    total = np.bincount(codes[cal], weights=spend[cal], minlength=n)
    first_spend = np.zeros(n)
    is_first = cal & (days == first[codes])
    first_spend[codes[is_first]] = spend[is_first]
    keep = count > 0
    x = (count - 1)[keep]
    repeat_spend = (total - first_spend)[keep]
    rep = cal & ~is_first
    pos = spend > 0
    log_sum = np.bincount(codes[rep & pos], weights=np.log(spend[rep & pos]), minlength=n)
    nonpos = np.bincount(codes[rep & ~pos], minlength=n)[keep]
    log_mean = np.full(x.size, np.nan)
    good = (x > 0) & (nonpos == 0)
    log_mean[good] = log_sum[keep][good] / x[good]
    # sum of the log inter-purchase times (Erlang-k timing models); rows sorted by customer, day
    c_cal, d_cal = codes[cal], days[cal]
    gap = c_cal[1:] == c_cal[:-1]
    litt = np.bincount(
        c_cal[1:][gap], weights=np.log((d_cal[1:] - d_cal[:-1])[gap] / unit_days), minlength=n
    )
    out = pd.DataFrame(
        {
            "frequency": x.astype(np.int64),
            "recency": (last - first)[keep] / unit_days,
            "T": (end - first)[keep] / unit_days,
            "monetary_value": np.divide(repeat_spend, x, out=np.zeros(x.size), where=x > 0),
            "log_monetary_value": log_mean,
            "litt": litt[keep],
            "n_purchases": count[keep],
            "first_day": first[keep],
        },
        index=ids[keep],
    )
    if holdout_end is not None:
        h_end = day_number(holdout_end)
        hold = (days > end) & (days <= h_end)
        out["holdout_frequency"] = np.bincount(codes[hold], minlength=n)[keep]
        out["holdout_spend"] = np.bincount(codes[hold], weights=spend[hold], minlength=n)[keep]
    out.attrs.update(calibration_end=end, unit_days=unit_days)
    return out


@dataclass(frozen=True)
class GroupedRFM:
    """Distinct (x, t_x, T) rows with their customer counts; ``inverse`` maps customers back."""

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    weight: np.ndarray
    inverse: np.ndarray

    @property
    def n(self) -> float:
        return float(self.weight.sum())


def group_rfm(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> GroupedRFM:
    """Group identical (x, t_x, T) rows: the likelihood is then evaluated once per group.

    With dates to the day and weeks as the unit, a log of 20,000 customers typically has a
    few thousand distinct rows; a simulated weekly log far fewer.
    """
    x = np.asarray(x, dtype=np.float64)
    t_x = np.asarray(t_x, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    if not (x.shape == t_x.shape == T.shape) or x.ndim != 1:
        raise ValueError("group_rfm: x, t_x and T must be 1-D arrays of one length")
    if x.size and (np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > T + 1e-9)):
        raise ValueError("group_rfm: need x >= 0 and 0 <= t_x <= T")
    rows = np.stack([x, t_x, T], axis=1)
    uniq, inverse, counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
    return GroupedRFM(
        uniq[:, 0], uniq[:, 1], uniq[:, 2], counts.astype(np.float64), inverse.reshape(-1)
    )
