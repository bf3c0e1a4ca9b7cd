"""The tournament section of the report, in plain words for a store owner (English / 简体中文).

`tournament_section` returns an HTML fragment (headings, sentences, embedded heat-maps, a
compact payoff table); the study's driver puts it into the toolkit's page
(`experiments.report.page`). Its words are in `vocab`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.report.blocks import image, percent, table
from experiments.report.blocks import money as money_block
from experiments.report.provenance import meta_size
from experiments.report.vocab import in_money
from experiments.studies.tournament.game import policy_column
from experiments.studies.tournament.vocab import METHODS, store_label
from experiments.studies.tournament.vocab import REPORT_TEXT as T


def money(v: float, lang: str, symbol: str = "¥") -> str:
    return money_block(v, symbol=symbol, na=T[lang]["na"])


def value(v: float, kpi: str, lang: str, symbol: str = "¥") -> str:
    if kpi in ("retention", "vip_retention", "top20_revenue_share"):
        return f"{v:.1%}" if np.isfinite(v) else T[lang]["na"]
    return money(v, lang, symbol)


def pct(v: float) -> str:
    return percent(v)


def _img(data: bytes | Path) -> str:
    return image(data)


def tournament_section(
    *,
    payoffs: pd.DataFrame,
    best_responses: pd.DataFrame,
    equilibria: pd.DataFrame,
    diagonal: pd.DataFrame,
    market: pd.DataFrame,
    meta: Mapping,
    labels: Mapping[str, str],
    images: Mapping[str, bytes | Path] | None = None,
    lang: str = "en",
    symbol: str = "¥",
    currency: str = "CNY",
    answer_html: str = "",
) -> str:
    """The tournament section as an HTML fragment (``<section>...</section>``); money in the
    store's currency (`symbol`, ISO `currency`); `answer_html` (`answer.answer`) opens it."""
    t = in_money(T[lang], symbol, currency)
    e = html.escape
    players: Sequence[str] = meta["players"]
    focal, rivals = players[0], list(players[1:])
    kpi = meta.get("payoff", "profit")
    kpi_word = t["kpi"].get(kpi, kpi)

    def lab(p: str) -> str:
        return e(labels.get(p, p))

    def st(s: str) -> str:
        return e(t["you"] if s == focal else store_label(s, lang))

    rivals_txt = t["and"].join(st(r) for r in rivals)
    verbs = {
        "does": "do" if len(rivals) > 1 else "does",
        "run": "run" if len(rivals) > 1 else "runs",
    }
    out = [f'<section class="tournament"><h2>{e(t["title"])}</h2>']
    if answer_html:
        out.append(f'<p class="answer"><b>{answer_html}</b></p>')
    you = st(focal)
    out.append(
        "<p>"
        + t["intro"].format(
            you=you[:1].upper() + you[1:],
            rivals=rivals_txt,
            reps=meta["replications"],
            customers=meta_size(meta, lang),
            years=f"{meta['years']:g}",
            year_word="year" if meta["years"] == 1 else "years",
            kpi=e(kpi_word),
            level=f"{meta.get('level', 0.95):.0%}",
        )
        + "</p>"
    )

    # -- best responses of the focal store
    out.append(f"<h3>{e(t['responses'])}</h3><ul>")
    mine = best_responses[best_responses["store"] == focal]
    for _, r in mine.iterrows():
        against = t["and"].join(
            t["against"].format(store=st(s), policy=lab(r[policy_column(s)])) for s in rivals
        )
        if r["runner_up"]:
            clear = np.isfinite(r["gap_ci_low"]) and r["gap_ci_low"] > 0
            gap = t["gap_clear" if clear else "gap_unclear"].format(
                runner=lab(r["runner_up"]),
                gap=value(r["gap_mean"], kpi, lang, symbol),
                glo=value(r["gap_ci_low"], kpi, lang, symbol),
                ghi=value(r["gap_ci_high"], kpi, lang, symbol),
            )
        else:
            gap = ""
        out.append(
            "<li>"
            + t["response"].format(
                against=against,
                best=lab(r["best_policy"]),
                kpi=e(kpi_word),
                mean=value(r["best_mean"], kpi, lang, symbol),
                lo=value(r["best_ci_low"], kpi, lang, symbol),
                hi=value(r["best_ci_high"], kpi, lang, symbol),
                share_r=pct(r["share_replications"]),
                share_b=pct(r["share_bootstrap"]),
                gap=gap,
            )
            + "</li>"
        )
    out.append("</ul>")
    dominant = (meta.get("dominant") or {}).get(focal)
    out.append(
        "<p>"
        + (
            t["dominant"].format(rivals=rivals_txt, best=lab(dominant), **verbs)
            if dominant
            else t["no_dominant"].format(rivals=rivals_txt, **verbs)
        )
        + "</p>"
    )
    if len(rivals) == 1:
        rv = rivals[0]
        out.append(f"<h3>{e(t['rival_view'].format(store=store_label(rv, lang)))}</h3><ul>")
        for _, r in best_responses[best_responses["store"] == rv].iterrows():
            out.append(
                "<li>"
                + t["rival_response"].format(
                    policy=lab(r[policy_column(focal)]),
                    store=st(rv),
                    best=lab(r["best_policy"]),
                    share=pct(r["share_bootstrap"]),
                )
                + "</li>"
            )
        out.append("</ul>")

    # -- equilibria
    out.append(f"<h3>{e(t['equilibria'])}</h3><p>{e(t['eq_intro'])}</p><ul>")
    if equilibria.empty:
        out.append(f"<li>{e(t['eq_none'])}</li>")
    for _, eq in equilibria.groupby("equilibrium", sort=True):
        first = eq.iloc[0]
        plays, pays = [], []
        for s in players:
            rows = eq[eq["store"] == s]
            mixed = first["kind"] == "mixed"
            mix = " + ".join(
                (f"{p:.0%} " if mixed else "") + lab(n)
                for n, p in zip(rows["policy"], rows["probability"], strict=True)
            )
            plays.append(t["eq_plays"].format(store=st(s), policy=mix))
            r0 = rows.iloc[0]
            pays.append(
                t["eq_pay"].format(
                    store=st(s),
                    mean=value(r0["payoff_mean"], kpi, lang, symbol),
                    lo=value(r0["payoff_ci_low"], kpi, lang, symbol),
                    hi=value(r0["payoff_ci_high"], kpi, lang, symbol),
                )
            )
        sep = t["and"] if lang == "en" else "，"
        key = "eq_pure" if first["kind"] == "pure" else "eq_mixed"
        out.append(
            "<li>"
            + t[key].format(
                profile=sep.join(plays)[:1].upper() + sep.join(plays)[1:],
                pays=("; " if lang == "en" else "；").join(pays),
                survival=pct(first["survival"]),
            )
            + "</li>"
        )
    out.append("</ul>")
    if len(players) > 2:
        out.append(f"<p>{e(t['eq_pure_only'])}</p>")
    if not equilibria.empty and bool(equilibria["degenerate"].any()):
        out.append(f"<p>{e(t['eq_degenerate'])}</p>")

    # -- the copy diagonal
    if not diagonal.empty:
        d = diagonal[diagonal["store"] == focal].set_index("policy")
        best = d.index[d["best_when_copied"]][0]
        base = d.index[0]
        out.append(
            f"<h3>{e(t['copy'])}</h3><p>"
            + t["copy_text"].format(
                rivals=rivals_txt,
                **verbs,
                best=lab(best),
                mean=value(d.loc[best, "mean"], kpi, lang, symbol),
                lo=value(d.loc[best, "ci_low"], kpi, lang, symbol),
                hi=value(d.loc[best, "ci_high"], kpi, lang, symbol),
                share=pct(d.loc[best, "share_bootstrap"]),
                base=lab(base),
                base_mean=value(d.loc[base, "mean"], kpi, lang, symbol),
            )
            + "</p>"
        )

    # -- the market view
    if not market.empty and {"category_profit", "customers_lost"} <= set(market["kpi"]):
        cp = market[market["kpi"] == "category_profit"].set_index("profile")
        lost = market[market["kpi"] == "customers_lost"].set_index("profile")

        def combo(profile: str) -> str:
            names = profile.split(" | ")
            return (t["and"] if lang == "en" else "，").join(
                t["eq_plays"].format(store=st(s), policy=lab(n))
                for s, n in zip(players, names, strict=True)
            )

        bp, bk, wk = cp["mean"].idxmax(), lost["mean"].idxmin(), lost["mean"].idxmax()
        same = lost.loc[bk, "mean"] == lost.loc[wk, "mean"]  # no combination keeps more
        lost_text = t["lost_same" if same else "lost_text"].format(
            best_keep=combo(bk),
            lost=f"{lost.loc[bk, 'mean']:,.0f}",
            worst_keep=combo(wk),
            worst_lost=f"{lost.loc[wk, 'mean']:,.0f}",
        )
        out.append(
            f"<h3>{e(t['market'])}</h3><p>"
            + t["market_text"].format(
                best_profile=combo(bp),
                cp=money(cp.loc[bp, "mean"], lang, symbol),
                cp_lo=money(cp.loc[bp, "ci_low"], lang, symbol),
                cp_hi=money(cp.loc[bp, "ci_high"], lang, symbol),
                overlap=t["overlap"] if cp["ci_high"].min() >= cp["ci_low"].max() else "",
                lost_text=lost_text,
            )
            + "</p>"
        )

    # -- heat-maps and the table
    if images:
        out.append(f"<h3>{e(t['maps'])}</h3><p>{e(t['maps_note'].format(kpi=kpi_word))}</p>")
        out.extend(f"<figure>{_img(img)}</figure>" for img in images.values())
    out.append(f"<h3>{e(t['table'])}</h3>")
    out.append(
        _table(payoffs, players, labels, kpi, lang, rivals_txt, verbs["run"], symbol, currency)
    )
    out.append(
        '<p class="note">'
        + e(
            t["method"].format(
                reps=meta["replications"],
                seed0=meta["seeds"][0],
                seed1=meta["seeds"][-1],
                boot=meta.get("bootstrap", ""),
                method=METHODS[lang].get(meta.get("method", ""), meta.get("method", "")),
            )
        )
        + "</p>"
    )
    out.append("</section>")
    return "\n".join(out)


