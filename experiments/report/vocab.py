"""The shared vocabulary of every report, in both languages: the languages themselves, policy,
store and segment names. Each study keeps its own sentences in one place too
(``experiments/studies/<study>/vocab.py``), English and Chinese side by side."""

from __future__ import annotations

from typing import Any

LANGS = ("en", "zh")
"""Report languages: English and simplified Chinese (简体中文)."""

POLICY_LABELS: dict[str, tuple[str, str]] = {
    "none": ("Doing nothing", "什么都不做"),
    "gift_budget": ("Gift budget", "礼品预算"),
    "promotions": ("Promotions", "促销活动"),
    "celebrity_event": ("Celebrity event", "明星答谢会"),
    "referral_points": ("Referral points", "推荐积分"),
    "promo_blacklist": ("Promotion blacklist", "促销黑名单"),
    "complaint_recovery": ("Complaint recovery", "投诉补救"),
    "reactivation": ("Reactivation gifts", "唤醒沉默/沉睡顾客"),
    "vip_privileges": ("VIP privileges", "VIP特权"),
    "education_events": ("Education events", "子女教育活动"),
    "vip_program": ("VIP programme (bundle)", "VIP计划（组合）"),
    "promotions_blacklist": ("Promotions + blacklist", "促销+黑名单"),
    "service_budget": ("Service-innovation budget", "服务创新预算"),
    "win_back": ("Win-back (bundle)", "挽回沉默顾客（组合）"),
    "thank_you_call": ("Thank-you call", "感谢回访电话"),
}
"""Plain-language names; a policy config may set its own `label` / `label_zh`."""

STORE_NAMES_ZH: dict[str, str] = {
    "Your county store": "您的县城门店",
    "Rival county store": "县城竞争门店",
    "County B store": "B县门店",
    "National-brand city store": "地级市全国品牌门店",
    "Local city store": "地级市本地门店",
    "Town A shop": "A镇小店",
    "Town B shop": "B镇小店",
}
"""Chinese names of the default market's stores (other names are shown as written)."""

SEGMENT_LABELS = {
    "sleeping": ("Sleeping", "沉睡"),
    "silent": ("Silent", "沉默"),
    "promo_only": ("Promo-only\n(low value)", "低价低频"),
    "high_total_spend": ("High total\nspend", "高消费总额"),
    "high_ticket": ("High ticket", "高客单价"),
    "high_loyalty": ("High loyalty", "高忠诚"),
    "promo_frequent": ("Promo,\nfrequent", "低价高频"),
    "regular": ("Regular", "普通"),
}
"""Member segments (`sim.segments`) in plain words, (English, Chinese)."""


def policy_labels(
    policies: list[str], lang: str, custom: dict[str, Any] | None = None
) -> dict[str, str]:
    """Display name of each policy in the language (config `label`/`label_zh` first)."""
    k = LANGS.index(lang)
    out = {}
    for p in policies:
        own = (custom or {}).get(p)
        if isinstance(own, dict) and own.get(lang):
            out[p] = str(own[lang])
        elif isinstance(own, str) and lang == "en":
            out[p] = own
        elif p in POLICY_LABELS:
            out[p] = POLICY_LABELS[p][k]
        else:
            out[p] = p.replace("_", " ").capitalize()
    return out


def currency_of(meta: dict[str, Any] | None) -> tuple[str, str]:
    """(symbol, ISO code) of the market's store profile recorded in meta.json (CNY: ¥)."""
    from sim.store_profile import CURRENCIES

    prof = ((meta or {}).get("market_config") or {}).get("profile") or {}
    code = prof.get("currency") or "CNY"
    return prof.get("symbol") or CURRENCIES.get(code, code), code


def in_currency(strings: dict[str, Any], meta: dict[str, Any] | None) -> dict[str, Any]:
    """The strings with the money of the store a study's meta.json records (`in_money`)."""
    return in_money(strings, *currency_of(meta))


def in_money(strings: dict[str, Any], symbol: str, code: str) -> dict[str, Any]:
    """The strings with the store's money in place of the yuan they are written in (a store
    calibrated from a dollar export reads dollars everywhere)."""
    if code == "CNY":
        return strings

    def swap(v: Any) -> Any:
        if isinstance(v, str):
            v = v.replace("¥", symbol).replace("(yuan)", f"({code})").replace("yuan", code)
            return v.replace("（元）", f"（{code}）").replace("1元", f"1 {code}")
        if isinstance(v, (list, tuple)):
            return type(v)(swap(x) for x in v)
        if isinstance(v, dict):
            return {k: swap(x) for k, x in v.items()}
        return v

    return {k: swap(v) for k, v in strings.items()}
