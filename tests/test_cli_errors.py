"""A sample of issue 13's cases through the real command (subprocess, as a user would):
one `error: FIELD: ...` line, exit status 2, no traceback, nothing run or executed.
The full sweep over every field is tests/fuzz_cli.py (minutes; not part of the suite)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["market.n_customers=500", "market.years=0.25", "output.progress=false"]


def run(*overrides: str, tmp_path: Path) -> subprocess.CompletedProcess:
    args = [*SMALL, f"hydra.run.dir={tmp_path / 'out'}", *overrides]
    return subprocess.run(
        [sys.executable, "-m", "experiments.run", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.parametrize(
    "override, field",
    [
        ("market.places=null", "market.places"),
        ("market.behaviour.beta_price=nan", "market.behaviour.beta_price"),
        ("market.n_customers=1e12", "market.n_customers"),
        ("+policy.budgt=999", "policy.budgt"),
        ("market.tick=[a,b", "market.tick"),
        ("market.tik=day", "market.tik"),
        ("+policy.policies=[{_target_:builtins.print,_args_:[HI]}]",
         "policy.policies[0]._target_"),
        ("hydra.run.dir=/proc/x", "hydra.run.dir"),
        ("market.class_mix.town.rural=0.5", "market.class_mix.town.rural"),
    ],
)
def test_bad_override_one_line_exit_2(tmp_path, override, field):
    p = run(override, tmp_path=tmp_path)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}: "), p.stderr
    assert "Traceback" not in p.stderr and "HI" not in p.stdout
    assert not (tmp_path / "out" / "summary.json").exists()


def test_focal_policies_given_twice_are_refused(tmp_path):
    p = run("policy=none", "market.stores.0.policies=[gift_budget]", tmp_path=tmp_path)
    assert p.returncode == 2
    assert p.stderr.startswith("error: market.stores[0].policies: the focal store's policies")


def study(command: str, *overrides: str, cwd: Path) -> subprocess.CompletedProcess:
    """A study command run from `cwd`, so its default `outputs/` would land there."""
    return subprocess.run(
        [sys.executable, "-m", f"experiments.{command}", *SMALL, "replications=2", *overrides],
        cwd=cwd, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.parametrize(
    "command, override, said",
    [
        # refused before Hydra starts: the focal store's policies come from the study
        ("compare", "market.stores.0.policies=[gift_budget]", "market.stores[0].policies"),
        # refused inside the app, after Hydra made its run directory
        ("compare", "baseline=magic", "baseline: unknown policy 'magic'"),
        ("tournament", "store_policies={nope:[none]}", "store_policies.nope: unknown store"),
    ],
)
def test_a_refused_study_leaves_no_directory(tmp_path, command, override, said):
    p = study(command, override, cwd=tmp_path)
    assert p.returncode == 2 and p.stderr.startswith(f"error: {said}"), p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "outputs").exists(), sorted(tmp_path.rglob("*"))


def test_a_run_directory_with_outputs_is_kept(tmp_path):
    from experiments.cli import remove_if_untouched

    for extra in ("summary.json", ".hydra/extra.yaml"):
        run_dir = tmp_path / "outputs" / "compare" / extra.replace("/", "_")
        (run_dir / ".hydra").mkdir(parents=True)
        (run_dir / ".hydra" / "config.yaml").write_text("a: 1\n")
        (run_dir / "compare.log").write_text("")
        (run_dir / extra).write_text("{}")
        assert not remove_if_untouched(run_dir) and (run_dir / extra).is_file()
    bare = tmp_path / "bare"
    (bare / ".hydra").mkdir(parents=True)
    (bare / "compare.log").write_text("")
    assert remove_if_untouched(bare) and not bare.exists()


@pytest.mark.parametrize(
    "sweep, said",
    [
        (["-m", "seed=0,abc"], "error: seed: must be an integer"),  # the bad value is not first
        (["-m", "market.years=0.25,abc"], "error: market.years: must be a number"),
        (["-m", "policy=none,magic"], "error: policy: unknown policy 'magic'"),
        (["seed=1,2"], "error: seed: 'seed=1,2' gives several values: add -m"),  # -m forgotten
    ],
)
def test_every_value_of_a_sweep_is_checked_before_its_first_job(capsys, sweep, said):
    from experiments.cli import preflight
    from experiments.run import validate_run

    with pytest.raises(SystemExit) as stop:
        preflight([*SMALL, *sweep], "run", validate_run)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.startswith(said) and err.count("\n") == 1, err


@pytest.mark.parametrize(
    "sweep",
    [
        "policy=choice(none,gift_budget)",
        "policy=glob(gift*)",
        "policy=glob(*,exclude=[v*,promo*,w*,r*,c*,e*])",
    ],
)
def test_hydra_sweep_functions_over_a_group_pass_the_check(sweep):
    """Hydra's `choice(...)` and `glob(...)` name policies; the check reads them as Hydra will."""
    from experiments.cli import preflight
    from experiments.run import validate_run

    preflight([*SMALL, "-m", sweep], "run", validate_run)


