"""What the market picture shows, as plain frames: places and stores by tier, where the focal
store's original customers spend over time (the upward drift of elites as flows between
places), the top-20% customers the store is losing, and where the market's numbers come from
(the same provenance every study report ends with)."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from experiments.dashboard import text
from experiments.dashboard.twin import ObservedModel, vip_rows
from sim.config import CLASSES, TIERS
from sim.population import CHURNED, NEVER, STATES

RECENT_WEEKS = 13
LOSING_WEEKS = 13
"""A top customer counts as slipping away after this many weeks without a visit, or when most of
their recent spending (last `RECENT_WEEKS`) went to other stores."""


def places(model: ObservedModel) -> pd.DataFrame:
    """One row per place: id, tier, parent, population share and its stores (indices)."""
    rows = []
    for p in model.market.places:
        stores = [i for i, s in enumerate(model.market.stores) if s.place == p.id]
        rows.append(
            {
                "place": p.id,
                "tier": p.tier,
                "rank": TIERS.index(p.tier),
                "parent": p.parent,
                "share": p.population_share,
                "stores": stores,
            }
        )
    return pd.DataFrame(rows)


def _ticks_per_week(model: ObservedModel) -> float:
    return 7 / model.calendar.tick_days


def _spend(model: ObservedModel, rows: np.ndarray) -> tuple[np.ndarray, ...]:
    """(tick, customer, store, paid) of the purchases made by `rows`."""
    tick, cust, store, amount, discount = model.transactions.arrays()
    mask = np.zeros(model.pop.n, dtype=bool)
    mask[rows] = True
    keep = mask[cust]
    return tick[keep], cust[keep], store[keep], (amount - discount)[keep]


def spend_by_tier(model: ObservedModel, bin_weeks: int = 13) -> pd.DataFrame:
    """Share of the focal store's original customers' spending by store tier, per period,
    for elites and for everyone else: columns date, group, tier, share.

    Quarters by default: a jewellery purchase is large and rare, so four-week shares of a few
    hundred elites swing with single purchases (at 5,000 customers a four-week bin held about
    seven elite purchases; the county band read 72% and then 10%). The customers are those who
    had bought at the focal store by the start: their first months lean to it (they were picked
    for buying there) and then settle; without any upward drift the elites' prefecture share
    still rose from 55% to about 76% over three years (20,000 customers, seed 1), with drift to
    about 86%."""
    rows = model.initial_focal
    tick, cust, store, paid = _spend(model, rows)
    if tick.size == 0:
        return pd.DataFrame(columns=["date", "group", "tier", "share"])
    store_tier = np.asarray(model.store_arrays.tier, dtype=int)
    period = (tick // max(1, round(bin_weeks * _ticks_per_week(model)))).astype(int)
    frame = pd.DataFrame(
        {
            "period": period,
            "group": np.where(model.pop.elite[cust], "elites", "others"),
            "tier": np.asarray(TIERS, dtype=object)[store_tier[store]],
            "paid": paid,
        }
    )
    sums = frame.groupby(["period", "group", "tier"])["paid"].sum()
    shares = (sums / sums.groupby(level=["period", "group"]).transform("sum")).rename("share")
    out = shares.reset_index()
    step = max(1, round(bin_weeks * _ticks_per_week(model)))
    dates = model.calendar.dates()
    out["date"] = pd.to_datetime(dates[np.minimum(out["period"] * step, len(dates) - 1)])
    return out[["date", "group", "tier", "share"]]


def recent_flows(model: ObservedModel, weeks: int = RECENT_WEEKS) -> pd.Series:
    """Share of the original focal customers' spending in the last `weeks`, by store place."""
    since = model.t - weeks * _ticks_per_week(model)
    tick, _, store, paid = _spend(model, model.initial_focal)
    keep = tick >= since
    per_store = np.bincount(store[keep], paid[keep], minlength=model.n_stores)
    place_of = [s.place for s in model.market.stores]
    s = pd.Series(per_store, index=place_of).groupby(level=0).sum()
    total = s.sum()
    return s / total if total > 0 else s


