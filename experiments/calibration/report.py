"""Outputs of a calibration: fit.json, the market YAML, validation figures, calibration.html.

Every file is written atomically (``experiments.engine.store``: temporary file, fsync,
``os.replace``).
Figures use matplotlib's object API; Chinese text uses the CJK font helpers of
``experiments.figures``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from matplotlib.figure import Figure

from experiments.calibration.core import Calibration
from experiments.calibration.health import html_section as twin_section
from experiments.calibration.market import MarketFit
from experiments.calibration.profile_report import profile_section, spend_sentence
from experiments.common import jsonable
from experiments.engine.store import atomic_savefig, atomic_write_text
from experiments.figures import style
from experiments.report_page import png_data_uri, render_page, section
from sim.config import MarketConfig

__all__ = ["write_fit_json", "write_figures", "write_html", "write_market_yaml"]

T = {
    "en": {
        "title": "Calibration: {store}",
        "tracking": "Weekly repeat purchases: actual vs model",
        "week": "Week starting",
        "purchases": "Repeat purchases per week",
        "actual": "Actual",
        "bgnbd": "BG/NBD (fitted)",
        "sim": "Calibrated simulation",
        "holdout": "Holdout",
        "cond": "Holdout purchases by calibration frequency",
        "freq": "Repeat purchases in the calibration period (7 = 7 or more)",
        "per_cust": "Mean holdout purchases per customer",
        "cum": "Cumulative repeat purchases",
        "pareto": "Pareto/NBD (fitted)",
    },
    "zh": {
        "title": "{store}：校准",
        "tracking": "每周重复购买：实际与模型",
        "week": "周起始日",
        "purchases": "每周重复购买次数",
        "actual": "实际",
        "bgnbd": "BG/NBD（拟合）",
        "sim": "校准后的模拟",
        "holdout": "验证期",
        "cond": "按校准期购买次数分组的验证期购买",
        "freq": "校准期重复购买次数（7 = 7次及以上）",
        "per_cust": "每位顾客验证期平均购买次数",
        "cum": "累计重复购买",
        "pareto": "Pareto/NBD（拟合）",
    },
}


ALT = {"tracking": "tracking", "conditional": "cond", "cumulative": "cum"}
"""Each figure's text alternative: its title."""
EVALS = {"en": "{n} evaluations, {s:.0f} s", "zh": "{n} 次模拟，{s:.0f} 秒"}


def _save(fig: Figure, path: Path) -> Path:
    return atomic_savefig(fig, path, dpi=110, bbox_inches="tight", format="png")


def fit_payload(cal: Calibration, market: MarketFit | None, extra: dict[str, Any]) -> dict:
    return jsonable({
        "periods": cal.periods.dates(),
        "time_unit_days": 7,
        "customers": cal.customers,
        "repeat_buyers": cal.repeat_buyers,
        "models": {
            "bgnbd": cal.bgnbd.to_json(),
            "paretonbd": cal.paretonbd.to_json() if cal.paretonbd is not None else None,
            "gammagamma": cal.gammagamma.to_json(),
        },
        "holdout": cal.holdout,
        "indirect_inference": market.to_json() if market is not None else None,
        **extra,
    })


def write_fit_json(path: Path, payload: dict) -> Path:
    return atomic_write_text(path, json.dumps(payload, indent=2, ensure_ascii=False))


def write_market_yaml(path: Path, market: MarketConfig, header: str) -> Path:
    """A market config for ``--config-dir DIR market=NAME`` (the whole market, explicit)."""
    data = jsonable(market.to_dict())  # plain Python values (a valid market has no NaN)
    text = "".join(f"# {line}\n" for line in header.splitlines())
    text += yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(path, text)


