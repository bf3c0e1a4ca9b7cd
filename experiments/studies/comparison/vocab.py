"""Every word of the comparison's report and figures, English and Chinese side by side."""

from __future__ import annotations

from typing import Any


def _num_text(v: Any) -> str:
    v = float(v)
    return str(int(v)) if v.is_integer() else f"{v:g}"


REPORT_TEXT = {
    "en": {
        "answer": "The answer",
        "do": "Do: {label}. It earns {diff} a year more than {base} (95% range {lo} to {hi}), "
        "a clear difference after allowing for the {m} policies compared.",
        "keep": "Keep it simple: no policy earns clearly more than {base} (best: {label}, {diff} a "
        "year, 95% range {lo} to {hi} — the range includes no difference).",
        "keep_many": "Keep it simple for now: no policy earns clearly more than {base} once the "
        "{m} policies compared are allowed for. The best, {label}, earns {diff} a year (95% "
        "range {lo} to {hi}); a range clear of zero like this one can come by chance when {m} "
        "policies are tried (adjusted p = {q}): run more replications to tell.",
        "keep_worse": "Keep it simple: every policy earns less than {base}; the best, {label}, "
        "is {diff} a year against it (95% range {lo} to {hi}).",
        "with_value": "Counting the customers each policy ends with (valued at what they are "
        "expected to earn in the years after the horizon), {label} earns {diff} a year more "
        "than {base} (95% range {lo} to {hi}): costs paid now and gains that come later are "
        "judged on the same footing.",
        "scale_half": "{label} may not pay in a smaller store: {fixed} a year of its cost is "
        "fixed (events, campaigns) and its gain is only {diff} a year, so at half this many "
        "customers, with the rest of its effect halved, it would lose money.",
        "scale_double": "{label} may pay in a larger store: {fixed} a year of its cost is fixed, "
        "more than twice its loss ({diff} a year), so at double this many customers, with the "
        "rest of its effect doubled, it would earn more than it costs.",
        "scale_sim": "Size matters for {label}: simulated in a store {size} ({m} customers) it "
        "{turn}, {scaled} a year ({agree}), against {full} a year at this size.",
        "scale_sizes": {"0.5": "half this size", "2": "twice this size"},
        "scale_turn": {"worse": "loses money", "better": "pays"},
        "scale_agree": lambda k: "the one run" if k == 1 else f"all {k} runs agree",
        "scale_none": "Simulated again with {sizes} customers ({k} runs each), no policy's "
        "verdict changes sign: the answer holds for a store half or twice this size.",
        "and": " and ",
        "size_note": "This answer is for a store serving a market of {customers}: "
        "a policy with fixed costs pays differently in a smaller or larger store.",
        "revenue_check_assumed": "Size check: without a policy the simulated store takes in "
        "{sim} a year; the store profile assumes {actual} ({pct}), and the policies' budgets "
        "and costs given as a share of revenue are sized for that. For a store of the simulated "
        "size, run again with +market.profile.yearly_revenue={fit}; otherwise read the "
        "percentage differences rather than the amounts.",
        "revenue_check": "Size check: without a policy the simulated store takes in {sim} a "
        "year, the store's export {actual} ({pct}). The market was calibrated on its customers' "
        "buying, not on its revenue, so the amounts above are for a store of the simulated "
        "size: read the percentage differences rather than the amounts.",
        "title": "Which retention policy pays? — {store}",
        "your_store": "your store",
        "intro": (
            "We simulated your market ({customers}, {years}, {tick} steps) "
            "{reps} times for each policy. Every policy met exactly the same customers and "
            "the same ups and downs, so "
            "the differences below come from the policy alone. Profits are totals over the "
            "{years} with the yearly average beside them; ranges are {level} confidence "
            "intervals."
        ),
        "headlines": "Headlines",
        "base_line": (
            "<b>{label}</b> (the baseline): profit ¥{profit} over {years} (¥{per_year} a year; "
            "{level} CI {lo}–{hi}); keeps {ret} of last year's customers and {vip} of your "
            "top-20% customers."
        ),
        "headline": (
            "<b>{label}</b>: {pct} profit ({level} CI {lo} to {hi}) vs {base}, that is "
            "¥{diff} {more} over {years} (¥{diff_year} a year); keeps {vip} of your top-20% "
            "customers ({base}: {base_vip}) and {ret} of all customers. {cost} {verdict}"
        ),
        "cost_roi": "Spends ¥{cost}; {roi_txt} (ROI {roi}, CI {roi_lo} to {roi_hi}).",
        "roi_pos": "each yuan spent adds ¥{v} to profit after paying for itself",
        "roi_neg": "each yuan spent lowers profit by ¥{v}",
        "cost_only": "Spends ¥{cost}.",
        "no_cost": "Spends nothing.",
        "better": "Verdict: clearly more profitable than {base}.",
        "worse": "Verdict: clearly less profitable than {base}.",
        "unclear": (
            "Verdict: no clear difference in profit with {reps} replications (run more to tell)."
        ),
        "unclear_many": "Verdict: not clear once the {m} policies compared are allowed for: its "
        "own range leaves out no difference, which can happen by chance among {m} policies "
        "(adjusted p = {q}); run more replications to tell.",
        "same": (
            "Verdict: exactly the same as {base} in every replication (on its own this "
            "policy changes nothing here)."
        ),
        "table": "Ranked table ({store})",
        "cols": [
            "Rank",
            "Policy",
            "Profit ¥ ({years})",
            "Profit ¥ per year",
            "Profit with customers kept ¥ ({years})",
            "Δ profit vs baseline ¥ ({years})",
            "Δ %",
            "Retention",
            "Δ retention (pp)",
            "Top-20% kept",
            "Cost ¥ ({years})",
            "ROI",
        ],
        "table_note": (
            "Mean with its {level} CI below it. Δ = difference from {base} in the same "
            "replication, averaged (paired); pp = percentage points. ROI = extra profit ÷ "
            "policy cost (profit is already net of the cost: ROI 0 means the policy just pays "
            "for itself). Profit with customers kept = profit plus what the members a policy "
            "ends with are expected to earn after the horizon (discounted), so a cost paid now "
            "for customers who pay later is not judged by where the horizon ends. Top-20% "
            "customers = the 20% of last year's buyers who spent the most at your store."
        ),
        "fig": {
            "profit_vs_baseline": (
                "Extra profit vs doing nothing",
                "Dot: average extra profit over {years}; bar: {level} CI. Green: clearly "
                "better, red: clearly worse, grey: cannot tell.",
            ),
            "profit_distribution": (
                "Profit in every replication",
                "Each dot is one simulated future ({years}); the box holds the middle "
                "half. The dashed line is the baseline's average.",
            ),
            "retention_curves": (
                "Customers kept over time",
                "Top: customers who bought at your store in the last 180 days (mean over "
                "replications). Bottom left: the same minus {base} in the same replication, "
                "with its {level} CI band. Bottom right: share of one year's buyers who bought "
                "again the next year, mean with {level} CI bars.",
            ),
            "cost_breakdown": (
                "Where the money goes",
                "Average spending of each policy by item, over {years}.",
            ),
            "segment_shifts": (
                "How your membership changes",
                "Member segments (SEEDS 003) at the last year end: change in share vs "
                "{base}, in percentage points. Green: better for your store (more big, "
                "loyal or high-ticket members, fewer sleeping, silent or promotion-only "
                "ones); red: worse; white: neutral.",
            ),
        },
        "method": "How this was computed",
        "method_text": (
            "Each policy was run {reps} times with seeds {seeds}; replication r of "
            "every policy used the same seed (common random numbers). Means come "
            "with Student-t intervals over replications; differences vs {base} are "
            "paired per seed (paired t). ROI is a ratio of means (extra profit ÷ "
            "cost) with a {roi_method} interval. {runs} runs took {wall} on "
            "{workers} worker(s)."
        ),
        "footer": "Store Retention Lab — simulated outcomes, not a forecast.",
        "all_reused": "{wall} (all of them read back from the run store, computed before)",
        "na": "n/a",
        "ticks": {"week": "weekly", "day": "daily"},
        "roi_method": {"delta": "delta-method", "bootstrap": "bootstrap"},
        "years": lambda y: f"{_num_text(y)} year" + ("" if float(y) == 1 else "s"),
        "more": "more",
        "less": "less",
        "seconds": "{v} s",
        "minutes": "{v} min",
    },
    "zh": {
        "answer": "结论",
        "do": "建议：{label}。每年比{base}多赚 {diff}（95% 区间 {lo} 至 {hi}），在比较了 {m} 项政策"
        "之后差别依然明显。",
        "keep": "保持现状：没有哪项政策明显比{base}赚得多（最好的是{label}，每年 {diff}，95% 区间 "
        "{lo} 至 {hi}——区间包含“没有差别”）。",
        "keep_many": "暂时保持现状：把同时比较的 {m} 项政策考虑在内，没有哪项明显比{base}赚得多。"
        "最好的是{label}，每年 {diff}（95% 区间 {lo} 至 {hi}）；同时试 {m} 项政策时，这样不含零的"
        "区间也可能出于偶然（校正后 p = {q}），可增加重复次数再看。",
        "keep_worse": "保持现状：每项政策都比{base}赚得少；最好的{label}每年相差 {diff}（95% 区间 "
        "{lo} 至 {hi}）。",
        "with_value": "把每项政策在期末留住的顾客也算上（按他们在期末之后预计还能带来的毛利估值），"
        "{label}每年比{base}多赚 {diff}（95% 区间 {lo} 至 {hi}）：现在花的钱和以后才来的收益"
        "放在同一标准上比较。",
        "scale_half": "{label}在更小的门店可能不划算：每年有 {fixed} 是固定成本（活动、推广），"
        "而它每年只多赚 {diff}；顾客减半、其余效果也减半时，它会亏钱。",
        "scale_double": "{label}在更大的门店可能划算：每年有 {fixed} 是固定成本，超过它亏损额"
        "（每年 {diff}）的两倍；顾客加倍、其余效果也加倍时，它会赚回成本。",
        "scale_sim": "{label}的结论随门店规模而变：在{size}的门店（{m}位顾客）模拟，它{turn}，"
        "每年 {scaled}（{agree}），而在当前规模每年 {full}。",
        "scale_sizes": {"0.5": "规模减半", "2": "规模加倍"},
        "scale_turn": {"worse": "会亏钱", "better": "能赚钱"},
        "scale_agree": lambda k: "仅一次模拟" if k == 1 else f"{k}次模拟全部一致",
        "scale_none": "按 {sizes} 位顾客重新模拟（各{k}次），没有哪项政策的结论改变正负："
        "对规模减半或加倍的门店，这个结论同样成立。",
        "and": "和",
        "size_note": "这个结论针对服务{customers}的门店：含固定成本的政策在更小或更大的"
        "门店里回报不同。",
        "revenue_check_assumed": "规模核对：不采取任何政策时，模拟门店每年营业额为 {sim}，"
        "门店资料假设为 {actual}（{pct}），按营业额比例设定的政策预算和成本都以后者为准。若要按"
        "模拟门店的规模设定，请加上 +market.profile.yearly_revenue={fit} 重新运行；否则请看百分比"
        "差异，而不是金额。",
        "revenue_check": "规模核对：不采取任何政策时，模拟门店每年营业额为 {sim}，门店导出数据为 "
        "{actual}（{pct}）。市场是根据顾客的购买行为而非营业额校准的，因此上面的金额对应模拟"
        "规模的门店：请看百分比差异，而不是金额。",
        "title": "哪种留客策略更赚钱？—— {store}",
        "your_store": "您的门店",
        "intro": (
            "我们把您的市场（{customers}，{years}，按{tick}推进）对每个策略各模拟了"
            "{reps}次。所有策略面对的是完全相同的顾客和相同的市场波动，因此下面的差异只来自策略本身。利润为{years}的合计，"
            "旁边是每年平均；区间为{level}置信区间。"
        ),
        "headlines": "要点",
        "base_line": (
            "<b>{label}</b>（基准）：{years}利润¥{profit}（每年¥{per_year}；{level}置信区间 "
            "{lo}–{hi}）；留住了去年顾客的{ret}，以及前20%大客户的{vip}。"
        ),
        "headline": (
            "<b>{label}</b>：利润比“{base}”{pct}（{level}置信区间 {lo} 至 {hi}），即{years}"
            "{more}¥{diff}（每年{more}¥{diff_year}）；留住了前20%大客户的{vip}（{base}：{base_vip}），"
            "全部顾客的{ret}。{cost}{verdict}"
        ),
        "cost_roi": "花费¥{cost}；{roi_txt}（投入产出比{roi}，区间 {roi_lo} 至 {roi_hi}）。",
        "roi_pos": "每花1元，扣除成本后利润增加¥{v}",
        "roi_neg": "每花1元，利润反而减少¥{v}",
        "cost_only": "花费¥{cost}。",
        "no_cost": "没有花费。",
        "better": "结论：明显比“{base}”更赚钱。",
        "worse": "结论：明显不如“{base}”赚钱。",
        "unclear": "结论：{reps}次重复下利润差异不明显（可增加重复次数再看）。",
        "unclear_many": "结论：把同时比较的 {m} 项政策考虑在内，差异不明显：单看它的区间不含"
        "“没有差别”，但在 {m} 项政策中这可能出于偶然（校正后 p = {q}），可增加重复次数再看。",
        "same": "结论：每次重复都与“{base}”完全相同（单独使用时在这里不起作用）。",
        "table": "排名表（{store}）",
        "cols": [
            "排名",
            "策略",
            "利润 ¥（{years}）",
            "每年利润 ¥",
            "含留住顾客价值的利润 ¥（{years}）",
            "比基准多赚 ¥（{years}）",
            "差异 %",
            "留存率",
            "留存率差（百分点）",
            "前20%大客户留存",
            "成本 ¥（{years}）",
            "投入产出比",
        ],
        "table_note": (
            "均值，下方为{level}置信区间。差异 = 同一次重复中与“{base}”之差的平均（配对）。"
            "投入产出比 = 额外利润 ÷ 策略成本（利润已扣除成本：为0表示刚好收回成本）。"
            "含留住顾客价值的利润 = 利润加上期末留住的会员在期末之后预计还能带来的毛利（折现），"
            "这样现在花钱、以后才回报的政策不会因模拟期在哪里结束而吃亏。"
            "前20%大客户 = 去年在本店购买的顾客中消费最高的20%。"
        ),
        "fig": {
            "profit_vs_baseline": (
                "相对“什么都不做”多赚的利润",
                "圆点：{years}平均多赚的利润；横线：{level}置信区间。绿色：明显更好，"
                "红色：明显更差，灰色：无法判断。",
            ),
            "profit_distribution": (
                "每次重复模拟的利润",
                "每个点是一次模拟的未来（{years}）；箱体包含中间一半的结果。虚线是基准的平均值。",
            ),
            "retention_curves": (
                "顾客随时间的留存",
                "上：近180天内在您门店有购买的顾客数（各次重复的均值）。左下：与同一次重复中"
                "“{base}”之差，阴影为{level}置信区间。右下：某一年的顾客在下一年再次购买的比例，"
                "均值及{level}置信区间。",
            ),
            "cost_breakdown": ("钱花在哪里", "各策略{years}按项目的平均花费。"),
            "segment_shifts": (
                "会员结构的变化",
                "最后一个年末的会员分群（SEEDS 003）：相对“{base}”的占比变化（百分点）。"
                "绿色：对门店更有利（大客户、忠诚或高客单价会员更多，沉睡、沉默或只买促销的"
                "会员更少）；红色：更不利；白色：中性。",
            ),
        },
        "method": "计算方法",
        "method_text": (
            "每个策略用种子 {seeds} 各运行{reps}次；所有策略的第r次重复使用同一个种子"
            "（共同随机数）。均值附有基于重复次数的t分布置信区间；与“{base}”的差异按种子"
            "配对计算（配对t检验）。投入产出比为均值之比（额外利润 ÷ 成本），区间采用"
            "{roi_method}。共{runs}次运行，用时{wall}，{workers}个进程。"
        ),
        "footer": "门店留客实验室 —— 模拟结果，不是预测。",
        "all_reused": "{wall}（全部是之前算好、从运行存储读回的结果）",
        "na": "无数据",
        "ticks": {"week": "周", "day": "天"},
        "roi_method": {"delta": "delta方法", "bootstrap": "自助法（bootstrap）"},
        "years": lambda y: f"{_num_text(y)}年",
        "more": "多赚",
        "less": "少赚",
        "seconds": "约{v}秒",
        "minutes": "约{v}分钟",
    },
}
"""The report page's sentences and headings."""

