"""The comparison report's text: numbers in the report's language, the store's name, one
headline sentence per policy and the ranked table, each derived from the comparison table."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from experiments.report.blocks import money as money_text
from experiments.report.blocks import number, percent, with_ci
from experiments.report.blocks import table as table_block
from experiments.report.provenance import meta_size
from experiments.report.vocab import STORE_NAMES_ZH, currency_of, in_currency
from experiments.studies.comparison.scale_text import scale_lines, yearly_fixed_cost
from experiments.studies.comparison.vocab import REPORT_TEXT as T


def store_name(meta: dict[str, Any], lang: str, store: str | None = None) -> str:
    """Display name of a store (the focal one by default): its config `name`, never its id."""
    store = store or meta.get("focal_store")
    names = meta.get("store_names") or {}
    name = names.get(store)
    if name is None:
        for spec in (meta.get("market_config") or {}).get("stores") or []:
            if spec.get("id") == store:
                name = spec.get("name")
    if not name:
        return T[lang]["your_store"] if store == meta.get("focal_store") else str(store)
    return STORE_NAMES_ZH.get(name, name) if lang == "zh" else name


# --------------------------------------------------------------------------- formatting
class Fmt:
    """Number formatting in the report's language (what "not available" and durations read),
    through the toolkit's blocks."""

    def __init__(self, lang: str) -> None:
        self.t = T[lang]
        self.na = self.t["na"]

    def money(self, v: float, signed: bool = False) -> str:
        return money_text(v, signed=signed, na=self.na)

    def pct(self, v: float, signed: bool = False, digits: int = 1) -> str:
        return percent(v, digits=digits, signed=signed, na=self.na)

    def num(self, v: float, digits: int = 2, signed: bool = False) -> str:
        return number(v, digits=digits, signed=signed, na=self.na)

    def duration(self, seconds: Any) -> str:
        """Rounded: whole seconds under two minutes, else minutes with one decimal."""
        try:
            s = float(seconds)
        except (TypeError, ValueError):
            return self.na
        if not np.isfinite(s):
            return self.na
        if s < 120:
            return self.t["seconds"].format(v=max(1, round(s)) if s >= 0.5 else f"{s:.1f}")
        return self.t["minutes"].format(v=f"{s / 60:.1f}")

    def cell(self, value: str, lo: float, hi: float, fmt: Callable[[float], str]) -> str:
        """A table cell (HTML): the mean and, on its own line, the CI."""
        return with_ci(value, lo, hi, fmt)


def years_of(meta: dict[str, Any]) -> float:
    try:
        return float(meta.get("years") or 1)
    except (TypeError, ValueError):
        return 1.0


def headlines(
    w: pd.DataFrame, baseline: str, labels: dict[str, str], lang: str, meta: dict[str, Any]
) -> list[str]:
    """One plain-language sentence (HTML) per policy, best first; the baseline first of all."""
    t, f = in_currency(T[lang], meta), Fmt(lang)
    level = f"{meta.get('level', 0.95):.0%}"
    years = years_of(meta)
    years_txt = t["years"](years)
    b = w.loc[baseline]
    e = html.escape
    out = [
        t["base_line"].format(
            label=e(labels[baseline]),
            profit=f.money(b["profit_mean"]),
            per_year=f.money(b["profit_mean"] / years),
            years=years_txt,
            level=level,
            lo=f.money(b["profit_ci_low"]),
            hi=f.money(b["profit_ci_high"]),
            ret=f.pct(b["retention_mean"], digits=0),
            vip=f.pct(b["vip_retention_mean"], digits=0),
        )
    ]
    for p, r in w.iterrows():
        if p == baseline:
            continue
        cost = r["policy_cost_mean"]
        if np.isfinite(r["roi_mean"]) and cost > 0:
            roi = float(r["roi_mean"])
            roi_txt = t["roi_pos" if roi >= 0 else "roi_neg"].format(v=f.num(abs(roi)))
            cost_txt = t["cost_roi"].format(
                cost=f.money(cost),
                roi=f.num(roi),
                roi_txt=roi_txt,
                roi_lo=f.num(r["roi_ci_low"]),
                roi_hi=f.num(r["roi_ci_high"]),
            )
        elif cost > 0:
            cost_txt = t["cost_only"].format(cost=f.money(cost))
        else:
            cost_txt = t["no_cost"]
        lo, hi = r["profit_diff_ci_low"], r["profit_diff_ci_high"]
        key = "better" if lo > 0 else "worse" if hi < 0 else "unclear"
        if isinstance(r.get("profit_verdict"), str) and r["profit_verdict"] in t:
            key = r["profit_verdict"]  # false discovery rate controlled across the policies
        if r["profit_diff_mean"] == 0 and lo == 0 and hi == 0:
            key = "same"
        if key == "unclear" and (lo > 0 or hi < 0):  # clear alone, not among all compared
            key = "unclear_many"
        verdict = t[key].format(
            base=e(labels[baseline]),
            reps=meta.get("replications", ""),
            m=len(w) - 1,
            q=f.num(r.get("profit_q_value", np.nan)),
        )
        out.append(
            t["headline"].format(
                label=e(labels[p]),
                pct=f.pct(r["profit_diff_pct"], signed=True),
                level=level,
                lo=f.pct(r["profit_diff_pct_ci_low"], signed=True),
                hi=f.pct(r["profit_diff_pct_ci_high"], signed=True),
                base=e(labels[baseline]),
                diff=f.money(abs(r["profit_diff_mean"])),
                diff_year=f.money(abs(r["profit_diff_mean"]) / years),
                more=t["less" if r["profit_diff_mean"] < 0 else "more"],
                years=years_txt,
                vip=f.pct(r["vip_retention_mean"], digits=0),
                base_vip=f.pct(b["vip_retention_mean"], digits=0),
                ret=f.pct(r["retention_mean"], digits=0),
                cost=cost_txt,
                verdict=verdict,
            )
        )
    return out


