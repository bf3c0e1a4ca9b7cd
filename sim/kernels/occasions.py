"""Compiled kernels of the occasion pipeline (`sim.agents.customer.process_occasions`).

Each phase is the NumPy rule of the same name written as a loop over the batch, with the same
float operations in the same dtypes (float32 where NumPy computes in float32: a Python scalar
times a float32 array) and the same order of additions (ledger flows: a batch sum per store
added to the tick's row, as `np.bincount` then `+=`; `np.add.at`: one addition per element,
in order). Phases run one after the other over the whole batch, as the NumPy rules do, so
what one phase writes is seen by the next exactly as before. The loyalty decay
``exp2(-age / half-life)`` is read from a table computed by NumPy (`sim.kernels.pipeline`):
NumPy's SIMD exp2 and the C library's differ in the last bit for ~2% of arguments.

Constants come in two arrays: `c` (float64) and `c32` (float32: the scalars NumPy rounds to
float32 before multiplying a float32 array); indices are the `C_*` and `F_*` names of
`sim.kernels.layout` (re-exported here).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels.choice import utilities
from sim.kernels.layout import (  # noqa: F401  (re-exported: hooked.py and tests use them)
    ACTIVE,
    C32_NEG_SHIFT,
    C32_POS_SHIFT,
    C32_PRICE,
    C32_SAT,
    C32_TIER,
    C32_YEARS,
    C_ASP,
    C_ATTRITION,
    C_BOUND,
    C_BRAND,
    C_COMPLAIN,
    C_DIS_THR,
    C_FRIENDS,
    C_LEFT,
    C_LOY_LEARN,
    C_LOYALTY,
    C_NEG_MIN,
    C_NEG_SPAN,
    C_NOISE,
    C_OUTSIDE,
    C_POS_MIN,
    C_POS_SPAN,
    C_RES_STAY,
    C_SAT_LEARN,
    C_SAT_THR,
    C_SHAPE,
    C_TRAVEL,
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


@njit(cache=True)
def advance(rows, mode, natural, e, clock, next_tick, rate, clock_end):
    """`advance_clocks` for the natural occasions (mode 1: all rows, 2: where `natural`)."""
    if mode == 0:
        return
    for j in range(rows.size):
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
    for i in range(b_rows.size):
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
def spread_word(b_rows, b_stores, b_idx, good, loud, u, indptr, indices, satisfaction, c, c32):
    """`spread_word`: each teller's contacts in slot order, tellers in batch order."""
    for i in range(b_rows.size):
        j, r = b_idx[i], b_rows[i]
        told = 0
        if good[i]:
            told = np.int64(c[C_POS_MIN]) + np.int64(u[j, 0] * c[C_POS_SPAN])
        if loud[i]:
            told = np.int64(c[C_NEG_MIN]) + np.int64(u[j, 0] * c[C_NEG_SPAN])
        lo = indptr[r]
        deg = indptr[r + 1] - lo
        if deg <= 0:
            continue
        shift = c32[C32_POS_SHIFT] if good[i] else c32[C32_NEG_SHIFT]
        s = b_stores[i]
        for slot in range(1, told + 1):
            contact = indices[lo + np.int64(u[j, slot] * np.float64(deg))]
            satisfaction[contact, s] += shift


@njit(cache=True)
def attrition(rows, idx, mode, natural, bad_at, churn, dropout, repeat, state, last_store, c, acc):
    """`attrition` for the natural occasions among `idx`, then `repeat` for all of them.
    `bad_at[i]`: position i's visit was dissatisfying."""
    for i in range(idx.size):
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


