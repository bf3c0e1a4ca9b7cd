"""`python -m experiments.collect SWEEP_DIR`: one tidy ``runs.parquet`` from a Hydra multirun.

One row per run x store: the run's overrides as columns (from ``.hydra/overrides.yaml``), then
``store_id``, ``is_focal`` and every KPI of its ``summary.json``. Missing runs (a job dir without
``summary.json``, job numbers absent from the sequence, fewer jobs than ``multirun.yaml``
declares) and failed runs (an unreadable ``summary.json``, or none and an error in the job's
log) are listed. Exit 0 when at least one run was collected;
2 with a one-line error when SWEEP_DIR does not exist or holds no finished run.

``--plot KPI --x PARAM [--hue PARAM]`` also draws ``sweep_<KPI>.png``: the KPI of the focal store
(or ``--store``) against a swept parameter, mean over the other runs with a 95% CI band.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from experiments.arg_parser import OneLineParser
from experiments.cli import sweep_values
from experiments.common import CONFIG_DIR, clean_errors, config_choices
from experiments.engine.store import COMPLETE, atomic_to_parquet
from sim.errors import ConfigError

JOB_COLUMNS = ("job", "job_dir")


@dataclass
class Collected:
    """What a sweep directory holds."""

    runs: pd.DataFrame
    n_jobs: int = 0
    n_collected: int = 0
    expected: int | None = None
    missing: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    rerun: list[str] = field(default_factory=list)
    """Commands that run only the missing, incomplete or failed jobs (into their own dirs)."""


# --------------------------------------------------------------------------- overrides
def _loader() -> type:
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_loader())  # a safe loader


def _scalar(text: str) -> Any:
    """An override's value as Python (numbers as numbers, null as None, the rest as text)."""
    try:
        value = yaml.load(text, Loader=_loader())  # a safe loader
    except yaml.YAMLError:
        return text
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    return text


def override_columns(overrides: Iterable[str]) -> dict[str, Any]:
    """``["policy=x", "+a.b=2", "~c"]`` -> ``{"policy": "x", "a.b": 2}`` (deletions skipped)."""
    out: dict[str, Any] = {}
    for item in overrides:
        item = str(item)
        if item.startswith("~") or "=" not in item:
            continue
        key, value = item.split("=", 1)
        out[key.lstrip("+")] = _scalar(value)
    return out


def declared_overrides(sweep_dir: Path) -> list[str] | None:
    """The sweep's overrides as ``multirun.yaml`` records them (basic sweeper only)."""
    path = sweep_dir / "multirun.yaml"
    if not path.is_file():
        return None
    try:
        cfg = _read_yaml(path) or {}
        hydra = cfg.get("hydra") or {}
        sweeper = hydra.get("sweeper") or {}
        target = str(sweeper.get("_target_", ""))
        if target and "BasicSweeper" not in target:
            return None
        items: dict[str, str] = {}
        for key, value in (sweeper.get("params") or {}).items():
            items[str(key).lstrip("+")] = f"{key}={value}"
        for item in (hydra.get("overrides") or {}).get("task") or []:
            key = str(item).split("=", 1)[0].lstrip("+~")
            items[key] = str(item)
        return list(items.values())
    except Exception:  # best effort: an unreadable file declares nothing
        return None


def declared_jobs(sweep_dir: Path) -> list[list[str]] | None:
    """Each job's overrides in Hydra's job order (None when they cannot be told: globs,
    shuffled sweeps)."""
    overrides = declared_overrides(sweep_dir)
    if overrides is None:
        return None
    try:
        from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
        from hydra.core.override_parser.overrides_parser import OverridesParser
        from hydra.core.override_parser.types import Glob

        parsed = OverridesParser.create().parse_overrides(overrides)
        sweeps = [ov.value() for ov in parsed if ov.is_sweep_override()]
        if any(isinstance(v, Glob) or getattr(v, "shuffle", False) for v in sweeps):
            return None  # a glob needs the config groups; a shuffle is drawn anew each time
        return [job for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]
    except Exception:  # best effort
        return None


