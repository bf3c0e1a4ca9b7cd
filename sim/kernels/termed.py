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

from sim.kernels.layout import C_COMPLAIN, C_DIS_THR, C_NOISE
from sim.kernels.occasions import chosen_batch
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
