"""The policies' shortcuts give the reference results: a partial ranking equals the full one
cut, and the store log kept between rounds gives the segments of the whole log."""

from __future__ import annotations

import numpy as np
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
