"""The policies' shortcuts give the reference results: a partial ranking equals the full one
cut, and the store log kept between rounds gives the segments of the whole log."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import RetailModel, default_market
from sim.policies.store_log import lapsed_members, promo_only_mask
from sim.policies.targeting import first_of, ranked
from sim.segmenting import DEFAULT, members_in
from sim.segments import SEGMENTS, SegmentParams, segment_flags, summarize_arrays


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 200),
    levels=st.integers(1, 12),
    k=st.integers(-1, 210),
    tiebreak=st.booleans(),
)
def test_first_of_is_the_full_ranking_cut(seed, n, levels, k, tiebreak):
    rng = np.random.default_rng(seed)
    mask = rng.random(n) < rng.random()
    value = rng.integers(0, levels, n).astype(np.float32)  # many ties
    value[rng.random(n) < 0.1] = -0.0
    tb = rng.integers(0, 3, n).astype(np.float64) if tiebreak else None
    got = first_of(np.flatnonzero(mask), value, k, tb)
    assert np.array_equal(got, ranked(mask, value, tb)[: max(k, 0)])


def test_first_of_with_a_nan_value_is_the_full_ranking_cut():
    """A NaN key (never made by the shipped policies) leaves the compiled cut to NumPy."""
    value = np.array([3.0, np.nan, 1.0, 3.0, 2.0, np.nan, 0.0, 5.0, 1.0], dtype=np.float64)
    rows = np.arange(value.size, dtype=np.int64)
    tb = np.linspace(1.0, 0.0, value.size)
    for k in range(value.size + 2):
        for tiebreak in (None, tb):
            want = ranked(np.ones(value.size, dtype=bool), value, tiebreak)[:k]
            assert np.array_equal(first_of(rows, value, k, tiebreak), want)


def _promo_only_reference(model, s, t, params):
    tick, cust, store, amount, discount = model.transactions.arrays()
    here = (store == s) & (tick <= t)
    td = model.calendar.tick_days
    features = summarize_arrays(
        cust[here],
        tick[here].astype(np.int64) * td,
        amount[here] - discount[here],
        discount[here] > 0,
        as_of=t * td,
        n_customers=model.pop.n,
        params=params,
    )
    return segment_flags(features, params)[:, SEGMENTS.index("promo_only")]


def test_store_log_segments_are_the_whole_logs():
    """Checked at every week of a run with promotions (so some purchases are on promotion),
    for the focal store and a competitor, read at irregular intervals."""
    model = RetailModel(
        market=default_market(n_customers=1500, years=1.5), policies=["promotions"], seed=3
    )
    params = SegmentParams(promo_bottom_share=0.5, promo_only_min_share=0.5)
    checked = 0
    while model.t < model.n_ticks:
        model.step()
        t = model.t - 1
        model.t = t  # as the policies see it: during tick t
        for s in (model.focal, 2) if t % 3 else (model.focal,):
            rows = lapsed_members(model, ("silent", "sleeping"), s, DEFAULT)
            assert np.array_equal(rows, members_in(model, ["silent", "sleeping"], s))
            flags = promo_only_mask(model, s, t, params)
            assert np.array_equal(flags, _promo_only_reference(model, s, t, params))
            checked += int(rows.size > 0) + int(flags.any())
        model.t = t + 1
    assert checked > 20  # the segments were not all empty


def test_a_subclass_overriding_a_movable_hook_keeps_it_in_place():
    """`movable_hooks` covers the code it was declared with: a user's subclass that rewrites
    `discount` (it might read what the later phases change) gets the phase-by-phase pipeline,
    and its run still equals the NumPy rules'."""
    pytest.importorskip("numba")
    from sim import kernels
    from sim.kernels.hooked import _plan
    from sim.policies import Promotions

    class LoyalDiscount(Promotions):
        name = "loyal_discount"

        def discount(self, t, rows, list_amounts):
            loyal = self.model.pop.loyalty[rows, self.store] > 0.5
            return np.where(loyal, 0.05 * list_amounts, 0.0)

    market = default_market(n_customers=600, years=0.5)
    runs = {}
    for engine in ("numpy", "numba"):
        with kernels.use(engine):
            model = RetailModel(market=market, policies=[LoyalDiscount()], seed=4).run()
            runs[engine] = model.transactions.arrays()
    assert all(np.array_equal(a, b) for a, b in zip(runs["numpy"], runs["numba"], strict=True))
    assert not _plan(model).fused
    with kernels.use("numba"):
        plain = RetailModel(market=market, policies=["promotions"], seed=4)
    assert _plan(plain).fused


