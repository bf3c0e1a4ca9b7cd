"""The hooked pipeline's fused batch in one compiled call: the policies' published utility
terms added to the shoppers' utilities, the complaint look-ahead, then `occasions.chosen_batch`.

`sim.kernels.hooked` calls it for a batch whose hooks are movable and whose utility terms are
published as per-customer arrays (`StorePolicy.utility_term`): the additions are the ones the
utility hooks' ``V[:, s] += extra`` makes (one float64 addition per element, hooks in order),
and the look-ahead reads what `hooked._complaint_at` reads, so nothing but the number of Python
calls per batch changes.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels.choice import utilities
from sim.kernels.layout import C_COMPLAIN, C_DIS_THR, C_NOISE
from sim.kernels.occasions import chosen_batch, due_again
from sim.kernels.phases import choose


@njit(cache=True)
def add_terms(rows, idx, V, term_store, terms):
    """V[i, term_store[k]] += terms[k, rows[idx[i]]] for each term k in order."""
    for k in range(term_store.size):
        s = term_store[k]
        for i in range(idx.size):
            V[i, s] += terms[k, rows[idx[i]]]


@njit(cache=True)
def complaint_ahead(idx, V, d_choice, d_service, d_complaint, service, complaint_at, c):
    """`hooked._complaint_at`: whether a shopper will complain at a store whose complaints
    call a hook (`complaint_at`, stores then the outside option), read from the draws."""
    for j in range(idx.size):
        if not d_complaint[idx[j], 0] < c[C_COMPLAIN]:
            continue
        s = choose(idx[j : j + 1], V[j : j + 1], d_choice)[0]
        if s < 0 or not complaint_at[s]:
            continue
        if service[s] + c[C_NOISE] * d_service[idx[j]] <= c[C_DIS_THR]:
            return True
    return False


@njit(cache=True)
def termed_batch(
    t,
    rows,
    idx,
    V,
    term_store,
    terms,
    check_complaints,
    complaint_at,
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
    """The terms added to `V`, then, unless a complaint will call a hook (status 1, nothing
    else done), `chosen_batch` (its results and status)."""
    add_terms(rows, idx, V, term_store, terms)
    if check_complaints and complaint_ahead(
        idx, V, d_choice, d_service, d_complaint, service, complaint_at, c
    ):
        no_rows = np.empty(0, np.int64)
        return no_rows, no_rows, np.empty(0), 1
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
def termed_tick(
    t,
    rows,
    idx,
    V,
    term_store,
    terms,
    check_complaints,
    complaint_at,
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
    """`termed_batch` for the given batch, then, as `occasions.after_choice` does, the batches
    of the customers due again in the tick with draws from the blocks drawn ahead (`b_*` from
    rows `pos`, moved on past what was used), each with its terms and look-ahead, until none is
    due, a block runs short, the decay table is too short or a complaint will call a hook: those
    rows are left untouched for the caller. Returns (buyers' rows, stores, amounts in batch
    order, the number of buyers after each batch done, status as `termed_batch`'s for the given
    batch, the rows still due)."""
    b_rows, b_stores, amount, status = termed_batch(
        t,
        rows,
        idx,
        V,
        term_store,
        terms,
        check_complaints,
        complaint_at,
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
    ends = np.full(1, b_rows.size, np.int64)
    if status != 0:
        return b_rows, b_stores, amount, ends[:0], status, rows[:0]
    while True:
        again = due_again(t, rows, mode, natural, next_tick)
        m = again.size
        if m == 0:
            return b_rows, b_stores, amount, ends, 0, again
        if (
            pos[0] + m > b_clock.shape[0]
            or pos[1] + m > b_churn.shape[0]
            or pos[2] + m > b_choice.shape[0]
            or pos[3] + m > b_ticket.shape[0]
            or pos[4] + m > b_service.shape[0]
            or pos[5] + m > b_complaint.shape[0]
            or pos[6] + m > b_wom.shape[0]
        ):
            return b_rows, b_stores, amount, ends, 0, again
        idx2, V2, need = utilities(
            t,
            again,
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
            return b_rows, b_stores, amount, ends, 0, again
        more_rows, more_stores, more_amount, status = termed_batch(
            t,
            again,
            idx2,
            V2,
            term_store,
            terms,
            check_complaints,
            complaint_at,
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
        if status == 1:  # a complaint will call a hook: the caller runs this batch
            return b_rows, b_stores, amount, ends, 0, again
        if status != 0:
            return b_rows, b_stores, amount, ends, status, again
        pos += m
        b_rows = np.concatenate((b_rows, more_rows))
        b_stores = np.concatenate((b_stores, more_stores))
        amount = np.concatenate((amount, more_amount))
        ends = np.append(ends, b_rows.size)
        rows, mode = again, 1
