"""The phases of the occasion pipeline as compiled kernels, each the NumPy rule of the same name
(`sim.agents.customer`) written as a loop over the batch (conventions: `sim.kernels.occasions`;
names of the constants and flows: `sim.kernels.layout`). `sim.kernels.occasions` chains them
for a batch without hooks; `sim.kernels.hooked` calls them one by one around the hooks."""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels.layout import (
    ACTIVE,
    C32_NEG_SHIFT,
    C32_POS_SHIFT,
    C_ATTRITION,
    C_BOUND,
    C_COMPLAIN,
    C_DIS_THR,
    C_LOY_LEARN,
    C_NEG_MIN,
    C_NEG_SPAN,
    C_NOISE,
    C_POS_MIN,
    C_POS_SPAN,
    C_RES_STAY,
    C_SAT_LEARN,
    C_SAT_THR,
    C_SHAPE,
    C_UNRES_STAY,
    CHURNED,
    F_CHURNED,
    F_COGS,
    F_COMPLAINTS,
    F_DEFECTED,
    F_DISSATISFIED,
    F_NEW,
    F_PURCHASES,
    F_REFERRED,
    F_RESOLVED,
    F_RESOLVED_STAYED,
    F_REVENUE,
    F_SATISFIED,
    F_STAYED,
    NOT_YET,
    PROSPECT,
    decay_of,
)
from sim.kernels.prefetch import prefetch

AHEAD = 8
"""How many rows ahead the phases' loops ask for the lines they will write
(`sim.kernels.prefetch`)."""
WORD_AHEAD = 4
"""The word of mouth's stage distance, in tellers (`spread_word`)."""


@njit(cache=True)
def advance(rows, mode, natural, e, clock, next_tick, rate, clock_end):
    """`advance_clocks` for the natural occasions (mode 1: all rows, 2: where `natural`)."""
    if mode == 0:
        return
    for j in range(rows.size):
        if j + AHEAD < rows.size:
            q = rows[j + AHEAD]
            prefetch(clock, q)
            prefetch(rate, q)
            prefetch(next_tick, q)
        if mode == 2 and not natural[j]:
            continue
        r = rows[j]
        clock[r] += e[j] / rate[r]
        next_tick[r] = np.searchsorted(clock_end, clock[r])


@njit(cache=True)
def choose(idx, V, gumbel):
    """Gumbel-max choice (NumPy's argmax: first maximum, NaN first); -1 = outside."""
    S = V.shape[1] - 1
    stores = np.empty(idx.size, np.int64)
    for i in range(idx.size):
        j = idx[i]
        best, pick = V[i, 0] + gumbel[j, 0], 0
        for s in range(1, S + 1):
            v = V[i, s] + gumbel[j, s]
            if np.isnan(best):
                break
            if v > best or np.isnan(v):
                best, pick = v, s
        stores[i] = -1 if pick == S else pick
    return stores


@njit(cache=True)
def amounts(b_rows, b_stores, b_idx, g, spend, price_level, c):
    out = np.empty(b_rows.size)
    for i in range(b_rows.size):
        out[i] = spend[b_rows[i]] * (g[b_idx[i]] / c[C_SHAPE]) * price_level[b_stores[i]]
    return out


@njit(cache=True)
def flush(acc, flows, t, first, last):
    """Add the batch sums of flows first..last-1 to the tick's row (as `Ledger.add`)."""
    for f in range(first, last):
        row = flows[f]
        for s in range(acc.shape[1]):
            row[t, s] += acc[f, s]


