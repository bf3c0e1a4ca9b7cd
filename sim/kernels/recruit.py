"""Compiled kernels of word-of-mouth recruitment: counter-based uniforms (`KeyedDraws.random`)
and the search for a prospect (`sim.agents.weekly._find_prospects`), bit-identical to the
NumPy versions (the same SplitMix64 integers; the same prospect for the same numbers)."""

from __future__ import annotations

import numpy as np
from numba import njit

PROSPECT, ACTIVE = 0, 1  # as sim.population (checked by tests/test_kernels.py)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_COLUMN = np.uint64(0xD6E8FEB86659FD93)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True)
def _mix(z):
    z ^= z >> np.uint64(30)
    z *= _M1
    z ^= z >> np.uint64(27)
    z *= _M2
    z ^= z >> np.uint64(31)
    return z


@njit(cache=True)
def keyed_uniform(row, key, column):
    """`KeyedDraws.random`'s number for one row and column (0-based), in (0, 1)."""
    z = np.uint64(row) * _GOLDEN + key + np.uint64(column + 1) * _COLUMN
    z = _mix(_mix(z)) >> np.uint64(11)
    return (np.float64(z) + 0.5) * 2.0**-53


@njit(cache=True)
def keyed_uniforms(rows, key, k):
    """`KeyedDraws.random(rows, k)`: shape (len(rows), k)."""
    out = np.empty((rows.size, k))
    for i in range(rows.size):
        for c in range(k):
            out[i, c] = keyed_uniform(rows[i], key, c)
    return out


@njit(cache=True)
def _satisfied_scan(state, last_good, last_store, per_store):
    """Rows of active customers whose latest experience satisfied them, ascending, counted
    into `per_store` by the store they last bought at (unless it is empty). A vectorised mask
    first, padded to whole 8-byte words; then only the words with a kept row are looked into
    (few rows are kept)."""
    n = state.size
    words = (n + 7) // 8
    keep = np.zeros(words * 8, np.uint8)
    for i in range(n):
        keep[i] = (
            np.uint8(state[i] == ACTIVE) & np.uint8(last_good[i]) & np.uint8(last_store[i] >= 0)
        )
    packed = keep.view(np.uint64)
    rows = np.empty(n, np.int64)
    counting = per_store.size > 0
    m = 0
    for q in range(words):
        if packed[q] != 0:
            for i in range(q * 8, q * 8 + 8):
                if keep[i]:
                    rows[m] = i
                    if counting:
                        per_store[last_store[i]] += 1
                    m += 1
    return rows[:m].copy()


@njit(cache=True)
def satisfied(state, last_good, last_store):
    """Rows of active customers whose latest experience satisfied them, ascending."""
    return _satisfied_scan(state, last_good, last_store, np.zeros(0, np.int64))


@njit(cache=True)
def satisfied_by_store(state, last_good, last_store, n_stores):
    """Rows of active customers whose latest experience satisfied them (ascending:
    `satisfied`), and how many of them last bought at each store
    (`np.bincount` of their stores)."""
    per_store = np.zeros(n_stores, np.int64)
    return _satisfied_scan(state, last_good, last_store, per_store), per_store


@njit(cache=True)
def _contacts(recruiters, u, tries, indptr, indices, state):
    """Each recruiter's first of `tries` contacts picked by `u` who is a prospect (-1: none),
    and how many found none."""
    n = recruiters.size
    found = np.full(n, -1, np.int64)
    missing = 0
    for i in range(n):
        r = recruiters[i]
        start = indptr[r]
        deg = indptr[r + 1] - start
        if deg > 0:
            for k in range(tries):
                c = indices[start + np.int64(u[i, k] * np.float64(deg))]
                if state[c] == PROSPECT:
                    found[i] = c
                    break
        missing += found[i] < 0
    return found, missing


@njit(cache=True)
def prospect_index(state, home):
    """The prospects grouped by home place, in row order within a place (the NumPy rule's
    stable sort by home): (rows, starts), place p's prospects at rows[starts[p]:starts[p+1]]."""
    listed = np.empty(state.size + 1, np.int64)  # the prospects in row order (branch-free)
    m = 0
    for j in range(state.size):
        listed[m] = j
        m += state[j] == PROSPECT
    places = home.max() + 1 if home.size else 1
    starts = np.zeros(places + 1, np.int64)
    for q in range(m):
        starts[home[listed[q]] + 1] += 1
    for p in range(places):
        starts[p + 1] += starts[p]
    rows = np.empty(m, np.int64)
    fill = starts[:places].copy()
    for q in range(m):
        h = home[listed[q]]
        rows[fill[h]] = listed[q]
        fill[h] += 1
    return rows, starts


@njit(cache=True)
def refresh_index(rows, starts, state):
    """Keep only the rows still prospects, in place and in order (`prospect_index` of today's
    state if no row became a prospect since it was made); returns how many are kept."""
    kept = 0
    for p in range(starts.size - 1):
        lo, hi = starts[p], starts[p + 1]
        starts[p] = kept
        for q in range(lo, hi):
            r = rows[q]
            rows[kept] = r
            kept += state[r] == PROSPECT
    starts[starts.size - 1] = kept
    return kept


