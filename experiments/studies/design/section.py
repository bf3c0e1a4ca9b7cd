"""The design study's report page: the answer first, then how sure, the levers, the figures
and the method. Every sentence is built from the same numbers as the tables beside it."""

from __future__ import annotations

import html
from pathlib import Path

from experiments.report.page import png_data_uri, render_page, section
from experiments.studies.design.search import DesignResult
from experiments.studies.design.vocab import money, text


def _value(v: object) -> str:
    if isinstance(v, float):
        return f"{v:,.3g}" if abs(v) < 10 else f"{v:,.0f}"
    return str(v)


def _settings(result: DesignResult) -> str:
    return ", ".join(
        f"{d.parameter} = {_value(result.best['values'][d.key])}" for d in result.plan.space
    )


def _table(cols: list[str], rows: list[list[str]]) -> str:
    head = "".join(
        f'<th class="{"name" if i == 0 else ""}">{html.escape(c)}</th>' for i, c in enumerate(cols)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"name" if i == 0 else ""}">{html.escape(c)}</td>' for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f'<div class="table-wrap"><table><tr>{head}</tr>{body}</table></div>'


def _ci(row: dict, prefix: str, symbol: str) -> str:
    return (
        f"{money(row[prefix + 'profit_mean'], symbol)} ({money(row[prefix + 'profit_low'], symbol)}"
        f" .. {money(row[prefix + 'profit_high'], symbol)})"
    )


def answer(result: DesignResult, lang: str, symbol: str = "¥") -> list[str]:
    """The opening sentences: what to set, what it earns, how sure, and the optimiser's curse."""
    t, plan, best = text(lang), result.plan, result.best
    fresh = best["outcome"].profit
    base = t["none"] if plan.baseline == "none" else plan.baseline
    fmt = {"baseline": base, "policy": plan.policy, "settings": _settings(result)}
    fmt |= {"fresh": money(fresh.mean, symbol), "lo": money(fresh.low, symbol)}
    fmt |= {"hi": money(fresh.high, symbol), "shipped": money(result.shipped.profit.mean, symbol)}
    clear = fresh.low > 0
    lines = [t["do"].format(**fmt) if clear else t["do_nothing"].format(**fmt)]
    lines.append(t["sure_clear" if clear else "sure_unclear"].format(**fmt))
    vs = best["vs_shipped"]
    key = "vs_shipped_clear" if vs.excludes_zero else "vs_shipped_unclear"
    lines.append(
        t[key].format(
            diff=money(vs.mean, symbol), lo=money(vs.low, symbol), hi=money(vs.high, symbol)
        )
    )
    drop = best["search_profit"] - fresh.mean
    lines.append(
        t["curse" if drop > 0 else "no_curse"].format(
            search=money(best["search_profit"], symbol),
            fresh=money(fresh.mean, symbol),
            drop=money(drop, symbol, signed=False),
        )
    )
    if best["outcome"].retention is not None:
        ret = best["outcome"].retention.mean
        lines.append(t["retention"].format(ret=f"{ret:+.1f}", baseline=base))
    return lines


def report_html(result: DesignResult, figures: dict[str, Path], lang: str, **kw: str) -> str:
    t, plan = text(lang), result.plan
    symbol = kw.get("symbol", "¥")
    store = kw.get("store", plan.market.focal_store)
    intro = (
        '<ul class="headlines">'
        + "".join(f"<li>{html.escape(s)}</li>" for s in answer(result, lang, symbol))
        + "</ul>"
    )
    shipped = {d.key: plan.entries[d.entry].get(d.parameter) for d in plan.space}
    lever_rows = [
        [
            d.key.split(".", 1)[1],
            d.lever.meaning,
            d.lever.describe(),
            _value(shipped[d.key]),
            _value(result.best["values"][d.key]),
        ]
        for d in plan.space
    ]
    cand_rows = []
    for r in result.front.sort_values("fresh_profit_mean", ascending=False).to_dict("records"):
        ret = r["fresh_retention_mean"]
        cand_rows.append(
            [
                str(r["trial"]),
                ", ".join(f"{d.parameter}={_value(r[d.key])}" for d in plan.space),
                _ci(r, "", symbol),
                _ci(r, "fresh_", symbol),
                money(r["fresh_profit_mean"] - r["profit_mean"], symbol),
                "—" if ret != ret else f"{ret:+.1f}",
            ]
        )
    figs = "".join(
        f'<figure><img src="{png_data_uri(path)}" alt="{html.escape(cap)}">'
        f"<figcaption>{html.escape(cap)}</figcaption></figure>"
        for path, cap in (
            (figures.get("response"), t["fig_response_caption"]),
            (figures.get("front"), t["fig_front_caption"]),
        )
        if path is not None
    )
    robust = ""
    if plan.robust:
        robust = t["robust_text"].format(scenarios=plan.scenarios, mode=t[f"mode_{plan.robust}"])
    method = t["method_text"].format(
        sampler=t["nsga" if plan.multi else "tpe"],
        trials=plan.trials,
        policy=plan.policy,
        reps=plan.replications,
        customers=f"{plan.market.n_customers:,}",
        years=plan.market.years,
        baseline=t["none"] if plan.baseline == "none" else plan.baseline,
        top=len(result.front),
        fresh_reps=plan.reevaluate_replications,
        robust=robust,
    )
    sections = [
        section(
            t["levers"],
            _table(
                [
                    t["col_lever"],
                    t["col_meaning"],
                    t["col_range"],
                    t["col_shipped"],
                    t["col_chosen"],
                ],
                lever_rows,
            ),
        ),
        section(
            t["candidates"],
            _table(
                [
                    t["col_trial"],
                    t["col_lever"],
                    t["col_search"],
                    t["col_fresh"],
                    t["col_drop"],
                    t["col_ret"],
                ],
                cand_rows,
            ),
        ),
        section(t["figures"], figs),
        section(t["method"], f"<p>{html.escape(method)}</p>"),
    ]
    title = t["title"].format(policy=plan.labels.get(lang, plan.policy), store=store)
    return render_page(title, [section(t["answer"], intro), *sections], lang, footer=t["footer"])
