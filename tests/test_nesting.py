"""The simulation nests BG/NBD + Gamma-Gamma (issue 10, item 2).

With word of mouth, complaints, competition (one store, no outside option), seasonality and
policies switched off through the config, a store's customers follow the BG/NBD purchase and
dropout process (Fader, Hardie & Lee 2005) and Gamma-Gamma spend (Fader, Hardie & Lee 2005b,
Colombo & Jiang 1999). The purchase-count distribution and the share still alive are compared
with the closed-form BG/NBD expressions written out below; spend with the Gamma-Gamma moments
and with a direct simulation of the Gamma-Gamma process.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats
from scipy.special import betaln, gammaln

from sim import RetailModel
from sim.config import (
    CLASSES,
    DEFAULT_CLASS_PROFILES,
    Behaviour,
    MarketConfig,
    PlaceSpec,
    StoreSpec,
)
from sim.population import CHURNED

R, MEAN_RATE = 0.8, 2.0  # rate ~ Gamma(shape r, rate alpha = r / mean)
ALPHA = R / MEAN_RATE
A, B = 0.8, 4.0  # dropout probability per repeat purchase ~ Beta(a, b)
TICKET_SHAPE, SPEND_SHAPE, MEAN_SPEND = 4.0, 8.0, 3000.0  # Gamma-Gamma p, q; mean spend
N, YEARS = 20_000, 2


def bgnbd_pmf(x: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
    """(P(X(t) = x), P(X(t) = x and still alive at t)) of BG/NBD, FHL 2005 eq. (8).

    X(t) counts purchases in (0, t] of a customer alive at 0 whose dropout chance comes after
    each of those purchases.
    """
    x = np.asarray(x, dtype=np.float64)
    log_nb = (
        gammaln(R + x) - gammaln(R) - gammaln(x + 1)
        + R * np.log(ALPHA / (ALPHA + t)) + x * np.log(t / (ALPHA + t))
    )
    alive = np.exp(betaln(A, B + x) - betaln(A, B) + log_nb)
    # P(dropped out right after the x-th purchase) x P(at least x purchases by t if alive).
    cdf_below = np.array([np.exp(log_nb[x < k]).sum() if k else 0.0 for k in x.astype(int)])
    log_drop = betaln(A + 1, B + x - 1) - betaln(A, B)
    dead = np.where(x > 0, np.exp(np.where(x > 0, log_drop, 0.0)) * (1 - cdf_below), 0.0)
    return alive + dead, alive


def nested_market(seed_n: int = N) -> MarketConfig:
    """One place, one store, every mechanism beyond BG/NBD + Gamma-Gamma switched off."""
    profiles = {
        c: dataclasses.replace(
            DEFAULT_CLASS_PROFILES[c], occasions_per_year=MEAN_RATE, spend_per_purchase=MEAN_SPEND
        )
        for c in CLASSES
    }
    behaviour = Behaviour(
        rate_shape=R,
        dropout_a=A,
        dropout_b=B,
        ticket_shape=TICKET_SHAPE,
        spend_shape=SPEND_SHAPE,
        dissatisfied_attrition_multiplier=1.0,  # dropout does not depend on experiences
        complaint_probability=0.0,  # no complaints
        wom_new_per_satisfied_year=0.0,  # no word-of-mouth recruitment
        wom_positive_shift=0.0,  # no word-of-mouth attitude shifts
        wom_negative_shift=0.0,
        natural_entry_per_year=0.0,  # a closed cohort: nobody enters
        prospect_share=0.0,  # everyone is a customer alive at the start
        festival_amplitude=0.0,  # a homogeneous Poisson process
        outside_option=False,  # every occasion is a purchase at the one store
    )
    return MarketConfig(
        name="bgnbd",
        n_customers=seed_n,
        years=YEARS,
        places=(PlaceSpec("county", "county", None, 1.0),),
        stores=(StoreSpec("focal", "county"),),
        class_profiles=profiles,
        behaviour=behaviour,
        member_history_years=0.0,  # customers alive at 0 drawn from the population laws
        burn_in_years=0,  # no history before the start: everyone starts at a purchase
    ).validate()


@pytest.fixture(scope="module")
def nested_run() -> RetailModel:
    return RetailModel(market=nested_market(), policies=[], seed=7).run()


def test_purchase_counts_and_alive_share_follow_bgnbd(nested_run):
    m = nested_run
    t = m.n_ticks * m.calendar.dt_years
    _, cust, _, _, _ = m.transactions.arrays()
    counts = np.bincount(cust, minlength=m.pop.n)
    alive = m.pop.state != CHURNED
    top = 12
    x = np.arange(top)
    pmf, pmf_alive = bgnbd_pmf(x, t)
    observed = np.bincount(np.minimum(counts, top), minlength=top + 1) / m.pop.n
    expected = np.r_[pmf, 1 - pmf.sum()]
    assert np.abs(observed - expected).max() < 0.012
    chi2 = stats.chisquare(observed * m.pop.n, expected * m.pop.n)
    assert chi2.pvalue > 1e-3
    # The joint law of (count, alive): P(X = x, alive) term by term, and the alive share.
    observed_alive = np.bincount(counts[alive], minlength=top)[:top] / m.pop.n
    assert np.abs(observed_alive - pmf_alive).max() < 0.012
    full_alive = bgnbd_pmf(np.arange(400), t)[1].sum()
    assert alive.mean() == pytest.approx(full_alive, abs=0.012)


def test_dropout_is_independent_of_the_purchase_rate(nested_run):
    pop = nested_run.pop
    assert abs(stats.spearmanr(pop.rate, pop.dropout)[0]) < 0.03
    assert stats.kstest(pop.rate, stats.gamma(R, scale=1 / ALPHA).cdf).pvalue > 1e-3
    assert stats.kstest(pop.dropout, stats.beta(A, B).cdf).pvalue > 1e-3


def test_spend_follows_gamma_gamma(nested_run):
    m = nested_run
    _, cust, _, amount, _ = m.transactions.arrays()
    p, q, mu = TICKET_SHAPE, SPEND_SHAPE, MEAN_SPEND
    # Moments of one ticket: E = mu, Var = E[m^2] (1 + 1/p) - mu^2, E[m^2] = mu^2 (q-1)/(q-2).
    assert amount.mean() == pytest.approx(mu, rel=0.02)
    var = mu**2 * ((q - 1) / (q - 2) * (1 + 1 / p) - 1)
    assert amount.var() == pytest.approx(var, rel=0.06)
    # Per-customer average ticket against a direct simulation of Gamma-Gamma given the counts.
    counts = np.bincount(cust, minlength=m.pop.n)
    buyers = counts > 0
    mean_ticket = np.bincount(cust, weights=amount, minlength=m.pop.n)[buyers] / counts[buyers]
    rng = np.random.default_rng(11)
    x = counts[buyers]
    nu = rng.gamma(q, 1.0, x.size) / (mu * (q - 1) / p)  # nu ~ Gamma(q, gamma)
    direct = rng.gamma(p * x, 1.0) / (nu * x)  # mean of x tickets ~ Gamma(p x, nu x)
    assert stats.ks_2samp(mean_ticket, direct).pvalue > 1e-3


def test_mechanisms_switched_off_leave_no_trace(nested_run):
    f = nested_run.ledger.flows
    assert f["complaints"].sum() == 0
    assert f["wom_recruits"].sum() == 0
    assert f["purchases"].sum() == nested_run.transactions.arrays()[1].size
