"""Customers: the behaviour rules, each written once over a batch of rows, and the Mesa agent.

Every rule takes the model, the tick and an index array of customer rows and works on the
population's arrays. The default (batch) activation calls each rule for all customers with an
occasion at once; ``activation="agent"`` has each `Customer.step()` call the very same rules on
its own row, in Mesa's shuffled order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import gammaincinv, ndtri

from sim import kernels
from sim.agents.base import RetailAgent
from sim.config import CLASSES
from sim.population import (
    ACTIVE,
    CHURNED,
    NEVER,
    NOT_YET,
    PROSPECT,
    SILENT,
    SLEEPING,
    STATES,
    VIA_NATURAL,
    VIA_WOM,
)

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel
    from sim.rng import KeyedDraws

WORK_DETOUR = 0.5
"""Extra travel (in place hops) for buying near the work place instead of the family home."""
LEFT_PENALTY = 4.0
"""Utility lost for a store the customer walked away from after a complaint."""
ELITE_TRAVEL_FACTOR = 0.5
"""Elites have transport and resources, so distance matters half as much (SEEDS 000)."""
SATISFACTION_BOUND = 3.0


@dataclass
class OccasionDraws:
    """All random numbers one batch of occasions may need, drawn up front from their streams.

    Drawing a fixed shape per occasion, whatever happens next, keeps the streams aligned across
    policies (common random numbers).
    """

    clock: np.ndarray
    churn: np.ndarray
    choice: np.ndarray
    ticket: np.ndarray
    service: np.ndarray
    complaint: np.ndarray
    wom: np.ndarray

    @classmethod
    def draw(cls, model: RetailModel, m: int) -> OccasionDraws:
        """Draws for a batch of natural occasions from the process streams, in batch order."""
        s = model.streams  # drawn ahead in blocks: the same numbers as one call per batch
        return cls(
            clock=s.ahead("occasions", "exponential").take(m),
            churn=s.ahead("churn", "random").take(m),
            choice=s.ahead("choice", "gumbel", model.n_stores + 1).take(m),
            ticket=s.ahead("purchase", "standard_gamma", 1, model.behaviour.ticket_shape).take(m),
            service=s.ahead("service", "standard_normal").take(m),
            complaint=s.ahead("complaints", "random", 3).take(m),
            wom=s.ahead("wom", "random", _wom_columns(model)).take(m),
        )

    @classmethod
    def keyed(cls, model: RetailModel, t: int, rows: np.ndarray) -> OccasionDraws:
        """Draws for extra (scheduled) visits, keyed by customer row and tick.

        Who gets an extra visit depends on the policy, so these numbers must not come from a
        shared sequence: each row's numbers depend only on the seed, the tick and the row.
        """
        n_wom, n_choice = _wom_columns(model), model.n_stores + 1
        u = model.streams.keyed("visit", t).random(rows, 6 + n_choice + n_wom)
        return cls(
            clock=np.zeros(rows.size),
            churn=u[:, 0],
            ticket=gammaincinv(model.behaviour.ticket_shape, u[:, 1]),
            service=ndtri(u[:, 2]),
            complaint=u[:, 3:6],
            choice=-np.log(-np.log(u[:, 6 : 6 + n_choice])),
            wom=u[:, 6 + n_choice :],
        )

    @classmethod
    def concat(cls, first: OccasionDraws, second: OccasionDraws) -> OccasionDraws:
        """Draws of two batches, one after the other."""
        return cls(
            **{
                f: np.concatenate([getattr(first, f), getattr(second, f)])
                for f in first.__dataclass_fields__
            }
        )


def _flat(a: np.ndarray) -> np.ndarray:
    """A (customers x stores) array as a 1-D view, indexed by `_pairs` (one gather, not two)."""
    if not a.flags.c_contiguous:
        raise ValueError("population (customers x stores) arrays must be C-contiguous")
    return a.reshape(-1)


def _pairs(model: RetailModel, rows: np.ndarray, stores: np.ndarray) -> np.ndarray:
    """Flat indices of (row, store) pairs into `_flat` views."""
    pair = rows.astype(np.int64) * model.n_stores
    pair += stores
    return pair


def _wom_columns(model: RetailModel) -> int:
    b = model.behaviour
    return 1 + max(b.negative_wom_max, b.positive_wom_max)


# ---------------------------------------------------------------------------- occasions
def due_now(model: RetailModel, t: int) -> np.ndarray:
    """Rows whose next purchase occasion falls in tick t."""
    return (model.pop.next_tick == t).nonzero()[0]


def advance_clocks(model: RetailModel, rows: np.ndarray, exp_draws: np.ndarray) -> None:
    """Schedule each row's next occasion: a gamma-heterogeneous Poisson process in seasonal time.

    Rates are gamma-distributed across customers (jewellery is bought rarely, elites more
    often: SEEDS 000); festival peaks come from the seasonal clock (`Calendar.clock_end`).
    """
    pop = model.pop
    pop.clock[rows] += exp_draws / pop.rate[rows]
    pop.next_tick[rows] = np.searchsorted(model.clock_end, pop.clock[rows], side="left")


def process_occasions(
    model: RetailModel,
    t: int,
    rows: np.ndarray,
    draws: OccasionDraws,
    natural: bool | np.ndarray = True,
) -> None:
    """One purchase occasion for each row: the whole pipeline of rules, in order.

    `natural` says which rows are natural occasions (their clock moves on); scheduled extra
    visits ride in the same batch without touching the clock.
    """
    if kernels.compiled():  # the same pipeline compiled (sim.kernels); False: NumPy needed
        from sim.kernels import pipeline

        if pipeline.process_occasions(model, t, rows, draws, natural):
            return
    if natural is True:
        advance_clocks(model, rows, draws.clock)
    elif natural is not False:
        advance_clocks(model, rows[natural], draws.clock[natural])
    shop = model.pop.in_category(rows)
    if not shop.any():
        return
    idx = np.flatnonzero(shop)
    rows = rows[idx]
    stores = choose_store(model, t, rows, draws.choice[idx])
    buys = stores >= 0
    bad = np.zeros(rows.size, dtype=bool)
    if buys.any():
        b_idx, b_rows, b_stores = idx[buys], rows[buys], stores[buys]
        buy(model, t, b_rows, b_stores, draws.ticket[b_idx])
        good, bad[buys] = serve(model, t, b_rows, b_stores, draws.service[b_idx])
        loud = complain(model, t, b_rows, b_stores, bad[buys], draws.complaint[b_idx])
        spread_word(model, t, b_rows, b_stores, good, loud, draws.wom[b_idx])
    if natural is True:
        attrition(model, t, rows, draws.churn[idx], bad)
    elif natural is not False:
        own = np.asarray(natural)[idx]
        attrition(model, t, rows[own], draws.churn[idx[own]], bad[own])
    model.pop.repeat[rows] = True


# ---------------------------------------------------------------------------- attrition
def attrition(
    model: RetailModel, t: int, rows: np.ndarray, u: np.ndarray, bad: np.ndarray
) -> np.ndarray:
    """Leaving the category after a repeat purchase: the BG/NBD dropout (Fader, Hardie & Lee
    2005), with the seeds' dissatisfaction effect as a multiplier.

    Each customer has their own probability p of leaving after each purchase (drawn from
    Beta(dropout_a, dropout_b), independent of their purchase rate); there is no chance at a
    customer's first purchase in the category. After a dissatisfying visit p is multiplied by
    `dissatisfied_attrition_multiplier` (SEEDS 001: dissatisfied customers leave; satisfied
    ones buy for longer). A purchase outside the market counts as a purchase (no visit, no
    multiplier); extra visits scheduled by a store or a recruiter are not the customer's own
    purchase cycle and carry no dropout chance. Churned customers keep their store history.
    """
    pop, b = model.pop, model.behaviour
    p = pop.dropout[rows] * np.where(bad, b.dissatisfied_attrition_multiplier, 1.0)
    leave = (u < p) & pop.repeat[rows] & pop.in_category(rows)
    if leave.any():
        gone = rows[leave]
        pop.state[gone] = CHURNED
        last = pop.last_store[gone]
        known = last >= 0
        model.ledger.add("churned", t, last[known])
    return leave


# ---------------------------------------------------------------------------- choice
def contact_pairs(model: RetailModel, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in `rows`, contact row) for every social tie of the given rows (CSR gather)."""
    pop = model.pop
    starts = pop.indptr[rows]
    deg = pop.indptr[rows + 1] - starts
    owner = np.repeat(np.arange(rows.size), deg)
    # Tie k of row i sits at starts[i] + (k - first tie of row i in the output).
    shift = starts - np.cumsum(deg)
    shift += deg
    where = np.arange(owner.size)
    where += np.repeat(shift, deg)
    return owner, pop.indices[where]


