"""Shared plumbing of the commands: config -> plain objects, one run, outputs, clean errors."""

from __future__ import annotations

import json
import logging
import math
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from experiments.pipes import quiet_broken_pipe
from sim import ConfigError, MarketConfig, RetailModel
from sim.policies import StorePolicy, make_policies
from sim.schema import (
    COMPARE_OPTIONS,
    POLICY_NODE_KEYS,
    RUN_OPTIONS,
    check_value,
    validate_options,
)

logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO

TABLE_KPIS = (
    "revenue",
    "profit",
    "policy_cost",
    "retention",
    "vip_retention",
    "new_customers",
    "referred_customers",
    "churned",
    "defected",
    "complaints",
    "top20_revenue_share",
)


def to_container(cfg: Any, field: str = "config") -> Any:
    """A resolved plain-Python copy of an OmegaConf node (or the value itself).

    An interpolation that cannot be resolved (``${policy.nope}``) or a missing mandatory value
    (``???``) is a one-line `ConfigError` naming the node, not an OmegaConf traceback.
    """
    try:
        from omegaconf import DictConfig, ListConfig, OmegaConf
        from omegaconf.errors import OmegaConfBaseException
    except ImportError:  # pragma: no cover
        return cfg
    if isinstance(cfg, (DictConfig, ListConfig)):
        try:
            return OmegaConf.to_container(cfg, resolve=True)
        except OmegaConfBaseException as exc:
            key = getattr(exc, "full_key", None) or field
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(str(key), first) from None
    return cfg


_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][\w.]*)\}")


def interpolation_knobs(cfg: Any, node: str | None = None) -> set[str]:
    """Keys that the config's own interpolations refer to: top-level (``${drift_rate}`` ->
    ``drift_rate``) or, with `node`, keys of that node (``${policy.budget}`` -> ``budget``).

    Such keys are knobs (a policy config's ``budget: 200``), not typos; every other unknown key
    is an error.
    """
    try:
        from omegaconf import DictConfig, ListConfig, OmegaConf
    except ImportError:  # pragma: no cover
        return set()
    if not isinstance(cfg, (DictConfig, ListConfig)):
        return set()
    raw = OmegaConf.to_container(cfg, resolve=False)
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str):
            for ref in _INTERPOLATION.findall(value):
                parts = ref.split(".")
                if node is None:
                    found.add(parts[0])
                elif parts[0] == node and len(parts) > 1:
                    found.add(parts[1])

    walk(raw)
    return found


def build_market(cfg_market: Any) -> MarketConfig:
    return MarketConfig.from_dict(to_container(cfg_market, "market"))


def build_policies(cfg_policy: Any, path: str = "policy") -> list[StorePolicy]:
    """The focal store's policies from the `policy` config group (`_target_` or `name` entries).

    Entries are built by the policy registry, which accepts only `StorePolicy` subclasses as
    targets (configuration is data, not code); nothing else is ever instantiated. The node's
    own keys are checked: `name`, `policies`, labels, and knobs its entries interpolate
    (``budget`` used as ``${policy.budget}``); anything else is an unknown key.
    """
    knobs = interpolation_knobs(cfg_policy, "policy")
    spec = to_container(cfg_policy, path)
    if spec is None:
        spec = {}
    if isinstance(spec, list):
        return make_policies(spec, path)
    if not isinstance(spec, dict):
        raise ConfigError(
            path, f"must be a policy config (name: ..., policies: [...]), got {spec!r}"[:200]
        )
    if isinstance(cfg_policy, dict):
        knobs |= {k for k, v in spec.items() if k not in POLICY_NODE_KEYS and _is_scalar(v)}
    knobs |= _policy_file_keys(spec.get("name"))
    checked = validate_options(spec, POLICY_NODE_KEYS, path=path, knobs=knobs)
    entries = checked.get("policies")
    return make_policies([] if entries is None else spec["policies"], f"{path}.policies")