def test_a_housekeeping_that_changes_states_is_counted_after_it():
    """The census moves before a housekeeping hook only when its code is the one declared
    movable: a subclass whose housekeeping churns members has them counted the same week."""
    from sim.policies import GiftBudget
    from sim.population import ACTIVE, CHURNED

    class ChurningGifts(GiftBudget):
        name = "churning_gifts"

        def housekeeping(self, t):
            super().housekeeping(t)
            pop = self.model.pop
            pop.state[np.flatnonzero(pop.state == ACTIVE)[:3]] = CHURNED

    model = RetailModel(
        market=default_market(n_customers=600, years=0.5), policies=[ChurningGifts()], seed=4
    )
    churned = model.datacollector.model_vars["churned"]
    while model.t < model.n_ticks:
        model.step()
        assert churned[-1] == np.count_nonzero(model.pop.state == CHURNED)
    assert len(churned) == model.n_ticks


def test_log_rows_since_are_the_tail_of_the_log():
    """`TransactionBuffer.since(k)`: the log's rows from k on, whatever the chunks."""
    from sim.transactions import TransactionBuffer

    rng = np.random.default_rng(3)
    buf = TransactionBuffer()
    for t, size in enumerate([3, 0, 5, 1, 4]):
        rows = rng.integers(0, 50, size)
        buf.append(t, rows, rows % 3, rng.random(size), rng.random(size))
        if t == 2:
            buf.arrays()  # joined once in between, as a reader of the whole log does
    whole = buf.arrays()
    assert len(buf) == whole[0].size == 13
    for k in range(len(buf) + 1):
        for got, want in zip(buf.since(k), whole, strict=True):
            assert got.dtype == want.dtype and np.array_equal(got, want[k:])


def test_compiled_target_lists_are_the_numpy_ones():
    """The compiled target passes (`sim.kernels.targets`: the top spenders' rows, a VIP month's
    arrays and ranked birthdays, the churn-risk rows) give what the NumPy code gives, checked
    each month of a run with both gift targets and the VIP privileges."""
    pytest.importorskip("numba")
    from sim import kernels
    from sim.kernels.targets import vip_month
    from sim.policies.targeting import compiled_factor, top_spender_rows, top_spenders
    from sim.population import NEVER

    market = default_market(n_customers=1200, years=1)
    policies = [
        {"name": "gift_budget", "target": "churn_risk", "cooldown_days": 28},
        {"name": "vip_privileges", "top_share": 0.3},
    ]
    model = RetailModel(market=market, policies=policies, seed=6)
    gift, vip = model.focal_policies
    checked = 0
    while model.t < model.n_ticks:
        t = model.t
        if t % 4 == 0:
            got = {}
            for engine in ("numpy", "numba"):
                with kernels.use(engine):
                    got[engine] = (*top_spender_rows(model, model.focal, t, 0.2),)
                    got[engine] += gift._eligible_rows(t) + gift._due_rows(t)
            for engine in ("numpy", "numba"):  # (a month's gifts change satisfaction)
                with kernels.use(engine):
                    vip.new_month(t)
                    got[engine] += (vip.vip.copy(), vip.birthday.copy(), vip._bonus.copy())
            with kernels.use("numpy"):
                value, mask = top_spenders(model, model.focal, t, 0.3)
            pop, month = model.pop, model.calendar.date(t).month
            with kernels.use("numba"):
                factor = compiled_factor(model, t)
            *_, rows = vip_month(
                *(pop.year_spend, pop.prev_year_spend, pop.last_visit, NEVER, model.focal),
                *(factor, 0.3, pop.birth_month, month, 0.1, 0.3),
            )
            got["numpy"] += (ranked(mask & (pop.birth_month == month), value),)
            got["numba"] += (rows,)
            for a, b in zip(got["numpy"], got["numba"], strict=True):
                assert a.dtype == b.dtype and np.array_equal(a, b)
            checked += int(got["numba"][0].size > 0)
        model.step()
    assert checked > 5


def test_win_back_bundle_is_bit_identical_across_engines():
    """The bundle whose gifts go to churn risks (compiled candidates and cut), with offers
    and complaint recovery: every log column, population array and cost the same."""
    pytest.importorskip("numba")
    from sim import kernels

    market = default_market(n_customers=800, years=1)
    policies = [
        "reactivation",
        {"name": "gift_budget", "target": "churn_risk", "cooldown_days": 28},
        "complaint_recovery",
    ]
    runs = {}
    for engine in ("numpy", "numba"):
        with kernels.use(engine):
            model = RetailModel(market=market, policies=policies, seed=7).run()
        arrays = [*model.transactions.arrays(), *model.ledger.costs.values()]
        arrays += [v for v in vars(model.pop).values() if isinstance(v, np.ndarray)]
        runs[engine] = (arrays, repr(model.summary()))
    assert runs["numpy"][1] == runs["numba"][1]
    for a, b in zip(runs["numpy"][0], runs["numba"][0], strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
