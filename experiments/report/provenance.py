"""Where the market's numbers come from: one section every study report ends with.

A comparison on a calibrated store rests on three kinds of input: what the store's own export
says (members, revenue, mean ticket, the customers' purchase and dropout rates), what the client
told us (a margin), and what the lab assumes (the market's structure, rivals, and every policy's
effect on customers). A store owner deciding on a policy must see which is which, and a
consultant must see when a verdict rests only on assumptions (docs/calibration.md).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from experiments.report.blocks import table
from experiments.report.page import section
from experiments.report.vocab import STORE_NAMES_ZH

_TEXT = {
    "en": {
        "title": "Where the numbers come from",
        "default": "Market: the lab's default county market (SEEDS articles); every input below "
        "is a stated assumption, not a measurement of your store.",
        "calibrated": "Market: {source}.",
        "size_members": "Your store: {members:,} members in its export; the market simulates "
        "{residents:,} residents who may shop there.",
        "size_residents": "The market simulates {residents:,} residents who may shop at "
        "{store}; results depend on that size (fixed costs against a customer base).",
        "input": "Input",
        "value": "Value",
        "from": "Comes from",
        "data": "the store's data",
        "given": "given by the store",
        "assumed": "assumed",
        "members": "members",
        "revenue": "yearly revenue",
        "ticket": "mean spend per visit",
        "margin": "gross margin",
        "rates": "purchase rates and dropout of customers",
        "rates_fitted": "fitted to the export (BTYD models; calibration.html)",
        "effects": "what each policy does to customers (satisfaction, response)",
        "effects_src": "assumed (ranges in configs/uncertainty; experiments.robustness tests them)",
        "structure": "places, rivals, word of mouth, complaints",
        "structure_src": "assumed (SEEDS articles; docs/ODD.md)",
        "unknown": "not known",
        "holdout": "holdout check (the export's last period, not used to fit)",
        "holdout_line": "Holdout check: the calibrated market's repeat purchases over the "
        "export's last period, which the fit never saw, are {error} off what happened "
        "({verdict}).",
        "holdout_good": "within ±10%: good enough to plan with",
        "holdout_bad": "beyond ±10%: treat its comparisons as indicative only",
        "holdout_none": "Holdout check: not recorded in this market file (older calibration; "
        "see its fit.json).",
        "warnings": "The calibration's warnings:",
        "no_warnings": "The calibration raised no warning.",
        "details": "Details: {file}.",
        "size_intro": "The market simulated here has {residents:,} residents (the customers "
        "counted below); {store}'s export has {members:,} members. Where each number comes "
        "from: the last section.",
        "size_intro_twin": "The customers counted below are {store}'s {members:,} members (its "
        "member twin, built from its export); the market's {residents:,} residents shop at the "
        "other stores. Where each number comes from: the last section.",
    },
    "zh": {
        "title": "数字从哪里来",
        "default": "市场：实验室默认的县域市场（依据 SEEDS 文章）；下面每一项输入都是假设，"
        "不是对您门店的测量。",
        "calibrated": "市场：{source}。",
        "size_members": "您的门店：导出数据中有 {members:,} 位会员；市场模拟 {residents:,} 位"
        "可能来店购物的居民。",
        "size_residents": "市场模拟 {residents:,} 位可能在{store}购物的居民；结果取决于这个规模"
        "（固定成本与顾客基数之比）。",
        "input": "输入",
        "value": "数值",
        "from": "来源",
        "data": "门店数据",
        "given": "门店提供",
        "assumed": "假设",
        "members": "会员数",
        "revenue": "年营业额",
        "ticket": "平均客单价",
        "margin": "毛利率",
        "rates": "顾客的购买频率与流失",
        "rates_fitted": "根据导出数据拟合（BTYD 模型；见 calibration.html）",
        "effects": "各项政策对顾客的作用（满意度、响应）",
        "effects_src": "假设（范围见 configs/uncertainty；experiments.robustness 检验）",
        "structure": "地点、竞争门店、口碑、投诉",
        "structure_src": "假设（SEEDS 文章；docs/ODD.md）",
        "unknown": "未知",
        "holdout": "留出期检验（导出数据的最后一段，未用于拟合）",
        "holdout_line": "留出期检验：校准后的市场对导出数据最后一段（拟合时未使用）的复购次数，"
        "与实际相差 {error}（{verdict}）。",
        "holdout_good": "在 ±10% 以内，可以据此做计划",
        "holdout_bad": "超出 ±10%，在此市场上的比较只能作为参考",
        "holdout_none": "留出期检验：此市场文件未记录（较早的校准，见其 fit.json）。",
        "warnings": "校准的警告（英文原文）：",
        "warnings_zh": "校准的警告：",
        "no_warnings": "校准没有发出警告。",
        "details": "详细信息：{file}。",
        "calibrated_from": "根据 {file} 校准（{date}）",
        "size_intro": "这里模拟的市场有 {residents:,} 位居民（下文所说的顾客）；"
        "{store}的导出数据中有 {members:,} 位会员。每个数字的来源见最后一节。",
        "size_intro_twin": "下文所说的顾客是{store}的 {members:,} 位会员（根据其导出数据建立的"
        "会员孪生）；市场中的 {residents:,} 位居民在其他门店购物。每个数字的来源见最后一节。",
    },
}


_SOURCE = re.compile(r"^calibrated from (?P<file>.+) on (?P<date>\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Provenance:
    """What a report or the dashboard says about the market's numbers, in one language."""

    title: str
    lines: tuple[str, ...]
    """The source, the store's size (members vs residents), the holdout check."""
    header: tuple[str, str, str]
    rows: tuple[tuple[str, str, str], ...]
    """Input, value, where it comes from (the store's data, given, assumed)."""
    warnings_title: str
    warnings: tuple[str, ...]
    """The calibration's own warnings and health notes, as it wrote them (in Chinese when the
    profile has their Chinese wording, else in English under a heading that says so)."""


