"""Customer population: a struct of NumPy arrays plus a homophilous social network (CSR).

One row per resident of the market. The `Customer` Mesa agents read and write these rows;
the behaviour rules work on whole batches of rows at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import background, kernels
from sim.config import CLASSES, ELITE_CLASSES, TIERS, MarketConfig

PROSPECT, ACTIVE, SILENT, SLEEPING, CHURNED = range(5)
STATES: tuple[str, ...] = ("prospect", "active", "silent", "sleeping", "churned")
"""Member states. Prospects are residents not (yet) buying in the category; churned ones left it."""

VIA_INITIAL, VIA_NATURAL, VIA_WOM, VIA_REFERRAL = range(4)
NEVER = np.iinfo(np.int32).min // 2
"""Tick stamp meaning 'never happened' (far in the past, safe to subtract from)."""
NOT_YET = np.iinfo(np.int32).max
"""`first_visit` stamp of a customer who never bought at a store."""


@dataclass
class Geography:
    """Places as arrays: tier rank, parent and hop distances along the place tree."""

    place_ids: list[str]
    tier_rank: np.ndarray  # (P,) int
    parent: np.ndarray  # (P,) int, -1 at the top
    distance: np.ndarray  # (P, P) float, hops along the tree
    store_place: np.ndarray  # (S,) int
    store_tier: np.ndarray  # (S,) int

    @classmethod
    def from_market(cls, market: MarketConfig) -> Geography:
        ids = market.place_ids
        index = {p: i for i, p in enumerate(ids)}
        tier_rank = np.array([TIERS.index(p.tier) for p in market.places])
        parent = np.array([index[p.parent] if p.parent else -1 for p in market.places])
        n = len(ids)
        chains = []
        for i in range(n):
            chain, j = [i], parent[i]
            while j >= 0:
                chain.append(int(j))
                j = parent[j]
            chains.append(chain)
        distance = np.zeros((n, n))
        for i in range(n):
            for j in range(n):
                common = next((c for c in chains[i] if c in chains[j]), None)
                if common is None:  # separate trees: as far as going over both roots
                    distance[i, j] = len(chains[i]) + len(chains[j])
                else:
                    distance[i, j] = chains[i].index(common) + chains[j].index(common)
        store_place = np.array([index[s.place] for s in market.stores])
        return cls(ids, tier_rank, parent, distance, store_place, tier_rank[store_place])


class Population:
    """All customer state, one array per attribute (rows = customers, columns = stores)."""

    def __init__(
        self,
        market: MarketConfig,
        geo: Geography,
        rng: np.random.Generator,
        net_rng: np.random.Generator,
    ) -> None:
        b = market.behaviour
        n, n_stores = market.n_customers, len(market.stores)
        self.n, self.n_stores = n, n_stores
        shares = np.array([p.population_share for p in market.places], dtype=float)
        origin = rng.choice(len(shares), size=n, p=shares / shares.sum())
        # Residents grouped by place (contiguous rows, cache-friendly): the sorted draws,
        # counted rather than sorted.
        origin = np.repeat(np.arange(len(shares)), np.bincount(origin, minlength=len(shares)))
        origin_tier = geo.tier_rank[origin]
        cls = np.empty(n, dtype=np.int8)
        for t, tier in enumerate(TIERS):
            rows = np.flatnonzero(origin_tier == t)
            if rows.size == 0:
                continue
            mix = market.class_mix[tier]
            p = np.array([mix.get(c, 0.0) for c in CLASSES], dtype=float)
            cls[rows] = rng.choice(len(CLASSES), size=rows.size, p=p / p.sum())
        elite_codes = [CLASSES.index(c) for c in ELITE_CLASSES]
        self.elite = np.isin(cls, elite_codes)
        # SEEDS 000, urbanisation: town elites live in the county and work in the town;
        # county elites keep a home in the prefecture city. Family home is where they shop.
        moves_up = (
            self.elite & (geo.parent[origin] >= 0) & (rng.random(n) < market.elite_home_up_share)
        )
        self.work = origin.astype(np.int16)
        self.home = np.where(moves_up, geo.parent[origin], origin).astype(np.int16)
        self.cls = cls
        # The network needs only homes, classes and its own stream: it is built on the worker
        # thread (sim.background) while this one draws the attributes (the same arrays either
        # way; at 1M each half takes ~0.3 s, spent in NumPy or a kernel without the GIL).
        network = background.submit(
            _homophilous_network,
            self.home,
            cls,
            b.mean_degree,
            b.homophily_same_group,
            b.homophily_same_place,
            net_rng,
        )

        prof = [market.class_profiles[c] for c in CLASSES]

        def col(attr: str) -> np.ndarray:
            return np.array([getattr(p, attr) for p in prof])[cls]

        # BG/NBD + Gamma-Gamma core (docs/ODD.md 7.1, 7.2, 7.4): rate ~ Gamma(r, r / class mean);
        # dropout probability per repeat purchase ~ Beta(a, b), independent of the rate; mean
        # spend per visit = p / nu with nu ~ Gamma(q, gamma), gamma such that the class mean holds.
        shape = b.rate_shape
        self.rate = rng.gamma(shape, col("occasions_per_year") / shape)
        self.dropout = rng.beta(b.dropout_a, b.dropout_b, n)
        q = b.spend_shape
        self.spend = col("spend_per_purchase") * (q - 1.0) / rng.gamma(q, 1.0, n)
        self.price_sens = (col("price_sensitivity") * rng.lognormal(-0.08, 0.4, n)).astype(
            np.float32
        )
        self.promo_aff = np.clip(col("promo_affinity") + rng.normal(0, 0.15, n), 0, 1).astype(
            np.float32
        )
        self.status_seek = np.clip(col("status_seeking") + rng.normal(0, 0.15, n), 0, 1).astype(
            np.float32
        )
        self.edu_need = rng.random(n) < col("education_need")
        self.brand_asp = np.clip(col("brand_aspiration") + rng.normal(0, 0.15, n), 0, 1).astype(
            np.float32
        )
        self.tier_pref = (col("tier_preference") + rng.normal(0, 0.2, n)).astype(np.float32)
        self.drift = (col("drift_per_year") * rng.lognormal(-0.08, 0.4, n)).astype(np.float32)
        self.birth_month = rng.integers(1, 13, n).astype(np.int8)

        # Relationship state, per customer and per customer x store.
        self.state = np.where(rng.random(n) < b.prospect_share, PROSPECT, ACTIVE).astype(np.int8)
        self.satisfaction = np.zeros((n, n_stores), dtype=np.float32)
        self.loyalty = np.zeros((n, n_stores), dtype=np.float32)
        self.last_visit = np.full((n, n_stores), NEVER, dtype=np.int32)
        self.first_visit = np.full((n, n_stores), NOT_YET, dtype=np.int32)
        self.last_store = np.full(n, -1, dtype=np.int16)
        self.last_purchase = np.full(n, NEVER, dtype=np.int32)
        # Bought in the category before (BG/NBD: no dropout chance at the first purchase).
        self.repeat = self.state == ACTIVE
        self.last_good = np.zeros(n, dtype=bool)
        self.last_bad = np.zeros(n, dtype=bool)
        self.referral_parent = np.full(n, -1, dtype=np.int32)
        self.acquired_store = np.full(n, -1, dtype=np.int16)
        self.acquired_via = np.full(n, VIA_INITIAL, dtype=np.int8)
        self.joined = np.full(n, NEVER, dtype=np.int32)
        self.left_store = np.zeros((n, n_stores), dtype=bool)
        # Running spend for KPIs: whole run, current and previous year.
        self.revenue = np.zeros((n, n_stores), dtype=np.float64)
        self.year_spend = np.zeros((n, n_stores), dtype=np.float32)
        self.prev_year_spend = np.zeros((n, n_stores), dtype=np.float32)

        self.indptr, self.indices = network.result()

    @property
    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)

    def contacts(self, row: int) -> np.ndarray:
        return self.indices[self.indptr[row] : self.indptr[row + 1]]

    def in_category(self, rows: np.ndarray) -> np.ndarray:
        s = self.state[rows]
        return (s != PROSPECT) & (s != CHURNED)


def settle_members(
    pop: Population, market: MarketConfig, rng: np.random.Generator, years: float
) -> np.ndarray:
    """Make the initial members the survivors of `years` of customer turnover (a steady start).

    Left as fresh draws, the initial members would include every short-lived customer
    (high dropout probability, high rate) that a mature customer base has long lost, and the
    first years would show their exodus. Each member row is treated as a slot that customers
    have occupied since `-years`: an occupant with its own rate and dropout probability makes a
    first purchase after Exp(rate), then leaves after a Geometric(p) number of further purchases
    (BG/NBD); one who has left by time 0 is replaced by a newcomer drawn afresh from the class
    distributions, until every slot holds a customer alive at 0. Occupants still before their
    first purchase get no dropout chance at it (`repeat` false). Returns each member's join
    time in years (<= 0), in row order.
    """
    rows = np.flatnonzero(pop.state == ACTIVE)
    if years <= 0 or rows.size == 0:
        return np.zeros(rows.size)
    b = market.behaviour
    mean_rate = np.array([market.class_profiles[c].occasions_per_year for c in CLASSES])
    joined = np.full(rows.size, -float(years))
    todo = np.arange(rows.size)
    while todo.size:
        r = rows[todo]
        rate = pop.rate[r]
        first = joined[todo] + rng.exponential(1.0, todo.size) / rate
        purchases = rng.geometric(np.maximum(pop.dropout[r], 1e-12))
        gone = first + rng.gamma(purchases, 1.0) / rate
        alive = gone > 0
        pop.repeat[r[alive]] = first[alive] <= 0
        todo, joined_at = todo[~alive], gone[~alive]
        joined[todo] = joined_at
        r = rows[todo]
        pop.rate[r] = rng.gamma(b.rate_shape, mean_rate[pop.cls[r]] / b.rate_shape)
        pop.dropout[r] = rng.beta(b.dropout_a, b.dropout_b, todo.size)
    return joined


def _homophilous_network(
    place: np.ndarray,
    cls: np.ndarray,
    mean_degree: float,
    same_group: float,
    same_place: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Directed ties 'i talks to j': most ties within (place, class), then within place.

    Built without a Python loop over customers: every tie picks its pool (own group, own
    place, anyone) and a uniform member of it using the rows sorted by group.
    """
    n = place.size
    degree = 1 + rng.poisson(max(mean_degree - 1, 0), n)
    n_cls = int(cls.max()) + 1 if n else 1
    group = _small_ints(place.astype(np.int64) * n_cls + cls)
    place = _small_ints(place)
    # A pool is a contiguous slice of one of three orders of the rows: by group, by place, all.
    # Each customer's three pools as (start, size) in the concatenated orders, one row each.
    pools = np.concatenate(
        [np.argsort(group, kind="stable"), np.argsort(place, kind="stable"), np.arange(n)]
    ).astype(np.int32)
    g_start, g_size = _slices(group)
    p_start, p_size = _slices(place)
    # int32 offsets: 3n < 2**31 for every allowed population (MAX_CUSTOMERS).
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(degree, out=indptr[1:])
    m = int(indptr[-1])
    # The stream gives m uniforms `u` (which pool) and then m more `pick` (where in it). Both
    # are drawn block by block, `u` from a copy of the stream and `pick` from the stream moved
    # on by m draws (one 64-bit step per double): the very numbers of two draws of m, without
    # holding 2 x m doubles at once.
    u_gen = np.random.Generator(type(rng.bit_generator)())
    u_gen.bit_generator.state = rng.bit_generator.state
    rng.bit_generator.advance(m)
    dst = np.empty(m, dtype=np.int32)
    rows_per_block = max(1, _CHUNK // max(int(mean_degree), 1))
    if kernels.compiled():  # the same ties in one compiled pass per block (sim.kernels.setup)
        _compiled_ties(
            indptr,
            degree,
            rows_per_block,
            u_gen,
            rng,
            pools,
            g_start,
            g_size,
            p_start,
            p_size,
            same_group,
            same_place,
            dst,
        )
        return indptr, dst
    start = np.stack([g_start, n + p_start, np.full(n, 2 * n)], axis=1).ravel().astype(np.int32)
    size = np.stack([g_size, p_size, np.full(n, n)], axis=1).ravel().astype(np.float64)
    del g_start, g_size, p_start, p_size
    for r0 in range(0, n, rows_per_block):
        r1 = min(r0 + rows_per_block, n)
        lo, hi = int(indptr[r0]), int(indptr[r1])
        src = np.repeat(np.arange(r0, r1, dtype=np.int32), degree[r0:r1])
        u = u_gen.random(hi - lo)
        pick = rng.random(hi - lo)
        which = 3 * src
        which += u >= same_group
        which += u >= same_group + same_place
        pick *= size[which]
        k = start[which]
        k += pick.astype(np.int32)
        out = dst[lo:hi]
        np.take(pools, k, out=out)
        self_tie = out == src
        out[self_tie] = (out[self_tie] + 1) % max(n, 1)
    return indptr, dst


def _compiled_ties(
    indptr: np.ndarray,
    degree: np.ndarray,
    rows_per_block: int,
    u_gen: np.random.Generator,
    rng: np.random.Generator,
    pools: np.ndarray,
    g_start: np.ndarray,
    g_size: np.ndarray,
    p_start: np.ndarray,
    p_size: np.ndarray,
    same_group: float,
    same_place: float,
    dst: np.ndarray,
) -> None:
    """`_homophilous_network`'s blocks with `sim.kernels.setup.ties`: the same uniforms (drawn
    into two reused buffers), the same arithmetic, no temporaries per tie."""
    from sim.kernels import setup

    n = degree.size
    width = int(degree[:rows_per_block].sum()) if n else 0
    u_buf, pick_buf = np.empty(width), np.empty(width)
    for r0 in range(0, n, rows_per_block):
        r1 = min(r0 + rows_per_block, n)
        lo, hi = int(indptr[r0]), int(indptr[r1])
        if hi - lo > u_buf.size:
            u_buf, pick_buf = np.empty(hi - lo), np.empty(hi - lo)
        u = u_gen.random(out=u_buf[: hi - lo])
        pick = rng.random(out=pick_buf[: hi - lo])
        setup.ties(
            r0,
            r1,
            indptr,
            u,
            pick,
            g_start,
            g_size,
            p_start,
            p_size,
            pools,
            float(same_group),
            float(same_group + same_place),
            dst[lo:hi],
        )


_CHUNK = 1 << 16


def _small_ints(key: np.ndarray) -> np.ndarray:
    """Non-negative codes as int16 when they fit (a stable argsort of int16 is a radix sort)."""
    return key.astype(np.int16) if key.size and key.max() < 2**15 else key


def _slices(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: where its key's block starts in a stable sort by key, and the block's size."""
    counts = np.bincount(key)
    return (np.cumsum(counts) - counts)[key], counts[key]
