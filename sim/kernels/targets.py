"""Compiled kernel of the policies' most frequent target list (`sim.policies.targeting`): a
store's members in the top share by trailing 12-month spend, with the same float32 sums as
`trailing_spend` and the same cut as `top_share_mask` (the k-th largest value)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def top_spenders(year_spend, prev_year_spend, last_visit, never, store, factor, share):
    """(trailing spend of every customer, mask of the members with a positive one in its top
    `share`): ``year + prev x factor`` in float32 (`factor` the float32 share of last year)."""
    n = year_spend.shape[0]
    value = np.empty(n, np.float32)
    pool = np.empty(n, np.float32)
    m = 0
    for r in range(n):
        v = year_spend[r, store] + prev_year_spend[r, store] * factor
        value[r] = v
        if last_visit[r, store] > never and v > 0:
            pool[m] = v
            m += 1
    mask = np.zeros(n, np.bool_)
    if m == 0:
        return value, mask
    k = max(1, int(np.ceil(share * m - 1e-9)))
    cut = np.partition(pool[:m], m - k)[m - k]
    for r in range(n):
        if last_visit[r, store] > never and value[r] > 0 and value[r] >= cut:
            mask[r] = True
    return value, mask


@njit(cache=True)
def away_between(last_visit, never, store, t, td, low, high):
    """Rows of the store's members whose last purchase there was at least `low` and less than
    `high` days before tick t (``(t - last_visit) x td``), ascending."""
    n = last_visit.shape[0]
    out = np.empty(n, np.int64)
    m = 0
    for r in range(n):
        lv = last_visit[r, store]
        if lv > never:
            away = (t - np.int64(lv)) * td
            if away >= low and away < high:
                out[m] = r
                m += 1
    return out[:m]
