"""A self-contained HTML report of a policy comparison, for a store owner (English / 简体中文).

`write_report` draws the figures (`experiments.figures`) into the output directory and writes
``report.html`` through the shared page shell (`experiments.report_page.render_page`): every
image embedded as base64 and a subset of the bundled CJK font embedded too, so the file can be
mailed on its own, opened on a machine without Chinese fonts, and printed to a clean PDF.

It can also be rebuilt from a finished comparison directory, e.g. in another language::

    python -m experiments.report outputs/compare/2025-01-01_12-00-00 --lang zh
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments import figures
from experiments.engine.statistics import wide
from experiments.engine.store import atomic_write_text
from experiments.report_page import png_data_uri, render_page, section

POLICY_LABELS: dict[str, tuple[str, str]] = {
    "none": ("Doing nothing", "什么都不做"),
    "gift_budget": ("Gift budget", "礼品预算"),
    "promotions": ("Promotions", "促销活动"),
    "celebrity_event": ("Celebrity event", "明星答谢会"),
    "referral_points": ("Referral points", "推荐积分"),
    "promo_blacklist": ("Promotion blacklist", "促销黑名单"),
    "complaint_recovery": ("Complaint recovery", "投诉补救"),
    "reactivation": ("Reactivation gifts", "唤醒沉默/沉睡顾客"),
    "vip_privileges": ("VIP privileges", "VIP特权"),
    "education_events": ("Education events", "子女教育活动"),
    "vip_program": ("VIP programme (bundle)", "VIP计划（组合）"),
    "promotions_blacklist": ("Promotions + blacklist", "促销+黑名单"),
    "service_budget": ("Service-innovation budget", "服务创新预算"),
    "win_back": ("Win-back (bundle)", "挽回沉默顾客（组合）"),
    "thank_you_call": ("Thank-you call", "感谢回访电话"),
}
"""Plain-language names; a policy config may set its own `label` / `label_zh`."""

STORE_NAMES_ZH: dict[str, str] = {
    "Your county store": "您的县城门店",
    "Rival county store": "县城竞争门店",
    "County B store": "B县门店",
    "National-brand city store": "地级市全国品牌门店",
    "Local city store": "地级市本地门店",
    "Town A shop": "A镇小店",
    "Town B shop": "B镇小店",
}
"""Chinese names of the default market's stores (other names are shown as written)."""

FIGURES = (
    "profit_vs_baseline",
    "profit_distribution",
    "retention_curves",
    "cost_breakdown",
    "segment_shifts",
)

