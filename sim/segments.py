"""Per-customer summary (RFM and friends) and the seven member segments of SEEDS 003.

The core works on plain NumPy arrays (customer codes ``0..n-1``, integer day numbers, amounts,
promo flags) so that the simulation can segment its customers every period at a cost of well
under a second per million transactions; :mod:`sim.segment_log` wraps it for pandas transaction
logs (see :mod:`sim.translog`). Definitions are in ``docs/segments.md``.

A *purchase* is a customer-day: several lines bought by one customer on one day are one visit
(this is also the "lifetimes" convention, where ``frequency`` counts repeat purchase days).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np

__all__ = [
    "FEATURES",
    "FLAG_COLUMNS",
    "NOT_MEMBER",
    "SEGMENTS",
    "SegmentParams",
    "bottom_cut",
    "resolve_precedence",
    "segment_codes",
    "segment_flags",
    "summarize_arrays",
    "top_cut",
]

#: Segment names in precedence order: a member meeting several rules gets the first one.
#: ``regular`` (meets none) is last. Why this order: docs/segments.md, "Precedence".
SEGMENTS: tuple[str, ...] = (
    "sleeping",
    "silent",
    "promo_only",
    "high_total_spend",
    "high_ticket",
    "high_loyalty",
    "promo_frequent",
    "regular",
)
_RULES = SEGMENTS[:-1]
#: Boolean flag columns added by :func:`assign_segments`, one per rule, in ``SEGMENTS`` order.
FLAG_COLUMNS: tuple[str, ...] = tuple(f"is_{s}" for s in _RULES)
#: Segment code of a customer with no purchase on or before ``as_of`` (not yet a member).
NOT_MEMBER = -1

#: Columns of :func:`summarize`, in order.
FEATURES: tuple[str, ...] = (
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "n_purchases",
    "n_transactions",
    "total_spend",
    "yearly_spend",
    "avg_ticket",
    "max_ticket",
    "mean_gap_days",
    "max_gap_days_last_year",
    "days_since_last",
    "n_last_year",
    "n_last_half_year",
    "promo_revenue",
    "promo_share",
    "first_date",
    "last_date",
    "tenure_days",
)


def _check_share(name: str, value: float, *, closed_right: bool = False) -> None:
    ok = 0.0 < value <= 1.0 if closed_right else 0.0 < value < 1.0
    if not (isinstance(value, int | float) and math.isfinite(value) and ok):
        allowed = "(0, 1]" if closed_right else "(0, 1)"
        raise ValueError(f"SegmentParams.{name} = {value!r}: must be a number in {allowed}")


def _check_positive(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ValueError(f"SegmentParams.{name} = {value!r}: must be a number > 0")


@dataclass(frozen=True)
class SegmentParams:
    """Thresholds of the seven segments; defaults are the article's (SEEDS 003).

    The article gives 15-20% for the spend and promotion cut-offs; any share in (0, 1) is
    accepted so that sweeps can explore beyond it.
    """

    top_spend_share: float = 0.2  # SEEDS 003, segment 1: top 15-20% by yearly spend
    ticket_multiple: float = 2.0  # SEEDS 003, segment 2: "far above" the average ticket
    loyalty_top_share: float = 0.5  # SEEDS 003, segment 3: top 50% of yearly sales ...
    loyalty_max_gap_days: float = 180.0  # ... and gaps between visits <= 180 days
    loyalty_min_purchases: int = 2  # purchase days in the last year needed to observe a gap
    promo_top_share: float = 0.2  # SEEDS 003, segment 4: top 15-20% by promotion revenue
    promo_bottom_share: float = 0.2  # SEEDS 003, segment 5: bottom 15-20% ...
    promo_only_min_share: float = 0.8  # ... of members buying (almost) only on promotion
    silent_ratio: float = 0.5  # SEEDS 003, segment 6: < 50% of the cumulative rate
    sleeping_days: float = 365.0  # SEEDS 003, segment 7: no purchase for one year
    year_days: float = 365.0  # window of "yearly" features
    half_year_days: float = 182.5  # window of "last half year" features

    def __post_init__(self) -> None:
        for name in (
            "top_spend_share",
            "loyalty_top_share",
            "promo_top_share",
            "promo_bottom_share",
        ):
            _check_share(name, getattr(self, name))
        _check_share("promo_only_min_share", self.promo_only_min_share, closed_right=True)
        _check_share("silent_ratio", self.silent_ratio, closed_right=True)
        for name in (
            "ticket_multiple",
            "loyalty_max_gap_days",
            "sleeping_days",
            "year_days",
            "half_year_days",
        ):
            _check_positive(name, getattr(self, name))
        m = self.loyalty_min_purchases
        if isinstance(m, bool) or not isinstance(m, int) or m < 1:
            raise ValueError(
                f"SegmentParams.loyalty_min_purchases = {m!r}: must be an integer >= 1"
            )
        if self.half_year_days > self.year_days:
            raise ValueError(
                f"SegmentParams.half_year_days = {self.half_year_days!r}: must be <= year_days "
                f"({self.year_days!r})"
            )

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


DEFAULT_PARAMS = SegmentParams()

# ---------------------------------------------------------------------------------------------
# array core


def summarize_arrays(
    codes: np.ndarray,
    days: np.ndarray,
    amounts: np.ndarray,
    promo: np.ndarray | None = None,
    *,
    as_of: int,
    n_customers: int | None = None,
    params: SegmentParams = DEFAULT_PARAMS,
) -> dict[str, np.ndarray]:
    """Per-customer features from transaction arrays, one entry per customer code.

    Only transactions with ``days <= as_of`` count. Customers without such a purchase have
    ``n_purchases == 0`` and NaN in every day-based or per-purchase feature. Day features
    (``first_day``, ``recency`` ...) are float64 so that NaN can mark non-members.
    Cost: one sort of the transactions plus a few ``bincount``/``reduceat`` passes.
    """
    codes = np.asarray(codes, dtype=np.int64)
    days = np.asarray(days, dtype=np.int64)
    amounts = np.asarray(amounts, dtype=np.float64)
    promo_arr = np.zeros(len(codes), dtype=bool) if promo is None else np.asarray(promo, dtype=bool)
    if not (len(codes) == len(days) == len(amounts) == len(promo_arr)):
        raise ValueError("codes, days, amounts and promo must have the same length")
    if len(codes) and codes.min() < 0:
        raise ValueError("customer codes must be >= 0")
    n = int(codes.max()) + 1 if n_customers is None and len(codes) else int(n_customers or 0)
    if len(codes) and codes.max() >= n:
        raise ValueError(f"customer code {int(codes.max())} >= n_customers ({n})")
    as_of = int(as_of)

    keep = days <= as_of
    if not keep.all():
        codes, days, amounts, promo_arr = codes[keep], days[keep], amounts[keep], promo_arr[keep]
    year, half = params.year_days, params.half_year_days
    age_tx = as_of - days
    in_year_tx = age_tx < year

    n_tx = np.bincount(codes, minlength=n)
    total = np.bincount(codes, weights=amounts, minlength=n)
    yearly = np.bincount(codes, weights=np.where(in_year_tx, amounts, 0.0), minlength=n)
    promo_year = promo_arr & in_year_tx
    promo_rev = np.bincount(codes, weights=np.where(promo_year, amounts, 0.0), minlength=n)
    n_tx_year = np.bincount(codes, weights=in_year_tx, minlength=n)
    n_promo_year = np.bincount(codes, weights=promo_year, minlength=n)

    # Visits (customer-days), sorted by customer then day.
    nan = np.full(n, np.nan)
    out: dict[str, np.ndarray] = {}
    if len(codes):
        d0 = int(days.min())
        key = codes * (as_of - d0 + 1) + (days - d0)
        order = np.argsort(key, kind="stable")
        key_sorted = key[order]
        starts = np.flatnonzero(np.r_[True, key_sorted[1:] != key_sorted[:-1]])
        vcode = codes[order][starts]
        vday = days[order][starts]
        vamount = np.add.reduceat(amounts[order], starts)
    else:
        vcode = vday = np.zeros(0, dtype=np.int64)
        vamount = np.zeros(0)
    nv = len(vcode)
    cstart = np.flatnonzero(np.r_[True, vcode[1:] != vcode[:-1]]) if nv else vcode[:0]
    cend = np.r_[cstart[1:], nv].astype(np.int64) if nv else cstart
    members = vcode[cstart]

    n_visits = np.bincount(vcode, minlength=n)
    age_v = as_of - vday
    n_year = np.bincount(vcode, weights=age_v < year, minlength=n).astype(np.int64)
    n_half = np.bincount(vcode, weights=age_v < half, minlength=n).astype(np.int64)

    first_day, last_day, max_ticket, first_amount, max_gap = (nan.copy() for _ in range(5))
    if nv:
        first_day[members] = vday[cstart]
        last_day[members] = vday[cend - 1]
        max_ticket[members] = np.maximum.reduceat(vamount, cstart)
        first_amount[members] = vamount[cstart]
        # Gap before each visit; it counts for "last year" when that visit is inside the year.
        gap = np.r_[0, np.diff(vday)].astype(np.float64)
        gap[cstart] = 0.0
        gap[age_v >= year] = 0.0
        max_gap[members] = np.maximum.reduceat(gap, cstart)

    with np.errstate(invalid="ignore", divide="ignore"):
        frequency = np.where(n_visits > 0, n_visits - 1, np.nan)
        recency = last_day - first_day
        t_age = as_of - first_day
        days_since = as_of - last_day
        out["frequency"] = frequency
        out["recency"] = recency
        out["T"] = t_age
        out["monetary_value"] = np.where(
            n_visits > 1, (total - first_amount) / np.maximum(n_visits - 1, 1), 0.0
        )
        out["monetary_value"][n_visits == 0] = np.nan
        out["n_purchases"] = n_visits.astype(np.int64)
        out["n_transactions"] = n_tx.astype(np.int64)
        out["total_spend"] = total
        out["yearly_spend"] = yearly
        out["avg_ticket"] = np.where(n_visits > 0, total / n_visits, np.nan)
        out["max_ticket"] = max_ticket
        out["mean_gap_days"] = np.where(n_visits > 1, recency / frequency, np.nan)
        # The open gap (last purchase -> as_of) counts too: a member absent for 200 days is not
        # visiting every 180 days, whatever their past gaps were.
        out["max_gap_days_last_year"] = np.fmax(max_gap, days_since)
        out["days_since_last"] = days_since
        out["n_last_year"] = n_year
        out["n_last_half_year"] = n_half
        out["promo_revenue"] = promo_rev
        out["promo_share"] = np.where(n_tx_year > 0, n_promo_year / n_tx_year, 0.0)
        out["first_day"] = first_day
        out["last_day"] = last_day
        out["tenure_days"] = t_age + 1
    return out


def _k_of(share: float, n: int) -> int:
    return min(n, math.ceil(share * n - 1e-9)) if n else 0


def top_cut(pool: np.ndarray, share: float) -> np.floating | None:
    """The k-th largest value of `pool`, k = ceil(share * size); None when k is 0."""
    k = _k_of(share, len(pool))
    return None if k == 0 else np.partition(pool, len(pool) - k)[len(pool) - k]


def bottom_cut(pool: np.ndarray, share: float) -> np.floating | None:
    """The k-th smallest value of `pool`, k = ceil(share * size); None when k is 0."""
    k = _k_of(share, len(pool))
    return None if k == 0 else np.partition(pool, k - 1)[k - 1]


def _top(values: np.ndarray, population: np.ndarray, share: float) -> np.ndarray:
    """Members of ``population`` at or above the k-th largest value, k = ceil(share * size).

    Ties at the threshold are all included (nobody is split arbitrarily from an equal).
    """
    threshold = top_cut(values[population], share)
    if threshold is None:
        return np.zeros(len(values), dtype=bool)
    return population & (values >= threshold)


def _bottom(values: np.ndarray, population: np.ndarray, share: float) -> np.ndarray:
    """Members of ``population`` at or below the k-th smallest value (ties included)."""
    threshold = bottom_cut(values[population], share)
    if threshold is None:
        return np.zeros(len(values), dtype=bool)
    return population & (values <= threshold)


def segment_flags(
    features: Mapping[str, np.ndarray], params: SegmentParams = DEFAULT_PARAMS
) -> np.ndarray:
    """Boolean matrix (customers x 7 rules, in ``SEGMENTS`` order): which rules each one meets.

    Rank-based rules rank members *active in the last year* (a purchase day within
    ``year_days``); ties at a cut-off are all in. Non-members meet no rule.
    """
    n_purchases = np.asarray(features["n_purchases"])
    member = n_purchases > 0
    active = member & (np.asarray(features["n_last_year"]) > 0)
    yearly = np.nan_to_num(np.asarray(features["yearly_spend"], dtype=np.float64))
    days_since = np.asarray(features["days_since_last"], dtype=np.float64)
    tenure = np.asarray(features["tenure_days"], dtype=np.float64)
    n_half = np.asarray(features["n_last_half_year"])
    n_year = np.asarray(features["n_last_year"])
    avg_ticket = np.asarray(features["avg_ticket"], dtype=np.float64)
    total = np.asarray(features["total_spend"], dtype=np.float64)
    promo_rev = np.nan_to_num(np.asarray(features["promo_revenue"], dtype=np.float64))
    promo_share = np.nan_to_num(np.asarray(features["promo_share"], dtype=np.float64))
    max_gap = np.asarray(features["max_gap_days_last_year"], dtype=np.float64)

    flags = np.zeros((len(n_purchases), len(_RULES)), dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        # SEEDS 003, segment 7: no purchase for one year.
        sleeping = member & (days_since >= params.sleeping_days)
        # SEEDS 003, segment 6: purchases in the last half year < 50% of the member's cumulative
        # half-yearly rate. Tenure under half a year counts as one half-year, so a new member
        # (all purchases recent) is never silent.
        half_years = np.maximum(tenure / params.half_year_days, 1.0)
        silent = member & (n_half < params.silent_ratio * (n_purchases / half_years))
        # SEEDS 003, segment 5: buys (almost) only on promotion and sits in the bottom share of
        # cash contribution among active members: "come only for giveaways".
        promo_only = (
            active
            & (promo_share >= params.promo_only_min_share)
            & _bottom(yearly, active, params.promo_bottom_share)
        )
        # SEEDS 003, segment 1: top share by yearly spend.
        high_total = _top(yearly, active, params.top_spend_share) & (yearly > 0)
        # SEEDS 003, segment 2: average ticket >= multiple x the store's average ticket
        # (all members' spend / all members' purchase days).
        visits = n_purchases[member].sum()
        store_ticket = total[member].sum() / visits if visits else 0.0
        high_ticket = (
            member & (store_ticket > 0) & (avg_ticket >= params.ticket_multiple * store_ticket)
        )
        # SEEDS 003, segment 3: top 50% of yearly sales and every gap in the last year <= 180
        # days (the open gap to as_of included), observed over >= 2 purchase days.
        high_loyalty = (
            _top(yearly, active, params.loyalty_top_share)
            & (yearly > 0)
            & (n_year >= params.loyalty_min_purchases)
            & (max_gap <= params.loyalty_max_gap_days)
        )
        # SEEDS 003, segment 4: top share by promotion revenue among members with some.
        promo_buyers = active & (promo_rev > 0)
        promo_frequent = _top(promo_rev, promo_buyers, params.promo_top_share)
    for j, flag in enumerate(
        (sleeping, silent, promo_only, high_total, high_ticket, high_loyalty, promo_frequent)
    ):
        flags[:, j] = flag
    return flags


def resolve_precedence(flags: np.ndarray, member: np.ndarray | None = None) -> np.ndarray:
    """Single segment code per customer: the first rule met in ``SEGMENTS`` order.

    Codes index ``SEGMENTS`` (the last one, ``regular``, when no rule is met); non-members get
    ``NOT_MEMBER``.
    """
    flags = np.asarray(flags, dtype=bool)
    full = np.concatenate([flags, np.ones((flags.shape[0], 1), dtype=bool)], axis=1)
    codes = np.argmax(full, axis=1).astype(np.int8)
    if member is not None:
        codes[~np.asarray(member, dtype=bool)] = NOT_MEMBER
    return codes


def segment_codes(
    features: Mapping[str, np.ndarray], params: SegmentParams = DEFAULT_PARAMS
) -> np.ndarray:
    """Segment code per customer (index into ``SEGMENTS``; ``NOT_MEMBER`` without purchases).

    Typical simulation use::

        f = summarize_arrays(codes, days, amounts, promo, as_of=today)
        seg = segment_codes(f)
    """
    flags = segment_flags(features, params)
    return resolve_precedence(flags, np.asarray(features["n_purchases"]) > 0)


# ---------------------------------------------------------------------------------------------
# benchmark: python -m sim.segments --bench [N]


def _bench(n_tx: int) -> None:
    rng = np.random.default_rng(0)
    n_customers = max(n_tx // 10, 1)
    codes = rng.integers(0, n_customers, n_tx)
    days = rng.integers(0, 3 * 365, n_tx)
    amounts = rng.gamma(2.0, 300.0, n_tx)
    promo = rng.random(n_tx) < 0.3
    t0 = time.perf_counter()
    f = summarize_arrays(codes, days, amounts, promo, as_of=3 * 365 - 1, n_customers=n_customers)
    t1 = time.perf_counter()
    seg = segment_codes(f)
    t2 = time.perf_counter()
    counts = np.bincount(seg[seg >= 0], minlength=len(SEGMENTS))
    print(
        f"{n_tx:,d} transactions, {n_customers:,d} customers: summarize {t1 - t0:.3f} s, "
        f"segment {t2 - t1:.3f} s"
    )
    print(dict(zip(SEGMENTS, counts.tolist(), strict=True)))


def main(argv: list[str] | None = None) -> None:
    """Print summarise/segment timings on synthetic arrays (a benchmark, not a test)."""
    parser = argparse.ArgumentParser(prog="python -m sim.segments")
    parser.add_argument("--bench", type=int, nargs="?", const=1_000_000, metavar="N_TX")
    args = parser.parse_args(argv)
    if args.bench is None:
        parser.error("nothing to do (use --bench [N_TX])")
    _bench(args.bench)


if __name__ == "__main__":
    main()