@njit(cache=True)
def buy_book(
    t,
    b_rows,
    b_stores,
    amount,
    margin,
    first_visit,
    acquired_store,
    referral_parent,
    last_store,
    last_visit,
    loyalty,
    last_purchase,
    state,
    revenue,
    year_spend,
    c,
    decay,
    cutoff,
    acc,
):
    """The bookkeeping of `buy` (amounts and discounts already known); False if the decay
    table missed an age (cannot happen after `utilities` saw the same rows)."""
    S = margin.size
    for i in range(b_rows.size):
        if i + AHEAD < b_rows.size:
            q = b_rows[i + AHEAD]
            prefetch(first_visit, q * S)
            prefetch(revenue, q * S)
            prefetch(year_spend, q * S)
            prefetch(last_purchase, q)
            prefetch(acquired_store, q)
            prefetch(referral_parent, q)
        r, s, a = b_rows[i], b_stores[i], amount[i]
        acc[F_REVENUE, s] += a
        acc[F_COGS, s] += a * (1.0 - margin[s])
        acc[F_PURCHASES, s] += 1.0
        if first_visit[r, s] == NOT_YET:
            acc[F_NEW, s] += 1.0
            if acquired_store[r] == s and referral_parent[r] >= 0:
                acc[F_REFERRED, s] += 1.0
            first_visit[r, s] = t
        prev = last_store[r]
        if prev >= 0 and prev != s:
            acc[F_DEFECTED, prev] += 1.0
        d, status = decay_of(t, last_visit[r, s], decay, cutoff)
        if status != 0:
            return False
        loyal = np.float64(loyalty[r, s]) * d
        loyalty[r, s] = loyal + c[C_LOY_LEARN] * (1.0 - loyal)
        last_visit[r, s] = t
        last_store[r] = s
        last_purchase[r] = t
        state[r] = ACTIVE
        revenue[r, s] += a
        year_spend[r, s] = np.float64(year_spend[r, s]) + a
    return True


@njit(cache=True)
def experience(b_stores, b_idx, eps, service, c):
    out = np.empty(b_stores.size)
    for i in range(b_stores.size):
        out[i] = service[b_stores[i]] + c[C_NOISE] * eps[b_idx[i]]
    return out


@njit(cache=True)
def serve_book(b_rows, b_stores, exp, satisfaction, last_good, last_bad, c, acc):
    """The bookkeeping of `serve`: (good, bad)."""
    n = b_rows.size
    good, bad = np.empty(n, np.bool_), np.empty(n, np.bool_)
    bound = c[C_BOUND]
    for i in range(n):
        r, s, x = b_rows[i], b_stores[i], exp[i]
        good[i] = x >= c[C_SAT_THR]
        bad[i] = x <= c[C_DIS_THR]
        target = min(max(x, -bound), bound)
        sat = np.float64(satisfaction[r, s])
        satisfaction[r, s] = sat + c[C_SAT_LEARN] * (target - sat)
        last_good[r] = good[i]
        last_bad[r] = bad[i]
        if good[i]:
            acc[F_SATISFIED, s] += 1.0
        if bad[i]:
            acc[F_DISSATISFIED, s] += 1.0
    return good, bad


@njit(cache=True)
def complainers(b_stores, b_idx, bad, u, resolution, c):
    """Who complains, and the store's resolution rate for each buyer (policies may raise it)."""
    n = b_stores.size
    complains, rate = np.empty(n, np.bool_), np.empty(n)
    for i in range(n):
        complains[i] = bad[i] and u[b_idx[i], 0] < c[C_COMPLAIN]
        rate[i] = resolution[b_stores[i]]
    return complains, rate


@njit(cache=True)
def complain_book(b_rows, b_stores, b_idx, bad, complains, rate, u, left_store, loyalty, c, acc):
    """The bookkeeping of `complain`: (resolved, loud = bad and not resolved)."""
    n = b_rows.size
    resolved, loud = np.empty(n, np.bool_), np.empty(n, np.bool_)
    for i in range(n):
        j, s = b_idx[i], b_stores[i]
        res = complains[i] and u[j, 1] < rate[i]
        resolved[i] = res
        loud[i] = bad[i] and not res
        if not complains[i]:
            continue
        stays = u[j, 2] < (c[C_RES_STAY] if res else c[C_UNRES_STAY])
        if not stays:
            left_store[b_rows[i], s] = True
            loyalty[b_rows[i], s] = 0.0
        acc[F_COMPLAINTS, s] += 1.0
        if res:
            acc[F_RESOLVED, s] += 1.0
        if stays:
            acc[F_STAYED, s] += 1.0
            if res:
                acc[F_RESOLVED_STAYED, s] += 1.0
    return resolved, loud


