"""Search health: what the calibration could not match, said with its cause.

Checked (each problem is one plain sentence; all go to the terminal, ``fit.json``
``health`` and ``warnings``, and the top of calibration.html):

- a fitted parameter at its bound (the likelihood runs off: the log does not determine it);
- an indirect-inference parameter at its search limit, or a statistic with |z| > 2 (the
  default market's residents cannot reproduce that statistic);
- the in-sample miss: the chosen model's expected calibration-period repeat purchases against
  the log's (the model does not describe the log);
- the twin's docking: its baseline holdout against the chosen model's (the twin does not
  follow its model: a bug or too few members for the seeds);
- the holdout miss: the twin against what happened. When the twin docks on its model, the
  cause is the model's own holdout miss: the store's customers behaved differently after the
  calibration end (a season, a campaign or a change the calibration period does not show).

The first four make the market *unmatched*: its files are written only with ``--force``
(``blocking``). The holdout miss is reported, never used to decide (the holdout must not
choose anything).

Each sentence is also worded in Chinese (``blocking_zh``, ``notes_zh``, in the same order):
the store profile keeps both so a Chinese report can show its warnings in Chinese.
"""

from __future__ import annotations

import numpy as np

from experiments.calibration.core import Calibration
from sim.customer_base import bgnbd, mbgcnbd, paretonbd

__all__ = ["IN_SAMPLE_TOLERANCE", "check_health", "expected_in_sample"]

IN_SAMPLE_TOLERANCE = 0.10
HOLDOUT_TOLERANCE = 0.10
DOCK_TOTAL, DOCK_GROUP = 0.03, 0.05
DOCK_GROUP_SHARE = 0.005
"""A frequency group's gap between twin and model counts only when it moves at least this
share of all the holdout's expected purchases: a group the model expects almost nothing of
(regular buyers' dead groups: 1e-16 a customer) has a huge relative gap and no weight."""
Z_LIMIT = 2.0


def expected_in_sample(model: str, params: np.ndarray, k: int, T: np.ndarray) -> float:
    """Sum over customers of E[X(T_i)]: expected calibration-period repeat purchases."""
    T = np.asarray(T, dtype=np.float64)
    if model == "bgnbd":
        return float(bgnbd.expected_purchases(params, T).sum())
    if model == "paretonbd":
        return float(paretonbd.expected_purchases(params, T).sum())
    uT, counts = np.unique(T, return_counts=True)
    return float((mbgcnbd.expected_purchases(params, k, uT) * counts).sum())


LATE_WEEKS = 13


def late_calibration_gap(cal: Calibration) -> float | None:
    """Actual / BG/NBD-expected repeat purchases of the cohort over the calibration period's
    last ``LATE_WEEKS`` weeks, minus 1 (None without a tracking series): a drift the
    stationary models average away shows here before the holdout."""
    tr = cal.tracking
    if tr is None:
        return None
    cal_weeks = tr[~tr["holdout"]].tail(LATE_WEEKS)
    expected = float(cal_weeks["bgnbd"].sum())
    return float(cal_weeks["actual"].sum()) / expected - 1.0 if expected > 0 else None


