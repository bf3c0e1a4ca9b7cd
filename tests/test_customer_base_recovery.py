"""Parameter recovery: logs simulated from known BG/NBD + Gamma-Gamma parameters are fitted
back (the same path as a real export: simulated log -> RFM summary -> grouped MLE).

Design: two years of weekly-unit data, customers' first purchases spread over the first half
year, parameters of a store whose customers buy ~8 times a year and mostly lapse within the
two years (so that dropout is observable). Seeds 0, 1, 2 (fixed, not picked).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from sim.customer_base import bgnbd, gammagamma
from sim.customer_base.rfm import group_rfm, rfm_summary
from sim.customer_base.simulate import simulate

TRUE_BG = np.array([1.5, 10.0, 1.2, 3.0])
TRUE_GG = np.array([2.0, 4.0, 600.0])
SEEDS = (0, 1, 2)


def _fit(n: int, seed: int):
    sim = simulate(n, tuple(TRUE_BG), tuple(TRUE_GG), horizon=104.0, cohort_span=26.0, seed=seed)
    rfm = sim.rfm(104.0)
    g = group_rfm(rfm.frequency.to_numpy(), rfm.recency.to_numpy(), rfm["T"].to_numpy())
    return bgnbd.fit(g), gammagamma.fit(
        rfm.frequency.to_numpy(),
        rfm.monetary_value.to_numpy(),
        log_mean=rfm.log_monetary_value.to_numpy(),
    )


@pytest.fixture(scope="module")
def fits():
    return {(n, s): _fit(n, s) for n in (2_000, 20_000) for s in SEEDS}


def _misses(bg, gg) -> list[str]:
    out = []
    for res, true in ((bg, TRUE_BG), (gg, TRUE_GG)):
        assert res.converged and not res.at_bound
        out += [
            nm
            for nm, lo, hi, t in zip(res.names, res.ci_low, res.ci_high, true, strict=True)
            if not lo <= t <= hi
        ]
    return out


@pytest.mark.slow
def test_true_parameters_inside_95_percent_intervals_at_20000(fits):
    """21 intervals (7 parameters x 3 seeds), each covering with probability 0.95 if the
    Hessian intervals are right: about 1 miss is expected, more than 3 happens with
    probability 1.6% (binomial), so more than 3 means the intervals are too narrow."""
    misses = [m for s in SEEDS for m in _misses(*fits[(20_000, s)])]
    assert len(misses) <= 3, misses


def _covered(seed: int) -> np.ndarray:
    """Which of the 7 parameters' profile intervals cover the truth in one N = 2,000 fit."""
    bg, gg = _fit(2_000, seed)
    assert bg.ci_method == gg.ci_method == "profile"
    return np.r_[
        (bg.ci_low <= TRUE_BG) & (TRUE_BG <= bg.ci_high),
        (gg.ci_low <= TRUE_GG) & (TRUE_GG <= gg.ci_high),
    ]


@pytest.mark.slow
def test_interval_coverage_at_2000():
    """Coverage over 100 seeds at N = 2,000: each parameter's 95% profile-likelihood interval
    covers the truth in at least 88 of 100 fits (fewer happens with probability 0.4% per
    parameter if coverage is 95%). Measured: 92-96 of 100 for every parameter.

    (An earlier 30-seed version of this test saw the Gamma-Gamma q covered 24 of 30 times and
    blamed the Wald interval; over 200 seeds both the Wald and the profile interval cover q
    96% of the time at this size: the 30 seeds were an unlucky draw.)"""
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        hits = np.sum(list(pool.map(_covered, range(100, 200))), axis=0)  # 2 cores: 2 fits
    assert np.all(hits >= 88), dict(zip(bgnbd.NAMES + gammagamma.NAMES, hits, strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_parameters_within_5_percent_at_20000(fits, seed):
    """Every BG/NBD and Gamma-Gamma parameter within 5% of the truth.

    Standard errors at this size: BG/NBD r, alpha, a, b 1.4%, 1.8%, 2.7%, 3.6% (b, the spread
    of dropout probabilities, is the least informed in every design tried: >= 3% at N =
    20,000 over two years); Gamma-Gamma p, q, gamma 0.5%, 1.6%, 1.9% on every repeat spend
    (3.8% for gamma from the means alone, which is why the fit uses every spend)."""
    bg, gg = fits[(20_000, seed)]
    err = np.r_[bg.params / TRUE_BG - 1.0, gg.params / TRUE_GG - 1.0]
    assert gg.extra["transaction_level"] == gg.n
    assert np.all(np.abs(err) < 0.05), dict(zip(bg.names + gg.names, err.round(3), strict=True))


@pytest.mark.slow
def test_intervals_shrink_like_one_over_root_n(fits):
    for s in SEEDS:
        small, big = fits[(2_000, s)][0], fits[(20_000, s)][0]
        ratio = (small.se / small.params) / (big.se / big.params)
        assert np.all((ratio > np.sqrt(10) * 0.7) & (ratio < np.sqrt(10) * 1.4))


def test_fit_through_a_dated_log_matches_the_exact_summary():
    """Rounding purchase times to days (what an export holds) barely moves the fit."""
    sim = simulate(4_000, tuple(TRUE_BG), tuple(TRUE_GG), horizon=52.0, cohort_span=13.0, seed=7)
    exact = sim.rfm(52.0)
    log = sim.to_log(start="2024-01-01")
    rfm = rfm_summary(log, calibration_end="2024-12-29")
    g1 = group_rfm(exact.frequency.to_numpy(), exact.recency.to_numpy(), exact["T"].to_numpy())
    g2 = group_rfm(rfm.frequency.to_numpy(), rfm.recency.to_numpy(), rfm["T"].to_numpy())
    assert g2.x.size < g1.x.size  # dates group rows
    a, b = bgnbd.fit(g1), bgnbd.fit(g2)
    assert np.all(np.abs(b.params / a.params - 1) < a.se / a.params)