def ranked_rows(
    w: pd.DataFrame, labels: dict[str, str], lang: str = "en", years: float = 1.0
) -> list[list[str]]:
    """Rows of the ranked table as HTML cells (mean, CI on its own line)."""
    f = Fmt(lang)

    def signed_money(v: float) -> str:
        return f.money(v, True)

    def pp(v: float) -> str:
        return f.num(v, 1, True)

    rows = []
    for p, r in w.iterrows():
        rows.append(
            [
                str(int(r["rank"])),
                html.escape(labels[p]),
                f.cell(f.money(r["profit_mean"]), r["profit_ci_low"], r["profit_ci_high"], f.money),
                f.cell(
                    f.money(r["profit_mean"] / years),
                    r["profit_ci_low"] / years,
                    r["profit_ci_high"] / years,
                    f.money,
                ),
                f.cell(
                    f.money(r.get("profit_with_horizon_value_mean", np.nan)),
                    r.get("profit_with_horizon_value_ci_low", np.nan),
                    r.get("profit_with_horizon_value_ci_high", np.nan),
                    f.money,
                ),
                f.cell(
                    signed_money(r["profit_diff_mean"]),
                    r["profit_diff_ci_low"],
                    r["profit_diff_ci_high"],
                    signed_money,
                ),
                html.escape(f.pct(r["profit_diff_pct"], True)),
                f.cell(
                    f.pct(r["retention_mean"]),
                    r["retention_ci_low"],
                    r["retention_ci_high"],
                    f.pct,
                ),
                f.cell(
                    pp(100 * r["retention_diff_mean"]),
                    100 * r["retention_diff_ci_low"],
                    100 * r["retention_diff_ci_high"],
                    pp,
                ),
                html.escape(f.pct(r["vip_retention_mean"])),
                html.escape(f.money(r["policy_cost_mean"])),
                f.cell(f.num(r["roi_mean"]), r["roi_ci_low"], r["roi_ci_high"], f.num),
            ]
        )
    return rows


def table_html(cols: list[str], rows: list[list[str]]) -> str:
    """The ranked table; cells are HTML already, column 2 (names) left-aligned."""
    return table_block(cols, rows, cls="ranked", name_col=1)


