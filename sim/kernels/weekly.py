"""Compiled kernels of the weekly housekeeping: natural entry, member states, the satisfaction
bound, the census (active counts, prospects, churned); recruitment's kernels (the satisfied
customers among them) are in `sim.kernels.recruit`.

A week's housekeeping is a few passes over the whole population; `settle` makes them in one
call (entry, states, bound and, when nothing runs between them, the census) instead of a
dozen NumPy calls and their temporaries. Results are those of the NumPy rules bit for bit:
integer arithmetic wraps in int32 as NumPy's does on int32 arrays, and the census is integer
counts (the order of additions does not matter).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels.recruit import recruit_week

PROSPECT, ACTIVE, CHURNED = 0, 1, 4  # as sim.population (checked by tests/test_kernels.py)
_ROWS = 256  # rows per block of the active counts


@njit(cache=True)
def _states(t, tick_days, active_days, sleeping_days, state, last_purchase):
    """Members' states from recency (days in int32, wrapping as NumPy's); returns the numbers
    of prospects and of churned customers (whose states stay as they are). Selects, not
    branches: vectorised."""
    prospects = 0
    churned = 0
    per_tick = np.int64(tick_days)
    for i in range(state.size):
        s = state[i]
        days = np.int32(np.int64(np.int32(t - np.int64(last_purchase[i]))) * per_tick)
        code = np.int8(ACTIVE + (days >= active_days) + (days >= sleeping_days))
        prospect = s == PROSPECT
        gone = s == CHURNED
        prospects += prospect
        churned += gone
        state[i] = s if (prospect | gone) else code
    return prospects, churned


@njit(cache=True)
def _out_of_bound(x, lo, hi):
    """How many values of `x` lie outside [lo, hi] (a vectorised count, nothing written)."""
    n = 0
    for k in range(x.size):
        v = x[k]
        n += (v < lo) | (v > hi)
    return n


@njit(cache=True)
def _bound(satisfaction, bound):
    """`np.clip(satisfaction, -bound, bound)` in place (float32; NaN stays NaN), block by block:
    a block is written only if one of its values is out of bound (few are: the weekly bound
    mostly finds nothing to do, and reading is half the memory traffic of rewriting)."""
    flat = satisfaction.reshape(-1)
    lo, hi = -bound, bound
    for start in range(0, flat.size, 4096):
        block = flat[start : start + 4096]
        if _out_of_bound(block, lo, hi):
            for k in range(block.size):  # selects, not branches: vectorised
                v = block[k]
                block[k] = lo if v < lo else (hi if v > hi else v)


@njit(cache=True)
def _active(last_visit, state, since):
    """Per store: customers not churned whose last visit there is after `since`.

    Counted over the flat matrix in blocks of 256 rows (a contiguous, vectorised compare-and-add
    into 256 x stores int32 counters, folded per store), then the churned rows taken out.
    """
    n, S = last_visit.shape
    flat = last_visit.reshape(-1)
    width = _ROWS * S
    acc = np.zeros(width, np.int32)
    full = (n // _ROWS) * width
    for base in range(0, full, width):
        block = flat[base : base + width]
        for j in range(width):
            acc[j] += np.int32(block[j] > since)
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
def _after(sorted_ticks, tick):
    """`np.searchsorted(sorted_ticks, tick, side="right")`."""
    lo, hi = 0, sorted_ticks.size
    while lo < hi:
        mid = (lo + hi) // 2
        if sorted_ticks[mid] <= tick:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def update_states(
    t, tick_days, active_days, sleeping_days, state, last_purchase, satisfaction, bound
):
    """Members' states from recency, then the satisfaction bound (`update_states`)."""
    _states(t, tick_days, active_days, sleeping_days, state, last_purchase)
    _bound(satisfaction, bound)


@njit(cache=True)
def active_counts(last_visit, state, since):
    """Per store: customers not churned whose last visit there is after `since`."""
    return _active(last_visit, state, since)


@njit(cache=True)
def census(last_visit, state, since):
    """(active counts per store, prospects, churned): what the weekly series records."""
    prospects = 0
    churned = 0
    for i in range(state.size):
        s = state[i]
        prospects += s == PROSPECT
        churned += s == CHURNED
    return _active(last_visit, state, since), prospects, churned


@njit(cache=True)
def settle(
    t,
    since_tick,
    entry_ticks_sorted,
    entry_order,
    via,
    tick_days,
    active_days,
    sleeping_days,
    state,
    joined,
    last_purchase,
    acquired_via,
    satisfaction,
    bound,
    last_visit,
    active_since,
    count,
):
    """The week after recruitment: prospects whose entry tick fell in (since_tick, t] join
    (`natural_entry`), members' states and the satisfaction bound (`update_states`), then,
    with `count`, the census (else zero active counts)."""
    for q in range(_after(entry_ticks_sorted, since_tick), _after(entry_ticks_sorted, t)):
        r = entry_order[q]
        if state[r] == PROSPECT:  # `join(..., VIA_NATURAL)`
            state[r] = ACTIVE
            joined[r] = t
            last_purchase[r] = t
            acquired_via[r] = via
    prospects, churned = _states(t, tick_days, active_days, sleeping_days, state, last_purchase)
    _bound(satisfaction, bound)
    if count:
        return _active(last_visit, state, active_since), prospects, churned
    return np.zeros(last_visit.shape[1], np.int64), prospects, churned


@njit(cache=True, nogil=True)
def week(
    t,
    n_stores,
    last_good,
    key,
    threshold,
    pick_key,
    tries,
    indptr,
    indices,
    state,
    home,
    last_store,
    joined,
    last_purchase,
    acquired_via,
    via_wom,
    acquired_store,
    satisfaction,
    boost,
    referral_parent,
    index_rows,
    index_starts,
    since_tick,
    entry_ticks_sorted,
    entry_order,
    via_natural,
    tick_days,
    active_days,
    sleeping_days,
    bound,
    last_visit,
    active_since,
    count,
):
    """A week's rules in one call when nothing runs between them (no policy scales or hears
    of the recruitment): `recruit.recruit_week`, then `settle`. Returns what `recruit_week`
    returns, then what `settle` returns."""
    got = recruit_week(
        t,
        n_stores,
        last_good,
        key,
        threshold,
        pick_key,
        tries,
        indptr,
        indices,
        state,
        home,
        last_store,
        joined,
        last_purchase,
        acquired_via,
        via_wom,
        acquired_store,
        satisfaction,
        boost,
        referral_parent,
        index_rows,
        index_starts,
    )
    counts = settle(
        t,
        since_tick,
        entry_ticks_sorted,
        entry_order,
        via_natural,
        tick_days,
        active_days,
        sleeping_days,
        state,
        joined,
        last_purchase,
        acquired_via,
        satisfaction,
        bound,
        last_visit,
        active_since,
        count,
    )
    return got + counts
