"""A store's own purchases, kept up to date between a policy's rounds, and the two segment rules
the shipped policies ask for every few weeks, computed from it alone.

`sim.segmenting.members_in` and the `promo_only` rule of `sim.segments` summarise the whole
transaction log over every customer at each call (~2-5 ms); a reactivation wave or a blacklist
refresh every four weeks paid that 39 times a run. Here each store's rows of the log are
appended as the log grows, its visits (customer-days) are counted once, and a round reads only
the trailing window it needs. The results are the same rows and flags, bit for bit: the same
integer counts, the same float operations on the same values, sums in the log's order.
Whenever that cannot be guaranteed (a log whose ticks go back, a customer code beyond the
population, a tick after `as_of`) the caller's reference computation is used instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import kernels
from sim.segments import SEGMENTS, SegmentParams, _bottom

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel

_NONE = np.iinfo(np.int64).min
_LAPSED = frozenset(("sleeping", "silent"))


class StoreLog:
    """One store's rows of a model's transaction log (in log order) and its visit counts."""

    def __init__(self, buffer: object, store: int, n: int) -> None:
        self.buffer, self.store, self.n = buffer, store, n
        self.done = 0  # log rows read so far
        self.ordered = True  # ticks never went back: visits can be counted incrementally
        self.max_tick = _NONE
        self._parts: list[tuple[np.ndarray, ...]] = []
        self._cols: tuple[np.ndarray, ...] | None = None
        self.first_tick = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        self.last_tick = np.full(n, _NONE, dtype=np.int64)
        self.n_visits = np.zeros(n, dtype=np.int64)
        self._visits: list[tuple[np.ndarray, np.ndarray]] = []
        self._uncounted: list[tuple[np.ndarray, np.ndarray]] = []  # parts read, visits not yet
        self._vcols: tuple[np.ndarray, np.ndarray] | None = None

    def read(self, buffer) -> bool:
        """Take in the log rows added since the last call; False: the rows do not fit (the
        caller then computes from the whole log)."""
        if len(buffer) == self.done:
            return True
        tick, cust, st, amount, discount = buffer.since(self.done)
        self.done = len(buffer)
        if kernels.compiled():  # the same rows and checks in one pass
            from sim.kernels.storelog import store_rows

            c, tk, paid, promo, bad, back, last = store_rows(
                tick, cust, st, amount, discount, self.store, self.n
            )
            if c.size == 0:
                return True
            if bad:
                return False
            self._add(c, tk, paid, promo, back, int(last))
            return True
        here = np.flatnonzero(st == self.store)
        if here.size == 0:
            return True
        tk = tick[here].astype(np.int64)
        c = cust[here].astype(np.int64)
        if c.min() < 0 or c.max() >= self.n:
            return False
        back = bool(tk.size > 1 and (tk[1:] < tk[:-1]).any())
        self._add(c, tk, amount[here] - discount[here], discount[here] > 0, back, int(tk.max()))
        return True

    def _add(self, c, tk, paid, promo, back: bool, last: int) -> None:
        """Keep the store's new rows (`back`: their ticks go back; `last`: their last tick)."""
        self._parts.append((c, tk, paid, promo))
        self._cols = None
        if tk[0] < self.max_tick or back:
            self.ordered = False
        self._uncounted.append((c, tk))
        self.max_tick = max(self.max_tick, last)

    def _count_visits(self, c: np.ndarray, tk: np.ndarray) -> None:
        """Add the new customer-ticks (ticks in order, so a visit already counted is one at
        the customer's last tick)."""
        if kernels.compiled():
            from sim.kernels.storelog import count_visits

            vc, vt = count_visits(c, tk, self.n, self.n_visits, self.first_tick, self.last_tick)
            if vc.size:
                self._visits.append((vc, vt))
                self._vcols = None
            return
        key = (tk - tk[0]) * self.n + c  # by tick, then customer
        key = np.unique(key)
        vt, vc = key // self.n + tk[0], key % self.n
        new = self.last_tick[vc] != vt
        vt, vc = vt[new], vc[new]
        if vc.size == 0:
            return
        np.add.at(self.n_visits, vc, 1)
        np.minimum.at(self.first_tick, vc, vt)
        np.maximum.at(self.last_tick, vc, vt)
        self._visits.append((vc, vt))
        self._vcols = None

    def columns(self) -> tuple[np.ndarray, ...]:
        """(customer, tick, paid, promo) of the store's purchases, in log order."""
        if self._cols is None:
            if self._parts:
                self._cols = tuple(np.concatenate(p) for p in zip(*self._parts, strict=True))
                self._parts = [self._cols]
            else:
                self._cols = (
                    np.zeros(0, np.int64),
                    np.zeros(0, np.int64),
                    np.zeros(0),
                    np.zeros(0, bool),
                )
        return self._cols

    def visits(self) -> tuple[np.ndarray, np.ndarray]:
        """(customer, tick) of each visit, in tick order (only for an `ordered` log); the
        per-customer counts `n_visits`, `first_tick` and `last_tick` are current after it."""
        for c, tk in self._uncounted:
            self._count_visits(c, tk)
        self._uncounted = []
        if self._vcols is None:
            if self._visits:
                self._vcols = tuple(np.concatenate(p) for p in zip(*self._visits, strict=True))
                self._visits = [self._vcols]
            else:
                self._vcols = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        return self._vcols