def store_title(name: str, lang: str) -> str:
    """The store's name in the language (the default market's stores have Chinese names)."""
    return STORE_NAMES_ZH.get(name, name) if lang == "zh" else name


_SIZE = {
    "en": (
        "{n} customers",
        "{n} residents (the store's export: {m} members)",
        "{m} members (the store's member twin) in a market of {n} residents",
    ),
    "zh": (
        "{n}位顾客",
        "{n}位居民（门店导出数据中有{m}位会员）",
        "{m}位会员（门店的会员孪生），所在市场有{n}位居民",
    ),
}


def size_phrase(n_customers: int, members: int | None, lang: str, twin: bool = False) -> str:
    """The simulated market's size in a sentence: customers of the default market, a
    calibrated store's residents with its members (2,357 members are not 37,580 residents),
    or, on a member twin, the members first: they are the store's customers counted."""
    plain, with_members, as_twin = _SIZE[lang]
    if members is None:
        return plain.format(n=f"{n_customers:,}")
    return (as_twin if twin else with_members).format(n=f"{n_customers:,}", m=f"{members:,}")


def meta_size(meta: dict, lang: str) -> str:
    """`size_phrase` of a study's meta.json (its market config carries the store profile)."""
    market = meta.get("market_config") or {}
    prof = market.get("profile") or {}
    twin = bool(market.get("members"))
    return size_phrase(int(meta.get("n_customers", 0)), prof.get("members"), lang, twin)


def market_size(market: Any) -> str:
    """The market's size as the terminal says it (`size_phrase` in English)."""
    twin = bool(getattr(market, "members", None))
    return size_phrase(market.n_customers, market.profile.members, "en", twin)


def source_text(source: str, lang: str) -> str:
    """'calibrated from FILE on DATE' in the language."""
    m = _SOURCE.match(source)
    if lang == "zh" and m:
        return _TEXT["zh"]["calibrated_from"].format(**m.groupdict())
    return source


