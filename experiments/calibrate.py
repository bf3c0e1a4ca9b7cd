"""Calibrate a market from a store's transaction export: ``python -m experiments.calibrate LOG``.

Fits BG/NBD, Pareto/NBD and Gamma-Gamma on the calibration period (default: the first two
thirds of the log's span), validates on the holdout period, chooses the market's customer-base
parameters by indirect inference and writes fit.json, DIR/market/NAME.yaml (use it with
``python -m experiments.compare --config-dir DIR market=NAME``), tracking.png,
conditional.png, cumulative.png and calibration.html. Plain argparse: a data tool. Method:
docs/calibration.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from experiments.arg_parser import OneLineParser, directory
from experiments.calibration.pipeline import calibrate
from experiments.export_args import add_export_arguments, add_store_arguments, store_inputs
from experiments.options.studies import precheck_calibrate
from sim.errors import ConfigError
from sim.translog import LogError


def build_parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="python -m experiments.calibrate",
        description="Calibrate a market from a store's transaction log.",
    )
    p.add_argument("log", type=Path, help="transaction log (.csv, .parquet or .xlsx)")
    p.add_argument(
        "--calibration-end",
        default=None,
        help="last day of the calibration period, YYYY-MM-DD (default: two thirds "
        "into the log's span)",
    )
    p.add_argument(
        "--store",
        default=None,
        help="store_id to calibrate (needed when the log holds several stores)",
    )
    p.add_argument("--name", default="calibrated", help="market name (default: calibrated)")
    p.add_argument(
        "--out",
        type=directory,
        default=Path("calibration"),
        help="output directory (default: ./calibration)",
    )
    p.add_argument("--lang", default="en", choices=("en", "zh"), help="report language")
    p.add_argument(
        "--no-market",
        dest="market",
        action="store_false",
        help="fit and validate only (no indirect inference, no market YAML)",
    )
    p.add_argument(
        "--no-pareto",
        dest="pareto",
        action="store_false",
        help="skip the Pareto/NBD comparison fit",
    )
    p.add_argument(
        "--max-evaluations",
        type=int,
        default=25,
        help="simulations allowed to the indirect inference (default 25)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the simulations (default 0)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--force",
        action="store_true",
        help="write the market even when it cannot match its log (see health)",
    )
    p.add_argument(
        "--twin",
        action="store_true",
        help="the market's focal customers are the store's own members (the member "
        "twin; the store's policies act on them: docs/calibration.md)",
    )
    p.add_argument(
        "--max-members",
        type=int,
        default=None,
        help="member twin: keep a weighted sample of this many members (default all)",
    )
    add_export_arguments(p)
    add_store_arguments(p)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.twin and not args.market:
        parser.error("--twin puts the members in the market, and --no-market writes none")
    try:
        precheck_calibrate(vars(args))  # declared flags, the log file, memory: before reading
        run = calibrate(
            args.log,
            out=args.out,
            store=args.store,
            inputs=store_inputs(args),
            calibration_end=args.calibration_end,
            name=args.name,
            lang=args.lang,
            market=args.market,
            pareto=args.pareto,
            max_evaluations=args.max_evaluations,
            seed=args.seed,
            progress=not args.quiet,
            force=args.force,
            max_members=args.max_members,
            twin=args.twin,
        )
    except (ConfigError, LogError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for key, path in run.files.items():
        print(f"wrote {path} ({key})")
    if run.market is not None:
        print(f"next: python -m experiments.compare --config-dir {args.out} market={args.name}")
    elif args.market:  # asked for and refused by the health checks: a script must not go on
        print("error: the market was not written (see the health lines above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
