"""The study reports' line on a member-twin market: how the focal store's policies reach its
members (the choice made for issue 19; docs/calibration.md, "How policies reach the members")."""

from __future__ import annotations

from typing import Any

_LINE = {
    "en": "Member twin: the store's customers are its own members, each buying as the model "
    "fitted to its history predicts when the store does nothing. A policy reaches them through "
    "the lab's rules, as a change to that behaviour: the store's share of their purchases "
    "(the market's choice model, from the share it has at baseline), their satisfaction, "
    "complaints and dropout; their word of mouth and the rivals' policies do not move them.",
    "zh": "会员孪生：门店的顾客就是它自己的会员；门店不采取任何措施时，每位会员按照根据其历史"
    "拟合的模型购买。政策通过实验室的规则作用于他们，改变的是这一行为：门店在他们购买中的份额"
    "（市场的选择模型，从基线份额出发）、满意度、投诉和流失；会员之间的口碑和竞争门店的政策"
    "不影响他们。",
}


def twin_line(market: Any, lang: str) -> str | None:
    """One plain sentence for a market whose focal customers are a member twin, else None."""
    return _LINE[lang] if getattr(market, "members", None) else None
