"""The validation layer: every node and leaf of every shipped config, given bad values of each
kind, gets a one-line ConfigError naming the field, through the same validation the commands
use (`experiments.run.validate_run`, `experiments.common.check_compare_options`); and the
generated docs/configuration.md equals the committed one."""

from __future__ import annotations

import copy
import inspect
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from experiments.common import check_compare_options, to_container
from experiments.options.declared import COMMANDS, COMPARE_OPTIONS
from experiments.options.studies import precheck_robustness, precheck_tournament
from experiments.run import validate_run
from sim import ConfigError, MarketConfig, default_market
from sim.config import Behaviour, ClassProfile, PlaceSpec, StoreSpec
from sim.configdoc import markdown
from sim.policies import BUILTIN_POLICIES
from sim.policies.budget import recorded_checks
from sim.policies.sizing import BASES as SIZE_BASES
from sim.schema import (
    Spec,
    check_memory,
    check_value,
    field_specs,
    validate_options,
)

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
MARKET = yaml.safe_load((CONFIGS / "market/county_prefecture.yaml").read_text())
POLICY_FILES = sorted((CONFIGS / "policy").glob("*.yaml"))


def _options(name: str) -> dict[str, Any]:
    data = yaml.safe_load((CONFIGS / name).read_text())
    return {k: v for k, v in data.items() if k not in ("defaults", "hydra")}


RUN = _options("run.yaml")
COMPARE = _options("compare.yaml")
UNCERTAINTY = yaml.safe_load((CONFIGS / "uncertainty/default.yaml").read_text())
ROBUSTNESS = {**_options("robustness.yaml"), "market": MARKET, "uncertainty": UNCERTAINTY}
TOURNAMENT = _options("tournament.yaml")


# ------------------------------------------------------------------ configs as commands see them
def policy_raw(policy_file: Path | None) -> dict[str, Any]:
    if policy_file is None:
        return {"name": "none", "policies": []}
    return yaml.safe_load(policy_file.read_text())


def as_command_cfg(raw: dict[str, Any]) -> Any:
    """What Hydra hands a command: interpolations live in OmegaConf nodes (only the policy
    node has any); the rest is given as plain data, which the validation treats the same way
    (and which keeps this exhaustive test fast)."""
    cfg = copy.deepcopy(raw)
    if "policy" in cfg:
        cfg["policy"] = OmegaConf.create({"policy": cfg["policy"]}).policy
    return cfg


def run_cfg(policy_file: Path | None = None) -> Any:
    return OmegaConf.create({"market": MARKET, "policy": policy_raw(policy_file), **RUN})


def compare_cfg() -> Any:
    return OmegaConf.create({"market": MARKET, **COMPARE})


def validate(kind: str, cfg: Any) -> None:
    """The validation a command runs, and nothing more (no simulation)."""
    if kind == "compare":
        check_compare_options(cfg)
        MarketConfig.from_dict(to_container(cfg["market"]))
    elif kind == "robustness":
        precheck_robustness(cfg)
    elif kind == "tournament":
        precheck_tournament(cfg)
    else:
        validate_run(cfg)


def test_shipped_configs_are_valid():
    validate("compare", compare_cfg())
    validate("robustness", OmegaConf.create({**ROBUSTNESS, "market": MARKET}))
    validate("tournament", OmegaConf.create({"market": MARKET, **TOURNAMENT}))
    for f in [None, *POLICY_FILES]:
        validate("run", run_cfg(f))


