"""Each behaviour rule of sim/agents (customer, choice, weekly), tested on its own in a controlled
setting."""

from __future__ import annotations

import numpy as np
import pytest

from sim import RetailModel, default_market
from sim.agents import choice, weekly
from sim.agents import customer as rules
from sim.config import CLASSES, Behaviour
from sim.population import ACTIVE, CHURNED, PROSPECT, SILENT, SLEEPING


def fresh(n=4000, years=1, seed=3, start=None, **behaviour) -> RetailModel:
    market = default_market(n_customers=n, years=years, **(start or {}))
    if behaviour:
        market = market.replace(behaviour=Behaviour(**behaviour))
    return RetailModel(market=market, seed=seed)


def test_occasion_counts_follow_rates_and_seasons():
    """Occasions form a Poisson process with each customer's rate in seasonal time."""
    m = fresh(n=6000, years=1)
    counts = np.zeros(m.pop.n)
    per_tick = np.zeros(m.n_ticks)
    for t in range(m.n_ticks):
        rows = rules.due_now(m, t)
        while rows.size:
            counts[rows] += 1
            per_tick[t] += rows.size
            rules.advance_clocks(m, rows, m.streams["occasions"].exponential(size=rows.size))
            rows = rows[m.pop.next_tick[rows] == t]
    expected = m.pop.rate * m.clock_end[-1]
    assert counts.sum() == pytest.approx(expected.sum(), rel=0.05)
    # High-rate customers have more occasions than low-rate ones.
    hi = m.pop.rate > np.quantile(m.pop.rate, 0.8)
    lo = m.pop.rate < np.quantile(m.pop.rate, 0.2)
    assert counts[hi].mean() > 4 * counts[lo].mean()
    # Festival weeks (Spring Festival, early February) are busier than an ordinary week.
    assert per_tick[4:6].mean() > 1.5 * np.median(per_tick)


def test_seasonality_has_mean_one_and_festival_peaks():
    m = fresh(n=100)
    s = m.calendar.seasonality()
    assert s.mean() == pytest.approx(1.0, abs=0.02)
    assert s.argmax() in range(3, 7)  # Spring Festival week


def test_choice_probabilities_match_the_logit():
    """Gumbel-max choice reproduces softmax probabilities of the utilities."""
    m = fresh(n=300)
    rows = np.flatnonzero(m.pop.state == ACTIVE)[:1].repeat(20000)
    V = choice.store_utilities(m, 0, rows[:1])[0]
    p = np.exp(V - V.max())
    p /= p.sum()
    g = np.random.default_rng(0).gumbel(size=(rows.size, m.n_stores + 1))
    picks = choice.choose_store(m, 0, rows, g)
    freq = np.bincount(np.where(picks < 0, m.n_stores, picks), minlength=m.n_stores + 1) / rows.size
    assert np.abs(freq - p).max() < 0.015


def test_upward_drift_raises_elites_taste_for_higher_tiers_over_time():
    m = fresh(n=3000)
    elite = np.flatnonzero(m.pop.elite & (m.geo.tier_rank[m.pop.home] == 1))[:200]
    pref = m.store_ids.index("pref_national")
    early = choice.store_utilities(m, 0, elite)[:, pref]
    late = choice.store_utilities(m, 5 * m.calendar.ticks_per_year, elite)[:, pref]
    assert (late - early).mean() > 0.3


def test_buy_books_revenue_cogs_new_customers_and_defections():
    m = fresh(n=500)
    rows = np.flatnonzero(m.pop.state == ACTIVE)[:50]
    old = m.pop.last_store[rows].copy()
    never_here = m.pop.first_visit[rows, m.focal] == rules.NOT_YET
    assert never_here.any() and not never_here.all()
    stores = np.full(rows.size, m.focal)
    amounts = rules.buy(m, 0, rows, stores, np.full(rows.size, m.behaviour.ticket_shape))
    f = m.ledger.flows
    assert (amounts > 0).all()
    assert f["revenue"][0, m.focal] == pytest.approx(amounts.sum())
    assert f["cogs"][0, m.focal] == pytest.approx(amounts.sum() * 0.6)
    assert f["new_customers"][0, m.focal] == never_here.sum()  # first purchase here ever
    assert f["defected"][0].sum() == ((old >= 0) & (old != m.focal)).sum()
    assert (m.pop.last_store[rows] == m.focal).all()
    assert len(m.transactions) == rows.size


