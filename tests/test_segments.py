"""Per-customer summary and the seven segments of SEEDS 003, built from hand-made logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.segment_log import (
    assign_segments,
    migration_matrix,
    segment_counts_over_time,
    summarize,
)
from sim.segments import (
    FEATURES,
    FLAG_COLUMNS,
    NOT_MEMBER,
    SEGMENTS,
    SegmentParams,
    resolve_precedence,
    segment_codes,
    summarize_arrays,
)

AS_OF = pd.Timestamp("2024-12-31")


class LogBuilder:
    """Rows given as (days before AS_OF, amount, promo) per customer."""

    def __init__(self) -> None:
        self.rows: list[tuple[object, pd.Timestamp, float, bool]] = []

    def buy(
        self, customer: object, ages: list[int] | range, amount: float = 100.0, promo: bool = False
    ) -> LogBuilder:
        for age in ages:
            self.rows.append((customer, AS_OF - pd.Timedelta(days=age), float(amount), promo))
        return self

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows, columns=["customer_id", "date", "amount", "promo"])
        df["date"] = df["date"].astype("datetime64[ns]")
        return df

    def segments(self, params: SegmentParams | None = None) -> pd.DataFrame:
        return assign_segments(summarize(self.frame(), AS_OF), params or SegmentParams())


def label(seg: pd.DataFrame, customer: object) -> str:
    return str(seg.loc[customer, "segment"])


def flags(seg: pd.DataFrame, customer: object) -> set[str]:
    row = seg.loc[customer]
    return {c.removeprefix("is_") for c in FLAG_COLUMNS if row[c]}


# ---------------------------------------------------------------------------- the summary


def test_summary_features_by_hand() -> None:
    b = LogBuilder()
    b.buy("a", [400], 50.0)  # first purchase
    b.buy("a", [100, 100], 30.0, promo=True)  # two lines on one day = one purchase of 60
    b.buy("a", [10], 90.0)
    b.buy("a", [-5], 1000.0)  # after as_of: ignored
    s = summarize(b.frame(), AS_OF).loc["a"]
    assert s["n_purchases"] == 3 and s["n_transactions"] == 4
    assert s["frequency"] == 2
    assert s["recency"] == 390
    assert s["T"] == 400
    assert s["tenure_days"] == 401
    assert s["monetary_value"] == pytest.approx((60 + 90) / 2)  # repeat purchases only
    assert s["total_spend"] == pytest.approx(200.0)
    assert s["yearly_spend"] == pytest.approx(150.0)
    assert s["avg_ticket"] == pytest.approx(200 / 3)
    assert s["max_ticket"] == pytest.approx(90.0)
    assert s["mean_gap_days"] == pytest.approx(195.0)
    # gaps ending inside the last year: 300 (400->100) and 90; the open gap to as_of is 10
    assert s["max_gap_days_last_year"] == 300
    assert s["days_since_last"] == 10
    assert s["n_last_year"] == 2 and s["n_last_half_year"] == 2
    assert s["promo_revenue"] == pytest.approx(60.0)
    assert s["promo_share"] == pytest.approx(2 / 3)  # 2 of 3 lines in the last year
    assert s["first_date"] == AS_OF - pd.Timedelta(days=400)
    assert s["last_date"] == AS_OF - pd.Timedelta(days=10)


def test_summary_columns_index_and_as_of_default() -> None:
    b = LogBuilder().buy(1, [30]).buy(2, [5, 0])
    s = summarize(b.frame())
    assert tuple(s.columns) == FEATURES
    assert s.index.name == "customer_id"
    assert s.attrs["as_of"] == AS_OF
    assert s.loc[1, "days_since_last"] == 30


def test_customers_first_buying_after_as_of_are_not_members() -> None:
    b = LogBuilder().buy(1, [30]).buy(2, [-3])
    assert list(summarize(b.frame(), AS_OF).index) == [1]


def test_single_purchase_customer_lifetimes_conventions() -> None:
    s = summarize(LogBuilder().buy(1, [20], 70.0).frame(), AS_OF).loc[1]
    assert (s["frequency"], s["recency"], s["T"], s["monetary_value"]) == (0, 0, 20, 0.0)
    assert np.isnan(s["mean_gap_days"])
    assert s["max_gap_days_last_year"] == 20  # only the open gap


def test_yearly_window_is_365_days_up_to_as_of() -> None:
    b = LogBuilder().buy(1, [364], 10.0).buy(1, [365], 1000.0)
    assert summarize(b.frame(), AS_OF).loc[1, "yearly_spend"] == pytest.approx(10.0)


def test_open_gap_counts_in_max_gap() -> None:
    b = LogBuilder().buy(1, [300, 250, 200])
    assert summarize(b.frame(), AS_OF).loc[1, "max_gap_days_last_year"] == 200


# ---------------------------------------------------------------------------- each segment


def ladder(b: LogBuilder, n: int, *, start: float = 100.0, visits: int = 1) -> LogBuilder:
    """n members (ids 0..n-1) with distinct spends, all buying in the last 100 days."""
    for i in range(n):
        b.buy(i, list(range(10, 10 + 10 * visits, 10)), start + i)
    return b


def test_sleeping_after_one_year_without_purchase() -> None:
    b = ladder(LogBuilder(), 5)
    b.buy("s365", [500, 365]).buy("s364", [500, 364])
    seg = b.segments()
    assert label(seg, "s365") == "sleeping"
    assert flags(seg, "s365") == {"sleeping", "silent"}  # precedence: sleeping > silent
    assert label(seg, "s364") == "silent"


def test_silent_is_half_year_rate_below_half_of_cumulative_rate() -> None:
    b = ladder(LogBuilder(), 5)
    # tenure 730 days = 4 half-years; 8 purchases = 2 per half-year; threshold 1 in last half
    b.buy("quiet", [729, 650, 600, 500, 400, 300, 250, 100])  # 1 in the last half year
    b.buy("quieter", [729, 650, 600, 500, 400, 300, 250, 200])  # 0 in the last half year
    b.buy("steady", [729, 650, 600, 500, 400, 300, 100, 50])  # 2 in the last half year
    seg = b.segments()
    assert "silent" not in flags(seg, "quiet")  # 1 is not < 0.5 * 2
    assert label(seg, "quieter") == "silent"
    assert "silent" not in flags(seg, "steady")


def test_silent_rate_uses_observed_counts() -> None:
    b = ladder(LogBuilder(), 5)
    b.buy("x", [720, 700, 680, 660, 640, 620, 600, 580, 560, 100])  # 10 in 4 half-years
    assert label(b.segments(), "x") == "silent"  # 1 < 0.5 * 2.5


def test_new_member_is_never_silent() -> None:
    b = ladder(LogBuilder(), 5).buy("new", [150])
    assert "silent" not in flags(b.segments(), "new")


def test_high_total_spend_is_top_20_percent_of_yearly_spend() -> None:
    seg = ladder(LogBuilder(), 10).segments()
    assert sorted(seg.index[seg["segment"] == "high_total_spend"]) == [8, 9]
    assert set(seg.loc[list(range(8)), "segment"]) == {"regular"}
    seg15 = ladder(LogBuilder(), 10).segments(SegmentParams(top_spend_share=0.1))
    assert list(seg15.index[seg15["segment"] == "high_total_spend"]) == [9]


def test_ties_at_the_cut_off_are_all_in() -> None:
    b = LogBuilder()
    for i in range(10):
        b.buy(i, [10], 500.0 if i >= 7 else 100.0 + i)  # three tied at the top
    seg = b.segments()
    assert sorted(seg.index[seg["is_high_total_spend"]]) == [7, 8, 9]


def test_sleeping_members_are_not_ranked_for_spend() -> None:
    b = ladder(LogBuilder(), 5)
    for i in range(20):
        b.buy(f"z{i}", [400])  # sleeping: no yearly spend, not in the ranked population
    seg = b.segments()
    assert list(seg.index[seg["is_high_total_spend"]]) == [4]  # ceil(0.2 * 5) = 1


def heavy_population() -> LogBuilder:
    """10 members, 20 visits each in the last 200 days, yearly spend 2000 + 20 i."""
    b = LogBuilder()
    for i in range(10):
        b.buy(i, list(range(5, 205, 10)), 100.0 + i)
    return b


def test_high_ticket_is_twice_the_store_average_ticket() -> None:
    b = heavy_population().buy("big", [3], 1500.0).buy("mid", [3], 150.0)
    seg = b.segments()
    assert label(seg, "big") == "high_ticket"  # 1500 >= 2 x ~107; yearly 1500 not top 20%
    assert "high_ticket" not in flags(seg, "mid")
    assert label(seg, 0) == "regular"


def test_high_loyalty_top_half_and_gaps_within_180_days() -> None:
    seg = heavy_population().segments()
    # 10 active: top 20% = 9, 8; top 50% = 9..5; 5, 6, 7 are loyal but not top spenders
    assert [label(seg, i) for i in range(10)] == ["regular"] * 5 + ["high_loyalty"] * 3 + [
        "high_total_spend"
    ] * 2
    assert flags(seg, 9) == {"high_total_spend", "high_loyalty"}  # precedence


def test_high_loyalty_needs_small_gaps_and_two_purchases() -> None:
    b = heavy_population()
    b.buy("gap", [300, 100], 2000.0)  # a 200-day gap inside the last year
    b.buy("open", [340, 190], 2000.0)  # last purchase 190 days ago: the open gap is > 180
    b.buy("once", [5], 5000.0)  # top half but only one purchase in the year
    b.buy("ok", [170, 5], 1100.0)  # gaps 165 and 5
    seg = b.segments(SegmentParams(top_spend_share=0.01))
    assert "high_loyalty" not in flags(seg, "gap")
    assert "high_loyalty" not in flags(seg, "open")
    assert "high_loyalty" not in flags(seg, "once")
    assert "high_loyalty" in flags(seg, "ok")


def test_promo_frequent_top_20_percent_by_promotion_revenue() -> None:
    b = LogBuilder()
    for i in range(10):
        b.buy(i, [20, 10], 300.0 + i)  # promo revenue: none
        b.buy(f"p{i}", [20], 50.0 + i, promo=True)
        b.buy(f"p{i}", [10], 200.0)
    seg = b.segments(SegmentParams(top_spend_share=0.01))
    assert sorted(seg.index[seg["is_promo_frequent"]].astype(str)) == ["p8", "p9"]
    assert label(seg, "p9") == "promo_frequent"


def test_promo_only_buys_on_promotion_and_brings_little_cash() -> None:
    b = ladder(LogBuilder(), 10, start=1000.0)
    b.buy("gift", [30, 20], 0.0, promo=True)  # giveaways only: no cash at all
    b.buy("hunter", [30, 20, 10, 5], 10.0, promo=True)
    b.buy("hunter", [25], 10.0, promo=False)  # 4 of 5 lines on promotion: share 0.8
    b.buy("mixed", [30, 20], 10.0, promo=True).buy("mixed", [10, 5], 10.0)  # share 0.5
    b.buy("rich", [30, 20], 3000.0, promo=True)  # promo only, but top cash
    seg = b.segments()
    # 14 active; bottom 20% = 3 lowest yearly spends: gift 0, mixed 40, hunter 50
    assert label(seg, "gift") == "promo_only"
    assert label(seg, "hunter") == "promo_only"
    assert "promo_only" not in flags(seg, "mixed")
    assert "promo_only" not in flags(seg, "rich")


# ---------------------------------------------------------------------------- precedence


def test_silent_beats_promo_only() -> None:
    b = ladder(LogBuilder(), 10, start=1000.0)
    b.buy("x", [300, 250], 5.0, promo=True)  # in the last year, not in the last half year
    seg = b.segments()
    assert flags(seg, "x") >= {"silent", "promo_only"}
    assert label(seg, "x") == "silent"


def test_promo_only_beats_high_total_spend() -> None:
    b = LogBuilder()
    for i in range(5):  # everybody ties: top 20% and bottom 20% both take all five
        b.buy(i, [20, 10], 10.0, promo=True)
    seg = b.segments()
    assert flags(seg, 0) >= {"promo_only", "high_total_spend"}
    assert set(seg["segment"]) == {"promo_only"}


def test_high_total_spend_beats_high_ticket() -> None:
    b = heavy_population().buy("whale", [3], 10_000.0)
    seg = b.segments()
    assert flags(seg, "whale") >= {"high_total_spend", "high_ticket"}
    assert label(seg, "whale") == "high_total_spend"


def test_high_ticket_beats_high_loyalty() -> None:
    b = LogBuilder()
    for i in range(3):  # heavy spenders with small tickets
        b.buy(f"h{i}", list(range(1, 151, 3)), 100.0 + i)
    for i in range(6):
        b.buy(f"l{i}", [5], 100.0 + i)
    b.buy("x", [70, 10], 1000.0)  # 2000 a year: top 50% not top 20%, big tickets, loyal
    seg = b.segments()
    assert flags(seg, "x") == {"high_ticket", "high_loyalty"}
    assert label(seg, "x") == "high_ticket"


def test_high_loyalty_beats_promo_frequent() -> None:
    b = heavy_population()
    # 2130 a year in 19 small visits (10 on promotion): top half, not top 20%, not big tickets
    b.buy("x", range(10, 101, 10), 150.0, promo=True).buy("x", range(15, 96, 10), 70.0)
    seg = b.segments()
    assert flags(seg, "x") == {"high_loyalty", "promo_frequent"}
    assert label(seg, "x") == "high_loyalty"


def test_promo_frequent_beats_regular() -> None:
    b = heavy_population()
    b.buy("x", [30], 20.0, promo=True).buy("x", [20, 10], 20.0)
    seg = b.segments()
    assert flags(seg, "x") == {"promo_frequent"}
    assert label(seg, "x") == "promo_frequent"


@given(st.lists(st.lists(st.booleans(), min_size=7, max_size=7), min_size=1, max_size=30))
def test_resolve_precedence_picks_first_flag(rows: list[list[bool]]) -> None:
    codes = resolve_precedence(np.array(rows, dtype=bool))
    for row, code in zip(rows, codes, strict=True):
        expected = row.index(True) if any(row) else len(SEGMENTS) - 1
        assert code == expected


def test_segments_constant_is_precedence_order() -> None:
    assert SEGMENTS == (
        "sleeping",
        "silent",
        "promo_only",
        "high_total_spend",
        "high_ticket",
        "high_loyalty",
        "promo_frequent",
        "regular",
    )
    assert FLAG_COLUMNS == tuple(f"is_{s}" for s in SEGMENTS[:-1])


# ---------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"top_spend_share": 0.0}, "top_spend_share"),
        ({"top_spend_share": 1.0}, "top_spend_share"),
        ({"loyalty_top_share": -0.1}, "loyalty_top_share"),
        ({"promo_bottom_share": float("nan")}, "promo_bottom_share"),
        ({"ticket_multiple": 0}, "ticket_multiple"),
        ({"loyalty_max_gap_days": -1}, "loyalty_max_gap_days"),
        ({"loyalty_min_purchases": 0}, "loyalty_min_purchases"),
        ({"promo_only_min_share": 1.5}, "promo_only_min_share"),
        ({"silent_ratio": 0}, "silent_ratio"),
        ({"half_year_days": 400}, "half_year_days"),
    ],
)
def test_params_validation_names_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=f"SegmentParams.{field} ") as info:
        SegmentParams(**kwargs)
    assert "\n" not in str(info.value)


def test_params_are_frozen_with_article_defaults() -> None:
    p = SegmentParams()
    assert (p.top_spend_share, p.ticket_multiple, p.loyalty_top_share) == (0.2, 2.0, 0.5)
    assert (p.loyalty_max_gap_days, p.silent_ratio, p.sleeping_days) == (180.0, 0.5, 365.0)
    with pytest.raises(AttributeError):
        p.top_spend_share = 0.3  # type: ignore[misc]


# ---------------------------------------------------------------------------- properties


@st.composite
def random_logs(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(min_value=1, max_value=60))
    n_cust = draw(st.integers(min_value=1, max_value=15))
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(0, n_cust - 1),
                st.integers(0, 900),
                st.sampled_from([0.0, 5.0, 50.0, 120.0, 999.5]),
                st.booleans(),
            ),
            min_size=n,
            max_size=n,
        )
    )
    cust, age, amount, promo = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "customer_id": np.array(cust, dtype=np.int64),
            "date": (AS_OF - pd.to_timedelta(np.array(age), unit="D")).astype("datetime64[ns]"),
            "amount": np.array(amount, dtype=np.float64),
            "promo": np.array(promo, dtype=bool),
        }
    )


@settings(max_examples=60, deadline=None)
@given(log=random_logs())
def test_segments_partition_members_and_agree_with_flags(log: pd.DataFrame) -> None:
    seg = assign_segments(summarize(log, AS_OF))
    assert set(seg.index) == set(log["customer_id"])
    assert seg["segment"].notna().all()
    counts = seg["segment"].value_counts()
    assert counts.sum() == len(seg)
    for _, row in seg.iterrows():
        met = [s for s, c in zip(SEGMENTS, FLAG_COLUMNS, strict=False) if row[c]]
        assert row["segment"] == (met[0] if met else "regular")
    # array core gives the same labels
    codes = pd.factorize(log["customer_id"], sort=True)[0]
    days = log["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    f = summarize_arrays(
        codes,
        days,
        log["amount"].to_numpy(),
        log["promo"].to_numpy(),
        as_of=int(np.datetime64(AS_OF.date(), "D").astype(np.int64)),
    )
    core = segment_codes(f)
    assert [SEGMENTS[c] for c in core] == [str(s) for s in seg["segment"]]


@settings(max_examples=30, deadline=None)
@given(log=random_logs())
def test_counts_over_time_and_migration_are_consistent(log: pd.DataFrame) -> None:
    dates = [AS_OF - pd.Timedelta(days=400), AS_OF - pd.Timedelta(days=100), AS_OF]
    counts = segment_counts_over_time(log, dates)
    for d in dates:
        n_members = log.loc[log["date"] <= d, "customer_id"].nunique()
        assert counts.loc[d].sum() == n_members
    m = migration_matrix(log, dates[0], dates[2])
    assert m.to_numpy().sum() == counts.loc[dates[2]].sum()
    assert (m.drop(index="new").sum(axis=1).to_numpy() == counts.loc[dates[0]].to_numpy()).all()
    assert (m.sum(axis=0).to_numpy() == counts.loc[dates[2]].to_numpy()).all()


def test_migration_matrix_by_hand() -> None:
    b = LogBuilder()
    b.buy("old", [700, 600])  # regular at a (as_of - 365), sleeping at b
    b.buy("new", [30])  # first purchase after a
    b.buy("kept", [700, 400, 200, 30])
    log = b.frame()
    a = AS_OF - pd.Timedelta(days=365)
    m = migration_matrix(log, a, AS_OF)
    assert m.loc["new"].sum() == 1
    assert m.loc["new", "regular"] + m.loc["new", "high_total_spend"] == 1
    assert m.loc[:, "sleeping"].sum() == 1
    assert m.to_numpy().sum() == 3
    assert m.index.name == "segment_a" and m.columns.name == "segment_b"
    with pytest.raises(ValueError, match="must not be before"):
        migration_matrix(log, AS_OF, a)


def test_array_core_handles_non_members_and_empty_input() -> None:
    f = summarize_arrays(
        np.array([0, 0]), np.array([10, 20]), np.array([1.0, 2.0]), as_of=15, n_customers=3
    )
    codes = segment_codes(f)
    assert codes[0] >= 0 and codes[1] == NOT_MEMBER and codes[2] == NOT_MEMBER
    assert f["n_purchases"].tolist() == [1, 0, 0]
    empty = summarize_arrays(
        np.zeros(0, int), np.zeros(0, int), np.zeros(0), as_of=0, n_customers=2
    )
    assert segment_codes(empty).tolist() == [NOT_MEMBER, NOT_MEMBER]


def test_array_core_rejects_bad_codes() -> None:
    with pytest.raises(ValueError, match="same length"):
        summarize_arrays(np.array([0]), np.array([1, 2]), np.array([1.0]), as_of=3)
    with pytest.raises(ValueError, match=">= n_customers"):
        summarize_arrays(np.array([5]), np.array([1]), np.array([1.0]), as_of=3, n_customers=2)


def test_summarize_requires_a_canonical_log() -> None:
    with pytest.raises(ValueError, match="missing column"):
        summarize(pd.DataFrame({"customer_id": [1], "amount": [1.0]}))
    with pytest.raises(ValueError, match="validate_log"):
        summarize(pd.DataFrame({"customer_id": [1], "date": ["2024-01-01"], "amount": [1.0]}))


# ---------------------------------------------------------------------------- compiled codes


def _toy_model(ticks, custs, stores, amounts, discounts, n, tick_days):
    """What `sim.segmenting` reads of a model: the log, the tick length, the population size."""
    from types import SimpleNamespace

    from sim.transactions import TransactionBuffer

    log = TransactionBuffer()
    log._chunks = [
        (
            np.asarray(ticks, np.int32),
            np.asarray(custs, np.int32),
            np.asarray(stores, np.int16),
            np.asarray(amounts, np.float64),
            np.asarray(discounts, np.float64),
        )
    ]
    return SimpleNamespace(
        transactions=log,
        calendar=SimpleNamespace(tick_days=tick_days),
        pop=SimpleNamespace(n=n),
        focal=0,
        t=0,
    )


@st.composite
def tick_logs(draw: st.DrawFn) -> tuple:
    n = draw(st.integers(min_value=1, max_value=40))
    size = draw(st.integers(min_value=0, max_value=120))
    ticks = sorted(draw(st.lists(st.integers(0, 160), min_size=size, max_size=size)))
    custs = draw(st.lists(st.integers(0, n - 1), min_size=size, max_size=size))
    stores = draw(st.lists(st.integers(0, 1), min_size=size, max_size=size))
    amounts = draw(
        st.lists(
            st.sampled_from([0.0, 5.0, 50.0, 50.0, 120.5, 999.5]), min_size=size, max_size=size
        )
    )
    promo = draw(st.lists(st.sampled_from([0.0, 0.0, 0.5, 1.0]), min_size=size, max_size=size))
    discounts = [a * p for a, p in zip(amounts, promo, strict=True)]
    tick_days = draw(st.sampled_from([1, 7]))
    as_of = draw(st.integers(0, 170))
    params = SegmentParams(
        top_spend_share=draw(st.sampled_from([0.2, 0.05, 0.9])),
        loyalty_top_share=draw(st.sampled_from([0.5, 0.1])),
        promo_top_share=draw(st.sampled_from([0.2, 0.6])),
        promo_bottom_share=draw(st.sampled_from([0.2, 0.7])),
        sleeping_days=draw(st.sampled_from([365.0, 30])),
        loyalty_max_gap_days=draw(st.sampled_from([180.0, 14.0])),
        half_year_days=draw(st.sampled_from([182.5, 50.0])),
    )
    return (ticks, custs, stores, amounts, discounts, n, tick_days), as_of, params


@settings(max_examples=80, deadline=None)
@given(case=tick_logs())
def test_compiled_codes_are_the_numpy_ones(case: tuple) -> None:
    pytest.importorskip("numba")
    from sim.segmenting import _compiled_codes, _numpy_codes

    log, as_of, params = case
    model = _toy_model(*log)
    for store in (0, 1):
        fast = _compiled_codes(model, store, as_of, params)
        ref = _numpy_codes(model, store, as_of, params)
        assert fast is not None and fast.dtype == ref.dtype == np.int8
        assert fast.tolist() == ref.tolist()


def test_compiled_codes_leave_a_log_out_of_tick_order_to_numpy() -> None:
    pytest.importorskip("numba")
    from sim.segmenting import _compiled_codes, _numpy_codes, store_segments

    model = _toy_model([3, 1, 2], [0, 1, 0], [0, 0, 0], [10.0, 20.0, 5.0], [0.0] * 3, 2, 7)
    assert _compiled_codes(model, 0, 3, SegmentParams()) is None
    expected = _numpy_codes(model, 0, 3, SegmentParams()).tolist()
    assert store_segments(model, 0, as_of_tick=3).tolist() == expected


def test_yearly_snapshots_are_the_same_with_either_engine() -> None:
    pytest.importorskip("numba")
    from sim import RetailModel, default_market, kernels
    from sim.segmenting import yearly_segment_snapshots

    model = RetailModel(market=default_market(n_customers=1500, years=2), seed=4).run()
    frames = {}
    for name in kernels.ENGINES:
        with kernels.use(name):
            model.__dict__.pop("_segment_cache", None)
            frames[name] = yearly_segment_snapshots(model)
    pd.testing.assert_frame_equal(frames["numba"], frames["numpy"], check_exact=True)
    assert len(frames["numba"]) == 2 * len(SEGMENTS)