def _policy_file_keys(name: Any) -> set[str]:
    """Top-level keys of ``configs/policy/<name>.yaml``: its knobs stay allowed even when an
    override replaces the entry that used them (``policy.policies.0.yearly_budget=5000``)."""
    if not isinstance(name, str) or not name.isidentifier():
        return set()
    path = CONFIG_DIR / "policy" / f"{name}.yaml"
    try:
        data = yaml.safe_load(path.read_text()) if path.is_file() else None
    except (OSError, yaml.YAMLError):
        return set()
    return {str(k) for k in data} if isinstance(data, dict) else set()


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def check_options(cfg: Any, schema: Any, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A command's top-level options checked against its declared schema (sim.schema).

    `skip` names nodes validated on their own (``market``, ``policy``); keys that the
    config's interpolations use (an experiment's ``drift_rate``) are accepted as knobs.
    """
    knobs = interpolation_knobs(cfg)
    data = to_container(cfg)
    return validate_options(data, schema, skip=(*skip, "hydra"), knobs=knobs)


def check_compare_options(cfg: Any) -> dict[str, Any]:
    """Every option of a compare/study config except ``market`` (sim.schema.COMPARE_OPTIONS):
    shapes, types, ranges and unknown keys, one line each. The study engine calls this first,
    then `sim.schema.check_study_size` once it knows the market and the policy count."""
    return check_options(cfg, COMPARE_OPTIONS, skip=("market",))


def validate_compare(cfg: Any) -> None:
    """What `preflight` checks for a compare/study config before Hydra starts: its options and
    its market (policies and the study's size are checked by the engine's plan)."""
    check_compare_options(cfg)
    build_market(cfg["market"])


def check_seed(seed: Any) -> int:
    return check_value(RUN_OPTIONS["seed"], seed, "seed")


def check_writable(path: Path, field: str = "output directory") -> Path:
    """Create `path` and make sure we can write there, before any simulation work."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write_test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(field, f"cannot write to {str(path)!r} ({exc.strerror or exc})") from None
    return path


def check_creatable(path: Path, field: str) -> None:
    """Make sure `path` could be created as a directory and written to, without creating it.

    Walks up to the nearest existing ancestor: that must be a directory in which we can make
    (and remove) a scratch directory. Catches read-only, immutable and /proc locations and
    paths under a file, with one line, before Hydra or a run touches them.
    """
    path = Path(path)
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise ConfigError(field, f"cannot create {str(path)!r}: {str(probe)!r} is a file")
    if path.exists() and path.is_dir():
        check_writable(path, field)
        return
    try:
        scratch = tempfile.mkdtemp(prefix=".write_test", dir=probe)
        os.rmdir(scratch)
    except OSError as exc:
        raise ConfigError(
            field, f"cannot create {str(path)!r} ({exc.strerror or exc} in {str(probe)!r})"
        ) from None


def simulate(
    market: MarketConfig,
    policies: list[StorePolicy],
    seed: int,
    *,
    activation: str = "batch",
    progress: bool = False,
) -> RetailModel:
    model = RetailModel(market=market, policies=policies, activation=activation, seed=seed)
    return model.run(progress=progress)


