"""The tournament section of the report, in plain words for a store owner (English / 简体中文).

`tournament_section` returns an HTML fragment (headings, sentences, embedded heat-maps, a
compact payoff table). `page_html` wraps fragments in the shared report page
(`experiments.report_page`: styles, print sheet, embedded CJK font subset).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.studies.tournament.game import policy_column
from experiments.report_page import png_data_uri

LANGS = ("en", "zh")

STORE_LABELS: dict[str, tuple[str, str]] = {
    "focal": ("your store", "您的门店"),
    "county_rival": ("the county rival", "县城竞争对手"),
    "county_b_store": ("the other county's store", "另一县城的门店"),
    "pref_national": ("the national-brand prefecture store", "地级市全国品牌店"),
    "pref_local": ("the local prefecture store", "地级市本地品牌店"),
    "town_a_shop": ("the town shop (A)", "乡镇小店（A）"),
    "town_b_shop": ("the town shop (B)", "乡镇小店（B）"),
}
"""Plain names of the default market's stores; other ids are shown as they are."""

T = {
    "en": {
        "title": "When your rival chooses too: the strategy tournament",
        "intro": (
            "{you} and {rivals} each chose one of the policies below, and every combination "
            "was simulated {reps} times on the same market ({customers} customers, {years} "
            "{year_word}). Replication r of every combination met the same customers and the same "
            "ups and downs, so differences come from the policies alone. Amounts are each "
            "store's {kpi} over the whole run; ranges are {level} confidence intervals."
        ),
        "you": "your store",
        "responses": "Your best answer to what your rival does",
        "response": (
            "If {against}, your best answer is <b>“{best}”</b>: {kpi} {mean} [{lo} – {hi}]. "
            "It was best in {share_r} of the replications and in {share_b} of bootstrap "
            "resamples. {gap}"
        ),
        "gap_clear": "It beats the next best, “{runner}”, by {gap} [{glo} – {ghi}].",
        "gap_unclear": (
            "The next best, “{runner}”, earns {gap} less, but the range ({glo} – {ghi}) "
            "includes no difference: more replications would make the ranking surer."
        ),
        "against": "{store} runs “{policy}”",
        "and": " and ",
        "dominant": "Whatever {rivals} {does}, <b>“{best}”</b> is your best answer.",
        "no_dominant": "Your best answer depends on what {rivals} {does}.",
        "rival_view": "What {store} would answer",
        "rival_response": (
            "If you run “{policy}”, {store}'s best answer is “{best}” (best in {share} of "
            "bootstrap resamples)."
        ),
        "equilibria": "Where the competition settles (Nash equilibria)",
        "eq_intro": (
            "An equilibrium is a combination in which no store can earn more by changing its "
            "policy on its own: once there, nobody has a reason to move."
        ),
        "eq_pure": (
            "{profile}: {pays}. It holds again in {survival} of bootstrap resamples of the "
            "replications."
        ),
        "eq_mixed": (
            "A mixed equilibrium: {profile}. Each store keeps the other guessing; expected "
            "{pays}. It holds again in {survival} of bootstrap resamples."
        ),
        "eq_plays": "{store} runs “{policy}”",
        "eq_pay": "{store} earns {mean} [{lo} – {hi}]",
        "eq_none": "No equilibrium was found.",
        "eq_pure_only": (
            "With more than two stores only pure equilibria (each store runs one policy) are "
            "searched, by checking every store's possible switch."
        ),
        "eq_degenerate": (
            "Some policies earn exactly the same here (they change nothing for a store), so "
            "the game is degenerate: equilibria may come in families and the list may not be "
            "complete."
        ),
        "copy": "If your rival copies whatever you do",
        "copy_text": (
            "If {rivals} always {run} the same policy as you, your best choice is <b>“{best}”</b>"
            ": {mean} [{lo} – {hi}] (best in {share} of bootstrap resamples). With both running "
            "“{base}”: {base_mean}."
        ),
        "market": "The whole market",
        "overlap": ", but the ranges of all combinations overlap",
        "market_text": (
            "Category profit (all stores together) is highest when {best_profile}: {cp} "
            "[{cp_lo} – {cp_hi}]{overlap}. "
            "Fewest customers leave the category for good when {best_keep}: {lost} customers "
            "({worst_lost} in the worst combination, {worst_keep})."
        ),
        "maps": "Payoff maps",
        "maps_note": (
            "Each map shows one store's {kpi}: rows are that store's policy, columns what the "
            "other store(s) run. A frame marks the best answer to each column; a star marks an "
            "equilibrium."
        ),
        "table": "All combinations",
        "cols": ["You run", "{rivals} {run}", "Your {kpi}", "Rival {kpi}", "Your retention"],
        "method": (
            "Method: every combination x {reps} replications, seeds {seed0}..{seed1} shared "
            "by all combinations (common random numbers). Means with Student-t intervals; "
            "gaps paired per replication; bootstrap: {boot} resamples of whole replications. "
            "Equilibria: {method}."
        ),
        "kpi": {"profit": "profit", "retention": "retention"},
        "na": "n/a",
    },
    "zh": {
        "title": "当竞争对手也在选择：策略对局",
        "intro": (
            "{you}和{rivals}各自从下列策略中选一个，每一种组合都在同一个市场（{customers}位"
            "顾客，{years}年）上模拟了{reps}次。每种组合的第r次重复面对的是相同的顾客和相同"
            "的市场波动，因此差异只来自策略本身。金额为各门店整个模拟期的{kpi}；区间为{level}"
            "置信区间。"
        ),
        "you": "您的门店",
        "responses": "针对竞争对手的做法，您的最佳应对",
        "response": (
            "如果{against}，您的最佳应对是<b>“{best}”</b>：{kpi}{mean}［{lo} – {hi}］。"
            "它在{share_r}的重复模拟中最好，在{share_b}的自助重抽样中最好。{gap}"
        ),
        "gap_clear": "比次优的“{runner}”多{gap}［{glo} – {ghi}］。",
        "gap_unclear": (
            "次优的“{runner}”少赚{gap}，但区间（{glo} – {ghi}）包含零差异：增加重复次数"
            "才能更确定排名。"
        ),
        "against": "{store}采用“{policy}”",
        "and": "，且",
        "dominant": "无论{rivals}怎么做，<b>“{best}”</b>都是您的最佳应对。",
        "no_dominant": "您的最佳应对取决于{rivals}的做法。",
        "rival_view": "{store}会怎样应对",
        "rival_response": "如果您采用“{policy}”，{store}的最佳应对是“{best}”（在{share}的"
        "自助重抽样中最好）。",
        "equilibria": "竞争会停在哪里（纳什均衡）",
        "eq_intro": (
            "均衡是这样一种组合：任何一家门店单独改变策略都不能多赚，到了这里谁也不想再变。"
        ),
        "eq_pure": "{profile}：{pays}。在{survival}的自助重抽样中依然成立。",
        "eq_mixed": (
            "混合均衡：{profile}。双方让对方捉摸不定；期望{pays}。"
            "在{survival}的自助重抽样中依然成立。"
        ),
        "eq_plays": "{store}采用“{policy}”",
        "eq_pay": "{store}赚{mean}［{lo} – {hi}］",
        "eq_none": "没有找到均衡。",
        "eq_pure_only": (
            "门店多于两家时只寻找纯策略均衡（每家只用一个策略），"
            "方法是检查每家门店单独改变策略的所有可能。"
        ),
        "eq_degenerate": (
            "有些策略在这里的收益完全相同（对门店没有影响），博弈是退化的："
            "均衡可能成片出现，列表未必完整。"
        ),
        "copy": "如果竞争对手照搬您的做法",
        "copy_text": (
            "如果{rivals}总是采用和您一样的策略，您的最佳选择是<b>“{best}”</b>：{mean}［{lo} – "
            "{hi}］（在{share}的自助重抽样中最好）。双方都“{base}”时：{base_mean}。"
        ),
        "market": "整个市场",
        "overlap": "，但所有组合的区间相互重叠",
        "market_text": (
            "当{best_profile}时，品类总利润（所有门店合计）最高：{cp}［{cp_lo} – {cp_hi}］"
            "{overlap}。当{best_keep}时，"
            "彻底离开该品类的顾客最少：{lost}人（最差的组合为{worst_keep}，{worst_lost}人）。"
        ),
        "maps": "收益图",
        "maps_note": (
            "每张图显示一家门店的{kpi}：行是该门店的策略，列是其他门店的策略。"
            "方框标出对每一列的最佳应对；星号标出均衡。"
        ),
        "table": "所有组合",
        "cols": ["您采用", "{rivals}采用", "您的{kpi}", "对手的{kpi}", "您的留存率"],
        "method": (
            "方法：每种组合重复{reps}次，所有组合共用种子{seed0}..{seed1}（共同随机数）。"
            "均值附t分布置信区间；差距按重复配对计算；自助法：对整次重复重抽样{boot}次。"
            "均衡：{method}。"
        ),
        "kpi": {"profit": "利润", "retention": "留存率"},
        "na": "无",
    },
}
METHODS = {
    "en": {
        "vertex enumeration (nashpy)": "vertex enumeration (nashpy), pure and mixed",
        "unilateral deviations": "pure equilibria by checking every unilateral switch",
    },
    "zh": {
        "vertex enumeration (nashpy)": "顶点枚举（nashpy），含纯策略与混合策略",
        "unilateral deviations": "逐一检查单方改变策略，只找纯策略均衡",
    },
}