T = {
    "en": {
        "title": "Which retention policy pays? — {store}",
        "your_store": "your store",
        "intro": (
            "We simulated your market ({customers} customers, {years}, {tick} steps) "
            "{reps} times for each policy. Every policy met exactly the same customers and "
            "the same ups and downs (replication r uses seed {seed0}+r for all of them), so "
            "the differences below come from the policy alone. Profits are totals over the "
            "{years} with the yearly average beside them; ranges are {level} confidence "
            "intervals."
        ),
        "headlines": "Headlines",
        "base_line": (
            "<b>{label}</b> (the baseline): profit ¥{profit} over {years} (¥{per_year} a year; "
            "{level} CI {lo}–{hi}); keeps {ret} of last year's customers and {vip} of your "
            "top-20% customers."
        ),
        "headline": (
            "<b>{label}</b>: {pct} profit ({level} CI {lo} to {hi}) vs {base}, that is "
            "¥{diff} {more} over {years} (¥{diff_year} a year); keeps {vip} of your top-20% "
            "customers ({base}: {base_vip}) and {ret} of all customers. {cost} {verdict}"
        ),
        "cost_roi": "Spends ¥{cost}; {roi_txt} (ROI {roi}, CI {roi_lo} to {roi_hi}).",
        "roi_pos": "each yuan spent adds ¥{v} to profit after paying for itself",
        "roi_neg": "each yuan spent lowers profit by ¥{v}",
        "cost_only": "Spends ¥{cost}.",
        "no_cost": "Spends nothing.",
        "better": "Verdict: clearly more profitable than {base}.",
        "worse": "Verdict: clearly less profitable than {base}.",
        "unclear": (
            "Verdict: no clear difference in profit with {reps} replications (run more to tell)."
        ),
        "same": (
            "Verdict: exactly the same as {base} in every replication (on its own this "
            "policy changes nothing here)."
        ),
        "table": "Ranked table ({store})",
        "cols": [
            "Rank",
            "Policy",
            "Profit ¥ ({years})",
            "Profit ¥ per year",
            "Δ profit vs baseline ¥ ({years})",
            "Δ %",
            "Retention",
            "Δ retention (pp)",
            "Top-20% kept",
            "Cost ¥ ({years})",
            "ROI",
        ],
        "table_note": (
            "Mean with its {level} CI below it. Δ = difference from {base} in the same "
            "replication, averaged (paired); pp = percentage points. ROI = extra profit ÷ "
            "policy cost (profit is already net of the cost: ROI 0 means the policy just pays "
            "for itself). Top-20% "
            "customers = the 20% of last year's buyers who spent the most at your store."
        ),
        "fig": {
            "profit_vs_baseline": (
                "Extra profit vs doing nothing",
                "Dot: average extra profit over {years}; bar: {level} CI. Green: clearly "
                "better, red: clearly worse, grey: cannot tell.",
            ),
            "profit_distribution": (
                "Profit in every replication",
                "Each dot is one simulated future ({years}); the box holds the middle "
                "half. The dashed line is the baseline's average.",
            ),
            "retention_curves": (
                "Customers kept over time",
                "Top: customers who bought at your store in the last 180 days (mean over "
                "replications). Bottom left: the same minus {base} in the same replication, "
                "with its {level} CI band. Bottom right: share of one year's buyers who bought "
                "again the next year, mean with {level} CI bars.",
            ),
            "cost_breakdown": (
                "Where the money goes",
                "Average spending of each policy by item, over {years}.",
            ),
            "segment_shifts": (
                "How your membership changes",
                "Member segments (SEEDS 003) at the last year end: change in share vs "
                "{base}, in percentage points. Green: better for your store (more big, "
                "loyal or high-ticket members, fewer sleeping, silent or promotion-only "
                "ones); red: worse; white: neutral.",
            ),
        },
        "method": "How this was computed",
        "method_text": (
            "Each policy was run {reps} times with seeds {seeds}; replication r of "
            "every policy used the same seed (common random numbers). Means come "
            "with Student-t intervals over replications; differences vs {base} are "
            "paired per seed (paired t). ROI is a ratio of means (extra profit ÷ "
            "cost) with a {roi_method} interval. {runs} runs took {wall} on "
            "{workers} worker(s)."
        ),
        "footer": "Store Retention Lab — simulated outcomes, not a forecast.",
        "na": "n/a",
        "ticks": {"week": "weekly", "day": "daily"},
        "roi_method": {"delta": "delta-method", "bootstrap": "bootstrap"},
        "years": lambda y: f"{_num_text(y)} year" + ("" if float(y) == 1 else "s"),
        "more": "more",
        "less": "less",
        "seconds": "{v} s",
        "minutes": "{v} min",
    },
    "zh": {
        "title": "哪种留客策略更赚钱？—— {store}",
        "your_store": "您的门店",
        "intro": (
            "我们把您的市场（{customers}位顾客，{years}，按{tick}推进）对每个策略各模拟了"
            "{reps}次。所有策略面对的是完全相同的顾客和相同的市场波动（第r次重复对所有策略"
            "都使用种子{seed0}+r），因此下面的差异只来自策略本身。利润为{years}的合计，"
            "旁边是每年平均；区间为{level}置信区间。"
        ),
        "headlines": "要点",
        "base_line": (
            "<b>{label}</b>（基准）：{years}利润¥{profit}（每年¥{per_year}；{level}置信区间 "
            "{lo}–{hi}）；留住了去年顾客的{ret}，以及前20%大客户的{vip}。"
        ),
        "headline": (
            "<b>{label}</b>：利润比“{base}”{pct}（{level}置信区间 {lo} 至 {hi}），即{years}"
            "{more}¥{diff}（每年{more}¥{diff_year}）；留住了前20%大客户的{vip}（{base}：{base_vip}），"
            "全部顾客的{ret}。{cost}{verdict}"
        ),
        "cost_roi": "花费¥{cost}；{roi_txt}（投入产出比{roi}，区间 {roi_lo} 至 {roi_hi}）。",
        "roi_pos": "每花1元，扣除成本后利润增加¥{v}",
        "roi_neg": "每花1元，利润反而减少¥{v}",
        "cost_only": "花费¥{cost}。",
        "no_cost": "没有花费。",
        "better": "结论：明显比“{base}”更赚钱。",
        "worse": "结论：明显不如“{base}”赚钱。",
        "unclear": "结论：{reps}次重复下利润差异不明显（可增加重复次数再看）。",
        "same": "结论：每次重复都与“{base}”完全相同（单独使用时在这里不起作用）。",
        "table": "排名表（{store}）",
        "cols": [
            "排名",
            "策略",
            "利润 ¥（{years}）",
            "每年利润 ¥",
            "比基准多赚 ¥（{years}）",
            "差异 %",
            "留存率",
            "留存率差（百分点）",
            "前20%大客户留存",
            "成本 ¥（{years}）",
            "投入产出比",
        ],
        "table_note": (
            "均值，下方为{level}置信区间。差异 = 同一次重复中与“{base}”之差的平均（配对）。"
            "投入产出比 = 额外利润 ÷ 策略成本（利润已扣除成本：为0表示刚好收回成本）。"
            "前20%大客户 = 去年在本店购买的顾客中消费最高的20%。"
        ),
        "fig": {
            "profit_vs_baseline": (
                "相对“什么都不做”多赚的利润",
                "圆点：{years}平均多赚的利润；横线：{level}置信区间。绿色：明显更好，"
                "红色：明显更差，灰色：无法判断。",
            ),
            "profit_distribution": (
                "每次重复模拟的利润",
                "每个点是一次模拟的未来（{years}）；箱体包含中间一半的结果。虚线是基准的平均值。",
            ),
            "retention_curves": (
                "顾客随时间的留存",
                "上：近180天内在您门店有购买的顾客数（各次重复的均值）。左下：与同一次重复中"
                "“{base}”之差，阴影为{level}置信区间。右下：某一年的顾客在下一年再次购买的比例，"
                "均值及{level}置信区间。",
            ),
            "cost_breakdown": ("钱花在哪里", "各策略{years}按项目的平均花费。"),
            "segment_shifts": (
                "会员结构的变化",
                "最后一个年末的会员分群（SEEDS 003）：相对“{base}”的占比变化（百分点）。"
                "绿色：对门店更有利（大客户、忠诚或高客单价会员更多，沉睡、沉默或只买促销的"
                "会员更少）；红色：更不利；白色：中性。",
            ),
        },
        "method": "计算方法",
        "method_text": (
            "每个策略用种子 {seeds} 各运行{reps}次；所有策略的第r次重复使用同一个种子"
            "（共同随机数）。均值附有基于重复次数的t分布置信区间；与“{base}”的差异按种子"
            "配对计算（配对t检验）。投入产出比为均值之比（额外利润 ÷ 成本），区间采用"
            "{roi_method}。共{runs}次运行，用时{wall}，{workers}个进程。"
        ),
        "footer": "Store Retention Lab —— 模拟结果，不是预测。",
        "na": "无数据",
        "ticks": {"week": "周", "day": "天"},
        "roi_method": {"delta": "delta方法", "bootstrap": "自助法（bootstrap）"},
        "years": lambda y: f"{_num_text(y)}年",
        "more": "多赚",
        "less": "少赚",
        "seconds": "约{v}秒",
        "minutes": "约{v}分钟",
    },
}


