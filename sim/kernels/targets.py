"""Compiled kernels of the policies' target lists (`sim.policies.targeting`): a store's members
in the top share by trailing 12-month spend, with the same float32 sums as `trailing_spend` and
the same cut as `top_share_mask` (the k-th largest value), and the month's VIP arrays of
`vip_privileges` made from it in the same pass."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def top_rows(year_spend, prev_year_spend, last_visit, never, store, factor, share):
    """(rows of the members with a positive trailing spend in its top `share`, ascending, and
    their trailing spends): ``year + prev x factor`` in float32 (`factor` the float32 share of
    last year). Members first (their last visit), then the spend: the same pool, one strided
    read for the rest."""
    n = year_spend.shape[0]
    rows = np.empty(n, np.int64)
    pool = np.empty(n, np.float32)
    m = 0
    for r in range(n):
        if last_visit[r, store] > never:
            v = year_spend[r, store] + prev_year_spend[r, store] * factor
            if v > 0:
                rows[m] = r
                pool[m] = v
                m += 1
    if m == 0:
        return rows[:0], pool[:0]
    k = max(1, int(np.ceil(share * m - 1e-9)))
    cut = np.partition(pool[:m], m - k)[m - k]
    top = 0
    for j in range(m):
        if pool[j] >= cut:
            rows[top] = rows[j]
            pool[top] = pool[j]
            top += 1
    return rows[:top].copy(), pool[:top].copy()


@njit(cache=True)
def top_spenders(year_spend, prev_year_spend, last_visit, never, store, factor, share):
    """(trailing spend of every customer, mask of the members with a positive one in its top
    `share`), as `top_rows` finds them."""
    n = year_spend.shape[0]
    value = np.empty(n, np.float32)
    for r in range(n):
        value[r] = year_spend[r, store] + prev_year_spend[r, store] * factor
    rows, _ = top_rows(year_spend, prev_year_spend, last_visit, never, store, factor, share)
    mask = np.zeros(n, np.bool_)
    for r in rows:
        mask[r] = True
    return value, mask


@njit(cache=True)
def vip_month(
    year_spend,
    prev_year_spend,
    last_visit,
    never,
    store,
    factor,
    share,
    birth_month,
    month,
    vip_utility,
    birthday_utility,
):
    """`VipPrivileges.new_month`'s arrays: (VIP mask, birthday mask, utility bonus, the
    birthday VIPs ranked by trailing spend, descending and stable). The bonus is
    ``where(vip, vip_utility, 0.0)`` plus `birthday_utility` at the birthdays (float64)."""
    n = year_spend.shape[0]
    rows, value = top_rows(year_spend, prev_year_spend, last_visit, never, store, factor, share)
    vip = np.zeros(n, np.bool_)
    birthday = np.zeros(n, np.bool_)
    bonus = np.zeros(n)
    b_rows = np.empty(rows.size, np.int64)
    b_key = np.empty(rows.size, np.float32)
    m = 0
    for j in range(rows.size):
        r = rows[j]
        vip[r] = True
        bonus[r] = vip_utility
        if birth_month[r] == month:
            birthday[r] = True
            bonus[r] += birthday_utility
            b_rows[m] = r
            b_key[m] = -value[j]
            m += 1
    order = np.argsort(b_key[:m], kind="mergesort")
    return vip, birthday, bonus, b_rows[:m][order]


@njit(cache=True)
def away_between(last_visit, never, store, t, td, low, high):
    """Rows of the store's members whose last purchase there was at least `low` and less than
    `high` days before tick t (``(t - last_visit) x td``), ascending."""
    n = last_visit.shape[0]
    out = np.empty(n, np.int64)
    m = 0
    for r in range(n):
        lv = last_visit[r, store]
        if lv > never:
            away = (t - np.int64(lv)) * td
            if away >= low and away < high:
                out[m] = r
                m += 1
    return out[:m]


@njit(cache=True)
def churn_candidates(
    last_visit, never, store, t, td, low, high, last_gift, cooldown, revenue, satisfaction
):
    """`away_between`'s rows past the gift cooldown (``(t - last_gift) x td >= cooldown``),
    with their revenue and satisfaction at the store (the churn-risk gift's ranking keys)."""
    rows = away_between(last_visit, never, store, t, td, low, high)
    m = 0
    for j in range(rows.size):
        if (t - last_gift[rows[j]]) * td >= cooldown:
            rows[m] = rows[j]
            m += 1
    rows = rows[:m].copy()
    value = np.empty(m, revenue.dtype)
    tiebreak = np.empty(m, satisfaction.dtype)
    for j in range(m):
        value[j] = revenue[rows[j], store]
        tiebreak[j] = satisfaction[rows[j], store]
    return rows, value, tiebreak


@njit(cache=True)
def first_k(rows, value, k, tiebreak, by_tiebreak):
    """`targeting.first_of_values`: the first k rows by value descending, then tiebreak
    ascending (if `by_tiebreak`), then row order; the same k-th value cut first. Two stable
    sorts stand for ``np.lexsort``. Returns (the rows, ok); ok False (no rows): a NaN among
    the keys, left to NumPy."""
    if k <= 0:
        return rows[:0], True
    for j in range(value.size):
        if np.isnan(value[j]) or (by_tiebreak and np.isnan(tiebreak[j])):
            return rows[:0], False
    key = -value
    if 4 * k < rows.size:
        kth = np.partition(key.copy(), k - 1)[k - 1]
        keep = key <= kth
        rows, key, tiebreak = rows[keep], key[keep], tiebreak[keep]
    if by_tiebreak:
        first = np.argsort(tiebreak, kind="mergesort")
        order = first[np.argsort(key[first], kind="mergesort")]
    else:
        order = np.argsort(key, kind="mergesort")
    return rows[order[:k]], True
