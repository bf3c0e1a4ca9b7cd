"""Every word of the robustness report and its figures, English and Chinese side by side."""

from __future__ import annotations

from typing import Any

REPORT_TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "title": "How robust is the recommendation?",
        "page_title": "Robustness of store policies",
        "answer_do": "Do: {label}. In a store of {customers} it earns {diff} a year "
        "more than {base} on average ({p05} to {p95} a year in 9 of 10 plausible cases) and pays "
        "in {p} of them: {verdict}.",
        "answer_keep": "Keep it simple: no policy earns more than {base} under most plausible "
        "assumptions (best: {label}, {diff} a year on average, paying in {p} of them; a store "
        "of {customers}).",
        "details_h": "What decides each verdict (the assumptions are named as in the table of "
        "ranges below):",
        "intro": (
            "Every policy's effect rests on assumed numbers (how much a gift pleases, how far word "
            "of mouth travels, ...). We tried {s} plausible combinations of those numbers "
            "(scenarios) and simulated every policy {r} times in each. The shares below are "
            "shares of those scenarios."
        ),
        "design": {
            "lhs": "Latin hypercube",
            "sobol": "Sobol' sequence",
            "morris": "Morris trajectories",
            "saltelli": "Saltelli design",
        },
        "recommend": (
            "<b>{label}</b> — {verdict}. It is more profitable than {base} in "
            "{p} of the scenarios and the most profitable policy in {best}; on average it "
            "leaves {regret} on the table compared with the best policy of each scenario "
            "(at worst {worst})."
        ),
        "nothing": "<b>No policy is more profitable than {base} in most scenarios.</b>",
        "verdict": {
            "baseline": "the baseline",
            "no_effect": "no effect here: identical to the baseline in every scenario",
            "robust": "robust: pays under almost all plausible assumptions",
            "likely": "likely: pays under most plausible assumptions",
            "depends": "depends on the assumptions",
            "unlikely": "unlikely to pay",
            "worse": "loses money under almost all plausible assumptions",
        },
        "line": (
            "<b>{label}</b>: {verdict}. More profitable than {base} in {p} of scenarios "
            "({level} range {lo}–{hi}), keeps more customers in {pr}; extra profit over the run: "
            "median {med} (5–95%: {p05} to {p95})."
        ),
        "drivers": "Decided mostly by {names}. ",
        "no_drivers": "No single assumption stands out over {n} scenarios (run more scenarios "
        "to tell what decides it). ",
        "sep": ", ",
        "timing": " {runs} runs ({computed} computed, {reused} reused from the run store) in "
        "{wall} s.",
        "fail_rule": "Loses money when {conds} ({cover} of its {k} losing scenarios).",
        "fail_or": " or when ",
        "fail_always": "Loses money in every scenario.",
        "fail_mostly": (
            "Loses money in {k} of {n} scenarios; pays only when {conds} ({cover} of its {m} "
            "scenarios with more profit)."
        ),
        "fail_no_gain": (
            "Loses money in {k} of {n} scenarios and makes more in none (no difference in the "
            "other {rest})."
        ),
        "fail_rare": "Loses money in {k} of {n} scenarios: too few to describe.",
        "fail_scattered": "Loses money in {k} of {n} scenarios, with no simple condition.",
        "verdicts_h": "Verdicts",
        "table_h": "Robust ranking",
        "cols": [
            "Rank",
            "Policy",
            "Verdict",
            "P(more profit)",
            "P(more customers kept)",
            "P(best)",
            "Δ profit mean ¥",
            "Δ profit 5–95% ¥",
            "Regret mean ¥",
            "Regret max ¥",
        ],
        "table_note": (
            "P = share of scenarios; Δ = difference from {base} in the same scenario and "
            "seeds; regret = profit of the scenario's best policy minus this one's. Ranked by "
            "mean regret (= by mean profit over scenarios); the worst-case regret is the "
            "minimax-regret view."
        ),
        "figs": {
            "delta_profit": (
                "Δ profit across scenarios",
                "Each dot is one scenario (green: more profit than the baseline).",
            ),
            "drivers": (
                "Drivers",
                "Bars: importance of an assumption for the policy's Δ profit, with its 95% CI.",
            ),
            "regret": (
                "Regret",
                "How much profit each policy gives up against the best choice "
                "of each scenario: on average and in the worst scenario.",
            ),
        },
        "ranges_h": "The assumptions and their ranges",
        "ranges_cols": ["Assumption", "Low", "High", "Default", "Source"],
        "method_h": "How to read this",
        "method": (
            "Scenarios were drawn by {design}. "
            "A scenario is one combination of assumptions, drawn from the ranges below. Within "
            "a scenario all policies meet the same customers and the same random events "
            "(replication r uses seed {seed0}+r), so their differences come from the policies. "
            "A share near 100% means the recommendation holds whatever the true value of the "
            "assumptions within their ranges; near 50% it depends on them, and the failure "
            "conditions say on which. Drivers: {drivers_method}. The shares include the seed "
            "noise left after averaging {r} replications."
        ),
        "drivers_method": {
            "sobol": "Sobol' total-order indices (share of Δ profit variance involving the "
            "assumption)",
            "morris": "Morris screening (mean absolute effect of moving the assumption across "
            "its range)",
            "rank": "standardized rank regression coefficients, or Spearman's rank "
            "correlation when the scenarios are fewer than twice the assumptions (how strongly "
            "Δ profit rises or falls with the assumption; monotone effects)",
        },
    },
    "zh": {
        "title": "这个建议有多稳健？",
        "page_title": "门店策略的稳健性",
        "answer_do": "建议：{label}。在有{customers}的门店，它平均每年比{base}多赚 {diff}"
        "（九成合理情形下每年 {p05} 至 {p95}），在{p}的情形中赚钱：{verdict}。",
        "answer_keep": "保持现状：在大多数合理假设下，没有哪项政策比{base}更赚钱（最好的是{label}，"
        "平均每年 {diff}，在{p}的情形中赚钱；门店有{customers}）。",
        "details_h": "决定各结论的因素（假设名称与下方区间表一致）：",
        "intro": (
            "每个策略的效果都建立在一些假设的数值之上（一份礼品能让顾客多满意、口碑能传多远……）。"
            "我们尝试了这些数值的{s}种合理组合（情景），在每个情景中对每个策略模拟{r}次。"
            "下面的比例都是这些情景中的占比。"
        ),
        "design": {
            "lhs": "拉丁超立方抽样",
            "sobol": "Sobol 序列",
            "morris": "Morris 轨迹",
            "saltelli": "Saltelli 设计",
        },
        "recommend": (
            "<b>{label}</b>——{verdict}。在{p}的情景中利润高于“{base}”，在{best}的情景中是利润最高的策略；"
            "与每个情景中的最佳策略相比，平均少赚{regret}（最差情况下少赚{worst}）。"
        ),
        "nothing": "<b>没有任何策略在大多数情景中比“{base}”更赚钱。</b>",
        "verdict": {
            "baseline": "基准",
            "no_effect": "在此没有效果：每个情景都与基准完全相同",
            "robust": "稳健：几乎在所有合理假设下都能多赚钱",
            "likely": "较可靠：在大多数合理假设下能多赚钱",
            "depends": "取决于假设",
            "unlikely": "不太可能多赚钱",
            "worse": "几乎在所有合理假设下都会亏钱",
        },
        "line": (
            "<b>{label}</b>：{verdict}。在{p}的情景中利润高于“{base}”"
            "（{level}区间 {lo}–{hi}），在{pr}的情景中留住更多顾客；"
            "整个模拟期利润差额中位数 {med}（5%–95%：{p05} 至 {p95}）。"
        ),
        "drivers": "主要取决于：{names}。",
        "no_drivers": "在{n}个情景中没有哪一项假设明显起决定作用（可增加情景数再看）。",
        "sep": "、",
        "timing": "共{runs}次模拟（新计算{computed}次，从运行存储复用{reused}次），用时{wall}秒。",
        "fail_rule": "当{conds}时亏钱（覆盖其{k}个亏损情景中的{cover}）。",
        "fail_or": "，或当",
        "fail_always": "在所有情景中都亏钱。",
        "fail_mostly": (
            "在{n}个情景中有{k}个亏钱；只有当{conds}时才赚钱（覆盖其{m}个多赚情景中的{cover}）。"
        ),
        "fail_no_gain": "在{n}个情景中有{k}个亏钱，没有一个情景多赚（其余{rest}个情景没有差别）。",
        "fail_rare": "在{n}个情景中有{k}个亏钱：太少，无法归纳条件。",
        "fail_scattered": "在{n}个情景中有{k}个亏钱，找不到简单的条件。",
        "verdicts_h": "结论",
        "table_h": "稳健排名",
        "cols": [
            "排名",
            "策略",
            "结论",
            "利润更高的概率",
            "留存更高的概率",
            "最佳的概率",
            "利润差额均值 ¥",
            "利润差额 5%–95% ¥",
            "平均遗憾值 ¥",
            "最大遗憾值 ¥",
        ],
        "table_note": (
            "概率 = 情景中的占比；差额 = 同一情景、相同种子下与“{base}”之差；"
            "遗憾值 = 该情景最佳策略的利润减去本策略的利润。"
            "按平均遗憾值排名（等同于按各情景平均利润排名）；最大遗憾值对应“最小化最大遗憾”的视角。"
        ),
        "figs": {
            "delta_profit": ("各情景下的利润差额", "每个点是一个情景（绿色：利润高于基准）。"),
            "drivers": ("关键假设", "条形：该假设对策略利润差额的重要性，及其95%置信区间。"),
            "regret": ("遗憾值", "与每个情景中最佳选择相比，各策略放弃的利润：平均值与最差情景。"),
        },
        "ranges_h": "假设及其区间",
        "ranges_cols": ["假设", "下限", "上限", "默认值", "来源"],
        "method_h": "如何解读",
        "method": (
            "情景的抽取方法：{design}。一个情景就是从下表区间中抽取的一组假设值。在同一情景中，所有策略面对相同的顾客和相同的随机事件"
            "（第r次重复使用种子{seed0}+r），因此差异来自策略本身。占比接近100%表示无论假设在区间内取何值，"
            "建议都成立；接近50%表示结论取决于假设，亏损条件说明取决于哪些假设。关键假设的度量：{drivers_method}。"
            "占比中包含{r}次重复平均后仍残留的随机噪声。"
        ),
        "drivers_method": {
            "sobol": "Sobol 总效应指数（利润差额方差中涉及该假设的比例）",
            "morris": "Morris 筛选（在整个区间内改变该假设的平均绝对效应）",
            "rank": "标准化秩回归系数；情景数少于假设数两倍时用 Spearman 秩相关"
            "（利润差额随该假设单调升降的强度）",
        },
    },
}
"""The report section's sentences and headings."""

