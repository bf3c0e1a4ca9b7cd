"""Customer value: CLV, Lorenz curve and top-20% share, loyal/marginal/potential, A/B/C/D tiers.

These turn a per-customer summary (:func:`sim.segment_log.summarize`) into the value views of the
articles: lifetime value bounds what a store should spend to keep a customer (SEEDS 001); the
Pareto share checks "20% of customers give 80% of sales" (SEEDS 000); value classes (SEEDS 001)
and A1..D3 tiers (SEEDS 004) decide who gets which service. Definitions: docs/segments.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.segment_log import log_arrays
from sim.segments import DEFAULT_PARAMS, SegmentParams

__all__ = [
    "DEFAULT_MARGIN",
    "MAX_LIFETIME_YEARS",
    "TIERS",
    "VALUE_CLASSES",
    "RetentionEstimate",
    "TierParams",
    "ValueClassParams",
    "abcd_tiers",
    "buyer_top_share",
    "clv",
    "clv_values",
    "estimate_retention",
    "expected_lifetime",
    "HORIZON_DISCOUNT_RATE",
    "remaining_years",
    "lorenz",
    "retention_rate",
    "tier_labels",
    "top_share",
    "value_classes",
]

DEFAULT_MARGIN = 0.4
#: Cap on the expected lifetime 1 / (1 - r): a retention near 1 would otherwise promise
#: centuries of profit; ten years is a long horizon for a small-city store.
MAX_LIFETIME_YEARS = 10.0
VALUE_CLASSES: tuple[str, ...] = ("loyal", "potential", "marginal")
TIERS: tuple[str, ...] = ("A", "B", "C", "D")


# ---------------------------------------------------------------------------------------------
# retention and CLV (SEEDS 001)


@dataclass(frozen=True)
class RetentionEstimate:
    """Year-on-year retention measured on a log: ``retained`` of ``base`` customers came back."""

    rate: float
    base: int
    retained: int
    as_of: pd.Timestamp

    def describe(self) -> str:
        if self.base == 0:
            return (
                f"retention not estimable at {self.as_of:%Y-%m-%d}: no customer bought in "
                "the year before the last one (log shorter than ~2 years)"
            )
        return (
            f"retention r = {self.rate:.3f} ({self.retained} of {self.base} customers who "
            f"bought in the previous year bought again in the last year, to "
            f"{self.as_of:%Y-%m-%d})"
        )


def retention_rate(
    codes: np.ndarray, days: np.ndarray, *, as_of: int, year_days: float = 365.0
) -> tuple[float, int, int]:
    """(rate, base, retained): share of customers buying in the previous year who bought again
    in the last year. Years end at ``as_of``; rate is NaN when the base is empty."""
    codes = np.asarray(codes, dtype=np.int64)
    age = as_of - np.asarray(days, dtype=np.int64)
    n = int(codes.max()) + 1 if len(codes) else 0
    last = np.bincount(codes[(age >= 0) & (age < year_days)], minlength=n) > 0
    prev = np.bincount(codes[(age >= year_days) & (age < 2 * year_days)], minlength=n) > 0
    base = int(prev.sum())
    retained = int((prev & last).sum())
    return (retained / base if base else math.nan), base, retained


def estimate_retention(
    log: pd.DataFrame, as_of: object | None = None, *, params: SegmentParams = DEFAULT_PARAMS
) -> RetentionEstimate:
    """Retention estimated from a log (see :func:`retention_rate`); as_of defaults to its end."""
    codes, days, _, _, _ = log_arrays(log)
    if as_of is None:
        if not len(days):
            raise ValueError("empty log: give as_of explicitly")
        day = int(days.max())
    else:
        day = int(np.datetime64(pd.Timestamp(as_of).normalize().date(), "D").astype(np.int64))
    rate, base, retained = retention_rate(codes, days, as_of=day, year_days=params.year_days)
    stamp = pd.Timestamp(np.datetime64(day, "D"))
    return RetentionEstimate(rate=rate, base=base, retained=retained, as_of=stamp)


def expected_lifetime(retention: float, max_years: float = MAX_LIFETIME_YEARS) -> float:
    """Expected remaining customer lifetime in years, 1 / (1 - r), capped at ``max_years``.

    With a constant yearly retention r, the number of years a customer stays is geometric with
    mean 1 / (1 - r) (SEEDS 001: "customer lifetime").
    """
    if not (isinstance(retention, int | float) and 0.0 <= retention <= 1.0):
        raise ValueError(f"retention = {retention!r}: must be a number in [0, 1]")
    if not (isinstance(max_years, int | float) and max_years >= 1.0):
        raise ValueError(f"max_lifetime_years = {max_years!r}: must be a number >= 1")
    if retention >= 1.0:
        return float(max_years)
    return float(min(1.0 / (1.0 - retention), max_years))


HORIZON_DISCOUNT_RATE = 0.10
"""Yearly discount rate of the value of the customers a run ends with: money in three years is
worth less than money now, and a small store's cost of capital is rarely below 10%."""