def _num_text(v: Any) -> str:
    v = float(v)
    return str(int(v)) if v.is_integer() else f"{v:g}"


def policy_labels(
    policies: list[str], lang: str, custom: dict[str, Any] | None = None
) -> dict[str, str]:
    """Display name of each policy in the language (config `label`/`label_zh` first)."""
    k = 0 if lang == "en" else 1
    out = {}
    for p in policies:
        own = (custom or {}).get(p)
        if isinstance(own, dict) and own.get(lang):
            out[p] = str(own[lang])
        elif isinstance(own, str) and lang == "en":
            out[p] = own
        elif p in POLICY_LABELS:
            out[p] = POLICY_LABELS[p][k]
        else:
            out[p] = p.replace("_", " ").capitalize()
    return out


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
    """Number formatting in the report's language (what "not available" and durations read)."""

    def __init__(self, lang: str) -> None:
        self.t = T[lang]
        self.na = self.t["na"]

    def money(self, v: float, signed: bool = False) -> str:
        if not np.isfinite(v):
            return self.na
        return format(round(float(v)) + 0.0, "+,.0f" if signed else ",.0f")  # + 0.0: no "-0"

    def pct(self, v: float, signed: bool = False, digits: int = 1) -> str:
        if not np.isfinite(v):
            return self.na
        return format(round(float(v), digits + 2) + 0.0, ("+" if signed else "") + f".{digits}%")

    def num(self, v: float, digits: int = 2, signed: bool = False) -> str:
        if not np.isfinite(v):
            return self.na
        return format(round(float(v), digits) + 0.0, ("+" if signed else "") + f".{digits}f")

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
        out = html.escape(value)
        if np.isfinite(lo) and np.isfinite(hi):
            out += f'<span class="ci">[{html.escape(fmt(lo))}, {html.escape(fmt(hi))}]</span>'
        return out


