"""Bad input through the real commands: counts of clean errors, tracebacks, hangs and accepted
values (issues 13 and 24). Not a test (it takes minutes; tests/test_fuzz_commands.py samples it
with hypothesis in CI); run it as

    python tests/fuzz_cli.py [--limit N] [--only run|compare|robustness|tournament|issue]

Every case is ``python -m experiments.<command> market.n_customers=500 market.years=0.25 ...``
plus one bad override: every leaf and node of the shipped configs (market, each policy
config's own node, the options of run.yaml, compare.yaml, robustness.yaml, tournament.yaml)
given wrong-shape, wrong-type,
NaN/inf, negative, zero, huge, empty and unknown-key values, and the issue's own examples.
To keep it to minutes, each case runs in a forked copy of one interpreter that has already
imported the commands (the command's ``__main__`` runs exactly as from the shell, its stdout
and stderr go to files, a timeout marks a hang).

Outcome classes: ``clean`` (exit 2, one ``error: FIELD: ...`` line naming the override's
field), ``misnamed`` (exit 2, one line, another field), ``multiline`` (exit != 0, several lines,
no traceback), ``traceback``, ``hang`` (timeout), ``accepted`` (exit 0; outputs checked for
finite KPIs: ``accepted_bad_output`` otherwise).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import runpy
import signal
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
SMALL = ["market.n_customers=500", "market.years=0.25"]
STUDIES = ("compare", "robustness", "tournament")
STUDY_ARGS = {
    "compare": ["replications=2", "policies=[none,gift_budget]"],
    "robustness": ["replications=1", "scenarios=2", "policies=[none,gift_budget]"],
    "tournament": ["replications=2", "policies=[none,promotions]", "bootstrap=20"],
}
KINDS = ("shape", "type", "nan", "inf", "negative", "zero", "huge", "empty", "unknown_key")


def walk(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    out = []
    items = node.items() if isinstance(node, dict) else (
        enumerate(node) if isinstance(node, list) else ())
    for key, value in items:
        out.append(((*path, key), value))
        out.extend(walk(value, (*path, key)))
    return out


def bad_literal(kind: str, original: Any) -> str | None:
    """A Hydra override value of the given kind of badness (None: not applicable)."""
    node = isinstance(original, (dict, list))
    numeric = isinstance(original, (int, float)) and not isinstance(original, bool)
    if kind == "shape":
        return "123" if node else "[1,2]"
    if kind == "type":
        return "zzz" if node or not isinstance(original, str) else "{a:1}"
    if kind in ("nan", "inf"):
        return kind if numeric else None
    if kind == "negative":
        return "-1" if numeric else None
    if kind == "zero":
        return "0" if numeric else None
    if kind == "huge":
        return "1e300" if isinstance(original, float) else "1000000000000" if numeric else None
    if kind == "empty":
        return "{}" if isinstance(original, dict) else "[]" if isinstance(original, list) else "''"
    return None


def key_of(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path)


def field_of(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def config_cases() -> list[dict[str, Any]]:
    cases = []
    market = yaml.safe_load((CONFIGS / "market/county_prefecture.yaml").read_text())
    run = yaml.safe_load((CONFIGS / "run.yaml").read_text())
    sources: list[tuple[str, list[str], tuple[Any, ...], Any]] = [
        ("run", [], ("market",), market),
        ("run", [], (), {k: v for k, v in run.items() if k not in ("defaults", "hydra")}),
    ]
    for study in STUDIES:
        data = yaml.safe_load((CONFIGS / f"{study}.yaml").read_text())
        skip = ("defaults", "hydra", "market")
        sources.append((study, [], (), {k: v for k, v in data.items() if k not in skip}))
    for f in sorted((CONFIGS / "policy").glob("*.yaml")):
        sources.append(("run", [f"policy={f.stem}"], ("policy",), yaml.safe_load(f.read_text())))
    for command, extra, prefix, node in sources:
        for path, value in walk(node):
            full = (*prefix, *path)
            for kind in KINDS:
                if kind == "unknown_key":
                    if isinstance(value, dict):
                        cases.append(dict(command=command, args=[*extra, f"+{key_of(full)}.zzz=1"],
                                          kind=kind, field=field_of((*full, "zzz"))))
                    continue
                lit = bad_literal(kind, value)
                if lit is not None:
                    cases.append(dict(command=command, args=[*extra, f"{key_of(full)}={lit}"],
                                      kind=kind, field=field_of(full)))
        for kind in ("unknown_key",):
            top = f"+{key_of(prefix)}.zzz=1" if prefix else "+zzz=1"
            cases.append(dict(command=command, args=[*extra, top], kind=kind,
                              field=field_of((*prefix, "zzz"))))
    return cases


ISSUE = [
    ("run", ["market.places=null"], "market.places"),
    ("run", ["market.stores.0=zzz"], "market.stores[0]"),
    ("run", ["market.places.0=''"], "market.places[0]"),
    ("run", ["market.behaviour=123"], "market.behaviour"),
    ("run", ["market.stores.1.policies=5"], "market.stores[1].policies"),
    ("run", ["policy.policies=123"], "policy.policies"),
    ("compare", ["policies=5"], "policies"),
    ("compare", ["report=123"], "report"),
    ("compare", ["output_dir=123"], "output_dir"),
    ("run", ["market.tick=[a,b]"], "market.tick"),
    ("run", ["market.places.0.id=[a,b]"], "market.places[0].id"),
    ("run", ["market.years=inf"], "market.years"),
    ("run", ["market.places.0.population_share=inf"], "market.places[0].population_share"),
    ("run", ["market.behaviour.spend_sigma=1e300"], "market.behaviour.spend_sigma"),
    ("run", ["market.behaviour.mean_degree=inf"], "market.behaviour.mean_degree"),
    ("run", ["+market.class_profiles.rural.occasions_per_year=-1"],
     "market.class_profiles.rural.occasions_per_year"),
    ("run", ["market.behaviour.festival_amplitude=inf"], "market.behaviour.festival_amplitude"),
    ("run", ["market.n_customers=1e12"], "market.n_customers"),
    ("run", ["market.n_customers=100000000"], "market.n_customers"),
    ("compare", ["replications=1000000000000"], "replications"),
    ("run", ["market.years=1000000"], "market.years"),
    ("run", ["market.behaviour.negative_wom_max=1000000000000"],
     "market.behaviour.negative_wom_max"),
    ("run", ["market.behaviour.mean_degree=1e9"], "market.behaviour.mean_degree"),
    ("run", ["market.behaviour.beta_price=nan"], "market.behaviour.beta_price"),
    ("run", ["market.stores.0.attractiveness=nan"], "market.stores[0].attractiveness"),
    ("run", ["market.behaviour.outside_utility=nan"], "market.behaviour.outside_utility"),
    ("run", ["market.behaviour.attrition_per_year=inf"], "market.behaviour.attrition_per_year"),
    ("run", ["+market.class_profiles.rural.spend_per_purchase=-100"],
     "market.class_profiles.rural.spend_per_purchase"),
    ("run", ["market.years=true"], "market.years"),
    ("run", ["output.table=abc"], "output.table"),
    ("run", ["market.stores.1.id=null"], "market.stores[1].id"),
    ("run", ["+policy.budgt=999"], "policy.budgt"),
    ("run", ["+output.foo=1"], "output.foo"),
    ("compare", ["+output.foo=1"], "output.foo"),
    ("run", ["policy=none", "market.stores.0.policies=[gift_budget]"],
     "market.stores[0].policies"),
    ("run", ["policy.policies=zzz"], "policy.policies"),
    ("run", ["market.stores.0.id=null"], "market.stores[0].id"),
    ("run", ["market.stores.1.policies=[{name:gift_budget,top_share:5}]"],
     "market.stores[1].policies[0].top_share"),
    ("run", ["hydra.run.dir=/proc/x"], "hydra.run.dir"),
    ("run", ["hydra.run.dir=/etc/hostname/x"], "hydra.run.dir"),
    ("run", ["+policy.policies=[{_target_:builtins.print,_args_:[HI]}]"],
     "policy.policies[0]._target_"),
    ("run", ["+policy.policies=[{_target_:builtins.open,file:/tmp/pwned_by_config,mode:w}]"],
     "policy.policies[0]._target_"),
    ("run", ["market.tick=[a,b"], "market.tick"),
    ("run", ["market.tik=day"], "market.tik"),
    ("run", ["policy=magic"], "policy"),
    ("compare", [], None),  # the short horizon must produce its report
]


def command_args(case: dict[str, Any], outdir: Path) -> tuple[str, list[str]]:
    args = list(case["args"])
    keys = {a.split("=", 1)[0].lstrip("+~") for a in args}
    base = [a for a in SMALL if a.split("=", 1)[0] not in keys]
    if case["command"] == "run":
        base += ["output.progress=false", "output.table=false", "output.segments=false"]
        if "hydra.run.dir" not in keys:
            base.append(f"hydra.run.dir={outdir}")
    else:
        base += ["output.progress=false", "output.table=false", "workers=1"]
        for opt in (*STUDY_ARGS[case["command"]], f"output_dir={outdir}"):
            if opt.split("=", 1)[0] not in keys:
                base.append(opt)
    base = [a for a in base if a.split("=", 1)[0] not in keys]
    module = f"experiments.{case['command']}"
    return module, [*base, *args]


def run_forked(module: str, args: list[str], timeout: float, workdir: Path) -> dict[str, Any]:
    out, err = workdir / "stdout", workdir / "stderr"
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: run the command's __main__ as the shell would
        code = 1
        try:
            fo, fe = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), os.open(
                err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fo, 1)
            os.dup2(fe, 2)
            # under pytest, sys.stdout/err are capture objects on other descriptors: rebind
            sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            os.chdir(workdir)
            sys.argv = [module, *args]
            warnings.filterwarnings("ignore", message=".*found in sys.modules.*")
            try:
                runpy.run_module(module, run_name="__main__", alter_sys=True)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:  # noqa: BLE001 - a traceback is what we count
                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return {"rc": None, "stdout": "", "stderr": "", "seconds": timeout, "hang": True}
        time.sleep(0.02)
    rc = os.waitstatus_to_exitcode(status)
    return {"rc": rc, "stdout": out.read_text(errors="replace"),
            "stderr": err.read_text(errors="replace"), "seconds": time.perf_counter() - t0,
            "hang": False}


def finite_outputs(outdir: Path, command: str) -> bool:
    """Exit 0: the outputs exist and every KPI of the focal store is finite (or n/a)."""
    if command == "run":
        path = outdir / "summary.json"
        if not path.exists():
            return False
        focal = json.loads(path.read_text())["focal"]
        return all(v is None or (isinstance(v, (int, float)) and math.isfinite(v))
                   for v in focal.values())
    return (outdir / "COMPLETE").exists()


def classify(case: dict[str, Any], res: dict[str, Any], outdir: Path) -> str:
    if res["hang"]:
        return "hang"
    err = res["stderr"].strip()
    if "Traceback" in err or "MemoryError" in err:
        return "traceback"
    if res["rc"] == 0:
        return "accepted" if finite_outputs(outdir, case["command"]) else "accepted_bad_output"
    lines = [ln for ln in err.splitlines() if ln.strip()]
    if len(lines) != 1 or not lines[0].startswith("error: "):
        return "multiline"
    field = case.get("field")
    named = field is None or lines[0].startswith(f"error: {field}") or (
        field.split("[")[0].split(".")[0] == "policy" and lines[0].startswith("error: policy"))
    return "clean" if named and res["rc"] == 2 else "misnamed"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None, help="every k-th case only")
    parser.add_argument("--only", choices=("run", *STUDIES, "issue"), default=None)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import experiments.compare  # noqa: F401 - preloaded once, then forked per case
    import experiments.robustness  # noqa: F401
    import experiments.run  # noqa: F401
    import experiments.tournament  # noqa: F401

    cases = [dict(command=c, args=a, kind="issue", field=f) for c, a, f in ISSUE]
    if args.only != "issue":
        cases += [c for c in config_cases() if args.only in (None, c["command"])]
    if args.limit:
        cases = cases[:: args.limit]
    counts: Counter[str] = Counter()
    by_command: Counter[tuple[str, str]] = Counter()
    records = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(cases):
            work = Path(tmp) / f"c{i}"
            work.mkdir()
            outdir = work / "out"
            module, argv = command_args(case, outdir)
            res = run_forked(module, argv, args.timeout, work)
            for arg in case["args"]:  # an output_dir override writes there (relative to cwd)
                if arg.startswith("output_dir=") and arg.split("=", 1)[1] not in ("null", ""):
                    outdir = work / arg.split("=", 1)[1]
            outcome = classify(case, res, outdir)
            counts[outcome] += 1
            by_command[(case["command"], outcome)] += 1
            records.append({**case, "argv": argv, "outcome": outcome, "rc": res["rc"],
                            "stderr": res["stderr"][-600:], "seconds": round(res["seconds"], 2)})
            if outcome not in ("clean", "accepted"):
                print(f"[{outcome}] {module} {' '.join(case['args'])}: "
                      f"{res['stderr'].strip().splitlines()[-1:] if res['stderr'] else ''}",
                      flush=True)
            if (i + 1) % 100 == 0:
                print(f"... {i + 1}/{len(cases)} cases, {time.perf_counter() - t0:.0f} s",
                      flush=True)
    print(f"\n{len(cases)} cases in {time.perf_counter() - t0:.0f} s")
    for key in ("clean", "accepted", "misnamed", "multiline", "traceback", "hang",
                "accepted_bad_output"):
        print(f"  {key:20s} {counts.get(key, 0)}")
    for (command, outcome), n in sorted(by_command.items()):
        print(f"  {command:8s} {outcome:20s} {n}")
    if args.json:
        args.json.write_text(json.dumps({"counts": counts, "cases": records}, indent=1))


if __name__ == "__main__":
    main()
