"""Compiled kernels of `sim.policies.store_log`: a store's visits counted as its log grows, and
the lapsed (sleeping or silent) members read from them. Integer counts and the same float64
operations as the NumPy code there, element by element (`store_log` tests both engines)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def count_visits(c, tk, n, n_visits, first_tick, last_tick):
    """`StoreLog._count_visits`: the new customer-ticks of purchases (c, tk) (ticks in order)
    added to the counts; returns them (customer, tick), by tick then customer."""
    t0 = tk[0]
    key = np.unique((tk - t0) * n + c)
    vc = np.empty(key.size, np.int64)
    vt = np.empty(key.size, np.int64)
    m = 0
    for k in range(key.size):
        r, at = key[k] % n, key[k] // n + t0
        if last_tick[r] != at:  # ticks in order: an older visit's tick is below `at`
            n_visits[r] += 1
            first_tick[r] = min(first_tick[r], at)
            last_tick[r] = max(last_tick[r], at)
            vc[m], vt[m] = r, at
            m += 1
    return vc[:m], vt[:m]


@njit(cache=True)
def lapsed(n_visits, first_tick, last_tick, vc, vt, as_of, td, half_year, sleeping, ratio):
    """`store_log.lapsed_members`' rule: members with no visit for `sleeping` days, or fewer
    visits in the last half year than `ratio` x their visits per half year of tenure."""
    n = n_visits.size
    n_half = np.zeros(n, np.int64)
    for k in range(vt.size):
        if (as_of - vt[k] * td) < half_year:
            n_half[vc[k]] += 1
    out = np.empty(n, np.int64)
    m = 0
    for r in range(n):
        if n_visits[r] > 0:
            tenure = np.float64(as_of - first_tick[r] * td) + 1
            half_years = max(tenure / half_year, 1.0)
            if (as_of - last_tick[r] * td) >= sleeping or n_half[r] < ratio * (
                n_visits[r] / half_years
            ):
                out[m] = r
                m += 1
    return out[:m]


@njit(cache=True)
def year_counts(c, tk, paid, promo, n, now, td, year_days):
    """Per customer, over the purchases within `year_days` of day `now` (``now - tk x td``):
    their number, the sum paid (added in log order, as `np.bincount`) and the number on
    promotion."""
    n_tx = np.zeros(n, np.int64)
    total = np.zeros(n)
    n_promo = np.zeros(n, np.int64)
    for i in range(c.size):
        if (now - tk[i] * td) < year_days:
            r = c[i]
            n_tx[r] += 1
            total[r] += paid[i]
            if promo[i]:
                n_promo[r] += 1
    return n_tx, total, n_promo


@njit(cache=True)
def promo_only(c, tk, paid, promo, n, now, td, year_days, bottom_share, min_share):
    """`store_log.promo_only_mask` from the counts of `year_counts`: the members active in the
    year with at least `min_share` of its purchases on promotion and a yearly spend at or
    below the k-th smallest of the active members' (k = ceil(bottom_share x active), as
    `segments.bottom_cut`)."""
    n_tx, total, n_promo = year_counts(c, tk, paid, promo, n, now, td, year_days)
    out = np.zeros(n, np.bool_)
    active = np.empty(n, np.int64)
    m = 0
    for r in range(n):
        if n_tx[r] != 0:
            active[m] = r
            m += 1
    if m == 0:
        return out
    k = min(m, math.ceil(bottom_share * m - 1e-9))
    if k == 0:
        return out
    yearly = np.empty(m)
    for j in range(m):
        yearly[j] = total[active[j]]
    cut = np.partition(yearly.copy(), k - 1)[k - 1]
    for j in range(m):
        r = active[j]
        if n_promo[r] / n_tx[r] >= min_share and yearly[j] <= cut:
            out[r] = True
    return out


@njit(cache=True)
def store_rows(tick, cust, st, amount, discount, store, n):
    """`StoreLog.read`'s pass over new log rows: the store's rows as (customer, tick, paid,
    promo), whether a customer code lies outside 0..n-1, whether their ticks go back, and
    their last tick (-1 when there are none)."""
    m = 0
    for i in range(st.size):
        if st[i] == store:
            m += 1
    c = np.empty(m, np.int64)
    tk = np.empty(m, np.int64)
    paid = np.empty(m)
    promo = np.empty(m, np.bool_)
    bad = back = False
    last = -1
    j = 0
    for i in range(st.size):
        if st[i] == store:
            c[j], tk[j] = cust[i], tick[i]
            paid[j] = amount[i] - discount[i]
            promo[j] = discount[i] > 0
            if c[j] < 0 or c[j] >= n:
                bad = True
            if j > 0 and tk[j] < tk[j - 1]:
                back = True
            last = max(last, tk[j])
            j += 1
    return c, tk, paid, promo, bad, back, last
