"""Which file column is which log column: canonical names, ``--columns``, common aliases.

Order of precedence: a column named in ``--columns``; a header spelled like the canonical name
(case and surrounding blanks ignored); one of the common Chinese or English export headers
below. Every recognised alias is reported in the read's summary line, and two headers that
could both be one column are refused with the option that settles it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sim.translog.schema import ALLOWED_COLUMNS, REQUIRED_COLUMNS, LogError

__all__ = ["ALIASES", "HeaderMap", "map_header"]

#: Headers seen in Chinese retail/POS member exports and common English exports. Matched after
#: lower-casing and turning blanks, '-' and '.' into '_'. Deliberately no bare words that often
#: mean something else ("price" is a unit price, "member" a membership level, "id" a line id).
ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "会员编号",
        "会员号",
        "会员卡号",
        "会员id",
        "会员代码",
        "顾客编号",
        "顾客id",
        "客户编号",
        "客户id",
        "客户代码",
        "用户id",
        "卡号",
        "member_id",
        "member_no",
        "member_number",
        "membership_id",
        "card_no",
        "card_number",
        "customerid",
        "customer_no",
        "customer_number",
        "customer_code",
        "cust_id",
        "client_id",
        "user_id",
        "buyer_id",
    ),
    "date": (
        "消费日期",
        "消费时间",
        "交易日期",
        "交易时间",
        "购买日期",
        "购买时间",
        "下单时间",
        "下单日期",
        "销售日期",
        "日期",
        "purchase_date",
        "transaction_date",
        "order_date",
        "sale_date",
        "sales_date",
        "invoice_date",
        "invoicedate",
        "txn_date",
        "date_time",
        "datetime",
        "timestamp",
    ),
    "amount": (
        "消费金额",
        "实付金额",
        "实收金额",
        "支付金额",
        "交易金额",
        "销售金额",
        "订单金额",
        "金额",
        "amount_paid",
        "paid",
        "sales",
        "sales_amount",
        "sale_amount",
        "net_amount",
        "total",
        "total_amount",
        "order_total",
        "spend",
        "revenue",
    ),
    "store_id": (
        "门店编号",
        "门店代码",
        "门店id",
        "门店",
        "店铺编号",
        "店铺",
        "店号",
        "store",
        "store_code",
        "store_no",
        "shop",
        "shop_id",
        "shop_code",
        "branch",
        "branch_id",
    ),
    "promo": ("促销", "是否促销", "促销标记", "promotion", "on_promo", "on_promotion"),
    "discount": ("优惠金额", "折扣金额", "优惠", "discount_amount", "discount_value"),
}
_ALIAS_OF = {key: canon for canon, keys in ALIASES.items() for key in keys}


def _key(name: str) -> str:
    return re.sub(r"[\s\-.]+", "_", name.strip().lower()).strip("_")


class HeaderMap:
    """``wanted``: log column -> file header; ``ignored`` headers; ``note`` for the summary."""

    def __init__(self, wanted: dict[str, str], ignored: list[str], note: str | None) -> None:
        self.wanted, self.ignored, self.note = wanted, ignored, note


def map_header(
    header: list[str],
    source: str,
    columns: Mapping[str, str] | None = None,
    *,
    require_amount: bool = True,
) -> HeaderMap:
    """Match a file's header to the log's columns (see module doc); one-line ``LogError``s."""
    columns = columns or {}
    wanted: dict[str, str] = {}
    used: set[int] = set()
    keys = [_key(h) for h in header]
    for canon, given in columns.items():
        hits = [i for i, k in enumerate(keys) if k == _key(given)]
        if not hits:
            shown = ", ".join(repr(h) for h in header)
            raise LogError(
                f"{source}: --columns {canon}={given}: no such column "
                f"(columns found: {shown or 'none'})"
            )
        wanted[canon] = header[hits[0]]
        used.add(hits[0])
    for i, h in enumerate(header):
        name = h.strip().lower()
        if name in ALLOWED_COLUMNS and i not in used:
            if name in wanted and name not in columns:
                raise LogError(f"{source}: column '{name}' appears more than once")
            if name not in wanted:
                wanted[name] = h
                used.add(i)
    recognised: list[str] = []
    for canon in ALLOWED_COLUMNS:
        if canon in wanted:
            continue
        hits = [i for i, k in enumerate(keys) if i not in used and _ALIAS_OF.get(k) == canon]
        if len(hits) > 1:
            both = " and ".join(repr(header[i]) for i in hits)
            raise LogError(
                f"{source}: columns {both} could both be {canon}; choose one with "
                f"--columns {canon}=NAME"
            )
        if hits:
            wanted[canon] = header[hits[0]]
            used.add(hits[0])
            recognised.append(f"{header[hits[0]].strip()} -> {canon}")
    required = [c for c in REQUIRED_COLUMNS if require_amount or c != "amount"]
    missing = [c for c in required if c not in wanted]
    if missing:
        shown = ", ".join(repr(h) for h in header)
        raise LogError(
            f"{source}: missing required column(s) {', '.join(missing)} "
            f"(columns found: {shown or 'none'}; allowed columns: {', '.join(ALLOWED_COLUMNS)}; "
            f"name yours with --columns {missing[0]}=NAME"
            + (
                "; a log without amounts is read by experiments.calibrate, which assumes a spend "
                "per visit, not by segment)"
                if missing == ["amount"]
                else ")"
            )
        )
    ignored = [h for i, h in enumerate(header) if i not in used]
    note = f"columns recognised: {', '.join(recognised)}" if recognised else None
    return HeaderMap(wanted, ignored, note)