# ------------------------------------------------------------------ walking every node and leaf
def walk(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """(path, value) of every node and leaf below `node` (the node itself excluded)."""
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(
        node, list) else ()
    for key, value in items:
        out.append(((*path, key), value))
        out.extend(walk(value, (*path, key)))
    return out


def dotted(path: tuple[Any, ...]) -> str:
    """The field name our errors use: market.places[0].id (lists indexed with brackets)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


SOURCES: list[tuple[str, str, Any]] = [
    ("run", "none", {"market": MARKET, "policy": policy_raw(None), **RUN})
]
SOURCES += [("run", f.stem, {"market": MARKET, "policy": policy_raw(f), **RUN})
            for f in POLICY_FILES]
SOURCES += [("compare", "compare", {"market": MARKET, **COMPARE})]
SOURCES += [("robustness", "robustness", {"market": MARKET, **ROBUSTNESS})]
SOURCES += [("tournament", "tournament", {"market": MARKET, **TOURNAMENT})]


def cases() -> list[tuple[str, str, tuple[Any, ...], Any]]:
    """(command, source, path, original) for every node and leaf; the market once (under run),
    each policy file's own node, run.yaml's and compare.yaml's options."""
    out = []
    for kind, source, raw in SOURCES:
        for path, value in walk(raw):
            if path[0] == "market" and source != "none":
                continue
            out.append((kind, source, path, value))
    return out


CASES = cases()
BAD_KINDS = ("shape", "type", "nan", "inf", "huge", "empty", "unknown_key", "negative", "zero")


def bad_value(kind: str, original: Any) -> Any:
    """A value of the given kind of badness for a node or leaf like `original`."""
    node = isinstance(original, (dict, list))
    if kind == "shape":
        return 123 if node else [1, 2]
    if kind == "type":
        if node:
            return "zzz"
        if isinstance(original, bool):
            return "abc"
        if isinstance(original, (int, float)):
            return "abc"
        return {"a": 1} if isinstance(original, str) and "${" not in original else [3]
    if kind == "nan":
        return float("nan")
    if kind == "inf":
        return float("inf")
    if kind == "huge":
        return 10**30 if isinstance(original, int) and not isinstance(original, bool) else 1e300
    if kind == "empty":
        return {} if isinstance(original, dict) else [] if isinstance(original, list) else ""
    if kind == "negative":
        return -1
    if kind == "zero":
        return 0
    raise AssertionError(kind)


def mutate(base: Any, path: tuple[Any, ...], kind: str, original: Any) -> tuple[Any, str]:
    """A copy of `base` with the node at `path` made bad; returns it and the field to expect."""
    raw = copy.deepcopy(base)
    parent = raw
    for part in path[:-1]:
        parent = parent[part]
    if kind == "unknown_key":
        target = parent[path[-1]]
        target["zzz_unknown"] = 1
        expect = dotted((*path, "zzz_unknown"))
    else:
        parent[path[-1]] = bad_value(kind, original)
        expect = dotted(path)
    return as_command_cfg(raw), expect


def applicable(kind: str, original: Any) -> bool:
    if kind == "unknown_key":
        return isinstance(original, dict)
    if kind in ("nan", "inf", "huge", "negative", "zero"):
        return isinstance(original, (int, float)) and not isinstance(original, bool)
    return True


def always_bad(kind: str, path: tuple[Any, ...], original: Any) -> bool:
    """Kinds that no field accepts (negative and zero are fine for some fields; an empty
    mapping or list is a valid 'use the defaults' / 'no policies' for some nodes)."""
    if kind in ("negative", "zero"):
        return False
    if kind == "shape" and isinstance(original, dict) and set(original) <= set(SIZE_BASES):
        return False  # money sized to the store ({tickets: 2}) may also be a plain amount
    return not (kind == "empty" and isinstance(original, (dict, list)))


def check_case(kind: str, cmd: str, source: str, path: tuple[Any, ...], original: Any) -> None:
    cfg = dict(SOURCES_BY_NAME)[(cmd, source)]
    bad, expect = mutate(cfg, path, kind, original)
    # a knob (or a leaf inside one, e.g. policy.budget.revenue_share) is reported where it is
    # used, inside the policy node
    knob = path[0] == "policy" and len(path) >= 2 and path[1] not in ("name", "policies")
    try:
        validate(cmd, bad)
    except ConfigError as err:
        msg = str(err)
        assert "\n" not in msg, msg
        if knob:  # a knob is reported where it is used: inside the policy node
            assert err.field.startswith("policy"), msg
        else:
            names = [p for p in path if isinstance(p, str)]
            leaf = "zzz_unknown" if kind == "unknown_key" else names[-1]
            named = (
                err.field.startswith(expect)
                # a focal-store policy parameter: policy.<policy name>.<parameter>
                or (path[:2] == ("policy", "policies") and len(path) >= 3
                    and err.field.startswith("policy.") and err.field.endswith(f".{leaf}"))
                # a list item is reported with its list (e.g. days_of_year: [1, 400])
                or (isinstance(path[-1], int) and err.field == dotted(path[:-1]))
                # the places' population shares must sum to 1: the list is named
                or (path[-1] == "population_share" and err.field == "market.places")
                # a cross-field rule names its partner in the same node
                or (len(path) >= 3 and kind in ("negative", "zero")
                    and err.field.startswith(dotted(path[:-1]) + "."))
            )
            assert named, f"{kind} at {expect}: {msg}"
        return
    except Exception as exc:  # noqa: BLE001 - the point: nothing but ConfigError
        raise AssertionError(f"{kind} at {expect}: {type(exc).__name__}: {exc}") from exc
    assert not always_bad(kind, path, original), f"{kind} at {expect} was accepted"


SOURCES_BY_NAME = [((kind, source), cfg) for kind, source, cfg in SOURCES]
ALL = [
    (kind, *case)
    for case in CASES
    for kind in BAD_KINDS
    if applicable(kind, case[3])
]


def test_walk_covers_every_config():
    paths = {dotted(c[2]) for c in CASES}
    assert "market.behaviour.beta_price" in paths and "market.stores[6].policies" in paths
    assert "policy.policies[0].yearly_budget" in paths and "report.lang" in paths
    assert len(ALL) > 1500


@pytest.mark.parametrize("chunk", range(8))
def test_every_node_and_leaf_with_every_kind_of_bad_value(chunk):
    """Exhaustive: every (node or leaf) x (kind of bad value), split in 8 chunks."""
    for kind, cmd, source, path, original in ALL[chunk::8]:
        check_case(kind, cmd, source, path, original)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=st.sampled_from(CASES), data=st.data())
