"""Every word the design study shows, in English and Chinese, in one place."""

from __future__ import annotations

LANGS = ("en", "zh")

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Designing {policy} for {store}",
        "answer": "Answer",
        "do": "Set {settings}. On customers the search never saw it earns {fresh} a year "
        "more than {baseline} (95% range {lo} to {hi}); the shipped settings earn {shipped}.",
        "do_nothing": "Keep it simple: no setting of {policy} that was tried earns clearly more "
        "than {baseline} on fresh customers (best: {fresh} a year, 95% range {lo} to {hi}).",
        "sure_clear": "How sure: clearly better than {baseline} — the whole range is above zero.",
        "sure_unclear": "How sure: not clearly better than {baseline} — the range includes no "
        "difference.",
        "vs_shipped_clear": "Against the shipped settings: {diff} a year (95% range {lo} to {hi}), "
        "a clear difference.",
        "vs_shipped_unclear": "Against the shipped settings: {diff} a year (95% range {lo} to "
        "{hi}), not a clear difference.",
        "curse": "The search itself measured {search} a year for this setting; on fresh seeds "
        "{fresh}. The drop ({drop}) is the luck of the search's seeds, which flatters whatever a "
        "search picks out (the optimiser's curse); the fresh figure is the one to plan with.",
        "no_curse": "The search itself measured {search} a year for this setting; on fresh seeds "
        "{fresh}, no lower: the search's figure was not flattered by the luck of its seeds.",
        "retention": "Retention: {ret} percentage points against {baseline}.",
        "front_line": "The trade-off: {n} of the tried settings are on the profit-retention "
        "front (no other tried setting beats them on both); on the search's seeds their profit "
        "runs from {p_lo} to {p_hi} a year and their retention from {r_lo} to {r_hi} points "
        "(pareto.csv and the trade-off figure).",
        "levers": "What was searched",
        "col_lever": "Lever",
        "col_meaning": "Meaning",
        "col_range": "Range searched",
        "col_shipped": "Shipped",
        "col_chosen": "Chosen",
        "candidates": "The best settings, checked again on fresh customers",
        "col_trial": "Trial",
        "col_search": "Profit a year (search)",
        "col_fresh": "Profit a year (fresh)",
        "col_drop": "Fresh − search",
        "col_ret": "Retention (points)",
        "figures": "How profit responds",
        "fig_response_caption": "Each dot is one tried setting (profit difference a year with its "
        "95% range, on the search's customers); open diamonds are the same settings on fresh "
        "customers; the star is the chosen setting; the dashed line the shipped setting.",
        "fig_front_caption": "Profit against retention for every tried setting; the line joins the "
        "settings no other beats on both; arrows go from the search's figure to the fresh one.",
        "method": "How this was computed",
        "method_text": "{sampler} tried {trials} settings of {policy}'s levers (what the store "
        "decides; the customers' responses stay at their assumed values). Each setting ran "
        "{reps} times on a market of {customers} over {years} years, each time with "
        "the same random customers and luck as {baseline} (common random numbers), so the "
        "difference is paired. The best {top} were then run {fresh_reps} more times with seeds "
        "the search never used.{robust}",
        "robust_text": " Each run was repeated in {scenarios} scenarios of the uncertain "
        "assumptions (configs/uncertainty), and settings were judged by {mode}.",
        "mode_mean": "their average over the scenarios",
        "mode_worst": "their worst scenario",
        "mode_regret": "their largest shortfall against the better of doing nothing and the "
        "shipped settings",
        "tpe": "A Bayesian search (Optuna's TPE)",
        "nsga": "An evolutionary search for the profit-retention trade-off (Optuna's NSGA-II)",
        "fig_search": "search",
        "fig_fresh": "fresh seeds",
        "fig_best": "chosen",
        "fig_shipped": "shipped",
        "fig_trials": "tried settings",
        "fig_front": "front",
        "fig_profit_axis": "profit difference a year",
        "fig_retention_axis": "retention difference (percentage points)",
        "fig_response_title": "Profit against each lever",
        "fig_front_title": "Profit and retention: the trade-off",
        "none": "doing nothing",
        "footer": "Store Retention Lab · experiments.design",
    },
    "zh": {
        "title": "为{store}设计{policy}",
        "answer": "结论",
        "do": "建议设置：{settings}。在搜索从未用过的顾客上，每年比{baseline}多赚 {fresh}"
        "（95% 区间 {lo} 至 {hi}）；出厂设置每年多赚 {shipped}。",
        "do_nothing": "保持现状：{policy}试过的设置在新顾客上都没有明显比{baseline}赚得多"
        "（最好的一种每年 {fresh}，95% 区间 {lo} 至 {hi}）。",
        "sure_clear": "把握：明显好于{baseline}——整个区间都在零以上。",
        "sure_unclear": "把握：并不明显好于{baseline}——区间包含“没有差别”。",
        "vs_shipped_clear": "与出厂设置相比：每年 {diff}（95% 区间 {lo} 至 {hi}），差别明显。",
        "vs_shipped_unclear": "与出厂设置相比：每年 {diff}（95% 区间 {lo} 至 {hi}），差别不明显。",
        "curse": "搜索时测得该设置每年 {search}；换一批新的随机种子后为 {fresh}。"
        "下降的部分（{drop}）是搜索种子的运气，它会抬高搜索挑出的任何设置（“优化者的诅咒”）；"
        "做计划请用新种子的数字。",
        "no_curse": "搜索时测得该设置每年 {search}；换一批新的随机种子后为 {fresh}，并没有更低："
        "搜索时的数字并没有因搜索种子的运气而偏高。",
        "retention": "留存率：比{baseline}变化 {ret} 个百分点。",
        "front_line": "权衡：尝试过的设置中有 {n} 种位于利润与留存的前沿"
        "（没有其他设置在两项上都超过它们）；"
        "在搜索的种子上，它们的年利润从 {p_lo} 到 {p_hi}，留存从 {r_lo} 到 {r_hi} 个百分点"
        "（见 pareto.csv 和权衡图）。",
        "levers": "搜索了哪些设置",
        "col_lever": "设置项",
        "col_meaning": "含义",
        "col_range": "搜索范围",
        "col_shipped": "出厂值",
        "col_chosen": "建议值",
        "candidates": "最好的几种设置，在新顾客上再检验一次",
        "col_trial": "试验",
        "col_search": "每年利润（搜索）",
        "col_fresh": "每年利润（新种子）",
        "col_drop": "新种子 − 搜索",
        "col_ret": "留存（百分点）",
        "figures": "利润如何随设置变化",
        "fig_response_caption": "每个点是一种试过的设置（每年利润差及其 95% 区间，搜索用的顾客）；"
        "空心菱形是同一设置在新顾客上的结果；星号是建议设置；虚线是出厂设置。",
        "fig_front_caption": "每种设置的利润与留存；连线连接两项都不被其他设置超过的设置；"
        "箭头从搜索时的数字指向新种子的数字。",
        "method": "计算方法",
        "method_text": "{sampler}试了{policy}的 {trials} 种设置（门店自己能决定的部分；"
        "顾客的反应保持假设值）。每种设置在{customers}、{years} 年的市场上运行 {reps} 次，"
        "每次与{baseline}使用相同的随机顾客和运气（共同随机数），因此差值是配对的。"
        "最好的 {top} 种再用搜索从未用过的种子运行 {fresh_reps} 次。{robust}",
        "robust_text": "每次运行都在不确定假设的 {scenarios} 个情景中重复（configs/uncertainty），"
        "并按{mode}评判设置。",
        "mode_mean": "各情景的平均",
        "mode_worst": "最差的情景",
        "mode_regret": "相对于“什么都不做”和出厂设置中较好者的最大差距",
        "tpe": "贝叶斯搜索（Optuna 的 TPE）",
        "nsga": "针对利润与留存权衡的进化搜索（Optuna 的 NSGA-II）",
        "fig_search": "搜索",
        "fig_fresh": "新种子",
        "fig_best": "建议",
        "fig_shipped": "出厂",
        "fig_trials": "试过的设置",
        "fig_front": "前沿",
        "fig_profit_axis": "每年利润差",
        "fig_retention_axis": "留存差（百分点）",
        "fig_response_title": "利润与各项设置",
        "fig_front_title": "利润与留存的权衡",
        "none": "什么都不做",
        "footer": "门店留客实验室 · experiments.design",
    },
}