def remaining_years(
    retention: float,
    discount_rate: float = HORIZON_DISCOUNT_RATE,
    max_years: float = MAX_LIFETIME_YEARS,
) -> float:
    """Discounted number of further years a store's current customers keep buying:
    sum over k = 1..max_years of (r / (1 + d))^k.

    Of today's customers a share r buys next year, r^2 the year after, and so on (the same
    geometric lifetime as :func:`expected_lifetime`, SEEDS 001); year k is discounted by
    (1 + d)^k. ``max_years`` bounds the sum as it bounds the lifetime.
    """
    expected_lifetime(retention, max_years)  # the same checks on r and max_years
    if not (isinstance(discount_rate, int | float) and 0.0 <= discount_rate <= 1.0):
        raise ValueError(f"discount_rate = {discount_rate!r}: must be a number in [0, 1]")
    q = retention / (1.0 + discount_rate)
    k = int(math.floor(max_years))
    return float(sum(q**i for i in range(1, k + 1)))


def clv_values(
    yearly_spend: np.ndarray,
    margin: float | np.ndarray,
    retention: float,
    max_years: float = MAX_LIFETIME_YEARS,
) -> np.ndarray:
    """Array core of :func:`clv`: yearly_spend x margin x expected lifetime."""
    m = np.asarray(margin, dtype=np.float64)
    if np.any(~np.isfinite(m)) or np.any((m < 0) | (m > 1)):
        raise ValueError("margin must be in [0, 1] (a share of revenue that is gross profit)")
    life = expected_lifetime(retention, max_years)
    return np.asarray(yearly_spend, dtype=np.float64) * m * life


def clv(
    summary: pd.DataFrame,
    *,
    retention: float,
    margin: float | str | pd.Series = DEFAULT_MARGIN,
    max_lifetime_years: float = MAX_LIFETIME_YEARS,
) -> pd.Series:
    """Customer lifetime value = yearly profit contributed x expected lifetime (SEEDS 001).

    Yearly profit is ``yearly_spend * margin``; ``margin`` is one number, the name of a column
    of ``summary`` or a Series aligned with it. The lifetime is :func:`expected_lifetime`.
    """
    if isinstance(margin, str):
        if margin not in summary.columns:
            raise ValueError(f"margin column {margin!r} not in summary")
        m: float | np.ndarray = summary[margin].to_numpy(dtype=np.float64)
    elif isinstance(margin, pd.Series):
        m = margin.reindex(summary.index).to_numpy(dtype=np.float64)
    else:
        m = margin
    values = clv_values(summary["yearly_spend"].to_numpy(), m, retention, max_lifetime_years)
    return pd.Series(values, index=summary.index, name="clv")


# ---------------------------------------------------------------------------------------------
# concentration (SEEDS 000: ~20% of customers give ~80% of sales)


