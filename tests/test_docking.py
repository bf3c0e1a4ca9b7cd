"""Docking: vectorized ("batch") and agent activation give the same KPI distributions.

Both activations apply the very same rule functions; they differ only in order (all occasions
of a tick at once vs. one `Customer.step` at a time in Mesa's shuffled order, each seeing the
effects of the ones before) and in how the random streams are consumed. So per seed the runs
differ, but over seeds the focal store's KPIs must have the same distribution.

Method (also in docs/performance.md, "Docking"):

* Market: `default_market(n_customers=1500, years=2, tick="week")`, the market's own
  (baseline) policies; 2 years so that year-over-year retention exists.
* 30 fixed seeds (1000-1029), each run once per activation: the test is deterministic, never
  flaky; the same seed gives both activations the same initial population.
* KPIs of the focal store: every summary KPI that varies across seeds (revenue, gross_margin,
  profit, retention, vip_retention, new_customers, referred_customers, churned, defected,
  complaints, complaints_resolved, top20_revenue_share, clv_mean) plus the ledger's purchases,
  satisfied and dissatisfied counts: K = 16 KPIs.
* Per KPI, two two-sample tests of batch vs agent: Kolmogorov-Smirnov (whole distribution) and
  Welch's t-test (means). Bonferroni over 2K tests at a family-wise alpha of 0.01: a KPI fails
  when a p-value is below 0.01 / (2K) = 0.00031. With correct code, the chance that any
  test fails is at most 1% for a given set of seeds (so a rule change that merely reshuffles the
  random numbers trips it with probability <= 1%); a shift of a KPI's mean by 1 standard
  deviation is detected by the t-test with probability ~50%, by 1.5 standard deviations ~97%.
* Plus a bound on systematic bias where the tests have little power: for the volume KPIs
  (revenue, gross margin, profit, purchases, new customers, defections, retention, top-20%
  revenue share, CLV; coefficient of variation <= 0.25 across seeds) the relative difference of
  means |mean_agent - mean_batch| / |mean_batch| must be <= 15% (3 standard errors of the
  relative difference for the noisiest of them). Rare-event KPIs (complaints, referrals,
  churn, VIP retention) are judged by the tests only.

Runtime ~27 s on a quiet 2-core machine, ~34 s under load (agent activation is ~30x
slower per customer-tick); the two statistical tests are marked slow.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sim import RetailModel, default_market

SEEDS = tuple(range(1000, 1030))
FAMILY_ALPHA = 0.01
REL_TOL = 0.15
KPIS = (
    "revenue", "gross_margin", "profit", "retention", "vip_retention", "new_customers",
    "referred_customers", "churned", "defected", "complaints", "complaints_resolved",
    "top20_revenue_share", "clv_mean", "purchases", "satisfied", "dissatisfied",
)
VOLUME_KPIS = ("revenue", "gross_margin", "profit", "purchases", "new_customers", "defected",
               "retention", "top20_revenue_share", "clv_mean")


def focal_kpis(activation: str, seed: int) -> dict[str, float]:
    market = default_market(n_customers=1500, years=2, tick="week")
    model = RetailModel(market=market, activation=activation, seed=seed).run()
    kpis = dict(model.summary()["focal"])
    for flow in ("purchases", "satisfied", "dissatisfied"):
        kpis[flow] = float(model.ledger.flows[flow][: model.t, model.focal].sum())
    return kpis


@pytest.fixture(scope="module")
def samples() -> dict[str, dict[str, np.ndarray]]:
    out = {}
    for activation in ("batch", "agent"):
        runs = [focal_kpis(activation, s) for s in SEEDS]
        out[activation] = {k: np.array([r[k] for r in runs], dtype=float) for k in KPIS}
    return out


@pytest.mark.slow
def test_activations_agree_on_focal_kpis(samples):
    from scipy import stats

    alpha = FAMILY_ALPHA / (2 * len(KPIS))
    failures, table = [], []
    for k in KPIS:
        a, b = samples["batch"][k], samples["agent"][k]
        assert not np.isnan(a).any() and not np.isnan(b).any(), f"{k}: NaN in a 2-year run"
        if a.std() == 0 and b.std() == 0:
            p_ks = p_t = 1.0 if a[0] == b[0] else 0.0
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # ks exact -> asymptotic switch
                p_ks = float(stats.ks_2samp(a, b).pvalue)
                p_t = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
        rel = abs(b.mean() - a.mean()) / abs(a.mean()) if a.mean() else float("inf")
        table.append(f"{k:>20}: batch {a.mean():12.5g}  agent {b.mean():12.5g}  rel {rel:6.1%}  "
                     f"KS p={p_ks:.4f}  Welch p={p_t:.4f}")
        if min(p_ks, p_t) < alpha:
            failures.append(f"{k}: KS p={p_ks:.2g}, Welch p={p_t:.2g} < {alpha:.2g}")
        if k in VOLUME_KPIS and rel > REL_TOL:
            failures.append(f"{k}: relative difference of means {rel:.1%} > {REL_TOL:.0%}")
    assert not failures, "activations disagree:\n" + "\n".join(failures + [""] + table)


@pytest.mark.slow
def test_volume_kpis_are_informative(samples):
    """The relative bound is only meaningful where the KPI is not dominated by noise."""
    for k in VOLUME_KPIS:
        a = samples["batch"][k]
        assert a.mean() != 0 and a.std() / abs(a.mean()) <= 0.25, (k, a.mean(), a.std())


def test_same_seed_same_initial_population():
    """Set-up does not depend on the activation (the difference is only in the stepping)."""
    market = default_market(n_customers=300, years=1, tick="week")
    a = RetailModel(market=market, activation="batch", seed=7)
    b = RetailModel(market=market, activation="agent", seed=7)
    for name in ("state", "rate", "spend", "satisfaction", "loyalty", "indices", "next_tick"):
        np.testing.assert_array_equal(getattr(a.pop, name), getattr(b.pop, name), err_msg=name)