def _years(meta: dict[str, Any]) -> float:
    try:
        return float(meta.get("years") or 1)
    except (TypeError, ValueError):
        return 1.0


def headlines(
    w: pd.DataFrame, baseline: str, labels: dict[str, str], lang: str, meta: dict[str, Any]
) -> list[str]:
    """One plain-language sentence (HTML) per policy, best first; the baseline first of all."""
    t, f = T[lang], Fmt(lang)
    level = f"{meta.get('level', 0.95):.0%}"
    years = _years(meta)
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
        verdict = t[key].format(base=e(labels[baseline]), reps=meta.get("replications", ""))
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
    """A ranked table; cells are HTML already, column 2 (names) left-aligned."""

    def cls(i: int) -> str:
        return ' class="name"' if i == 1 else ""

    head = "".join(f"<th{cls(i)}>{html.escape(c)}</th>" for i, c in enumerate(cols))
    body = "\n".join(
        "<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return (
        f'<div class="table-wrap"><table class="ranked">\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table></div>"
    )


# --------------------------------------------------------------------------- the report
def draw_figures(
    outdir: Path,
    *,
    table: pd.DataFrame,
    runs: pd.DataFrame,
    series: pd.DataFrame,
    yearly: pd.DataFrame,
    segments: pd.DataFrame,
    meta: dict[str, Any],
    lang: str = "en",
    suffix: str = "",
) -> dict[str, Path]:
    """All PNG figures of the report, ``<name><suffix>.png``."""
    w = wide(table)
    order = list(w.index)
    baseline = meta["baseline"]
    labels = policy_labels(
        list(dict.fromkeys([*order, *_cost_names(runs)])), lang, meta.get("labels")
    )
    colors = figures.policy_colors(meta.get("policies", order), baseline)
    colors.update(
        {p: c for p, c in figures.policy_colors(order, baseline).items() if p not in colors}
    )
    level = float(meta.get("level", 0.95))

    def path(name: str) -> Path:
        return outdir / f"{name}{suffix}.png"

    return {
        "profit_vs_baseline": figures.profit_difference(
            table, order, labels, baseline, path("profit_vs_baseline"), lang, level
        ),
        "profit_distribution": figures.profit_distribution(
            runs, order, labels, colors, baseline, path("profit_distribution"), lang
        ),
        "retention_curves": figures.retention_curves(
            series, yearly, order, labels, colors, baseline, path("retention_curves"), lang, level
        ),
        "cost_breakdown": figures.cost_breakdown(runs, order, labels, path("cost_breakdown"), lang),
        "segment_shifts": figures.segment_shifts(
            segments, order, labels, baseline, path("segment_shifts"), lang
        ),
    }


def _cost_names(runs: pd.DataFrame) -> list[str]:
    return [c.removeprefix("cost_") for c in runs.columns if c.startswith("cost_")]


def figure_html(title: str, caption: str, png: Path) -> str:
    return section(
        title,
        f'<figure><img src="{png_data_uri(png)}" alt="{html.escape(title)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>",
    )