FIGURE_TEXT = {
    "en": {
        "dist_title": "Extra profit vs {base} in each scenario of the assumptions",
        "dist_x": "Δ profit over the run (yuan; mean of the replications of a scenario)",
        "drivers_title": "What decides each policy's Δ profit ({method})",
        "regret_title": "Regret: profit lost vs the best policy of each scenario",
        "regret_x": "yuan",
        "regret_mean": "mean over scenarios",
        "regret_max": "worst scenario",
        "method": {
            "sobol": "Sobol' total-order index",
            "morris": "Morris mu*, yuan per full range",
            "rank": "|rank regression coefficient| or |Spearman ρ|",
        },
        "up": "higher value → more profit",
        "down": "higher value → less profit",
    },
    "zh": {
        "dist_title": "各假设情景下相对“{base}”多赚的利润",
        "dist_x": "整个模拟期利润差额（元；同一情景各次重复的均值）",
        "drivers_title": "决定各策略利润差额的假设（{method}）",
        "regret_title": "遗憾值：与每个情景中最佳策略相比少赚的利润",
        "regret_x": "元",
        "regret_mean": "各情景平均",
        "regret_max": "最差情景",
        "method": {
            "sobol": "Sobol 总效应指数",
            "morris": "Morris mu*（元/整个区间）",
            "rank": "秩回归系数或 Spearman ρ 的绝对值",
        },
        "up": "数值越高 → 利润越多",
        "down": "数值越高 → 利润越少",
    },
}
"""Figure titles and axis labels."""