def rerun_command(job_overrides: list[str], job_dir: Path, config_dir: str | None = None) -> str:
    """One `experiments.run` command that runs a job into its own directory: a single run
    (`hydra.mode=RUN`, which a standard study's file would otherwise set to MULTIRUN), with
    the sweep's own `--config-dir`."""
    import shlex

    args = [a for a in job_overrides if not a.startswith("hydra.")]
    where = ["--config-dir", config_dir] if config_dir else []
    return shlex.join(
        [
            "python",
            "-m",
            "experiments.run",
            *where,
            *args,
            "hydra.mode=RUN",
            f"hydra.run.dir={job_dir}",
        ]
    )


def sweep_config_dir(sweep_dir: Path) -> str | None:
    """The `--config-dir` the sweep was started with (multirun.yaml's config sources)."""
    try:
        cfg = _read_yaml(sweep_dir / "multirun.yaml") or {}
        sources = ((cfg.get("hydra") or {}).get("runtime") or {}).get("config_sources") or []
        for source in sources:
            if source.get("provider") == "command-line" and source.get("schema") == "file":
                return str(source.get("path"))
    except Exception:  # best effort: no multirun.yaml, or an unreadable one
        return None
    return None


def declared_count(sweep_dir: Path) -> int | None:
    """Number of jobs a basic-sweeper ``multirun.yaml`` declares (None if it cannot be told:
    other sweepers, e.g. optuna, choose their own number of jobs)."""
    overrides = declared_overrides(sweep_dir)
    if overrides is None:
        return None
    try:
        return _count_sweep(overrides)
    except Exception:  # best effort: an unreadable sweep declares nothing
        return None


def _count_sweep(overrides: list[str]) -> int | None:
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import Glob

    total = 1
    for ov in OverridesParser.create().parse_overrides(overrides):
        if not ov.is_sweep_override():
            continue
        if isinstance(ov.value(), Glob) and not (CONFIG_DIR / ov.key_or_group).is_dir():
            return None
        n = len(sweep_values(ov, config_choices(ov.key_or_group)))
        total *= n
    return total


# --------------------------------------------------------------------------- jobs
def find_job_dirs(sweep_dir: Path) -> list[Path]:
    """Every Hydra job directory (one holding ``.hydra/``) under the sweep dir, sorted."""
    dirs = {p.parent.parent for p in sweep_dir.rglob(".hydra/overrides.yaml")}
    dirs |= {p.parent for p in sweep_dir.rglob("summary.json")}
    return sorted(dirs, key=lambda d: (_job_sort_key(d.relative_to(sweep_dir)), str(d)))


def _job_sort_key(rel: Path) -> tuple:
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in rel.parts)


def job_number(job_dir: Path) -> int | None:
    hydra_yaml = job_dir / ".hydra" / "hydra.yaml"
    if hydra_yaml.is_file():
        try:
            num = ((_read_yaml(hydra_yaml) or {}).get("hydra") or {}).get("job", {}).get("num")
            if isinstance(num, int):
                return num
        except Exception:  # fall back on the directory name
            pass
    return int(job_dir.name) if job_dir.name.isdigit() else None


def _failure_hint(job_dir: Path) -> str:
    """The last line of the job's log that looks like an error, if any."""
    for log in sorted(job_dir.glob("*.log")):
        try:
            lines = log.read_text(errors="replace").splitlines()
        except OSError:
            continue
        for line in reversed(lines):
            if "error" in line.lower() or "exception" in line.lower():
                return line.strip()[:200]
    return ""


