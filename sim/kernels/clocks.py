"""Compiled look-ups of the customers' occasion clocks for `RetailModel.step`."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def due(next_tick, t):
    """`(next_tick == t).nonzero()[0]`: the rows whose next natural occasion falls in tick `t`,
    ascending, in one branch-free pass (NumPy makes a mask, then scans it again)."""
    out = np.empty(next_tick.size, np.int64)
    n = 0
    for i in range(next_tick.size):
        out[n] = i
        n += next_tick[i] == t
    return out[:n].copy()


@njit(cache=True)
def scheduled(rows, next_tick, t):
    """The tick's scheduled extra visits: `np.unique(rows)` without the rows whose natural
    occasion falls in tick `t` (`next_tick[row] == t`), ascending."""
    ordered = np.sort(rows)
    out = np.empty(ordered.size, np.int64)
    n = 0
    for i in range(ordered.size):
        r = ordered[i]
        if (i == 0 or r != ordered[i - 1]) and next_tick[r] != t:
            out[n] = r
            n += 1
    return out[:n]
