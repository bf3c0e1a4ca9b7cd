"""The shared layout of the occasion kernels: population codes, the indices of the constant
arrays `c` (float64) and `c32` (float32: the scalars NumPy rounds to float32 before multiplying
a float32 array), the ledger flows' rows, and the loyalty decay lookup. A module of its own so
`sim.kernels.occasions` and `sim.kernels.choice` can both import it (the fused pipeline kernel
in `occasions` calls the utilities of `choice`)."""

from __future__ import annotations

import numpy as np
from numba import njit

PROSPECT, ACTIVE, CHURNED = 0, 1, 4  # as sim.population (checked by tests/test_kernels.py)
NOT_YET = np.iinfo(np.int32).max

# c (float64)
(
    C_ASP,
    C_BRAND,
    C_TRAVEL,
    C_LOYALTY,
    C_FRIENDS,
    C_OUTSIDE,
    C_LEFT,
    C_SHAPE,
    C_LOY_LEARN,
    C_NOISE,
    C_SAT_THR,
    C_DIS_THR,
    C_SAT_LEARN,
    C_BOUND,
    C_COMPLAIN,
    C_RES_STAY,
    C_UNRES_STAY,
    C_ATTRITION,
    C_POS_MIN,
    C_POS_SPAN,
    C_NEG_MIN,
    C_NEG_SPAN,
) = range(22)
# c32 (float32)
C32_YEARS, C32_TIER, C32_PRICE, C32_SAT, C32_POS_SHIFT, C32_NEG_SHIFT = range(6)
# rows of the ledger accumulator: sim.kernels.pipeline.FLOWS
(
    F_REVENUE,
    F_COGS,
    F_PURCHASES,
    F_NEW,
    F_REFERRED,
    F_DEFECTED,
    F_SATISFIED,
    F_DISSATISFIED,
    F_COMPLAINTS,
    F_RESOLVED,
    F_STAYED,
    F_RESOLVED_STAYED,
    F_CHURNED,
) = range(13)


@njit(cache=True)
def decay_of(t, last_visit, decay, cutoff):
    """(exp2(-age / half-life) from the table, status): status 0 ok, k > 0 table too short for
    age k, -1 negative age (the caller then uses NumPy)."""
    k = t - np.int64(last_visit)
    if k >= cutoff:
        return 0.0, 0
    if k < 0:
        return 0.0, -1
    if k >= decay.size:
        return 0.0, k
    return decay[k], 0