def write_figures(
    cal: Calibration, outdir: Path, lang: str = "en", simulated: pd.Series | None = None
) -> dict[str, Path]:
    """tracking.png, conditional.png and cumulative.png; ``simulated`` adds the calibrated
    simulation's weekly repeat purchases (indexed by week-start day number)."""
    t = T[lang]
    tr = cal.tracking
    assert tr is not None and cal.by_frequency is not None
    hold_start = pd.Timestamp(np.datetime64(cal.periods.calibration_end + 1, "D"))
    paths: dict[str, Path] = {}
    with style(lang):
        fig = Figure(figsize=(8, 3.6))
        ax = fig.subplots()
        ax.plot(tr["week_start"], tr["actual"], color="#222222", lw=1.4, label=t["actual"])
        ax.plot(tr["week_start"], tr["bgnbd"], color="#1f77b4", lw=1.4, ls="--", label=t["bgnbd"])
        if simulated is not None:
            sim = simulated.reindex(tr["day"].to_numpy())
            ax.plot(tr["week_start"], sim.to_numpy(), color="#d62728", lw=1.0, alpha=0.8,
                    label=t["sim"])
        ax.axvline(hold_start, color="#888888", ls=":", lw=1)
        ax.text(hold_start, ax.get_ylim()[1] * 0.97, " " + t["holdout"], va="top", fontsize=8)
        ax.set_title(t["tracking"])
        ax.set_xlabel(t["week"])
        ax.set_ylabel(t["purchases"])
        ax.legend(frameon=False, fontsize=8)
        paths["tracking"] = _save(fig, outdir / "tracking.png")

        fig = Figure(figsize=(6, 3.6))
        ax = fig.subplots()
        bf = cal.by_frequency
        ax.plot(bf.index, bf["actual"], "o-", color="#222222", label=t["actual"])
        ax.plot(bf.index, bf["bgnbd"], "s--", color="#1f77b4", label=t["bgnbd"])
        if "paretonbd" in bf.columns:
            ax.plot(bf.index, bf["paretonbd"], "^:", color="#2ca02c", label=t["pareto"])
        ax.set_title(t["cond"])
        ax.set_xlabel(t["freq"])
        ax.set_ylabel(t["per_cust"])
        ax.legend(frameon=False, fontsize=8)
        paths["conditional"] = _save(fig, outdir / "conditional.png")

        fig = Figure(figsize=(8, 3.6))
        ax = fig.subplots()
        ax.plot(tr["week_start"], tr["actual"].cumsum(), color="#222222", label=t["actual"])
        ax.plot(tr["week_start"], tr["bgnbd"].cumsum(), color="#1f77b4", ls="--", label=t["bgnbd"])
        if simulated is not None:
            sim = simulated.reindex(tr["day"].to_numpy()).fillna(0.0)
            ax.plot(tr["week_start"], sim.cumsum().to_numpy(), color="#d62728", label=t["sim"])
        ax.axvline(hold_start, color="#888888", ls=":", lw=1)
        ax.set_title(t["cum"])
        ax.set_xlabel(t["week"])
        ax.set_ylabel(t["cum"])
        ax.legend(frameon=False, fontsize=8)
        paths["cumulative"] = _save(fig, outdir / "cumulative.png")
    return paths


def _pct(v: float | None) -> str:
    return "n/a" if v is None or not np.isfinite(v) else f"{v:+.1%}"


def _num(v: float | None, digits: int = 3) -> str:
    if v is None or not np.isfinite(v):
        return "n/a"
    return f"{v:,.{digits}g}" if abs(v) < 1e4 else f"{v:,.0f}"


def sentences(payload: dict, lang: str) -> list[str]:
    """The holdout errors in plain words."""
    h = payload["holdout"]
    actual = h["actual_repeat_transactions"]
    bg = h["models"]["bgnbd"]
    out = []
    weeks = h["weeks"]
    sim = payload.get("simulated_holdout")
    if payload.get("warnings") and sim:
        trend = sim["trend"]
        out.append(
            f"注意：校准后的模拟对验证期的预测偏差为 {_pct(sim['error'])}，超过 ±10%："
            f"模拟市场留不住这家店的顾客（模拟中门店购买次数在数据时段内变化 "
            f"{_pct(trend['simulated'])}，真实数据为 {_pct(trend['real'])}）。"
            "在这个市场上比较策略，结果只能作参考。" if lang == "zh" else
            f"Caution: the calibrated simulation misses the holdout by {_pct(sim['error'])}, "
            f"more than ±10%. Its market does not keep this store's customers the way the log "
            f"does (the store's purchases change {_pct(trend['simulated'])} over the log's span "
            f"in the simulation, {_pct(trend['real'])} in the log), so policy comparisons on "
            "this market are indicative only.")
    if lang == "zh":
        pred = bg["predicted_repeat_transactions"]
        out.append(f"验证期（{weeks:.0f} 周）内，校准期的 {payload['customers']:,} 位顾客"
                   f"实际重复购买 {actual:,.0f} 次；BG/NBD 模型预测 {pred:,.0f} 次"
                   f"（误差 {_pct(bg['error'])}）。")
        sim = payload.get("simulated_holdout")
        if sim:
            out.append(f"校准后的模拟预测 {sim['predicted']:,.0f} 次"
                       f"（误差 {_pct(sim['error'])}）。")
        sp = spend_sentence(payload, lang, _pct)
        if sp:
            out.append(sp)
        out.append("误差在 ±10% 以内说明模型可用于规划；更大的误差说明这家店的顾客行为"
                   "在验证期发生了变化（季节、促销、竞争），或数据太少。")
        return out
    out.append(f"In the holdout period ({weeks:.0f} weeks), the {payload['customers']:,} customers "
               f"of the calibration period made {actual:,.0f} repeat purchases; the BG/NBD model "
               f"predicted {bg['predicted_repeat_transactions']:,.0f} ({_pct(bg['error'])}).")
    sim = payload.get("simulated_holdout")
    if sim:
        out.append(f"The calibrated simulation predicted {sim['predicted']:,.0f} "
                   f"({_pct(sim['error'])}).")
    sp = spend_sentence(payload, lang, _pct)
    if sp:
        out.append(sp)
    out.append("Errors within ±10% mean the model is good enough to plan with; larger errors mean "
               "the store's customers behaved differently in the holdout (season, promotions, "
               "competition) or that the log is too small.")
    return out