def test_property_random_bad_values(case, data):
    """Hypothesis: random bad values (any non-finite float, out-of-type texts, containers)."""
    cmd, source, path, original = case
    numeric = isinstance(original, (int, float)) and not isinstance(original, bool)
    kinds = ["shape", "type", "empty"] + (["nan", "inf", "huge"] if numeric else [])
    kinds += ["unknown_key"] if isinstance(original, dict) else []
    kind = data.draw(st.sampled_from(kinds), label="kind")
    check_case(kind, cmd, source, path, original)


# ------------------------------------------------------------------ specs and values
@given(st.floats(allow_nan=True, allow_infinity=True) | st.booleans() | st.text(max_size=5)
       | st.lists(st.integers(), max_size=2) | st.none())
def test_check_value_accepts_only_in_range_finite_numbers(value):
    spec = Spec("number", "x", low=0, high=1)
    try:
        out = check_value(spec, value, "x")
    except ConfigError as err:
        assert str(err).startswith("x: must be a number in [0, 1]") and "\n" not in str(err)
    else:
        assert isinstance(out, float) and math.isfinite(out) and 0 <= out <= 1
        assert not isinstance(value, bool)


def test_unknown_key_suggests_the_close_one():
    with pytest.raises(ConfigError, match=r"replicatons: unknown field \(did you mean "
                                          r"'replications'\?\)"):
        validate_options({"replicatons": 3}, COMPARE_OPTIONS)
    with pytest.raises(ConfigError, match=r"market.behaviour.beta_prise: unknown field \(did "
                                          r"you mean 'beta_price'\?\)"):
        MarketConfig.from_dict({**MARKET, "behaviour": {"beta_prise": 1}})


def test_library_objects_get_the_same_checks():
    with pytest.raises(ConfigError, match=r"market.behaviour.beta_price: .*finite"):
        default_market().replace(behaviour=Behaviour(beta_price=float("nan")))
    with pytest.raises(ConfigError, match=r"market.stores\[0\].attractiveness"):
        m = default_market()
        bad = (StoreSpec("focal", "county_a", attractiveness=float("nan")), *m.stores[1:])
        m.replace(stores=bad)
    with pytest.raises(ConfigError, match=r"market.class_profiles.rural.spend_per_purchase"):
        profiles = dict(default_market().class_profiles)
        profiles["rural"] = ClassProfile(0.9, -100, 1.3, 0.65, 0.1, 0.3, 0.15, -0.5, 0.0)
        default_market().replace(class_profiles=profiles)