def friends_share(model: RetailModel, rows: np.ndarray) -> np.ndarray:
    """Share of each row's contacts whose latest purchase was at each store."""
    S = model.n_stores
    if rows.size * 4 >= model.pop.n and not (model.pop.last_store >= 0).any():
        return np.zeros((rows.size, S))  # nobody has bought yet (set-up): skip the gather
    owner, contact = contact_pairs(model, rows)
    # Column 0 counts the contacts who bought nowhere yet (last_store -1); dropped below.
    key = owner * (S + 1)
    key += model.pop.last_store[contact]
    key += 1
    counts = np.bincount(key, minlength=rows.size * (S + 1)).reshape(rows.size, S + 1)[:, 1:]
    deg = np.maximum(model.pop.indptr[rows + 1] - model.pop.indptr[rows], 1)
    return counts / deg[:, None]


def travel_table(model: RetailModel) -> np.ndarray:
    """Travel in place hops to each store, indexed [elite, home, work, store].

    The shorter of the trip from the family home and from the work place (plus a detour);
    elites have transport, so distance weighs half as much for them (SEEDS 000).
    """
    d, place = model.geo.distance, model.store_arrays.place
    from_home = d[:, place][:, None, :]
    from_work = d[:, place][None, :, :] + WORK_DETOUR
    hops = np.minimum(from_home, from_work)
    return np.stack([hops, ELITE_TRAVEL_FACTOR * hops])


