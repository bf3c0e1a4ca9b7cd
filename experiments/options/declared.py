"""Every command's options, declared once (kind, range, meaning): the one place they live.

The `Spec` machinery is the simulation library's (`sim.schema`, also used by the market
dataclasses); which options a *command* takes is the experiments' business, so it is declared
here. Each command is one `Command` in `COMMANDS`: its options (a nested mapping of specs), the
config nodes validated on their own (``market``, ``policy``), and a sentence for the reference
(docs/configuration.md). A new command (e.g. ``design``) adds one `Command` with `register`;
shared options (``workers``, ``store`` ...) are reused from `STUDY`, never re-declared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.metrics import KPIS
from sim.schema import SEED_MAX, Spec
from sim.store_profile import CURRENCIES

MAX_REPLICATIONS = 100_000
MAX_WORKERS = 1024
MAX_SCENARIOS = 1_000_000
MAX_BOOTSTRAP = 100_000
"""Resamples are analysed in a Python loop (equilibrium survival): 10^5 take minutes."""
LANGS = ("en", "zh")

SEED = Spec("integer", "base seed (replication r uses seed + r)", low=0, high=SEED_MAX)
ACTIVATION = Spec(
    "choice",
    "batch: vectorized rules; agent: each Customer.step in Mesa's shuffled order (teaching, "
    "docking)",
    choices=("batch", "agent"),
)
POLICY_NAMES = Spec(
    "list",
    "policy configs (configs/policy/*.yaml names); null = all of them",
    item=Spec("text", "a policy config name"),
    type_name="policy config names",
    nullable=True,
    min_items=1,
    single_ok=True,
)
LEVEL = Spec(
    "number", "confidence level of every interval", low=0, high=1, low_open=True, high_open=True
)

STUDY: dict[str, Any] = {
    "seed": SEED,
    "replications": Spec(
        "integer",
        "runs per policy (and scenario/profile), seeds seed .. seed+replications-1",
        low=1,
        high=MAX_REPLICATIONS,
    ),
    "workers": Spec(
        "integer",
        "parallel processes (or Ray CPUs); null = number of cores",
        low=1,
        high=MAX_WORKERS,
        nullable=True,
    ),
    "level": LEVEL,
    "output_dir": Spec(
        "path", "where the outputs go; null = the Hydra run directory", nullable=True
    ),
    "executor": {  # the `executor` config group (configs/executor/local.yaml, ray.yaml)
        "name": Spec(
            "choice",
            "where runs execute: local processes or a Ray cluster",
            choices=("local", "ray"),
        ),
        "address": Spec(
            "text", "Ray cluster address (executor=ray); null = start a local Ray", nullable=True
        ),
    },
    "fresh": Spec("boolean", "ignore finished runs in the run store and recompute them"),
    "store": Spec("path", "run store directory (resume); null = outputs/run_store", nullable=True),
    "output": {
        "progress": Spec("boolean", "show a progress bar over runs"),
        "table": Spec("boolean", "print the results table"),
    },
    "report": {
        "enabled": Spec("boolean", "write figures and the report page"),
        "lang": Spec("choice", "language of the report", choices=LANGS),
    },
}
"""Options every study (compare, robustness, tournament) shares."""

RUN_OPTIONS: dict[str, Any] = {
    "seed": Spec("integer", "seed of every random stream of the run", low=0, high=SEED_MAX),
    "activation": ACTIVATION,
    "output": {
        "transactions": Spec("boolean", "also write transactions.parquet (the log schema)"),
        "segments": Spec("boolean", "write yearly segment snapshots of the focal store's members"),
        "progress": Spec("boolean", "show a progress bar over ticks"),
        "table": Spec("boolean", "print the per-store KPI table"),
    },
}
"""Options of ``python -m experiments.run`` besides ``market`` and ``policy`` (configs/run.yaml)."""

COMPARE_OPTIONS: dict[str, Any] = {
    "policies": POLICY_NAMES,
    "baseline": Spec("text", "the policy the others are compared with (run first)"),
    **STUDY,
    "roi_method": Spec(
        "choice",
        "ROI interval: delta method or bootstrap of the ratio of means",
        choices=("delta", "bootstrap"),
    ),
    "activation": ACTIVATION,
    "scale_check": Spec(
        "integer",
        "runs of every policy at half and at double the market's customers, to say when a "
        "verdict changes sign with the store's size (0 = none; about 40% of the comparison's "
        "run time again at 2; only policies with a clear verdict are run again)",
        low=0,
        high=MAX_REPLICATIONS,
    ),
}
"""Options of ``python -m experiments.compare`` besides ``market`` (configs/compare.yaml)."""

ROBUSTNESS_OPTIONS: dict[str, Any] = {
    "policies": POLICY_NAMES,
    "baseline": Spec("text", "the policy the others are compared with (run first)"),
    "scenarios": Spec(
        "integer",
        "combinations of the uncertain assumptions to simulate",
        low=2,
        high=MAX_SCENARIOS,
    ),
    "design": Spec(
        "choice",
        "how scenarios are drawn (auto picks by size; docs/robustness.md)",
        choices=("auto", "lhs", "sobol", "morris", "saltelli"),
    ),
    **STUDY,
    "activation": ACTIVATION,
}
"""Options of ``python -m experiments.robustness`` besides ``market`` and ``uncertainty``."""

TOURNAMENT_OPTIONS: dict[str, Any] = {
    "rivals": Spec(
        "list",
        "stores that choose a policy too (store ids of the market)",
        item=Spec("text", "a store id"),
        type_name="store ids",
        min_items=1,
        single_ok=True,
    ),
    "policies": Spec(
        "list",
        "every store's policy set (configs/policy/*.yaml names)",
        item=Spec("text", "a policy config name"),
        type_name="policy config names",
        min_items=1,
        single_ok=True,
    ),
    "store_policies": Spec(
        "node",
        "a store's own policy set: {STORE: [policy, ...]}",
        nullable=True,
        type_name="a mapping store -> policy names",
    ),
    "payoff": Spec(
        "choice", "the KPI each store maximises (retention is reported too)", choices=tuple(KPIS)
    ),
    "bootstrap": Spec(
        "integer", "bootstrap resamples of the replications (0 = none)", low=0, high=MAX_BOOTSTRAP
    ),
    **STUDY,
}
"""Options of ``python -m experiments.tournament`` besides ``market``."""

DESIGN_OPTIONS: dict[str, Any] = {
    "policy": Spec("text", "the policy config whose levers are searched (bundles too)"),
    "levers": Spec(
        "list",
        "levers searched (POLICY.PARAMETER or the bare parameter); null = every declared lever",
        item=Spec("text", "a lever name"),
        type_name="lever names",
        min_items=1,
        single_ok=True,
        nullable=True,
    ),
    "ranges": Spec(
        "node",
        "narrowed lever ranges in the lever's units: {lever: [low, high]} (choices: a list)",
        nullable=True,
        type_name="a mapping lever -> range",
    ),
    "objectives": Spec(
        "list",
        "[profit] (TPE) or [profit, retention] (NSGA-II)",
        item=Spec("choice", "an objective", choices=("profit", "retention")),
        type_name="objectives",
        min_items=1,
        max_items=2,
        single_ok=True,
    ),
    "trials": Spec("integer", "settings to try", low=1, high=100_000),
    "batch": Spec("integer", "settings simulated together (one batch of runs)", low=1, high=1_000),
    "sampler_seed": Spec("integer", "seed of the search itself", low=0, high=SEED_MAX),
    "baseline": Spec("text", "what each setting is compared with (a policy config)"),
    "robust": Spec(
        "choice",
        "judge settings over scenarios of configs/uncertainty: mean, worst or regret",
        choices=("mean", "worst", "regret"),
        nullable=True,
    ),
    "scenarios": Spec("integer", "robust only: scenarios of the assumptions", low=1, high=10_000),
    "reevaluate": {
        "top": Spec("integer", "best settings re-run on fresh seeds", low=1, high=1_000),
        "replications": Spec(
            "integer", "runs of each on fresh seeds", low=2, high=MAX_REPLICATIONS
        ),
    },
    **STUDY,
    "replications": Spec(
        "integer", "runs per setting, paired with the baseline's", low=2, high=MAX_REPLICATIONS
    ),
}
"""Options of ``python -m experiments.design`` besides ``market`` and ``uncertainty``."""

CALIBRATE_OPTIONS: dict[str, Any] = {
    "log": Spec("path", "the store's transaction export (.csv or .parquet)"),
    "calibration_end": Spec(
        "date",
        "last day of the calibration period; null = two thirds into the log's span",
        nullable=True,
    ),
    "store": Spec(
        "text", "store_id to calibrate (needed when the log holds several stores)", nullable=True
    ),
    "name": Spec(
        "text",
        "market name: DIR/market/NAME.yaml, used as market=NAME",
        pattern=r"[A-Za-z][A-Za-z0-9_-]{0,63}",  # as calibration.pipeline.NAME_PATTERN
        pattern_text="a name starting with a letter, then letters, digits, _ or - (at most 64)",
    ),
    "out": Spec("path", "output directory"),
    "lang": Spec("choice", "report language", choices=LANGS),
    "market": Spec("boolean", "fit a market by indirect inference (--no-market: fit only)"),
    "pareto": Spec("boolean", "also fit Pareto/NBD (--no-pareto skips it)"),
    "max_evaluations": Spec(
        "integer", "simulations allowed to the indirect inference", low=1, high=10_000
    ),
    "seed": Spec("integer", "seed of the simulations", low=0, high=SEED_MAX),
    "quiet": Spec("boolean", "no progress bar"),
    # reading the export (experiments/export_args.py; the mapping itself is parsed there)
    "columns": Spec(
        "text",
        "COL=NAME,... naming the export's own headers (customer_id, date, amount ...)",
        nullable=True,
    ),
    "date_format": Spec("text", "strptime format of the dates, e.g. %d.%m.%Y", nullable=True),
    "refunds": Spec(
        "choice",
        "negative lines: net them against their purchase, or drop them",
        choices=("net", "drop"),
        nullable=True,
    ),
    "lenient": Spec("boolean", "reject bad rows (reported per reason) instead of stopping"),
    # the store's profile
    "currency": Spec(
        "choice",
        "ISO code of the export's money (not given: CNY, marked as assumed)",
        choices=tuple(CURRENCIES),
        nullable=True,
    ),
    "store_name": Spec("text", "the store's name in reports", nullable=True),
    "margin": Spec("number", "the store's gross margin on revenue", low=0, high=1, nullable=True),
    "spend_per_visit": Spec(
        "number",
        "spend per visit for a log without amounts",
        low=0,
        low_open=True,
        high=1e9,
        nullable=True,
    ),
    # the member twin
    "force": Spec("boolean", "write a market that cannot match its log (flagged)"),
    "twin": Spec(
        "boolean", "the market's focal customers are the store's members (the member twin)"
    ),
    "max_members": Spec(
        "integer",
        "members simulated one agent each; a weighted sample beyond",
        low=1,
        high=10_000_000,
        nullable=True,
    ),
}
"""Options of ``python -m experiments.calibrate LOG`` (argparse flags, same names)."""


@dataclass(frozen=True)
class Command:
    """One command's declared options: what `check_command` validates and the docs show."""

    name: str
    options: Mapping[str, Any]
    source: str
    """Where the defaults live (a config file, or 'command line')."""
    skip: tuple[str, ...] = ("market",)
    """Nodes validated on their own (the market's dataclasses, the policy node ...)."""
    note: str = ""


