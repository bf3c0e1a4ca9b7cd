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
from sim.agents.choice import choose_store
from sim.agents.weekly import SATISFACTION_BOUND
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
)

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel
    from sim.rng import DrawsAhead


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
        # Drawn ahead in blocks: the same numbers as one call per batch (`DrawsAhead`).
        clock, churn, choice, ticket, service, complaint, wom = cls.buffers(model)
        return cls(
            clock.take(m),
            churn.take(m),
            choice.take(m),
            ticket.take(m),
            service.take(m),
            complaint.take(m),
            wom.take(m),
        )

    @staticmethod
    def buffers(model: RetailModel) -> tuple[DrawsAhead, ...]:
        """The streams' blocks drawn ahead that `draw` takes from, in the fields' order."""
        return model.streams.occasion_buffers(
            model.n_stores + 1, model.behaviour.ticket_shape, _wom_columns(model)
        )

    @classmethod
    def keyed(cls, model: RetailModel, t: int, rows: np.ndarray) -> OccasionDraws:
        """Draws for extra (scheduled) visits, keyed by customer row and tick.

        Who gets an extra visit depends on the policy, so these numbers must not come from a
        shared sequence: each row's numbers depend only on the seed, the tick and the row.
        """
        return cls.from_keyed(
            model, model.streams.keyed("visit", t).random(rows, cls.keyed_width(model))
        )

    @staticmethod
    def keyed_width(model: RetailModel) -> int:
        """Keyed uniforms per extra visit: churn, ticket, service, 3 complaint, one per choice
        (stores and the outside option), the word of mouth's."""
        return 6 + model.n_stores + 1 + _wom_columns(model)

    @classmethod
    def from_keyed(cls, model: RetailModel, u: np.ndarray) -> OccasionDraws:
        """The draws of extra visits from their keyed uniforms `u` (`keyed_width` columns)."""
        n_choice = model.n_stores + 1
        return cls(
            clock=np.zeros(u.shape[0]),
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
        cat = np.concatenate
        return cls(
            cat((first.clock, second.clock)),
            cat((first.churn, second.churn)),
            cat((first.choice, second.choice)),
            cat((first.ticket, second.ticket)),
            cat((first.service, second.service)),
            cat((first.complaint, second.complaint)),
            cat((first.wom, second.wom)),
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
    next_tick = model.pop.next_tick
    if next_tick.dtype == np.int32 and kernels.compiled():
        from sim.kernels.clocks import due

        return due(next_tick, t)  # the same rows, one pass
    return (next_tick == t).nonzero()[0]


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
