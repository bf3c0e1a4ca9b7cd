"""Faults a study survives (issue 18): two studies sharing a run store, a Ray worker killed
mid-study, a full disk mid-write, a damaged store entry, SIGTERM, an executor that cannot
start, an output directory holding another study's (or stale) outputs, and file modes."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from experiments.engine import RunSpec, RunStore, policy_entries, run_study
from experiments.engine import store as store_mod
from experiments.engine.outputs import MANIFEST, prepare_output_dir, record_outputs
from experiments.engine.store import OutputError, atomic_write_text
from sim import ConfigError, default_market

ROOT = Path(__file__).resolve().parents[1]
TINY = default_market(n_customers=600, years=0.5)


def specs(seeds=(1, 2), policies=("none", "gift_budget"), market=TINY) -> list[RunSpec]:
    return [
        RunSpec(market, policy_entries([p]), s, labels={"policy": p, "replication": r})
        for p in policies
        for r, s in enumerate(seeds)
    ]


# ------------------------------------------------------------------ a shared run store
STUDY_SCRIPT = """
import json, sys
from experiments.engine import RunSpec, policy_entries, run_study
from sim import default_market
m = default_market(n_customers=800, years=0.5)
specs = [RunSpec(m, policy_entries([p]), s, labels={"policy": p})
         for p in ("none", "gift_budget", "promotions") for s in (1, 2, 3)]
r = run_study(specs, workers=1, store=sys.argv[1], progress=False)
print(json.dumps({"computed": r.computed, "reused": r.reused,
                  "profit": r.runs["profit"].round(6).tolist()}))