COMMANDS: dict[str, Command] = {}


def register(command: Command) -> Command:
    """Declare a command's options (one call per command; the docs pick it up)."""
    COMMANDS[command.name] = command
    return command


register(
    Command(
        "run",
        RUN_OPTIONS,
        "configs/run.yaml",
        skip=("market", "policy"),
        note="Besides `market` and `policy`. Top-level keys that an `experiment/` file "
        "interpolates (e.g. `drift_rate`) are accepted as knobs.",
    )
)
register(
    Command(
        "compare",
        COMPARE_OPTIONS,
        "configs/compare.yaml",
        note="Besides `market`. A study's size (its parallel runs and collected results) "
        "is checked against this machine's memory, and its time estimated, before "
        "any run.",
    )
)
register(
    Command(
        "robustness",
        ROBUSTNESS_OPTIONS,
        "configs/robustness.yaml",
        skip=("market", "uncertainty"),
        note="Besides `market` and `uncertainty` (ranges: docs/robustness.md). Size: "
        "scenarios x policies x replications runs, checked like compare's.",
    )
)
register(
    Command(
        "tournament",
        TOURNAMENT_OPTIONS,
        "configs/tournament.yaml",
        note="Besides `market`. Size: every strategy profile x replications runs plus "
        "the bootstrap's resamples, checked against this machine's memory.",
    )
)
register(
    Command(
        "design",
        DESIGN_OPTIONS,
        "configs/design.yaml",
        skip=("market", "uncertainty"),
        note="Besides `market` and `uncertainty` (robust objectives). Lever names and ranges "
        "are checked against the policy's declared levers (docs/design.md). Size: trials x "
        "replications (x scenarios) runs plus the re-evaluation, checked like compare's.",
    )
)
register(
    Command(
        "calibrate",
        CALIBRATE_OPTIONS,
        "command line",
        skip=(),
        note="Flags of `python -m experiments.calibrate LOG` (`--calibration-end`, "
        "`--max-evaluations` ...: underscores become dashes).",
    )
)