def store_utilities(model: RetailModel, t: int, rows: np.ndarray) -> np.ndarray:
    """Systematic utility of each store (and, last column, of buying outside the market).

    Multinomial logit terms (SEEDS 000 unless noted): brand match between the customer's brand
    aspiration and the store's grade; tier preference times the tier gap, where elites' taste
    for the next tier up grows every year (upward consumption drift); travel from the family
    home or the work place; price level against price sensitivity; loyalty (decaying with time
    since the last visit); satisfaction (own experience and word of mouth, SEEDS 001); friends'
    choices; and whatever the store's policies add (perks, promotions).
    """
    if kernels.compiled():
        from sim.kernels import pipeline

        V = pipeline.store_utilities(model, t, rows)
        if V is not None:
            return V
    pop, b, st = model.pop, model.behaviour, model.store_arrays
    years = (t - model.t_origin) * model.calendar.dt_years
    home = pop.home[rows]
    elite = pop.elite[rows]
    travel = model.travel_hops[elite.view(np.int8), home, pop.work[rows]]
    aspiration = np.minimum(pop.brand_asp[rows] + b.brand_drift_per_year * years * elite, 1.0)
    tier_gap = model.tier_gap[home]
    tier_taste = pop.tier_pref[rows] + pop.drift[rows] * years
    age_years = (t - pop.last_visit[rows]).astype(np.float64) * model.calendar.dt_years
    loyalty = pop.loyalty[rows] * np.exp2(-age_years / b.loyalty_half_life_years)
    V = np.empty((rows.size, model.n_stores + 1))
    V[:, :-1] = (
        st.attractiveness
        + b.beta_brand * (aspiration[:, None] - 0.5) * st.brand_sign
        + b.beta_tier * tier_taste[:, None] * tier_gap
        - b.beta_travel * travel
        - b.beta_price * pop.price_sens[rows][:, None] * (st.price_level - 1.0)
        + b.beta_loyalty * loyalty
        + b.beta_satisfaction * pop.satisfaction[rows]
        + b.beta_friends * friends_share(model, rows)
        - LEFT_PENALTY * pop.left_store[rows]
    )
    V[:, -1] = b.outside_utility if b.outside_option else -np.inf
    for s, utility in model.hooks("utility"):
        extra = utility(rows)
        if extra is not None:
            V[:, s] += extra
    return V


