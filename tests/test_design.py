"""Policy design (experiments.design): levers, search, resumption, re-evaluation, outputs.

Most tests drive the search with a planted response (a runner that returns a known profit
curve plus seed noise instead of simulating), so the search machinery is checked quickly and
exactly; the slow test finds a gift budget's optimum on the real market against a grid sweep.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from experiments.studies.design import engine_runner, make_design_plan, run_design
from experiments.studies.design.evaluate import BASELINE, outcomes, scenarios, trial_specs
from experiments.studies.design.outputs import best_yaml, pareto_frame, write_best
from experiments.studies.design.search import _entries
from experiments.studies.design.section import answer
from sim import ConfigError, default_market
from sim.policies import policy_class_from_target
from sim.store_profile import DEFAULT_REVENUE

ROOT = Path(__file__).resolve().parents[1]
SMALL = default_market(n_customers=400, years=2)
KEY = "gift_budget.monthly_per_manager"
SMALL_ARGS = ("market.n_customers=300", "market.years=2", "workers=1")
"""A small market on one worker: the CLI tests' common arguments."""


def run_cli(module: str, *args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """`python -m module` with the small market's arguments and a run store in `tmp_path`;
    asserts it succeeded."""
    cmd = [sys.executable, "-m", module, *args, *SMALL_ARGS, f"store={tmp_path / 'store'}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def yuan(size) -> float:
    """A gift budget in the default store's yuan (a relative size resolved as a run would)."""
    return float(size["revenue_share"]) * DEFAULT_REVENUE if isinstance(size, dict) else size


def planted_runner(peak: float = 900.0, noise: float = 300.0, calls: list | None = None):
    """Profit = a concave curve in the monthly gift budget peaking at `peak`, plus noise shared
    by every policy with the same seed (common random numbers); retention rises with budget."""

    def run(specs):
        rows = []
        for s in specs:
            budget = 0.0
            for e in s.policies or ():
                if policy_class_from_target(e["_target_"]).name == "gift_budget":
                    budget = yuan(e["monthly_per_manager"])
            rng = np.random.default_rng(s.seed)
            shock = rng.normal(0, 5_000)  # common to every policy with this seed
            own = np.random.default_rng([s.seed, int(budget * 100), len(s.policies or ())])
            gain = 0.0 if not s.policies else 40_000 - 40_000 * ((budget - peak) / 2_000) ** 2
            rows.append(
                {
                    **s.labels,
                    "seed": s.seed,
                    "profit": 100_000 + shock + gain + own.normal(0, noise),
                    "retention": 0.3 + (budget / 20_000 if s.policies else 0.0),
                }
            )
        if calls is not None:
            calls.append(len(specs))
        return pd.DataFrame(rows)

    return run


def plan_of(**opts):
    span = [0, 4000 / DEFAULT_REVENUE]  # 0 .. ¥4,000 a month in the default store
    base = {"policy": "gift_budget", "levers": [KEY], "ranges": {KEY: span}, "trials": 30}
    return make_design_plan({**base, **opts}, market=SMALL)


# --------------------------------------------------------------------------- the plan
@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"policy": "gift_budget", "levers": ["no_such"]}, "levers"),
        ({"policy": "gift_budget", "ranges": {"monthly_per_manager": [5, 1]}}, "ranges"),
        ({"policy": "gift_budget", "ranges": {"target": ["nobody"]}}, "ranges"),
        ({"policy": "gift_budget", "ranges": {"cooldown_days": [-100, -50]}}, "ranges"),
        ({"policy": "gift_budget", "ranges": {"monthly_per_manager": [0, 1e20]}}, "ranges"),
        ({"policy": "gift_budget", "objectives": ["retention"]}, "objectives"),
        ({"policy": "gift_budget", "robust": "best"}, "robust"),
        ({"policy": "gift_budget", "trials": 0}, "trials"),
        ({"policy": "gift_budget", "replications": 1}, "replications"),
        ({"policy": "gift_budget", "tirals": 5}, "tirals"),
        ({"policy": "none"}, "policy"),
        ({"policy": "no_such_policy"}, "policies"),
        ({"policy": "gift_budget", "baseline": "gift_budget"}, "baseline"),
        ({"policy": "gift_budget", "baseline": "magic"}, "baseline"),
    ],
)
def test_bad_options_one_line_naming_the_field(options, field):
    with pytest.raises(ConfigError) as exc:
        make_design_plan(options, market=SMALL)
    assert str(exc.value).startswith(field) and "\n" not in str(exc.value)


