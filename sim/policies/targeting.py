"""Who a store knows and how a policy touches them: members, spend ranks, gifts, referrals.

Everything here uses what the store itself can know (who bought there, when, how much) plus
the customer's attitude arrays that a gesture changes. Vectorized over rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.weekly import SATISFACTION_BOUND, join
from sim.population import NEVER, PROSPECT, VIA_REFERRAL

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel


def members(model: RetailModel, store: int) -> np.ndarray:
    """Mask of the store's members: everyone who has ever bought there (its member file)."""
    return model.pop.last_visit[:, store] > NEVER


def trailing_spend(model: RetailModel, store: int, t: int) -> np.ndarray:
    """Approximate spend at the store over the last 12 months, per customer.

    This year's spend plus the part of last year's spend that still falls in the window
    (pro rata), from the running per-year spend arrays: O(customers), no log scan.
    """
    pop = model.pop
    tpy = model.calendar.ticks_per_year
    elapsed = ((t % tpy) + 1) / tpy
    return pop.year_spend[:, store] + pop.prev_year_spend[:, store] * (1.0 - elapsed)


def top_spenders(
    model: RetailModel, store: int, t: int, share: float
) -> tuple[np.ndarray, np.ndarray]:
    """(`trailing_spend`, `top_share_mask` of it over the `members`): the VIP list of a
    store, in one compiled pass when the kernels run (the same values and mask)."""
    factor = compiled_factor(model, t)
    if factor is not None:
        from sim.kernels.targets import top_spenders as kernel

        pop = model.pop
        return kernel(
            pop.year_spend, pop.prev_year_spend, pop.last_visit, NEVER, store, factor, share
        )
    value = trailing_spend(model, store, t)
    return value, top_share_mask(value, members(model, store), share)


def top_spender_rows(
    model: RetailModel, store: int, t: int, share: float
) -> tuple[np.ndarray, np.ndarray]:
    """The rows of `top_spenders`' mask (ascending) and their trailing spends, without the
    arrays over every customer when the kernels run."""
    factor = compiled_factor(model, t)
    if factor is not None:
        from sim.kernels.targets import top_rows

        pop = model.pop
        return top_rows(
            pop.year_spend, pop.prev_year_spend, pop.last_visit, NEVER, store, factor, share
        )
    value, mask = top_spenders(model, store, t, share)
    rows = np.flatnonzero(mask)
    return rows, value[rows]


def compiled_factor(model: RetailModel, t: int) -> np.float32 | None:
    """The float32 share of last year's spend in the trailing 12 months (the Python float
    NumPy rounds), when the compiled target kernels can stand for `trailing_spend`; else
    None."""
    from sim import kernels

    pop = model.pop
    if not (kernels.compiled() and pop.year_spend.dtype == pop.prev_year_spend.dtype == np.float32):
        return None
    tpy = model.calendar.ticks_per_year
    return np.float32(1.0 - ((t % tpy) + 1) / tpy)


def ranked(
    candidates: np.ndarray, value: np.ndarray, tiebreak: np.ndarray | None = None
) -> np.ndarray:
    """Rows of the `candidates` mask sorted by `value` descending (stable; optional tiebreak
    ascending as second key)."""
    rows = np.flatnonzero(candidates)
    if tiebreak is None:
        order = np.argsort(-value[rows], kind="stable")
    else:
        order = np.lexsort((tiebreak[rows], -value[rows]))
    return rows[order]


def first_of(
    rows: np.ndarray, value: np.ndarray, k: int, tiebreak: np.ndarray | None = None
) -> np.ndarray:
    """The first k of `rows` (ascending) ordered by `value` descending (stable; optional
    tiebreak ascending as second key): ``ranked(mask of rows, value, tiebreak)[:k]``."""
    return first_of_values(rows, value[rows], k, None if tiebreak is None else tiebreak[rows])


