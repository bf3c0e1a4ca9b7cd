"""Compiled kernels of the weekly housekeeping: member states, the satisfaction bound, active
counts and the satisfied customers (recruitment's own kernels: `sim.kernels.recruit`).

Each is one pass over the population instead of a handful of NumPy passes (and their
temporaries); the results are those of the NumPy rules bit for bit: integer arithmetic wraps
in int32 as NumPy's does on int32 arrays,.
"""

from __future__ import annotations

import numpy as np
from numba import njit

PROSPECT, ACTIVE, CHURNED = 0, 1, 4  # as sim.population (checked by tests/test_kernels.py)


@njit(cache=True)
def update_states(
    t, tick_days, active_days, sleeping_days, state, last_purchase, satisfaction, bound
):
    """Members' states from recency (days in int32, wrapping as NumPy's), then the
    satisfaction bound (`np.clip` in float32)."""
    for i in range(state.size):
        s = state[i]
        if s == PROSPECT or s == CHURNED:
            continue
        days = np.int32(np.int32(t - np.int64(last_purchase[i])) * np.int64(tick_days))
        code = ACTIVE
        if days >= active_days:
            code += 1
        if days >= sleeping_days:
            code += 1
        state[i] = code
    flat = satisfaction.reshape(-1)
    lo, hi = -bound, bound
    for k in range(flat.size):  # selects, not branches: vectorised (NaN stays NaN)
        v = flat[k]
        flat[k] = lo if v < lo else (hi if v > hi else v)


@njit(cache=True)
def active_counts(last_visit, state, since):
    """Per store: customers not churned whose last visit there is after `since`.

    Counted over the flat matrix in blocks of 256 rows (a contiguous, vectorised compare-and-add
    into 256 x stores counters, folded per store), then the churned rows taken out: integer
    counts, so the order does not matter.
    """
    n, S = last_visit.shape
    flat = last_visit.reshape(-1)
    width = 256 * S
    acc = np.zeros(width, np.int32)
    full = (n // 256) * width
    for base in range(0, full, width):
        acc += flat[base : base + width] > since  # an array expression: vectorised
    out = np.zeros(S, np.int64)
    for j in range(width):
        out[j % S] += acc[j]
    for k in range(full, n * S):
        out[k % S] += flat[k] > since
    for i in range(n):
        if state[i] == CHURNED:
            for s in range(S):
                out[s] -= last_visit[i, s] > since
    return out


@njit(cache=True)
def satisfied(state, last_good, last_store):
    """Rows of active customers whose latest experience satisfied them, ascending."""
    out = np.empty(state.size + 1, np.int64)
    n = 0
    for i in range(state.size):  # branch-free: write every row, keep the ones that count
        out[n] = i
        n += (state[i] == ACTIVE) & last_good[i] & (last_store[i] >= 0)
    return out[:n]