def test_levers_by_short_or_full_name_and_bundles_qualify_them():
    plan = make_design_plan(
        {"policy": "gift_budget", "levers": ["top_share", "gift_budget.target"]}, market=SMALL
    )
    assert [d.key for d in plan.space] == ["gift_budget.top_share", "gift_budget.target"]
    bundle = make_design_plan({"policy": "promotions_blacklist"}, market=SMALL)
    keys = {d.key.split(".")[0] for d in bundle.space}
    assert keys == {"promotions", "promo_blacklist"}


def test_applied_levers_change_only_their_parameter():
    plan = plan_of()
    entries = _entries(plan, {KEY: 0.0002})
    assert entries[0]["monthly_per_manager"] == {"revenue_share": 0.0002}
    rest = {k: v for k, v in entries[0].items() if k != "monthly_per_manager"}
    shipped = {k: v for k, v in plan.entries[0].items() if k != "monthly_per_manager"}
    assert rest == shipped


# --------------------------------------------------------------------------- the search
def test_planted_optimum_found_and_front_reevaluated(tmp_path):
    plan = plan_of(trials=30, reevaluate={"top": 4, "replications": 6})
    result = run_design(plan, tmp_path, planted_runner(peak=900.0), progress=False)
    best = result.best["values"][KEY] * DEFAULT_REVENUE
    assert abs(best - 900.0) <= 0.1 * 4000, best
    assert result.trials[f"{KEY}_money"].max() <= 4000 + 1e-6  # shown in the store's money
    front = result.front
    assert len(front) == 4 and front["fresh_profit_mean"].notna().all()
    assert result.trials["trial"].tolist() == list(range(30))
    # fresh seeds are new seeds: the re-evaluation did not just copy the search's figures
    assert not np.allclose(front["fresh_profit_mean"], front["profit_mean"])
    # the answer states both figures, each as the tables have them
    text = " ".join(answer(result, "en"))
    row = front.set_index("trial").loc[result.best["trial"]]
    assert f"{abs(row['profit_mean']):,.0f}" in text
    assert f"{abs(row['fresh_profit_mean']):,.0f}" in text


def test_kill_and_resume_loses_no_trial_and_reruns_no_run(tmp_path):
    """A search interrupted in the middle of a batch resumes: the trials it had asked for are
    finished with the values already drawn, and no run is computed twice."""
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    from experiments.engine.study import run_study

    store, needed, computed, calls = tmp_path / "store", set(), [0], [0]

    def run(specs, fail_after=None):
        specs = list(specs)
        needed.update(s.key for s in specs)
        res = run_study(specs[:fail_after], store=store, progress=False)
        computed[0] += res.computed
        if fail_after is not None:
            raise KeyboardInterrupt  # killed with part of the batch finished
        return res.runs

    def flaky(specs):
        calls[0] += 1
        return run(specs, fail_after=5 if calls[0] == 2 else None)

    market = default_market(n_customers=200, years=2)
    plan = make_design_plan(
        {
            "policy": "gift_budget",
            "levers": [KEY],
            "trials": 6,
            "batch": 2,
            "replications": 2,
            "reevaluate": {"top": 1},
        },
        market=market,
    )
    with pytest.raises(KeyboardInterrupt):
        run_design(plan, tmp_path / "out", flaky, progress=False)
    storage = JournalStorage(JournalFileBackend(str(tmp_path / "out" / "optuna_journal.log")))
    before = optuna.load_study(study_name="design", storage=storage).get_trials()
    running = {t.number: t.params[KEY] for t in before if t.state.name == "RUNNING"}
    assert len(running) == 2 and sum(t.state.name == "COMPLETE" for t in before) == 2

    result = run_design(plan, tmp_path / "out", run, progress=False)
    trials = result.trials.set_index("trial")
    assert trials.index.tolist() == list(range(6)) and (trials["state"] == "complete").all()
    assert result.resumed == 2
    assert {n: trials.loc[n, KEY] for n in running} == running  # the values drawn before
    assert computed[0] == len(needed)  # every run computed exactly once


def test_a_search_whose_every_setting_is_refused_says_so_in_one_line(tmp_path, monkeypatch):
    from experiments.studies.design import search as search_module

    def refuse(plan, values):
        raise ConfigError("policy.gift_budget.top_share", "refused with this budget")

    monkeypatch.setattr(search_module, "_entries", refuse)
    with pytest.raises(ConfigError, match=r"^levers: no trial completed \(the first: policy"):
        run_design(plan_of(trials=3), tmp_path, planted_runner(), progress=False)