def provenance(market: Any, lang: str) -> Provenance:
    """The market's source, the store's size in members and residents, the calibration's
    holdout miss and warnings, and each input that drives a result marked data, given or
    assumed."""
    from sim.store_profile import format_money

    t = _TEXT[lang]
    prof = market.profile
    cal = prof.calibrated
    lines = [t["calibrated"].format(source=source_text(prof.source, lang)) if cal else t["default"]]
    if prof.members is not None:
        lines.append(t["size_members"].format(members=prof.members, residents=market.n_customers))
    else:
        lines.append(
            t["size_residents"].format(
                residents=market.n_customers, store=store_title(prof.name, lang)
            )
        )
    err = prof.holdout_error
    if cal and err is not None:
        from experiments.calibration.health import HOLDOUT_TOLERANCE  # the calibration's bar

        good = abs(err) <= HOLDOUT_TOLERANCE
        lines.append(
            t["holdout_line"].format(
                error=f"{err:+.1%}", verdict=t["holdout_good" if good else "holdout_bad"]
            )
        )
    elif cal:
        lines.append(t["holdout_none"])
    if cal and prof.fit_file:
        lines.append(t["details"].format(file=prof.fit_file))
    from experiments.report.twin_note import twin_line

    if (note := twin_line(market, lang)) is not None:
        lines.append(note)

    def src(kind: str) -> str:
        return t.get(kind, kind) if cal or kind != "data" else t["assumed"]

    def money(v: float | None) -> str:
        return t["unknown"] if v is None else format_money(v, prof, signed=False)

    rows = [
        (
            t["members"],
            t["unknown"] if prof.members is None else f"{prof.members:,}",
            src("data") if prof.members is not None else t["assumed"],
        ),
        (t["revenue"], money(prof.yearly_revenue), src("data") if cal else t["assumed"]),
        (t["ticket"], money(prof.mean_ticket), src(prof.ticket_source)),
        (t["margin"], f"{prof.margin:.0%}", src(prof.margin_source)),
        (t["rates"], "—", t["rates_fitted"] if cal else t["assumed"]),
    ]
    if cal:
        shown = t["unknown"] if err is None else f"{err:+.1%}"
        rows.append((t["holdout"], shown, t["data"]))
    rows += [(t["effects"], "—", t["effects_src"]), (t["structure"], "—", t["structure_src"])]
    said = t["warnings"] if prof.warnings else t["no_warnings"]
    listed = prof.warnings
    if lang == "zh" and prof.warnings and len(prof.warnings_zh) == len(prof.warnings):
        said, listed = t["warnings_zh"], prof.warnings_zh
    return Provenance(
        t["title"],
        tuple(lines),
        (t["input"], t["value"], t["from"]),
        tuple(rows),
        said if cal else "",
        tuple(listed),
    )


def provenance_html(p: Provenance) -> str:
    """The facts as HTML: the lines, the table, the warnings (the report's section body and
    the dashboard's market note)."""
    out = "".join(f"<p>{html.escape(s)}</p>" for s in p.lines)
    out += table(
        list(p.header),
        [[html.escape(c) for c in r] for r in p.rows],
        cls="provenance",
        name_col=0,
    )
    if p.warnings_title:
        out += f'<p class="provenance-warnings">{html.escape(p.warnings_title)}</p>'
    if p.warnings:
        out += (
            '<ul class="provenance-warnings">'
            + "".join(f"<li>{html.escape(w)}</li>" for w in p.warnings)
            + "</ul>"
        )
    return out


def size_intro(market: Any, lang: str) -> str:
    """For a store whose export gave its members: one paragraph at the top of a report saying
    that the market's simulated customers are residents, not the store's members (empty
    otherwise: the default market's customers are all there is)."""
    prof = getattr(market, "profile", None)
    if prof is None or not prof.calibrated or prof.members is None:
        return ""
    key = "size_intro_twin" if getattr(market, "members", None) else "size_intro"
    line = _TEXT[lang][key].format(
        residents=market.n_customers, members=prof.members, store=store_title(prof.name, lang)
    )
    return f'<p class="size-intro">{html.escape(line)}</p>'


def provenance_section(market: Any, lang: str) -> str:
    """The section every study report ends with (`provenance`)."""
    p = provenance(market, lang)
    return section(p.title, provenance_html(p), id="provenance")