def check_health(cal: Calibration, twin: dict, market_fit_json: dict | None) -> dict:
    """Every problem found, ``blocking`` ones (market written only with --force) first."""
    blocking: list[tuple[str, str]] = []  # (English, Chinese)
    notes: list[tuple[str, str]] = []
    about_twin: list[int] = []  # notes that speak of the twin (not the resident market's)
    chosen = twin["timing_model"]
    for name, fit in (
        ("BG/NBD", cal.bgnbd),
        ("Pareto/NBD", cal.paretonbd),
        ("Gamma-Gamma", cal.gammagamma),
    ):
        if fit is not None and fit.at_bound:
            names = ", ".join(fit.at_bound)
            notes.append(
                (
                    f"{name} parameter(s) {names} at the fit's bound: "
                    "the log does not determine them (the likelihood is flat that way); "
                    "predictions can still be fine",
                    f"{name} 的参数 {names} 停在拟合边界：数据无法确定它们"
                    "（似然在这个方向上是平的）；预测仍可能准确",
                )
            )
    bound = chosen["params"].get("at_bound") or []
    if bound:
        names = ", ".join(bound)
        about_twin.append(len(notes))
        notes.append(
            (
                f"the twin's model ({chosen['chosen']}) has parameter(s) {names} "
                "at the fit's bound",
                f"会员孪生的模型（{chosen['chosen']}）有参数 {names} 停在拟合边界",
            )
        )
    ins = twin.get("in_sample", {})
    if ins and abs(ins["error"]) > IN_SAMPLE_TOLERANCE:
        blocking.append(
            (
                f"in-sample miss: the chosen model ({chosen['chosen']}) expects "
                f"{ins['model']:,.0f} calibration-period repeat purchases where the log has "
                f"{ins['actual']:,.0f} ({ins['error']:+.0%}): the model does not describe this "
                "log (customers' rates change over the period, or the cohort is not one "
                "process)",
                f"样本内偏差：所选模型（{chosen['chosen']}）预计校准期内复购 "
                f"{ins['model']:,.0f} 次，而数据中为 {ins['actual']:,.0f} 次"
                f"（{ins['error']:+.0%}）：该模型不能描述这份数据（顾客的购买频率在期间内变化，"
                "或这批顾客并非同一个购买过程）",
            )
        )
    d = twin["docking"]
    bad_groups = [
        f
        for f, g in d["by_frequency"].items()
        if g["twin_vs_model"] is not None
        and abs(g["twin_vs_model"]) > DOCK_GROUP
        and g["customers"] >= 30
        and abs(g["twin"] - g["model"]) * g["customers"] > DOCK_GROUP_SHARE * d["model"]
    ]
    if abs(d["twin_vs_model"]) > DOCK_TOTAL or bad_groups:
        groups = ", ".join(bad_groups)
        blocking.append(
            (
                f"the twin does not follow its model: baseline holdout {d['twin']:,.0f} vs "
                f"{d['model']:,.0f} ({d['twin_vs_model']:+.1%})"
                + (f", frequency group(s) {groups} beyond ±5%" if bad_groups else "")
                + f" over {d['seeds']} seeds",
                f"会员孪生没有遵循其模型：基线留出期复购 {d['twin']:,.0f} 对 "
                f"{d['model']:,.0f}（{d['twin_vs_model']:+.1%}）"
                + (f"，频次组 {groups} 超出 ±5%" if bad_groups else "")
                + f"（{d['seeds']} 个种子）",
            )
        )
    if d.get("twin_vs_actual") is not None and abs(d["twin_vs_actual"]) > HOLDOUT_TOLERANCE:
        model_err = d["model"] / d["actual"] - 1.0
        late = late_calibration_gap(cal)
        if late is not None and abs(late) > 0.05 and np.sign(late) == -np.sign(model_err):
            cause = (
                f"already in the calibration period's last {LATE_WEEKS} weeks the cohort "
                f"bought {late:+.0%} against BG/NBD's expectation: its purchase rates "
                f"{'fall' if late < 0 else 'rise'} over time (e.g. purchases moving to "
                "or from rival stores), which no stationary model follows"
            )
            cause_zh = (
                f"早在校准期的最后 {LATE_WEEKS} 周，这批顾客的购买就与 BG/NBD 的预期相差 "
                f"{late:+.0%}：其购买频率随时间{'下降' if late < 0 else '上升'}"
                "（例如购买转向竞争门店或从竞争门店转来），任何平稳模型都无法跟上"
            )
        else:
            cause = (
                "the store's customers bought "
                f"{'more' if model_err < 0 else 'less'} after the calibration end than "
                "their calibration-period behaviour predicts, and the calibration period "
                "gave no sign of it (a season, a campaign or a change it does not show)"
            )
            cause_zh = (
                f"门店的顾客在校准结束后买得比其校准期行为预测的{'多' if model_err < 0 else '少'}，"
                "而校准期没有显示任何迹象（校准期看不到的季节、促销活动或变化）"
            )
        about_twin.append(len(notes))
        notes.append(
            (
                f"holdout miss: the twin predicts {d['twin']:,.0f} holdout repeat purchases, "
                f"{d['actual']:,.0f} happened ({d['twin_vs_actual']:+.0%}). Cause: the fitted "
                f"model itself misses by {model_err:+.0%} and the twin follows it "
                f"({d['twin_vs_model']:+.1%}); {cause}; plan with this margin in mind",
                f"留出期偏差：会员孪生预测留出期复购 {d['twin']:,.0f} 次，实际为 "
                f"{d['actual']:,.0f} 次（{d['twin_vs_actual']:+.0%}）。原因：拟合的模型本身"
                f"偏差 {model_err:+.0%}，会员孪生跟随该模型（{d['twin_vs_model']:+.1%}）；"
                f"{cause_zh}；做计划时请考虑这一误差",
            )
        )
    if market_fit_json:
        limits = market_fit_json.get("at_limit") or []
        if limits:
            names = ", ".join(limits)
            notes.append(
                (
                    f"market search: {names} at the search limit (the "
                    "default market's residents would need more than that): the simulated "
                    "customers, the store's among them, buy less like its members than the "
                    "search could make them; --twin makes the members themselves the store's "
                    "customers",
                    f"市场搜索：{names} 停在搜索上限（默认市场的居民需要超出这个上限的值）："
                    "模拟的顾客（包括本店的顾客）无法被调到像其会员那样购买；"
                    "--twin 让会员本身成为门店的顾客",
                )
            )
        far = [t for t in market_fit_json.get("targets", []) if abs(t["z"]) > Z_LIMIT]
        for t in far:
            notes.append(
                (
                    f"market search: statistic {t['statistic']} simulated "
                    f"{t['simulated']:.3g} vs {t['real']:.3g} (z = {t['z']:+.1f}): the "
                    "default market's structure cannot reproduce it for this store's "
                    "customers, so the simulated store differs from the real one there; "
                    "--twin makes the members themselves the store's customers",
                    f"市场搜索：统计量 {t['statistic']} 模拟值 {t['simulated']:.3g}，"
                    f"实际值 {t['real']:.3g}（z = {t['z']:+.1f}）：默认市场的结构无法为"
                    "这家门店的顾客再现它，模拟门店在这一点上与真实门店不同；"
                    "--twin 让会员本身成为门店的顾客",
                )
            )
    return {
        "blocking": [en for en, _ in blocking],
        "notes": [en for en, _ in notes],
        "matched": not blocking,
        "blocking_zh": [zh for _, zh in blocking],
        "notes_zh": [zh for _, zh in notes],
        "notes_twin": [i in about_twin for i in range(len(notes))],
    }


