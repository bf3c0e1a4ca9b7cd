"""The robustness section of report.html (English / Chinese) and a minimal page around it.

`robustness_section(...)` returns an HTML fragment (one ``<section>``) with the verdicts, the
robust ranking, the figures (embedded as base64, so the page can be mailed on its own), the
failure conditions and the ranges; the study's driver puts it into the toolkit's page
(`experiments.report.page`). Its words are in `vocab`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.report.blocks import money, percent
from experiments.report.page import png_data_uri
from experiments.report.provenance import meta_size
from experiments.report.vocab import currency_of, in_currency
from experiments.studies.robustness.vocab import REPORT_TEXT as T
from experiments.studies.robustness.vocab import source_text


def _pct(v: float) -> str:
    return percent(v)


def _money(v: float, signed: bool = False, symbol: str = "") -> str:
    return money(v, signed=signed, symbol=symbol)


def answer(
    ranking: pd.DataFrame, labels: Mapping[str, str], meta: Mapping[str, Any], lang: str
) -> str:
    """The report's opening sentence (HTML): what to do, what it earns a year in the store's
    money (sign before the currency), how sure (the share of plausible assumptions it pays
    under), for a store of the market's size."""
    t = in_currency(T[lang], dict(meta))
    symbol, _ = currency_of(dict(meta))
    years = max(float(meta.get("years") or 1), 1e-9)
    base = meta["baseline"]

    def m(v: float) -> str:
        return _money(float(v) / years, True, symbol)

    others = ranking[ranking["policy"] != base]
    if others.empty:
        return ""
    paying = others[others["p_beat_profit"] > 0.5]
    r = (paying if len(paying) else others).iloc[0]
    return t["answer_do" if len(paying) else "answer_keep"].format(
        label=_e(labels.get(r["policy"], r["policy"])),
        base=_e(labels.get(base, base)),
        diff=m(r["d_profit_mean"]),
        p05=m(r["d_profit_p05"]),
        p95=m(r["d_profit_p95"]),
        p=_pct(r["p_beat_profit"]),
        verdict=_e(t["verdict"][r["verdict"]]),
        customers=meta_size(meta, lang),
    )


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
        rules = summary["rules"]
        conds = t["fail_or"].join(_e(r.words()) for r in rules)
        cover = sum(r.coverage for r in rules)
        return t["fail_mostly"].format(
            k=k, n=n, conds=f"<code>{conds}</code>", cover=_pct(cover), m=summary["paying"]
        )
    if kind == "no_gain":
        return t["fail_no_gain"].format(k=k, n=n, rest=n - k)
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
    t = in_currency(T[lang], meta)
    symbol, _ = currency_of(dict(meta))
    base = meta["baseline"]
    base_label = labels.get(base, base)
    level = f"{meta.get('level', 0.95):.0%}"
    out = [f'<section class="robustness" lang="{"zh-CN" if lang == "zh" else "en"}">']
    out.append(f"<h2>{_e(t['title'])}</h2>")
    first = answer(ranking, labels, meta, lang)
    if first:
        out.append(f'<p class="answer"><b>{first}</b></p>')
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
                regret=_money(r["regret_mean"], symbol=symbol),
                worst=_money(r["regret_max"], symbol=symbol),
            )
            + "</p>"
        )
    else:
        out.append("<p>" + t["nothing"].format(base=_e(base_label)) + "</p>")
    details: list[str] = []
    out.append(f'<h3>{_e(t["verdicts_h"])}</h3><ul class="verdicts">')
    for _, r in ranking.iterrows():
        p = r["policy"]
        if p == base:
            continue
        # named only when its interval leaves out "no influence": a few scenarios name none
        mine = drivers[(drivers["policy"] == p) & (drivers["ci_low"] > 0)]
        d = mine.nsmallest(top_drivers, "rank")
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
                med=_money(r["d_profit_median"], True, symbol),
                p05=_money(r["d_profit_p05"], True, symbol),
                p95=_money(r["d_profit_p95"], True, symbol),
            )
            + "</li>"
        )
        said = ""
        if r["verdict"] != "no_effect" and (drivers["policy"] == p).any():
            key = "drivers" if len(d) else "no_drivers"
            said = t[key].format(names=names, n=int(r["scenarios"]))
        detail = said + _failure_text(failures.get(p), t)
        if detail:
            details.append(f"<li><b>{_e(labels.get(p, p))}</b>: {detail}</li>")
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
                design=t["design"].get(meta.get("design"), meta.get("design")),
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
    if details:
        out.append(f'<p class="note">{_e(t["details_h"])}</p><ul class="details">')
        out.extend(details)
        out.append("</ul>")
    out.append(
        f'<details><summary>{_e(t["ranges_h"])}</summary><table class="ranges"><thead>'
        "<tr>" + "".join(f"<th>{_e(c)}</th>" for c in t["ranges_cols"]) + "</tr></thead>"
        "<tbody>"
    )
    for rg in ranges:
        out.append(
            f"<tr><td><code>{_e(rg.name)}</code></td><td>{rg.low:g}</td><td>{rg.high:g}</td>"
            f"<td>{rg.default:g}</td><td>{_e(source_text(rg.source, lang))}</td></tr>"
        )
    out.append("</tbody></table></details></section>")
    return "\n".join(out)


def page_title(lang: str) -> str:
    return T[lang]["page_title"]
