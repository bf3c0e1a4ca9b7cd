"""Where the market's numbers come from: one section every study report ends with.

A comparison on a calibrated store rests on three kinds of input: what the store's own export
says (members, revenue, mean ticket, the customers' purchase and dropout rates), what the client
told us (a margin), and what the lab assumes (the market's structure, rivals, and every policy's
effect on customers). A store owner deciding on a policy must see which is which, and a
consultant must see when a verdict rests only on assumptions (docs/calibration.md).
"""

from __future__ import annotations

import html
from typing import Any

from experiments.report.blocks import table
from experiments.report.page import section

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
    },
}


def provenance_section(market: Any, lang: str) -> str:
    """The section: the market's source, the store's size in members and residents, and a
    table of the inputs that drive the result, each marked data, given or assumed."""
    from sim.store_profile import format_money

    t = _TEXT[lang]
    prof = market.profile
    cal = prof.calibrated
    lines = [t["calibrated"].format(source=prof.source) if cal else t["default"]]
    if prof.members is not None:
        lines.append(t["size_members"].format(members=prof.members, residents=market.n_customers))
    else:
        lines.append(t["size_residents"].format(residents=market.n_customers, store=prof.name))
    from experiments.report.twin_note import twin_line

    if (note := twin_line(market, lang)) is not None:
        lines.append(note)

    def src(kind: str) -> str:
        return t.get(kind, kind) if cal or kind != "data" else t["assumed"]

    def money(v: float | None) -> str:
        return t["unknown"] if v is None else format_money(v, prof, signed=False)

    rows = [
        [
            t["members"],
            t["unknown"] if prof.members is None else f"{prof.members:,}",
            src("data") if prof.members is not None else t["assumed"],
        ],
        [t["revenue"], money(prof.yearly_revenue), src("data") if cal else t["assumed"]],
        [t["ticket"], money(prof.mean_ticket), src(prof.ticket_source)],
        [t["margin"], f"{prof.margin:.0%}", src(prof.margin_source)],
        [t["rates"], "—", t["rates_fitted"] if cal else t["assumed"]],
        [t["effects"], "—", t["effects_src"]],
        [t["structure"], "—", t["structure_src"]],
    ]
    body = "".join(f"<p>{html.escape(s)}</p>" for s in lines) + table(
        [t["input"], t["value"], t["from"]],
        [[html.escape(c) for c in r] for r in rows],
        cls="provenance",
        name_col=0,
    )
    return section(t["title"], body, id="provenance")