def answer(
    w: pd.DataFrame,
    baseline: str,
    labels: dict[str, str],
    lang: str,
    meta: dict[str, Any],
    scale: pd.DataFrame | None = None,
) -> list[str]:
    """The report's opening (plain text): what to do, what it earns a year in the store's
    money, how sure — from the same columns as the ranked table — then the same judged with
    the customers each policy ends with valued, the scale check (`scale_text`: the simulated
    half/double sizes in `scale`, else the fixed-cost rule) and the store size it holds for."""
    from experiments.report.blocks import money

    t = in_currency(T[lang], meta)
    symbol, _ = currency_of(meta)
    years = max(years_of(meta), 1e-9)

    def m(v: float) -> str:
        return money(v / years, signed=True, symbol=symbol, na=t["na"])

    others = w.drop(index=baseline, errors="ignore")
    if others.empty:
        return []
    base = labels[baseline]
    clear = others[others["profit_verdict"] == "better"]
    pool = clear if len(clear) else others
    best = pool["profit_diff_mean"].astype(float).idxmax()
    row = w.loc[best]
    fill = {
        "label": labels[best],
        "base": base,
        "m": len(others),
        "diff": m(row["profit_diff_mean"]),
        "lo": m(row["profit_diff_ci_low"]),
        "hi": m(row["profit_diff_ci_high"]),
        "q": number(float(row.get("profit_q_value", np.nan)), na=t["na"]),
    }
    key = "do" if len(clear) else "keep"
    if key == "keep" and float(row["profit_diff_ci_low"]) > 0:
        key = "keep_many"  # the best's own range is clear of zero, not among all compared
    elif key == "keep" and float(row["profit_diff_ci_high"]) < 0:
        key = "keep_worse"
    lines = [t[key].format(**fill)]
    col = "profit_with_horizon_value_diff_mean"
    if col in w and np.isfinite(float(row.get(col, np.nan))):
        lines.append(
            t["with_value"].format(
                label=labels[best],
                base=base,
                diff=m(row[col]),
                lo=m(row["profit_with_horizon_value_diff_ci_low"]),
                hi=m(row["profit_with_horizon_value_diff_ci_high"]),
            )
        )
    configs = meta.get("policy_configs") or {}
    profile = _profile(meta) if any(c.get("policies") for c in configs.values()) else None
    fixed = {}
    for name in others.index:
        entries = (configs.get(name) or {}).get("policies")
        fixed[name] = yearly_fixed_cost(entries, profile) if entries and profile else 0.0
    gains = {n: float(w.loc[n, "profit_diff_mean"]) / years for n in others.index}
    lines += scale_lines(list(others.index), labels, gains, fixed, scale, years, symbol, t)
    lines.append(t["size_note"].format(customers=meta_size(meta, lang)))
    check = revenue_check(w, baseline, meta, years)
    if check is not None:
        sim, actual, calibrated = check
        pct = f"{sim / actual - 1:+.0%}"
        lines.append(
            t["revenue_check" if calibrated else "revenue_check_assumed"].format(
                sim=money(sim, symbol=symbol),
                actual=money(actual, symbol=symbol),
                pct=pct,
                fit=f"{float(f'{sim:.3g}'):.0f}",
            )
        )
    return lines


REVENUE_CHECK = 0.25
"""A store whose simulated baseline revenue is off its profile's (a calibrated store's export,
or the assumed default) by more than this share is told so: its money figures are for the
simulated store, and budgets sized by revenue share for the profile's."""


def revenue_check(
    w: pd.DataFrame, baseline: str, meta: dict[str, Any], years: float
) -> tuple[float, float, bool] | None:
    """(simulated baseline revenue a year, the profile's, whether that is a calibrated store's
    export) when they differ by more than `REVENUE_CHECK`; None for an export without revenue,
    or a match. An assumed profile (the default store's) is checked too: a market shrunk for
    speed keeps the default store's revenue, and budgets sized by revenue share with it."""
    from sim.store_profile import StoreProfile

    profile = StoreProfile.from_dict((meta.get("market_config") or {}).get("profile"))
    if not profile.yearly_revenue or "revenue_mean" not in w or baseline not in w.index:
        return None
    if profile.calibrated and profile.ticket_source != "data":
        return None  # an assumed spend per visit: the export's revenue is an assumption too
    sim = float(w.loc[baseline, "revenue_mean"]) / years
    actual = float(profile.yearly_revenue)
    if not np.isfinite(sim) or abs(sim / actual - 1.0) <= REVENUE_CHECK:
        return None
    return sim, actual, bool(profile.calibrated)


def _profile(meta: dict[str, Any]) -> Any:
    """The store profile of the study's market (None when meta.json has no market)."""
    from sim import MarketConfig

    market = meta.get("market_config")
    return MarketConfig.from_dict(market).profile if market else None