def _interval(v: dict) -> str:
    """'low – high' of a parameter; an open side (null in fit.json) is 0 or ∞."""
    if v["ci_low"] is None and v["ci_high"] is None and v.get("se") is None:
        return "—"  # an assumed parameter (no amounts in the log): no interval
    lo = "0" if v["ci_low"] is None else _num(v["ci_low"])
    hi = "∞" if v["ci_high"] is None else _num(v["ci_high"])
    return f"{lo} – {hi}"


_HEADS = {
    "en": ("Holdout validation", "Fitted parameters", "model", "parameter", "estimate",
           "95% CI", "Calibrated market (indirect inference)", "statistic", "real log",
           "simulated", "z = difference / tolerance", "distance", "Figures",
           "Intervals are profile-likelihood intervals (Wald for Pareto/NBD); ∞ means the data "
           "do not set an upper limit on that parameter (the log is too short or too small to tell "
           "how it varies between customers). The Gamma-Gamma model is fitted on every repeat "
           "spend, not only on each customer's mean."),
    "zh": ("验证期检验", "拟合参数", "模型", "参数", "估计值", "95% 置信区间",
           "校准后的市场（间接推断）", "统计量", "真实数据", "模拟", "z = 差异 / 容差", "距离",
           "图表",
           "置信区间为轮廓似然区间（Pareto/NBD 为 Wald 区间）；∞ 表示数据无法给出该参数的上限"
           "（数据时间太短或顾客太少，无法判断顾客之间的差异）。Gamma-Gamma 模型使用每一次重复"
           "购买的金额拟合，而不仅是每位顾客的平均值。"),
}


def write_html(path: Path, payload: dict, figures: dict[str, Path], store: str, lang: str) -> Path:
    """calibration.html: one self-contained page (figures and the CJK font subset embedded,
    ``experiments.report_page``), so it opens offline and can be mailed on its own."""
    t = T[lang]
    heads = _HEADS[lang]
    esc = html.escape
    rows = []
    for key in ("bgnbd", "paretonbd", "gammagamma"):
        m = payload["models"].get(key)
        if not m:
            continue
        for name, v in m["params"].items():
            rows.append(f"<tr><td>{esc(key)}</td><td>{esc(name)}</td><td>{_num(v['estimate'])}"
                        f"</td><td>{_interval(v)}</td></tr>")
    sections = [
        section(*profile_section(payload, lang)),
        section(heads[0], "".join(f"<p>{esc(x)}</p>" for x in sentences(payload, lang))),
        section(heads[12], "".join(
            f'<figure><img src="{png_data_uri(p)}" alt="{esc(t[ALT.get(k, k)])}"></figure>'
            for k, p in figures.items())),
        section(heads[1], f"<table><tr><th>{heads[2]}</th><th>{heads[3]}</th><th>{heads[4]}"
                f"</th><th>{heads[5]}</th></tr>{''.join(rows)}</table><p>{esc(heads[13])}</p>"),
    ]
    ii = payload.get("indirect_inference")
    if ii:
        ii_rows = "".join(
            f"<tr><td>{esc(m['statistic'])}</td><td>{_num(m['real'])}</td>"
            f"<td>{_num(m['simulated'])}</td><td>{m['z']:+.2f}</td></tr>" for m in ii["targets"])
        sections.append(section(heads[6], (
            f"<p>{heads[11]}: {ii['distance']:.2f} "
            f"({EVALS[lang].format(n=ii['evaluations'], s=ii['seconds'])}); "
            f"n_customers = {ii['n_customers']:,}</p><table><tr><th>"
            f"{heads[7]}</th><th>{heads[8]}</th><th>{heads[9]}</th><th>{heads[10]}</th></tr>"
            f"{ii_rows}</table>")))
    twin = twin_section(payload, lang)  # the member twin and search health (issue 19)
    if twin:
        sections.insert(1, section(*twin))
    p = payload["periods"]
    intro = (f"<p>{esc(p['start'])} – {esc(p['calibration_end'])} | "
             f"{esc(p['holdout_start'])} – {esc(p['end'])}</p>")
    return atomic_write_text(path, render_page(t["title"].format(store=store), sections, lang,
                                          intro_html=intro))