def lorenz(values: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Lorenz curve: cumulative share of customers (poorest first) vs cumulative share of value.

    Both arrays start at 0 and end at 1 (n + 1 points). With zero total value the curve is the
    diagonal (nobody contributes more than anybody else).
    """
    v = np.sort(np.asarray(values, dtype=np.float64))
    if v.size == 0:
        raise ValueError("lorenz: no values")
    if not np.all(np.isfinite(v)) or v[0] < 0:
        raise ValueError("lorenz: values must be finite and >= 0")
    x = np.arange(v.size + 1, dtype=np.float64) / v.size
    total = v.sum()
    if total <= 0:
        return x, x.copy()
    y = np.r_[0.0, np.cumsum(v)] / total
    y[-1] = 1.0
    return x, np.minimum(y, 1.0)


def top_share(values: np.ndarray | pd.Series, share: float = 0.2) -> float:
    """Share of the total held by the top ``share`` of the values given (zeros included).

    Read off the Lorenz curve by linear interpolation, so a fractional customer count is
    handled smoothly: with 3 customers, the top 20% is 0.6 of the richest one. NaN when the
    total is 0 or there are no customers.
    """
    if not (0.0 < share <= 1.0):
        raise ValueError(f"share = {share!r}: must be in (0, 1]")
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0 or v.sum() <= 0:
        return math.nan
    x, y = lorenz(v)
    return float(1.0 - np.interp(1.0 - share, x, y))


def buyer_top_share(spend: np.ndarray | pd.Series, share: float = 0.2) -> float:
    """Top-20% buyer revenue share: the share of a period's revenue that came from the top
    ``share`` of that period's buyers (customers with spend > 0 in the period), ranked by spend.

    The one definition behind the ``top20_revenue_share`` KPI, the stylized-fact check and
    ``experiments.segment`` (docs/kpis.md). Buyers only, because members who bought nothing in
    the period carry no information about concentration but would inflate it with every
    lapsed record a store keeps (SEEDS 000's "20% of customers give 80% of sales" is about the
    customers who buy). NaN when nobody bought.
    """
    v = np.asarray(spend, dtype=np.float64)
    buyers = v[v > 0]
    return top_share(buyers, share) if buyers.size else math.nan


# ---------------------------------------------------------------------------------------------
# loyal / potential / marginal (SEEDS 001)


@dataclass(frozen=True)
class ValueClassParams:
    """Cut-offs of the loyal / potential / marginal classes (SEEDS 001)."""

    contribution_top_share: float = 0.5  # "high contribution": top half of yearly spend
    marginal_bottom_share: float = 0.2  # "no profit": bottom 20% of yearly spend
    min_repeat_purchases: int = 2  # purchase days in the last year that make a repeat buyer
    min_referrals: int = 1  # word of mouth: referred at least this many customers

    def __post_init__(self) -> None:
        for name in ("contribution_top_share", "marginal_bottom_share"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and 0.0 < v < 1.0):
                raise ValueError(f"ValueClassParams.{name} = {v!r}: must be a number in (0, 1)")
        for name in ("min_repeat_purchases", "min_referrals"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"ValueClassParams.{name} = {v!r}: must be an integer >= 1")


def _rank_mask(values: np.ndarray, pool: np.ndarray, share: float, top: bool) -> np.ndarray:
    sub = values[pool]
    k = min(len(sub), math.ceil(share * len(sub) - 1e-9))
    if k == 0:
        return np.zeros(len(values), dtype=bool)
    if top:
        thr = np.partition(sub, len(sub) - k)[len(sub) - k]
        return pool & (values >= thr)
    thr = np.partition(sub, k - 1)[k - 1]
    return pool & (values <= thr)


def value_classes(
    summary: pd.DataFrame,
    referrals: pd.Series | None = None,
    params: ValueClassParams | None = None,
) -> pd.Series:
    """Loyal / potential / marginal (SEEDS 001: by sales contribution, loyalty, word of mouth).

    - loyal: a repeat buyer in the last year (>= 2 purchase days) who is in the top half of
      yearly spend or has referred someone;
    - marginal: not loyal, and either bought nothing in the last year or sits in the bottom 20%
      of yearly spend without repeat purchases or referrals: "brings no profit";
    - potential: everyone else (active, could be converted to core).
    ``referrals`` (per customer, aligned on the index) defaults to a ``referrals`` column of the
    summary, else to none.
    """
    p = params or ValueClassParams()
    yearly = summary["yearly_spend"].to_numpy(dtype=np.float64)
    n_year = summary["n_last_year"].to_numpy()
    if referrals is None and "referrals" in summary.columns:
        referrals = summary["referrals"]
    if referrals is None:
        refs = np.zeros(len(summary))
    else:
        refs = referrals.reindex(summary.index).fillna(0).to_numpy(dtype=np.float64)
    active = n_year > 0
    repeat = n_year >= p.min_repeat_purchases
    refers = refs >= p.min_referrals
    high = _rank_mask(yearly, active, p.contribution_top_share, top=True) & (yearly > 0)
    low = _rank_mask(yearly, active, p.marginal_bottom_share, top=False)
    loyal = repeat & (high | refers)
    marginal = ~loyal & (~active | (low & ~repeat & ~refers))
    labels = np.where(loyal, "loyal", np.where(marginal, "marginal", "potential"))
    return pd.Series(
        pd.Categorical(labels, categories=list(VALUE_CLASSES)),
        index=summary.index,
        name="value_class",
    )


# ---------------------------------------------------------------------------------------------
# A/B/C/D tiers with sub-levels (SEEDS 004)

_DEFAULT_CUTOFFS = {2: (180.0,), 3: (90.0, 180.0), 4: (90.0, 180.0, 365.0)}


@dataclass(frozen=True)
class TierParams:
    """A/B/C/D by value, then 1..levels by recency (SEEDS 004: 4 tiers, 12 or 16 levels).

    ``tier_shares`` are the shares of members in A, B, C, D (top first); ``recency_cutoffs``
    (days since last purchase) split each tier into levels, 1 = most recent. Defaults:
    (90, 180) for 3 levels, (90, 180, 365) for 4.
    """

    levels_per_tier: int = 3
    tier_shares: tuple[float, float, float, float] = (0.2, 0.3, 0.3, 0.2)
    recency_cutoffs: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        lv = self.levels_per_tier
        if isinstance(lv, bool) or not isinstance(lv, int) or not 1 <= lv <= 9:
            raise ValueError(f"TierParams.levels_per_tier = {lv!r}: must be an integer in 1..9")
        shares = tuple(self.tier_shares)
        if len(shares) != 4 or any(not (s > 0) for s in shares) or abs(sum(shares) - 1) > 1e-9:
            raise ValueError(
                f"TierParams.tier_shares = {self.tier_shares!r}: must be 4 positive shares "
                "(A, B, C, D) summing to 1"
            )
        cut = self.cutoffs
        if len(cut) != lv - 1 or any(b <= a for a, b in zip(cut, cut[1:], strict=False)):
            raise ValueError(
                f"TierParams.recency_cutoffs = {self.recency_cutoffs!r}: must be "
                f"{lv - 1} increasing day counts for {lv} levels per tier"
            )

    @property
    def cutoffs(self) -> tuple[float, ...]:
        if self.recency_cutoffs is not None:
            return tuple(float(c) for c in self.recency_cutoffs)
        if self.levels_per_tier == 1:
            return ()
        try:
            return _DEFAULT_CUTOFFS[self.levels_per_tier]
        except KeyError:
            raise ValueError(
                f"TierParams.recency_cutoffs: required for levels_per_tier = "
                f"{self.levels_per_tier} (defaults exist for 2, 3 and 4)"
            ) from None


def tier_labels(params: TierParams | None = None) -> tuple[str, ...]:
    """All labels, best first: A1, A2, A3, B1, ... D3 for 3 levels."""
    p = params or TierParams()
    return tuple(f"{t}{k}" for t in TIERS for k in range(1, p.levels_per_tier + 1))


def abcd_tiers(
    summary: pd.DataFrame,
    *,
    value: pd.Series | None = None,
    params: TierParams | None = None,
) -> pd.Series:
    """Tier label per member, e.g. ``"A1"`` (SEEDS 004: important/urgent/interested first).

    Tier by ``value`` (default ``yearly_spend``; pass CLV to rank by lifetime value): the share
    of members with a strictly higher value decides the tier, so equal values share a tier; a
    member with no value (0) is always D. Level by days since last purchase (1 = most recent).
    """
    p = params or TierParams()
    v = summary["yearly_spend"] if value is None else value.reindex(summary.index)
    vals = np.nan_to_num(v.to_numpy(dtype=np.float64))
    n = len(vals)
    ahead = n - np.searchsorted(np.sort(vals), vals, side="right") if n else np.zeros(0)
    frac_ahead = ahead / max(n, 1)
    bounds = np.cumsum(p.tier_shares)[:-1]
    tier = np.searchsorted(bounds, frac_ahead + 1e-12, side="right")
    tier = np.where(vals > 0, tier, 3)
    days = summary["days_since_last"].to_numpy(dtype=np.float64)
    level = np.searchsorted(np.asarray(p.cutoffs), days, side="left") + 1
    labels = np.char.add(np.asarray(TIERS)[tier], level.astype(str)) if n else np.zeros(0, str)
    return pd.Series(
        pd.Categorical(labels, categories=list(tier_labels(p))),
        index=summary.index,
        name="tier_abcd",
    )