FIGURE_TEXT = {
    "en": {
        "diff_title": "Extra profit vs {base} (mean and {level} CI, paired by seed)",
        "diff_x": "Difference in profit over the run (yuan)",
        "dist_title": "Profit of your store in each replication",
        "dist_x": "Profit over the run (yuan)",
        "active_title": "Active customers (bought in the last 180 days)",
        "active_y": "customers",
        "yearly_title": "Year-over-year retention",
        "delta_title": "Active customers: difference vs {base} (same seeds)",
        "yearly_y": "customers kept",
        "year_tick": "Y{a}→Y{b}",
        "cost_title": "What each policy spends (mean over replications)",
        "cost_x": "Policy cost over the run (yuan)",
        "no_cost": "No policy spends anything",
        "seg_title": "Member segments at the last year end: change vs {base} (percentage points)",
        "seg_base": "{base}: share of members",
        "seg_bar": "green: better for your store · red: worse (pp)",
        "band": "{level} CI",
        "mean_of": "mean of {n} replications",
        "baseline_mean": "{base} (mean)",
    },
    "zh": {
        "diff_title": "相对“{base}”多赚的利润（均值与{level}置信区间，按种子配对）",
        "diff_x": "整个模拟期利润差额（元）",
        "dist_title": "每次重复模拟中您门店的利润",
        "dist_x": "整个模拟期利润（元）",
        "active_title": "活跃顾客数（近180天内有购买）",
        "active_y": "顾客数",
        "yearly_title": "逐年留存率",
        "delta_title": "活跃顾客数：与“{base}”之差（相同种子）",
        "yearly_y": "留住的顾客比例",
        "year_tick": "第{a}→{b}年",
        "cost_title": "各策略的花费构成（各次重复的均值）",
        "cost_x": "整个模拟期策略成本（元）",
        "no_cost": "所有策略都没有花费",
        "seg_title": "最后一个年末的会员分群：相对“{base}”的变化（百分点）",
        "seg_base": "{base}：会员占比",
        "seg_bar": "绿色：对门店更有利 · 红色：更不利（百分点）",
        "band": "{level}置信区间",
        "mean_of": "{n}次重复的均值",
        "baseline_mean": "{base}（均值）",
    },
}
"""Figure titles and axis labels."""