def collect(sweep_dir: Path | str) -> Collected:
    """Read every job of a multirun into one tidy frame; list missing and failed runs."""
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.exists():
        raise ConfigError("SWEEP_DIR", f"{str(sweep_dir)!r} does not exist")
    if not sweep_dir.is_dir():
        raise ConfigError("SWEEP_DIR", f"{str(sweep_dir)!r} is not a directory")
    from experiments.engine.outputs import owner

    study = owner(sweep_dir)
    if study is not None:  # its .hydra is the study's, not a job's: no run commands for it
        raise ConfigError(
            "SWEEP_DIR",
            f"{str(sweep_dir)!r} holds the outputs of a {study} study, not a sweep of "
            "experiments.run; its tables are already there",
        )
    jobs = find_job_dirs(sweep_dir)
    expected = declared_count(sweep_dir)
    rows: list[dict[str, Any]] = []
    failed: list[str] = []
    sweep_file = sweep_dir / "multirun.yaml"
    if sweep_file.is_file():
        try:
            _read_yaml(sweep_file)
        except Exception as exc:  # said, not swallowed: the missing jobs cannot be counted
            failed.append(
                f"multirun.yaml: unreadable ({exc.__class__.__name__}): the sweep's declared "
                "jobs cannot be told, so jobs that never started are not listed"
            )
    config_dir = sweep_config_dir(sweep_dir)
    missing_dirs: list[str] = []
    nums: set[int] = set()
    collected = 0
    rerun: dict[int | str, str] = {}
    for job_dir in jobs:
        rel = str(job_dir.relative_to(sweep_dir)) or "."
        num = job_number(job_dir)
        if num is not None:
            nums.add(num)
        over_file = job_dir / ".hydra" / "overrides.yaml"
        try:
            overrides = override_columns(_read_yaml(over_file) or []) if over_file.is_file() else {}
        except Exception as exc:  # report, keep going
            failed.append(
                f"job {num if num is not None else rel} ({rel}): unreadable "
                f"overrides.yaml ({exc.__class__.__name__})"
            )
            continue
        summary_file = job_dir / "summary.json"
        done = summary_file.is_file() and (job_dir / COMPLETE).is_file()
        if not done:
            raw = _read_yaml(over_file) if over_file.is_file() else None
            if isinstance(raw, list):
                rerun[num if num is not None else rel] = rerun_command(
                    [str(a) for a in raw], job_dir, config_dir
                )
            hint = _failure_hint(job_dir)
            what = f"job {num if num is not None else rel} ({rel}): " + (
                "incomplete (no COMPLETE marker: killed or failed while writing)"
                if summary_file.is_file()
                else "no summary.json"
            )
            if hint:  # the job's log shows an error: it failed
                failed.append(f"{what} — {hint}")
            else:  # killed, still running, or never got that far
                missing_dirs.append(what)
            continue
        try:
            summary = json.loads(summary_file.read_text())
            stores = summary["stores"]
            focal = summary.get("focal_store")
        except Exception as exc:  # report, keep going
            failed.append(
                f"job {num if num is not None else rel} ({rel}): unreadable "
                f"summary.json ({exc.__class__.__name__})"
            )
            continue
        collected += 1
        extra: dict[str, Any] = {}
        if "seed" not in overrides and "seed" in summary:
            extra["seed"] = summary["seed"]
        policy_cfg = (summary.get("config") or {}).get("policy")
        if "policy" not in overrides and isinstance(policy_cfg, dict) and "name" in policy_cfg:
            extra["policy"] = policy_cfg["name"]
        for store_id, kpis in stores.items():
            rows.append(
                {
                    "job": num,
                    "job_dir": rel,
                    **overrides,
                    **extra,
                    "store_id": store_id,
                    "is_focal": store_id == focal,
                    **{k: (math.nan if v is None else v) for k, v in kpis.items()},
                }
            )
    top = max(nums) + 1 if nums else 0
    n_expected = max(expected or 0, top)
    missing = missing_dirs + [
        f"job {n}: no job directory" for n in range(n_expected) if n not in nums
    ]
    declared = declared_jobs(sweep_dir)
    for n in range(n_expected):
        if n not in nums and declared is not None and n < len(declared):
            rerun[n] = rerun_command(declared[n], sweep_dir / str(n), config_dir)
    runs = pd.DataFrame(rows)
    if len(runs):
        cost_cols = [c for c in runs.columns if c.startswith("cost_")]
        runs[cost_cols] = runs[cost_cols].fillna(0.0)
    return Collected(
        runs=runs,
        n_jobs=len(jobs),
        n_collected=collected,
        expected=expected,
        missing=missing,
        failed=failed,
        rerun=[rerun[k] for k in sorted(rerun, key=lambda k: (isinstance(k, str), k))],
    )


