"""The compiled whole tick without policy hooks: the tick's first batch and then, while
customers are due again in the same tick, their batches, all in one call (conventions and the
phases: `sim.kernels.occasions`)."""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels.occasions import due_again, one_batch


@njit(cache=True, nogil=True)
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
    """A tick's batches without policy hooks (`occasions.one_batch` each): the given batch with
    its draws, then, while customers are due again in the same tick, their batch with draws read
    from the streams' blocks drawn ahead (`b_*`, rows `pos[k]` on; `pos` moved on past what was
    used), in
    the order `RetailModel.step` gives (one call per tick: the calls' fixed cost is most of a
    small batch's time).

    Returns (the buyers' rows, their stores, their amounts, status, rows still due): status as
    `occasions.one_batch`'s for the batch of the rows still due, which were left untouched (also
    when a block ran short for them: status 0); buyers in batch order."""
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
