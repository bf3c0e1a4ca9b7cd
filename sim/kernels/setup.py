"""Compiled kernels of the set-up: the social network's ties and the burn-in's tick stamps.

At a million customers the set-up's NumPy passes are memory-bound: each step of the network
build makes one or two temporaries of every tie (12 M of them), and moving the stamps to the
run's ticks gathers and scatters the (customers x stores) matrices. The kernels do the same
arithmetic in one pass each, in place; the results are the NumPy ones bit for bit (the random
numbers are still drawn by NumPy, in the same blocks), tests/test_setup_kernels.py. `ties`
releases the GIL: the network is built on the worker thread (`sim.background`) beside the
attributes' draws (`sim.population`).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def ties(
    r0,
    r1,
    indptr,
    u,
    pick,
    g_start,
    g_size,
    p_start,
    p_size,
    pools,
    same_group,
    same_either,
    out,
):
    """Contacts of rows `r0`..`r1`-1 into `out` (their slice of the tie list): each tie's pool
    (own group below `same_group`, own place below `same_either`, else anyone) from `u`, a
    uniform member of it from `pick`; a customer drawn as their own contact takes the next row.
    """
    n = np.int64(g_start.size)
    j = 0
    for r in range(r0, r1):
        for _ in range(indptr[r + 1] - indptr[r]):
            w = u[j]
            if w < same_group:
                contact = pools[g_start[r] + np.int64(np.int32(pick[j] * np.float64(g_size[r])))]
            elif w < same_either:
                k = n + p_start[r] + np.int64(np.int32(pick[j] * np.float64(p_size[r])))
                contact = pools[k]
            else:  # the last pool is every row in row order: pools[2n + k] is k
                contact = np.int64(np.int32(pick[j] * np.float64(n)))
            if contact == r:
                contact = (contact + 1) % max(n, 1)
            out[j] = contact
            j += 1


@njit(cache=True)
def shift_stamps(stamps, never, ticks, week, tick_days):
    """Every stamp but `never` moved from burn-in ticks to run ticks, in place:
    (stamp - ticks) * week // tick_days (floor division, as NumPy's)."""
    flat = stamps.reshape(-1)
    for k in range(flat.size):
        v = flat[k]
        if v != never:
            flat[k] = (np.int64(v) - ticks) * week // tick_days


@njit(cache=True)
def next_ticks(clock_end, clock):
    """`np.searchsorted(clock_end, clock, side="left")` as int32 (a NaN sorts last, as in
    NumPy), without the int64 temporary: the first tick whose clock end reaches each clock."""
    out = np.empty(clock.size, np.int32)
    n = clock_end.size
    for k in range(clock.size):
        v = clock[k]
        if np.isnan(v):
            out[k] = n
            continue
        lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) >> 1
            if clock_end[mid] < v:
                lo = mid + 1
            else:
                hi = mid
        out[k] = lo
    return out


@njit(cache=True)
def counting_order(keys, max_key):
    """`np.argsort(keys, kind="stable")` as int32 and `keys` in that order, by counting: keys
    are integers in 0..`max_key` (the caller checks), so a stable counting sort gives the
    very order of NumPy's stable sort in two passes, without comparisons."""
    counts = np.zeros(max_key + 2, np.int64)
    for k in range(keys.size):
        counts[keys[k] + 1] += 1
    for v in range(1, max_key + 2):
        counts[v] += counts[v - 1]
    order = np.empty(keys.size, np.int32)
    ordered = np.empty(keys.size, np.int64)
    for k in range(keys.size):
        at = counts[keys[k]]
        counts[keys[k]] = at + 1
        order[at] = k
        ordered[at] = keys[k]
    return order, ordered


@njit(cache=True)
def first_stores(V, gumbel, out):
    """`np.argmax(V[:, :S] + gumbel, axis=1)` into `out`, row by row: the first maximum (a NaN
    wins, as in NumPy), with no (rows x stores) temporary."""
    S = gumbel.shape[1]
    for i in range(gumbel.shape[0]):
        best, top = 0, V[i, 0] + gumbel[i, 0]
        if top == top:
            for s in range(1, S):
                x = V[i, s] + gumbel[i, s]
                if x != x:
                    best = s
                    break
                if x > top:
                    best, top = s, x
        out[i] = best


@njit(cache=True)
def first_relationships(
    rows,
    stores,
    loyalty_draw,
    satisfaction_draw,
    last,
    loyalty,
    satisfaction,
    last_visit,
    first_visit,
    last_store,
    last_purchase,
    joined,
):
    """The members' relationship with their first store, written in place as the NumPy rule's
    fancy-index assignments do (`rows` distinct): float64 draws rounded to float32, ticks and
    stores cast to int32 and int16."""
    for i in range(rows.size):
        r, best = rows[i], stores[i]
        loyalty[r, best] = np.float32(loyalty_draw[i])
        satisfaction[r, best] = np.float32(satisfaction_draw[i])
        last_visit[r, best] = np.int32(last[i])
        first_visit[r, best] = -1
        last_store[r] = np.int16(best)
        last_purchase[r] = np.int32(last[i])
        joined[r] = -1