def test_service_thresholds_classify_experiences():
    m = fresh(n=500)
    rows = np.arange(3)
    stores = np.full(3, m.focal)
    base = m.store_arrays.service[m.focal]
    b = m.behaviour
    eps = (
        np.array(
            [
                b.satisfied_threshold + 0.01,
                0.5 * (b.satisfied_threshold + b.dissatisfied_threshold),
                b.dissatisfied_threshold - 0.01,
            ]
        )
        - base
    ) / b.service_noise
    good, bad = rules.serve(m, 0, rows, stores, eps)
    assert good.tolist() == [True, False, False]
    assert bad.tolist() == [False, False, True]


def test_complaints_are_one_in_25_and_resolution_decides_staying():
    m = fresh(n=2000)
    k = 200_000
    rows = np.zeros(k, dtype=np.int64)
    stores = np.full(k, m.focal)
    bad = np.ones(k, dtype=bool)
    u = np.random.default_rng(1).random((k, 3))
    loud = rules.complain(m, 0, rows, stores, bad, u)
    f = m.ledger.flows
    assert f["complaints"][0].sum() / k == pytest.approx(1 / 25, rel=0.05)
    resolved = f["complaints_resolved"][0].sum()
    assert resolved / f["complaints"][0].sum() == pytest.approx(0.5, abs=0.02)  # focal store's rate
    assert f["resolved_stayed"][0].sum() / resolved == pytest.approx(0.60, abs=0.02)
    unresolved_stay = (f["complainers_stayed"][0].sum() - f["resolved_stayed"][0].sum()) / (
        f["complaints"][0].sum() - resolved
    )
    assert unresolved_stay == pytest.approx(0.20, abs=0.03)
    assert loud.sum() == k - resolved  # everyone dissatisfied but the resolved talks


def test_word_of_mouth_reaches_1_to_5_or_10_to_20_contacts():
    m = fresh(n=3000)
    rows = np.flatnonzero(m.pop.degree >= 25)[:2]
    assert rows.size == 2
    stores = np.full(2, m.focal)
    before = m.pop.satisfaction[:, m.focal].copy()
    u = np.random.default_rng(2).random((2, 21))
    rules.spread_word(m, 0, rows, stores, np.array([True, False]), np.array([False, True]), u)
    changed = m.pop.satisfaction[:, m.focal] - before
    up, down = np.flatnonzero(changed > 0), np.flatnonzero(changed < 0)
    assert 1 <= up.size <= 5 and set(up) <= set(m.pop.contacts(rows[0]))
    assert 5 <= down.size <= 20 and set(down) <= set(m.pop.contacts(rows[1]))


def test_outside_option_can_be_switched_off():
    """`outside_option: false`: every occasion buys at a store of the market."""
    m = fresh(n=500, outside_option=False)
    rows = np.flatnonzero(m.pop.state == ACTIVE)
    g = np.random.default_rng(1).gumbel(size=(rows.size, m.n_stores + 1))
    g[:, -1] += 50.0  # even an overwhelming draw for the outside option does not win
    assert (choice.choose_store(m, 0, rows, g) >= 0).all()
    on = fresh(n=500)
    assert (choice.choose_store(on, 0, rows, g) < 0).all()


def test_recruitment_brings_25_new_per_100_satisfied_per_year():
    # A cold start with 35% prospects: enough prospects near every recruiter all year.
    cold = {"member_history_years": 0.0, "burn_in_years": 0}
    m = fresh(n=20000, years=1, start=cold, prospect_share=0.35)
    m.pop.last_good[:] = m.pop.state == ACTIVE  # everyone active is satisfied
    prospects_before = (m.pop.state == PROSPECT).sum()
    for t in range(52):
        weekly.recruit(m, t, 7 / 365)
    f = m.ledger.flows
    rate = f["wom_recruits"].sum() / f["satisfied_customer_years"].sum()
    assert rate == pytest.approx(0.25, rel=0.1)
    joined = prospects_before - (m.pop.state == PROSPECT).sum()
    assert joined == f["wom_recruits"].sum()
    recruits = np.flatnonzero(m.pop.referral_parent >= 0)
    assert (
        m.pop.acquired_store[recruits] == m.pop.last_store[m.pop.referral_parent[recruits]]
    ).mean() > 0.5