def store_log(model: RetailModel, store: int, as_of_tick: int) -> StoreLog | None:
    """The store's log read up to now, or None when it cannot stand for the whole log (see the
    module doc)."""
    logs = model.__dict__.setdefault("_store_logs", {})
    buf = model.transactions
    log = logs.get(store)
    if log is None or log.buffer is not buf or log.n != model.pop.n or len(buf) < log.done:
        log = logs[store] = StoreLog(buf, store, model.pop.n)
    if not log.read(buf):
        logs.pop(store, None)
        return None
    if log.max_tick > as_of_tick:
        return None
    return log


def lapsed_members(
    model: RetailModel, names: tuple[str, ...], store: int, params: SegmentParams
) -> np.ndarray:
    """`sim.segmenting.members_in(model, names, store)` for the segments sleeping and silent
    (the first two in precedence, so a member is in one of them exactly when a rule of the two
    holds): the same rows, from the store's own visits."""
    from sim.segmenting import DEFAULT, members_in

    t = model.t
    log = store_log(model, store, t) if set(names) == _LAPSED and params == DEFAULT else None
    if log is None or not log.ordered or tuple(SEGMENTS[:2]) != ("sleeping", "silent"):
        return members_in(model, list(names), store)
    td = model.calendar.tick_days
    as_of = t * td
    vc, vt = log.visits()
    if kernels.compiled():
        from sim.kernels.storelog import lapsed

        return lapsed(
            log.n_visits,
            log.first_tick,
            log.last_tick,
            vc,
            vt,
            as_of,
            td,
            float(params.half_year_days),
            float(params.sleeping_days),
            float(params.silent_ratio),
        )
    m = np.flatnonzero(log.n_visits > 0)
    recent = (as_of - vt * td) < params.half_year_days
    n_half = np.bincount(vc[recent], minlength=log.n)[m]
    n_purchases = log.n_visits[m]
    days_since = as_of - log.last_tick[m] * td
    tenure = (as_of - log.first_tick[m] * td).astype(np.float64) + 1
    sleeping = days_since >= params.sleeping_days
    half_years = np.maximum(tenure / params.half_year_days, 1.0)
    silent = n_half < params.silent_ratio * (n_purchases / half_years)
    return m[sleeping | silent]


def promo_only_mask(
    model: RetailModel, store: int, t: int, params: SegmentParams
) -> np.ndarray | None:
    """The `promo_only` rule of `sim.segments` for the store's members as of tick t: active in
    the last year, at least `promo_only_min_share` of that year's purchases on promotion, in
    the bottom `promo_bottom_share` of active members by yearly spend. None: use the reference
    computation."""
    log = store_log(model, store, t)
    if log is None:
        return None
    c, tk, paid, promo = log.columns()
    td = model.calendar.tick_days
    n = log.n
    if kernels.compiled():
        from sim.kernels.storelog import promo_only

        return promo_only(
            c,
            tk,
            paid,
            promo,
            n,
            t * td,
            td,
            float(params.year_days),
            float(params.promo_bottom_share),
            float(params.promo_only_min_share),
        )
    in_year = (t * td - tk * td) < params.year_days
    c, paid, promo = c[in_year], paid[in_year], promo[in_year]
    n_tx_year = np.bincount(c, minlength=n)
    active = np.flatnonzero(n_tx_year)  # members with a purchase in the last year
    # Summed in log order, as `summarize_arrays` does (its zeros for older rows add
    # nothing).
    yearly = np.bincount(c, weights=paid, minlength=n)[active]
    share = np.bincount(c[promo], minlength=n)[active] / n_tx_year[active]
    bottom = _bottom(yearly, np.ones(active.size, dtype=bool), params.promo_bottom_share)
    out = np.zeros(n, dtype=bool)
    out[active[(share >= params.promo_only_min_share) & bottom]] = True
    return out
