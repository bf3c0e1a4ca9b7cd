"""Compiled kernels of the choice step: who shops, the stores' utilities, the Gumbel-max
choice (see `sim.kernels.occasions` for the conventions, `sim.kernels.layout` for the names)."""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels.layout import (
    C32_PRICE,
    C32_SAT,
    C32_TIER,
    C32_YEARS,
    C_ASP,
    C_BRAND,
    C_FRIENDS,
    C_LEFT,
    C_LOYALTY,
    C_OUTSIDE,
    C_TRAVEL,
    CHURNED,
    PROSPECT,
    decay_of,
)
from sim.kernels.prefetch import prefetch

AHEAD = 6
"""How many rows ahead the utilities' loop asks for a customer's lines (`sim.kernels.prefetch`);
its contacts' last stores are asked for half as far ahead, once their indices have arrived."""


@njit(cache=True)
def in_category_positions(rows, state):
    """Positions in `rows` of customers in the category (neither prospect nor churned)."""
    out = np.empty(rows.size, np.int64)
    n = 0
    for j in range(rows.size):
        s = state[rows[j]]
        if s != PROSPECT and s != CHURNED:
            out[n] = j
            n += 1
    return out[:n]


@njit(cache=True)
def utilities(
    t,
    rows,
    state,
    only_shoppers,
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
):
    """`store_utilities` before the policies' terms for `rows` (only those in the category if
    `only_shoppers`): (their positions in `rows`, V (shoppers x stores + 1), status), status 0
    ok, k > 0 the decay table must reach age k, -1 fall back to NumPy."""
    if only_shoppers:
        idx = in_category_positions(rows, state)
        rows = rows[idx]
    else:
        idx = np.arange(rows.size)
    S = attract.size
    V = np.empty((rows.size, S + 1))
    count = np.zeros(S, np.int64)
    need = 0
    for i in range(rows.size):
        if i + AHEAD < rows.size:  # what this loop reads of a shopper AHEAD rows on
            q = rows[i + AHEAD]
            prefetch(state, q)
            prefetch(home, q)
            prefetch(elite, q)
            prefetch(work, q)
            prefetch(brand_asp, q)
            prefetch(tier_pref, q)
            prefetch(drift, q)
            prefetch(price_sens, q)
            prefetch(indptr, q)
            prefetch(last_visit, q * S)
            prefetch(loyalty, q * S)
            prefetch(satisfaction, q * S)
            prefetch(left_store, q * S)
        if i + AHEAD // 2 < rows.size:
            q = rows[i + AHEAD // 2]
            for k in range(indptr[q], indptr[q + 1]):
                prefetch(last_store, indices[k])
        r = rows[i]
        e = 1.0 if elite[r] else 0.0
        asp = min(np.float64(brand_asp[r]) + c[C_ASP] * e, 1.0)
        taste = tier_pref[r] + drift[r] * c32[C32_YEARS]  # float32, as NumPy
        bt = c32[C32_TIER] * taste
        bp = c32[C32_PRICE] * price_sens[r]
        lo, hi = indptr[r], indptr[r + 1]
        count[:] = 0
        for k in range(lo, hi):
            ls = last_store[indices[k]]
            if ls >= 0:
                count[ls] += 1
        deg = max(hi - lo, 1)
        eh = 1 if elite[r] else 0
        for s in range(S):
            d, status = decay_of(t, last_visit[r, s], decay, cutoff)
            if status < 0:
                return idx, V, -1
            if status > need:
                need = status
            v = attract[s] + c[C_BRAND] * (asp - 0.5) * brand_sign[s]
            v += bt * np.float64(tier_gap[home[r], s])
            v -= c[C_TRAVEL] * travel_hops[eh, home[r], work[r], s]
            v -= bp * (price_level[s] - 1.0)
            v += c[C_LOYALTY] * (np.float64(loyalty[r, s]) * d)
            v += c32[C32_SAT] * satisfaction[r, s]
            v += c[C_FRIENDS] * (count[s] / deg)
            v -= c[C_LEFT] * (1.0 if left_store[r, s] else 0.0)
            V[i, s] = v
        V[i, S] = c[C_OUTSIDE]
    return idx, V, need