def choose_store(model: RetailModel, t: int, rows: np.ndarray, gumbel: np.ndarray) -> np.ndarray:
    """Multinomial-logit choice by Gumbel-max; -1 means the purchase went outside the market."""
    V = store_utilities(model, t, rows)
    V += gumbel
    pick = np.argmax(V, axis=1)
    return np.where(pick == model.n_stores, -1, pick)


# ---------------------------------------------------------------------------- purchase
def buy(
    model: RetailModel, t: int, rows: np.ndarray, stores: np.ndarray, g: np.ndarray
) -> np.ndarray:
    """Spend at the chosen store: a Gamma-Gamma ticket x the store's price level.

    The ticket is Gamma(ticket_shape, ticket_shape / m_i) around the customer's mean spend m_i
    (itself Gamma-Gamma heterogeneous, `Population`): `g` holds one Gamma(ticket_shape, 1)
    variate per occasion, drawn up front whatever happens (common random numbers).

    Books revenue (at list price) and cost of goods; policy discounts are policy costs. Counts
    new customers (first purchase here), referred ones (brought to this store by word of mouth
    or a referral scheme) and defections (the previous purchase was at another store).
    """
    pop, b, st, ledger = model.pop, model.behaviour, model.store_arrays, model.ledger
    amount = pop.spend[rows] * (g / b.ticket_shape) * st.price_level[stores]
    discount = np.zeros_like(amount)
    for s, discount_of in model.hooks("discount"):
        here = stores == s
        if here.any():
            d = discount_of(t, rows[here], amount[here])
            if d is not None:
                discount[here] += d
    ledger.add("revenue", t, stores, amount)
    ledger.add("cogs", t, stores, amount * (1.0 - st.margin[stores]))
    ledger.add("purchases", t, stores)
    pair = _pairs(model, rows, stores)
    first_visit = _flat(pop.first_visit)
    first = first_visit[pair] == NOT_YET
    if first.any():
        ledger.add("new_customers", t, stores[first])
        referred = first & (pop.acquired_store[rows] == stores) & (pop.referral_parent[rows] >= 0)
        ledger.add("referred_customers", t, stores[referred])
        first_visit[pair[first]] = t
    prev = pop.last_store[rows]
    switched = (prev >= 0) & (prev != stores)
    ledger.add("defected", t, prev[switched])
    last_visit, loyalty = _flat(pop.last_visit), _flat(pop.loyalty)
    age_years = (t - last_visit[pair]).astype(np.float64) * model.calendar.dt_years
    loyal = loyalty[pair] * np.exp2(-age_years / b.loyalty_half_life_years)
    loyalty[pair] = loyal + b.loyalty_learning * (1.0 - loyal)
    last_visit[pair] = t
    pop.last_store[rows] = stores
    pop.last_purchase[rows] = t
    pop.state[rows] = ACTIVE
    np.add.at(_flat(pop.revenue), pair, amount)
    np.add.at(_flat(pop.year_spend), pair, amount)
    model.transactions.append(t, rows, stores, amount, discount)
    for s, on_purchases in model.hooks("on_purchases"):
        here = stores == s
        if here.any():
            on_purchases(t, rows[here], amount[here])
    return amount


