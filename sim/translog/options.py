"""How to read a store's own export: column names, date spelling, refunds, amounts optional.

One frozen object shared by ``read_log``/``validate_log`` and both commands that read exports
(``experiments.segment`` and ``experiments.calibrate``), so the options mean the same
everywhere and are checked once, before any file is opened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sim.translog.schema import ALLOWED_COLUMNS, LogError

__all__ = ["REFUND_RULES", "ExportOptions", "parse_columns"]

#: What to do with negative amount lines (refunds): subtract them from the customer's earlier
#: purchases ("net"), or leave them out and keep the purchases as bought ("drop").
REFUND_RULES: tuple[str, ...] = ("net", "drop")
_DATE_FIELDS = ("%d", "%m", "%Y", "%y", "%b", "%B")


@dataclass(frozen=True)
class ExportOptions:
    """Reading options. ``columns`` maps a canonical column to the file's header
    (``{"customer_id": "会员编号"}``); ``date_format`` is a strptime spelling (``%d.%m.%Y``);
    ``refunds`` is None (negative amounts are bad rows), ``"net"`` or ``"drop"``;
    ``require_amount=False`` accepts a log without an amount column (counts only)."""

    columns: Mapping[str, str] = field(default_factory=dict)
    date_format: str | None = None
    refunds: str | None = None
    require_amount: bool = True

    def __post_init__(self) -> None:
        cols = dict(self.columns)
        for key, value in cols.items():
            if key not in ALLOWED_COLUMNS:
                raise LogError(
                    f"--columns: {key!r} is not a log column (allowed: "
                    f"{', '.join(ALLOWED_COLUMNS)})"
                )
            if not isinstance(value, str) or not value.strip():
                raise LogError(f"--columns: {key}= needs the file's column name after '='")
        if len({v.strip().lower() for v in cols.values()}) != len(cols):
            raise LogError("--columns: one file column is named for two log columns")
        object.__setattr__(self, "columns", MappingProxyType(cols))
        if self.date_format is not None:
            fmt = self.date_format
            if not isinstance(fmt, str) or not any(f in fmt for f in _DATE_FIELDS):
                raise LogError(
                    f"--date-format {fmt!r}: needs strptime fields such as %d, %m "
                    "and %Y (e.g. %d.%m.%Y for 01.05.2023 meaning 1 May)"
                )
        if self.refunds is not None and self.refunds not in REFUND_RULES:
            raise LogError(f"--refunds {self.refunds!r}: must be one of {', '.join(REFUND_RULES)}")

    @classmethod
    def from_text(
        cls,
        columns: str | None = None,
        date_format: str | None = None,
        refunds: str | None = None,
        *,
        require_amount: bool = True,
    ) -> ExportOptions:
        """From command-line text: ``columns`` as ``customer_id=会员编号,date=消费日期``."""
        return cls(parse_columns(columns), date_format, refunds, require_amount)


def parse_columns(text: str | None) -> dict[str, str]:
    """``"customer_id=会员编号, date=消费日期"`` -> ``{"customer_id": "会员编号", ...}``."""
    if text is None or not text.strip():
        return {}
    out: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if not sep or not value.strip():
            raise LogError(
                f"--columns: {part.strip()!r} is not COLUMN=NAME (e.g. "
                "customer_id=会员编号,date=消费日期,amount=消费金额)"
            )
        if key in out:
            raise LogError(f"--columns: {key} is given twice")
        out[key] = value.strip()
    return out