def first_of_values(
    rows: np.ndarray, value: np.ndarray, k: int, tiebreak: np.ndarray | None = None
) -> np.ndarray:
    """`first_of` with the values (and tiebreaks) given for the rows, in their order. The k-th
    largest value is found first and only rows at or above it are sorted: every one of the
    first k is among them, in the same order."""
    if k <= 0:
        return rows[:0]
    from sim import kernels

    floats = (np.float32, np.float64)
    if (
        kernels.compiled()
        and rows.dtype == np.int64
        and value.dtype in floats
        and (tiebreak is None or tiebreak.dtype in floats)
    ):  # the same rows, in one compiled call (None: a NaN key, left to NumPy)
        from sim.kernels.targets import first_k

        by_tiebreak = tiebreak is not None
        got, ok = first_k(rows, value, int(k), tiebreak if by_tiebreak else value, by_tiebreak)
        if ok:
            return got
    if 4 * k < rows.size:
        key = -value
        kth = np.partition(key, k - 1)[k - 1]
        if not np.isnan(kth):
            keep = key <= kth
            rows, value = rows[keep], value[keep]
            tiebreak = None if tiebreak is None else tiebreak[keep]
    if tiebreak is None:
        order = np.argsort(-value, kind="stable")
    else:
        order = np.lexsort((tiebreak, -value))
    return rows[order[:k]]


def top_share_mask(value: np.ndarray, pool: np.ndarray, share: float) -> np.ndarray:
    """Members of `pool` with a positive value in its top `share` (ties at the cut included)."""
    eligible = pool & (value > 0)
    n = int(eligible.sum())
    if n == 0:
        return eligible
    k = max(1, int(np.ceil(share * n - 1e-9)))
    cut = np.partition(value[eligible], n - k)[n - k]
    return eligible & (value >= cut)


def days_since_visit(model: RetailModel, store: int, t: int) -> np.ndarray:
    """Days since each customer's last purchase at the store (huge for never)."""
    return (t - model.pop.last_visit[:, store].astype(np.int64)) * model.calendar.tick_days


def raise_attachment(
    model: RetailModel,
    rows: np.ndarray,
    store: int,
    satisfaction: float | np.ndarray = 0.0,
    loyalty: float | np.ndarray = 0.0,
) -> None:
    """A gesture's effect: satisfaction with the store up (bounded), loyalty a step towards 1."""
    pop = model.pop
    if rows.size == 0:
        return
    sat = pop.satisfaction[rows, store] + np.asarray(satisfaction, dtype=np.float32)
    pop.satisfaction[rows, store] = np.minimum(sat, SATISFACTION_BOUND)
    loy = pop.loyalty[rows, store]
    gain = np.clip(np.asarray(loyalty, dtype=np.float32), 0.0, 1.0)
    pop.loyalty[rows, store] = loy + gain * (1.0 - loy)


def referred_prospects(
    model: RetailModel, parents: np.ndarray, counts: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Up to `counts[i]` prospects among each parent's contacts: (parent, recruit) pairs.

    A prospect is taken once (the first parent who names them); parents with no prospect
    among their contacts bring nobody.
    """
    pop = model.pop
    counts = np.asarray(counts, dtype=np.int64)
    ask = np.repeat(parents, counts)
    if ask.size == 0:
        return ask, ask
    deg = (pop.indptr[ask + 1] - pop.indptr[ask]).astype(np.int64)
    has = deg > 0
    ask, deg = ask[has], deg[has]
    pick = (rng.random(ask.size) * deg).astype(np.int64)
    contact = pop.indices[pop.indptr[ask] + pick].astype(np.int64)
    ok = pop.state[contact] == PROSPECT
    ask, contact = ask[ok], contact[ok]
    contact, first = np.unique(contact, return_index=True)
    return ask[first], contact


def bring_referrals(
    model: RetailModel,
    t: int,
    store: int,
    parents: np.ndarray,
    recruits: np.ndarray,
    rng: np.random.Generator,
    within_days: float = 28.0,
) -> None:
    """Referred prospects join as customers recommended to `store` and visit within a few
    weeks (they count as `referred_customers` when they first buy there)."""
    if recruits.size == 0:
        return
    stores = np.full(recruits.size, store, dtype=np.int64)
    join(model, t, recruits, VIA_REFERRAL, stores=stores, parents=parents)
    ticks = np.ceil(rng.uniform(1.0, within_days, recruits.size) / model.calendar.tick_days)
    model.schedule_visits(t + np.maximum(ticks.astype(np.int64), 1), recruits)


def event_ticks(model: RetailModel, days_of_year: tuple[int, ...]) -> np.ndarray:
    """Ticks that contain one of the given days of the year (1..365), in order."""
    cal = model.calendar
    dates = cal.dates()
    hit = np.zeros(cal.n_ticks, dtype=bool)
    for offset in range(cal.tick_days):
        day = dates + np.timedelta64(offset, "D")
        years = day.astype("datetime64[Y]")
        doy = (day - years.astype("datetime64[D]")).astype(np.int64) + 1
        hit |= np.isin(doy, list(days_of_year))
    return np.flatnonzero(hit)
