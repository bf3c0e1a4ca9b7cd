"""Every label of the dashboard in English and simplified Chinese (`tr(lang, key)`)."""

from __future__ import annotations

from typing import Any

from experiments.report import POLICY_LABELS, STORE_NAMES_ZH

LANGS = {"en": "English", "zh": "简体中文"}

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Store Retention Lab — live market",
        "subtitle": (
            "Your store runs the chosen policy; its twin runs the baseline (doing nothing) on the "
            "very same customers and the same luck (same seed). Every gap between them is the "
            "policy's doing."
        ),
        "language": "Language",
        "policy": "Your store's policy",
        "customers": "Customers in the market",
        "years": "Years to simulate",
        "seed": "Seed (same seed = same customers)",
        "speed": "Weeks per play step",
        "play": "Play",
        "pause": "Pause",
        "step": "Step 1 week",
        "reset": "Restart",
        "restart_note": "Changing a setting starts a new run from the first week.",
        "date": "Date",
        "week": "week {t} of {n}",
        "finished": "finished",
        "tab_compare": "Side by side",
        "tab_market": "The market",
        "tab_story": "A customer's story",
        "profit": "Profit so far (¥)",
        "active": "Active customers",
        "vip_retention": "Top-20% customers still buying",
        "diff": "Difference vs baseline",
        "chosen": "With the policy",
        "baseline": "Baseline: doing nothing",
        "card_profit": "Profit difference so far",
        "card_active": "Active customers difference",
        "card_vip": "Top-20% kept, difference",
        "pp": "{v} percentage points",
        "no_value_yet": "No top-20% customers yet:\nnobody has bought since the start.",
        "week0_note": (
            "Week 0: nothing has happened yet, so every difference is zero. Each panel shows "
            "one point; press Play or Step 1 week and the lines grow from it."
        ),
        "card_profit_hv": "With customers kept valued",
        "hv_pending": "from week {t}",
        "hv_note": (
            "With customers kept valued: the profit difference so far plus the difference in "
            "what the customers each run has now are still worth (last year's profit x the "
            "years they are expected to keep buying, discounted 10% a year). A cost that buys "
            "the year after it (the year-end gala) is spread over that year. Needs two years "
            "of the run to measure retention."
        ),
        "size_note": (
            "Market: {n} customers (the default market of every tool); your store had {m} "
            "customers at the start."
        ),
        "size_note_store": (
            "Market: {n} residents ({store}'s market, {source}; {members} members in its "
            "export); your store had {m} customers at the start."
        ),
        "scale_prefix": "Scale check: ",
        "scale_half": "{label} may not pay in a smaller store: {fixed} a year of its cost is "
        "fixed (events, campaigns) and it gains only {diff} a year so far, so with half as many "
        "customers, and the rest of its effect halved, it would lose money.",
        "scale_double": "{label} may pay in a larger store: {fixed} a year of its cost is fixed, "
        "more than twice its loss so far ({diff} a year), so with twice as many customers, and "
        "the rest of its effect doubled, it would earn more than it costs.",
        "scale_holds": "Scale check: {label} pays {fixed} a year in fixed costs (events, "
        "campaigns) against {diff} a year so far: its verdict holds in a store half or twice "
        "this size.",
        "scale_wait": "Scale check: {label} pays {fixed} a year in fixed costs (events, "
        "campaigns); after the first year this note says whether it would still pay in a store "
        "half or twice this size.",
        "scale_no_fixed": "Scale check: {label} has no fixed costs, so a smaller or larger store "
        "does not turn its verdict around through them.",
        "defs": (
            "Active: bought at your store in the last 180 days. Top-20% customers: your store's "
            "biggest spenders so far (the top fifth), counted as kept while still active."
        ),
        "map_title": "Places by tier and their stores",
        "map_note": (
            "Arrows: where the customers your store had at the start spent in the last 13 weeks "
            "(width = share of their spending)."
        ),
        "flows_title": "Where your store's original customers spend",
        "flows_note": (
            "Share of their spending by the tier of the store, per quarter (13 weeks). They were "
            "picked for having bought at your store, so at first their spending leans to your "
            "county store and then settles back to their usual mix: most of the first year's "
            "change is that. On top of it, elites (business owners, officials) drift up to the "
            "city a little more each year, so their prefecture band keeps growing slowly."
        ),
        "elites": "Elites",
        "others": "Everyone else",
        "losing_title": "Top-20% customers you are losing",
        "losing_note": (
            "Your biggest spenders who have not bought here for 13 weeks or more, or who now spend "
            "most of their money elsewhere. {n} of {m} top customers."
        ),
        "losing_shown": " Below, the {k} who have been away longest.",
        "none_losing": "None of your top customers is slipping away yet.",
        "col_customer": "Customer",
        "col_class": "Who",
        "col_home": "Lives in",
        "col_spend": "Spent here ¥",
        "col_weeks": "Weeks since last visit",
        "col_elsewhere": "Recent spend elsewhere",
        "col_where": "Mostly at",
        "col_satisfaction": "Satisfaction here",
        "pick": "Customer",
        "pick_note": "Your top-20% customers first (those you are losing at the top).",
        "which_run": "Run",
        "profile": (
            "{cls}, lives in {home}, works in {work}. In the market: {state}. "
            "At your store: {segment} (segment)."
        ),
        "purchases": "Purchases",
        "no_purchases": "No purchases yet.",
        "satisfaction": "Satisfaction with each store",
        "complaints": "Complaints",
        "no_complaints": "No complaints.",
        "complaint_row": "{date}: complained at {store}, {resolved}",
        "resolved": "resolved",
        "unresolved": "not resolved",
        "referred_by": "Referred by: {who}",
        "referred": "Referred: {who}",
        "nobody": "nobody",
        "came_via": "Came via: {via}",
        "amount": "Amount (¥)",
        "tier_prefecture": "Prefecture city",
        "tier_county": "County",
        "tier_town": "Town",
    },
    "zh": {
        "title": "门店留客实验室 —— 实时市场",
        "subtitle": (
            "您的门店执行所选策略；它的“孪生门店”执行基准策略（什么都不做），面对完全相同的顾客"
            "和相同的运气（相同的种子）。两者之间的每一点差距都来自策略本身。"
        ),
        "language": "语言",
        "policy": "您门店的策略",
        "customers": "市场中的顾客数",
        "years": "模拟年数",
        "seed": "种子（相同种子 = 相同顾客）",
        "speed": "每次播放推进的周数",
        "play": "播放",
        "pause": "暂停",
        "step": "前进1周",
        "reset": "重新开始",
        "restart_note": "修改任何设置都会从第一周重新开始模拟。",
        "date": "日期",
        "week": "第{t}周，共{n}周",
        "finished": "已结束",
        "tab_compare": "并排对比",
        "tab_market": "市场全景",
        "tab_story": "顾客故事",
        "profit": "累计利润（元）",
        "active": "活跃顾客数",
        "vip_retention": "前20%大客户仍在购买的比例",
        "diff": "与基准之差",
        "chosen": "执行策略",
        "baseline": "基准：什么都不做",
        "card_profit": "累计利润差",
        "card_active": "活跃顾客数差",
        "card_vip": "前20%大客户留存差",
        "pp": "{v}个百分点",
        "no_value_yet": "还没有前20%大客户：\n开局以来还没有人购买。",
        "week0_note": (
            "第0周：什么都还没发生，所以所有差值都是零。每幅图只有一个点；点“播放”或“前进1周”，"
            "曲线就从这个点开始延伸。"
        ),
        "card_profit_hv": "含留住顾客的价值",
        "hv_pending": "第{t}周起",
        "hv_note": (
            "含留住顾客的价值：累计利润差加上每次模拟结束时留下的顾客仍值多少（去年的年利润 × "
            "预计他们还会继续购买的年数，每年折现10%）。为下一年买来好处的支出（年末答谢晚会）"
            "分摊到那一年。需要模拟满两年才能测出留存率。"
        ),
        "size_note": "市场：{n}位顾客（所有工具共用的默认市场）；开局时您的门店有{m}位顾客。",
        "size_note_store": (
            "市场：{n}位居民（{store}的市场，{source}；导出数据中有{members}位会员）；"
            "开局时您的门店有{m}位顾客。"
        ),
        "scale_prefix": "规模检验：",
        "scale_half": "{label}在更小的门店可能不划算：每年有 {fixed} 是固定成本（活动、推广），"
        "而到目前为止它每年只多赚 {diff}；顾客减半、其余效果也减半时，它会亏钱。",
        "scale_double": "{label}在更大的门店可能划算：每年有 {fixed} 是固定成本，超过它到目前为止"
        "亏损额（每年 {diff}）的两倍；顾客加倍、其余效果也加倍时，它会赚回成本。",
        "scale_holds": "规模检验：{label}每年有 {fixed} 固定成本（活动、推广），到目前为止每年多赚 "
        "{diff}：门店规模减半或加倍，它的结论都不变。",
        "scale_wait": "规模检验：{label}每年有 {fixed} 固定成本（活动、推广）；模拟满一年后，"
        "这里会说明它在规模减半或加倍的门店是否仍然划算。",
        "scale_no_fixed": "规模检验：{label}没有固定成本，门店变小或变大不会因此扭转它的结论。",
        "defs": (
            "活跃：近180天内在您门店有购买。前20%大客户：到目前为止在您门店消费最多的五分之一"
            "顾客，仍活跃即算留住。"
        ),
        "map_title": "各层级地点及其门店",
        "map_note": "箭头：开局时您门店的顾客最近13周把钱花在哪里（宽度 = 消费占比）。",
        "flows_title": "您门店的老顾客在哪里消费",
        "flows_note": (
            "按门店层级划分的消费占比，每季度（13周）一个点。这些顾客是因为在您门店买过东西才被选出来的，"
            "所以开始时他们的消费偏向您所在的县城门店，随后回到各自平常的消费结构：第一年的变化大多来自这一点。"
            "在此之上，精英（企业老板、干部）每年都更多地向地级市“向上漂移”，所以他们在地级市那一块会继续缓慢变大。"
        ),
        "elites": "精英",
        "others": "其他顾客",
        "losing_title": "正在流失的前20%大客户",
        "losing_note": "13周以上没来购买、或现在大部分钱花在别处的大客户：{m}位大客户中有{n}位。",
        "losing_shown": "下表列出离开最久的{k}位。",
        "none_losing": "目前还没有大客户在流失。",
        "col_customer": "顾客",
        "col_class": "身份",
        "col_home": "居住地",
        "col_spend": "在本店消费 ¥",
        "col_weeks": "距上次购买（周）",
        "col_elsewhere": "近期在别处消费占比",
        "col_where": "主要去",
        "col_satisfaction": "对本店满意度",
        "pick": "顾客",
        "pick_note": "先列出您的前20%大客户（正在流失的排在最前）。",
        "which_run": "哪一次模拟",
        "profile": (
            "{cls}，住在{home}，在{work}工作。在整个市场：{state}。在您的门店：{segment}（客群）。"
        ),
        "purchases": "购买记录",
        "no_purchases": "还没有购买。",
        "satisfaction": "对各门店的满意度",
        "complaints": "投诉",
        "no_complaints": "没有投诉。",
        "complaint_row": "{date}：在{store}投诉，{resolved}",
        "resolved": "已解决",
        "unresolved": "未解决",
        "referred_by": "推荐人：{who}",
        "referred": "推荐了：{who}",
        "nobody": "无",
        "came_via": "来源：{via}",
        "amount": "金额（元）",
        "tier_prefecture": "地级市",
        "tier_county": "县城",
        "tier_town": "乡镇",
    },
}

