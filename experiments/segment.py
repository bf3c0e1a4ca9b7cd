"""Segment a transaction log: ``python -m experiments.segment PATH [options]``.

Reads a store's own export or a simulated log (CSV or parquet: customer_id, date, amount and
optional store_id, promo, discount), prints the segment table of SEEDS 003 and writes
``segments.csv`` with one row per member: segment, A/B/C/D tier, value class, CLV and every
summary feature. Plain argparse (no Hydra): this is a data tool, not a simulation run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.arg_parser import OneLineParser, directory
from experiments.export_args import add_export_arguments, export_options
from experiments.options.check import check_creatable
from experiments.pipes import quiet_broken_pipe
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
from sim.segment_log import assign_segments, summarize
from sim.segments import FEATURES, FLAG_COLUMNS, SEGMENTS
from sim.translog import LogError, read_log

OUTPUT_NAME = "segments.csv"
LEAD_COLUMNS = ("customer_id", "segment", "tier_abcd", "value_class", "clv")
MONEY_COLUMNS = (
    "clv",
    "monetary_value",
    "total_spend",
    "yearly_spend",
    "avg_ticket",
    "max_ticket",
    "promo_revenue",
)



def build_parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="python -m experiments.segment",
        description="Member segments (SEEDS 003), A/B/C/D tiers, value classes and CLV of a "
        "transaction log.",
    )
    p.add_argument("path", type=Path, help="transaction log (.csv, .parquet or .xlsx)")
    p.add_argument(
        "--as-of",
        dest="as_of",
        default=None,
        help="evaluation date YYYY-MM-DD (default: last date in the log)",
    )
    p.add_argument(
        "--out",
        type=directory,
        default=None,
        help=f"directory for {OUTPUT_NAME} (default: the input file's directory)",
    )
    p.add_argument(
        "--margin",
        type=float,
        default=DEFAULT_MARGIN,
        help="gross margin as a share of revenue, for CLV (default 0.4)",
    )
    p.add_argument(
        "--retention",
        type=float,
        default=None,
        help="yearly retention rate for CLV (default: estimated from the log)",
    )
    p.add_argument(
        "--levels",
        type=int,
        default=3,
        choices=(3, 4),
        help="levels per A/B/C/D tier: 3 (A1..D3) or 4 (A1..D4)",
    )
    stores = p.add_mutually_exclusive_group()
    stores.add_argument(
        "--store",
        default=None,
        help="only this store_id's transactions (e.g. the focal store of a run); "
        "needed when the log holds several stores, unless --per-store",
    )
    stores.add_argument(
        "--per-store",
        dest="per_store",
        action="store_true",
        help="segment each store of a multi-store log on its own "
        "(segments.csv gains a store_id column)",
    )
    add_export_arguments(p)
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


class _Say:
    """`print` that survives a closed pipe (``... | head``): once the reader is gone, the rest
    of the text is dropped quietly and the work (writing segments.csv) still completes."""

    def __init__(self) -> None:
        self.closed = False

    def __call__(self, *parts: object) -> None:
        if self.closed:
            return
        try:
            print(*parts, flush=True)
        except BrokenPipeError:
            self.closed = True
            quiet_broken_pipe()


def run(args: argparse.Namespace) -> int:
    if not 0.0 <= args.margin <= 1.0:
        raise ValueError(f"--margin {args.margin}: must be in [0, 1]")
    if args.retention is not None and not 0.0 <= args.retention <= 1.0:
        raise ValueError(f"--retention {args.retention}: must be in [0, 1]")
    as_of = _parse_date(args.as_of) if args.as_of is not None else None
    out_dir = args.out if args.out is not None else args.path.parent
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"--out {out_dir}: exists and is not a directory")
    check_creatable(out_dir, "--out")  # before reading the log, not after all the work
    say = _Say()

    options = export_options(args)
    log = read_log(args.path, strict=not args.lenient, report=say, options=options)
    if as_of is None and not log.empty:
        as_of = log["date"].max()  # the export's end, also when one store's log ends earlier
    stores = sorted(log["store_id"].unique()) if "store_id" in log.columns else []
    if args.store is not None:
        if "store_id" not in log.columns:
            raise ValueError(f"--store {args.store}: the log has no store_id column")
        if args.store not in stores:
            raise ValueError(f"--store {args.store}: not in the log (stores: {', '.join(stores)})")
        log = log[log["store_id"] == args.store].reset_index(drop=True)
        say(f"store {args.store}: {len(log):,d} transactions")
    elif len(stores) > 1 and not args.per_store:
        # pooled stores would mix different customer bases into one fit (the r 0.60
        # for the pool against ~0.29 for the focal store): refuse, naming the way forward
        raise ValueError(
            f"{args.path.name}: the log holds {len(stores)} stores "
            f"({', '.join(stores)}); choose one with --store ID, or segment each "
            "on its own with --per-store"
        )
    if log.empty:
        raise ValueError(f"{args.path.name}: no valid transactions")
    if args.per_store and len(stores) > 1:
        parts = []
        for store in stores:
            say(f"\n== store {store} ==")
            part = log[log["store_id"] == store].reset_index(drop=True)
            members = _segment(part, as_of, args, say)
            parts.append(members.reset_index().assign(store_id=store))
        out = pd.concat(parts, ignore_index=True)
        lead = ["store_id", *LEAD_COLUMNS]
    else:
        out = _segment(log, as_of, args, say).reset_index()
        lead = list(LEAD_COLUMNS)
    _write(out, lead, out_dir, say)
    return 0


def _segment(
    log: pd.DataFrame, as_of: pd.Timestamp | None, args: argparse.Namespace, say: _Say
) -> pd.DataFrame:
    """Members of one store's log: segment, CLV, tier and value class; prints the table."""
    if as_of is not None and as_of < log["date"].min():
        raise ValueError(
            f"--as-of {as_of:%Y-%m-%d}: before the first transaction ({log['date'].min():%Y-%m-%d})"
        )
    summary = summarize(log, as_of)
    as_of = summary.attrs["as_of"]
    members = assign_segments(summary)

    if args.retention is None:
        est = estimate_retention(log, as_of)
        say(est.describe())
        retention = est.rate if est.base else 0.0
        if not est.base:
            say("  CLV uses r = 0 (one year of profit); pass --retention to set it")
    else:
        retention = args.retention
        say(f"retention r = {retention:.3f} (given)")
    life = expected_lifetime(retention)
    say(
        f"expected lifetime = min(1 / (1 - r), {MAX_LIFETIME_YEARS:g}) = {life:.2f} years; "
        f"margin = {args.margin:g}"
    )

    members["clv"] = clv(members, retention=retention, margin=args.margin)
    members["tier_abcd"] = abcd_tiers(
        members, value=members["clv"], params=TierParams(levels_per_tier=args.levels)
    )
    members["value_class"] = value_classes(members)

    buyers = int((members["yearly_spend"] > 0).sum())
    say(
        f"\n{len(members):,d} members on {as_of:%Y-%m-%d}, {buyers:,d} bought in the last "
        f"365 days; top-20% buyer revenue share (the top 20% of those buyers' share of "
        f"last-year revenue): {buyer_top_share(members['yearly_spend'], 0.2):.1%}"
    )
    table = segment_table(members)
    with pd.option_context("display.width", 120):
        say(
            table.to_string(
                na_rep="-",
                formatters={
                    "share_of_members": "{:.1%}".format,
                    "share_of_revenue_365d": "{:.1%}".format,
                    "avg_ticket": "{:,.1f}".format,
                },
            )
        )
    return members


def _write(out: pd.DataFrame, lead: list[str], out_dir: Path, say: _Say) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    columns = lead + list(FEATURES) + list(FLAG_COLUMNS)
    out = out[columns]
    for col in ("first_date", "last_date"):
        out[col] = out[col].dt.strftime("%Y-%m-%d")
    # yuan to the fen, ratios to 4 decimals: readable, and nothing a store owner would miss
    for col in MONEY_COLUMNS:
        out[col] = out[col].round(2)
    for col in ("promo_share", "mean_gap_days"):
        out[col] = out[col].round(4)
    path = out_dir / OUTPUT_NAME
    tmp = path.with_name(f".{OUTPUT_NAME}.{os.getpid()}.tmp")
    try:
        out.to_csv(tmp, index=False)
        os.replace(tmp, path)  # atomic: never a half-written segments.csv
    finally:
        tmp.unlink(missing_ok=True)
    say(f"\nwrote {path} ({len(out):,d} rows)")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except (LogError, ValueError, FileNotFoundError, OSError) as exc:  # ConfigError included
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
