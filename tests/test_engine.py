"""The study engine: content keys, resume from the run store, atomic writes, executors, run
errors named in one line, and sweep directories that are never overwritten."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.engine import (
    RunSpec,
    RunStore,
    StudyError,
    apply_overrides,
    atomic_to_csv,
    atomic_write_text,
    make_plan,
    policy_entries,
    run_comparison,
    run_study,
    with_store_policies,
)
from experiments.engine.burn_ins import grouped_batches
from experiments.engine.executors import batches
from experiments.engine.runner import frames, labelled, run_spec
from experiments.engine.store import OutputError
from experiments.engine.study import Interrupted
from sim import ConfigError, default_market
from sim.policies import StorePolicy, register

ROOT = Path(__file__).resolve().parents[1]
TINY = default_market(n_customers=600, years=0.5)


@register
class ExplodingPolicy(StorePolicy):
    """Raises in `on_purchases` from a given seed on: a custom policy with a bug."""

    name = "exploding_test_policy"

    def __init__(self, from_tick: int = 3) -> None:
        super().__init__()
        self.from_tick = from_tick

    def on_purchases(self, t, rows, amounts) -> None:
        if t >= self.from_tick:
            raise RuntimeError("boom in a custom hook")


def specs(seeds=(1, 2), policies=("none", "gift_budget")) -> list[RunSpec]:
    return [
        RunSpec(TINY, policy_entries([p]), s, labels={"policy": p, "replication": r})
        for p in policies
        for r, s in enumerate(seeds)
    ]


# ------------------------------------------------------------------ keys and specs
def test_key_is_content_not_labels_and_changes_with_any_input():
    a = RunSpec(TINY, policy_entries(["gift_budget"]), 1, labels={"policy": "x"})
    b = RunSpec(TINY, policy_entries([{"name": "gift_budget"}]), 1, labels={"policy": "y"})
    assert a.key == b.key  # same simulation: explicit defaults or not, labels aside
    assert RunSpec(TINY, a.policies, 2).key != a.key
    assert RunSpec(TINY, policy_entries(["gift_budget"]), 1, activation="agent").key != a.key
    other = policy_entries([{"name": "gift_budget", "monthly_per_manager": 100}])
    assert RunSpec(TINY, other, 1).key != a.key
    assert RunSpec(TINY.replace(years=1), a.policies, 1).key != a.key
    rival = with_store_policies(TINY, {"county_rival": ["promotions"]})
    assert RunSpec(rival, a.policies, 1).key != a.key


def test_overrides_keep_a_rival_policy_given_by_name():
    """A rival's policy given by name (`market.stores.1.policies=[gift_budget]`) survives the
    market's own description: robustness rebuilds every scenario's market from it."""
    rival = TINY.stores[1].id
    named = TINY.replace(
        stores=tuple(
            s if s.id != rival else dataclasses.replace(s, policies=("gift_budget",))
            for s in TINY.stores
        )
    )
    m = apply_overrides(named, {"behaviour.beta_price": 2.0})
    assert m.stores[1].policies == ("gift_budget",)
    assert named.to_dict()["stores"][1]["policies"] == ["gift_budget"]


def test_overrides_and_store_policies_are_validated():
    m = apply_overrides(TINY, {"behaviour.beta_price": 2.0, "stores.0.margin": 0.3})
    assert m.behaviour.beta_price == 2.0 and m.stores[0].margin == 0.3
    with pytest.raises(ConfigError, match="market.behaviour.beta_prize: unknown field"):
        apply_overrides(TINY, {"behaviour.beta_prize": 2.0})
    with pytest.raises(ConfigError, match="unknown store 'nowhere'"):
        with_store_policies(TINY, {"nowhere": ["promotions"]})
    with pytest.raises(ConfigError, match="unknown policy 'magic'"):
        policy_entries(["magic"])
    with pytest.raises(ConfigError, match="not a StorePolicy subclass"):
        policy_entries([{"_target_": "builtins.print"}])


def test_batches_cover_every_item_once():
    items = [(i, None) for i in range(37)]
    for workers in (1, 2, 7):
        got = [i for b in batches(items, workers) for i, _ in b]
        assert got == list(range(37))
        assert max(len(b) for b in batches(items, workers)) <= 8


def test_runs_of_one_burn_in_travel_together_and_split_groups_are_named():
    items = [(i, None) for i in range(26)]
    keys = [f"seed{i % 2}" for i in range(26)]  # two replications, policies interleaved
    for workers in (1, 2, 7):
        planned, split = grouped_batches(items, keys, workers)
        assert sorted(i for b in planned for i, _ in b) == list(range(26))
        for b in planned:
            assert len({keys[i] for i, _ in b}) == 1 or max(len(b) for b in planned) <= 8
        together = {
            k for k in set(keys) if sum(any(keys[i] == k for i, _ in b) for b in planned) == 1
        }
        assert split == set(keys) - together
    assert grouped_batches(items, keys, 2)[1] == set(keys)  # 2 groups: split for balance
    # The default comparison (13 policies x 10 replications) on 2 workers: one batch each.
    items = [(i, None) for i in range(130)]
    keys = [f"seed{i % 10}" for i in range(130)]
    planned, split = grouped_batches(items, keys, 2)
    assert split == set() and sorted(len(b) for b in planned) == [13] * 10


def test_labelled_parts_equal_each_run_labelled_on_its_own():
    """`frames` labels the runs' tables in one go; it equals labelling each run (`assign`)
    and concatenating: values, dtypes, column order, empty tables, mixed label types."""
    week = pd.DataFrame({"week": [0, 1], "day": pd.to_datetime(["2020-01-01", "2020-01-08"])})
    parts = [
        week.assign(profit=[1.5, 2.5]),
        week.iloc[:0].assign(profit=np.array([], dtype=float)),
        week.assign(profit=[3.0, -1.0]),
    ]
    empty = pd.DataFrame({"year": pd.Series([], dtype=object)})
    cases = [
        (
            [{"policy": p, "replication": r, "w": 0.5, "on": True} for p, r in ("a0", "b1", "a2")],
            parts,
        ),
        ([{"policy": "a", "replication": r} for r in (0, "1", 2)], parts),  # mixed: object
        ([{"policy": "a", "seed": s} for s in (1, 2, 3)], [empty] * 3),
        ([{"policy": "a"}, {"policy": "b"}, {"policy": "c", "extra": 1}], parts),
    ]
    for keys, tables in cases:
        results = [{"t": t} for t in tables]
        want = pd.concat(
            [t.assign(**k)[[*k, *t.columns]] for t, k in zip(tables, keys, strict=True)],
            ignore_index=True,
        )
        got = labelled(results, keys, "t")
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert list(got.dtypes) == list(want.dtypes)


def test_shared_burn_ins_give_the_fresh_runs_across_workers(tmp_path):
    """One replication of six policies on two workers: its group is split over batches, so
    the burn-in goes through the run store; every run equals its fresh run."""
    policies = (
        "none",
        "gift_budget",
        "promotions",
        "referral_points",
        "reactivation",
        "celebrity_event",
    )
    runs = specs(seeds=(5,), policies=policies)
    shared = run_study(runs, workers=2, store=tmp_path, progress=False)
    fresh = frames([run_spec(s) for s in runs], runs)
    for name in ("stores", "series", "yearly", "segments", "market"):
        got = getattr(shared, name).drop(columns="seconds", errors="ignore")
        pd.testing.assert_frame_equal(got, fresh[name].drop(columns="seconds", errors="ignore"))
    assert not list((tmp_path / "burn_in").glob("*/*.pkl"))  # the study's scratch is gone


# ------------------------------------------------------------------ the run store
def test_second_study_reuses_every_run_and_gives_identical_frames(tmp_path):
    first = run_study(specs(), workers=1, store=tmp_path, progress=False)
    assert (first.computed, first.reused) == (4, 0) and len(RunStore(tmp_path)) == 4
    again = run_study(specs(), workers=2, store=tmp_path, progress=False)
    assert (again.computed, again.reused) == (0, 4)
    for name in ("runs", "stores", "market", "series", "yearly", "segments"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(again, name))
    fresh = run_study(specs(), workers=1, store=tmp_path, fresh=True, progress=False)
    assert (fresh.computed, fresh.reused) == (4, 0)
    pd.testing.assert_frame_equal(
        fresh.runs.drop(columns="seconds"), first.runs.drop(columns="seconds")
    )


def test_frames_hold_every_store_and_the_market_view(tmp_path):
    res = run_study(specs(seeds=(3,)), workers=1, store=tmp_path, progress=False)
    assert list(res.stores.columns[:5]) == ["policy", "replication", "seed", "store_id", "is_focal"]
    assert len(res.stores) == 2 * len(TINY.stores)
    assert res.stores.groupby("policy")["is_focal"].sum().tolist() == [1, 1]
    by_run = res.stores.groupby(["policy", "seed"], sort=False)["profit"].sum().to_numpy()
    assert np.allclose(by_run, res.market["category_profit"].to_numpy())
    assert (res.market["customers_lost"] >= 0).all()
    assert set(res.runs["store_id"]) == {"focal"}


def test_a_damaged_stored_run_is_recomputed(tmp_path):
    spec = specs(seeds=(4,), policies=("none",))
    run_study(spec, workers=1, store=tmp_path, progress=False)
    path = next(tmp_path.glob("*/*.pkl"))
    path.write_bytes(b"not a pickle")
    res = run_study(spec, workers=1, store=tmp_path, progress=False)
    assert (res.computed, res.reused) == (1, 0)


# ------------------------------------------------------------------ atomic writes
def test_atomic_write_never_leaves_a_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "comparison.csv"
    atomic_write_text(target, "old\n")

    class Full(OSError):
        pass

    def no_space(*args, **kwargs):
        raise Full(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(
        OutputError,
        match=r"comparison.csv: cannot write \(No space left on "
        r"device\); free some space",
    ):
        atomic_to_csv(pd.DataFrame({"a": range(1000)}), target)
    assert target.read_text() == "old\n"  # the old file, untouched
    assert [p.name for p in tmp_path.iterdir()] == ["comparison.csv"]  # no temp left over


# ------------------------------------------------------------------ errors inside a run
def test_a_policy_raising_in_a_hook_is_one_line_and_finished_runs_are_kept(tmp_path):
    good = specs(seeds=(1,), policies=("none",))
    bad = [RunSpec(TINY, policy_entries(["exploding_test_policy"]), 5, labels={"scenario": 2})]
    with pytest.raises(StudyError) as err:
        run_study(good + bad, workers=1, store=tmp_path, progress=False)
    msg = str(err.value)
    assert len(msg.splitlines()) == 1
    assert "policy 'exploding_test_policy' of store 'focal' raised in hook 'on_purchases'" in msg
    assert "scenario=2" in msg and "seed=5" in msg and "boom in a custom hook" in msg
    log = next((tmp_path / "logs").glob("*.log")).read_text()
    assert "Traceback" in log and "on_purchases" in log
    assert len(RunStore(tmp_path)) == 1  # the finished run is kept


@register
class InterruptedInCompiledCode(StorePolicy):
    """What a SIGTERM landing inside a compiled call looks like from Python: a SystemError
    caused by the signal handler's `Interrupted`."""

    name = "interrupted_test_policy"

    def on_purchases(self, t, rows, amounts) -> None:
        if t >= 3:
            try:
                raise Interrupted(signal.SIGTERM)
            except Interrupted as stop:
                raise SystemError("returned a result with an exception set") from stop