@njit(cache=True)
def one_batch(
    t,
    rows,
    mode,
    natural,
    d_clock,
    d_churn,
    d_choice,
    d_ticket,
    d_service,
    d_complaint,
    d_wom,
    state,
    home,
    work,
    elite,
    brand_asp,
    tier_pref,
    drift,
    price_sens,
    clock,
    next_tick,
    rate,
    spend,
    first_visit,
    acquired_store,
    referral_parent,
    last_store,
    last_visit,
    loyalty,
    last_purchase,
    revenue,
    year_spend,
    satisfaction,
    last_good,
    last_bad,
    left_store,
    indptr,
    indices,
    dropout,
    repeat,
    travel_hops,
    tier_gap,
    attract,
    brand_sign,
    price_level,
    margin,
    service,
    resolution,
    clock_end,
    c,
    c32,
    decay,
    cutoff,
    flows,
):
    """The whole pipeline for a batch without policy hooks, in the rules' order: the shoppers'
    utilities, the choice, the clocks, purchase, service, complaints, word of mouth, attrition.

    Returns (the buyers' rows, their stores, their amounts, status) for the transaction log;
    status: 0 done; k > 0 the decay table must reach age k, -1 use NumPy (nothing changed in
    either case, as `utilities` says); -2 the decay table missed an age (cannot happen)."""
    no_rows, no_amounts = np.empty(0, np.int64), np.empty(0)
    idx, V, need = utilities(
        t,
        rows,
        state,
        True,
        home,
        elite,
        work,
        brand_asp,
        tier_pref,
        drift,
        price_sens,
        last_visit,
        loyalty,
        satisfaction,
        left_store,
        last_store,
        indptr,
        indices,
        travel_hops,
        tier_gap,
        attract,
        brand_sign,
        price_level,
        c,
        c32,
        decay,
        cutoff,
    )
    if need != 0:
        return no_rows, no_rows, no_amounts, need
    stores = choose(idx, V, d_choice)
    advance(rows, mode, natural, d_clock, clock, next_tick, rate, clock_end)
    if idx.size == 0:
        return no_rows, no_rows, no_amounts, 0
    acc = np.zeros((len(flows), price_level.size))
    buys = np.flatnonzero(stores >= 0)
    b_idx = idx[buys]
    b_rows = rows[b_idx]
    b_stores = stores[buys]
    amount = amounts(b_rows, b_stores, b_idx, d_ticket, spend, price_level, c)
    ok = buy_book(
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
    )
    if not ok:
        return b_rows, b_stores, amount, -2
    exp = experience(b_stores, b_idx, d_service, service, c)
    good, bad = serve_book(b_rows, b_stores, exp, satisfaction, last_good, last_bad, c, acc)
    complains, rate_r = complainers(b_stores, b_idx, bad, d_complaint, resolution, c)
    resolved, loud = complain_book(
        b_rows, b_stores, b_idx, bad, complains, rate_r, d_complaint, left_store, loyalty, c, acc
    )
    spread_word(b_rows, b_stores, b_idx, good, loud, d_wom, indptr, indices, satisfaction, c, c32)
    bad_at = np.zeros(idx.size, np.bool_)
    bad_at[buys] = bad
    attrition(rows, idx, mode, natural, bad_at, d_churn, dropout, repeat, state, last_store, c, acc)
    flush(acc, flows, t, 0, len(flows))
    return b_rows, b_stores, amount, 0


