"""The store-profile block of calibration.html (both languages): who the store is, in its own
money, and which inputs are from the export and which are assumed."""

from __future__ import annotations

import html

from sim.store_profile import StoreProfile

__all__ = ["profile_of", "profile_section", "spend_sentence", "spend_warning_text"]

TEXT = {
    "en": {
        "head": "The store",
        "currency": "Currency",
        "members": "Members in the export",
        "revenue": "Revenue, last 365 days",
        "ticket": "Mean spend per visit",
        "margin": "Gross margin",
        "source": "Source",
        "data": "from the data",
        "given": "given for this store",
        "assumed": "assumed",
        "assumptions": "Assumed, not from the data: ",
        "warning": "Spend model: ",
        "spend": "Spend per visit: {actual} actual, {predicted} predicted ({err}).",
        "spend_assumed": "Spend per visit is not in the log: {spend} is assumed for every visit "
        "(--spend-per-visit or the market default), so revenue and profit "
        "figures rest on it.",
    },
    "zh": {
        "head": "门店概况",
        "currency": "币种",
        "members": "导出数据中的会员数",
        "revenue": "最近 365 天营业额",
        "ticket": "平均客单价（每次到店）",
        "margin": "毛利率",
        "source": "来源",
        "data": "来自数据",
        "given": "门店提供",
        "assumed": "假设",
        "assumptions": "以下为假设而非来自数据：",
        "warning": "消费模型：",
        "spend": "每次到店消费：实际 {actual}，模型 {predicted}（误差 {err}）。",
        "spend_assumed": "数据中没有消费金额：每次到店按 {spend} 计"
        "（--spend-per-visit 或市场默认值），营业额和利润都以此为前提。",
    },
}


def profile_of(payload: dict) -> StoreProfile:
    """The payload's store profile (the default county store for an old fit.json)."""
    return StoreProfile(**payload["profile"]) if payload.get("profile") else StoreProfile()


def spend_sentence(payload: dict, lang: str, pct) -> str | None:
    """The spend-per-visit line of the holdout section, in the store's currency."""
    t, prof = TEXT[lang], profile_of(payload)
    sp = payload["holdout"].get("spend_per_visit")
    if sp:
        return t["spend"].format(
            actual=prof.money(sp["actual"]),
            predicted=prof.money(sp["predicted"]),
            err=pct(sp["error"]),
        )
    if payload.get("profile") and payload["profile"].get("ticket_source") == "assumed":
        return t["spend_assumed"].format(spend=prof.money(prof.mean_ticket or 0, decimals=2))
    return None


def profile_section(payload: dict, lang: str) -> tuple[str, str]:
    """(heading, html) of the store block: figures with their source, then assumptions."""
    t, prof = TEXT[lang], profile_of(payload)
    esc = html.escape

    def row(label: str, value: str, source: str) -> str:
        return f"<tr><td>{esc(label)}</td><td>{esc(value)}</td><td>{esc(t[source])}</td></tr>"

    currency_source = payload.get("currency_source", "given")  # older fit.json: given
    rows = [
        row(t["currency"], f"{prof.currency} ({prof.currency_symbol.strip()})", currency_source),
        row(t["members"], "n/a" if prof.members is None else f"{prof.members:,}", "data"),
        row(t["revenue"], prof.money(prof.yearly_revenue), prof.ticket_source),
        row(t["ticket"], prof.money(prof.mean_ticket, decimals=2), prof.ticket_source),
        row(t["margin"], f"{prof.margin:.0%}", prof.margin_source),
    ]
    body = f"<table><tr><th></th><th></th><th>{esc(t['source'])}</th></tr>{''.join(rows)}</table>"
    lines = _assumed(prof, lang, currency_source)
    if lines:
        body += f"<p>{esc(t['assumptions'])}{esc('; '.join(lines))}.</p>"
    for warning in payload.get("spend_warnings") or []:
        body += (
            f"<p><strong>{esc(t['warning'])}</strong>{esc(spend_warning_text(warning, lang))}</p>"
        )
    return t["head"], body


def _assumed(prof: StoreProfile, lang: str, currency_source: str = "given") -> list[str]:
    out = []
    zh = lang == "zh"
    if currency_source == "assumed":
        out.append(
            f"币种 {prof.currency}（默认值，可用 --currency 设定）"
            if zh
            else f"currency {prof.currency} (the default; set it with --currency)"
        )
    if prof.ticket_source == "assumed" and prof.mean_ticket is not None:
        spend = prof.money(prof.mean_ticket, decimals=2)
        out.append(f"每次到店消费 {spend}" if zh else f"spend per visit {spend}")
    if prof.margin_source == "assumed":
        out.append(
            f"毛利率 {prof.margin:.0%}（市场默认值，可用 --margin 设定）"
            if zh
            else f"gross margin {prof.margin:.0%} (the market default; set it with --margin)"
        )
    return out


def spend_warning_text(w: dict, lang: str) -> str:
    """A spend warning (`spend_warnings`) in the language, worded from its kind and figures."""
    if lang != "zh":
        return w["text"]
    if w["kind"] == "constant":
        return (
            f"每笔消费都是 {w['spend']}（金额不变）：Gamma-Gamma 消费模型无从拟合，"
            "每次消费实际上是固定的（金额列是否为价目表？）"
        )
    if w["kind"] == "bound":
        return (
            f"Gamma-Gamma 消费模型的参数 {w['params']} 停在搜索边界："
            "数据无法说明消费的差异，消费数字只能作粗略参考"
        )
    return (
        f"Gamma-Gamma 消费模型退化（p = {w['p']:,.0f}，q = {w['q']:,.0f}）："
        "到店之间、顾客之间的消费几乎没有差异"
    )
