"""`promo_blacklist`: leave promotion-only members out of the store's campaigns."""

from __future__ import annotations

import numpy as np

from sim.policies.base import StorePolicy
from sim.policies.budget import check_bool, check_int, check_number
from sim.policies.levers import Lever, count_lever, share_lever
from sim.policies.store_log import promo_only_mask
from sim.segments import SEGMENTS, SegmentParams, segment_flags, summarize_arrays


class PromoBlacklist(StorePolicy):
    """A promotion blacklist of the 'low-price low-frequency' members (SEEDS 003, segment 5).

    SEEDS 003, segment 5: the bottom 15-20% by promotion revenue come only for giveaways and
    contribute little or no cash; put them on a promotion blacklist, leave them out of the next
    campaign's target list and spend the saving on high-value members. Every
    ``refresh_weeks`` weeks (weekly housekeeping) the store adds to the list every member who
    meets the ``promo_only`` rule of `sim.segments` in its own transaction log (active in the
    last year, at least ``min_promo_share`` (80%) of purchases on promotion, in the bottom
    ``bottom_share`` (20%) by yearly spend: the blacklist threshold), whatever
    other segment label they carry (a promo-only buyer who has gone quiet is still one). With
    ``sticky`` (the default) a member stays listed until they buy here without a promotion;
    otherwise the list is rebuilt from scratch at each refresh. The store's `promotions` policy
    (when present on the same store) skips listed members when it draws up a campaign's target
    list. The list itself costs nothing.
    """

    name = "promo_blacklist"
    classifier = {
        "source": "SEEDS 003, segment 5 (promotion blacklist)",
        "targets": "members in segment promo_only (excluded from promotions)",
        "cost": "none (saves promotion spending)",
        "stochastic": False,
    }
    movable_hooks = frozenset({"on_purchases", "housekeeping"})  # its own list only

    param_docs = {
        "refresh_weeks": "rebuild or extend the list every this many weeks",
        "sticky": "keep members listed until they buy without a promotion",
        "bottom_share": "the threshold: bottom share by yearly spend among promotion-only buyers",
        "min_promo_share": "promotion-only: at least this share of purchases on promotion",
    }
    """What each constructor parameter means (ranges: the checks in __init__)."""

    levers = (
        count_lever("refresh_weeks", 1, 26, "rebuild or extend the list every this many weeks"),
        Lever("sticky", "choice", choices=(True, False), meaning="keep members listed"),
        share_lever(
            "bottom_share", "the threshold: bottom share of promotion-only buyers", high=0.95
        ),
        Lever("min_promo_share", "float", 0.5, 1.0, meaning="promotion-only: share on promotion"),
    )
    """What the store decides (searched by experiments.design)."""

    def __init__(
        self,
        refresh_weeks: int = 4,
        sticky: bool = True,
        bottom_share: float = 0.2,
        min_promo_share: float = 0.8,
    ) -> None:
        super().__init__()
        self.refresh_weeks = check_int(self.name, "refresh_weeks", refresh_weeks, low=1)
        # The segment's cut-offs (SEEDS 003, segment 5: the bottom 15-20% ...; ... (almost)
        # only on promotion), validated by SegmentParams with this policy's field names.
        self.bottom_share = check_number(
            self.name, "bottom_share", bottom_share, low=0, high=1, low_open=True, high_open=True
        )
        self.min_promo_share = check_number(
            self.name, "min_promo_share", min_promo_share, low=0, high=1, low_open=True
        )
        self.segment_params = SegmentParams(
            promo_bottom_share=self.bottom_share, promo_only_min_share=self.min_promo_share
        )
        self.sticky = check_bool(self.name, "sticky", sticky)

    def reset(self) -> None:
        n = self.model.pop.n if self.model else 0
        self.mask = np.zeros(n, dtype=bool)
        self.ever = np.zeros(n, dtype=bool)
        self._last_refresh: int | None = None
        self.refreshes = 0

    def promo_only(self, t: int) -> np.ndarray:
        """Mask of members meeting the promo_only rule (SEEDS 003, segment 5) as of tick t."""
        model, s = self.model, self.store
        assert model is not None
        flags = promo_only_mask(model, s, t, self.segment_params)  # the store's log, kept
        if flags is not None:
            return flags
        tick, cust, st, amount, discount = model.transactions.arrays()
        here = (st == s) & (tick <= t)
        td = model.calendar.tick_days
        features = summarize_arrays(
            cust[here],
            tick[here].astype(np.int64) * td,
            amount[here] - discount[here],
            discount[here] > 0,
            as_of=t * td,
            n_customers=model.pop.n,
            params=self.segment_params,
        )
        return segment_flags(features, self.segment_params)[:, SEGMENTS.index("promo_only")]

    def refresh(self, t: int) -> None:
        """Add the members flagged promo_only now (or rebuild the list, when not sticky)."""
        flagged = self.promo_only(t)
        if self.sticky:
            self.mask |= flagged
        else:
            self.mask[:] = flagged
        self.ever |= self.mask
        self._last_refresh = t
        self.refreshes += 1

    def on_purchases(self, t: int, rows: np.ndarray, amounts: np.ndarray) -> None:
        # A listed member gets no promotion from this store, so any purchase here shows they
        # buy without one: off the list (sticky mode; otherwise the next refresh decides).
        if self.sticky:
            self.mask[rows] = False

    def housekeeping(self, t: int) -> None:
        assert self.model is not None
        weeks = self.refresh_weeks * 7 / self.model.calendar.tick_days
        if self._last_refresh is None or t - self._last_refresh >= weeks - 1e-9:
            self.refresh(t)

    def excluded(self, rows: np.ndarray) -> np.ndarray:
        """Which of these rows are blacklisted now."""
        return self.mask[rows]

    def kpis(self) -> dict[str, float]:
        mask = getattr(self, "mask", np.zeros(0, dtype=bool))
        ever = getattr(self, "ever", np.zeros(0, dtype=bool))
        return {
            "blacklist_size": float(mask.sum()),
            "blacklisted_ever": float(ever.sum()),
            "refreshes": float(getattr(self, "refreshes", 0)),
        }
