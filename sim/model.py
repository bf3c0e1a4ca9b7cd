"""`RetailModel`: a small-city retail market of Mesa customer and store agents.

Usable without Hydra::

    from sim import RetailModel, default_market
    model = RetailModel(market=default_market(n_customers=5000), policies=["none"], seed=1)
    model.run()
    model.summary()["focal"]["profit"]
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import kernels
from sim.agents.base import RetailAgent, register_in_bulk
from sim.agents.choice import travel_table
from sim.agents.customer import Customer, OccasionDraws, due_now, process_occasions
from sim.agents.store import Store, StoreArrays
from sim.agents.weekly import active_since, census, weekly_rules
from sim.calendar import Calendar
from sim.config import MarketConfig, default_market
from sim.errors import ConfigError
from sim.hooks import HOOKS, VALUE_HOOKS, build_store_policies, checked_hook, movable
from sim.ledger import Ledger
from sim.market_start import initial_relationships, start_clocks
from sim.policies import StorePolicy
from sim.population import (
    CHURNED,
    NEVER,
    NOT_YET,
    Geography,
    Population,
)
from sim.rng import Streams
from sim.series import SERIES, record_series
from sim.snapshot import BurnIn, burn_in
from sim.transactions import TransactionBuffer

ACTIVATIONS = ("batch", "agent")
HOUSEKEEPING_DAYS = 7
_NO_ROWS = np.zeros(0, dtype=np.int64)
_NO_ROWS.flags.writeable = False


class RetailModel(mesa.Model):
    """Customers of town, county and prefecture tiers buying from the market's stores.

    Args:
        market: the market (default: `default_market()`); validated before anything runs.
        policies: the focal store's policies (names, mappings or `StorePolicy` objects); None
            keeps those of the market config. Competitors' policies come from the market.
        activation: "batch" (vectorized, default) or "agent" (each Customer.step in Mesa's
            shuffled order, applying the same rule functions to its own row).
        record_transactions: keep the transaction log (needed for exports and segments).
        seed: seeds every random stream (common random numbers across policies).
        burn_in: a `sim.snapshot.BurnIn` of this market (policies aside) and seed: the run
            starts from it instead of computing the burn-in again (the same run, bit for bit).
    """

    def __init__(
        self,
        *,
        market: MarketConfig | None = None,
        policies: Iterable[str | Mapping[str, Any] | StorePolicy] | None = None,
        activation: str = "batch",
        seed: int = 0,
        burn_in: BurnIn | None = None,
    ) -> None:
        market = (market or default_market()).validate()
        if activation not in ACTIVATIONS:
            raise ConfigError(
                "activation", f"must be one of {list(ACTIVATIONS)}, got {activation!r}"
            )
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
            raise ConfigError("seed", f"must be an integer >= 0, got {seed!r}")
        store_policies = build_store_policies(market, policies)
        focal = market.store_ids.index(market.focal_store)
        super().__init__(seed=int(seed))
        self.market = market
        self.behaviour = market.behaviour
        self.seed = int(seed)
        self.activation = activation
        self.streams = Streams(self.seed)
        self.calendar = Calendar(
            dt.date.fromisoformat(str(market.start_date)),
            market.tick_days,
            market.n_ticks,
            market.behaviour.festival_amplitude,
        )
        self.clock_end = self.calendar.clock_end()
        self.geo = Geography.from_market(market)
        self.store_ids = market.store_ids
        self.n_stores = len(self.store_ids)
        self.focal = focal
        self.store_arrays = StoreArrays.from_market(market, self.geo)
        self.travel_hops = travel_table(self)
        self.tier_gap = self.store_arrays.tier[None, :] - self.geo.tier_rank[:, None]
        self.ledger = Ledger(market.n_ticks, self.store_ids)
        self.transactions = TransactionBuffer()
        self.t = 0
        self._pending: dict[int, list[np.ndarray]] = defaultdict(list)
        self._segments_cache: tuple[int, np.ndarray] | None = None

        self.policy_hooks: list[tuple[int, StorePolicy]] = []
        self._hooks: dict[str, list[tuple[int, Any]]] = {name: [] for name in HOOKS}
        self._n_ticks = self._horizon = market.n_ticks
        self._burning = False
        self.t_origin = 0  # tick of the market's reference start (trends count years from it)
        self.twin = None
        if burn_in is not None:  # the same burn-in, computed once for every policy (sim.snapshot)
            burn_in.restore(self)
        else:
            self.pop = Population(
                market, self.geo, self.streams["population"], self.streams["network"]
            )
            self._start(market.burn_in_years)
        if market.members:  # the focal store's customers are the store's own members
            from sim.members import MemberBlock  # after the residents' burn-in (own seeds)

            self.twin = MemberBlock.attach(self)

        self.stores = [Store(self, i, store_policies[i]) for i in range(self.n_stores)]
        for i, pols in enumerate(store_policies):
            for p in pols:
                p.bind(self, i, self.streams.for_policy(p.name, self.store_ids[i]))
                self.policy_hooks.append((i, p))
        self._hooks = {
            name: [
                (
                    s,
                    checked_hook(p, name, self.store_ids[s])
                    if name in VALUE_HOOKS
                    else getattr(p, name),
                )
                for s, p in self.policy_hooks
                if getattr(type(p), name) is not getattr(StorePolicy, name)
            ]
            for name in HOOKS
        }
        if self.twin is not None:  # residents no longer buy at the focal store (sim.members)
            self._hooks["utility"].append((focal, self.twin.residents_elsewhere))
        # One Mesa agent per customer row, with the ids that follow the stores'. The agents are
        # made when first asked for (`customers`, `agents`, `agents_by_type`, agent activation):
        # a batch run never needs them, and a million of them take ~0.5 GB.
        self._customer_first_id = RetailAgent._ids.reserve(self, self.pop.n)
        self._customers: list[Customer] | None = None
        if activation == "agent":
            self._make_customers()
        self.datacollector = mesa.DataCollector(model_reporters=dict(SERIES))
        self.running = True

    # ------------------------------------------------------------------ set-up
    def _initial_relationships(self) -> None:
        initial_relationships(self)

    def _start_clocks(self) -> None:
        start_clocks(self)

    # ------------------------------------------------------------------ Mesa agents
    def _make_customers(self) -> list[Customer]:
        """Create and register the customer agents (once), exactly as if made at set-up."""
        if self._customers is None:
            # The garbage collector would otherwise rescan the growing heap again and again
            # while a million agents are created.
            gc_was_enabled = gc.isenabled()
            gc.disable()
            try:
                agents = Customer.create_rows(self, self._customer_first_id, self.pop.n)
                register_in_bulk(self, agents)
                self._customers = agents
            finally:
                if gc_was_enabled:
                    gc.enable()
        return self._customers

    @property
    def customers(self) -> list[Customer]:
        """The `Customer` agents, indexed by population row."""
        return self._make_customers()

    @property
    def customer_set(self) -> mesa.agent.AgentSet:
        """Mesa's AgentSet of the customers (what agent activation shuffles)."""
        self._make_customers()
        return self._agents_by_type[Customer]

    @property
    def agents(self) -> mesa.agent.AgentSet:
        """Every agent of the model (stores, then customers)."""
        self._make_customers()
        return self._all_agents

    @agents.setter
    def agents(self, agents: Any) -> None:
        mesa.Model.agents.fset(self, agents)

    @property
    def agents_by_type(self) -> dict[type[mesa.Agent], mesa.agent.AgentSet]:
        self._make_customers()
        return self._agents_by_type

    @property
    def agent_types(self) -> list[type]:
        self._make_customers()
        return list(self._agents_by_type)

    def register_agent(self, agent: mesa.Agent) -> None:
        # Customers come first if not made yet, so ids and agent order stay as at set-up.
        if getattr(self, "_customers", ()) is None:
            self._make_customers()
        super().register_agent(agent)

    def remove_all_agents(self) -> None:
        self._make_customers()
        super().remove_all_agents()

    def _start(self, burn_in_years: int) -> None:
        """Initial state, then the policy-free burn-in (`sim.snapshot.burn_in`)."""
        burn_in(self, burn_in_years)

    # ------------------------------------------------------------------ helpers
    def store_index(self, store_id: str) -> int:
        try:
            return self.store_ids.index(store_id)
        except ValueError:
            raise ConfigError(
                "store", f"unknown store {store_id!r}; stores: {self.store_ids}"
            ) from None

    @property
    def n_ticks(self) -> int:
        return self._n_ticks

    @property
    def focal_policies(self) -> list[StorePolicy]:
        return self.stores[self.focal].policies

    def hooks(self, name: str) -> list[tuple[int, Any]]:
        """(store, bound method) of every policy that overrides the hook `name`."""
        return self._hooks[name]

    def schedule_visits(self, ticks: np.ndarray, rows: np.ndarray) -> None:
        """Extra (policy- or word-of-mouth-driven) occasions at given future ticks."""
        ticks = np.asarray(ticks)
        if ticks.size <= 16:  # the usual few recruits: one-row views, no sorting
            horizon, pending = self._horizon, self._pending
            for i, tick in enumerate(ticks.tolist()):
                if tick < horizon:
                    pending[tick].append(rows[i : i + 1])
            return
        inside = ticks < self._horizon
        if not inside.all():
            ticks, rows = ticks[inside], rows[inside]
            if not ticks.size:
                return
        order = np.argsort(ticks, kind="stable")  # each tick's rows in their given order
        ticks, rows = ticks[order], rows[order]
        cuts = np.flatnonzero(ticks[1:] != ticks[:-1]) + 1
        for tick, part in zip(ticks[np.r_[0, cuts]].tolist(), np.split(rows, cuts), strict=True):
            self._pending[tick].append(part)

    def active_counts(self) -> np.ndarray:
        """Per store: customers who bought there in the last 180 days, still in the category."""
        pop = self.pop
        since = active_since(self, self.t)  # t - last_visit < window, in integers
        if kernels.compiled():  # one pass, the same integer counts
            from sim.kernels import weekly

            return weekly.active_counts(pop.last_visit, pop.state, since)
        alive = pop.state != CHURNED
        if pop.n <= 200_000:
            # One contiguous comparison and a float32 matrix-vector product: exact (sums of 0/1
            # below 2**24) and, at this size, faster than counting column by column.
            recent = (pop.last_visit > since).astype(np.float32)
            return (alive.astype(np.float32) @ recent).astype(np.int64)
        return np.array(
            [np.count_nonzero((pop.last_visit[:, s] > since) & alive) for s in range(self.n_stores)]
        )

    # ------------------------------------------------------------------ the schedule
    def step(self) -> None:
        """One tick: plans, occasions (choice, purchase, service, complaints, word of mouth),
        extra visits, weekly housekeeping (recruitment, entry, states), year end."""
        t = self.t
        if t >= self.n_ticks:
            self.running = False
            return
        for _, plan in self.hooks("plan"):
            plan(t)
        extra = self._pending.pop(t, None)
        # Scheduled extra visits: at most one per customer and tick, none for a customer who
        # comes anyway (a natural occasion this tick).
        visits = np.concatenate(extra) if extra else _NO_ROWS
        next_tick = self.pop.next_tick
        if not visits.size:
            visits = _NO_ROWS
        elif visits.dtype == np.int64 and next_tick.dtype == np.int32 and kernels.compiled():
            from sim.kernels.clocks import scheduled

            visits = scheduled(visits, next_tick, t)  # the same rows, one compiled pass
        else:
            visits = np.unique(visits)
            visits = visits[next_tick[visits] != t]
        if self.twin is not None and visits.size:  # members' visits go to their block
            visits = self.twin.split(visits)
        if self.activation == "batch":
            rows = due_now(self, t)
            compiled = False
            if kernels.compiled():  # the tick's batches compiled; False: the NumPy rules
                from sim.kernels.pipeline import tick_occasions

                compiled = tick_occasions(self, t, rows, visits)
            if not compiled:
                draws = OccasionDraws.draw(self, rows.size)
                if visits.size:  # one pipeline call for both: the per-call overhead dominates
                    natural = np.zeros(rows.size + visits.size, bool)
                    natural[: rows.size] = True
                    draws = OccasionDraws.concat(draws, OccasionDraws.keyed(self, t, visits))
                    process_occasions(
                        self, t, np.concatenate([rows, visits]), draws, natural=natural
                    )
                elif rows.size:
                    process_occasions(self, t, rows, draws)
                rows = rows[self.pop.next_tick[rows] == t]
                while rows.size:  # customers with several occasions in this tick
                    process_occasions(self, t, rows, OccasionDraws.draw(self, rows.size))
                    rows = rows[self.pop.next_tick[rows] == t]
        else:
            self.customer_set.shuffle_do("step")
            if visits.size:
                process_occasions(
                    self, t, visits, OccasionDraws.keyed(self, t, visits), natural=False
                )
        if self.twin is not None and not self._burning:
            self.twin.step(t)
        days_done = (t + 1) * self.calendar.tick_days
        if days_done % HOUSEKEEPING_DAYS < self.calendar.tick_days or t == self.n_ticks - 1:
            self._housekeeping(t)
        if self.calendar.is_year_end(t):
            self._year_end(t)
        self.t += 1
        if self.t >= self.n_ticks:
            self.running = False

    def _housekeeping(self, t: int) -> None:
        """The week's rules (`sim.agents.weekly`), the policies' housekeeping, then the active
        counts and the series' row (counted in the same pass as the states when no policy's
        housekeeping may change them: `StorePolicy.movable_hooks`)."""
        hooks = self.hooks("housekeeping")
        counting = not self._burning  # the burn-in's ledger is thrown away: no counts for it
        # Counted in the week's own pass when no hook after it can change what it counts
        # (states, last visits): not a second pass over the population.
        early = counting and all(movable(self, "housekeeping", h) for _, h in hooks)
        counts = weekly_rules(self, t, self._last_housekeeping, early)
        for _, housekeeping in hooks:
            housekeeping(t)
        if counting:
            if counts is None:
                counts = census(self)
            self.ledger.snapshots["active"][t:] = counts[0]
            record_series(self, counts)
        self._last_housekeeping = t

    def _year_end(self, t: int) -> None:
        """Year-over-year retention per store, overall and for the previous year's top 20%."""
        pop = self.pop
        year = int(self.calendar.year_of(t))
        if year >= 1:
            # Each store's column made contiguous once; its buyers of last year picked out once.
            prev_by_store = np.ascontiguousarray(pop.prev_year_spend.T)
            this_by_store = np.ascontiguousarray(pop.year_spend.T)
            for s in range(self.n_stores):
                base = prev_by_store[s] > 0
                prev = prev_by_store[s][base]
                kept = this_by_store[s][base] > 0
                n_base = prev.size
                if n_base:
                    vip = prev >= np.quantile(prev, 0.8)
                    n_vip, n_vip_kept = int(vip.sum()), int((vip & kept).sum())
                else:
                    n_vip = n_vip_kept = 0
                self.ledger.yearly.append(
                    {
                        "year": year,
                        "store": self.store_ids[s],
                        "base": n_base,
                        "retained": int(kept.sum()),
                        "vip_base": n_vip,
                        "vip_retained": n_vip_kept,
                    }
                )
        pop.prev_year_spend[:] = pop.year_spend
        pop.year_spend[:] = 0.0

    def run(self, progress: bool = False) -> RetailModel:
        """Run all ticks (optionally with a tqdm progress bar)."""
        ticks = range(self.t, self.n_ticks)
        if progress:
            from tqdm.auto import tqdm

            ticks = tqdm(ticks, desc="simulating", unit="tick", leave=False)
        for _ in ticks:
            self.step()
        return self

    # ------------------------------------------------------------------ outputs
    def transactions_frame(self) -> pd.DataFrame:
        """All purchases so far as a tidy log (the transaction-log schema of DESIGN.md)."""
        return self.transactions.frame(self.calendar.dates(), self.store_ids)

    def summary(self) -> dict[str, Any]:
        from sim.metrics import summary

        return summary(self)

    def metrics_frame(self) -> pd.DataFrame:
        from sim.metrics import metrics_frame

        return metrics_frame(self)

    def segment_of(self, row: int) -> str:
        from sim.segmenting import current_segments

        return current_segments(self)[row]


# Re-exported so `first_visit` semantics live next to the model users read.
__all__ = ["RetailModel", "NOT_YET", "NEVER"]
