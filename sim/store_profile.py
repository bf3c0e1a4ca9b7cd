"""The focal store's profile: its name, currency, size and margin, and where each came from.

Written by ``experiments.calibrate`` from a store's export (members, yearly revenue and mean
ticket from the data; currency from ``--currency``; margin assumed unless given) and carried
by the market (``MarketConfig.profile``), so every report prints money in the store's own
currency through the one formatter here, :func:`format_money`.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any

from sim.errors import check
from sim.schema import Spec, check_record, declared, record_values

__all__ = ["CURRENCIES", "SOURCES", "StoreProfile", "format_money"]

#: ISO 4217 code -> symbol written before the amount (the symbol a local reader expects).
CURRENCIES: dict[str, str] = {
    "CNY": "¥",
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "HKD": "HK$",
    "TWD": "NT$",
    "MOP": "MOP$",
    "KRW": "₩",
    "SGD": "S$",
    "AUD": "A$",
    "CAD": "C$",
    "NZD": "NZ$",
    "CHF": "CHF ",
    "INR": "₹",
    "THB": "฿",
    "MYR": "RM",
    "RUB": "₽",
}
#: Where a figure of the profile comes from: the store's export, the user's word for this
#: store (``--margin``), or an assumption (a market default, ``--spend-per-visit``).
SOURCES: tuple[str, ...] = ("data", "given", "assumed")
_CODE = re.compile(r"^[A-Z]{3}$")
MINUS = "\u2212"
#: The default county store's yearly revenue and spend per visit, as stated figures (its
#: simulation gives about 5.6 million and 3,500 at 20,000 residents): the shipped policy
#: configs' relative sizes resolve against them to their former absolute amounts.
DEFAULT_REVENUE = 5_000_000.0
DEFAULT_TICKET = 4_000.0  # a real minus sign, as in print: "−$35"


@dataclass(frozen=True)
class StoreProfile:
    """Who the focal store is, in its own money. ``None`` figures are not known (the default
    market's members and revenue come out of its simulation, not from data)."""

    name: str = declared("Your county store", kind="text", doc="the store's name in reports")
    currency: str = declared(
        "CNY", kind="text", doc="ISO 4217 code of the store's money (CNY, USD, EUR, ...)"
    )
    symbol: str | None = declared(
        None,
        kind="text",
        nullable=True,
        doc="symbol printed before amounts (null: the usual one of the currency)",
    )
    members: int | None = declared(
        None,
        kind="integer",
        low=0,
        nullable=True,
        unit="members",
        doc="members in the store's export (null: not from data)",
    )
    yearly_revenue: float | None = declared(
        DEFAULT_REVENUE,
        kind="number",
        low=0,
        nullable=True,
        doc="yearly revenue: the export's last 365 days (the default store's is a stated round "
        "figure near its simulated ~5.6 million); policies sized by revenue_share use it",
    )
    mean_ticket: float | None = declared(
        DEFAULT_TICKET,
        kind="number",
        low=0,
        low_open=True,
        nullable=True,
        doc="mean spend per visit, customer-day (the default store's is a stated round figure "
        "near its simulated ~3,500); policies sized in tickets use it",
    )
    ticket_percentiles: dict[str, float] | None = declared(
        None,
        kind="node",
        nullable=True,
        type_name="percentile -> spend",
        doc="spend per visit at percentiles 0, 10, 25, 50, 75, 90, 95, 99, 100 of the export's "
        "visits (for thresholds sized by member_spend_percentile; 100 = the largest visit)",
    )
    ticket_source: str = declared(
        "assumed",
        kind="choice",
        choices=SOURCES,
        doc="mean ticket from the export's amounts (data) or --spend-per-visit (assumed)",
    )
    margin: float = declared(0.4, kind="number", low=0, high=1, doc="gross margin on revenue")
    margin_source: str = declared(
        "assumed",
        kind="choice",
        choices=SOURCES,
        doc="margin given for this store (--margin), or assumed (the market default)",
    )
    source: str = declared(
        "default market", kind="text", doc="where the profile comes from (e.g. the export file)"
    )
    holdout_error: float | None = declared(
        None,
        kind="number",
        nullable=True,
        doc="the calibrated market's holdout miss: its predicted repeat purchases of the "
        "export's holdout period against the actual ones, (predicted - actual) / actual "
        "(null: not calibrated, or no holdout purchases)",
    )
    warnings: tuple[str, ...] = declared(
        (),
        kind="list",
        item=Spec(kind="text", doc="one warning"),
        doc="the calibration's warnings and search-health notes, each one plain sentence "
        "(fit.json has the details); every study report repeats them",
    )
    warnings_zh: tuple[str, ...] = declared(
        (),
        kind="list",
        item=Spec(kind="text", doc="one warning in Chinese"),
        doc="the same warnings in Chinese, line for line (Chinese reports show these; empty: "
        "an older calibration, whose reports show the English lines)",
    )
    fit_file: str | None = declared(
        None,
        kind="text",
        nullable=True,
        doc="the calibration's fit.json (fits, holdout errors, indirect inference)",
    )

    def __post_init__(self) -> None:
        for key in ("warnings", "warnings_zh"):
            if isinstance(getattr(self, key), list):  # as read from a config: kept immutable
                object.__setattr__(self, key, tuple(getattr(self, key)))

    @property
    def calibrated(self) -> bool:
        """Whether the profile comes from a store's export (experiments.calibrate)."""
        return not str(self.source).startswith("default")

    @property
    def currency_symbol(self) -> str:
        return self.symbol if self.symbol is not None else CURRENCIES[self.currency]

    def validate(self, prefix: str = "profile") -> StoreProfile:
        check_record(self, prefix)
        check(
            isinstance(self.currency, str) and bool(_CODE.match(self.currency)),
            f"{prefix}.currency",
            f"must be a 3-letter ISO code like CNY or USD, got {self.currency!r}",
        )
        pct = self.ticket_percentiles
        if pct is not None:
            ok = isinstance(pct, dict) and all(
                _number(k) is not None
                and 0 <= _number(k) <= 100
                and _number(v) is not None
                and _number(v) >= 0
                for k, v in pct.items()
            )
            check(
                ok,
                f"{prefix}.ticket_percentiles",
                "must map percentiles 0..100 to spends >= 0, like {'50': 30.0, '100': 412.0}",
            )
        check(
            len(self.warnings_zh) in (0, len(self.warnings)),
            f"{prefix}.warnings_zh",
            f"must be empty or have one line per warning ({len(self.warnings)}), got "
            f"{len(self.warnings_zh)}",
        )
        check(
            self.currency in CURRENCIES or self.symbol is not None,
            f"{prefix}.currency",
            f"{self.currency!r} has no known symbol; give {prefix}.symbol too (known: "
            f"{', '.join(CURRENCIES)})",
        )
        return self

    @classmethod
    def from_dict(cls, data: Any, prefix: str = "profile") -> StoreProfile:
        return cls(**record_values(cls, data or {}, prefix)).validate(prefix)

    def to_dict(self) -> dict[str, Any]:
        """Every field, but the calibration's record (holdout miss, warnings, fit file) only
        when there is one: a default market's profile reads as it always has."""
        d = dataclasses.asdict(self)
        d["warnings"] = list(self.warnings)
        d["warnings_zh"] = list(self.warnings_zh)
        for key in _CALIBRATION_ONLY:
            if d[key] in (None, []):
                del d[key]
        return d

    def money(self, value: float, *, signed: bool = False, decimals: int = 0) -> str:
        return format_money(value, self, signed=signed, decimals=decimals)


def _number(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) and not isinstance(value, bool) else None


def format_money(
    value: float | None,
    profile: StoreProfile | None = None,
    signed: bool = True,
    *,
    decimals: int = 0,
) -> str:
    """``+¥1,234`` / ``−$35`` / ``HK$12.50``: money in the store's currency (default CNY).

    ``signed`` puts ``+`` before gains (for differences); a loss always gets a true minus.
    """
    symbol = (profile or _DEFAULT).currency_symbol
    if value is None or not math.isfinite(value):
        return "n/a"
    shown = f"{abs(value):,.{decimals}f}"
    if float(shown.replace(",", "")) == 0.0:
        return f"{symbol}{shown}"
    sign = MINUS if value < 0 else ("+" if signed else "")
    return f"{sign}{symbol}{shown}"


_DEFAULT = StoreProfile()
_CALIBRATION_ONLY = ("holdout_error", "warnings", "warnings_zh", "fit_file")