def test_two_objectives_give_a_front_and_a_choice_that_keeps_customers(tmp_path):
    plan = plan_of(objectives=["profit", "retention"], trials=16)
    result = run_design(plan, tmp_path, planted_runner(peak=900.0), progress=False)
    front = pareto_frame(result)
    assert len(front) >= 2
    assert front["profit_mean"].is_monotonic_decreasing
    assert front["retention_mean"].is_monotonic_increasing  # the trade-off, both ways
    assert result.front["trial"].isin(front["trial"]).all()
    from experiments.studies.design.section import answer

    line = answer(result, "en")[-1]  # the console and the report say the front exists
    assert line.startswith(f"The trade-off: {len(front)} of the tried settings")
    assert f"{front['retention_mean'].max():+.1f} points" in line
    assert "pareto.csv" in answer(result, "zh")[-1]


def test_robust_objectives_use_scenarios_and_the_worst_is_not_above_the_mean(tmp_path):
    unc = {"behaviour": {"wom_positive_shift": {"low": 0.03, "high": 0.15, "source": "test"}}}
    res = {}
    for mode in ("mean", "worst"):
        plan = make_design_plan(
            {
                "policy": "gift_budget",
                "levers": [KEY],
                "trials": 4,
                "robust": mode,
                "scenarios": 3,
                "replications": 2,
                "reevaluate": {"top": 1},
            },
            market=SMALL,
            uncertainty=unc,
        )
        r = run_design(plan, tmp_path / mode, planted_runner(), progress=False)
        assert len(r.trials["trial"]) == 4
        res[mode] = r.trials.set_index(KEY)["profit_mean"]
    common = res["mean"].index.intersection(res["worst"].index)
    assert (res["worst"][common] <= res["mean"][common] + 1e-6).all()


def test_outputs_and_best_yaml_is_a_policy_config(tmp_path):
    plan = plan_of(trials=6, reevaluate={"top": 2})
    result = run_design(plan, tmp_path, planted_runner(), progress=False)
    write_best(tmp_path, result)
    result.trials.to_csv(tmp_path / "trials.csv", index=False)
    trials = pd.read_csv(tmp_path / "trials.csv")
    assert {"trial", KEY, "profit_mean", "profit_low", "profit_high", "fresh_profit_mean"} <= set(
        trials.columns
    )
    cfg = yaml.safe_load(best_yaml(result))
    assert cfg["name"] == "gift_budget_design"
    chosen = {"revenue_share": result.best["values"][KEY]}  # sized to the store
    assert cfg["policies"][0]["monthly_per_manager"] == chosen
    from experiments.engine.specs import load_policy_config, policy_entries

    loaded = load_policy_config("gift_budget_design", (tmp_path,))
    assert policy_entries(loaded)[0]["monthly_per_manager"] == chosen
    clear = result.best["outcome"].profit.low > 0
    assert ("# Not clearly better than none" in best_yaml(result)) == (not clear)


def test_a_changed_plan_in_the_same_directory_is_refused(tmp_path):
    run_design(plan_of(trials=2, reevaluate={"top": 1}), tmp_path, planted_runner(), progress=False)
    with pytest.raises(ConfigError, match="output_dir"):
        run_design(plan_of(trials=2, replications=3), tmp_path, planted_runner(), progress=False)


def test_report_in_both_languages_and_the_answer_matches_the_tables(tmp_path):
    from experiments.studies.base import Result, write_report
    from experiments.studies.design import DESIGN

    plan = plan_of(trials=4, reevaluate={"top": 2})
    res = Result(plan, None, run_design(plan, tmp_path, planted_runner(), progress=False))
    en = write_report(DESIGN, res, {}, tmp_path, "en")["report"].read_text()
    zh = write_report(DESIGN, res, {}, tmp_path, "zh")["report"].read_text()
    assert (tmp_path / "report_zh.html").is_file() and (tmp_path / "design_front_zh.png").is_file()
    assert "Answer" in en and "optimiser" in en
    assert "结论" in zh and "新种子" in zh
    row = res.analysis.trials.set_index("trial").loc[res.analysis.best["trial"]]
    for value in (row["fresh_profit_mean"], row["fresh_profit_low"], row["fresh_profit_high"]):
        assert f"{abs(round(value)):,.0f}" in en