_SECTION = {
    "en": {
        "head": "Member twin and search health",
        "members": "{members:,} members; timing model {model}{k}, {rule}. Acquisition: "
        "{acquisition}. {structure}.",
        "holdout": "Baseline holdout (mean of {seeds} seeds): twin {twin:,.0f}, model "
        "{model:,.0f} ({gap:+.1%}), actual {actual:,.0f}.",
        "cols": ("repeat purchases", "customers", "twin", "model", "actual"),
        "health": "Search health",
        "blocking": "blocking",
        "none": "No problem found.",
    },
    "zh": {
        "head": "会员孪生与搜索健康检查",
        "members": "{members:,} 位会员；时间模型 {model}{k}，{rule}。新会员：{acquisition}。"
        "{structure}。",
        "holdout": "基线留出期（{seeds} 个种子的平均）：孪生 {twin:,.0f}，模型 {model:,.0f}"
        "（{gap:+.1%}），实际 {actual:,.0f}。",
        "cols": ("复购次数", "会员数", "孪生", "模型", "实际"),
        "health": "搜索健康检查",
        "blocking": "阻止写入",
        "none": "未发现问题。",
    },
}


def html_section(payload: dict, lang: str = "en") -> tuple[str, str] | None:
    """(heading, HTML body) of calibration.html's twin and health section, in `lang` (the
    twin's rule, acquisition and structure lines from fit.json's Chinese wording)."""
    import html

    twin, health = payload.get("twin"), payload.get("health")
    if not twin:
        return None
    t = _SECTION["zh" if lang == "zh" else "en"]
    esc = html.escape
    tm, d = twin["timing_model"], twin["docking"]
    k = f" (k = {tm['k']})" if tm["chosen"] == "mbgcnbd" else ""
    rows = "".join(
        f"<tr><td>{esc(f)}</td><td>{g['customers']:,}</td><td>{g['twin']:.3f}</td>"
        f"<td>{g['model']:.3f}</td><td>{g['actual']:.3f}</td></tr>"
        for f, g in d["by_frequency"].items()
    )
    acq = twin["acquisition"]
    rule, acquisition, structure = tm["rule"], acq["rule"], twin["structure"]
    if lang == "zh":  # fit.json states them in both languages (an older one: English only)
        rule = tm.get("rule_zh", rule)
        acquisition = acq.get("rule_zh", acquisition)
        structure = twin.get("structure_zh", structure)
    members = t["members"].format(
        members=twin["members"],
        model=tm["chosen"],
        k=k,
        rule=rule,
        acquisition=acquisition,
        structure=structure,
    )
    holdout = t["holdout"].format(
        seeds=d["seeds"],
        twin=d["twin"],
        model=d["model"],
        gap=d["twin_vs_model"],
        actual=d["actual"],
    )
    head = "".join(f"<th>{esc(c)}</th>" for c in t["cols"])
    body = f"<p>{esc(members)}</p><p>{esc(holdout)}</p><table><tr>{head}</tr>{rows}</table>"
    if health:
        zh = lang == "zh"
        blocking = health.get("blocking_zh", health["blocking"]) if zh else health["blocking"]
        notes = health.get("notes_zh", health["notes"]) if zh else health["notes"]
        items = [f"<li><b>{esc(t['blocking'])}</b>: {esc(x)}</li>" for x in blocking]
        items += [f"<li>{esc(x)}</li>" for x in notes]
        body += f"<h3>{esc(t['health'])}</h3>" + (
            f"<ul>{''.join(items)}</ul>" if items else f"<p>{esc(t['none'])}</p>"
        )
    return t["head"], body
