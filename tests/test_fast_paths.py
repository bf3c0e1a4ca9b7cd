"""The speed-ups change speed, not results: each fast path equals its plain definition.

- customer agents made on first use are exactly the agents made eagerly (ids, order, attributes,
  registration with Mesa);
- a stream drawn ahead in blocks hands out exactly the numbers of direct generator calls;
- the social network built in cache-sized chunks is the tie-by-tie definition;
- keyed draws are SplitMix64 of (seed, process, tick, row, column), computed with Python ints.
"""

from __future__ import annotations

import zlib

import mesa
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import RetailModel, default_market
from sim.agents.customer import Customer
from sim.agents.store import Store
from sim.population import _homophilous_network
from sim.rng import DrawsAhead, KeyedDraws

MARKET = default_market(n_customers=300, years=1)


def signature(model: RetailModel) -> list[tuple]:
    return [
        (type(a).__name__, a.unique_id, getattr(a, "row", None), sorted(vars(a)))
        for a in model.agents
    ]


def test_customers_made_on_first_use_are_the_eager_ones():
    lazy = RetailModel(market=MARKET, seed=3)
    eager = RetailModel(market=MARKET, seed=3, activation="agent")  # made at set-up
    assert lazy._customers is None and eager._customers is not None
    assert signature(lazy) == signature(eager)
    n, stores = MARKET.n_customers, len(MARKET.stores)
    assert len(lazy.agents) == n + stores
    assert [a.unique_id for a in lazy.agents_by_type[Customer]] == list(
        range(stores + 1, stores + n + 1)
    )
    assert [c.row for c in lazy.customers] == list(range(n))
    assert lazy.customers[10] in lazy.agents and isinstance(lazy.customers[10], mesa.Agent)
    assert set(lazy.agent_types) == {Store, Customer}
    # The agents are Mesa's: AgentSet operations work on them.
    assert len(lazy.agents_by_type[Customer].select(lambda c: c.row < 5)) == 5


def test_an_agent_added_later_comes_after_the_customers():
    model = RetailModel(market=MARKET, seed=3)
    extra = Customer(model, 0)  # registering anything makes the customers first
    assert extra.unique_id == len(MARKET.stores) + MARKET.n_customers + 1
    assert list(model.agents)[-1] is extra
    assert sorted(vars(extra)) == sorted(vars(model.customers[0]))


def test_removing_all_agents_removes_the_customers_too():
    model = RetailModel(market=MARKET, seed=3)
    model.remove_all_agents()
    assert len(model.agents) == 0


@settings(max_examples=30, deadline=None)
@given(
    method=st.sampled_from(["random", "standard_normal", "exponential", "gumbel"]),
    width=st.integers(1, 9),
    sizes=st.lists(st.integers(0, 3000), min_size=1, max_size=8),
    seed=st.integers(0, 2**32 - 1),
)
def test_draws_ahead_hand_out_the_numbers_of_direct_calls(method, width, sizes, seed):
    ahead = DrawsAhead(np.random.default_rng(seed), method, width)
    direct = np.random.default_rng(seed)
    for m in sizes:
        got = ahead.take(m)
        want = getattr(direct, method)(size=(m, width) if width > 1 else m)
        assert got.shape == want.shape
        assert np.array_equal(got, want)
        assert not got.flags.writeable


def _network_by_definition(place, cls, mean_degree, same_group, same_place, rng):
    """One tie at a time: pick a pool (own group, own place, anyone), then a member of it."""
    n = place.size
    degree = 1 + rng.poisson(max(mean_degree - 1, 0), n)
    m = int(degree.sum())
    u, pick = rng.random(m), rng.random(m)
    group = place.astype(np.int64) * (int(cls.max()) + 1) + cls
    by_group = [r for _, r in sorted((int(g), r) for r, g in enumerate(group))]
    by_place = [r for _, r in sorted((int(p), r) for r, p in enumerate(place))]
    dst, k = [], 0
    for i in range(n):
        for _ in range(degree[i]):
            if u[k] < same_group:
                pool = [r for r in by_group if group[r] == group[i]]
            elif u[k] < same_group + same_place:
                pool = [r for r in by_place if place[r] == place[i]]
            else:
                pool = list(range(n))
            j = pool[int(pick[k] * len(pool))]
            dst.append((j + 1) % n if j == i else j)
            k += 1
    return np.concatenate([[0], np.cumsum(degree)]), np.array(dst)


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 120), seed=st.integers(0, 2**32 - 1))
def test_network_is_the_tie_by_tie_definition(n, seed):
    gen = np.random.default_rng(seed)
    place = gen.integers(0, 4, n).astype(np.int16)
    cls = gen.integers(0, 3, n).astype(np.int8)
    args = (place, cls, 6.0, 0.6, 0.25)
    indptr, indices = _homophilous_network(*args, np.random.default_rng(seed))
    want_indptr, want_indices = _network_by_definition(*args, np.random.default_rng(seed))
    assert np.array_equal(indptr, want_indptr)
    assert np.array_equal(indices, want_indices)


def test_keyed_draws_are_splitmix_of_their_key():
    mask = (1 << 64) - 1
    gold, col = 0x9E3779B97F4A7C15, 0xD6E8FEB86659FD93

    def mix(z: int) -> int:
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    seed, process, tick = 12345, "visit", 77
    key = 0
    for part in (seed, zlib.crc32(process.encode()), tick):
        key = mix((key + part * gold) & mask)
    rows = np.array([0, 1, 99, 2**31 + 5])
    got = KeyedDraws(seed, process, tick).random(rows, 70)  # more columns than the cached table
    for i, r in enumerate(rows.tolist()):
        for c in range(70):
            z = mix(mix((key + r * gold + (c + 1) * col) & mask))
            assert got[i, c] == ((z >> 11) + 0.5) * 2.0**-53
