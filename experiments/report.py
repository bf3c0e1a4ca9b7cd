"""A self-contained HTML report of a policy comparison, for a store owner (English / 简体中文).

`write_report` draws the figures (`experiments.figures`) into the output directory and writes
``report.html`` with every image embedded as base64, so the file can be mailed on its own.

It can also be rebuilt from a finished comparison directory, e.g. in another language::

    python -m experiments.report outputs/compare/2025-01-01_12-00-00 --lang zh
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments import figures
from experiments.compare import wide

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
        "intro": (
            "We simulated your market ({customers} customers, {years} years, {tick} steps) "
            "{reps} times for each policy. Every policy met exactly the same customers and "
            "the same ups and downs (replication r uses seed {seed0}+r for all of them), so "
            "the differences below come from the policy alone. Ranges are {level} "
            "confidence intervals."
        ),
        "headlines": "Headlines",
        "base_line": (
            "<b>{label}</b> (the baseline): profit ¥{profit} (95% CI {lo}–{hi}); keeps "
            "{ret} of last year's customers and {vip} of your top-20% customers."
        ),
        "headline": (
            "<b>{label}</b>: {pct} profit ({level} CI {lo} to {hi}) vs {base}; keeps "
            "{vip} of your top-20% customers ({base}: {base_vip}) and {ret} of all "
            "customers. {cost} {verdict}"
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
        "table": "Ranked table (your store)",
        "cols": [
            "Rank",
            "Policy",
            "Profit ¥",
            "Δ profit vs baseline ¥",
            "Δ %",
            "Retention",
            "Δ retention (pp)",
            "Top-20% kept",
            "Cost ¥",
            "ROI",
        ],
        "table_note": (
            "Mean [{level} CI]. Δ = difference from {base} in the same replication, "
            "averaged (paired). ROI = extra profit ÷ policy cost (profit is already "
            "net of the cost: ROI 0 means the policy just pays for itself). Top-20% "
            "customers = the 20% of last year's buyers who spent the most at your store."
        ),
        "fig": {
            "profit_vs_baseline": (
                "Extra profit vs doing nothing",
                "Dot: average extra profit; bar: {level} CI. Green: clearly "
                "better, red: clearly worse, grey: cannot tell.",
            ),
            "profit_distribution": (
                "Profit in every replication",
                "Each dot is one simulated future; the box holds the middle "
                "half. The dashed line is the baseline's average.",
            ),
            "retention_curves": (
                "Customers kept over time",
                "Left: customers who bought in the last 180 days; right: share "
                "of one year's buyers who bought again the next year.",
            ),
            "cost_breakdown": ("Where the money goes", "Average spending of each policy by item."),
            "segment_shifts": (
                "How your membership changes",
                "Member segments (SEEDS 003) at the last year end: change in "
                "share vs the baseline, in percentage points; blue = more.",
            ),
        },
        "method": "How this was computed",
        "method_text": (
            "Each policy was run {reps} times with seeds {seeds}; replication r of "
            "every policy used the same seed (common random numbers). Means come "
            "with Student-t intervals over replications; differences vs {base} are "
            "paired per seed (paired t). ROI is a ratio of means (extra profit ÷ "
            "cost) with a {roi_method} interval. {runs} runs took {wall} s on "
            "{workers} worker(s)."
        ),
        "footer": "Store Retention Lab — simulated outcomes, not a forecast.",
        "na": "n/a",
        "ticks": {"week": "weekly", "day": "daily"},
        "roi_method": {"delta": "delta-method", "bootstrap": "bootstrap"},
    },
    "zh": {
        "title": "哪种留客策略更赚钱？—— {store}",
        "intro": (
            "我们把您的市场（{customers}位顾客，{years}年，按{tick}推进）对每个策略各模拟了"
            "{reps}次。所有策略面对的是完全相同的顾客和相同的市场波动（第r次重复对所有策略"
            "都使用种子{seed0}+r），因此下面的差异只来自策略本身。区间为{level}置信区间。"
        ),
        "headlines": "要点",
        "base_line": (
            "<b>{label}</b>（基准）：利润¥{profit}（95%置信区间 {lo}–{hi}）；留住了"
            "去年顾客的{ret}，以及前20%大客户的{vip}。"
        ),
        "headline": (
            "<b>{label}</b>：利润比“{base}”{pct}（{level}置信区间 {lo} 至 {hi}）；"
            "留住了前20%大客户的{vip}（{base}：{base_vip}），全部顾客的{ret}。"
            "{cost}{verdict}"
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
        "table": "排名表（您的门店）",
        "cols": [
            "排名",
            "策略",
            "利润 ¥",
            "比基准多赚 ¥",
            "差异 %",
            "留存率",
            "留存率差（百分点）",
            "前20%大客户留存",
            "成本 ¥",
            "投入产出比",
        ],
        "table_note": (
            "均值 [{level}置信区间]。差异 = 同一次重复中与“{base}”之差的平均（配对）。"
            "投入产出比 = 额外利润 ÷ 策略成本（利润已扣除成本：为0表示刚好收回成本）。"
            "前20%大客户 = 去年在本店购买的顾客中消费最高的20%。"
        ),
        "fig": {
            "profit_vs_baseline": (
                "相对“什么都不做”多赚的利润",
                "圆点：平均多赚的利润；横线：{level}置信区间。绿色：明显更好，"
                "红色：明显更差，灰色：无法判断。",
            ),
            "profit_distribution": (
                "每次重复模拟的利润",
                "每个点是一次模拟的未来；箱体包含中间一半的结果。虚线是基准的平均值。",
            ),
            "retention_curves": (
                "顾客随时间的留存",
                "左：近180天内有购买的顾客数；右：某一年的顾客在下一年再次购买的比例。",
            ),
            "cost_breakdown": ("钱花在哪里", "各策略按项目的平均花费。"),
            "segment_shifts": (
                "会员结构的变化",
                "最后一个年末的会员分群（SEEDS 003）：相对基准的占比变化（百分点）；蓝色表示更多。",
            ),
        },
        "method": "计算方法",
        "method_text": (
            "每个策略用种子 {seeds} 各运行{reps}次；所有策略的第r次重复使用同一个种子"
            "（共同随机数）。均值附有基于重复次数的t分布置信区间；与“{base}”的差异按种子"
            "配对计算（配对t检验）。投入产出比为均值之比（额外利润 ÷ 成本），区间采用"
            "{roi_method}。共{runs}次运行，用时{wall}秒，{workers}个进程。"
        ),
        "footer": "Store Retention Lab —— 模拟结果，不是预测。",
        "na": "无",
        "ticks": {"week": "周", "day": "天"},
        "roi_method": {"delta": "delta方法", "bootstrap": "自助法（bootstrap）"},
    },
}


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


# --------------------------------------------------------------------------- formatting
def _money(v: float, signed: bool = False) -> str:
    if not np.isfinite(v):
        return "n/a"
    return format(round(float(v)) + 0.0, "+,.0f" if signed else ",.0f")  # + 0.0: no "-0"


def _pct(v: float, signed: bool = False, digits: int = 1) -> str:
    if not np.isfinite(v):
        return "n/a"
    return format(round(float(v), digits + 2) + 0.0, ("+" if signed else "") + f".{digits}%")


def _num(v: float, digits: int = 2, signed: bool = False) -> str:
    if not np.isfinite(v):
        return "n/a"
    return format(round(float(v), digits) + 0.0, ("+" if signed else "") + f".{digits}f")


def _ci(lo: float, hi: float, fmt) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return ""
    return f" [{fmt(lo)}, {fmt(hi)}]"


def headlines(
    w: pd.DataFrame, baseline: str, labels: dict[str, str], lang: str, meta: dict[str, Any]
) -> list[str]:
    """One plain-language sentence (HTML) per policy, best first; the baseline first of all."""
    t = T[lang]
    level = f"{meta.get('level', 0.95):.0%}"
    b = w.loc[baseline]
    e = html.escape
    out = [
        t["base_line"].format(
            label=e(labels[baseline]),
            profit=_money(b["profit_mean"]),
            lo=_money(b["profit_ci_low"]),
            hi=_money(b["profit_ci_high"]),
            ret=_pct(b["retention_mean"], digits=0),
            vip=_pct(b["vip_retention_mean"], digits=0),
        )
    ]
    for p, r in w.iterrows():
        if p == baseline:
            continue
        cost = r["policy_cost_mean"]
        if np.isfinite(r["roi_mean"]) and cost > 0:
            roi = float(r["roi_mean"])
            roi_txt = t["roi_pos" if roi >= 0 else "roi_neg"].format(v=_num(abs(roi)))
            cost_txt = t["cost_roi"].format(
                cost=_money(cost),
                roi=_num(roi),
                roi_txt=roi_txt,
                roi_lo=_num(r["roi_ci_low"]),
                roi_hi=_num(r["roi_ci_high"]),
            )
        elif cost > 0:
            cost_txt = t["cost_only"].format(cost=_money(cost))
        else:
            cost_txt = t["no_cost"]
        lo, hi = r["profit_diff_ci_low"], r["profit_diff_ci_high"]
        key = "better" if lo > 0 else "worse" if hi < 0 else "unclear"
        if r["profit_diff_mean"] == 0 and lo == 0 and hi == 0:
            key = "same"
        verdict = t[key].format(base=e(labels[baseline]), reps=meta.get("replications", ""))
        out.append(
            t["headline"].format(
                label=e(labels[p]),
                pct=_pct(r["profit_diff_pct"], signed=True),
                level=level,
                lo=_pct(r["profit_diff_pct_ci_low"], signed=True),
                hi=_pct(r["profit_diff_pct_ci_high"], signed=True),
                base=e(labels[baseline]),
                vip=_pct(r["vip_retention_mean"], digits=0),
                base_vip=_pct(b["vip_retention_mean"], digits=0),
                ret=_pct(r["retention_mean"], digits=0),
                cost=cost_txt,
                verdict=verdict,
            )
        )
    return out


def ranked_rows(w: pd.DataFrame, labels: dict[str, str]) -> list[list[str]]:
    rows = []
    for p, r in w.iterrows():
        rows.append(
            [
                str(int(r["rank"])),
                labels[p],
                _money(r["profit_mean"]) + _ci(r["profit_ci_low"], r["profit_ci_high"], _money),
                _money(r["profit_diff_mean"], True)
                + _ci(r["profit_diff_ci_low"], r["profit_diff_ci_high"], lambda v: _money(v, True)),
                _pct(r["profit_diff_pct"], True),
                _pct(r["retention_mean"])
                + _ci(r["retention_ci_low"], r["retention_ci_high"], _pct),
                _num(100 * r["retention_diff_mean"], 1, True)
                + _ci(
                    100 * r["retention_diff_ci_low"],
                    100 * r["retention_diff_ci_high"],
                    lambda v: _num(v, 1, True),
                ),
                _pct(r["vip_retention_mean"]),
                _money(r["policy_cost_mean"]),
                _num(r["roi_mean"]) + _ci(r["roi_ci_low"], r["roi_ci_high"], _num),
            ]
        )
    return rows


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
            series, yearly, order, labels, colors, baseline, path("retention_curves"), lang
        ),
        "cost_breakdown": figures.cost_breakdown(runs, order, labels, path("cost_breakdown"), lang),
        "segment_shifts": figures.segment_shifts(
            segments, order, labels, baseline, path("segment_shifts"), lang
        ),
    }


def _cost_names(runs: pd.DataFrame) -> list[str]:
    return [c.removeprefix("cost_") for c in runs.columns if c.startswith("cost_")]


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
    from jinja2 import Environment

    t = T[lang]
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
    w = wide(table)
    baseline = meta["baseline"]
    labels = policy_labels(list(w.index), lang, meta.get("labels"))
    level = f"{meta.get('level', 0.95):.0%}"
    seeds = meta.get("seeds") or [0]
    intro = t["intro"].format(
        customers=f"{meta.get('n_customers', 0):,}",
        years=meta.get("years"),
        tick=t["ticks"].get(meta.get("tick"), meta.get("tick")),
        reps=meta.get("replications"),
        seed0=seeds[0],
        level=level,
    )
    fig_items = []
    for name in FIGURES:
        title, caption = t["fig"][name]
        data = base64.b64encode(figs[name].read_bytes()).decode("ascii")
        fig_items.append(
            {
                "title": title,
                "caption": caption.format(level=level),
                "src": f"data:image/png;base64,{data}",
                "alt": title,
            }
        )
    method = t["method_text"].format(
        reps=meta.get("replications"),
        seeds=f"{seeds[0]}–{seeds[-1]}",
        base=labels[baseline],
        roi_method=t["roi_method"].get(meta.get("roi_method", "delta"), "delta"),
        runs=meta.get("runs", len(runs)),
        wall=meta.get("wall_seconds", "?"),
        workers=meta.get("workers", "?"),
    )
    env = Environment(autoescape=True)
    from markupsafe import Markup

    page = env.from_string(TEMPLATE).render(
        lang="zh-CN" if lang == "zh" else "en",
        title=t["title"].format(store=meta.get("focal_store", "")),
        intro=intro,
        t=t,
        headlines=[Markup(h) for h in headlines(w, baseline, labels, lang, meta)],
        cols=t["cols"],
        rows=ranked_rows(w, labels),
        table_note=t["table_note"].format(level=level, base=labels[baseline]),
        figures=fig_items,
        method=method,
    )
    out = outdir / f"report{suffix}.html"
    out.write_text(page, encoding="utf-8")
    return out


TEMPLATE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "PingFang SC",
       "Microsoft YaHei", sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #212121; line-height: 1.5; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #e0e0e0; padding-bottom: .2em; margin-top: 1.6em; }
ul.headlines li { margin: .45em 0; }
table { border-collapse: collapse; font-size: .88em; width: 100%; }
th, td { padding: .35em .5em; border-bottom: 1px solid #eeeeee; text-align: right;
         white-space: nowrap; }
th:nth-child(2), td:nth-child(2) { text-align: left; }
th { background: #f5f5f5; }
figure { margin: 1.2em 0; }
figure img { max-width: 100%; height: auto; }
figcaption { color: #616161; font-size: .9em; }
.note, footer { color: #616161; font-size: .9em; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p>{{ intro }}</p>
<h2>{{ t.headlines }}</h2>
<ul class="headlines">
{% for h in headlines %}<li>{{ h }}</li>
{% endfor %}</ul>
<h2>{{ t.table }}</h2>
<table>
<thead><tr>{% for c in cols %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in rows %}<tr>{% for c in row %}<td>{{ c }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table>
<p class="note">{{ table_note }}</p>
{% for f in figures %}
<h2>{{ f.title }}</h2>
<figure><img src="{{ f.src }}" alt="{{ f.alt }}"><figcaption>{{ f.caption }}</figcaption></figure>
{% endfor %}
<h2>{{ t.method }}</h2>
<p class="note">{{ method }}</p>
<footer>{{ t.footer }}</footer>
</body>
</html>
"""


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