# ---------------------------------------------------------------------------- service
def serve(
    model: RetailModel, t: int, rows: np.ndarray, stores: np.ndarray, eps: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Service experience -> satisfaction with the store (exponential smoothing).

    Experience = store's service quality + attention from its managers + policy extras +
    noise. Above `satisfied_threshold` it is a satisfied visit, below `dissatisfied_threshold`
    a dissatisfied one (SEEDS 001: standardised service for all, personal service for VIPs).
    """
    pop, b, st, ledger = model.pop, model.behaviour, model.store_arrays, model.ledger
    experience = st.service[stores] + b.service_noise * eps
    for s, service in model.hooks("service"):
        here = stores == s
        if here.any():
            extra = service(t, rows[here])
            if extra is not None:
                experience[here] += extra
    good = experience >= b.satisfied_threshold
    bad = experience <= b.dissatisfied_threshold
    pair, satisfaction = _pairs(model, rows, stores), _flat(pop.satisfaction)
    sat = satisfaction[pair]
    target = np.minimum(np.maximum(experience, -SATISFACTION_BOUND), SATISFACTION_BOUND)  # clip
    satisfaction[pair] = sat + b.satisfaction_learning * (target - sat)
    pop.last_good[rows] = good
    pop.last_bad[rows] = bad
    ledger.add("satisfied", t, stores[good])
    ledger.add("dissatisfied", t, stores[bad])
    return good, bad


# ---------------------------------------------------------------------------- complaints
def complain(
    model: RetailModel, t: int, rows: np.ndarray, stores: np.ndarray, bad: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Dissatisfied customers complain (1 in 25) or stay silent (SEEDS 001).

    A complaint is resolved with the store's resolution rate (or a policy's); a resolved
    complainer stays with probability 60% (SEEDS 001), an unresolved one much less (assumption).
    Those who do not stay walk away from the store for good. Returns who spreads negative word:
    silent dissatisfied customers and unresolved complainers.
    """
    pop, b, st, ledger = model.pop, model.behaviour, model.store_arrays, model.ledger
    complains = bad & (u[:, 0] < b.complaint_probability)
    if not complains.any():
        return bad
    rate = st.resolution[stores].astype(np.float64)
    for s, resolution in model.hooks("resolution"):
        here = complains & (stores == s)
        if here.any():
            r = resolution(t, rows[here])
            if r is not None:
                rate[here] = np.maximum(rate[here], r)
    resolved = complains & (u[:, 1] < rate)
    stays = complains & (
        u[:, 2] < np.where(resolved, b.resolved_stay_probability, b.unresolved_stay_probability)
    )
    walks = complains & ~stays
    pop.left_store[rows[walks], stores[walks]] = True
    pop.loyalty[rows[walks], stores[walks]] = 0.0
    ledger.add("complaints", t, stores[complains])
    ledger.add("complaints_resolved", t, stores[resolved])
    ledger.add("complainers_stayed", t, stores[stays])
    ledger.add("resolved_stayed", t, stores[resolved & stays])
    for s, on_complaints in model.hooks("on_complaints"):
        here = complains & (stores == s)
        if here.any():
            on_complaints(t, rows[here], resolved[here])
    return bad & ~resolved


# ---------------------------------------------------------------------------- word of mouth
def spread_word(
    model: RetailModel,
    t: int,
    rows: np.ndarray,
    stores: np.ndarray,
    good: np.ndarray,
    loud: np.ndarray,
    u: np.ndarray,
) -> None:
    """Word of mouth shifts contacts' attitude to the store (SEEDS 001).

    A satisfied customer tells 1-5 contacts, a dissatisfied one 10-20; each told contact's
    satisfaction with the store moves up or down by a fixed shift.
    """
    pop, b = model.pop, model.behaviour
    told = np.zeros(rows.size, dtype=np.int64)
    pos_span = b.positive_wom_max - b.positive_wom_min + 1
    neg_span = b.negative_wom_max - b.negative_wom_min + 1
    told[good] = b.positive_wom_min + (u[good, 0] * pos_span).astype(np.int64)
    told[loud] = b.negative_wom_min + (u[loud, 0] * neg_span).astype(np.int64)
    deg = pop.indptr[rows + 1] - pop.indptr[rows]
    told = np.where(deg > 0, told, 0)
    if not told.any():
        return
    teller = np.repeat(np.arange(rows.size), told)
    slot = 1 + np.arange(teller.size) - np.repeat(np.cumsum(told) - told, told)
    pick = (u[teller, slot] * deg[teller]).astype(np.int64)
    contact = pop.indices[pop.indptr[rows[teller]] + pick]
    shift = np.where(good[teller], b.wom_positive_shift, -b.wom_negative_shift).astype(np.float32)
    # Bounded lazily in `update_states` (clipping the whole matrix here would cost O(n)).
    np.add.at(_flat(pop.satisfaction), _pairs(model, contact, stores[teller]), shift)


# ---------------------------------------------------------------------------- weekly rules
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


# ---------------------------------------------------------------------------- the agent
class Customer(RetailAgent):
    """A resident of the market. Its attributes are views of its row in the population arrays."""

    def __init__(self, model: RetailModel, row: int) -> None:
        super().__init__(model)
        self.row = row

    @classmethod
    def create_rows(cls, model: RetailModel, first_id: int, n: int) -> list[Customer]:
        """The agents of rows 0..n-1, with ids `first_id`, `first_id + 1`, ..., not registered.

        Each is what `Customer(model, row)` makes (the same attributes: keep this in step with
        `__init__`), built without Mesa's per-agent call chain; the model registers them in bulk
        (`sim.agents.base.register_in_bulk`).
        """
        new = object.__new__
        agents = [new(cls) for _ in range(n)]
        for agent, uid, row in zip(agents, range(first_id, first_id + n), range(n), strict=True):
            agent.model = model
            agent.unique_id = uid
            agent.pos = None
            agent.row = row
        return agents

    # State, read from (and written to) the arrays.
    @property
    def state(self) -> str:
        return STATES[self.model.pop.state[self.row]]

    @property
    def customer_class(self) -> str:
        return CLASSES[self.model.pop.cls[self.row]]

    @property
    def satisfaction(self) -> dict[str, float]:
        return dict(
            zip(self.model.store_ids, self.model.pop.satisfaction[self.row].tolist(), strict=True)
        )

    @satisfaction.setter
    def satisfaction(self, values: dict[str, float]) -> None:
        for sid, v in values.items():
            self.model.pop.satisfaction[self.row, self.model.store_index(sid)] = v

    @property
    def loyalty(self) -> dict[str, float]:
        return dict(
            zip(self.model.store_ids, self.model.pop.loyalty[self.row].tolist(), strict=True)
        )

    @property
    def home_place(self) -> str:
        return self.model.geo.place_ids[self.model.pop.home[self.row]]

    @property
    def work_place(self) -> str:
        return self.model.geo.place_ids[self.model.pop.work[self.row]]

    @property
    def contacts(self) -> list[int]:
        return self.model.pop.contacts(self.row).tolist()

    @property
    def referral_parent(self) -> int | None:
        p = int(self.model.pop.referral_parent[self.row])
        return None if p < 0 else p

    @property
    def segment(self) -> str:
        return self.model.segment_of(self.row)

    @property
    def purchases(self):
        """This customer's transactions so far (a tidy frame in the log schema)."""
        log = self.model.transactions_frame()
        return log[log["customer_id"] == self.row].reset_index(drop=True)

    def step(self) -> None:
        """Agent activation: apply the batch rules to this one row, for each occasion due now."""
        model, t = self.model, self.model.t
        if model.pop.next_tick[self.row] != t:
            return
        rows = np.array([self.row])
        while model.pop.next_tick[self.row] == t:
            process_occasions(model, t, rows, OccasionDraws.draw(model, 1))

    def __repr__(self) -> str:
        return f"Customer(row={self.row}, class={self.customer_class}, state={self.state})"


__all__ = [
    "ACTIVE",
    "CHURNED",
    "NEVER",
    "NOT_YET",
    "PROSPECT",
    "SILENT",
    "SLEEPING",
    "Customer",
    "OccasionDraws",
]