@njit(cache=True)
def _told(good, loud, u0, pos_min, pos_span, neg_min, neg_span):
    """How many contacts a teller tells (0 unless its visit was good or loud), from its first
    word-of-mouth uniform `u0`."""
    told = 0
    if good:
        told = np.int64(pos_min) + np.int64(u0 * pos_span)
    if loud:
        told = np.int64(neg_min) + np.int64(u0 * neg_span)
    return told


@njit(cache=True)
def _contact(indices, lo, deg, u):
    """The contact a slot's uniform `u` picks among the `deg` contacts from `indices[lo]`."""
    return indices[lo + np.int64(u * np.float64(deg))]


@njit(cache=True)
def spread_word(b_rows, b_stores, b_idx, good, loud, u, indptr, indices, satisfaction, c, c32):
    """`spread_word`: each teller's contacts in slot order, tellers in batch order.

    The look-ahead is prefetched in three stages, each reading what the one before fetched
    (k = `WORD_AHEAD`): teller i + 3k's `indptr` entry, teller i + 2k's contacts, then the
    satisfaction lines teller i + k will change. It is written out in the loop, not in helpers
    that take arrays: Numba counts a reference to every array passed to a helper with branches,
    an atomic increment and decrement per array and call (~19 a teller; 6% of a 20k run's time
    went to them, docs/performance.md, eighth round)."""
    n, k, S = b_rows.size, WORD_AHEAD, satisfaction.shape[1]
    pos_min, pos_span = c[C_POS_MIN], c[C_POS_SPAN]
    neg_min, neg_span = c[C_NEG_MIN], c[C_NEG_SPAN]
    for i in range(n):
        if i + 3 * k < n:
            prefetch(indptr, b_rows[i + 3 * k])
        if i + 2 * k < n:
            q = b_rows[i + 2 * k]
            prefetch(indices, indptr[q])
            prefetch(indices, indptr[q + 1] - 1)
        if i + k < n:  # the satisfaction lines teller i + k will change
            a = i + k
            ja, ra = b_idx[a], b_rows[a]
            lo_a = indptr[ra]
            deg_a = indptr[ra + 1] - lo_a
            if deg_a > 0:
                told_a = _told(good[a], loud[a], u[ja, 0], pos_min, pos_span, neg_min, neg_span)
                for slot in range(1, told_a + 1):
                    contact = _contact(indices, lo_a, deg_a, u[ja, slot])
                    prefetch(satisfaction, contact * S + b_stores[a])
        j, r = b_idx[i], b_rows[i]
        told = _told(good[i], loud[i], u[j, 0], pos_min, pos_span, neg_min, neg_span)
        lo = indptr[r]
        deg = indptr[r + 1] - lo
        if deg <= 0:
            continue
        shift = c32[C32_POS_SHIFT] if good[i] else c32[C32_NEG_SHIFT]
        s = b_stores[i]
        for slot in range(1, told + 1):
            satisfaction[_contact(indices, lo, deg, u[j, slot]), s] += shift


@njit(cache=True)
def attrition(rows, idx, mode, natural, bad_at, churn, dropout, repeat, state, last_store, c, acc):
    """`attrition` for the natural occasions among `idx`, then `repeat` for all of them.
    `bad_at[i]`: position i's visit was dissatisfying."""
    for i in range(idx.size):
        if i + AHEAD < idx.size:
            q = rows[idx[i + AHEAD]]
            prefetch(dropout, q)
            prefetch(repeat, q)
        j = idx[i]
        if mode == 0 or (mode == 2 and not natural[j]):
            continue
        r = rows[j]
        p = dropout[r] * (c[C_ATTRITION] if bad_at[i] else 1.0)
        st = state[r]
        if churn[j] < p and repeat[r] and st != PROSPECT and st != CHURNED:
            state[r] = CHURNED
            last = last_store[r]
            if last >= 0:
                acc[F_CHURNED, last] += 1.0
    for i in range(idx.size):
        repeat[rows[idx[i]]] = True