def test_a_signal_caught_inside_compiled_code_stops_the_study_not_a_run(tmp_path):
    """The study stops as for any SIGTERM (exit status 143 in the CLI), with the run that was
    interrupted neither stored nor reported as failed."""
    bad = [RunSpec(TINY, policy_entries(["interrupted_test_policy"]), 5, labels={"s": 1})]
    with pytest.raises(Interrupted) as stop:
        run_study(bad, workers=1, store=tmp_path, progress=False)
    assert stop.value.exit_status == 128 + signal.SIGTERM
    assert len(RunStore(tmp_path)) == 0 and not list((tmp_path / "logs").glob("*.log"))


# ------------------------------------------------------------------ kill and resume
COMPARE = [  # runs of ~0.1 s each, so that the kill below lands mid-way whatever the load
    "market.n_customers=20000",
    "market.years=2",
    "policies=[none,gift_budget,promotions]",
    "replications=4",
    "workers=1",
    "output.progress=false",
    "report.enabled=false",
    "scale_check=0",  # the runs of the comparison itself (the scale check has its own test)
]


def compare_cli(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "experiments.compare", *COMPARE, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


@pytest.mark.slow
def test_killed_comparison_resumes_and_matches_an_uninterrupted_one(tmp_path):
    store, out = tmp_path / "store", tmp_path / "resumed"
    proc = compare_cli(f"store={store}", f"hydra.run.dir={out}")
    deadline = time.time() + 300
    while len(RunStore(store)) < 3 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = len(RunStore(store))
    assert 3 <= done_before < 12, "kill the study mid-way"
    assert not (out / "COMPLETE").exists()
    resumed = compare_cli(f"store={store}", f"hydra.run.dir={out}")
    stdout, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, stderr[-2000:]
    assert f"12 runs ({done_before} reused from the run store)" in stdout
    assert len(RunStore(store)) == 12  # every run exactly once
    ref_out = tmp_path / "uninterrupted"
    ref = compare_cli(f"store={tmp_path / 'other'}", f"hydra.run.dir={ref_out}")
    ref.communicate(timeout=600)
    assert ref.returncode == 0
    assert (out / "COMPLETE").is_file()
    for name in ("comparison.csv", "yearly_retention.csv", "segments_by_year.csv"):
        assert (out / name).read_bytes() == (ref_out / name).read_bytes(), name
    for name in ("runs.parquet", "timeseries.parquet"):
        a, b = pd.read_parquet(out / name), pd.read_parquet(ref_out / name)
        pd.testing.assert_frame_equal(
            a.drop(columns="seconds", errors="ignore"), b.drop(columns="seconds", errors="ignore")
        )


# ------------------------------------------------------------------ executors
@pytest.mark.slow
def test_ray_executor_gives_the_local_results(tmp_path, monkeypatch):
    pytest.importorskip("ray")
    monkeypatch.setenv("RAY_TMPDIR", tempfile.mkdtemp(prefix="ray_"))
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    plan = make_plan(TINY, ["none", "gift_budget"], replications=2, seed=7)
    local = run_comparison(plan, workers=2, store=tmp_path / "a", progress=False)
    address = os.environ.get("STORE_LAB_RAY_ADDRESS")  # CI: a Ray head started by .ci/run
    ray = run_comparison(
        plan, executor="ray", address=address, workers=2, store=tmp_path / "b", progress=False
    )
    pd.testing.assert_frame_equal(local.table, ray.table)
    pd.testing.assert_frame_equal(
        local.study.runs.drop(columns="seconds"), ray.study.runs.drop(columns="seconds")
    )


# ------------------------------------------------------------------ sweep directories
def test_a_multirun_never_overwrites_the_jobs_of_an_earlier_one(tmp_path):
    sweep = tmp_path / "sweep"
    args = [
        "market.n_customers=400",
        "market.years=0.25",
        "output.progress=false",
        "output.table=false",
        f"hydra.sweep.dir={sweep}",
    ]
    first = subprocess.run(
        [sys.executable, "-m", "experiments.run", "-m", "seed=0,1", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert first.returncode == 0, first.stderr[-2000:]
    before = {p: p.read_bytes() for p in sweep.rglob("summary.json")}
    assert len(before) == 2 and all((p.parent / "COMPLETE").is_file() for p in before)
    again = subprocess.run(
        [sys.executable, "-m", "experiments.run", "-m", "seed=5,6,7", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 2
    err = again.stderr.strip()
    assert len(err.splitlines()) == 1 and str(sweep) in err and "already holds 2 job(s)" in err
    assert {p: p.read_bytes() for p in sweep.rglob("summary.json")} == before


def test_a_cold_kernel_cache_is_compiled_once_here_and_said(monkeypatch, capsys):
    """A fresh checkout compiles its kernels in the study's own process, with a line saying so,
    before any worker starts (not in every worker at once, silently); a warm one goes on."""
    from experiments.engine import executors
    from sim import kernels

    calls = []
    monkeypatch.setattr(kernels, "cache_is_warm", lambda: False)
    monkeypatch.setattr(kernels, "warm_up", lambda: calls.append(1) or 0.0)
    executors.compile_once()
    assert calls == [1]
    assert "compiling the simulation's kernels once" in capsys.readouterr().err
    monkeypatch.setattr(kernels, "cache_is_warm", lambda: True)
    executors.compile_once()
    assert calls == [1] and capsys.readouterr().err == ""


def test_a_single_run_on_a_cold_kernel_cache_says_why_it_is_slow(monkeypatch, capsys):
    from experiments.single_run import simulate
    from sim import default_market, kernels

    market = default_market(n_customers=300, years=0.1)
    monkeypatch.setattr(kernels, "cache_is_warm", lambda: False)
    simulate(market, [], 0)
    assert "compiling the simulation's kernels once" in capsys.readouterr().err
    monkeypatch.setattr(kernels, "cache_is_warm", lambda: True)
    simulate(market, [], 0)
    assert capsys.readouterr().err == ""