CLASS_LABELS = {
    "wage_earner": ("Wage earner", "工薪阶层"),
    "rural": ("Rural resident", "农村居民"),
    "small_business": ("Small business owner", "个体工商户"),
    "grassroots_official": ("Grassroots official", "基层干部"),
    "business_elite": ("Business elite", "企业老板"),
    "middle_official": ("Middle official", "中层干部"),
}
STATE_LABELS = {
    "prospect": ("not yet a customer", "尚未成为顾客"),
    "active": ("bought somewhere in the last 180 days", "近180天内在某家门店买过"),
    "silent": ("no purchase anywhere for 180 days to a year", "180天到一年没在任何门店购买"),
    "sleeping": ("no purchase anywhere for a year or more", "一年以上没在任何门店购买"),
    "churned": ("gone from the category", "已不再购买珠宝"),
}
VIA_LABELS = (
    ("already a customer at the start", "开局时已是顾客"),
    ("came on their own", "自己找来"),
    ("word of mouth", "口碑"),
    ("a referral", "他人推荐"),
)
PLACE_LABELS = {
    "prefecture_city": ("Prefecture city", "地级市"),
    "county_a": ("County A", "A县"),
    "county_b": ("County B", "B县"),
    "town_a1": ("Town A1", "A1镇"),
    "town_a2": ("Town A2", "A2镇"),
    "town_b1": ("Town B1", "B1镇"),
    "town_b2": ("Town B2", "B2镇"),
}


