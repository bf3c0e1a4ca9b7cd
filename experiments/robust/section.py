"""The robustness section of report.html (English / Chinese) and a minimal page around it.

`robustness_section(...)` returns an HTML fragment (one ``<section>``) with the verdicts, the
robust ranking, the figures (embedded as base64, so the page can be mailed on its own), the
failure conditions and the ranges. `render_page` wraps fragments into the shared report page
(`experiments.report_page`: styles, print sheet, embedded CJK font subset).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.report_page import png_data_uri

LANGS = ("en", "zh")

T: dict[str, dict[str, Any]] = {
    "en": {
        "title": "How robust is the recommendation?",
        "page_title": "Robustness of store policies",
        "intro": (
            "Every policy's effect rests on assumed numbers (how much a gift pleases, how far word "
            "of mouth travels, ...). We drew {s} scenarios of those assumptions from their "
            "plausible ranges ({design}) and simulated every policy {r} times in each, with the "
            "same random numbers for every policy. The shares below are shares of those "
            "scenarios."
        ),
        "design": {
            "lhs": "Latin hypercube",
            "sobol": "Sobol' sequence",
            "morris": "Morris trajectories",
            "saltelli": "Saltelli design",
        },
        "recommend": (
            "<b>Recommendation: {label}</b> — {verdict}. It is more profitable than {base} in "
            "{p} of the scenarios and the most profitable policy in {best}; on average it "
            "leaves ¥{regret} on the table compared with the best policy of each scenario "
            "(at worst ¥{worst})."
        ),
        "nothing": "<b>No policy is more profitable than {base} in most scenarios.</b>",
        "verdict": {
            "baseline": "the baseline",
            "no_effect": "no effect here: identical to the baseline in every scenario",
            "robust": "robust: pays under almost all plausible assumptions",
            "likely": "likely: pays under most plausible assumptions",
            "depends": "depends on the assumptions",
            "unlikely": "unlikely to pay",
            "worse": "loses money under almost all plausible assumptions",
        },
        "line": (
            "<b>{label}</b>: {verdict}. More profitable than {base} in {p} of scenarios "
            "({level} CI {lo}–{hi}), keeps more customers in {pr}; Δ profit median ¥{med} "
            "(5–95%: ¥{p05} to ¥{p95}). {drivers}{failure}"
        ),
        "drivers": "Decided mostly by {names}. ",
        "sep": ", ",
        "timing": " {runs} runs ({computed} computed, {reused} reused from the run store) in "
        "{wall} s.",
        "fail_rule": "Loses money when {conds} ({cover} of its {k} losing scenarios).",
        "fail_or": " or when ",
        "fail_always": "Loses money in every scenario.",
        "fail_mostly": "Loses money in {k} of {n} scenarios; pays only when {conds}.",
        "fail_rare": "Loses money in {k} of {n} scenarios: too few to describe.",
        "fail_scattered": "Loses money in {k} of {n} scenarios, with no simple condition.",
        "verdicts_h": "Verdicts",
        "table_h": "Robust ranking",
        "cols": [
            "Rank",
            "Policy",
            "Verdict",
            "P(more profit)",
            "P(more customers kept)",
            "P(best)",
            "Δ profit mean ¥",
            "Δ profit 5–95% ¥",
            "Regret mean ¥",
            "Regret max ¥",
        ],
        "table_note": (
            "P = share of scenarios; Δ = difference from {base} in the same scenario and "
            "seeds; regret = profit of the scenario's best policy minus this one's. Ranked by "
            "mean regret (= by mean profit over scenarios); the worst-case regret is the "
            "minimax-regret view."
        ),
        "figs": {
            "delta_profit": (
                "Δ profit across scenarios",
                "Each dot is one scenario (green: more profit than the baseline).",
            ),
            "drivers": (
                "Drivers",
                "Bars: importance of an assumption for the policy's Δ profit, with its 95% CI.",
            ),
            "regret": (
                "Regret",
                "How much profit each policy gives up against the best choice "
                "of each scenario: on average and in the worst scenario.",
            ),
        },
        "ranges_h": "The assumptions and their ranges",
        "ranges_cols": ["Assumption", "Low", "High", "Default", "Source"],
        "method_h": "How to read this",
        "method": (
            "A scenario is one combination of assumptions, drawn from the ranges below. Within "
            "a scenario all policies meet the same customers and the same random events "
            "(replication r uses seed {seed0}+r), so their differences come from the policies. "
            "A share near 100% means the recommendation holds whatever the true value of the "
            "assumptions within their ranges; near 50% it depends on them, and the failure "
            "conditions say on which. Drivers: {drivers_method}. The shares include the seed "
            "noise left after averaging {r} replications."
        ),
        "drivers_method": {
            "sobol": "Sobol' total-order indices (share of Δ profit variance involving the "
            "assumption)",
            "morris": "Morris screening (mean absolute effect of moving the assumption across "
            "its range)",
            "rank": "standardized rank regression coefficients, or Spearman's rank "
            "correlation when the scenarios are fewer than twice the assumptions (how strongly "
            "Δ profit rises or falls with the assumption; monotone effects)",
        },
    },
    "zh": {
        "title": "这个建议有多稳健？",
        "page_title": "门店策略的稳健性",
        "intro": (
            "每个策略的效果都建立在一些假设的数值之上（一份礼品能让顾客多满意、口碑能传多远……）。"
            "我们从这些假设的合理区间中抽取了{s}个情景（{design}），在每个情景中对每个策略模拟{r}次，"
            "所有策略使用相同的随机数。下面的比例都是这些情景中的占比。"
        ),
        "design": {
            "lhs": "拉丁超立方抽样",
            "sobol": "Sobol 序列",
            "morris": "Morris 轨迹",
            "saltelli": "Saltelli 设计",
        },
        "recommend": (
            "<b>建议：{label}</b>——{verdict}。在{p}的情景中利润高于“{base}”，在{best}的情景中是利润最高的策略；"
            "与每个情景中的最佳策略相比，平均少赚¥{regret}（最差情况下少赚¥{worst}）。"
        ),
        "nothing": "<b>没有任何策略在大多数情景中比“{base}”更赚钱。</b>",
        "verdict": {
            "baseline": "基准",
            "no_effect": "在此没有效果：每个情景都与基准完全相同",
            "robust": "稳健：几乎在所有合理假设下都能多赚钱",
            "likely": "较可靠：在大多数合理假设下能多赚钱",
            "depends": "取决于假设",
            "unlikely": "不太可能多赚钱",
            "worse": "几乎在所有合理假设下都会亏钱",
        },
        "line": (
            "<b>{label}</b>：{verdict}。在{p}的情景中利润高于“{base}”"
            "（{level}置信区间 {lo}–{hi}），在{pr}的情景中留住更多顾客；"
            "利润差额中位数¥{med}（5%–95%：¥{p05}至¥{p95}）。{drivers}{failure}"
        ),
        "drivers": "主要取决于：{names}。",
        "sep": "、",
        "timing": "共{runs}次模拟（新计算{computed}次，从运行存储复用{reused}次），用时{wall}秒。",
        "fail_rule": "当{conds}时亏钱（覆盖其{k}个亏损情景中的{cover}）。",
        "fail_or": "，或当",
        "fail_always": "在所有情景中都亏钱。",
        "fail_mostly": "在{n}个情景中有{k}个亏钱；只有当{conds}时才赚钱。",
        "fail_rare": "在{n}个情景中有{k}个亏钱：太少，无法归纳条件。",
        "fail_scattered": "在{n}个情景中有{k}个亏钱，找不到简单的条件。",
        "verdicts_h": "结论",
        "table_h": "稳健排名",
        "cols": [
            "排名",
            "策略",
            "结论",
            "利润更高的概率",
            "留存更高的概率",
            "最佳的概率",
            "利润差额均值 ¥",
            "利润差额 5%–95% ¥",
            "平均遗憾值 ¥",
            "最大遗憾值 ¥",
        ],
        "table_note": (
            "概率 = 情景中的占比；差额 = 同一情景、相同种子下与“{base}”之差；"
            "遗憾值 = 该情景最佳策略的利润减去本策略的利润。"
            "按平均遗憾值排名（等同于按各情景平均利润排名）；最大遗憾值对应“最小化最大遗憾”的视角。"
        ),
        "figs": {
            "delta_profit": ("各情景下的利润差额", "每个点是一个情景（绿色：利润高于基准）。"),
            "drivers": ("关键假设", "条形：该假设对策略利润差额的重要性，及其95%置信区间。"),
            "regret": ("遗憾值", "与每个情景中最佳选择相比，各策略放弃的利润：平均值与最差情景。"),
        },
        "ranges_h": "假设及其区间",
        "ranges_cols": ["假设", "下限", "上限", "默认值", "来源"],
        "method_h": "如何解读",
        "method": (
            "一个情景就是从下表区间中抽取的一组假设值。在同一情景中，所有策略面对相同的顾客和相同的随机事件"
            "（第r次重复使用种子{seed0}+r），因此差异来自策略本身。占比接近100%表示无论假设在区间内取何值，"
            "建议都成立；接近50%表示结论取决于假设，亏损条件说明取决于哪些假设。关键假设的度量：{drivers_method}。"
            "占比中包含{r}次重复平均后仍残留的随机噪声。"
        ),
        "drivers_method": {
            "sobol": "Sobol 总效应指数（利润差额方差中涉及该假设的比例）",
            "morris": "Morris 筛选（在整个区间内改变该假设的平均绝对效应）",
            "rank": "标准化秩回归系数；情景数少于假设数两倍时用 Spearman 秩相关"
            "（利润差额随该假设单调升降的强度）",
        },
    },
}


def _pct(v: float) -> str:
    return "n/a" if not np.isfinite(v) else f"{v:.0%}"


def _money(v: float, signed: bool = False) -> str:
    if not np.isfinite(v):
        return "n/a"
    return format(round(float(v)) + 0.0, "+,.0f" if signed else ",.0f")


def _e(s: Any) -> str:
    return html.escape(str(s))


def _failure_text(summary: Mapping[str, Any] | None, t: dict[str, Any]) -> str:
    if not summary:
        return ""
    kind = summary["kind"]
    k, n = summary["losing"], summary["scenarios"]
    if kind == "rule":
        rules = summary["rules"]
        conds = t["fail_or"].join(_e(r.words()) for r in rules)
        cover = sum(r.coverage for r in rules)
        return t["fail_rule"].format(conds=f"<code>{conds}</code>", cover=_pct(cover), k=k)
    if kind == "mostly":
        conds = t["fail_or"].join(_e(r.words()) for r in summary["rules"])
        return t["fail_mostly"].format(k=k, n=n, conds=f"<code>{conds}</code>")
    if kind == "always":
        return t["fail_always"]
    if kind == "rare":
        return t["fail_rare"].format(k=k, n=n)
    if kind == "scattered":
        return t["fail_scattered"].format(k=k, n=n)
    return ""


def _img(path: Path) -> str:
    return png_data_uri(path)


def robustness_section(
    *,
    ranking: pd.DataFrame,
    drivers: pd.DataFrame,
    failures: Mapping[str, Mapping[str, Any]],
    ranges: Sequence[Any],
    figures: Mapping[str, Path],
    labels: Mapping[str, str],
    meta: Mapping[str, Any],
    lang: str = "en",
    top_drivers: int = 3,
) -> str:
    """The robustness section as an HTML fragment (``<section class="robustness">``).

    `ranking` from `analysis.robust_ranking`, `drivers` long (policy, rank, parameter, ...),
    `failures` {policy: discovery.describe_failures(...)}, `figures` {name: PNG path},
    `meta`: baseline, scenarios, replications, design, seed, runs, wall_seconds, level.
    """
    t = T[lang]
    base = meta["baseline"]
    base_label = labels.get(base, base)
    level = f"{meta.get('level', 0.95):.0%}"
    out = [f'<section class="robustness" lang="{"zh-CN" if lang == "zh" else "en"}">']
    out.append(f"<h2>{_e(t['title'])}</h2>")
    out.append(
        "<p>"
        + _e(
            t["intro"].format(
                s=meta["scenarios"],
                r=meta["replications"],
                design=t["design"].get(meta.get("design"), meta.get("design")),
            )
        )
        + "</p>"
    )
    top = ranking[ranking["policy"] != base]
    top = top[top["p_beat_profit"] > 0.5]
    if len(top):
        r = ranking[ranking["policy"].isin(top["policy"])].iloc[0]
        out.append(
            "<p>"
            + t["recommend"].format(
                label=_e(labels.get(r["policy"], r["policy"])),
                verdict=_e(t["verdict"][r["verdict"]]),
                base=_e(base_label),
                p=_pct(r["p_beat_profit"]),
                best=_pct(r["p_best"]),
                regret=_money(r["regret_mean"]),
                worst=_money(r["regret_max"]),
            )
            + "</p>"
        )
    else:
        out.append("<p>" + t["nothing"].format(base=_e(base_label)) + "</p>")
    out.append(f'<h3>{_e(t["verdicts_h"])}</h3><ul class="verdicts">')
    for _, r in ranking.iterrows():
        p = r["policy"]
        if p == base:
            continue
        d = drivers[drivers["policy"] == p].nsmallest(top_drivers, "rank")
        names = t["sep"].join(f"<code>{_e(n)}</code>" for n in d["parameter"])
        out.append(
            "<li>"
            + t["line"].format(
                label=_e(labels.get(p, p)),
                verdict=_e(t["verdict"][r["verdict"]]),
                base=_e(base_label),
                p=_pct(r["p_beat_profit"]),
                level=level,
                lo=_pct(r["p_beat_profit_ci_low"]),
                hi=_pct(r["p_beat_profit_ci_high"]),
                pr=_pct(r.get("p_beat_retention", np.nan)),
                med=_money(r["d_profit_median"], True),
                p05=_money(r["d_profit_p05"], True),
                p95=_money(r["d_profit_p95"], True),
                drivers=t["drivers"].format(names=names)
                if len(d) and r["verdict"] != "no_effect"
                else "",
                failure=_failure_text(failures.get(p), t),
            )
            + "</li>"
        )
    out.append("</ul>")
    out.append(f'<h3>{_e(t["table_h"])}</h3><table class="ranking"><thead><tr>')
    out.append("".join(f"<th>{_e(c)}</th>" for c in t["cols"]) + "</tr></thead><tbody>")
    for _, r in ranking.iterrows():
        cells = [
            str(r["rank"]),
            labels.get(r["policy"], r["policy"]),
            t["verdict"][r["verdict"]],
            _pct(r["p_beat_profit"]),
            _pct(r.get("p_beat_retention", np.nan)),
            _pct(r["p_best"]),
            _money(r["d_profit_mean"], True),
            f"{_money(r['d_profit_p05'], True)} … {_money(r['d_profit_p95'], True)}",
            _money(r["regret_mean"]),
            _money(r["regret_max"]),
        ]
        out.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table>")
    out.append(f'<p class="note">{_e(t["table_note"].format(base=base_label))}</p>')
    for name in ("delta_profit", "drivers", "regret"):
        if name in figures:
            title, caption = t["figs"][name]
            out.append(
                f'<h3>{_e(title)}</h3><figure><img src="{_img(figures[name])}" '
                f'alt="{_e(title)}"><figcaption>{_e(caption)}</figcaption></figure>'
            )
    out.append(f"<h3>{_e(t['method_h'])}</h3>")
    out.append(
        '<p class="note">'
        + _e(
            t["method"].format(
                seed0=meta.get("seed", 0),
                r=meta["replications"],
                drivers_method=t["drivers_method"].get(meta.get("drivers_method", "rank"), ""),
            )
            + (
                t["timing"].format(
                    runs=meta.get("runs"),
                    computed=meta.get("computed_runs"),
                    reused=meta.get("reused_runs"),
                    wall=meta["wall_seconds"],
                )
                if meta.get("wall_seconds") is not None
                else ""
            )
        )
        + "</p>"
    )
    out.append(
        f'<details><summary>{_e(t["ranges_h"])}</summary><table class="ranges"><thead>'
        "<tr>" + "".join(f"<th>{_e(c)}</th>" for c in t["ranges_cols"]) + "</tr></thead>"
        "<tbody>"
    )
    for rg in ranges:
        out.append(
            f"<tr><td><code>{_e(rg.name)}</code></td><td>{rg.low:g}</td><td>{rg.high:g}</td>"
            f"<td>{rg.default:g}</td><td>{_e(rg.source)}</td></tr>"
        )
    out.append("</tbody></table></details></section>")
    return "\n".join(out)


def render_page(title: str, sections_html: Sequence[str], lang: str = "en") -> str:
    """The shared report page (styles, print sheet, embedded CJK font) around the sections."""
    from experiments.report_page import render_page as shared

    return shared(title, list(sections_html), lang)


def page_title(lang: str) -> str:
    return T[lang]["page_title"]