def store_label(store: str, lang: str) -> str:
    k = LANGS.index(lang)
    return STORE_LABELS[store][k] if store in STORE_LABELS else store


def money(v: float, lang: str) -> str:
    if not np.isfinite(v):
        return T[lang]["na"]
    v = round(float(v)) + 0.0  # + 0.0: no "-0"
    return f"-¥{-v:,.0f}" if v < 0 else f"¥{v:,.0f}"


def value(v: float, kpi: str, lang: str) -> str:
    if kpi in ("retention", "vip_retention", "top20_revenue_share"):
        return f"{v:.1%}" if np.isfinite(v) else T[lang]["na"]
    return money(v, lang)


def pct(v: float) -> str:
    return f"{v:.0%}" if np.isfinite(v) else "n/a"


def _img(data: bytes | Path) -> str:
    raw = Path(data).read_bytes() if isinstance(data, (str, Path)) else data
    return f'<img alt="" src="{png_data_uri(raw)}">'


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
) -> str:
    """The tournament section as an HTML fragment (``<section>...</section>``)."""
    t = T[lang]
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
    you = st(focal)
    out.append(
        "<p>"
        + t["intro"].format(
            you=you[:1].upper() + you[1:],
            rivals=rivals_txt,
            reps=meta["replications"],
            customers=f"{meta['n_customers']:,}",
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
                gap=value(r["gap_mean"], kpi, lang),
                glo=value(r["gap_ci_low"], kpi, lang),
                ghi=value(r["gap_ci_high"], kpi, lang),
            )
        else:
            gap = ""
        out.append(
            "<li>"
            + t["response"].format(
                against=against,
                best=lab(r["best_policy"]),
                kpi=e(kpi_word),
                mean=value(r["best_mean"], kpi, lang),
                lo=value(r["best_ci_low"], kpi, lang),
                hi=value(r["best_ci_high"], kpi, lang),
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
                    mean=value(r0["payoff_mean"], kpi, lang),
                    lo=value(r0["payoff_ci_low"], kpi, lang),
                    hi=value(r0["payoff_ci_high"], kpi, lang),
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
                mean=value(d.loc[best, "mean"], kpi, lang),
                lo=value(d.loc[best, "ci_low"], kpi, lang),
                hi=value(d.loc[best, "ci_high"], kpi, lang),
                share=pct(d.loc[best, "share_bootstrap"]),
                base=lab(base),
                base_mean=value(d.loc[base, "mean"], kpi, lang),
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
        out.append(
            f"<h3>{e(t['market'])}</h3><p>"
            + t["market_text"].format(
                best_profile=combo(bp),
                cp=money(cp.loc[bp, "mean"], lang),
                cp_lo=money(cp.loc[bp, "ci_low"], lang),
                cp_hi=money(cp.loc[bp, "ci_high"], lang),
                overlap=t["overlap"] if cp["ci_high"].min() >= cp["ci_low"].max() else "",
                best_keep=combo(bk),
                lost=f"{lost.loc[bk, 'mean']:,.0f}",
                worst_keep=combo(wk),
                worst_lost=f"{lost.loc[wk, 'mean']:,.0f}",
            )
            + "</p>"
        )

    # -- heat-maps and the table
    if images:
        out.append(f"<h3>{e(t['maps'])}</h3><p>{e(t['maps_note'].format(kpi=kpi_word))}</p>")
        out.extend(f"<figure>{_img(img)}</figure>" for img in images.values())
    out.append(f"<h3>{e(t['table'])}</h3>")
    out.append(_table(payoffs, players, labels, kpi, lang, rivals_txt, verbs["run"]))
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
) -> str:
    t, e = T[lang], html.escape
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
                return value(r0["mean"], k, lang)
            return (
                f"{value(r0['mean'], k, lang)} [{value(r0['ci_low'], k, lang)} – "
                f"{value(r0['ci_high'], k, lang)}]"
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
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return (
        "<table><thead><tr>"
        + "".join(f"<th>{h}</th>" for h in head)
        + f"</tr></thead><tbody>{body}</tbody></table>"
    )


def page_html(title: str, sections_html: Sequence[str], lang: str) -> str:
    """The report page: the shared shell (styles, print sheet, embedded CJK font)."""
    from experiments.report_page import render_page

    return render_page(title, list(sections_html), lang)