"""


def test_two_studies_sharing_a_store_compute_every_run_once(tmp_path):
    store = tmp_path / "store"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", STUDY_SCRIPT, str(store)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-2000:]
        outs.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(o["computed"] for o in outs) == 9  # every run computed exactly once
    assert all(o["computed"] + o["reused"] == 9 for o in outs)
    assert outs[0]["profit"] == outs[1]["profit"]
    entries = RunStore(store)
    assert len(entries) == 9
    assert all(entries.get(p.stem) is not None for p in store.glob("*/*.pkl"))  # none torn
    assert not entries.damaged and not list(store.glob("*/*.tmp"))


def test_a_claim_is_exclusive_and_released_when_its_holder_dies(tmp_path):
    key = "ab" + "0" * 30
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from experiments.engine.store import RunStore; "
            f"s = RunStore({str(tmp_path)!r}); assert s.claim({key!r}); print('held', flush=True); "
            "time.sleep(60)",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    mine = RunStore(tmp_path)
    assert not mine.claim(key)
    holder.kill()
    holder.wait()
    assert mine.claim(key, wait=True)  # the kernel released the dead holder's lock
    mine.release_all()


# ------------------------------------------------------------------ a full disk, a damaged entry
def test_disk_full_mid_study_is_one_line_keeps_the_store_valid_and_the_rerun_completes(
    tmp_path, monkeypatch
):
    runs = specs(seeds=(1, 2), policies=("none",))
    real, calls = store_mod._write_all, []

    def fills_up(fh, data):
        calls.append(1)
        if len(calls) == 2:  # the second run's entry: the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fh, data)

    monkeypatch.setattr(store_mod, "_write_all", fills_up)
    with pytest.raises(OutputError) as err:
        run_study(runs, workers=1, store=tmp_path, progress=False)
    msg = str(err.value)
    assert "\n" not in msg and "No space left on device" in msg and "free some space" in msg
    store = RunStore(tmp_path)
    assert len(store) == 1 and store.get(runs[0].key) is not None  # the first run is kept
    assert not list(tmp_path.glob("*/.*.tmp"))  # no temporary file left over
    monkeypatch.setattr(store_mod, "_write_all", real)  # space freed
    again = run_study(runs, workers=1, store=tmp_path, progress=False)
    assert (again.reused, again.computed) == (1, 1)


def test_a_damaged_entry_is_set_aside_recomputed_and_reported(tmp_path, capsys):
    runs = specs(seeds=(4,), policies=("none",))
    first = run_study(runs, workers=1, store=tmp_path, progress=False)
    path = next(tmp_path.glob("*/*.pkl"))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte: still a file, no longer the run
    path.write_bytes(bytes(data))
    again = run_study(runs, workers=1, store=tmp_path, progress=False)
    assert (again.computed, again.reused) == (1, 0)
    assert again.runs["profit"].tolist() == first.runs["profit"].tolist()
    err = capsys.readouterr().err
    assert "1 damaged run-store entry set aside" in err and runs[0].key[:12] in err
    assert path.with_suffix(".damaged").is_file()


# ------------------------------------------------------------------ files and directories
@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_outputs_get_the_users_umask(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        path = atomic_write_text(tmp_path / "x.csv", "a\n")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == mode


def test_an_output_dir_of_another_study_is_refused_and_stale_outputs_are_removed(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")  # a user's file: never touched
    first = {"policies": ["none", "gift_budget"], "report": {"lang": "zh"}}
    before = prepare_output_dir(out, "compare", first)
    for name in ("comparison.csv", "report_zh.html", "profit_zh.png"):
        (out / name).write_text("first run")
    record_outputs(out, "compare", before, first)
    (out / "COMPLETE").write_text("complete\n")
    with pytest.raises(ConfigError, match=r"^output_dir: .* holds the outputs of a compare "
                                          r"study; choose another directory for this "
                                          r"robustness study"):
        prepare_output_dir(out, "robustness", {})
    # the same inputs in another language: the Chinese report stays valid, and is kept
    english = {**first, "report": {"lang": "en"}}
    before = prepare_output_dir(out, "compare", english)
    assert (out / "report_zh.html").is_file() and not (out / "COMPLETE").exists()
    (out / "report.html").write_text("english")
    record_outputs(out, "compare", before, english)
    assert json.loads((out / MANIFEST).read_text())["files"] == [
        "comparison.csv", "profit_zh.png", "report.html", "report_zh.html"]
    # other policies: every earlier output is stale and goes before the new run writes
    other = {"policies": ["none", "promotions"], "report": {"lang": "en"}}
    before = prepare_output_dir(out, "compare", other)
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "notes.txt"]
    (out / "comparison.csv").write_text("second run")
    record_outputs(out, "compare", before, other)
    assert json.loads((out / MANIFEST).read_text())["files"] == ["comparison.csv"]
    legacy = tmp_path / "legacy"  # written before manifests: known by its signature file
    legacy.mkdir()
    (legacy / "payoffs.csv").write_text("x")
    with pytest.raises(ConfigError, match="holds the outputs of a tournament study"):
        prepare_output_dir(legacy, "compare")


# ------------------------------------------------------------------ executors
def test_a_ray_start_failure_is_one_line_with_what_to_try(monkeypatch):
    ray = pytest.importorskip("ray")
    from experiments.engine.executors import start_ray

    def timeout(*args, **kwargs):
        raise TimeoutError("Timed out after 30 seconds waiting for the GCS\n  at line ...")

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", timeout)
    monkeypatch.setattr(ray, "shutdown", lambda: None)
    with pytest.raises(ConfigError) as err:
        start_ray(2, None)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("executor: Ray did not start (Timed out")
    assert "executor=local" in msg and "ray start --head" in msg
    with pytest.raises(
        ConfigError,
        match=r"^executor.address: cannot reach a Ray cluster at "
        r"'10.9.9.9:1'.*ray status",
    ):
        start_ray(2, "10.9.9.9:1")


def _kill_one_ray_worker(done: threading.Event, killed: list[int]) -> None:
    import psutil

    while not done.is_set() and not killed:
        for proc in psutil.process_iter(["pid", "name", "cmdline"]):
            text = " ".join([proc.info["name"] or "", *(proc.info["cmdline"] or [])])
            if "ray::run_batch" in text:
                try:
                    proc.kill()
                    killed.append(proc.info["pid"])
                except psutil.Error:
                    continue
                return
        time.sleep(0.02)


@pytest.mark.slow
def test_a_ray_worker_killed_mid_study_loses_nothing(tmp_path, monkeypatch):
    """CI connects to the Ray head of .ci/run (STORE_LAB_RAY_ADDRESS); else a local Ray."""
    pytest.importorskip("ray")
    monkeypatch.setenv("RAY_TMPDIR", tempfile.mkdtemp(prefix="ray_"))
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    market = default_market(n_customers=4000, years=1)
    runs = specs(seeds=(1, 2, 3, 4), policies=("none", "gift_budget"), market=market)
    done, killed = threading.Event(), []
    killer = threading.Thread(target=_kill_one_ray_worker, args=(done, killed), daemon=True)
    killer.start()
    try:
        address = os.environ.get("STORE_LAB_RAY_ADDRESS")
        res = run_study(
            runs, executor="ray", address=address, workers=2, store=tmp_path / "ray", progress=False
        )
    finally:
        done.set()
        killer.join()
    assert killed, "no Ray worker was killed mid-study"
    assert res.computed == len(runs) and len(RunStore(tmp_path / "ray")) == len(runs)
    local = run_study(runs, workers=1, store=tmp_path / "local", progress=False)
    assert res.runs["profit"].tolist() == local.runs["profit"].tolist()


COMPARE = [
    "market.n_customers=6000",
    "market.years=2",
    "policies=[none,gift_budget,promotions]",
    "replications=6",
    "workers=2",
    "output.progress=false",
    "report.enabled=false",
]


@pytest.mark.slow
def test_sigterm_stops_every_worker_promptly_and_keeps_finished_runs(tmp_path):
    import psutil

    store = tmp_path / "store"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "experiments.compare",
            *COMPARE,
            f"store={store}",
            f"hydra.run.dir={tmp_path / 'out'}",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 300
    while len(RunStore(store)) < 1 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()[1][-2000:]
    workers = psutil.Process(proc.pid).children(recursive=True)
    assert workers, "the study runs in worker processes"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    gone, alive = psutil.wait_procs(workers, timeout=5)
    assert not alive, f"workers still running after SIGTERM: {[p.pid for p in alive]}"
    assert proc.returncode == 128 + signal.SIGTERM
    lines = err.strip().splitlines()
    assert lines[-1].startswith("stopped: stopped by SIGTERM;") and "Traceback" not in err
    kept = len(RunStore(store))
    assert 1 <= kept < 18 and f"{kept} finished run(s) kept" in lines[-1]
    assert not (tmp_path / "out" / "COMPLETE").exists()


def test_sigterm_after_the_runs_stops_the_command_and_its_idle_workers(tmp_path, monkeypatch):
    """SIGTERM while the report is written (after every run): `Interrupted` with every run
    said kept, no COMPLETE, and the local worker processes gone (they stayed idle for
    minutes when the command died there)."""
    import psutil
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    import experiments.studies.base as base
    from experiments.engine.study import Interrupted
    from experiments.paths import CONFIG_DIR
    from experiments.studies.comparison.study import COMPARISON

    def killed(*args, **kwargs):
        assert _workers(psutil), "the runs used worker processes"
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises here
        raise AssertionError("SIGTERM was not handled")

    monkeypatch.setattr(base, "write", killed)
    GlobalHydra.instance().clear()
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(
            config_name="compare",
            overrides=[
                "market.n_customers=1000", "market.years=1", "policies=[none,gift_budget]",
                "replications=2", "workers=2", "scale_check=0", "output.progress=false",
                "output.table=false", f"store={tmp_path / 'store'}",
            ],
        )
    with pytest.raises(Interrupted) as stop:
        base.run_command(COMPARISON, cfg, tmp_path / "out")
    assert stop.value.kept == 4 and "4 finished run(s) kept" in str(stop.value)
    assert not (tmp_path / "out" / "COMPLETE").exists()
    gone, alive = psutil.wait_procs(_workers(psutil), timeout=10)
    assert not alive, [p.pid for p in alive]


def _workers(psutil) -> list:
    """This process's live worker processes: not the resource trackers, which live as long
    as this process, nor a killed worker not yet reaped (a zombie has no command line)."""
    out = []
    for p in psutil.Process().children(recursive=True):
        try:
            if "resource_tracker" not in " ".join(p.cmdline()):
                out.append(p)
        except (psutil.ZombieProcess, psutil.NoSuchProcess):
            continue  # already dead
    return out