# --------------------------------------------------------------------------- the real market
@pytest.mark.slow
def test_planted_gift_budget_optimum_on_the_market_matches_a_grid_sweep(tmp_path):
    """A gift budget whose cap binds (monthly cooldown) has an interior profit optimum; a dense
    grid sweep finds it, and the design study lands within 10% of the range in 20 trials."""
    cfg = tmp_path / "cfg" / "policy"
    cfg.mkdir(parents=True)
    (cfg / "gift_planted.yaml").write_text(
        "name: gift_planted\npolicies:\n  - _target_: sim.policies.gift_budget.GiftBudget\n"
        "    cooldown_days: 30\n    top_share: 0.4\n"
    )
    market = default_market(n_customers=1500, years=2)
    high = 4000.0 / DEFAULT_REVENUE  # ¥0 .. ¥4,000 a month in the default store
    plan = make_design_plan(
        {
            "policy": "gift_planted",
            "levers": ["monthly_per_manager"],
            "trials": 20,
            "ranges": {"monthly_per_manager": [0, high]},
            "replications": 5,
            "reevaluate": {"top": 3, "replications": 5},
        },
        market=market,
        config_dirs=(tmp_path / "cfg",),
    )
    run = engine_runner(store=str(tmp_path / "store"), workers=2)
    grid = np.linspace(0, high, 17)
    specs = trial_specs(BASELINE, plan.baseline_entries, plan.seeds, scenarios(plan))
    for i, b in enumerate(grid):
        specs += trial_specs(i, _entries(plan, {KEY: float(b)}), plan.seeds, scenarios(plan))
    grid_out = outcomes(
        run(specs),
        list(range(len(grid))),
        years=2.0,
        objectives=("profit",),
        robust=None,
        level=0.95,
    )
    curve = np.array([grid_out[i].profit.mean for i in range(len(grid))])
    optimum = float(grid[int(np.argmax(curve))])
    assert 0 < optimum < high, "the planted market must have an interior optimum"
    result = run_design(plan, tmp_path / "out", run, progress=False)
    assert abs(result.best["values"][KEY] - optimum) <= 0.1 * high


@pytest.mark.slow
def test_cli_writes_everything_and_compare_runs_the_designed_policy(tmp_path):
    out = tmp_path / "d"
    run_cli(
        "experiments.design",
        "trials=3",
        "replications=2",
        "reevaluate.top=1",
        "levers=[monthly_per_manager]",
        f"output_dir={out}",
        tmp_path=tmp_path,
    )
    for name in (
        "trials.csv",
        "pareto.csv",
        "best.yaml",
        "report.html",
        "COMPLETE",
        "design_response.png",
        "design_front.png",
        "meta.json",
    ):
        assert (out / name).is_file(), name
    run_cli(
        "experiments.compare",
        "--config-dir",
        str(out),
        "policies=[none,gift_budget_design]",
        "replications=2",
        f"output_dir={tmp_path / 'c'}",
        "report.enabled=false",
        tmp_path=tmp_path,
    )
    assert "gift_budget_design" in (tmp_path / "c" / "comparison.csv").read_text()


def test_cli_bad_option_is_one_line(tmp_path):
    cmd = [sys.executable, "-m", "experiments.design", "levers=[nope]", f"output_dir={tmp_path}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: levers"), proc.stderr


def _composed(*overrides: str):
    """configs/design.yaml composed by Hydra with `overrides`, as the command composes it."""
    from hydra import compose, initialize_config_dir

    from experiments.paths import CONFIG_DIR

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose("design", overrides=[*overrides, "market.n_customers=400"])


@pytest.mark.parametrize("policy", ["gift_budget", "referral_points", "vip_program"])
def test_policy_is_chosen_from_the_policy_group_by_name(policy):
    """`policy=NAME` (README, docs/design.md) selects the designed policy as `experiments.run`
    selects its policy; the search gets the policy's name and its levers."""
    from experiments.studies.design.study_class import DESIGN

    cfg = _composed(f"policy={policy}", "trials=2")
    DESIGN.check(cfg)
    plan = DESIGN.plan(cfg)
    assert plan.policy == policy
    assert plan.space and cfg.policy.name == policy  # the composed config itself is untouched


def test_a_setting_inside_the_designed_policy_is_refused_naming_it():
    """The search reads the policy's own file: an override of one of its settings would be
    lost, so it stops with one line naming the key and what to do instead."""
    from experiments.studies.design.study_class import DESIGN

    with pytest.raises(ConfigError) as err:
        DESIGN.check(_composed("policy.target=churn_risk"))
    assert str(err.value).startswith("policy.target:") and "--config-dir" in str(err.value)


