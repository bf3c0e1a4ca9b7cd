"""The commands' front door: Hydra's errors as one line, config-group choices, user config
dirs, and `clean_errors` (bad input -> one line, exit 2). Used by the CLI shims only."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from experiments.options.check import check_creatable
from experiments.options.files import check_config_dirs
from experiments.paths import CONFIG_DIR
from experiments.pipes import quiet_broken_pipe
from sim import ConfigError


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
    Sweeps are checked choice by choice, Hydra's sweep functions too (`policy=choice(a,b)`;
    `policy='glob(gift*)'` must match at least one choice); `--config-dir` folders count too.
    """
    extra = user_config_dirs(argv)
    try:
        check_config_dirs(extra)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    for arg in argv:
        key, sep, value = arg.partition("=")
        key = key.lstrip("+~")
        if not sep or key not in groups:
            continue
        allowed = config_choices(key, extra)
        for choice in _group_values(arg, allowed):
            if choice.strip() and choice.strip() not in allowed:
                print(
                    f"error: {key}: unknown {key} {choice.strip()!r}; available: "
                    f"{', '.join(allowed)}",
                    file=sys.stderr,
                )
                sys.exit(2)


def _group_values(text: str, allowed: list[str]) -> list[str]:
    """The choices an override of a config group names (`sweep_values`; a glob that matches
    nothing: one line, exit 2). An override Hydra's grammar cannot parse gives its text after
    `=` split at commas (the parse error is `preflight`'s to report)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    try:
        (ov,) = OverridesParser.create().parse_overrides([text])
    except HydraException:
        return text.partition("=")[2].split(",")
    if not ov.is_sweep_override():
        return [text.partition("=")[2]]
    found = sweep_values(ov, allowed)
    if not found:
        _fail(
            ov.key_or_group,
            f"{ov.input_line!r} matches no {ov.key_or_group}; available: {', '.join(allowed)}",
        )
    return found


def sweep_values(ov: Any, choices: list[str]) -> list[str]:
    """A sweep override's values as override strings: a glob (`glob(gift*)`) gives the
    `choices` of its config group it matches (Hydra expands it so when the sweep runs, which
    a parsed override cannot do alone), any other sweep its values."""
    from hydra.core.override_parser.types import Glob
    from hydra.errors import HydraException

    value = ov.value()
    if isinstance(value, Glob):
        return value.filter(choices)
    if ov.is_interval_sweep():
        _fail(
            ov.key_or_group,
            f"{ov.input_line!r}: interval() is for a sweeper that samples (e.g. Optuna); "
            "the basic sweeper runs listed values, range() or glob()",
        )
    try:
        return list(ov.sweep_string_iterator())
    except (HydraException, ValueError) as exc:
        _fail(ov.key_or_group, f"cannot sweep {ov.input_line!r}: {_first_line(exc)}")
        raise  # pragma: no cover - _fail exits


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
    (``-m seed=1,2``) is checked value by value (`_check_other_values`), and refused without
    ``-m``; each job validates its own config again.
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
    extra = user_config_dirs(argv)
    # (position in `plain`, +/++ prefix, override, its values as override strings)
    sweeps: list[tuple[int, str, Any, list[str]]] = []
    for text in overrides:
        try:
            (ov,) = parser.parse_overrides([text])
        except HydraException as exc:
            message = _first_line(exc)
            message = message.replace(f"Error parsing override '{text}'", "").strip(" :")
            _fail(text.split("=", 1)[0].lstrip("+~") or text, f"cannot parse {text!r}: {message}")
        if ov.is_sweep_override():
            shown = sweep_values(ov, config_choices(ov.key_or_group, extra))
            if not shown:
                _fail(ov.key_or_group, f"the sweep {text!r} has no values")
            prefix = "+" if ov.is_add() else "++" if ov.is_force_add() else ""
            plain.append(f"{prefix}{ov.key_or_group}={shown[0]}")
            sweeps.append((len(plain) - 1, prefix, ov, shown))
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
        if sweeps and not multirun:
            ov = sweeps[0][2]
            _fail(
                ov.key_or_group,
                f"{ov.input_line!r} gives several values: add -m to run one job per value "
                "(a list is written in brackets, key=[a,b])",
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
                    if "${" not in node and key == "run.dir":
                        _check_owner(Path(node), config_name)
        with open_dict(cfg):
            del cfg["hydra"]
    if validate is not None and cfg is not None:
        with clean_errors():
            validate(cfg)
            _check_other_values(cfg, config_name, plain, sweeps, validate, groups)


def _check_owner(run_dir: Path, study: str) -> None:
    """A study refused before Hydra writes its own files into another study's directory
    (``hydra.run.dir=`` a comparison's directory for a robustness study)."""
    from experiments.engine.outputs import KNOWN, refuse_other_study

    if study in KNOWN:
        refuse_other_study(run_dir, study, "hydra.run.dir")


def _check_other_values(
    cfg: Any,
    config_name: str,
    plain: list[str],
    sweeps: list[tuple[int, str, Any, list[str]]],
    validate: Callable[[Any], None],
    groups: tuple[str, ...],
) -> None:
    """Every other value of each swept key, with the other keys at their first value, so a
    bad value late in a sweep stops it before its first job runs rather than after the jobs
    before it. A config group's choice is composed again (~0.1 s); any other value is set on a
    copy of the composed config (a seed range of hundreds of values costs milliseconds)."""
    from omegaconf import OmegaConf

    for at, prefix, ov, shown_values in sweeps:
        key = ov.key_or_group
        if key.startswith("hydra"):
            continue  # Hydra's own settings (launcher, sweeper): Hydra checks them
        group = "/" in key or key in groups or key == "experiment"
        if group:  # each choice composed again
            for shown in dict.fromkeys(shown_values[1:]):
                if shown == shown_values[0]:
                    continue
                other = _compose(
                    config_name, [*plain[:at], f"{prefix}{key}={shown}", *plain[at + 1 :]]
                )
                with open_dict(other):
                    other.pop("hydra", None)
                validate(other)
            continue
        seen = {repr(next(iter(ov.sweep_iterator())))}
        for value in ov.sweep_iterator():
            if repr(value) in seen:
                continue
            seen.add(repr(value))
            other = cfg.copy()
            with open_dict(other):
                OmegaConf.update(other, key.lstrip("+~"), value, merge=False, force_add=True)
            validate(other)


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
        if "Key '" in message or "Could not override" in message or "not in struct" in message:
            # Only suggest what works: a close existing key, else the node's keys (never
            # "+key=...": adding a key the command does not declare is refused later).
            message = f"unknown field{_key_hint(config_name, field)}"
        elif "merging override" in message:  # e.g. an item past the end of a list
            cause = exc.__cause__ or exc.__context__
            why = _first_line(cause) if cause is not None else "Hydra could not merge it"
            field = re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", field)
            message = f"cannot set this field ({why})"
        raise_one_line(field, message)
    finally:
        GlobalHydra.instance().clear()
    return None  # pragma: no cover


def raise_one_line(field: str, message: str) -> None:
    _fail(field, message)


def _override_key(message: str, overrides: list[str]) -> str:
    match = (
        re.search(r"override '([^']+)'", message)
        or re.search(r"Key '([^']+)'", message)
        or re.search(r"merging override (\S+)", message)
    )
    if match:
        key = match.group(1).split("=", 1)[0].lstrip("+~")
        for text in overrides:
            k = text.split("=", 1)[0].lstrip("+~")
            if k == key or k.endswith("." + key):
                return k
        return key
    return "override"


def _market_field(name: str) -> bool:
    import dataclasses

    from sim.config import MarketConfig

    return name in {f.name for f in dataclasses.fields(MarketConfig)}


def _key_hint(config_name: str, field: str) -> str:
    """' (did you mean ...?)' for a key that is not in the composed config, else the keys the
    node has ('; allowed: ...'), else nothing."""
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
        parts = field.split(".")
        if parent and node is None:  # the first missing key on the way, not only the leaf
            for i in range(1, len(parts)):
                up = ".".join(parts[:i])
                if OmegaConf.select(base, ".".join(parts[: i + 1])) is None:
                    node, leaf = OmegaConf.select(base, up), parts[i]
                    break
        keys = [str(k) for k in node.keys()] if isinstance(node, DictConfig) else []
        top = field.split(".")[1] if field.startswith("market.") and "." in field[7:] else ""
        if top and OmegaConf.select(base, f"market.{top}") is None and _market_field(top):
            # a declared market field the market's file leaves at the library default
            return (
                f" in this market's file: {top!r} is at its library default there; "
                f"add it with +{field}=VALUE"
            )
    except Exception:  # noqa: BLE001 - a hint is optional
        return ""
    finally:
        GlobalHydra.instance().clear()
    close = difflib.get_close_matches(leaf, keys, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f"; allowed: {', '.join(keys)}" if keys else ""


@contextmanager
def clean_errors(run_dir: Path | None = None) -> Iterator[None]:
    """Bad input -> one line on stderr and exit status 2, never a traceback.

    `run_dir`: the directory Hydra made for this command; when the input is refused before
    anything was written there, it is removed, so a command refused inside the app leaves
    nothing behind, like one refused before Hydra started. Also a closed output pipe
    (``... | head``): the rest of the output is dropped quietly.
    """
    try:
        yield
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if run_dir is not None:
            remove_if_untouched(Path(run_dir))
        sys.exit(2)
    except BrokenPipeError:
        quiet_broken_pipe()
        sys.exit(0)
    except KeyboardInterrupt as exc:  # SIGINT, or SIGTERM during a study (`Interrupted`)
        status = getattr(exc, "exit_status", 130)
        text = str(exc) if hasattr(exc, "exit_status") else "interrupted"
        print(f"stopped: {text}", file=sys.stderr)
        sys.exit(status)


HYDRA_FILES = frozenset({"config.yaml", "hydra.yaml", "overrides.yaml"})
"""What Hydra writes into a run directory's ``.hydra`` before the app starts."""


def remove_if_untouched(run_dir: Path) -> bool:
    """Remove `run_dir` when it holds only what Hydra wrote at start (``.hydra`` with its
    three files, and the job's ``*.log``), and its parents below the working directory that
    are left empty; anything else in it (a study's outputs, a user's own files) keeps the
    whole directory. True when removed."""
    import shutil

    try:
        entries = list(run_dir.iterdir())
        for e in entries:
            if e.name == ".hydra" and e.is_dir():
                if not {f.name for f in e.iterdir()} <= HYDRA_FILES:
                    return False
            elif not (e.suffix == ".log" and e.is_file()):
                return False
        shutil.rmtree(run_dir)
    except OSError:
        return False
    here = Path.cwd().resolve()
    for parent in run_dir.resolve().parents:  # `outputs/compare` made for it, if now empty
        if parent == here or here not in parent.parents:
            break
        try:
            parent.rmdir()
        except OSError:
            break
    return True