def tr(lang: str, key: str, **kw: Any) -> str:
    """The text for `key` in `lang` (English when missing), formatted with `kw`."""
    s = TEXT.get(lang, TEXT["en"]).get(key) or TEXT["en"][key]
    return s.format(**kw) if kw else s


def size_note(lang: str, market: Any, at_start: int) -> str:
    """The market's size in the page's words: the default market's customers, or a
    calibrated store's residents with its members and where it comes from."""
    from experiments.report.provenance import source_text, store_title

    prof = market.profile
    if not prof.calibrated:
        return tr(lang, "size_note", n=f"{market.n_customers:,}", m=f"{at_start:,}")
    members = "?" if prof.members is None else f"{prof.members:,}"
    return tr(
        lang,
        "size_note_store",
        n=f"{market.n_customers:,}",
        m=f"{at_start:,}",
        store=store_title(prof.name, lang),
        source=source_text(prof.source, lang),
        members=members,
    )


def money(label: str, profile: Any = None) -> str:
    """A label written in yuan (``Profit so far (¥)``) in the store's currency."""
    from experiments.report.vocab import in_money

    if profile is None:
        return label
    return in_money({"s": label}, profile.currency_symbol, profile.currency)["s"]


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "zh" else pair[0]


def policy_label(name: str, lang: str, config: dict[str, Any] | None = None) -> str:
    """A policy config's display name (its own `label`/`label_zh` first)."""
    config = config or {}
    own = config.get("label_zh" if lang == "zh" else "label")
    if own:
        return str(own)
    if name in POLICY_LABELS:
        return _pick(POLICY_LABELS[name], lang)
    return name.replace("_", " ").capitalize()


def store_label(spec: Any, lang: str) -> str:
    """A store's display name from its config (`name`), translated for the default market."""
    name = getattr(spec, "name", None) or str(spec.id).replace("_", " ").capitalize()
    return STORE_NAMES_ZH.get(name, name) if lang == "zh" else name


def place_label(place: str, lang: str) -> str:
    if place in PLACE_LABELS:
        return _pick(PLACE_LABELS[place], lang)
    return place.replace("_", " ").title()


def class_label(cls: str, lang: str) -> str:
    return _pick(CLASS_LABELS.get(cls, (cls, cls)), lang)


def state_label(state: str, lang: str) -> str:
    return _pick(STATE_LABELS.get(state, (state, state)), lang)


def via_label(code: int, lang: str) -> str:
    return _pick(VIA_LABELS[code], lang) if 0 <= code < len(VIA_LABELS) else str(code)


def tier_label(tier: str, lang: str) -> str:
    return tr(lang, f"tier_{tier}") if f"tier_{tier}" in TEXT["en"] else tier
