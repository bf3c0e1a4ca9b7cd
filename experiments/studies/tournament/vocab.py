"""Every word of the tournament report and its heat-maps, English and Chinese side by side."""

from __future__ import annotations

from experiments.report.vocab import LANGS

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

REPORT_TEXT = {
    "en": {
        "page_title": "Strategy tournament",
        "your_store": "Your store",
        "title": "When your rival chooses too: the strategy tournament",
        "intro": (
            "{you} and {rivals} each chose one of the policies below, and every combination "
            "was simulated {reps} times on the same market ({customers}, {years} "
            "{year_word}). Amounts are each store's {kpi} over the whole run; ranges are {level} "
            "confidence intervals."
        ),
        "answer_dominant": "Do: run “{best}”, whatever {rivals} {does}. In a store of "
        "{customers}, when {context}, {gain}; it stays your best choice in {share} "
        "of resamples of the simulated futures.",
        "answer_equilibrium": "Do: run “{best}”, where the competition settles ({context}). "
        "In a store of {customers} {gain}; it stays your best answer there in {share} "
        "of resamples of the simulated futures.",
        "answer_response": "Do: run “{best}” if {context}. In a store of {customers} "
        "{gain}; it stays your best answer in {share} of resamples of the simulated futures.",
        "answer_unclear": "No clear answer yet: “{best}” comes out best {where}, but in a store "
        "of {customers}{when} {gain}, a range that includes no difference, and it stays your best "
        "answer in {share} of resamples of the simulated futures: run more replications "
        "before you choose.",
        "where_dominant": "whatever {rivals} {does}",
        "where_equilibrium": "where the competition settles ({context})",
        "where_response": "if {context}",
        "when_dominant": ", when {context},",
        "gain_money": "it earns {diff} a year more than “{base}” ({lo} to {hi})",
        "gain_rate": "it keeps {diff} more of its customers than “{base}” ({lo} to {hi})",
        "pp": "{v} percentage points",
        "you": "your store",
        "responses": "Your best answer to what your rival does",
        "response": (
            "If {against}, your best answer is <b>“{best}”</b>: {kpi} {mean} [{lo} – {hi}]. "
            "It was best in {share_r} of the simulated futures and in {share_b} of their "
            "resamples. {gap}"
        ),
        "gap_clear": "It beats the next best, “{runner}”, by {gap} [{glo} – {ghi}].",
        "gap_unclear": (
            "The next best, “{runner}”, earns {gap} less, but the range ({glo} – {ghi}) "
            "includes no difference: more simulated futures would make the ranking surer."
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
            "{profile}: {pays}. It holds again in {survival} of resamples of the simulated futures."
        ),
        "eq_mixed": (
            "A mixed equilibrium: {profile}. Each store keeps the other guessing; expected "
            "{pays}. It holds again in {survival} of resamples of the simulated futures."
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
            ": {mean} [{lo} – {hi}] (best in {share} of resamples of the simulated futures). "
            "With both running “{base}”: {base_mean}."
        ),
        "market": "The whole market",
        "overlap": ", but the ranges of all combinations overlap",
        "market_text": (
            "Category profit (all stores together) is highest when {best_profile}: {cp} "
            "[{cp_lo} – {cp_hi}]{overlap}. {lost_text}"
        ),
        "lost_text": "Fewest customers leave the category for good when {best_keep}: {lost} "
        "customers ({worst_lost} in the worst combination, {worst_keep}).",
        "lost_same": "The same number of customers leave the category for good in every "
        "combination: {lost}.",
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
        "page_title": "策略对局",
        "your_store": "您的门店",
        "title": "当竞争对手也在选择：策略对局",
        "intro": (
            "{you}和{rivals}各自从下列策略中选一个，每一种组合都在同一个市场（{customers}，"
            "{years}年）上模拟了{reps}次。金额为各门店整个模拟期的{kpi}；区间为{level}"
            "置信区间。"
        ),
        "answer_dominant": "建议：采用“{best}”，无论{rivals}怎么做。在有{customers}的门店，"
        "当{context}时，{gain}；在{share}的模拟重抽样中它仍是最佳选择。",
        "answer_equilibrium": "建议：采用“{best}”，这是竞争最终停留之处（{context}）。在有"
        "{customers}的门店，{gain}；在{share}的模拟重抽样中它仍是您在那里的最佳应对。",
        "answer_response": "建议：如果{context}，采用“{best}”。在有{customers}的门店，"
        "{gain}；在{share}的模拟重抽样中它仍是最佳应对。",
        "answer_unclear": "尚无明确答案：“{best}”{where}表现最好，但在有{customers}的门店，"
        "{when}{gain}，区间包含“没有差别”，在{share}的模拟重抽样中它仍是最佳应对：请增加重复次数"
        "再做选择。",
        "where_dominant": "无论{rivals}怎么做都",
        "where_equilibrium": "在竞争最终停留之处（{context}）",
        "where_response": "在{context}时",
        "when_dominant": "当{context}时，",
        "gain_money": "它每年比“{base}”多赚 {diff}（{lo} 至 {hi}）",
        "gain_rate": "它比“{base}”多留住 {diff} 的顾客（{lo} 至 {hi}）",
        "pp": "{v} 个百分点",
        "you": "您的门店",
        "responses": "针对竞争对手的做法，您的最佳应对",
        "response": (
            "如果{against}，您的最佳应对是<b>“{best}”</b>：{kpi}{mean}［{lo} – {hi}］。"
            "它在{share_r}的模拟未来中最好，在{share_b}的重抽样中最好。{gap}"
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
        "模拟重抽样中最好）。",
        "equilibria": "竞争会停在哪里（纳什均衡）",
        "eq_intro": (
            "均衡是这样一种组合：任何一家门店单独改变策略都不能多赚，到了这里谁也不想再变。"
        ),
        "eq_pure": "{profile}：{pays}。在{survival}的模拟重抽样中依然成立。",
        "eq_mixed": (
            "混合均衡：{profile}。双方让对方捉摸不定；期望{pays}。"
            "在{survival}的模拟重抽样中依然成立。"
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
            "{hi}］（在{share}的模拟重抽样中最好）。双方都“{base}”时：{base_mean}。"
        ),
        "market": "整个市场",
        "overlap": "，但所有组合的区间相互重叠",
        "market_text": (
            "当{best_profile}时，品类总利润（所有门店合计）最高：{cp}［{cp_lo} – {cp_hi}］"
            "{overlap}。{lost_text}"
        ),
        "lost_text": "当{best_keep}时，彻底离开该品类的顾客最少：{lost}人（最差的组合为"
        "{worst_keep}，{worst_lost}人）。",
        "lost_same": "在每一种组合下，彻底离开该品类的顾客人数都相同：{lost}人。",
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
"""The report section's sentences and headings."""

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
"""How the equilibria were found, in words."""

HEATMAP_TEXT = {
    "en": {
        "title": "{store}: {kpi} (mean ± {level} CI half-width)",
        "rows": "{store} runs",
        "cols": "{others} {run}",
        "legend": "frame = best answer to that column; ★ = equilibrium",
        "profit": "profit, yuan",
        "retention": "retention",
    },
    "zh": {
        "title": "{store}：{kpi}（均值 ± {level}置信区间半宽）",
        "rows": "{store}采用",
        "cols": "{others}采用",
        "legend": "方框 = 对该列的最佳应对；★ = 均衡",
        "profit": "利润（元）",
        "retention": "留存率",
    },
}
"""Heat-map titles and axis labels."""


def store_label(store: str, lang: str) -> str:
    """A store's plain name in the language (its id when the default market lacks it)."""
    k = LANGS.index(lang)
    return STORE_LABELS[store][k] if store in STORE_LABELS else store