@pytest.mark.slow
def test_cli_designs_the_policy_named_on_the_command_line(tmp_path):
    """The README's form: `python -m experiments.design policy=NAME ...`; the designed policy's
    labels are its display names in both languages."""
    out = tmp_path / "d"
    run_cli(
        "experiments.design",
        "policy=referral_points",
        "trials=2",
        "replications=2",
        "reevaluate.top=1",
        f"output_dir={out}",
        "report.enabled=false",
        tmp_path=tmp_path,
    )
    best = yaml.safe_load((out / "best.yaml").read_text())
    assert best["name"] == "referral_points_design"
    assert best["label"] == "Referral points (designed)"
    assert best["label_zh"] == "推荐积分（优化设置）"
    assert (out / "policy" / "referral_points_design.yaml").read_text() == (
        out / "best.yaml"
    ).read_text()


@pytest.mark.slow
def test_a_search_on_ray_starts_ray_once(tmp_path, monkeypatch):
    """The search asks the engine for runs round after round; on Ray each round used to start
    and stop its own local Ray (seconds each, ~25 times for the default 100 trials). One Ray
    now serves the whole search."""
    ray = pytest.importorskip("ray")
    import tempfile

    from experiments.studies.base import run_command
    from experiments.studies.design.study_class import DESIGN

    monkeypatch.setenv("RAY_TMPDIR", tempfile.mkdtemp(prefix="ray_"))
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    inits: list[dict] = []
    real_init = ray.init

    def counted(*args, **kwargs):
        inits.append(kwargs)
        return real_init(*args, **kwargs)

    monkeypatch.setattr(ray, "init", counted)
    address = os.environ.get("STORE_LAB_RAY_ADDRESS")  # CI: a Ray head started by .ci/run
    cfg = _composed(
        "executor=ray",
        *([f"executor.address={address}"] if address else []),
        "workers=1",
        "trials=3",
        "batch=1",
        "replications=2",
        "reevaluate.top=1",
        "reevaluate.replications=2",
        "market.years=1",
        "output.progress=false",
        "output.table=false",
        "report.enabled=false",
        f"store={tmp_path / 'store'}",
        f"output_dir={tmp_path / 'out'}",
    )
    assert not ray.is_initialized()
    run_command(DESIGN, cfg, tmp_path / "out")
    assert len(inits) == 1 and not ray.is_initialized()
    assert len(pd.read_csv(tmp_path / "out" / "trials.csv")) == 3


def test_the_size_estimate_re_evaluates_no_more_settings_than_were_tried():
    """Two objectives re-evaluate the whole front, which holds at most every trial: 2 trials
    of 2 replications are 4 search runs, 4 reference runs, and at most 2 + 2 settings on 2
    fresh seeds (the estimate said 52 runs for the 14 this study makes)."""
    from experiments.studies.design.study_class import DESIGN

    cfg = _composed(
        "objectives=[profit,retention]",
        "trials=2",
        "replications=2",
        "reevaluate.top=1",
        "reevaluate.replications=2",
    )
    size = DESIGN.check_size(DESIGN.plan(cfg), workers=2)
    assert size.runs == 2 * 2 + 2 * 2 + (2 + 2) * 2


def test_points_levers_are_searched_and_shown_by_their_worth_against_the_ticket():
    """`referral_points`' reward and threshold are in points; the search moves their worth in
    mean tickets (as the shipped config sizes them), and a plain number of points in a user's
    config reads as its worth at that config's value per point."""
    from experiments.studies.design.space import lever_units
    from experiments.studies.design.study_class import DESIGN

    plan = DESIGN.plan(_composed("policy=referral_points", "trials=2"))
    d = next(d for d in plan.space if d.parameter == "points_per_referral")
    assert d.lever.basis == "tickets"
    profile = plan.market.profile  # mean ticket 4,000
    entry = dict(plan.entries[d.entry])
    assert lever_units(d, entry, profile) == pytest.approx(0.025)  # {tickets: 0.025} shipped
    entry.update(points_per_referral=200.0, yuan_per_point=2.0)
    assert lever_units(d, entry, profile) == pytest.approx(0.1)  # 200 points of 2 = 400
    del entry["points_per_referral"]
    assert lever_units(d, entry, profile) == pytest.approx(0.05)  # default 100 points of 2


def test_every_shipped_lever_is_described_in_chinese():
    """The Chinese design report's lever table is Chinese: each lever's meaning and range."""
    from experiments.studies.design.vocab import MEANING_ZH, lever_range
    from sim.policies import policy_names
    from sim.policies.registry import get_policy_class

    for name in policy_names():
        for lever in getattr(get_policy_class(name), "levers", ()):
            assert lever.meaning in MEANING_ZH, (name, lever.name, lever.meaning)
            assert "revenue" not in lever_range(lever, "zh") and "tickets" not in lever_range(
                lever, "zh"
            )
