"""Compiled kernels of the set-up: the social network's ties and the burn-in's tick stamps.

At a million customers the set-up's NumPy passes are memory-bound: each step of the network
build makes one or two temporaries of every tie (12 M of them), and moving the stamps to the
run's ticks gathers and scatters the (customers x stores) matrices. The kernels do the same
arithmetic in one pass each, in place; the results are the NumPy ones bit for bit (the random
numbers are still drawn by NumPy, in the same blocks), tests/test_setup_kernels.py.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
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
