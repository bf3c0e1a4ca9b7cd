"""Transaction-log schema, readers and writer.

One schema serves both the simulation's export and a store's own member/transaction export, so
segments, CLV and calibration read the same canonical frame whatever produced it.

Canonical in-memory form (a pandas DataFrame, columns in this order):

- ``customer_id``: int64 when every id is an integer, else pandas ``"string"`` dtype;
- ``date``: datetime64[ns], normalised to the day (time of day is dropped);
- ``amount``: float64, money paid, ``>= 0`` (a giveaway is a 0 purchase); absent only when
  read with ``ExportOptions(require_amount=False)`` (a counts-only log);
- optional ``store_id`` (``"string"`` dtype), ``promo`` (bool: bought on promotion),
  ``discount`` (float64, money given off, ``>= 0``).

Stores' exports as they come are read too (``ExportOptions``): Chinese or English headers
(``headers``), day/month dates (``dates``), currency marks and thousands separators
(``money``), refund lines (``refunds``), CSV in GBK/UTF-16, parquet and .xlsx (``files``).
Validation is vectorised (pyarrow + NumPy): a 1,000,000-row CSV reads in about a second.
Bad rows are never dropped silently: ``strict=True`` raises :class:`LogError` naming the file rows,
``strict=False`` rejects them and reports a count per reason.
"""

from sim.translog.api import read_log, validate_log, write_log
from sim.translog.bench import synthetic_log
from sim.translog.headers import ALIASES
from sim.translog.options import REFUND_RULES, ExportOptions, parse_columns
from sim.translog.schema import (
    ALLOWED_COLUMNS,
    BOOL_FALSE,
    BOOL_TRUE,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    LogError,
    empty_log,
)

_synthetic_log = synthetic_log  # the name tests and older callers import

__all__ = [
    "ALIASES",
    "ALLOWED_COLUMNS",
    "BOOL_FALSE",
    "BOOL_TRUE",
    "ExportOptions",
    "LogError",
    "OPTIONAL_COLUMNS",
    "REFUND_RULES",
    "REQUIRED_COLUMNS",
    "empty_log",
    "parse_columns",
    "read_log",
    "synthetic_log",
    "validate_log",
    "write_log",
]
