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


@njit(cache=True)
def _rows_of(block, at, m, out, start):
    """Rows `at`..`at + m` of a 1-D or 2-D block copied to `out[start:start + m]`."""
    out[start : start + m] = block[at : at + m]


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
    u,
    v_ticket,
    v_service,
    v_choice,
):
    """A batch's draws, `m` natural occasions' rows from the streams' blocks (each from its
    row `at_*` on) followed by the scheduled visits' keyed draws: `u` (their keyed uniforms,
    as `OccasionDraws.keyed` splits them) and the columns NumPy transformed (`v_ticket`,
    `v_service`, `v_choice`). Returns the seven arrays `OccasionDraws.concat` makes."""
    k = u.shape[0]
    n_choice, n_wom = choice.shape[1], wom.shape[1]
    n = m + k
    o_clock = np.empty(n)
    o_churn = np.empty(n)
    o_choice = np.empty((n, n_choice))
    o_ticket = np.empty(n)
    o_service = np.empty(n)
    o_complaint = np.empty((n, 3))
    o_wom = np.empty((n, n_wom))
    _rows_of(clock, at_clock, m, o_clock, 0)
    _rows_of(churn, at_churn, m, o_churn, 0)
    _rows_of(choice, at_choice, m, o_choice, 0)
    _rows_of(ticket, at_ticket, m, o_ticket, 0)
    _rows_of(service, at_service, m, o_service, 0)
    _rows_of(complaint, at_complaint, m, o_complaint, 0)
    _rows_of(wom, at_wom, m, o_wom, 0)
    for i in range(k):
        j = m + i
        o_clock[j] = 0.0
        o_churn[j] = u[i, 0]
        o_ticket[j] = v_ticket[i]
        o_service[j] = v_service[i]
        for q in range(3):
            o_complaint[j, q] = u[i, 3 + q]
        for q in range(n_choice):
            o_choice[j, q] = v_choice[i, q]
        for q in range(n_wom):
            o_wom[j, q] = u[i, 6 + n_choice + q]
    return o_clock, o_churn, o_choice, o_ticket, o_service, o_complaint, o_wom