def jsonable(obj: Any) -> Any:
    """JSON-safe copy: NaN -> None, NumPy scalars -> Python numbers."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_run_outputs(
    model: RetailModel,
    outdir: Path,
    *,
    transactions: bool = False,
    segments: bool = True,
    extra_config: dict[str, Any] | None = None,
) -> dict:
    """summary.json, metrics.parquet, retention.csv; optionally transactions and segments.

    Every file is written atomically and the completion marker ``COMPLETE`` last, so a killed
    or disk-full run never leaves a job directory that looks finished.
    """
    from experiments.engine.store import (
        atomic_to_csv,
        atomic_to_parquet,
        atomic_write_text,
        mark_complete,
    )
    from sim.metrics import retention_table

    (outdir / "COMPLETE").unlink(missing_ok=True)
    summary = model.summary()
    if extra_config:
        summary["config"].update(extra_config)
    atomic_to_parquet(model.metrics_frame(), outdir / "metrics.parquet")
    atomic_to_csv(retention_table(model), outdir / "retention.csv")
    if transactions:
        atomic_to_parquet(model.transactions_frame(), outdir / "transactions.parquet")
    if segments:
        from sim.segmenting import yearly_segment_snapshots

        atomic_to_csv(yearly_segment_snapshots(model), outdir / "segments_by_year.csv")
    atomic_write_text(outdir / "summary.json", json.dumps(jsonable(summary), indent=2))
    mark_complete(outdir)
    return summary


def kpi_table(summary: dict[str, Any]) -> pd.DataFrame:
    df = pd.DataFrame(summary["stores"]).T
    cols = [c for c in TABLE_KPIS if c in df.columns]
    df = df[cols]
    df.index = [f"{i} *" if i == summary["focal_store"] else i for i in df.index]
    return df


def format_table(df: pd.DataFrame) -> str:
    fmt: dict[str, Callable[[Any], str]] = {}
    for c in df.columns:
        if c in ("retention", "vip_retention", "top20_revenue_share"):
            fmt[c] = lambda v: "n/a" if pd.isna(v) else f"{v:.1%}"
        elif c in ("revenue", "profit", "policy_cost"):
            fmt[c] = lambda v: f"{v:,.0f}"
        else:
            fmt[c] = lambda v: f"{v:,.0f}"
    return df.to_string(formatters=fmt)


CONFIG_DIR = Path(__file__).resolve().parents[1] / "configs"


def config_choices(group: str, extra_dirs: tuple[Path, ...] = ()) -> list[str]:
    """Names of the configs of a group (e.g. every policy and bundle), built-in ones first
    searched in `configs/`, then in any user config dirs (`--config-dir`)."""
    names = set()
    for root in (CONFIG_DIR, *extra_dirs):
        names.update(p.stem for p in (root / group).glob("*.yaml"))
    return sorted(names)


def user_config_dirs(argv: list[str]) -> tuple[Path, ...]:
    """Directories passed to Hydra with `--config-dir DIR` / `-cd DIR` / `--config-dir=DIR`."""
    dirs = []
    for i, arg in enumerate(argv):
        if arg in ("--config-dir", "-cd") and i + 1 < len(argv):
            dirs.append(Path(argv[i + 1]))
        elif arg.startswith("--config-dir="):
            dirs.append(Path(arg.split("=", 1)[1]))
    return tuple(dirs)


def preflight_group_choices(
    argv: list[str], groups: tuple[str, ...] = ("market", "policy")
) -> None:
    """Reject an unknown config-group choice (`policy=magic`) with one line, before Hydra starts.

    Hydra's own message spans many lines and exits 1; ours names the group and the choices.
    Sweeps (`policy=a,b`) are checked choice by choice; `--config-dir` folders count too.
    """
    extra = user_config_dirs(argv)
    for arg in argv:
        key, sep, value = arg.partition("=")
        key = key.lstrip("+~")
        if not sep or key not in groups:
            continue
        allowed = config_choices(key, extra)
        for choice in value.split(","):
            if choice.strip() and choice.strip() not in allowed:
                print(
                    f"error: {key}: unknown {key} {choice.strip()!r}; available: "
                    f"{', '.join(allowed)}",
                    file=sys.stderr,
                )
                sys.exit(2)


def _fail(field: str, message: str) -> None:
    print(f"error: {ConfigError(field, message)}", file=sys.stderr)
    sys.exit(2)


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def preflight(
    argv: list[str],
    config_name: str,
    validate: Callable[[Any], None] | None = None,
    groups: tuple[str, ...] = ("market", "policy"),
) -> None:
    """Everything Hydra would report in many lines (or a traceback), as one line, exit 2.

    Before Hydra starts: unknown group choices; overrides that do not parse (Hydra's grammar);
    overrides of keys that do not exist (with a "did you mean"); output directories that cannot
    be created (``hydra.run.dir=/proc/x``, a path under a file); then `validate` on the
    composed config, so bad values stop here, before Hydra creates any directory. A sweep
    (``seed=1,2``) is checked with its first value; each job validates its own again.
    """
    preflight_group_choices(argv, groups)
    from hydra._internal.utils import get_args_parser

    try:
        args = get_args_parser().parse_intermixed_args(argv)
    except SystemExit:
        return  # Hydra's own argument errors (and --help) are Hydra's to print
    if args.help or args.hydra_help or args.info or args.cfg or args.shell_completion:
        return
    overrides = list(args.overrides or [])
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    parser = OverridesParser.create()
    plain: list[str] = []
    for text in overrides:
        try:
            (ov,) = parser.parse_overrides([text])
        except HydraException as exc:
            message = _first_line(exc)
            message = message.replace(f"Error parsing override '{text}'", "").strip(" :")
            _fail(text.split("=", 1)[0].lstrip("+~") or text, f"cannot parse {text!r}: {message}")
        if ov.is_sweep_override():
            first = next(iter(ov.sweep_string_iterator()), None)
            if first is None:
                _fail(ov.key_or_group, f"the sweep {text!r} has no values")
            prefix = "+" if ov.is_add() else "++" if ov.is_force_add() else ""
            plain.append(f"{prefix}{ov.key_or_group}={first}")
        else:
            plain.append(text)
    if args.config_dir or args.config_path or args.config_name or args.experimental_rerun:
        return  # a user's own config tree: Hydra composes it; each job validates its config
    cfg = _compose(config_name, plain)
    from omegaconf import OmegaConf

    hydra_node = cfg.get("hydra") if cfg is not None else None
    if hydra_node is not None:
        multirun = bool(args.multirun) or str(OmegaConf.select(hydra_node, "mode")) == (
            "RunMode.MULTIRUN"
        )
        key = "sweep.dir" if multirun else "run.dir"
        raw = OmegaConf.to_container(hydra_node, resolve=False)
        node: Any = raw
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, str):
            static = node.split("${", 1)[0]
            if "${" in node:
                static = static.rsplit("/", 1)[0] if "/" in static else ""
            if static:
                with clean_errors():
                    check_creatable(Path(static), f"hydra.{key}")
        with open_dict(cfg):
            del cfg["hydra"]
    if validate is not None and cfg is not None:
        with clean_errors():
            validate(cfg)


def open_dict(cfg: Any) -> Any:
    from omegaconf import open_dict as _open_dict

    return _open_dict(cfg)


def _compose(config_name: str, overrides: list[str]) -> Any:
    """The config Hydra would build, composed outside any app; errors become one line."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            return compose(config_name, overrides=overrides, return_hydra_config=True)
    except (HydraException, OmegaConfBaseException) as exc:
        message = _first_line(exc)
        field = _override_key(message, overrides)
        hint = ""
        if "Key '" in message or "Could not override" in message or "not in struct" in message:
            hint = _key_hint(config_name, field)
            message = f"unknown field{hint}; to add a new key use +{field}=..."
            message = f"{message} (Hydra: {_first_line(exc)})" if not hint else message
        raise_one_line(field, message)
    finally:
        GlobalHydra.instance().clear()
    return None  # pragma: no cover


def raise_one_line(field: str, message: str) -> None:
    _fail(field, message)


def _override_key(message: str, overrides: list[str]) -> str:
    match = re.search(r"override '([^']+)'", message) or re.search(r"Key '([^']+)'", message)
    if match:
        key = match.group(1).split("=", 1)[0].lstrip("+~")
        for text in overrides:
            k = text.split("=", 1)[0].lstrip("+~")
            if k == key or k.endswith("." + key):
                return k
        return key
    return "override"


def _key_hint(config_name: str, field: str) -> str:
    """'did you mean' for a key that is not in the composed config."""
    import difflib

    parent, _, leaf = field.rpartition(".")
    try:
        from hydra import compose, initialize_config_dir
        from hydra.core.global_hydra import GlobalHydra
        from omegaconf import DictConfig, OmegaConf

        GlobalHydra.instance().clear()
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            base = compose(config_name)
        node = OmegaConf.select(base, parent) if parent else base
        keys = list(node.keys()) if isinstance(node, DictConfig) else []
    except Exception:  # noqa: BLE001 - a hint is optional
        return ""
    finally:
        GlobalHydra.instance().clear()
    close = difflib.get_close_matches(leaf, [str(k) for k in keys], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


@contextmanager
def clean_errors() -> Iterator[None]:
    """Bad input -> one line on stderr and exit status 2, never a traceback.

    Also a closed output pipe (``... | head``): the rest of the output is dropped quietly.
    """
    try:
        yield
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except BrokenPipeError:
        quiet_broken_pipe()
        sys.exit(0)
