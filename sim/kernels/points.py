"""Compiled kernel of `referral_points`' credit chain: points to each holder, decayed shares to
their referrers above, level by level, as the NumPy code adds them (``np.add.at``: one addition
per element, in order; the next level's points ``points x decay`` in float64)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def credit_chain(balance, parent_of, holders, points, depth, decay, threshold, may_redeem):
    """Credit `points` (float64) to `holders` (int64), then their referrers, up to `depth`
    levels; at each level only holders >= 0 with points > 0 are credited. Returns (whether a
    credited balance reached `threshold`, or `may_redeem` already; each level's credited
    points, one after the other; where each level's points end)."""
    credited = np.empty(holders.size * depth)
    ends = np.empty(depth, np.int64)
    n_levels = 0
    m_all = 0
    h = holders.copy()
    p = points.copy()
    for _ in range(depth):
        m = 0
        for i in range(h.size):
            if h[i] >= 0 and p[i] > 0:
                h[m] = h[i]
                p[m] = p[i]
                m += 1
        if m == 0:
            break
        h, p = h[:m], p[:m]
        for i in range(m):
            balance[h[i]] += p[i]
        if not may_redeem:
            for i in range(m):
                if balance[h[i]] >= threshold:
                    may_redeem = True
                    break
        credited[m_all : m_all + m] = p
        m_all += m
        ends[n_levels] = m_all
        n_levels += 1
        nh = np.empty(m, np.int64)
        for i in range(m):
            nh[i] = parent_of[h[i]]
        h = nh
        p = p * decay
    return may_redeem, credited[:m_all], ends[:n_levels]


@njit(cache=True)
def credit_purchases(
    balance,
    parent_of,
    acquired_store,
    store,
    rows,
    amounts,
    points_per_yuan,
    depth,
    decay,
    threshold,
    may_redeem,
):
    """`ReferralPoints.on_purchases`: the purchases of customers referred to `store` credit
    their referrers ``amount x points_per_yuan`` points, and up the chain (`credit_chain`)."""
    m = 0
    for i in range(rows.size):
        if parent_of[rows[i]] >= 0 and acquired_store[rows[i]] == store:
            m += 1
    holders = np.empty(m, np.int64)
    points = np.empty(m)
    j = 0
    for i in range(rows.size):
        r = rows[i]
        if parent_of[r] >= 0 and acquired_store[r] == store:
            holders[j] = parent_of[r]
            points[j] = amounts[i] * points_per_yuan
            j += 1
    return credit_chain(balance, parent_of, holders, points, depth, decay, threshold, may_redeem)
