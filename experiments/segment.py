"""Segment a transaction log: ``python -m experiments.segment PATH [options]``.

Reads a store's own export or a simulated log (CSV or parquet: customer_id, date, amount and
optional store_id, promo, discount), prints the segment table of SEEDS 003 and writes
``segments.csv`` with one row per member: segment, A/B/C/D tier, value class, CLV and every
summary feature. Plain argparse (no Hydra): this is a data tool, not a simulation run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.clv import (
    DEFAULT_MARGIN,
    MAX_LIFETIME_YEARS,
    TierParams,
    abcd_tiers,
    buyer_top_share,
    clv,
    estimate_retention,
    expected_lifetime,
    value_classes,
)
from sim.segments import FEATURES, FLAG_COLUMNS, SEGMENTS, assign_segments, summarize
from sim.translog import LogError, read_log

OUTPUT_NAME = "segments.csv"
LEAD_COLUMNS = ("customer_id", "segment", "tier_abcd", "value_class", "clv")
MONEY_COLUMNS = ("clv", "monetary_value", "total_spend", "yearly_spend", "avg_ticket",
                 "max_ticket", "promo_revenue")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument as one ``error: ...`` line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m experiments.segment",
        description="Member segments (SEEDS 003), A/B/C/D tiers, value classes and CLV of a "
        "transaction log.",
    )
    p.add_argument("path", type=Path, help="transaction log (.csv or .parquet)")
    p.add_argument("--as-of", dest="as_of", default=None,
                   help="evaluation date YYYY-MM-DD (default: last date in the log)")
    p.add_argument("--out", type=Path, default=Path("."),
                   help=f"directory for {OUTPUT_NAME} (default: current directory)")
    p.add_argument("--margin", type=float, default=DEFAULT_MARGIN,
                   help="gross margin as a share of revenue, for CLV (default 0.4)")
    p.add_argument("--retention", type=float, default=None,
                   help="yearly retention rate for CLV (default: estimated from the log)")
    p.add_argument("--levels", type=int, default=3, choices=(3, 4),
                   help="levels per A/B/C/D tier: 3 (A1..D3) or 4 (A1..D4)")
    p.add_argument("--store", default=None,
                   help="only this store_id's transactions (e.g. the focal store of a run)")
    p.add_argument("--lenient", action="store_true",
                   help="reject bad rows (reported per reason) instead of stopping")
    return p


def _parse_date(text: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if stamp is pd.NaT:
        raise ValueError(f"--as-of {text!r}: not a date (use YYYY-MM-DD)")
    return stamp.normalize()


def segment_table(members: pd.DataFrame) -> pd.DataFrame:
    """Count, share of members, share of last-year revenue and average ticket per segment."""
    grouped = members.groupby("segment", observed=False)
    count = grouped.size().reindex(list(SEGMENTS), fill_value=0)
    revenue = grouped["yearly_spend"].sum().reindex(list(SEGMENTS), fill_value=0.0)
    spend = grouped["total_spend"].sum().reindex(list(SEGMENTS), fill_value=0.0)
    visits = grouped["n_purchases"].sum().reindex(list(SEGMENTS), fill_value=0)
    n, total_rev = len(members), float(revenue.sum())
    table = pd.DataFrame(
        {
            "members": count.astype(int),
            "share_of_members": count / n if n else 0.0,
            "share_of_revenue_365d": revenue / total_rev if total_rev > 0 else 0.0,
            "avg_ticket": (spend / visits.replace(0, np.nan)),
        }
    )
    table.index.name = "segment"
    return table


def run(args: argparse.Namespace) -> int:
    if not 0.0 <= args.margin <= 1.0:
        raise ValueError(f"--margin {args.margin}: must be in [0, 1]")
    if args.retention is not None and not 0.0 <= args.retention <= 1.0:
        raise ValueError(f"--retention {args.retention}: must be in [0, 1]")
    as_of = _parse_date(args.as_of) if args.as_of is not None else None
    if args.out.exists() and not args.out.is_dir():
        raise ValueError(f"--out {args.out}: exists and is not a directory")

    log = read_log(args.path, strict=not args.lenient, report=print)
    if as_of is None and not log.empty:
        as_of = log["date"].max()  # the export's end, also when one store's log ends earlier
    if args.store is not None:
        if "store_id" not in log.columns:
            raise ValueError(f"--store {args.store}: the log has no store_id column")
        stores = sorted(log["store_id"].unique())
        if args.store not in stores:
            raise ValueError(f"--store {args.store}: not in the log (stores: {', '.join(stores)})")
        log = log[log["store_id"] == args.store].reset_index(drop=True)
        print(f"store {args.store}: {len(log):,d} transactions")
    if log.empty:
        raise ValueError(f"{args.path.name}: no valid transactions")
    if as_of is not None and as_of < log["date"].min():
        raise ValueError(
            f"--as-of {as_of:%Y-%m-%d}: before the first transaction "
            f"({log['date'].min():%Y-%m-%d})"
        )
    summary = summarize(log, as_of)
    as_of = summary.attrs["as_of"]
    members = assign_segments(summary)

    if args.retention is None:
        est = estimate_retention(log, as_of)
        print(est.describe())
        retention = est.rate if est.base else 0.0
        if not est.base:
            print("  CLV uses r = 0 (one year of profit); pass --retention to set it")
    else:
        retention = args.retention
        print(f"retention r = {retention:.3f} (given)")
    life = expected_lifetime(retention)
    print(f"expected lifetime = min(1 / (1 - r), {MAX_LIFETIME_YEARS:g}) = {life:.2f} years; "
          f"margin = {args.margin:g}")

    members["clv"] = clv(members, retention=retention, margin=args.margin)
    members["tier_abcd"] = abcd_tiers(members, value=members["clv"],
                                      params=TierParams(levels_per_tier=args.levels))
    members["value_class"] = value_classes(members)

    buyers = int((members["yearly_spend"] > 0).sum())
    print(f"\n{len(members):,d} members on {as_of:%Y-%m-%d}, {buyers:,d} bought in the last "
          f"365 days; top-20% buyer revenue share (the top 20% of those buyers' share of "
          f"last-year revenue): {buyer_top_share(members['yearly_spend'], 0.2):.1%}")
    table = segment_table(members)
    with pd.option_context("display.width", 120):
        print(table.to_string(na_rep="-", formatters={
            "share_of_members": "{:.1%}".format,
            "share_of_revenue_365d": "{:.1%}".format,
            "avg_ticket": "{:,.1f}".format,
        }))

    args.out.mkdir(parents=True, exist_ok=True)
    out = members.reset_index()
    columns = list(LEAD_COLUMNS) + list(FEATURES) + list(FLAG_COLUMNS)
    out = out[columns]
    for col in ("first_date", "last_date"):
        out[col] = out[col].dt.strftime("%Y-%m-%d")
    # yuan to the fen, ratios to 4 decimals: readable, and nothing a store owner would miss
    for col in MONEY_COLUMNS:
        out[col] = out[col].round(2)
    for col in ("promo_share", "mean_gap_days"):
        out[col] = out[col].round(4)
    path = args.out / OUTPUT_NAME
    out.to_csv(path, index=False)
    print(f"\nwrote {path} ({len(out):,d} rows)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except (LogError, ValueError, FileNotFoundError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
