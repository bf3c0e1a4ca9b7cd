"""The member block: a twin's members as the focal store's customers, reached by its policies.

A market with ``members`` (a member-twin file written by ``experiments.calibrate``) makes the
focal store's customers the store's own members (``sim.twin``). Each member is a row of the
model's population, appended after the residents' burn-in, so every policy hook, targeting
rule, segment and KPI sees them exactly as it sees residents. The residents keep buying at the
rival stores only (their focal-store utility is -inf).

**At baseline a member follows its fitted process exactly.** Its traits are one exact posterior
draw given its history (``sim.customer_base.posterior``): purchase rate lambda, Erlang-k
timing, dropout p per purchase (BG/NBD, MBG/CNBD-k) or an exponential lifetime (Pareto/NBD),
Gamma-Gamma spend. New members arrive at the fitted weekly rate with prior traits.

**Policies reach members through the lab's rules, as changes to that process** (the choice
made for issue 19; docs/calibration.md, "How policies reach the members"):

- *store choice* (multinomial logit, SEEDS 000): the member's occasions at the focal store are
  its share of its category occasions. At baseline that share is pi0, the focal store's mean
  logit share among its own customers in the market's choice model (measured at set-up); a
  utility change dV (the focal store's ``utility`` hooks plus ``beta_satisfaction`` x the
  satisfaction the policies changed) moves it to logistic(logit pi0 + dV), so the member's
  purchase rate is multiplied by logistic(logit pi0 + dV) / pi0 (1 at baseline). Scheduled
  extra visits (campaigns, reactivation) are taken with probability logistic(logit pi0 + dV),
  carry no dropout chance and leave the member's own clock alone, as for residents;
- *service and satisfaction* (SEEDS 001): each purchase is a service experience (the store's
  service, noise, the ``service`` hooks); satisfied / dissatisfied visits are counted. A
  member's satisfaction column at the focal store holds its difference from the baseline (the
  same smoothing applied to the experience the policies added; gifts add to it directly);
- *complaints* (``complain``, SEEDS 001: 1 in 25, 60% of resolved complainers stay): a member
  who walks away leaves the store for good, i.e. leaves the twin;
- *churn*: a member leaves the category after a category purchase (BG/NBD's dropout, per
  occasion), so a policy that wins it more of its occasions (rate x m) divides its dropout
  chance per focal purchase by m: winning a share does not hasten leaving. After a
  dissatisfying visit the dropout chance is multiplied by
  ``dissatisfied_attrition_multiplier`` (SEEDS 001). The member's own p is replaced by the p'
  that gives p exactly once the baseline chances of a dissatisfying visit and of walking away
  are counted (``baseline_dropout``); Pareto/NBD's death rate mu loses the baseline walking-away
  rate instead. So a policy that serves better or resolves more complaints keeps members longer;
- *gifts, points, VIP, discounts*: the ``discount`` and ``on_purchases`` hooks run on members'
  purchases (``buy``), and the ``housekeeping`` hooks see them like any customer.

Word of mouth: members have no social ties (the satisfaction shifts word of mouth carries among
residents are part of the members' fitted behaviour); the referrals a policy adds to the fitted
acquisition (more satisfied members, a referral multiplier) bring new members
(``sim.member_referrals``). Set-up steps: ``sim.member_setup``.
Random numbers are keyed by member and purchase number (or tick, for extra visits), so a
policy that changes one member's purchases leaves every other member's numbers alone
(common random numbers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import expit, gammaincinv, logit, ndtr, ndtri

from sim.agents.customer import buy, complain
from sim.agents.weekly import SATISFACTION_BOUND
from sim.customer_base.posterior import draw_new, draw_posterior, draw_spend
from sim.member_referrals import refer, spare_rows
from sim.member_setup import (
    append_member_rows,
    baseline_dropout,
    baseline_share,
    expanded,
    forget_store,
)
from sim.population import ACTIVE, CHURNED
from sim.rng import KeyedDraws
from sim.twin import UNIT_DAYS, TwinSpec

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel

__all__ = ["MemberBlock", "baseline_dropout"]

MEMBER_KEY = 0x7817
_W, _COIN, _SERVICE, _COMPLAINT, _TICKET, _CHOICE = 0, 1, 2, 3, 6, 7
N_DRAWS = 8


class MemberBlock:
    """The twin's members inside a `RetailModel` (module doc); ``step(t)`` runs their tick."""

    def __init__(self, model: RetailModel, spec: TwinSpec) -> None:
        self.model, self.spec = model, spec
        market, b, st = model.market, model.behaviour, model.store_arrays
        s = self.focal = model.focal
        self.tick_weeks = model.calendar.tick_days / UNIT_DAYS
        start_day = int(np.datetime64(str(market.start_date), "D").astype(np.int64))
        ss = np.random.SeedSequence([model.seed, MEMBER_KEY])
        r_expand, r_traits, r_new, r_spend, r_attr, r_net, r_spare = (
            np.random.default_rng(x) for x in ss.spawn(7)
        )
        spec = self.spec = expanded(spec, r_expand)
        m = spec.members
        params = np.asarray(spec.params, dtype=np.float64)
        x, t_x, T = (m[c].to_numpy(np.float64) for c in ("x", "t_x", "T"))
        traits = draw_posterior(
            spec.model, params, x, t_x, T, r_traits, k=spec.k, litt=m["litt"].to_numpy(np.float64)
        )
        nu = draw_spend(
            np.asarray(spec.spend), x, m["monetary_value"].to_numpy(np.float64), r_spend
        )
        # Run weeks (from the market's start) of the calibration end and of the run's end.
        origin = (spec.calibration_end - start_day) / UNIT_DAYS
        end = model.n_ticks * self.tick_weeks
        n_old = spec.n
        n_new = int(r_new.poisson(spec.new_per_week * max(end - origin, 0.0)))
        arrive = np.sort(r_new.uniform(origin, end, n_new)) if n_new else np.zeros(0)
        # Rows kept for referred members (sim.member_referrals), prior traits drawn now.
        n_spare = spare_rows(b.wom_new_per_satisfied_year, end / 52.0, n_old + n_new)
        new = draw_new(spec.model, params, n_new, r_new, k=spec.k)
        spare = draw_new(spec.model, params, n_spare, r_spare, k=spec.k)
        self.n_members, self.n_new = n_old, n_new
        self.spare_start = self.spare_next = n_old + n_new
        self.spare_stop = n = n_old + n_new + n_spare
        self.spare_warned = False
        nu = np.concatenate(
            [
                nu,
                r_new.gamma(spec.spend[1], 1.0 / spec.spend[2], n_new),
                r_spare.gamma(spec.spend[1], 1.0 / spec.spend[2], n_spare),
            ]
        )
        self.lam = np.concatenate([traits.lam, new.lam, spare.lam])
        self.drop = drop = np.concatenate([traits.drop, new.drop, spare.drop])
        self.k = int(traits.k)
        self.pareto = spec.model == "paretonbd"
        self.first_drop = np.zeros(n, bool)
        self.first_drop[n_old:] = spec.model == "mbgcnbd"
        self.arrive = np.concatenate([np.full(n_old, origin), arrive, np.full(n_spare, np.inf)])
        self.now = self.arrive.copy()
        self.W = np.concatenate(
            [
                r_traits.standard_gamma(traits.stages.astype(np.float64)),
                r_new.standard_gamma(float(self.k), n_new),
                r_spare.standard_gamma(float(self.k), n_spare),
            ]
        )
        self.buys = np.zeros(n, dtype=np.int64)
        self.mult = np.ones(n)  # each member's purchase-rate multiplier this tick
        self.good = np.zeros(n, bool)  # last visit satisfied (with / without the policies)
        self.good0 = np.zeros(n, bool)

        # Baseline chances of a dissatisfying visit and of walking away after one.
        noise = max(b.service_noise, 1e-12)
        self.bad0 = float(ndtr((b.dissatisfied_threshold - st.service[s]) / noise))
        res = float(st.resolution[s])
        stay = res * b.resolved_stay_probability + (1 - res) * b.unresolved_stay_probability
        self.walk0 = b.complaint_probability * (1.0 - stay)
        if self.pareto:  # mu, less the baseline rate of walking away (purchases x bad x walk)
            mu = np.maximum(drop - self.lam * self.bad0 * self.walk0, 0.0)
            self.life = r_traits.exponential(1.0, n) / np.maximum(mu, 1e-300)
            self.p = np.zeros(n)
        else:
            self.life = np.full(n, np.inf)
            mult = b.dissatisfied_attrition_multiplier
            self.p = baseline_dropout(drop, self.bad0, self.walk0, mult)
        self.death = self.arrive + self.life

        self.share0 = baseline_share(model, s)
        self.logit0 = float(logit(self.share0))
        forget_store(model, s)
        spend = spec.spend[0] / nu / st.price_level[s]  # buy(): mean spend x price level
        self.first = append_member_rows(
            model, m, traits.alive, n, spend, start_day, (r_attr, r_net)
        )
        self.rows = self.first + np.arange(n)
        model.pop.rate[self.rows] = self.lam * 52.0
        model.pop.dropout[self.rows] = self.p
        self._key = KeyedDraws(model.seed, "member", 0)
        self._booking = False
        self._pre_run(origin)
        self._booking = True

    # ------------------------------------------------------------------ set-up
    @classmethod
    def attach(cls, model: RetailModel) -> MemberBlock:
        from sim.errors import ConfigError

        try:
            spec = TwinSpec.load(model.market.members)
        except ValueError as e:
            raise ConfigError("market.members", str(e).split(": ", 1)[-1]) from None
        return cls(model, spec)

    def _pre_run(self, origin: float) -> None:
        """From the calibration end to the market's start (when it starts later): the fitted
        process alone (dropout p itself), nothing booked; only the members' stamps move."""
        if origin >= 0:
            return
        pop, s = self.model.pop, self.focal
        early = self.n_members + np.flatnonzero(self.arrive[self.n_members :] < 0)
        if early.size:  # new members who arrived before the start: their first purchase
            rows = self.rows[early]
            tick = np.floor(self.arrive[early] / self.tick_weeks).astype(np.int64)
            pop.state[rows] = ACTIVE
            pop.joined[rows] = pop.last_purchase[rows] = tick
            pop.first_visit[rows, s] = pop.last_visit[rows, s] = tick
            pop.last_store[rows] = s
            u = self._draws(early)
            if not self.pareto:
                self._leave(early[self.first_drop[early] & (u[:, _COIN] < self.drop[early])])
        idx = np.flatnonzero((self.arrive < 0) & (pop.state[self.rows] != CHURNED))
        for due, when in self._occasions(idx, np.ones(idx.size), 0.0):
            u = self._draws(due)
            tick = np.floor(when / self.tick_weeks).astype(np.int64)
            rows = self.rows[due]
            pop.last_visit[rows, s] = tick
            pop.last_purchase[rows] = tick
            if not self.pareto:
                self._leave(due[u[:, _COIN] < self.drop[due]])

    # ------------------------------------------------------------------ draws and choice
    def _draws(self, idx: np.ndarray) -> np.ndarray:
        """Each member's numbers for its next purchase (keyed by member and purchase number);
        also draws its next gap."""
        key = (idx.astype(np.uint64) << np.uint64(24)) | self.buys[idx].astype(np.uint64)
        u = self._key.random(key, N_DRAWS)
        self.buys[idx] += 1
        w = u[:, _W]
        self.W[idx] = -np.log1p(-w) if self.k == 1 else gammaincinv(float(self.k), w)
        return u

    def lift(self, t: int, idx: np.ndarray) -> np.ndarray:
        """dV: what the focal store's policies add to its utility for these members now."""
        model, s = self.model, self.focal
        rows = self.rows[idx]
        dv = model.behaviour.beta_satisfaction * model.pop.satisfaction[rows, s].astype(np.float64)
        for store, utility in model.hooks("utility"):
            if store == s and utility != self.residents_elsewhere:
                extra = utility(rows)
                if extra is not None:
                    dv = dv + extra
        return dv

    def residents_elsewhere(self, rows: np.ndarray) -> np.ndarray:
        """The residents' utility for the focal store: -inf (its customers are the members)."""
        return np.full(len(rows), -np.inf)

    # ------------------------------------------------------------------ the tick
    def _occasions(self, idx: np.ndarray, mult: np.ndarray, hi: float):
        """Yield (members, times) of successive purchase rounds in (now, hi]: each member's
        remaining Erlang work W is used up at its rate x ``mult``; the caller draws the next
        gap (``_draws``). Pareto/NBD members die at their death time."""
        rate = self.lam[idx] * mult
        while idx.size:
            when = self.now[idx] + self.W[idx] / np.maximum(rate, 1e-300)
            end = np.minimum(hi, self.death[idx])
            due = when <= end
            rest = idx[~due]
            self.W[rest] -= rate[~due] * np.maximum(end[~due] - self.now[rest], 0.0)
            self.now[rest] = np.maximum(self.now[rest], end[~due])
            dead = rest[self.death[rest] <= hi]
            if dead.size:
                self._leave(dead)
            idx, rate, when = idx[due], rate[due], when[due]
            if idx.size:
                self.now[idx] = when
                yield idx, when
                keep = self.model.pop.state[self.rows[idx]] != CHURNED
                idx, rate = idx[keep], rate[keep]

    def _leave(self, idx: np.ndarray) -> None:
        model = self.model
        rows = self.rows[idx]
        rows = rows[model.pop.state[rows] != CHURNED]
        if rows.size:
            model.pop.state[rows] = CHURNED
            if self._booking:
                model.ledger.add("churned", model.t, np.full(rows.size, self.focal))

    def step(self, t: int) -> None:
        """Tick t: arrivals (their first purchase), then every alive member's purchases."""
        lo, hi = t * self.tick_weeks, (t + 1) * self.tick_weeks
        pop = self.model.pop
        later = self.arrive[self.n_members : self.spare_next]
        idx = self.n_members + np.flatnonzero((later > lo) & (later <= hi))
        if idx.size:
            rows = self.rows[idx]
            pop.state[rows] = ACTIVE
            pop.joined[rows] = t
            pop.last_purchase[rows] = t
            u = self._draws(idx)
            self._purchase(t, idx, u, natural=self.first_drop[idx])
        live = np.flatnonzero((pop.state[self.rows] != CHURNED) & (self.arrive <= hi))
        if live.size:
            np.maximum(self.now, lo, out=self.now, where=self.arrive <= lo)
            self.mult[live] = expit(self.logit0 + self.lift(t, live)) / self.share0
            for idx, _when in self._occasions(live, self.mult[live], hi):
                self._purchase(t, idx, self._draws(idx), natural=True)
        refer(self, t, hi)

    def visit(self, t: int, rows: np.ndarray) -> None:
        """Scheduled extra visits of members (campaigns, reactivation): the focal store is
        taken with its choice probability; no dropout chance, the member's clock unchanged."""
        idx = rows - self.first
        idx = idx[self.model.pop.state[rows] != CHURNED]
        if idx.size == 0:
            return
        u = KeyedDraws(self.model.seed, "member_visit", t).random(self.rows[idx], N_DRAWS)
        take = u[:, _CHOICE] < expit(self.logit0 + self.lift(t, idx))
        if take.any():
            self._purchase(t, idx[take], u[take], natural=False)

    def split(self, rows: np.ndarray) -> np.ndarray:
        """Residents' rows of a batch of scheduled visits; the members' go to ``visit``."""
        mine = rows >= self.first
        if mine.any():
            self.visit(self.model.t, rows[mine])
            return rows[~mine]
        return rows

    def _purchase(self, t: int, idx: np.ndarray, u: np.ndarray, natural: Any) -> None:
        """One purchase at the focal store per member: the lab's purchase, service, complaint
        and dropout rules (module doc)."""
        model, b, st, s = self.model, self.model.behaviour, self.model.store_arrays, self.focal
        pop, rows = model.pop, self.rows[idx]
        stores = np.full(rows.size, s, dtype=np.int64)
        p_gg = self.spec.spend[0]
        g = b.ticket_shape * gammaincinv(p_gg, u[:, _TICKET]) / p_gg
        buy(model, t, rows, stores, g)
        base = st.service[s] + b.service_noise * ndtri(u[:, _SERVICE])
        experience = base.copy()
        for store, service in model.hooks("service"):
            if store == s:
                extra = service(t, rows)
                if extra is not None:
                    experience += extra
        good = experience >= b.satisfied_threshold
        bad = experience <= b.dissatisfied_threshold
        self.good[idx], self.good0[idx] = good, base >= b.satisfied_threshold
        clip = SATISFACTION_BOUND
        gap = np.clip(experience, -clip, clip) - np.clip(base, -clip, clip)
        sat = pop.satisfaction[rows, s]
        pop.satisfaction[rows, s] = sat + b.satisfaction_learning * (gap - sat)
        model.ledger.add("satisfied", t, stores[good])
        model.ledger.add("dissatisfied", t, stores[bad])
        complain(model, t, rows, stores, bad, u[:, _COMPLAINT : _COMPLAINT + 3])
        leave = pop.left_store[rows, s].copy()
        if not self.pareto:  # per category occasion: a larger share does not hasten leaving
            p = self.p[idx] * np.where(bad, b.dissatisfied_attrition_multiplier, 1) / self.mult[idx]
            leave |= np.asarray(natural, dtype=bool) & (u[:, _COIN] < p)
        if leave.any():
            self._leave(idx[leave])

    # ------------------------------------------------------------------ reading
    def waiting(self) -> int:
        """Member rows not arrived yet (new members to come, unused referral rows): outside
        the category, but not churned."""
        now = (self.model.t + 1) * self.tick_weeks
        return int(np.count_nonzero(self.arrive[self.n_members :] > now))

    def member_rows(self, cohort: bool = False) -> np.ndarray:
        """Population rows of the members (``cohort``: of the calibration cohort only)."""
        return self.rows[: self.n_members] if cohort else self.rows