def _table(
    payoffs: pd.DataFrame,
    players: Sequence[str],
    labels: Mapping[str, str],
    kpi: str,
    lang: str,
    rivals_txt: str,
    run: str = "runs",
    symbol: str = "¥",
    currency: str = "CNY",
) -> str:
    t, e = in_money(T[lang], symbol, currency), html.escape
    focal, rivals = players[0], players[1:]
    kpi_word = t["kpi"].get(kpi, kpi)
    head = [c.format(rivals=rivals_txt, kpi=kpi_word, run=run) for c in t["cols"]]
    rows = []
    for _, g in payoffs.groupby("profile", sort=False):

        def cell(store: str, k: str, g: pd.DataFrame = g) -> str:
            r = g[(g["store"] == store) & (g["kpi"] == k)]
            if r.empty:
                return ""
            r0 = r.iloc[0]
            if not np.isfinite(r0["ci_low"]):
                return value(r0["mean"], k, lang, symbol)
            return (
                f"{value(r0['mean'], k, lang, symbol)} [{value(r0['ci_low'], k, lang, symbol)} – "
                f"{value(r0['ci_high'], k, lang, symbol)}]"
            )

        first = g.iloc[0]
        rows.append(
            [
                e(labels.get(first[policy_column(focal)], first[policy_column(focal)])),
                " / ".join(
                    e(labels.get(first[policy_column(s)], first[policy_column(s)])) for s in rivals
                ),
                cell(focal, kpi),
                " / ".join(cell(s, kpi) for s in rivals),
                cell(focal, "retention"),
            ]
        )
    return table(head, rows, escape_head=False)
