"""A compiled filler for the blocks of Gumbel draws (`sim.rng.DrawsAhead`).

NumPy's ``Generator.gumbel`` takes one uniform u = next_double per number (redrawing u = 0)
and returns ``0.0 - 1.0 * log(-log(1.0 - u))`` with the C library's `log`, one number at a time
through a function pointer. The same uniforms drawn in bulk (``Generator.random``: the same
next_double) and the same formula compiled (Numba calls the same C `log`) give the same numbers
and leave the generator in the same state, in about two thirds of the time. With Numba's SVML
(vectorized math with its own `log`) the bits could differ: NumPy then draws them itself.
"""

from __future__ import annotations

import numpy as np
from numba import config, njit


@njit(cache=True)
def _gumbel(u):
    out = np.empty(u.size)
    for i in range(u.size):
        out[i] = 0.0 - 1.0 * np.log(-np.log(1.0 - u[i]))
    return out


def gumbel_block(gen: np.random.Generator, size: int) -> np.ndarray | None:
    """`gen.gumbel(size=size)`, the same numbers and generator state; None: use NumPy."""
    if config.USING_SVML:
        return None
    u = gen.random(size)
    zeros = size - np.count_nonzero(u)
    while zeros:  # u = 0 is redrawn (odds 2**-53 per number): the next uniforms take its place
        u = np.concatenate([u[u != 0.0], gen.random(zeros)])
        zeros = size - np.count_nonzero(u)
    return _gumbel(u)