@pytest.mark.parametrize(
    "sweep, said",
    [
        ("policy=choice(none,magic)", "error: policy: unknown policy 'magic'"),
        ("policy=glob(zz*)", "error: policy: 'policy=glob(zz*)' matches no policy; available:"),
        ("seed=range(0,2,0)", "error: seed: cannot sweep 'seed=range(0,2,0)': range() arg 3"),
        ("market.behaviour.complaint_probability=interval(0.01,0.1)",
         "error: market.behaviour.complaint_probability: 'market.behaviour.complaint_probability="
         "interval(0.01,0.1)': interval() is for a sweeper that samples"),
    ],
)
def test_a_sweep_function_naming_no_policy_is_one_line(capsys, sweep, said):
    from experiments.cli import preflight
    from experiments.run import validate_run

    with pytest.raises(SystemExit) as stop:
        preflight([*SMALL, "-m", sweep], "run", validate_run)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.startswith(said) and err.count("\n") == 1, err


def test_sweep_values_expands_a_glob_as_hydra_does():
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from experiments.cli import config_choices, sweep_values

    (ov,) = OverridesParser.create().parse_overrides(["policy=glob(promo*,exclude=promo_*)"])
    assert sweep_values(ov, config_choices("policy")) == ["promotions", "promotions_blacklist"]


def test_a_long_seed_sweep_is_checked_without_composing_each_value():
    from experiments.cli import preflight
    from experiments.run import validate_run

    preflight([*SMALL, "-m", "seed=range(0,50)", "policy=none,gift_budget"], "run", validate_run)


def test_a_typo_deep_in_a_key_gets_a_did_you_mean_for_the_misspelt_part(capsys):
    from experiments.cli import preflight

    with pytest.raises(SystemExit):
        preflight(["uncertainty.behaviour.wom_positve_shift.low=0.1"], "robustness")
    assert capsys.readouterr().err == (
        "error: uncertainty.behaviour.wom_positve_shift.low: unknown field "
        "(did you mean 'wom_positive_shift'?)\n"
    )


def test_a_market_field_left_at_its_default_says_to_add_it_with_plus(capsys):
    from experiments.cli import preflight
    from experiments.run import validate_run

    with pytest.raises(SystemExit):
        preflight(["market.profile.currency=USD"], "run", validate_run)
    assert capsys.readouterr().err == (
        "error: market.profile.currency: unknown field in this market's file: 'profile' is at "
        "its library default there; add it with +market.profile.currency=VALUE\n"
    )


def test_a_study_pointed_at_another_study_s_directory_stops_before_hydra_writes_there(
    tmp_path, capsys
):
    """Refused inside the app, Hydra would already have written its .hydra files and log into
    the comparison's directory; the pre-check refuses first, naming both studies."""
    import json

    from experiments.cli import preflight

    (tmp_path / ".outputs.json").write_text(json.dumps({"study": "compare", "files": []}))
    with pytest.raises(SystemExit) as stop:
        preflight([f"hydra.run.dir={tmp_path}", *SMALL[:2]], "robustness")
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err == (
        f"error: hydra.run.dir: {str(tmp_path)!r} holds the outputs of a compare study; "
        "choose another directory for this robustness study\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [".outputs.json"]
    preflight([f"hydra.run.dir={tmp_path}", *SMALL[:2]], "compare")  # its own: fine