@njit(cache=True)
def after_choice(
    t,
    rows,
    mode,
    natural,
    d_clock,
    d_churn,
    d_choice,
    d_ticket,
    d_service,
    d_complaint,
    d_wom,
    b_clock,
    b_churn,
    b_choice,
    b_ticket,
    b_service,
    b_complaint,
    b_wom,
    pos,
    state,
    home,
    work,
    elite,
    brand_asp,
    tier_pref,
    drift,
    price_sens,
    clock,
    next_tick,
    rate,
    spend,
    first_visit,
    acquired_store,
    referral_parent,
    last_store,
    last_visit,
    loyalty,
    last_purchase,
    revenue,
    year_spend,
    satisfaction,
    last_good,
    last_bad,
    left_store,
    indptr,
    indices,
    dropout,
    repeat,
    travel_hops,
    tier_gap,
    attract,
    brand_sign,
    price_level,
    margin,
    service,
    resolution,
    clock_end,
    c,
    c32,
    decay,
    cutoff,
    flows,
):
    """A tick's batches without policy hooks (`one_batch` each): the given batch with its draws,
    then, while customers are due again in the same tick, their batch with draws read from the
    streams' blocks drawn ahead (`b_*`, rows `pos[k]` on; `pos` moved on past what was used), in
    the order `RetailModel.step` gives (one call per tick: the calls' fixed cost is most of a
    small batch's time).

    Returns (the buyers' rows, their stores, their amounts, status, rows still due): status as
    `one_batch`'s for the batch of the rows still due, which were left untouched (also when a
    block ran short for them: status 0); buyers in batch order."""
    b_rows, b_stores, amount, status = one_batch(
        t,
        rows,
        mode,
        natural,
        d_clock,
        d_churn,
        d_choice,
        d_ticket,
        d_service,
        d_complaint,
        d_wom,
        state,
        home,
        work,
        elite,
        brand_asp,
        tier_pref,
        drift,
        price_sens,
        clock,
        next_tick,
        rate,
        spend,
        first_visit,
        acquired_store,
        referral_parent,
        last_store,
        last_visit,
        loyalty,
        last_purchase,
        revenue,
        year_spend,
        satisfaction,
        last_good,
        last_bad,
        left_store,
        indptr,
        indices,
        dropout,
        repeat,
        travel_hops,
        tier_gap,
        attract,
        brand_sign,
        price_level,
        margin,
        service,
        resolution,
        clock_end,
        c,
        c32,
        decay,
        cutoff,
        flows,
    )
    if status != 0:
        return b_rows, b_stores, amount, status, rows[:0]
    while True:
        again = due_again(t, rows, mode, natural, next_tick)
        m = again.size
        if m == 0:
            return b_rows, b_stores, amount, 0, again
        if (
            pos[0] + m > b_clock.shape[0]
            or pos[1] + m > b_churn.shape[0]
            or pos[2] + m > b_choice.shape[0]
            or pos[3] + m > b_ticket.shape[0]
            or pos[4] + m > b_service.shape[0]
            or pos[5] + m > b_complaint.shape[0]
            or pos[6] + m > b_wom.shape[0]
        ):
            return b_rows, b_stores, amount, 0, again
        more_rows, more_stores, more_amount, status = one_batch(
            t,
            again,
            1,
            natural[:0],
            b_clock[pos[0] : pos[0] + m],
            b_churn[pos[1] : pos[1] + m],
            b_choice[pos[2] : pos[2] + m],
            b_ticket[pos[3] : pos[3] + m],
            b_service[pos[4] : pos[4] + m],
            b_complaint[pos[5] : pos[5] + m],
            b_wom[pos[6] : pos[6] + m],
            state,
            home,
            work,
            elite,
            brand_asp,
            tier_pref,
            drift,
            price_sens,
            clock,
            next_tick,
            rate,
            spend,
            first_visit,
            acquired_store,
            referral_parent,
            last_store,
            last_visit,
            loyalty,
            last_purchase,
            revenue,
            year_spend,
            satisfaction,
            last_good,
            last_bad,
            left_store,
            indptr,
            indices,
            dropout,
            repeat,
            travel_hops,
            tier_gap,
            attract,
            brand_sign,
            price_level,
            margin,
            service,
            resolution,
            clock_end,
            c,
            c32,
            decay,
            cutoff,
            flows,
        )
        if status != 0:
            return b_rows, b_stores, amount, status, again
        pos += m
        b_rows = np.concatenate((b_rows, more_rows))
        b_stores = np.concatenate((b_stores, more_stores))
        amount = np.concatenate((amount, more_amount))
        rows, mode = again, 1


@njit(cache=True)
def due_again(t, rows, mode, natural, next_tick):
    """The batch's natural occasions whose next one falls in the same tick, in batch order."""
    out = np.empty(rows.size, np.int64)
    n = 0
    for j in range(rows.size):
        if (mode == 1 or (mode == 2 and natural[j])) and next_tick[rows[j]] == t:
            out[n] = rows[j]
            n += 1
    return out[:n]
