"""Compiled kernel of `reactivation`'s published utility term: who is on an offer at tick t,
the term (the offer's utility for them, 0.0 for everyone else, as ``np.where``) and the last
tick it stays the same (the first offer to end), in one pass over the offers."""

from __future__ import annotations

import numpy as np
from numba import njit

_NO_END = np.iinfo(np.int64).max


@njit(cache=True)
def offer_term(offer_until, t, utility):
    """(the last tick of offers on at t: the smallest end among them, or int64 max when none
    is on; the term: `utility` for rows whose offer runs at least to t, 0.0 otherwise)."""
    n = offer_until.size
    term = np.zeros(n)
    last = _NO_END
    for r in range(n):
        until = offer_until[r]
        if until >= t:
            term[r] = utility
            if until < last:
                last = until
    return last, term
