"""The set-up's compiled kernels (sim.kernels.setup) give the NumPy path's results bit for bit:
the social network's ties and the burn-in's tick stamps moved to the run's ticks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("numba")

from sim import kernels  # noqa: E402
from sim.population import NEVER, NOT_YET, _homophilous_network  # noqa: E402


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 3000),
    places=st.integers(1, 5),
    degree=st.sampled_from([1.0, 3.5, 12.0, 40.0]),
    same_group=st.sampled_from([0.0, 0.6, 1.0]),
    same_place=st.sampled_from([0.0, 0.25]),
    seed=st.integers(0, 2**32 - 1),
)
def test_compiled_network_is_the_numpy_one(n, places, degree, same_group, same_place, seed):
    same_place = min(same_place, 1.0 - same_group)
    r = np.random.default_rng(seed)
    place = np.sort(r.integers(0, places, n)).astype(np.int16)
    cls = r.integers(0, 6, n).astype(np.int8)
    nets, states = {}, {}
    for engine in kernels.ENGINES:
        rng = np.random.default_rng(seed + 1)
        with kernels.use(engine):
            nets[engine] = _homophilous_network(place, cls, degree, same_group, same_place, rng)
        states[engine] = rng.bit_generator.state
    (ip_a, ix_a), (ip_b, ix_b) = nets["numba"], nets["numpy"]
    assert ip_a.dtype == ip_b.dtype and ix_a.dtype == ix_b.dtype == np.int32
    assert np.array_equal(ip_a, ip_b) and np.array_equal(ix_a, ix_b)
    assert states["numba"] == states["numpy"]  # the stream moves on by the same draws
    assert n == 1 or not np.any(ix_a == np.repeat(np.arange(n), np.diff(ip_a)))  # no self-tie


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.integers(-400, 400), min_size=0, max_size=60),
    sentinel=st.sampled_from([NEVER, NOT_YET]),
    ticks=st.sampled_from([52, 104]),
    tick_days=st.sampled_from([1, 7]),
)
def test_shifted_stamps_are_the_numpy_ones(values, sentinel, ticks, tick_days):
    from sim.kernels import setup

    stamps = np.array(values + values + [sentinel, sentinel], dtype=np.int32).reshape(-1, 2)
    expected = stamps.copy()
    keep = expected != sentinel
    expected[keep] = (expected[keep] - ticks) * 7 // tick_days  # snapshot.burn_in's rule
    setup.shift_stamps(stamps, int(sentinel), ticks, 7, tick_days)
    assert stamps.dtype == np.int32 and np.array_equal(stamps, expected)


@settings(max_examples=40, deadline=None)
@given(
    clocks=st.lists(
        st.one_of(st.floats(-2.0, 4.0), st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1.0])),
        max_size=50,
    ),
    ticks=st.integers(1, 60),
)
def test_next_ticks_are_numpys_searchsorted(clocks, ticks):
    from sim.kernels import setup

    clock_end = np.cumsum(np.linspace(0.5, 1.5, ticks) / ticks)
    clock_end[ticks // 2 :] = np.maximum(clock_end[ticks // 2 :], 1.0)  # ties at 1.0
    clock = np.array(clocks, dtype=np.float64)
    expected = np.searchsorted(clock_end, clock, side="left").astype(np.int32)
    got = setup.next_ticks(clock_end, clock)
    assert got.dtype == np.int32 and np.array_equal(got, expected)


@settings(max_examples=40, deadline=None)
@given(keys=st.lists(st.integers(0, 30), max_size=200))
def test_counting_order_is_numpys_stable_argsort(keys):
    from sim.kernels import setup

    ticks = np.array(keys, dtype=np.int64)
    order, ordered = setup.counting_order(ticks, int(ticks.max()) if ticks.size else 0)
    expected = np.argsort(ticks, kind="stable").astype(np.int32)
    assert order.dtype == np.int32 and np.array_equal(order, expected)
    assert ordered.dtype == np.int64 and np.array_equal(ordered, ticks[expected])


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 40),
    stores=st.integers(1, 5),
    ties=st.booleans(),
    nan=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_first_stores_and_relationships_are_the_numpy_rule(n, stores, ties, nan, seed):
    """The members' first stores and relationship stamps, as `_initial_relationships`' NumPy
    rule writes them (the first maximum; NaN wins as in np.argmax; float32/int32 rounding)."""
    from sim.kernels import setup

    r = np.random.default_rng(seed)
    V = r.normal(size=(n, stores + 1))
    gumbel = r.gumbel(size=(n, stores))
    if ties:  # equal sums: the first store wins
        V[:, :stores] = 0.0
        gumbel[:] = np.round(gumbel)
    if nan:
        V[r.integers(0, n), r.integers(0, stores)] = np.nan
    total = 2 * n + 3
    rows = np.sort(r.choice(total, size=n, replace=False)).astype(np.int64)
    last = -1 - r.integers(0, 52, n)
    loy, sat = r.uniform(0.2, 0.7, n), r.normal(0.2, 0.3, n)

    def fresh():
        return {
            "loyalty": np.zeros((total, stores), np.float32),
            "satisfaction": np.zeros((total, stores), np.float32),
            "last_visit": np.full((total, stores), NEVER, np.int32),
            "first_visit": np.full((total, stores), NOT_YET, np.int32),
            "last_store": np.full(total, -1, np.int16),
            "last_purchase": np.full(total, NEVER, np.int32),
            "joined": np.full(total, NEVER, np.int32),
        }

    want, got = fresh(), fresh()
    best = np.argmax(V[:, :-1] + gumbel, axis=1)
    want["loyalty"][rows, best] = loy
    want["satisfaction"][rows, best] = sat
    want["last_visit"][rows, best] = last
    want["first_visit"][rows, best] = -1
    want["last_store"][rows] = best
    want["last_purchase"][rows] = last
    want["joined"][rows] = -1
    stores = np.empty(n, dtype=np.int64)
    setup.first_stores(V, gumbel, stores)
    assert np.array_equal(stores, best)
    setup.first_relationships(rows, stores, loy, sat, last, *got.values())
    for name in want:
        assert np.array_equal(got[name], want[name]), name


@pytest.mark.parametrize("engine", kernels.ENGINES)
def test_the_network_built_beside_the_attributes_is_the_one_built_alone(engine):
    """`Population` builds its network on a second thread while it draws the attributes: the
    ties are those of `_homophilous_network` on the same homes, classes and stream, and the
    attributes' stream is untouched by it (the whole model's output: tests/test_golden.py)."""
    from sim import default_market
    from sim.population import Geography, Population

    market = default_market(n_customers=5000)
    b = market.behaviour
    with kernels.use(engine):
        geo, rng = Geography.from_market(market), np.random.default_rng(1)
        pop = Population(market, geo, rng, np.random.default_rng(2))
        indptr, indices = _homophilous_network(
            pop.home,
            pop.cls,
            b.mean_degree,
            b.homophily_same_group,
            b.homophily_same_place,
            np.random.default_rng(2),
        )
    assert np.array_equal(pop.indptr, indptr) and np.array_equal(pop.indices, indices)


def test_an_error_in_the_network_build_reaches_the_caller(monkeypatch):
    import sim.population as population
    from sim import default_market

    def broken(*args):
        raise MemoryError("no room for the ties")

    monkeypatch.setattr(population, "_homophilous_network", broken)
    market = default_market(n_customers=500)
    with pytest.raises(MemoryError, match="no room for the ties"):
        population.Population(
            market,
            population.Geography.from_market(market),
            np.random.default_rng(1),
            np.random.default_rng(2),
        )
