"""The design study's report page: the answer first, then how sure, the levers, the re-checked
candidates, the figures and the method. Every sentence is built from the same numbers as the
tables beside it (a test checks the answer against trials.csv)."""

from __future__ import annotations

import html
from pathlib import Path

from experiments.report import lang_suffix
from experiments.report.blocks import figure, table
from experiments.report.page import section
from experiments.report.provenance import size_phrase, store_title
from experiments.report.vocab import policy_labels
from experiments.studies.base import Page
from experiments.studies.design.search import DesignResult
from experiments.studies.design.space import lever_units, shown
from experiments.studies.design.vocab import lever_meaning, lever_range, text
from sim.store_profile import StoreProfile, format_money


def _m(v: float, profile: StoreProfile, signed: bool = True) -> str:
    return format_money(v, profile, signed=signed)


def _settings(result: DesignResult) -> str:
    p = result.plan.market.profile
    return ", ".join(
        f"{d.parameter} = {shown(d, result.best['values'][d.key], p)}" for d in result.plan.space
    )


def _ci(row: dict, prefix: str, profile: StoreProfile) -> str:
    return (
        f"{_m(row[prefix + 'profit_mean'], profile)} ({_m(row[prefix + 'profit_low'], profile)}"
        f" .. {_m(row[prefix + 'profit_high'], profile)})"
    )


def answer(result: DesignResult, lang: str) -> list[str]:
    """The opening sentences: what to set, what it earns, how sure, and the optimiser's curse."""
    t, plan, best = text(lang), result.plan, result.best
    profile = plan.market.profile
    fresh = best["outcome"].profit
    base = t["none"] if plan.baseline == "none" else plan.baseline
    name = plan.labels.get(lang) or policy_labels([plan.policy], lang)[plan.policy]
    fmt = {"baseline": base, "policy": name, "settings": _settings(result)}
    fmt |= {"fresh": _m(fresh.mean, profile), "lo": _m(fresh.low, profile)}
    fmt |= {"hi": _m(fresh.high, profile), "shipped": _m(result.shipped.profit.mean, profile)}
    clear = fresh.low > 0
    lines = [t["do"].format(**fmt) if clear else t["do_nothing"].format(**fmt)]
    lines.append(t["sure_clear" if clear else "sure_unclear"].format(**fmt))
    vs = best["vs_shipped"]
    key = "vs_shipped_clear" if vs.excludes_zero else "vs_shipped_unclear"
    lines.append(
        t[key].format(diff=_m(vs.mean, profile), lo=_m(vs.low, profile), hi=_m(vs.high, profile))
    )
    drop = best["search_profit"] - fresh.mean
    lines.append(
        t["curse" if drop > 0 else "no_curse"].format(
            search=_m(best["search_profit"], profile),
            fresh=_m(fresh.mean, profile),
            drop=_m(drop, profile, signed=False),
        )
    )
    ret = best["outcome"].retention
    if ret is not None and ret.mean == ret.mean:  # undefined (NaN) retention is not stated
        lines.append(t["retention"].format(ret=f"{ret.mean:+.1f}", baseline=base))
    if plan.multi:
        lines.append(_front_line(result, t))
    return lines


def _front_line(result: DesignResult, t: dict[str, str]) -> str:
    """Two objectives: how many settings trade profit against retention, and over what span
    (the answer above picks one of them; the reader should know the others exist)."""
    front = result.trials[result.trials["on_front"]]
    profile = result.plan.market.profile
    profit, ret = front["profit_mean"], front["retention_mean"]
    return t["front_line"].format(
        n=len(front),
        p_lo=_m(profit.min(), profile),
        p_hi=_m(profit.max(), profile),
        r_lo=f"{ret.min():+.1f}",
        r_hi=f"{ret.max():+.1f}",
    )


def _method(result: DesignResult, lang: str) -> str:
    t, plan = text(lang), result.plan
    robust = ""
    if plan.robust:
        robust = t["robust_text"].format(scenarios=plan.scenarios, mode=t[f"mode_{plan.robust}"])
    return t["method_text"].format(
        sampler=t["nsga" if plan.multi else "tpe"],
        trials=plan.trials,
        policy=plan.labels.get(lang) or policy_labels([plan.policy], lang)[plan.policy],
        reps=plan.replications,
        customers=size_phrase(
            plan.market.n_customers,
            plan.market.profile.members,
            lang,
            twin=bool(plan.market.members),
        ),
        years=plan.market.years,
        baseline=t["none"] if plan.baseline == "none" else plan.baseline,
        top=len(result.front),
        fresh_reps=plan.reevaluate_replications,
        robust=robust,
    )


def page(result: DesignResult, outdir: Path, lang: str) -> Page:
    """Draw the figures into `outdir` and return the page's sections."""
    from experiments.studies.design import figures

    t, plan = text(lang), result.plan
    profile = plan.market.profile
    sfx = lang_suffix(lang)
    files = {
        "response": figures.response(result, Path(outdir) / f"design_response{sfx}.png", lang),
        "front": figures.front(result, Path(outdir) / f"design_front{sfx}.png", lang),
    }
    shipped = {
        d.key: lever_units(d, plan.entries[d.entry], profile) for d in plan.space
    }
    levers = [
        [
            html.escape(x)
            for x in (
                d.key.split(".", 1)[1],
                lever_meaning(d.lever, lang),
                lever_range(d.lever, lang),
                shown(d, shipped[d.key], profile),
                shown(d, result.best["values"][d.key], profile),
            )
        ]
        for d in plan.space
    ]
    cands = []
    for r in result.front.sort_values("fresh_profit_mean", ascending=False).to_dict("records"):
        ret = r["fresh_retention_mean"]
        cells = (
            str(r["trial"]),
            ", ".join(f"{d.parameter}={shown(d, r[d.key], profile)}" for d in plan.space),
            _ci(r, "", profile),
            _ci(r, "fresh_", profile),
            _m(r["fresh_profit_mean"] - r["profit_mean"], profile),
            "—" if ret != ret else f"{ret:+.1f}",
        )
        cands.append([html.escape(c) for c in cells])
    intro = (
        '<ul class="headlines">'
        + "".join(f"<li>{html.escape(s)}</li>" for s in answer(result, lang))
        + "</ul>"
    )
    head_l = [t["col_lever"], t["col_meaning"], t["col_range"], t["col_shipped"], t["col_chosen"]]
    head_c = [t["col_trial"], t["col_lever"], t["col_search"], t["col_fresh"], t["col_drop"],
              t["col_ret"]]  # fmt: skip
    sections = [
        section(t["answer"], intro),
        section(t["levers"], table(head_l, levers, cls="levers", name_col=0)),
        section(t["candidates"], table(head_c, cands, cls="candidates", name_col=1)),
        figure(t["figures"], t["fig_response_caption"], files["response"]),
        figure(t["fig_front_title"], t["fig_front_caption"], files["front"]),
        section(t["method"], f"<p>{html.escape(_method(result, lang))}</p>"),
    ]
    name = plan.labels.get(lang) or policy_labels([plan.policy], lang)[plan.policy]
    title = t["title"].format(policy=name, store=store_title(plan.market.profile.name, lang))
    return Page(title=title, sections=sections, footer=t["footer"], files=files)