# --------------------------------------------------------------------------- the command
def plot_sweep(
    runs: pd.DataFrame, kpi: str, x: str, hue: str | None, out: Path, store: str | None = None
) -> Path:
    """``sweep_<kpi>.png``: the KPI of one store vs a swept parameter (mean, 95% CI band)."""
    from experiments.figures import sweep_response

    for name, col in (("--plot", kpi), ("--x", x), ("--hue", hue)):
        if col is not None and col not in runs.columns:
            allowed = [c for c in runs.columns if c not in (*JOB_COLUMNS, "store_id", "is_focal")]
            raise ConfigError(name, f"unknown column {col!r}; available: {', '.join(allowed)}")
    if store is None:
        frame = runs[runs["is_focal"].astype(bool)]
    else:
        known = sorted(runs["store_id"].unique())
        if store not in known:
            raise ConfigError("--store", f"unknown store {store!r}; stores: {', '.join(known)}")
        frame = runs[runs["store_id"] == store]
    if not pd.api.types.is_numeric_dtype(frame[kpi]):
        raise ConfigError("--plot", f"column {kpi!r} is not numeric")
    return sweep_response(frame, kpi, x, hue, out / f"sweep_{kpi}.png")


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(
        prog="python -m experiments.collect",
        description="Collect a Hydra multirun of experiments.run into SWEEP_DIR/runs.parquet.",
    )
    parser.add_argument("sweep_dir", metavar="SWEEP_DIR", type=Path)
    parser.add_argument("--plot", metavar="KPI", help="also draw sweep_<KPI>.png")
    parser.add_argument("--x", metavar="PARAM", help="swept parameter on the x axis (with --plot)")
    parser.add_argument("--hue", metavar="PARAM", help="one line per value of this parameter")
    parser.add_argument("--store", help="store for --plot (default: each run's focal store)")
    args = parser.parse_args(argv)
    if args.plot and not args.x:
        parser.error("--plot needs --x PARAM")
    unused = [f"--{k}" for k in ("x", "hue", "store") if getattr(args, k) and not args.plot]
    if unused:
        parser.error(f"{', '.join(unused)}: only with --plot KPI")
    with clean_errors():
        res = collect(args.sweep_dir)
        if res.n_jobs == 0:
            raise ConfigError(
                "SWEEP_DIR",
                f"{str(args.sweep_dir)!r} holds no Hydra job directories (nothing to collect)",
            )
        for line in res.missing:
            print(f"missing: {line}")
        for line in res.failed:
            print(f"failed: {line}")
        if res.rerun:
            print("to run only the missing jobs (each into its own job directory):")
            for cmd in res.rerun:
                print(f"  {cmd}")
        if res.n_collected == 0:
            raise ConfigError(
                "SWEEP_DIR",
                f"no finished run in {str(args.sweep_dir)!r} "
                f"({res.n_jobs} job dirs, none complete)",
            )
        out = atomic_to_parquet(res.runs, args.sweep_dir / "runs.parquet")
        declared = f" of {res.expected} declared" if res.expected is not None else ""
        print(
            f"collected {res.n_collected} runs{declared} ({len(res.runs)} rows: run x store), "
            f"{len(res.missing)} missing, {len(res.failed)} failed -> {out}"
        )
        if args.plot:
            print(plot_sweep(res.runs, args.plot, args.x, args.hue, args.sweep_dir, args.store))
    return 0


if __name__ == "__main__":
    sys.exit(main())
