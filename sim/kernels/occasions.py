"""Compiled kernels of the occasion pipeline (`sim.agents.customer.process_occasions`).

Each phase (`sim.kernels.phases`) is the NumPy rule of the same name written as a loop over
the batch, with the same float operations in the same dtypes (float32 where NumPy computes in
float32: a Python scalar times a float32 array) and the same order of additions (ledger flows:
a batch sum per store added to the tick's row, as `np.bincount` then `+=`; `np.add.at`: one
addition per element, in order). Phases run one after the other over the whole batch, as the
NumPy rules do, so what one phase writes is seen by the next exactly as before. The loyalty
decay ``exp2(-age / half-life)`` is read from a table computed by NumPy
(`sim.kernels.pipeline`): NumPy's SIMD exp2 and the C library's differ in the last bit for ~2%
of arguments.

Constants come in two arrays: `c` (float64) and `c32` (float32: the scalars NumPy rounds to
float32 before multiplying a float32 array); indices are the `C_*` and `F_*` names of
`sim.kernels.layout`.

The kernels here call into `phases`, `choice` and `layout` (and `sim.kernels.tick` into these):
Numba's own cache check sees only the caller's file, so the cache lives in a directory named by
a hash of every kernel module's source (`sim.kernels._cache_dir`), and an edit of any of them
compiles everything afresh.
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
from sim.kernels.phases import (  # noqa: F401  (re-exported: hooked.py uses them)
    advance,
    amounts,
    attrition,
    buy_book,
    choose,
    complain_book,
    complainers,
    experience,
    flush,
    serve_book,
    spread_word,
)


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
    return chosen_batch(
        t,
        rows,
        idx,
        V,
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


@njit(cache=True)
def chosen_batch(
    t,
    rows,
    idx,
    V,
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
    """`one_batch` from the shoppers' utilities `V` on (positions `idx` in `rows`): the
    choice, the clocks, purchase, service, complaints, word of mouth, attrition. The hooked
    pipeline (`sim.kernels.hooked`) calls it when its policies' hooks allow (utility terms
    already added to `V`)."""
    no_rows, no_amounts = np.empty(0, np.int64), np.empty(0)
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
def due_again(t, rows, mode, natural, next_tick):
    """The batch's natural occasions whose next one falls in the same tick, in batch order."""
    out = np.empty(rows.size, np.int64)
    n = 0
    for j in range(rows.size):
        if (mode == 1 or (mode == 2 and natural[j])) and next_tick[rows[j]] == t:
            out[n] = rows[j]
            n += 1
    return out[:n]
