"""Word of mouth from the member twin: the referrals a policy adds to the fitted acquisition.

SEEDS 001: 100 satisfied customers bring 25 new ones a year (``recruit``, the residents' rule,
``wom_new_per_satisfied_year``), times the store's referral multipliers. At baseline the
members' referrals are already in the twin's fitted acquisition rate (new members arrive as the
log showed them arriving), so only what a policy changes is simulated: each tick,

    extra = rate x tick x (multiplier x satisfied members - satisfied members at baseline),

where a member counts as satisfied when it is active and its last visit satisfied it, with the
policies' service (``good``) or without it (``good0``: the same visit's experience less what the
policies added). A positive extra brings Poisson(extra) new members, each recommended by a
satisfied member (``on_recruits`` hooks, ``referral_parent``, ``wom_recruits``) and arriving
for its first purchase within a few weeks (21 days on average, as residents' recruits), with
prior traits; fewer referrals than at baseline are not taken off the fitted acquisition (a
stated limit). Their rows are a pool reserved at set-up (``spare``); a run that uses it up says
so once.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
from scipy.stats import poisson

from sim.population import ACTIVE, VIA_WOM
from sim.rng import KeyedDraws

if TYPE_CHECKING:  # pragma: no cover
    from sim.members import MemberBlock

__all__ = ["refer", "spare_rows"]

RECRUIT_WAIT_DAYS = 21.0
"""Mean days from a recommendation to the recruit's first purchase (as `recruit`)."""


SPARE_SHARE = 0.5
"""Rows reserved for referred members, as a share of what every member referring at the
baseline rate once more would bring: with about a third of visits satisfying, room for a
referral multiplier of about 2.5 even if every member stayed active (fewer are)."""


def spare_rows(rate_per_year: float, years: float, members: int) -> int:
    """Rows reserved for referred members (``SPARE_SHARE``), and 100."""
    return int(np.ceil(SPARE_SHARE * rate_per_year * years * members)) + 100


def refer(block: MemberBlock, t: int, hi: float) -> None:
    """Tick t's referred members (module doc); ``hi`` is the tick's end in run weeks."""
    model, s = block.model, block.focal
    b, pop = model.behaviour, model.pop
    multiplier = 1.0
    for store, recruit_multiplier in model.hooks("recruit_multiplier"):
        if store == s:
            multiplier *= recruit_multiplier()
    active = pop.state[block.rows] == ACTIVE
    good = np.flatnonzero(active & block.good)
    extra = b.wom_new_per_satisfied_year * model.calendar.dt_years
    extra *= multiplier * good.size - np.count_nonzero(active & block.good0)
    if extra <= 0 or good.size == 0:
        return
    draws = KeyedDraws(model.seed, "member_referral", t)
    n = int(poisson.ppf(draws.random(np.zeros(1, dtype=np.int64))[0, 0], extra))
    room = block.spare_stop - block.spare_next
    if n > room:
        if not block.spare_warned:
            warnings.warn(
                f"market.members: the {block.spare_stop - block.spare_start:,} rows kept for "
                "referred members are used up; further referrals are not simulated",
                stacklevel=2,
            )
            block.spare_warned = True
        n = room
    if n <= 0:
        return
    idx = np.arange(block.spare_next, block.spare_next + n)
    block.spare_next += n
    u = draws.random(idx + 1, 2)
    parents = block.rows[good[(u[:, 0] * good.size).astype(np.int64)]]
    arrive = hi + RECRUIT_WAIT_DAYS / 7.0 * -np.log(u[:, 1])
    block.arrive[idx] = block.now[idx] = arrive
    block.death[idx] = arrive + block.life[idx]
    rows = block.rows[idx]
    pop.referral_parent[rows] = parents
    pop.acquired_store[rows] = s
    pop.acquired_via[rows] = VIA_WOM
    stores = np.full(n, s, dtype=np.int64)
    model.ledger.add("wom_recruits", t, stores)
    for store, on_recruits in model.hooks("on_recruits"):
        if store == s:
            on_recruits(t, parents, rows)