@njit(cache=True)
def _from_home(found, recruiters, u, tries, home, rows, starts):
    """For the recruiters without a prospect among their contacts: the prospect picked by
    `u[:, tries]` among those of their home place (`prospect_index`)."""
    for i in range(recruiters.size):
        if found[i] >= 0:
            continue
        want = home[recruiters[i]]
        size = starts[want + 1] - starts[want]
        if size > 0:
            found[i] = rows[starts[want] + np.int64(u[i, tries] * np.float64(size))]


@njit(cache=True)
def find_prospects(recruiters, u, tries, indptr, indices, state, home):
    """A prospect for each recruiter (-1: none): the first of `tries` contacts picked by `u`
    who is a prospect, else the prospect picked by `u[:, tries]` among those of the same home
    place in row order (the NumPy rule's stable sort by home)."""
    found, missing = _contacts(recruiters, u, tries, indptr, indices, state)
    if missing:
        rows, starts = prospect_index(state, home)
        _from_home(found, recruiters, u, tries, home, rows, starts)
    return found


@njit(cache=True)
def recruit_and_join(
    t,
    base,
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
    via,
    acquired_store,
    satisfaction,
    boost,
    referral_parent,
    index_rows,
    index_starts,
):
    """`recruit` from the satisfied base to `join`: who recruits (the base rows whose first
    keyed uniform falls below their store's threshold), whom (a prospect each, the first
    recruiter of a prospect keeps it, prospects in ascending order as `np.unique`), and the
    recruits joining the category. Returns (recruiters, recruits, their stores, the recruits'
    second keyed uniforms: their waits before visiting, then the prospect index).

    The prospects by home place are those of `index_rows`/`index_starts` (a `prospect_index`
    made earlier: rows only ever leave the prospects) once refreshed, if that keeps every
    prospect of today; else (or if empty) a new index, returned for the next week."""
    hit = np.empty(base.size, np.int64)
    n = 0
    for i in range(base.size):
        if keyed_uniform(base[i], key, 0) < threshold[last_store[base[i]]]:
            hit[n] = base[i]
            n += 1
    hit = hit[:n]
    empty = np.zeros(0, np.int64)
    if hit.size == 0:
        return empty, empty, empty, np.zeros(0), index_rows, index_starts
    u = keyed_uniforms(hit, pick_key, tries + 1)
    found, missing = _contacts(hit, u, tries, indptr, indices, state)
    if missing:
        prospects = 0
        for j in range(state.size):
            prospects += state[j] == PROSPECT
        if index_starts.size == 0 or refresh_index(index_rows, index_starts, state) != prospects:
            index_rows, index_starts = prospect_index(state, home)
        _from_home(found, hit, u, tries, home, index_rows, index_starts)
    ok = np.flatnonzero(found >= 0)
    cand, who = found[ok], hit[ok]
    order = np.argsort(cand, kind="mergesort")  # stable: the first recruiter of each prospect
    keep = np.zeros(order.size, np.bool_)
    for j in range(order.size):
        keep[j] = j == 0 or cand[order[j]] != cand[order[j - 1]]
    first = order[keep]
    recruits, parents = cand[first], who[first]
    stores = np.empty(recruits.size, np.int64)
    wait = np.empty(recruits.size)
    for i in range(recruits.size):
        r, s = recruits[i], last_store[parents[i]]
        stores[i] = s
        state[r] = ACTIVE
        joined[r] = t
        last_purchase[r] = t
        acquired_via[r] = via
        acquired_store[r] = s
        v = satisfaction[r, s]
        satisfaction[r, s] = v if (v >= boost or np.isnan(v)) else boost  # np.maximum
        referral_parent[r] = parents[i]
        wait[i] = keyed_uniform(r, key, 1)
    return parents, recruits, stores, wait, index_rows, index_starts


@njit(cache=True)
def recruit_week(
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
    via,
    acquired_store,
    satisfaction,
    boost,
    referral_parent,
    index_rows,
    index_starts,
):
    """A week's recruitment when no policy scales it: the satisfied base and its count per
    store (`satisfied_by_store`), then `recruit_and_join`. Returns (the base's count per
    store, then what `recruit_and_join` returns)."""
    base, per_store = satisfied_by_store(state, last_good, last_store, n_stores)
    out = recruit_and_join(
        t,
        base,
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
        via,
        acquired_store,
        satisfaction,
        boost,
        referral_parent,
        index_rows,
        index_starts,
    )
    return (per_store,) + out


@njit(cache=True)
def visit_ticks(t, log_u, tick_days):
    """The recruits' first visits: `t + max(ceil(21 days * wait / tick_days), 1)` for the
    exponential waits `-log_u` (`recruit`'s NumPy arithmetic, element by element)."""
    out = np.empty(log_u.size, np.int64)
    for i in range(log_u.size):
        visit_in = np.int64(np.ceil(21.0 * -log_u[i] / tick_days))
        out[i] = t + max(visit_in, 1)
    return out
