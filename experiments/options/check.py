"""Config nodes -> checked plain values and objects: the experiments' validation layer.

Everything a command receives is checked here against its declared options
(`experiments.options.declared`), before any work: shapes first, then values; a config node set
to null (``report=null``) and keys forced in with ``++`` are refused like any unknown key; every
failure is one `ConfigError` line naming the field. No simulation happens here.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from experiments.options.declared import COMMANDS, COMPARE_OPTIONS, RUN_OPTIONS
from experiments.paths import CONFIG_DIR
from sim import ConfigError, MarketConfig
from sim.hooks import check_study_market
from sim.policies import StorePolicy, make_policies
from sim.schema import POLICY_NODE_KEYS, check_value, validate_options


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
    """A command's top-level options checked against its declared schema
    (`experiments.options.declared`).

    `skip` names nodes validated on their own (``market``, ``policy``); keys that the
    config's interpolations use (an experiment's ``drift_rate``) are accepted as knobs.
    """
    knobs = interpolation_knobs(cfg)
    data = to_container(cfg)
    return validate_options(data, schema, skip=(*skip, "hydra"), knobs=knobs)


def check_command(name: str, cfg: Any) -> dict[str, Any]:
    """Every option of command `name` (declared in `COMMANDS`) except the nodes it validates
    on its own (``market`` ...): shapes, types, ranges, null nodes and unknown keys."""
    command = COMMANDS[name]
    return check_options(cfg, command.options, skip=command.skip)


def check_compare_options(cfg: Any) -> dict[str, Any]:
    """Every option of a compare config except ``market`` (`COMPARE_OPTIONS`): shapes, types,
    ranges and unknown keys, one line each; then `experiments.options.size.check_study_size`
    once the market and the policy count are known."""
    return check_options(cfg, COMPARE_OPTIONS, skip=("market",))


def validate_compare(cfg: Any) -> None:
    """What `preflight` checks for a compare/study config before Hydra starts: its options and
    its market, with the other stores' policies and none for the focal store (the compared
    policies and the study's size are checked by the engine's plan)."""
    check_compare_options(cfg)
    check_study_market(build_market(cfg["market"]))


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


def check_flags(name: str, values: dict[str, Any]) -> dict[str, Any]:
    """A plain command's parsed flags (argparse) against its declared options; errors name the
    flag as typed (``--calibration-end``); a path that is a file is checked to be one."""
    specs = COMMANDS[name].options
    out = {}
    for key, value in values.items():
        flag = key if key == "log" else "--" + key.replace("_", "-")
        out[key] = check_value(specs[key], value, flag)
    return out


def check_input_file(path: Path, field: str) -> Path:
    """An input file that exists, is a file and has a name this system can pass on."""
    try:
        os.fsencode(str(path)).decode("utf-8")
    except UnicodeError:
        raise ConfigError(field, "the file name is not valid UTF-8; rename the file") from None
    if not path.exists():
        raise ConfigError(field, f"no such file: {str(path)!r}")
    if not path.is_file():
        raise ConfigError(field, f"{str(path)!r} is not a file")
    return path