def report_html(
    *,
    table: pd.DataFrame,
    runs: pd.DataFrame,
    meta: dict[str, Any],
    figs: dict[str, Path],
    lang: str = "en",
) -> str:
    """The report page (HTML text) from the comparison table and the drawn figures."""
    t, f = T[lang], Fmt(lang)
    w = wide(table)
    baseline = meta["baseline"]
    labels = policy_labels(list(w.index), lang, meta.get("labels"))
    level = f"{meta.get('level', 0.95):.0%}"
    years = _years(meta)
    years_txt = t["years"](years)
    seeds = meta.get("seeds") or [0]
    store = store_name(meta, lang)
    intro = t["intro"].format(
        customers=f"{meta.get('n_customers', 0):,}",
        years=years_txt,
        tick=t["ticks"].get(meta.get("tick"), meta.get("tick")),
        reps=meta.get("replications"),
        seed0=seeds[0],
        level=level,
    )
    heads = "".join(f"<li>{h}</li>\n" for h in headlines(w, baseline, labels, lang, meta))
    cols = [c.format(years=years_txt) for c in t["cols"]]
    sections = [
        section(t["headlines"], f'<ul class="headlines">\n{heads}</ul>'),
        section(
            t["table"].format(store=store),
            table_html(cols, ranked_rows(w, labels, lang, years))
            + '\n<p class="note">'
            + html.escape(t["table_note"].format(level=level, base=labels[baseline]))
            + "</p>",
        ),
    ]
    for name in FIGURES:
        title, caption = t["fig"][name]
        cap = caption.format(level=level, years=years_txt, base=labels[baseline])
        sections.append(figure_html(title, cap, figs[name]))
    method = t["method_text"].format(
        reps=meta.get("replications"),
        seeds=f"{seeds[0]}–{seeds[-1]}",
        base=labels[baseline],
        roi_method=t["roi_method"].get(meta.get("roi_method", "delta"), "delta"),
        runs=meta.get("runs", len(runs)),
        wall=f.duration(meta.get("wall_seconds")),
        workers=meta.get("workers", "?"),
    )
    if "verdict" in table.columns:
        from experiments.engine.fdr import FDR_NOTE

        method += " " + FDR_NOTE[lang].format(
            alpha=1 - float(meta.get("level", 0.95)),
            m=table["policy"].nunique() - 1,
            base=labels[baseline],
        )
    sections.append(section(t["method"], f'<p class="note">{html.escape(method)}</p>'))
    return render_page(
        t["title"].format(store=store),
        sections,
        lang,
        intro_html=f"<p>{html.escape(intro)}</p>",
        footer=t["footer"],
    )


def write_report(
    outdir: Path,
    *,
    table: pd.DataFrame,
    runs: pd.DataFrame,
    series: pd.DataFrame,
    yearly: pd.DataFrame,
    segments: pd.DataFrame,
    meta: dict[str, Any],
    lang: str = "en",
    suffix: str = "",
) -> Path:
    """Figures + a self-contained ``report<suffix>.html`` in the language; returns its path."""
    if lang not in T:
        raise ValueError(f"lang must be one of {list(T)}, got {lang!r}")
    outdir = Path(outdir)
    figs = draw_figures(
        outdir,
        table=table,
        runs=runs,
        series=series,
        yearly=yearly,
        segments=segments,
        meta=meta,
        lang=lang,
        suffix=suffix,
    )
    page = report_html(table=table, runs=runs, meta=meta, figs=figs, lang=lang)
    return atomic_write_text(outdir / f"report{suffix}.html", page)


# --------------------------------------------------------------------------- rebuild from files
def report_from_dir(outdir: Path, lang: str = "en", suffix: str | None = None) -> Path:
    """Rebuild figures and the report from the files of a finished comparison.

    Written as ``report_<lang>.html`` and ``<figure>_<lang>.png`` unless `suffix` is given, so
    the comparison's own report is never overwritten.
    """
    outdir = Path(outdir)
    meta = json.loads((outdir / "meta.json").read_text())
    return write_report(
        outdir,
        table=pd.read_csv(outdir / "comparison.csv"),
        runs=pd.read_parquet(outdir / "runs.parquet"),
        series=pd.read_parquet(outdir / "timeseries.parquet"),
        yearly=pd.read_csv(outdir / "yearly_retention.csv"),
        segments=pd.read_csv(outdir / "segments_by_year.csv"),
        meta=meta,
        lang=lang,
        suffix=f"_{lang}" if suffix is None else suffix,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.report",
        description="Rebuild report.html from a comparison dir.",
    )
    parser.add_argument("compare_dir", type=Path)
    parser.add_argument("--lang", choices=list(T), default="en")
    args = parser.parse_args(argv)
    needed = (
        "meta.json",
        "comparison.csv",
        "runs.parquet",
        "timeseries.parquet",
        "yearly_retention.csv",
        "segments_by_year.csv",
    )
    missing = [n for n in needed if not (args.compare_dir / n).is_file()]
    if missing:
        print(
            f"error: {args.compare_dir}: not a comparison output directory (missing "
            f"{', '.join(missing)})",
            file=sys.stderr,
        )
        return 2
    print(report_from_dir(args.compare_dir, args.lang))
    return 0


if __name__ == "__main__":
    sys.exit(main())