def text(lang: str) -> dict[str, str]:
    """The strings of one language (a KeyError names a missing one in tests)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {list(LANGS)}, got {lang!r}")
    return _TEXT[lang]


MEANING_ZH = {
    "a campaign every this many weeks": "每隔多少周做一次活动",
    "length of a campaign in days": "每次活动持续的天数",
    "weeks before the first campaign (the calendar)": "第一次活动之前的周数（日程）",
    "share of the list price taken off": "标价打折的比例",
    "per simulated year for campaigns": "每个模拟年的活动预算",
    "per manager per month for gifts": "每位经理每月的礼品预算",
    "price of a gift": "每份礼品的价格",
    "who gets gifts": "礼品发给谁",
    "top_spend: the share of members eligible by 12-month spend": (
        "top_spend：按12个月消费可获礼品的会员比例"
    ),
    "days before the same member can get another gift": "同一会员再次获赠礼品前的间隔天数",
    "day of the year of the gala": "晚会在一年中的第几天",
    "invitations: the top N members by 12-month spend": "邀请：12个月消费最高的前N位会员",
    "per simulated year": "每个模拟年的预算",
    "points for a new customer, by their worth": "带来一位新顾客所得的积分（按其价值）",
    "points per yuan a referral spends": "被推荐顾客每消费一元所得的积分",
    "levels of referrers that earn points": "可获积分的推荐层级数",
    "share each level up earns of the level below": "每上一级获得下一级积分的比例",
    "balance redeemed, by its worth": "兑换门槛（按积分价值）",
    "per simulated year for redemptions": "每个模拟年的兑换预算",
    "rebuild or extend the list every this many weeks": "每隔多少周重建或扩充名单",
    "keep members listed": "会员列入名单后一直保留",
    "the threshold: bottom share of promotion-only buyers": "门槛：只买促销品顾客中排名靠后的比例",
    "promotion-only: share on promotion": "只买促销品：促销购买所占的比例",
    "contact round every this many weeks": "每隔多少周联系一轮",
    "members contacted per round": "每轮联系的会员数",
    "days an offer lasts": "优惠持续的天数",
    "share of the price taken off": "价格打折的比例",
    "days before the same member is contacted again": "同一会员再次被联系前的间隔天数",
    "VIPs: the top share of members": "VIP：消费最高的会员比例",
    "a birthday gift": "生日礼品",
    "share off in the birthday month": "生日月的折扣比例",
    "share off large VIP purchases": "VIP大额购买的折扣比例",
    "purchase from which the price privilege applies": "享受价格特权的最低购买额",
    "invitations per event": "每场活动的邀请人数",
}
"""Each lever's meaning in Chinese (tests/test_design.py: every shipped lever has one)."""

_UNIT_ZH = {"revenue_share": "（年营业额的比例）", "tickets": "（平均客单价的倍数）"}


def lever_meaning(lever, lang: str) -> str:
    """A lever's meaning in `lang` (English when no translation is known)."""
    return MEANING_ZH.get(lever.meaning, lever.meaning) if lang == "zh" else lever.meaning


def lever_range(lever, lang: str) -> str:
    """A lever's searched range in `lang` (`Lever.describe` in English)."""
    if lang != "zh" or lever.kind == "choice":
        return lever.describe()
    fmt = (lambda v: f"{int(v):,}") if lever.kind == "int" else (lambda v: f"{v:g}")
    unit = _UNIT_ZH.get(lever.basis or "", "")
    return f"{fmt(lever.low)} .. {fmt(lever.high)}{unit}{'（对数刻度）' if lever.log else ''}"
