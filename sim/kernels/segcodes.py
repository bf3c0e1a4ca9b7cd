"""Compiled segment codes of one store's members (SEEDS 003), straight from the transaction log.

The NumPy path (`sim.segments.summarize_arrays`, then `segment_codes`) builds twenty features
for every customer with some sixty array calls, three times per run for the yearly snapshots
and again whenever a policy targets a segment. The seven rules read ten of those features;
`features` builds them in one pass over the log and `codes` applies the rules in another. The
codes are the NumPy path's bit for bit (tests/test_segments.py): per-customer sums are taken in
log order, as `np.bincount` takes them, and every float expression is the NumPy one in the same
dtypes. The rank cut-offs (order statistics) and the store's average ticket (a pairwise NumPy
sum) are computed by NumPy between the two kernels (`sim.segmenting`).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _refused():
    i, f = np.zeros(0, np.int64), np.zeros(0)
    return False, i, i, i, i, f, f, f, f, f, f, f


@njit(cache=True)
def features(tick, cust, store, amount, discount, s, as_of_tick, tick_days, n, year, half):
    """The store's members as of `as_of_tick` (customers with a purchase there), in row order:
    `rows`, and per member: visits (purchase days) in all, in the year and in the half year
    before; spend in all, in the year and on promotion in the year; the share of the year's
    transactions on promotion; days since the last visit; tenure in days; the longest gap of
    the last year (the open gap included).

    Members only, not every customer: arrays of the population's length, made afresh per call,
    cost more in page faults than the whole pass. Visits are counted as the log goes, which
    needs the log in tick order (it is appended tick by tick); `ok` is False when it is not, or
    when a row is outside the population (the caller then takes the NumPy path).
    """
    slot = np.full(n, -1, np.int32)
    prev = np.iinfo(np.int64).min
    for i in range(tick.size):  # which customers are members, and is the log in tick order
        tk = np.int64(tick[i])
        if tk < prev:
            return _refused()
        prev = tk
        if tk <= as_of_tick and store[i] == s:
            c = cust[i]
            if c < 0 or c >= n:
                return _refused()
            slot[c] = 0
    m = 0
    for c in range(n):
        if slot[c] == 0:
            slot[c] = m
            m += 1
    rows = np.empty(m, np.int64)
    for c in range(n):
        if slot[c] >= 0:
            rows[slot[c]] = c
    n_visits = np.zeros(m, np.int64)
    n_year = np.zeros(m, np.int64)
    n_half = np.zeros(m, np.int64)
    total = np.zeros(m)
    yearly = np.zeros(m)
    promo_rev = np.zeros(m)
    n_tx_year = np.zeros(m)
    n_promo_year = np.zeros(m)
    first_day = np.zeros(m, np.int64)
    last_day = np.zeros(m, np.int64)
    max_gap = np.zeros(m)
    as_of = np.int64(as_of_tick) * tick_days
    for i in range(tick.size):
        tk = np.int64(tick[i])
        if tk > as_of_tick or store[i] != s:
            continue
        c = slot[cust[i]]
        day = tk * tick_days
        age = as_of - day
        net = amount[i] - discount[i]
        total[c] += net  # per member in log order: `np.bincount`'s order
        in_year = age < year
        if in_year:
            yearly[c] += net
            n_tx_year[c] += 1.0
            if discount[i] > 0:
                promo_rev[c] += net
                n_promo_year[c] += 1.0
        if n_visits[c] == 0:
            first_day[c] = day
        elif day != last_day[c]:
            if in_year:
                gap = np.float64(day - last_day[c])
                if gap > max_gap[c]:
                    max_gap[c] = gap
        else:
            continue  # another line of the same visit
        n_visits[c] += 1
        last_day[c] = day
        if in_year:
            n_year[c] += 1
        if age < half:
            n_half[c] += 1
    days_since = np.empty(m)
    tenure = np.empty(m)
    promo_share = np.zeros(m)
    for c in range(m):
        if n_tx_year[c] > 0:
            promo_share[c] = n_promo_year[c] / n_tx_year[c]
        days_since[c] = np.float64(as_of) - np.float64(last_day[c])
        tenure[c] = (np.float64(as_of) - np.float64(first_day[c])) + 1.0
        if days_since[c] > max_gap[c]:
            max_gap[c] = days_since[c]
    return (
        True,
        rows,
        n_visits,
        n_year,
        n_half,
        total,
        yearly,
        promo_rev,
        promo_share,
        days_since,
        tenure,
        max_gap,
    )


@njit(cache=True)
def codes(
    rows,
    n,
    n_visits,
    n_year,
    n_half,
    total,
    yearly,
    promo_rev,
    promo_share,
    days_since,
    tenure,
    max_gap,
    cuts,
    has_cut,
    store_ticket,
    rules,
    min_purchases,
):
    """Per customer row: the first rule the member meets, in `SEGMENTS` order (7 = regular),
    -1 for the customers who are not members (`rows` and the features are `features`').

    `cuts`/`has_cut`: the promo-only (bottom yearly spend), high-total, high-loyalty (top yearly
    spend) and promo-frequent (top promotion revenue) cut-offs; `rules`: sleeping days, half-year
    days, silent ratio, promo-only share, ticket multiple, loyalty gap (SegmentParams).
    """
    sleeping_days, half_days, silent_ratio, promo_only_share, ticket_multiple, loyalty_gap = (
        rules[0],
        rules[1],
        rules[2],
        rules[3],
        rules[4],
        rules[5],
    )
    out = np.full(n, -1, np.int8)
    for c in range(rows.size):
        nv = n_visits[c]
        r = rows[c]
        active = n_year[c] > 0
        y = yearly[c]
        half_years = tenure[c] / half_days
        if half_years < 1.0:
            half_years = 1.0
        if days_since[c] >= sleeping_days:
            out[r] = 0
        elif n_half[c] < silent_ratio * (nv / half_years):
            out[r] = 1
        elif active and promo_share[c] >= promo_only_share and has_cut[0] and y <= cuts[0]:
            out[r] = 2
        elif active and has_cut[1] and y >= cuts[1] and y > 0:
            out[r] = 3
        elif store_ticket > 0 and total[c] / nv >= ticket_multiple * store_ticket:
            out[r] = 4
        elif (
            active
            and has_cut[2]
            and y >= cuts[2]
            and y > 0
            and n_year[c] >= min_purchases
            and max_gap[c] <= loyalty_gap
        ):
            out[r] = 5
        elif active and promo_rev[c] > 0 and has_cut[3] and promo_rev[c] >= cuts[3]:
            out[r] = 6
        else:
            out[r] = 7
    return out


@njit(cache=True)
def window_spend(tick, cust, store, amount, discount, s, first_tick, last_tick, codes, n_codes):
    """Spend per customer row at store `s` in ticks `first_tick`..`last_tick` (log order, as
    `np.bincount` adds), and the members' spend grouped by segment code (rows in order within a
    code) with each code's bounds: `np.bincount` and the stable sort by code of the NumPy path.
    """
    spend = np.zeros(codes.size)
    for i in range(tick.size):
        tk = tick[i]
        if tk >= first_tick and tk <= last_tick and store[i] == s:
            spend[cust[i]] += amount[i] - discount[i]
    bounds = np.zeros(n_codes + 1, np.int64)
    for r in range(codes.size):
        if codes[r] >= 0:
            bounds[codes[r] + 1] += 1
    for k in range(n_codes):
        bounds[k + 1] += bounds[k]
    grouped = np.empty(bounds[n_codes])
    fill = bounds[:n_codes].copy()
    for r in range(codes.size):
        k = codes[r]
        if k >= 0:
            grouped[fill[k]] = spend[r]
            fill[k] += 1
    return spend, grouped, bounds
