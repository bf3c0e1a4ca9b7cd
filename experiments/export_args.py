"""The export-reading options shared by ``experiments.segment`` and ``experiments.calibrate``.

Declared once so both commands accept the same spellings, and every hint the reader prints
(``--columns``, ``--date-format``, ``--refunds``, ``--lenient``) names an option that exists
on the command that printed it.
"""

from __future__ import annotations

import argparse

from sim.translog import REFUND_RULES, ExportOptions

__all__ = ["add_export_arguments", "add_store_arguments", "export_options", "store_inputs"]


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("reading a store's export")
    g.add_argument(
        "--columns",
        default=None,
        metavar="COL=NAME,...",
        help="the file's names of the log columns, e.g. "
        "customer_id=会员编号,date=消费日期,amount=消费金额 (common Chinese and "
        "English headers are recognised without it)",
    )
    g.add_argument(
        "--date-format",
        dest="date_format",
        default=None,
        metavar="FORMAT",
        help="how dates are written, strptime style: %%d.%%m.%%Y for 01.05.2023 "
        "meaning 1 May (needed when no day above 12 tells day from month)",
    )
    g.add_argument(
        "--refunds",
        default=None,
        choices=REFUND_RULES,
        help="negative amount lines: net them against the customer's purchase, or "
        "drop them (default: refuse the file)",
    )
    g.add_argument(
        "--lenient",
        action="store_true",
        help="reject bad rows (reported per reason) instead of stopping",
    )


def export_options(args: argparse.Namespace, *, require_amount: bool = True) -> ExportOptions:
    """The parsed options as the reader's ``ExportOptions`` (raises ``LogError`` if bad)."""
    return ExportOptions.from_text(
        args.columns, args.date_format, args.refunds, require_amount=require_amount
    )


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    """What ``calibrate`` is told about the store (its profile): currency, name, margin, and
    the spend per visit of a log without amounts."""
    from sim.store_profile import CURRENCIES

    g = parser.add_argument_group("the store")
    g.add_argument(
        "--currency",
        default=None,
        metavar="CODE",
        help=f"ISO code of the export's money (default CNY; known: {', '.join(CURRENCIES)})",
    )
    g.add_argument(
        "--store-name",
        dest="store_name",
        default=None,
        help="the store's name in reports (default: --store, else --name)",
    )
    g.add_argument(
        "--margin",
        type=float,
        default=None,
        help="the store's gross margin on revenue (default: assumed, 0.4)",
    )
    g.add_argument(
        "--spend-per-visit",
        dest="spend_per_visit",
        type=float,
        default=None,
        help="spend per visit for a log without amounts (default: the market's)",
    )


def store_inputs(args: argparse.Namespace):
    """``StoreInputs`` of the calibration from the parsed arguments (raises one-line errors)."""
    from experiments.calibration.profile import StoreInputs

    return StoreInputs(
        options=export_options(args, require_amount=False),
        strict=not args.lenient,
        currency=args.currency or "CNY",
        currency_given=args.currency is not None,
        spend_per_visit=args.spend_per_visit,
        margin=args.margin,
        store_name=args.store_name,
    )
