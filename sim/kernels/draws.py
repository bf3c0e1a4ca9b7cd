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


@njit(cache=True, nogil=True)
def _gumbel(u):
    out = np.empty(u.size)
    for i in range(u.size):
        out[i] = 0.0 - 1.0 * np.log(-np.log(1.0 - u[i]))
    return out


def gumbel_block(gen: np.random.Generator, size: int) -> np.ndarray:
    """`gen.gumbel(size=size)`: the same numbers and generator state, compiled (NumPy draws
    them itself under SVML)."""
    if config.USING_SVML:
        return gen.gumbel(size=size)
    u = gen.random(size)
    zeros = size - np.count_nonzero(u)
    while zeros:  # u = 0 is redrawn (odds 2**-53 per number): the next uniforms take its place
        u = np.concatenate([u[u != 0.0], gen.random(zeros)])
        zeros = size - np.count_nonzero(u)
    return _gumbel(u)


@njit(cache=True)
def _then(block, at, m, keyed):
    """Rows `at`..`at + m` of a 1-D or 2-D block, then the rows of `keyed`, in a new array."""
    return np.concatenate((block[at : at + m], keyed))


@njit(cache=True)
def joined(
    m,
    clock,
    at_clock,
    churn,
    at_churn,
    choice,
    at_choice,
    ticket,
    at_ticket,
    service,
    at_service,
    complaint,
    at_complaint,
    wom,
    at_wom,
    k_clock,
    k_churn,
    k_choice,
    k_ticket,
    k_service,
    k_complaint,
    k_wom,
):
    """A batch's draws: `m` natural occasions' rows from the streams' blocks (each from its
    row `at_*` on) followed by the scheduled visits' draws (`k_*`, `OccasionDraws.from_keyed`'s
    fields). Returns the seven arrays `OccasionDraws.concat` makes."""
    return (
        _then(clock, at_clock, m, k_clock),
        _then(churn, at_churn, m, k_churn),
        _then(choice, at_choice, m, k_choice),
        _then(ticket, at_ticket, m, k_ticket),
        _then(service, at_service, m, k_service),
        _then(complaint, at_complaint, m, k_complaint),
        _then(wom, at_wom, m, k_wom),
    )
