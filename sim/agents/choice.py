"""Store choice: where a customer with an occasion buys (SEEDS 000).

Each rule works on a batch of customer rows: the contacts who share a store, the travel from
home or work (elites travel half as far), and the utility of every store, from which the
occasion's Gumbel draws pick one (a multinomial logit). Compiled kernels (`sim.kernels`) stand
in for the NumPy rules when the engine is compiled, bit for bit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import kernels

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel

WORK_DETOUR = 0.5
"""Extra travel (in place hops) for buying near the work place instead of the family home."""
LEFT_PENALTY = 4.0
"""Utility lost for a store the customer walked away from after a complaint."""
ELITE_TRAVEL_FACTOR = 0.5
"""Elites have transport and resources, so distance matters half as much (SEEDS 000)."""


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