def test_sizes_are_checked_against_memory():
    with pytest.raises(ConfigError, match=r"market.n_customers: too large: .* of memory"):
        default_market(n_customers=90_000_000)
    with pytest.raises(ConfigError, match="replications: too large"):
        check_memory(5e12, "replications", "a study")


def test_focal_store_policies_are_not_silently_dropped():
    market = dict(MARKET)
    market["stores"] = [dict(s) for s in MARKET["stores"]]
    market["stores"][0]["policies"] = ["gift_budget"]
    cfg = OmegaConf.create({"market": market, "policy": {"name": "none", "policies": []}, **RUN})
    with pytest.raises(ConfigError, match=r"market.stores\[0\].policies: the focal store"):
        validate_run(cfg)


def test_competitor_policy_errors_name_the_store():
    market = dict(MARKET)
    market["stores"] = [dict(s) for s in MARKET["stores"]]
    market["stores"][1]["policies"] = [{"name": "gift_budget", "top_share": 5}]
    cfg = OmegaConf.create({"market": market, "policy": {"name": "none", "policies": []}, **RUN})
    with pytest.raises(ConfigError, match=r"market.stores\[1\].policies\[0\].top_share: .*"
                                          r"\(policy gift_budget\)"):
        validate_run(cfg)


def test_a_text_is_not_a_list_of_policies():
    cfg = run_cfg()
    cfg.policy.policies = "zzz"
    with pytest.raises(ConfigError, match=r"policy.policies: must be a list .* got the text"):
        validate_run(cfg)


def test_configuration_targets_only_store_policies(capsys):
    cfg = run_cfg()
    cfg.policy.policies = [{"_target_": "builtins.print", "_args_": ["HI"]}]
    with pytest.raises(ConfigError, match=r"_target_: 'builtins.print' is not a StorePolicy"):
        validate_run(cfg)
    assert "HI" not in capsys.readouterr().out
    market = dict(MARKET)
    market["stores"] = [dict(s) for s in MARKET["stores"]]
    market["stores"][2]["policies"] = [{"_target_": "os.system", "command": "echo HI"}]
    with pytest.raises(ConfigError, match=r"market.stores\[2\].policies\[0\]._target_: "):
        validate_run(OmegaConf.create({"market": market, "policy": {"policies": []}, **RUN}))
    assert "HI" not in capsys.readouterr().out


@pytest.mark.parametrize("target", ["this.X", "antigravity.X", "os.system", "subprocess.run"])
def test_standard_library_targets_are_refused_without_importing(target, capsys):
    import sys

    top = target.split(".")[0]
    was_loaded = top in sys.modules
    cfg = run_cfg()
    cfg.policy.policies = [{"_target_": target}]
    with pytest.raises(ConfigError, match="is not a StorePolicy subclass"):
        validate_run(cfg)
    assert (top in sys.modules) == was_loaded  # not imported by us
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------ the generated reference
def test_configuration_doc_is_generated_from_the_code():
    committed = (ROOT / "docs/configuration.md").read_text()
    assert committed == markdown(), "regenerate: python -m sim.configdoc > docs/configuration.md"


def test_every_field_and_parameter_is_declared_and_documented():
    for cls in (MarketConfig, PlaceSpec, StoreSpec, Behaviour, ClassProfile):
        import dataclasses

        names = {f.name for f in dataclasses.fields(cls)}
        specs = field_specs(cls)
        assert names == set(specs), f"{cls.__name__}: undeclared {names - set(specs)}"
        assert all(s.doc for s in specs.values())
    for cls in BUILTIN_POLICIES:
        params = [n for n in inspect.signature(cls.__init__).parameters if n != "self"]
        checked = {r["field"] for r in recorded_checks(cls)}
        assert set(params) == checked, f"{cls.name}: unchecked {set(params) - checked}"
        assert set(params) <= set(cls.param_docs), f"{cls.name}: undocumented parameters"
    for command in COMMANDS.values():
        for value in command.options.values():
            specs = value.values() if isinstance(value, dict) else [value]
            assert all(s.doc for s in specs), command.name
