"""The speed-ups change speed, not results: each fast path equals its plain definition.

- customer agents made on first use are exactly the agents made eagerly (ids, order, attributes,
  registration with Mesa);
- a stream drawn ahead in blocks hands out exactly the numbers of direct generator calls;
- the social network built in cache-sized chunks is the tie-by-tie definition;
- keyed draws are SplitMix64 of (seed, process, tick, row, column), computed with Python ints.
"""

from __future__ import annotations

import threading
import zlib

import mesa
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import RetailModel, default_market
from sim.agents.customer import Customer
from sim.agents.store import Store
from sim.population import _homophilous_network
from sim.rng import PROCESSES, DrawsAhead, KeyedDraws, Streams

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


@settings(max_examples=30, deadline=None)
@given(
    method=st.sampled_from(["random", "standard_normal", "gumbel"]),
    width=st.integers(1, 9),
    ops=st.lists(
        st.tuples(st.sampled_from(["take", "hand_out", "resume", "direct"]), st.integers(0, 400)),
        min_size=1,
        max_size=12,
    ),
    background=st.integers(1, 200),
    seed=st.integers(0, 2**32 - 1),
)
def test_blocks_drawn_in_the_background_are_the_stream_in_order(
    method, width, ops, background, seed
):
    """With the next block drawn on the worker thread (batches of `background` rows and more),
    every batch, a buffer resumed from its state and a direct draw from the stream get the
    numbers that direct calls, one after the other, would have given."""
    gen = np.random.default_rng(seed)
    ahead = DrawsAhead(gen, method, width)
    ahead.BACKGROUND_ROWS = background
    direct = np.random.default_rng(seed)
    for op, m in ops:
        shape = (m, width) if width > 1 else m
        if op == "direct":  # e.g. a snapshot reading the generator: no block is in flight
            ahead.settle()
            assert gen.bit_generator.state == _after(direct, ahead)
            continue
        if op == "resume":
            state = ahead.state()
            gen = np.random.default_rng(seed)
            gen.bit_generator.state = ahead._gen.bit_generator.state
            ahead = DrawsAhead.resumed(gen, state)
            ahead.BACKGROUND_ROWS = background
            op = "take"
        if op == "take":
            got = ahead.take(m)
        else:
            rows, at = ahead.hand_out(m)
            got = rows[at : at + m]
        want = getattr(direct, method)(size=shape)
        assert got.shape == want.shape
        assert np.array_equal(got, want)
        assert not got.flags.writeable


def _after(direct: np.random.Generator, ahead: DrawsAhead) -> dict:
    """The state of `direct` once it has also drawn what `ahead` holds but has not handed out."""
    probe = np.random.default_rng()
    probe.bit_generator.state = direct.bit_generator.state
    held = ahead._buf.size - ahead._pos
    if held:
        getattr(probe, ahead._method)(size=held)
    return probe.bit_generator.state


def test_a_run_with_every_block_drawn_in_the_background_is_the_same_run(monkeypatch):
    """A million customers' batches have their next blocks drawn on a worker thread; forced on
    for every batch of a small market (and its burn-in snapshot), the run is bit for bit the
    one drawn in turn."""
    from sim.snapshot import BurnIn

    market = default_market(n_customers=1500, years=1)
    policies = ["gift_budget", "promotions"]
    before = RetailModel(market=market, policies=policies, seed=5).run()
    monkeypatch.setattr(DrawsAhead, "BACKGROUND_ROWS", 1)
    fresh = RetailModel(market=market, policies=policies, seed=5).run()
    resumed = RetailModel(
        market=market, policies=policies, seed=5, burn_in=BurnIn.compute(market, 5)
    ).run()
    for run in (fresh, resumed):
        assert repr(run.summary()) == repr(before.summary())
        pd.testing.assert_frame_equal(
            run.transactions_frame(), before.transactions_frame(), check_exact=True
        )
        pd.testing.assert_frame_equal(run.metrics_frame(), before.metrics_frame(), check_exact=True)


def test_the_streams_state_waits_for_a_block_still_being_drawn():
    """A snapshot taken while the worker draws a block holds that block and the generator past
    it: the streams resumed from it go on with the numbers that come next, none twice."""
    streams = Streams(3)
    buf = streams.ahead("wom", "random", 2)
    first = [buf.take(5).copy()]  # a block of 2048 rows drawn in turn
    gate, fill = threading.Event(), buf._filler

    def held(size):
        gate.wait()
        return fill()(size=size)

    buf._filler, buf.BACKGROUND_ROWS = (lambda: held), 1
    first.append(buf.take(5).copy())  # and the next is drawn on the worker, held at the gate
    threading.Timer(0.1, gate.set).start()
    state = streams.state()
    resumed = Streams(3)
    resumed.restore(state)
    after = resumed.ahead("wom", "random", 2).take(5000)
    want = np.random.default_rng(np.random.SeedSequence(3).spawn(len(PROCESSES))[7]).random(
        (5010, 2)
    )
    assert PROCESSES[7] == "wom"
    assert np.array_equal(np.concatenate([*first, after]), want)


def test_a_block_drawn_for_another_process_is_refused_in_so_many_words():
    """A process forked while its worker drew a block cannot know where the stream stands: it
    says so instead of waiting for a worker it does not have."""
    ahead = DrawsAhead(np.random.default_rng(1), "random")
    ahead.BACKGROUND_ROWS = 1
    ahead.take(3)
    ahead._pending_pid = -1  # as in a child forked meanwhile
    with pytest.raises(RuntimeError, match="being drawn when this process was forked"):
        ahead.settle()


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
