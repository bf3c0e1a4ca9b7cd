"""The weekly rules: word-of-mouth recruitment, natural entry and the members' states.

Once a week the satisfied customers recruit prospects among their contacts, prospects whose
time has come join on their own, and every member's state (active, silent, sleeping) follows
from the days since its last purchase (SEEDS 003). Compiled kernels (`sim.kernels`) stand in
for the NumPy rules when the engine is compiled, bit for bit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import kernels
from sim.population import ACTIVE, CHURNED, PROSPECT, VIA_NATURAL, VIA_WOM

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel
    from sim.rng import KeyedDraws

SATISFACTION_BOUND = 3.0
"""Satisfaction with a store stays within ±3 (a service target and the weekly state update)."""


def satisfied_customers(model: RetailModel) -> np.ndarray:
    """Rows of active customers whose latest experience satisfied them (the WOM base)."""
    pop = model.pop
    if kernels.compiled():
        from sim.kernels import weekly

        return weekly.satisfied(pop.state, pop.last_good, pop.last_store)
    return np.flatnonzero((pop.state == ACTIVE) & pop.last_good & (pop.last_store >= 0))


def recruit(model: RetailModel, t: int, period_years: float) -> None:
    """Satisfied customers bring new customers: 25 per 100 satisfied per year (SEEDS 001).

    Each satisfied customer recruits at that rate (times the multiplier of their store's
    referral policies) for the store they last bought at. The recruit is a prospect among their
    contacts if there is one, else a prospect from the same home place; the recruit joins the
    category and visits within a few weeks.
    """
    pop, b, ledger = model.pop, model.behaviour, model.ledger
    draws = model.streams.keyed("recruitment", t)
    base = satisfied_customers(model)
    if base.size == 0:
        return
    store = pop.last_store[base]
    ledger.add_by_store(
        "satisfied_customer_years", t, np.bincount(store, minlength=model.n_stores) * period_years
    )
    multiplier = np.ones(model.n_stores)
    for s, recruit_multiplier in model.hooks("recruit_multiplier"):
        multiplier[s] *= recruit_multiplier()
    if kernels.compiled() and _kernel_ready(model):  # the same numbers and steps, compiled
        from sim.kernels import recruit as kernel

        threshold = -np.expm1(-(b.wom_new_per_satisfied_year * multiplier) * period_years)
        recruiters, recruits, stores = kernel.recruit_and_join(
            t,
            base,
            store,
            draws.key,
            threshold,
            model.streams.keyed("recruit_pick", t).key,
            3,
            pop.indptr,
            pop.indices,
            pop.state,
            pop.home,
            pop.last_store,
            pop.joined,
            pop.last_purchase,
            pop.acquired_via,
            VIA_WOM,
            pop.acquired_store,
            pop.satisfaction,
            pop.satisfaction.dtype.type(b.wom_positive_shift * 5),
            pop.referral_parent,
        )
        if recruits.size == 0:
            return
    else:
        rate = b.wom_new_per_satisfied_year * multiplier[store]
        hit = draws.random(base)[:, 0] < -np.expm1(-rate * period_years)
        recruiters = base[hit]
        if recruiters.size == 0:
            return
        recruits = _find_prospects(model, recruiters, model.streams.keyed("recruit_pick", t))
        ok = recruits >= 0
        recruiters, recruits = recruiters[ok], recruits[ok]
        recruits, first = np.unique(recruits, return_index=True)
        recruiters = recruiters[first]
        if recruits.size == 0:
            return
        stores = pop.last_store[recruiters]
        join(model, t, recruits, VIA_WOM, stores=stores, parents=recruiters)
    wait_days = 21.0 * draws.exponential(recruits, 2)[:, 1]  # column 0 decided `hit`
    visit_in = np.ceil(wait_days / model.calendar.tick_days).astype(np.int64)
    model.schedule_visits(t + np.maximum(visit_in, 1), recruits)
    ledger.add("wom_recruits", t, stores)
    for s, on_recruits in model.hooks("on_recruits"):
        mine = stores == s
        if mine.any():
            on_recruits(t, recruiters[mine], recruits[mine])


def _kernel_ready(model: RetailModel) -> bool:
    from sim.kernels.pipeline import usable

    return usable(model)


def _find_prospects(
    model: RetailModel, recruiters: np.ndarray, draws: KeyedDraws, tries: int = 3
) -> np.ndarray:
    """A prospect for each recruiter: a contact if possible, else one from the same home place."""
    pop = model.pop
    if kernels.compiled():
        from sim.kernels import recruit as kernel

        u = draws.random(recruiters, tries + 1)
        return kernel.find_prospects(
            recruiters, u, tries, pop.indptr, pop.indices, pop.state, pop.home
        )
    found = np.full(recruiters.size, -1, dtype=np.int64)
    start = pop.indptr[recruiters]
    deg = pop.indptr[recruiters + 1] - start
    u = draws.random(recruiters, tries + 1)  # one column per try, the last for the fallback
    # Every try at once (nothing changes between tries): the first contact tried who is a
    # prospect.
    has = np.flatnonzero(deg > 0)
    if has.size and tries:
        c = pop.indices[start[has, None] + (u[has, :tries] * deg[has, None]).astype(np.int64)]
        ok = pop.state[c] == PROSPECT
        hit = ok.any(axis=1)
        found[has[hit]] = c[hit, ok[hit].argmax(axis=1)]
    missing = np.flatnonzero(found < 0)
    if missing.size:
        prospects = np.flatnonzero(pop.state == PROSPECT)
        if prospects.size:
            by_home = prospects[np.argsort(pop.home[prospects], kind="stable")]
            homes = pop.home[by_home]
            want = pop.home[recruiters[missing]]
            lo = np.searchsorted(homes, want, side="left")
            size = np.searchsorted(homes, want, side="right") - lo
            has = size > 0
            pick = lo[has] + (u[missing[has], tries] * size[has]).astype(np.int64)
            found[missing[has]] = by_home[pick]
    return found


def join(
    model: RetailModel,
    t: int,
    rows: np.ndarray,
    via: int,
    stores: np.ndarray | None = None,
    parents: np.ndarray | None = None,
) -> None:
    """Prospects enter the category, optionally recommended to a store by a parent."""
    pop = model.pop
    pop.state[rows] = ACTIVE
    pop.joined[rows] = t
    pop.last_purchase[rows] = t  # counts as a fresh start for the active/silent/sleeping clock
    pop.acquired_via[rows] = via
    if stores is not None:
        pop.acquired_store[rows] = stores
        boost = model.behaviour.wom_positive_shift * 5
        pop.satisfaction[rows, stores] = np.maximum(pop.satisfaction[rows, stores], boost)
    if parents is not None:
        pop.referral_parent[rows] = parents


def natural_entry(model: RetailModel, t: int, since: int) -> None:
    """Prospects whose own (pre-drawn) time to enter the category has come join by themselves."""
    pop = model.pop
    lo = np.searchsorted(model.entry_ticks_sorted, since, side="right")
    hi = np.searchsorted(model.entry_ticks_sorted, t, side="right")
    rows = model.entry_order[lo:hi]
    rows = rows[pop.state[rows] == PROSPECT]
    if rows.size:
        join(model, t, rows, VIA_NATURAL)


def update_states(model: RetailModel, t: int) -> None:
    """Member states from recency: active (< 180 days), silent, sleeping (>= 1 year; SEEDS 003)."""
    pop, b = model.pop, model.behaviour
    if kernels.compiled() and pop.last_purchase.dtype == np.int32:
        from sim.kernels import weekly

        weekly.update_states(
            t,
            model.calendar.tick_days,
            float(b.active_days),
            float(b.sleeping_days),
            pop.state,
            pop.last_purchase,
            pop.satisfaction,
            pop.satisfaction.dtype.type(SATISFACTION_BOUND),
        )
        return
    member = (pop.state != PROSPECT) & (pop.state != CHURNED)
    days = (t - pop.last_purchase) * model.calendar.tick_days
    code = (days >= b.active_days).view(np.int8) + (days >= b.sleeping_days).view(np.int8)
    code += ACTIVE  # ACTIVE, SILENT, SLEEPING are consecutive codes
    np.putmask(pop.state, member, code)  # = copyto(where=member), ~4x faster
    np.clip(pop.satisfaction, -SATISFACTION_BOUND, SATISFACTION_BOUND, out=pop.satisfaction)
