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
from sim.kernels.heap import keep_freed_pages
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
        from sim.kernels import recruit as kernel

        return kernel.satisfied(pop.state, pop.last_good, pop.last_store)
    return np.flatnonzero((pop.state == ACTIVE) & pop.last_good & (pop.last_store >= 0))


def recruit(model: RetailModel, t: int, period_years: float, compiled: bool | None = None) -> None:
    """Satisfied customers bring new customers: 25 per 100 satisfied per year (SEEDS 001).

    Each satisfied customer recruits at that rate (times the multiplier of their store's
    referral policies) for the store they last bought at. The recruit is a prospect among their
    contacts if there is one, else a prospect from the same home place; the recruit joins the
    category and visits within a few weeks. `compiled`: whether the compiled kernels serve
    this model (None: ask).
    """
    if compiled is None:
        compiled = kernels.compiled() and _kernel_ready(model)
    if compiled:
        _recruit_compiled(model, t, period_years)
        return
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
    _recruited(model, t, recruiters, recruits, stores, t + np.maximum(visit_in, 1))


def _recruited(
    model: RetailModel,
    t: int,
    recruiters: np.ndarray,
    recruits: np.ndarray,
    stores: np.ndarray,
    visits: np.ndarray,
) -> None:
    """After the recruits joined: their first visits (at ticks `visits`: within a few weeks),
    the ledger and the policies told (`on_recruits`)."""
    model.schedule_visits(visits, recruits)
    model.ledger.add("wom_recruits", t, stores)
    for s, on_recruits in model.hooks("on_recruits"):
        mine = stores == s
        if mine.any():
            on_recruits(t, recruiters[mine], recruits[mine])


_THRESHOLDS: dict[tuple[float, float, int], np.ndarray] = {}
_NO_INDEX = (np.zeros(0, np.int64), np.zeros(0, np.int64))


def _prospect_index(model: RetailModel) -> tuple[np.ndarray, np.ndarray]:
    """The prospects by home place the kernels left last week (`sim.kernels.recruit`
    refreshes or remakes it; none yet, or made for another population: empty)."""
    kept = getattr(model, "_prospect_index", None)
    if kept is None or kept[0] is not model.pop.home:
        return _NO_INDEX
    return kept[1], kept[2]


def _thresholds(rate: float, multiplier: np.ndarray, period_years: float) -> np.ndarray:
    """Per store: the chance that a satisfied customer recruits in the period."""
    return -np.expm1(-(rate * multiplier) * period_years)


def _unscaled_thresholds(rate: float, period_years: float, n_stores: int) -> np.ndarray:
    """`_thresholds` with no policy's multiplier, remembered."""
    threshold = _THRESHOLDS.get((rate, period_years, n_stores))
    if threshold is None:
        threshold = _thresholds(rate, np.ones(n_stores), period_years)
        _THRESHOLDS[(rate, period_years, n_stores)] = threshold
    return threshold


def _recruit_compiled(model: RetailModel, t: int, period_years: float) -> None:
    """`recruit` through the compiled kernels (`sim.kernels.recruit`): the same numbers, steps
    and order of hooks and bookings."""
    from sim.kernels import recruit as kernel

    pop, b, ledger, n_stores = model.pop, model.behaviour, model.ledger, model.n_stores
    key, pick_key = model.streams.key("recruitment", t), model.streams.key("recruit_pick", t)
    rate = b.wom_new_per_satisfied_year
    boost = pop.satisfaction.dtype.type(b.wom_positive_shift * 5)
    scaled = model.hooks("recruit_multiplier")
    if scaled:  # the policies are asked once the base is known (and only if there is one)
        base, per_store = kernel.satisfied_by_store(
            pop.state, pop.last_good, pop.last_store, n_stores
        )
        if base.size == 0:
            return
        ledger.add_by_store("satisfied_customer_years", t, per_store * period_years)
        multiplier = np.ones(n_stores)
        for s, recruit_multiplier in scaled:
            multiplier[s] *= recruit_multiplier()
        threshold = _thresholds(rate, multiplier, period_years)
        recruiters, recruits, stores, u, *index = kernel.recruit_and_join(
            t,
            base,
            key,
            threshold,
            pick_key,
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
            boost,
            pop.referral_parent,
            *_prospect_index(model),
        )
        model._prospect_index = (pop.home, *index)
    else:  # one call from the satisfied base to the recruits
        threshold = _unscaled_thresholds(rate, period_years, n_stores)
        per_store, recruiters, recruits, stores, u, *index = kernel.recruit_week(
            t,
            n_stores,
            pop.last_good,
            key,
            threshold,
            pick_key,
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
            boost,
            pop.referral_parent,
            *_prospect_index(model),
        )
        model._prospect_index = (pop.home, *index)
        if not per_store.any():
            return
        ledger.add_by_store("satisfied_customer_years", t, per_store * period_years)
    if recruits.size:  # the waits' logarithms are NumPy's (its own SIMD log)
        visits = kernel.visit_ticks(t, np.log(u), model.calendar.tick_days)
        _recruited(model, t, recruiters, recruits, stores, visits)


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