def losing_vips(model: ObservedModel, limit: int = 12) -> tuple[pd.DataFrame, int, int]:
    """The focal store's top-20% customers who are slipping away, worst first (at most
    `limit`), how many top customers there are, and how many are slipping away in all.
    Columns: customer, class, home, spend, weeks, elsewhere (NaN: no recent purchase
    anywhere), where, satisfaction, state."""
    vips = vip_rows(model)
    pop, f = model.pop, model.focal
    if vips.size == 0:
        return pd.DataFrame(), 0, 0
    tpw = _ticks_per_week(model)
    last = pop.last_visit[vips, f]
    weeks = np.where(last > NEVER, (model.t - 1 - last) / tpw, np.inf)
    since = model.t - RECENT_WEEKS * tpw
    tick, cust, store, paid = _spend(model, vips)
    recent = tick >= since
    index = np.full(pop.n, -1)
    index[vips] = np.arange(vips.size)
    per = np.zeros((vips.size, model.n_stores))
    np.add.at(per, (index[cust[recent]], store[recent]), paid[recent])
    total = per.sum(axis=1)
    other = total - per[:, f]
    elsewhere = np.divide(other, total, out=np.full_like(total, np.nan), where=total > 0)
    per_other = per.copy()
    per_other[:, f] = -1
    where = np.where(other > 0, per_other.argmax(axis=1), -1)
    losing = (weeks >= LOSING_WEEKS) | (elsewhere > 0.5) | (pop.state[vips] == CHURNED)  # NaN: no
    frame = pd.DataFrame(
        {
            "customer": vips,
            "class": [CLASSES[c] for c in pop.cls[vips]],
            "home": [model.geo.place_ids[h] for h in pop.home[vips]],
            "spend": pop.revenue[vips, f],
            "weeks": weeks,
            "elsewhere": elsewhere,
            "where": where,
            "satisfaction": pop.satisfaction[vips, f],
            "state": [STATES[s] for s in pop.state[vips]],
        }
    )[losing]
    frame = frame.sort_values(["weeks", "spend"], ascending=[False, False])
    return frame.head(limit).reset_index(drop=True), int(vips.size), len(frame)


def provenance_html(market: Any, lang: str) -> tuple[str, str]:
    """(heading, HTML) of where the market's numbers come from: its source (the default
    market, or calibrated from a file on a date), the store's members vs the simulated
    residents, the calibration's holdout miss and warnings, and each input marked as the
    store's data, given or assumed (`experiments.report.provenance`)."""
    from experiments.report.provenance import provenance, provenance_html

    facts = provenance(market, lang)
    return facts.title, provenance_html(facts)


def losing_table(frame, model, lang: str) -> str:
    """The losing top customers as an HTML table (the market tab)."""
    cols = [
        "col_customer",
        "col_class",
        "col_home",
        "col_spend",
        "col_weeks",
        "col_elsewhere",
        "col_where",
        "col_satisfaction",
    ]
    prof = model.market.profile
    head = "".join(f"<th>{html.escape(text.money(text.tr(lang, c), prof))}</th>" for c in cols)
    body = []
    for _, r in frame.iterrows():
        where = (
            text.store_label(model.market.stores[int(r["where"])], lang) if r["where"] >= 0 else "–"
        )
        weeks = "–" if r["weeks"] == float("inf") else f"{r['weeks']:.0f}"
        cells = [
            f"#{int(r['customer'])}",
            text.class_label(r["class"], lang),
            text.place_label(r["home"], lang),
            model.market.profile.money(r["spend"]),
            weeks,
            "–" if np.isnan(r["elsewhere"]) else f"{r['elsewhere']:.0%}",
            where,
            f"{r['satisfaction']:+.2f}",
        ]
        body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    return f'<table class="lab-table"><tr>{head}</tr>{"".join(body)}</table>'
