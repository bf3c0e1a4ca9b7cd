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
def satisfied(state, last_good, last_store):
    """Rows of active customers whose latest experience satisfied them, ascending."""
    n = state.size
    keep = np.empty(n, np.uint8)
    for i in range(n):  # a vectorised mask, then the rows without a branch per row
        keep[i] = (
            np.uint8(state[i] == ACTIVE) & np.uint8(last_good[i]) & np.uint8(last_store[i] >= 0)
        )
    m = 0
    for i in range(n):
        m += keep[i]
    rows = np.empty(m, np.int64)
    j = 0
    for i in range(n):
        if j == m:
            break
        rows[j] = i  # overwritten until a kept row moves j on
        j += keep[i]
    return rows


@njit(cache=True)
def satisfied_by_store(state, last_good, last_store, n_stores):
    """Rows of active customers whose latest experience satisfied them (ascending:
    `satisfied`), and how many of them last bought at each store
    (`np.bincount` of their stores)."""
    rows = satisfied(state, last_good, last_store)
    per_store = np.zeros(n_stores, np.int64)
    for q in range(rows.size):
        per_store[last_store[rows[q]]] += 1
    return rows, per_store


@njit(cache=True)
def find_prospects(recruiters, u, tries, indptr, indices, state, home):
    """A prospect for each recruiter (-1: none): the first of `tries` contacts picked by `u`
    who is a prospect, else the prospect picked by `u[:, tries]` among those of the same home
    place in row order (the NumPy rule's stable sort by home)."""
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
        if found[i] < 0:
            missing += 1
    if missing == 0:
        return found
    listed = np.empty(state.size + 1, np.int64)  # the prospects in row order (branch-free)
    m = 0
    for j in range(state.size):
        listed[m] = j
        m += state[j] == PROSPECT
    places = home.max() + 1 if home.size else 1
    first = np.zeros(places + 1, np.int64)
    for q in range(m):
        first[home[listed[q]] + 1] += 1
    for p in range(places):
        first[p + 1] += first[p]
    by_home = np.empty(m, np.int64)
    fill = first[:places].copy()
    for q in range(m):
        h = home[listed[q]]
        by_home[fill[h]] = listed[q]
        fill[h] += 1
    for i in range(n):
        if found[i] >= 0:
            continue
        want = home[recruiters[i]]
        size = first[want + 1] - first[want]
        if size > 0:
            found[i] = by_home[first[want] + np.int64(u[i, tries] * np.float64(size))]
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
):
    """`recruit` from the satisfied base to `join`: who recruits (the base rows whose first
    keyed uniform falls below their store's threshold), whom (a prospect each, the first
    recruiter of a prospect keeps it, prospects in ascending order as `np.unique`), and the
    recruits joining the category. Returns (recruiters, recruits, their stores, the recruits'
    second keyed uniforms: their waits before visiting)."""
    hit = np.empty(base.size, np.int64)
    n = 0
    for i in range(base.size):
        if keyed_uniform(base[i], key, 0) < threshold[last_store[base[i]]]:
            hit[n] = base[i]
            n += 1
    hit = hit[:n]
    empty = np.zeros(0, np.int64)
    if hit.size == 0:
        return empty, empty, empty, np.zeros(0)
    found = find_prospects(
        hit, keyed_uniforms(hit, pick_key, tries + 1), tries, indptr, indices, state, home
    )
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
    return parents, recruits, stores, wait


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
):
    """A week's recruitment when no policy scales it: the satisfied base and its count per
    store (`satisfied_by_store`), then `recruit_and_join`. Returns (the base's count per
    store, then `recruit_and_join`'s four arrays)."""
    base, per_store = satisfied_by_store(state, last_good, last_store, n_stores)
    parents, recruits, stores, wait = recruit_and_join(
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
    )
    return per_store, parents, recruits, stores, wait