def test_attrition_is_a_per_purchase_dropout_independent_of_rate_and_higher_after_bad_visit():
    """BG/NBD dropout: each customer's own p ~ Beta(a, b) per repeat purchase, drawn
    independently of the purchase rate; x multiplier after a dissatisfying visit (SEEDS 001);
    no chance at a customer's first purchase."""
    cold = {"member_history_years": 0.0, "burn_in_years": 0}  # the population laws, unselected
    m = fresh(n=20000, start=cold, dropout_a=2.0, dropout_b=30.0)
    b = m.behaviour
    p_all = m.pop.dropout
    assert p_all.mean() == pytest.approx(b.dropout_a / (b.dropout_a + b.dropout_b), rel=0.03)
    assert abs(np.corrcoef(p_all, m.pop.rate)[0, 1]) < 0.03
    rows = np.flatnonzero(m.pop.state == ACTIVE)
    u = np.random.default_rng(5).random(rows.size)
    bad = np.zeros(rows.size, dtype=bool)
    bad[::2] = True
    first = np.zeros(rows.size, dtype=bool)
    first[1::4] = True  # some good-visit customers are at their first purchase
    m.pop.repeat[rows[first]] = False
    leave = rules.attrition(m, 0, rows, u, bad)
    p = p_all[rows]
    good_repeat = ~bad & ~first
    assert leave[good_repeat].mean() == pytest.approx(p[good_repeat].mean(), rel=0.15)
    expected_bad = np.minimum(p[bad] * b.dissatisfied_attrition_multiplier, 1).mean()
    assert leave[bad].mean() == pytest.approx(expected_bad, rel=0.15)
    assert not leave[first].any()
    assert (m.pop.state[rows[leave]] == CHURNED).all()


def test_member_states_follow_recency():
    m = fresh(n=1000)
    rows = np.flatnonzero(m.pop.state == ACTIVE)[:3]
    tick_days = m.calendar.tick_days
    t = 100
    m.pop.last_purchase[rows] = t - np.array([10, 200, 400]) // tick_days
    weekly.update_states(m, t)
    assert m.pop.state[rows].tolist() == [ACTIVE, SILENT, SLEEPING]


def test_natural_entry_moves_prospects_into_the_category():
    m = fresh(n=5000, years=1)
    before = (m.pop.state == PROSPECT).sum()
    weekly.natural_entry(m, m.n_ticks - 1, -1)
    after = (m.pop.state == PROSPECT).sum()
    share = (before - after) / before
    assert share == pytest.approx(1 - np.exp(-m.behaviour.natural_entry_per_year), rel=0.25)


def test_social_network_is_homophilous():
    m = fresh(n=8000)
    src = np.repeat(np.arange(m.pop.n), m.pop.degree)
    dst = m.pop.indices
    same_place = m.pop.home[src] == m.pop.home[dst]
    same_group = same_place & (m.pop.cls[src] == m.pop.cls[dst])
    assert same_group.mean() > 0.55
    assert same_place.mean() > 0.85
    assert (src != dst).all()
    assert m.pop.degree.mean() == pytest.approx(m.behaviour.mean_degree, rel=0.1)


def test_population_follows_class_mix_and_urbanisation():
    m = fresh(n=20000)
    town = m.geo.tier_rank[m.pop.work] == 0
    elite = m.pop.elite
    # SEEDS 000: town elites mostly live in the county (home one tier up from work).
    moved = m.pop.home != m.pop.work
    assert moved[town & elite].mean() == pytest.approx(m.market.elite_home_up_share, abs=0.08)
    assert not moved[~elite].any()
    rural = CLASSES.index("rural")
    assert (m.pop.cls[town] == rural).mean() > (m.pop.cls[~town] == rural).mean()
    # Elites buy more often and spend more per purchase.
    assert m.pop.rate[elite].mean() > 1.3 * m.pop.rate[~elite].mean()
    assert m.pop.spend[elite].mean() > 3 * m.pop.spend[~elite].mean()