SOURCE_ZH = {
    "SEEDS 001: 1 complaint per 25 dissatisfied (0.04); halved to doubled": (
        "SEEDS 001：每25位不满意的顾客中有1位投诉（0.04）；范围取一半到两倍"
    ),
    "SEEDS 001: a dissatisfied customer tells 10-20 people; lower end widened": (
        "SEEDS 001：一位不满意的顾客会告诉10–20人；下限放宽"
    ),
    "SEEDS 001: a dissatisfied customer tells 10-20 people; upper end widened": (
        "SEEDS 001：一位不满意的顾客会告诉10–20人；上限放宽"
    ),
    "SEEDS 001: a satisfied customer tells 1-5 people": "SEEDS 001：一位满意的顾客会告诉1–5人",
    "SEEDS 001: a satisfied customer tells 1-5 people; upper end widened": (
        "SEEDS 001：一位满意的顾客会告诉1–5人；上限放宽"
    ),
    "SEEDS 001: 100 satisfied customers bring 25 new ones (0.25)": (
        "SEEDS 001：100位满意的顾客带来25位新顾客（0.25）"
    ),
    "SEEDS 001: 60% of complainers stay when the complaint is resolved": (
        "SEEDS 001：投诉得到解决时，60%的投诉者会留下"
    ),
    "assumption (docs/ODD.md 7.5: 0.25, ~45% of visits satisfied)": (
        "假设（docs/ODD.md 7.5：0.25，约45%的到店感到满意）"
    ),
    "assumption (docs/ODD.md 7.5: -0.9, ~7% of visits dissatisfied)": (
        "假设（docs/ODD.md 7.5：-0.9，约7%的到店感到不满意）"
    ),
    "assumption (docs/ODD.md 7.3: 1.5 years)": "假设（docs/ODD.md 7.3：1.5年）",
    "assumption (docs/ODD.md 7.2: Beta(0.5, 10) dropout after each purchase; mean 2.4%-9% a "
    "purchase over the range)": (
        "假设（docs/ODD.md 7.2：每次购买后按 Beta(0.5, 10) 流失；在此范围内平均每次购买流失"
        "2.4%–9%）"
    ),
    "assumption (docs/ODD.md 7.9: 0.06 a year)": "假设（docs/ODD.md 7.9：每年0.06）",
    "assumption (docs/ODD.md 5: 25% of residents not buying yet)": (
        "假设（docs/ODD.md 5：25%的居民尚未购买）"
    ),
    "assumption (docs/ODD.md 5: 12 ties per customer)": (
        "假设（docs/ODD.md 5：每位顾客12个社会关系）"
    ),
    "assumption (1.2); SEEDS 000: brand must match the big customer": (
        "假设（1.2）；SEEDS 000：品牌必须配得上大客户"
    ),
    "assumption (1.0); SEEDS 000: upward consumption drift": "假设（1.0）；SEEDS 000：消费向上漂移",
    "SEEDS 000: consumption upgrades towards national brands; rate assumed (0.04 a year)": (
        "SEEDS 000：消费向全国性品牌升级；速率为假设（每年0.04）"
    ),
    "assumption (docs/policies.md: 0.1); SEEDS 003 seg. 5: some come only for giveaways": (
        "假设（docs/policies.md：0.1）；SEEDS 003 第5类：有些顾客只为赠品而来"
    ),
    "assumption (docs/policies.md: 0.4); SEEDS 000 names the gesture, not its effect": (
        "假设（docs/policies.md：0.4）；SEEDS 000 提到了这种做法，但没有给出效果"
    ),
    "assumption (docs/policies.md: 0.8); SEEDS 000: celebrity/show-off need": (
        "假设（docs/policies.md：0.8）；SEEDS 000：名人与炫耀的需求"
    ),
    "assumption (docs/policies.md: 1.8); SEEDS 004: points make eager promoters": (
        "假设（docs/policies.md：1.8）；SEEDS 004：积分让会员积极推荐"
    ),
    "assumption (docs/policies.md: 0.5); SEEDS 000: education needs of elites": (
        "假设（docs/policies.md：0.5）；SEEDS 000：精英阶层的教育需求"
    ),
}
"""The shipped ranges' sources in Chinese (configs/uncertainty/default.yaml); the plain
``assumption (FILE: VALUE)`` form is translated by `source_text`'s rule."""


def source_text(source: str, lang: str) -> str:
    """A range's source as the report's language says it: the shipped ones in Chinese (a
    user's own source is shown as written)."""
    import re

    if lang != "zh":
        return source
    if source in SOURCE_ZH:
        return SOURCE_ZH[source]
    plain = re.fullmatch(r"assumption \(([^:()]+): ([-0-9.,% ]+)\)", source)
    if plain:
        return f"假设（{plain.group(1)}：{plain.group(2)}）"
    return source
