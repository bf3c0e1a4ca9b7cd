"""The compiled hot path (sim.kernels, issue 23) gives the NumPy rules' results bit for bit.

Every comparison runs the same market and seed once with ``numpy`` and once with ``numba`` and
compares raw bytes (floats included: the kernels keep NumPy's operation order and dtypes), over
the ledger, the population arrays, the transaction log, the yearly rows and the reporters.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import RetailModel, default_market, kernels
from sim import population as P
from sim.agents.choice import store_utilities
from sim.agents.customer import due_now
from sim.agents.weekly import _find_prospects
from sim.policies import BUILTIN_POLICIES
from sim.rng import KeyedDraws

pytest.importorskip("numba")

BUNDLE = ["gift_budget", "referral_points", "promotions"]


def digest(model: RetailModel) -> dict[str, str]:
    """SHA-1 of every output and every piece of state a run leaves, by name."""
    parts: dict[str, bytes] = {}
    led = model.ledger
    for group in ("flows", "snapshots", "costs", "committed"):
        for name, arr in sorted(getattr(led, group).items()):
            parts[f"{group}.{name}"] = arr.tobytes()
    parts["yearly"] = repr(led.yearly).encode()
    for name, v in sorted(vars(model.pop).items()):
        if isinstance(v, np.ndarray):
            parts[f"pop.{name}"] = v.tobytes()
    for i, a in enumerate(model.transactions.arrays()):
        parts[f"transactions.{i}"] = a.tobytes()
    parts["reporters"] = model.datacollector.get_model_vars_dataframe().to_csv().encode()
    parts["summary"] = repr(model.summary()).encode()
    return {k: hashlib.sha1(v).hexdigest() for k, v in parts.items()}


def run(engine: str, **kw) -> dict[str, str]:
    with kernels.use(engine):
        return digest(RetailModel(**kw).run())


def assert_same(**kw) -> None:
    a, b = run("numpy", **kw), run("numba", **kw)
    differ = [k for k in a if a[k] != b[k]]
    assert not differ, f"compiled and NumPy paths differ in {differ}"


CASES = {
    "weekly, own policies": dict(market=default_market(n_customers=3000), seed=1),
    "daily, bundle": dict(
        market=default_market(n_customers=1500, years=1, tick="day"), policies=BUNDLE, seed=2
    ),
    "weekly, bundle, no burn-in": dict(
        market=default_market(n_customers=2000, years=2, burn_in_years=0),
        policies=BUNDLE,
        seed=3,
    ),
    "agent activation": dict(
        market=default_market(n_customers=300, years=0.25, tick="day"),
        policies=BUNDLE,
        activation="agent",
        seed=4,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_compiled_and_numpy_paths_are_bit_identical(case):
    assert_same(**CASES[case])


@pytest.mark.parametrize(
    "name", [p.name for p in BUILTIN_POLICIES if p.name != "none"]
)  # the shipped ones: other test modules register their own (some raise on purpose)
def test_every_policy_alone_is_bit_identical(name):
    assert_same(market=default_market(n_customers=800, years=1), policies=[name], seed=5)


@pytest.mark.parametrize("engine", kernels.ENGINES)
def test_each_engine_is_deterministic(engine):
    kw = dict(market=default_market(n_customers=1500, years=1), policies=BUNDLE, seed=7)
    assert run(engine, **kw) == run(engine, **kw)


def test_unexpected_dtypes_fall_back_to_numpy():
    """A population array of another dtype than the kernels reproduce: the NumPy rules run."""
    from sim.kernels import pipeline

    def widened(engine):
        with kernels.use(engine):
            m = RetailModel(market=default_market(n_customers=600, years=1), seed=8)
            m.pop.loyalty = m.pop.loyalty.astype(np.float64)
            assert not pipeline.usable(m)
            return digest(m.run())

    assert widened("numba") == widened("numpy")


def test_prospects_made_mid_run_are_found_as_by_numpy():
    """Recruitment keeps its prospects-by-place index between weeks (rows only leave the
    prospects); rows made prospects again mid-run must still be found exactly as NumPy does."""

    def made_prospects(engine: str) -> dict[str, str]:
        with kernels.use(engine):
            m = RetailModel(market=default_market(n_customers=2000, years=0.5), seed=21)
            rng = np.random.default_rng(0)
            for t in range(m.n_ticks):
                if t in (6, 14):
                    m.pop.state[rng.choice(m.pop.n, 200, replace=False)] = P.PROSPECT
                m.step()
            return digest(m)

    assert made_prospects("numba") == made_prospects("numpy")


def test_kernels_use_the_population_codes():
    from sim.kernels import occasions, recruit, weekly

    for mod in (occasions, weekly):
        assert (mod.PROSPECT, mod.ACTIVE, mod.CHURNED) == (P.PROSPECT, P.ACTIVE, P.CHURNED)
    assert (recruit.PROSPECT, recruit.ACTIVE) == (P.PROSPECT, P.ACTIVE)
    assert occasions.NOT_YET == P.NOT_YET


def test_store_utilities_equal_mid_run_with_policy_terms():
    m = RetailModel(market=default_market(n_customers=2000, years=1), policies=BUNDLE, seed=9)
    m.run()
    rows = np.arange(0, m.pop.n, 3)
    with kernels.use("numpy"):
        want = store_utilities(m, m.t - 1, rows)
    with kernels.use("numba"):
        got = store_utilities(m, m.t - 1, rows)
    assert want.tobytes() == got.tobytes()


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(st.integers(0, 2**40), max_size=40),
    k=st.integers(1, 70),
    tick=st.integers(-60, 2000),
)
def test_keyed_uniforms_are_the_numpy_ones(rows, k, tick):
    draws, rows = KeyedDraws(11, "visit", tick), np.array(rows, dtype=np.int64)
    with kernels.use("numpy"):
        want = draws.random(rows, k)
    with kernels.use("numba"):
        got = draws.random(rows, k)
    assert want.shape == got.shape and want.tobytes() == got.tobytes()


@pytest.fixture(scope="module")
def midrun():
    return RetailModel(market=default_market(n_customers=3000, years=1), seed=12).run()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(0, 200), prospect_share=st.floats(0, 1))
def test_prospect_search_is_the_numpy_one(midrun, seed, n, prospect_share):
    rng = np.random.default_rng(seed)
    pop = midrun.pop
    state = pop.state.copy()
    try:
        pop.state[:] = np.where(rng.random(pop.n) < prospect_share, P.PROSPECT, P.ACTIVE)
        recruiters = np.sort(rng.choice(pop.n, n, replace=False))
        draws = KeyedDraws(seed, "recruit_pick", 3)
        with kernels.use("numpy"):
            want = _find_prospects(midrun, recruiters, draws)
        with kernels.use("numba"):
            got = _find_prospects(midrun, recruiters, draws)
    finally:
        pop.state[:] = state
    assert np.array_equal(want, got)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(0, 1000), churned=st.floats(0, 1))
def test_active_counts_are_the_numpy_ones(midrun, seed, n, churned):
    """Any size (blocks of 256 rows and the rest) and any share of churned customers."""
    rng = np.random.default_rng(seed)
    m = RetailModel(market=default_market(n_customers=max(n, 1), years=1, burn_in_years=0))
    m.pop.last_visit[:] = rng.integers(-60, 60, m.pop.last_visit.shape)
    m.pop.state[:] = np.where(rng.random(m.pop.n) < churned, P.CHURNED, P.ACTIVE)
    m.t = int(rng.integers(0, 50))
    with kernels.use("numpy"):
        want = m.active_counts()
    with kernels.use("numba"):
        got = m.active_counts()
    assert np.array_equal(want, got)


def test_decay_table_is_numpys_exp2_and_exactly_zero_beyond():
    from sim.kernels.pipeline import decay_table

    dt, hl = 7 / 365, 1.5
    table, cutoff = decay_table(dt, hl, need=5000)
    k = np.arange(table.size)
    assert table.tobytes() == np.exp2(-(k.astype(np.float64) * dt) / hl).tobytes()
    beyond = np.arange(cutoff, cutoff + 1000)
    assert not np.exp2(-(beyond.astype(np.float64) * dt) / hl).any()
    assert np.exp2(-((cutoff - 1) * dt) / hl) > 0


def test_switch(monkeypatch):
    with kernels.use("numpy"):
        assert kernels.engine() == "numpy" and not kernels.compiled()
    with kernels.use("numba"):
        assert kernels.engine() == "numba" and kernels.compiled()
    with pytest.raises(ValueError, match="SIM_KERNELS"):
        kernels.set_engine("fortran")
    monkeypatch.setenv(kernels.ENV, "cuda")
    with pytest.raises(ValueError, match="SIM_KERNELS: must be one of"):
        kernels._from_env()


def test_the_default_population_takes_the_compiled_path():
    """Guards the equality tests above: were a population dtype changed, the kernels would
    stand aside (`usable`) and the comparisons would compare NumPy with NumPy."""
    from sim.kernels import pipeline, tick

    with kernels.use("numba"):
        m = RetailModel(market=default_market(n_customers=500, years=0.2), seed=13)
        assert pipeline.usable(m)
        calls = []
        original = tick.after_choice
        tick.after_choice = lambda *a: calls.append(1) or original(*a)
        try:
            m.run()
        finally:
            tick.after_choice = original
    assert calls


def test_the_kernel_cache_is_warm_after_a_warm_up():
    """`cache_is_warm` (what the study engine asks before starting workers) sees the kernels a
    warm-up put on disk; the NumPy engine has nothing to compile."""
    kernels.warm_up()
    assert kernels.cache_is_warm()
    with kernels.use("numpy"):
        assert kernels.cache_is_warm()


@settings(max_examples=40, deadline=None)
@given(ticks=st.lists(st.integers(-3, 6), max_size=300), t=st.integers(-2, 5))
def test_rows_due_now_are_the_numpy_ones(ticks, t):
    """Any clocks (none due, all due, negative ticks): the same rows, ascending, int64."""
    m = RetailModel(market=default_market(n_customers=max(len(ticks), 1), years=1, burn_in_years=0))
    m.pop.next_tick = np.array(ticks or [0], dtype=np.int32)
    with kernels.use("numpy"):
        want = due_now(m, t)
    with kernels.use("numba"):
        got = due_now(m, t)
    assert got.dtype == want.dtype == np.intp and np.array_equal(want, got)
