"""Compiled kernels of the weekly housekeeping: member states, the satisfaction bound, active
counts, and the satisfied customers who recruit (with their counter-based draws).

Each is one pass over the population instead of a handful of NumPy passes (and their
temporaries); the results are those of the NumPy rules bit for bit: integer arithmetic wraps
in int32 as NumPy's does on int32 arrays, the keyed uniforms are the same SplitMix64 numbers
as `sim.rng.KeyedDraws.random`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

PROSPECT, ACTIVE, CHURNED = 0, 1, 4  # as sim.population (checked by tests/test_kernels.py)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_COLUMN = np.uint64(0xD6E8FEB86659FD93)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


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
    for k in range(flat.size):
        v = flat[k]
        if v < lo:
            flat[k] = lo
        elif v > hi:
            flat[k] = hi


@njit(cache=True)
def active_counts(last_visit, state, since):
    """Per store: customers not churned whose last visit there is after `since`."""
    n, S = last_visit.shape
    out = np.zeros(S, np.int64)
    for i in range(n):
        if state[i] == CHURNED:
            continue
        for s in range(S):
            if last_visit[i, s] > since:
                out[s] += 1
    return out


@njit(cache=True)
def satisfied(state, last_good, last_store):
    """Rows of active customers whose latest experience satisfied them, ascending."""
    out = np.empty(state.size, np.int64)
    n = 0
    for i in range(state.size):
        if state[i] == ACTIVE and last_good[i] and last_store[i] >= 0:
            out[n] = i
            n += 1
    return out[:n]


@njit(cache=True)
def _mix(z):
    z ^= z >> np.uint64(30)
    z *= _M1
    z ^= z >> np.uint64(27)
    z *= _M2
    z ^= z >> np.uint64(31)
    return z


@njit(cache=True)
def keyed_first_column(rows, key):
    """`KeyedDraws.random(rows)[:, 0]`."""
    out = np.empty(rows.size)
    for i in range(rows.size):
        z = np.uint64(rows[i]) * _GOLDEN + key + _COLUMN
        z = _mix(_mix(z)) >> np.uint64(11)
        out[i] = (np.float64(z) + 0.5) * 2.0**-53
    return out


@njit(cache=True)
def recruiters(base, store, key, threshold):
    """The base rows whose first keyed uniform falls below their store's threshold."""
    u = keyed_first_column(base, key)
    out = np.empty(base.size, np.int64)
    n = 0
    for i in range(base.size):
        if u[i] < threshold[store[i]]:
            out[n] = base[i]
            n += 1
    return out[:n]