Census = tuple[np.ndarray, int, int]
"""What the weekly series counts: active customers per store, prospects, churned customers."""


def active_since(model: RetailModel, t: int) -> np.int32:
    """The tick after which a last visit counts as recent (active: bought in the last 180 days;
    t - last_visit < window, in integers)."""
    window = model.behaviour.active_days / model.calendar.tick_days
    return np.int32(np.floor(t - window))


def census(model: RetailModel) -> Census:
    """Active customers per store (`RetailModel.active_counts`), prospects and churned customers,
    at the model's current tick."""
    pop = model.pop
    if kernels.compiled():  # one pass, the same integer counts
        from sim.kernels import weekly

        active, prospects, churned = weekly.census(
            pop.last_visit, pop.state, active_since(model, model.t)
        )
        return active, int(prospects), int(churned)
    return (
        model.active_counts(),
        int(np.count_nonzero(pop.state == PROSPECT)),
        int(np.count_nonzero(pop.state == CHURNED)),
    )


def weekly_rules(model: RetailModel, t: int, since: int, count: bool) -> Census | None:
    """The week's rules in their order: recruitment, natural entry (of prospects whose entry
    tick fell after `since`, the previous housekeeping), members' states; with `count`, the
    census right after them (what `census` would return)."""
    keep_freed_pages()  # once per process: see sim.kernels.heap
    compiled = kernels.compiled() and _kernel_ready(model)
    if compiled and not model.hooks("recruit_multiplier") and not model.hooks("on_recruits"):
        return _week_compiled(model, t, since, count)  # nothing runs between the rules
    recruit(model, t, (t - since) * model.calendar.dt_years, compiled)
    if not compiled:
        natural_entry(model, t, since)
        update_states(model, t)
        return census(model) if count else None
    from sim.kernels import weekly

    pop, b = model.pop, model.behaviour
    active, prospects, churned = weekly.settle(
        t,
        since,
        model.entry_ticks_sorted,
        model.entry_order,
        VIA_NATURAL,
        model.calendar.tick_days,
        float(b.active_days),
        float(b.sleeping_days),
        pop.state,
        pop.joined,
        pop.last_purchase,
        pop.acquired_via,
        pop.satisfaction,
        pop.satisfaction.dtype.type(SATISFACTION_BOUND),
        pop.last_visit,
        active_since(model, t),
        count,
    )
    return (active, int(prospects), int(churned)) if count else None


def _week_compiled(model: RetailModel, t: int, since: int, count: bool) -> Census | None:
    """`weekly_rules` through one compiled call (`sim.kernels.weekly.week`) when no policy
    scales or hears of the recruitment: the recruitment's bookings and first visits (which
    nothing in the later rules reads) follow it. The same numbers, bookings and order."""
    from sim.kernels import recruit as kernel
    from sim.kernels import weekly

    pop, b, cal, n_stores = model.pop, model.behaviour, model.calendar, model.n_stores
    period_years = (t - since) * cal.dt_years
    (
        per_store,
        recruiters,
        recruits,
        stores,
        u,
        index_rows,
        index_starts,
        active,
        prospects,
        churned,
    ) = weekly.week(
        t,
        n_stores,
        pop.last_good,
        model.streams.key("recruitment", t),
        _unscaled_thresholds(b.wom_new_per_satisfied_year, period_years, n_stores),
        model.streams.key("recruit_pick", t),
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
        *_prospect_index(model),
        since,
        model.entry_ticks_sorted,
        model.entry_order,
        VIA_NATURAL,
        cal.tick_days,
        float(b.active_days),
        float(b.sleeping_days),
        pop.satisfaction.dtype.type(SATISFACTION_BOUND),
        pop.last_visit,
        active_since(model, t),
        count,
    )
    model._prospect_index = (pop.home, index_rows, index_starts)
    if per_store.any():
        model.ledger.add_by_store("satisfied_customer_years", t, per_store * period_years)
        if recruits.size:  # the waits' logarithms are NumPy's (its own SIMD log)
            visits = kernel.visit_ticks(t, np.log(u), cal.tick_days)
            _recruited(model, t, recruiters, recruits, stores, visits)
    return (active, int(prospects), int(churned)) if count else None
