"""CI and paired-difference methods of sim.stats on cases with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from sim.stats import (
    Interval,
    bootstrap_ratio_of_means,
    paired_difference,
    ratio_of_means,
    t_interval,
    t_quantile,
)

T_975_4 = 2.7764451051977987  # t(0.975, 4), the textbook 2.776
T_975_9 = 2.262157  # t(0.975, 9), the textbook 2.262


def test_t_quantile_matches_tables():
    assert t_quantile(0.95, 4) == pytest.approx(T_975_4, rel=1e-12)
    assert t_quantile(0.95, 9) == pytest.approx(T_975_9, abs=1e-6)
    assert t_quantile(0.90, 10**6) == pytest.approx(1.6448536, rel=1e-6)  # -> normal


def test_t_interval_known_answer():
    iv = t_interval([1, 2, 3, 4, 5])
    half = T_975_4 * math.sqrt(2.5) / math.sqrt(5)  # s = sqrt(2.5)
    assert iv == Interval(3.0, pytest.approx(3 - half), pytest.approx(3 + half), 5)
    assert (iv.low, iv.high) == pytest.approx((1.036756, 4.963244), abs=1e-6)


def test_t_interval_agrees_with_scipy_on_a_normal_sample():
    x = np.random.default_rng(1).normal(10.0, 2.0, 30)
    iv = t_interval(x, 0.9)
    lo, hi = sps.t.interval(0.9, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
    assert (iv.low, iv.high) == pytest.approx((lo, hi), rel=1e-12)


def test_t_interval_covers_the_true_mean_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    samples = rng.normal(5.0, 3.0, size=(4000, 8))
    hits = 0
    for s in samples:
        iv = t_interval(s)
        hits += iv.low <= 5.0 <= iv.high
    assert hits / len(samples) == pytest.approx(0.95, abs=0.012)


def test_nan_values_are_left_out_and_small_samples_have_no_bounds():
    iv = t_interval([1.0, float("nan"), 3.0])
    assert iv.mean == 2.0 and iv.n == 2
    one = t_interval([4.0])
    assert one.mean == 4.0 and one.n == 1 and math.isnan(one.low) and math.isnan(one.high)
    empty = t_interval([])
    assert empty.n == 0 and math.isnan(empty.mean)
    assert t_interval([2.0, 2.0, 2.0]) == Interval(2.0, 2.0, 2.0, 3)


def test_paired_difference_is_the_t_interval_of_the_differences():
    x = [11.0, 14.0, 15.0, 20.0]
    y = [10.0, 12.0, 14.0, 17.0]
    d = np.subtract(x, y)  # 1, 2, 1, 3
    iv = paired_difference(x, y)
    assert iv.mean == pytest.approx(1.75)
    half = sps.t.ppf(0.975, 3) * d.std(ddof=1) / 2
    assert (iv.low, iv.high) == pytest.approx((1.75 - half, 1.75 + half))
    res = sps.ttest_rel(x, y)
    ci = res.confidence_interval(0.95)
    assert (iv.low, iv.high) == pytest.approx((ci.low, ci.high))


def test_paired_difference_drops_incomplete_pairs_and_checks_lengths():
    iv = paired_difference([1.0, float("nan"), 3.0, 6.0], [0.0, 5.0, float("nan"), 4.0])
    assert iv.n == 2 and iv.mean == pytest.approx(1.5)
    with pytest.raises(ValueError, match="equal lengths"):
        paired_difference([1, 2], [1, 2, 3])


def test_common_random_numbers_make_the_paired_interval_narrow():
    rng = np.random.default_rng(3)
    shock = rng.normal(100.0, 20.0, 10)  # shared by both policies (same seeds)
    base = shock + rng.normal(0, 1, 10)
    policy = shock + 2.0 + rng.normal(0, 1, 10)
    paired = paired_difference(policy, base)
    a, b = t_interval(policy), t_interval(base)
    assert paired.excludes_zero and paired.low < 2.0 < paired.high
    assert (paired.high - paired.low) < 0.2 * ((a.high - a.low) + (b.high - b.low))
    assert not (a.low > b.high or b.low > a.high)  # the two separate intervals overlap


def test_ratio_of_means_exact_ratio_has_zero_width():
    iv = ratio_of_means([2.0, 4.0, 6.0], [1.0, 2.0, 3.0])
    assert iv == Interval(2.0, 2.0, 2.0, 3)


def test_ratio_of_means_delta_method_known_answer():
    num = np.array([3.0, 1.0, 4.0, 2.0])
    den = np.array([2.0, 1.0, 2.0, 1.0])
    r = num.mean() / den.mean()  # 2.5 / 1.5
    resid = num - r * den
    se = resid.std(ddof=1) / (2 * den.mean())
    iv = ratio_of_means(num, den)
    half = sps.t.ppf(0.975, 3) * se
    assert iv.mean == pytest.approx(5 / 3)
    assert (iv.low, iv.high) == pytest.approx((r - half, r + half))


def test_ratio_of_means_undefined_without_spending():
    iv = ratio_of_means([1.0, 2.0], [0.0, 0.0])
    assert math.isnan(iv.mean) and iv.n == 2


def test_bootstrap_ratio_is_deterministic_and_brackets_the_estimate():
    rng = np.random.default_rng(0)
    den = rng.uniform(50, 150, 20)
    num = 1.5 * den + rng.normal(0, 10, 20)
    a = bootstrap_ratio_of_means(num, den, seed=1)
    b = bootstrap_ratio_of_means(num, den, seed=1)
    assert a == b
    assert a.low < a.mean < a.high
    delta = ratio_of_means(num, den)
    assert a.mean == delta.mean
    assert a.low == pytest.approx(delta.low, abs=0.05) and a.high == pytest.approx(
        delta.high, abs=0.05
    )


def test_level_is_checked():
    with pytest.raises(ValueError, match="level"):
        t_interval([1, 2, 3], level=95)
