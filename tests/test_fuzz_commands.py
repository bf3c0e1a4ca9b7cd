"""Bad input through the real commands, as a user types it (issue 24): robustness, tournament,
calibrate and compare each get a hypothesis fuzz over their options plus the issue's own cases.
Every case runs the command's ``__main__`` in a forked copy of this (pre-imported) interpreter
(tests/fuzz_cli.py), so a case costs about a second: one line ``error: FIELD: ...``, exit status
2, no traceback, no "Exception ignored" noise, nothing run."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz_cli import bad_literal, field_of, run_forked, walk

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
SMALL = [
    "market.n_customers=500",
    "market.years=0.25",
    "output.progress=false",
    "output.table=false",
    "workers=1",
    "replications=1",
]
STUDY = {
    "compare": ["policies=[none,gift_budget]"],
    "robustness": ["policies=[none,gift_budget]", "scenarios=2"],
    "tournament": ["policies=[none,promotions]", "bootstrap=20"],
    "design": ["trials=2", "replications=2", "reevaluate.top=1", "levers=[monthly_per_manager]"],
}


@pytest.fixture(scope="module", autouse=True)
def preloaded():
    import experiments.calibrate  # noqa: F401 - imported once, then forked per case
    import experiments.compare  # noqa: F401
    import experiments.design  # noqa: F401
    import experiments.robustness  # noqa: F401
    import experiments.tournament  # noqa: F401


def argv(command: str, args: list[str], work: Path) -> list[str]:
    if command == "calibrate":
        return args
    keys = {a.split("=", 1)[0].lstrip("+~") for a in args}
    base = [*SMALL, *STUDY[command], f"output_dir={work / 'out'}", f"store={work / 'store'}"]
    return [a for a in base if a.split("=", 1)[0] not in keys] + args


def one_line(command: str, args: list[str], tmp: Path) -> tuple[int | None, str]:
    work = Path(tmp)
    work.mkdir(parents=True, exist_ok=True)
    res = run_forked(f"experiments.{command}", argv(command, args, work), 240, work)
    assert not res["hang"], f"{command} {args}: hang"
    err = res["stderr"]
    assert "Traceback" not in err and "Exception ignored" not in err, err[-1500:]
    return res["rc"], err.strip()


def assert_refused(command: str, args: list[str], field: str, tmp: Path, *, says: str = "") -> str:
    rc, err = one_line(command, args, tmp)
    lines = err.splitlines()
    assert rc == 2 and len(lines) == 1, f"{command} {args}: rc={rc}\n{err[-1500:]}"
    assert lines[0].startswith(f"error: {field}"), lines[0]
    assert says in lines[0], lines[0]
    assert not (tmp / "out" / "COMPLETE").exists()
    return lines[0]


# ------------------------------------------------------------------ the issue's own cases
FIVE = ("none", "promotions", "gift_budget", "vip_program", "referral_points")
ISSUE_24 = [
    (
        "robustness",
        ["replications=100000", "scenarios=64", "policies=null"],
        "replications",
        "of memory",
    ),
    ("robustness", ["scenarios=1000000"], "scenarios", "of memory"),
    ("tournament", ["bootstrap=1000000000000"], "bootstrap", "[0, 100,000]"),
    (
        "tournament",
        ["replications=100000", f"policies=[{','.join(FIVE)}]", "bootstrap=1000"],
        "replications",
        "of memory",
    ),
    ("robustness", ["policies=123"], "policies", "must be a list of policy config names"),
    ("tournament", ["policies=123"], "policies", "must be a list of policy config names"),
    ("robustness", ["++zzz=1"], "zzz", "unknown field"),
    ("tournament", ["++zzz=1"], "zzz", "unknown field"),
    ("compare", ["++zzz=1"], "zzz", "unknown field"),
    ("robustness", ["report.enabled=maybe"], "report.enabled", "true or false"),
    ("tournament", ["report.enabled=maybe"], "report.enabled", "true or false"),
    ("robustness", ["store=''"], "store", "path"),
    ("tournament", ["store=''"], "store", "path"),
    ("compare", ["report=null"], "report", "got null"),
    ("robustness", ["report=null"], "report", "got null"),
    ("tournament", ["output=null"], "output", "got null"),
    ("compare", ["market.places.0.population_share=1"], "market.places", "sum to 1"),
    ("robustness", ["market.n_customer=3"], "market.n_customer", "did you mean 'n_customers'"),
    ("design", ["trials=100000000"], "trials", "100,000"),
    ("design", ["policies=123"], "policies", "unknown field"),
    ("design", ["++zzz=1"], "zzz", "unknown field"),
    ("design", ["report=null"], "report", "got null"),
    ("design", ["levers=[nope]"], "levers", "this policy's levers"),
    ("design", ["+ranges.monthly_per_manager=[5,1]"], "ranges", "low < high"),
    ("design", ["robust=always"], "robust", "mean, worst, regret"),
]


@pytest.mark.parametrize("command, args, field, says", ISSUE_24)
def test_issue_24_cases_are_one_line(tmp_path, command, args, field, says):
    line = assert_refused(command, args, field, tmp_path, says=says)
    assert "+market" not in line  # hints suggest only what works


def write_log(path: Path, rows: list[str]) -> Path:
    body = "customer_id,date,amount\n" + "".join(r + "\n" for r in rows)
    path.write_bytes(gzip.compress(body.encode()) if path.suffix == ".gz" else body.encode())
    return path


GOOD_ROWS = [f"{i},2024-0{i % 9 + 1}-1{i % 9},12.5" for i in range(60)]


def test_calibrate_cases_are_one_line(tmp_path):
    log = write_log(tmp_path / "log.csv", GOOD_ROWS)
    out = str(tmp_path / "cal")
    for flags, field, says in [
        (["--calibration-end", ""], "--calibration-end", "ISO date"),
        (["--max-evaluations", "1000000000"], "--max-evaluations", "10,000"),
        (["--seed", "-1"], "--seed", "[0,"),
        (["--name", "a/b"], "--name", "letters, digits"),
    ]:
        assert_refused(
            "calibrate", [str(log), "--out", out, *flags], field, tmp_path / "c", says=says
        )
    for rows, says in [
        ([*GOOD_ROWS, "7,2024-02-02,1e300"], "amount above"),
        ([*GOOD_ROWS, "7,2125-02-02,10"], "years after today"),
    ]:
        bad = write_log(tmp_path / "bad.csv", rows)
        assert_refused(
            "calibrate",
            [str(bad), "--out", out, "--no-market"],
            "bad.csv",
            tmp_path / "c",
            says=says,
        )
    raw = tmp_path / "raw.csv"
    raw.write_bytes(b"customer_id,date,amount\n\x80\xff,2024-01-05,10.5\n")
    assert_refused("calibrate", [str(raw), "--out", out], "raw.csv", tmp_path / "c")
    odd = Path(str(tmp_path) + "/na\udcffme.csv")
    raw.rename(odd)
    assert_refused("calibrate", [str(odd), "--out", out], "log", tmp_path / "c", says="UTF-8")


def test_user_config_files_are_checked_before_hydra(tmp_path):
    user = tmp_path / "mine"
    (user / "market").mkdir(parents=True)
    (user / "policy").mkdir()
    (user / "market" / "shop.yaml").write_text("name: shop\nn_customers: [1, 2\nyears: 1\n")
    line = assert_refused(
        "compare",
        ["--config-dir", str(user), "market=shop"],
        str(user / "market" / "shop.yaml") + ":",
        tmp_path / "a",
        says="YAML syntax error",
    )
    where = line.split(": ", 2)[1]  # FILE:LINE:COLUMN
    assert where.rsplit(":", 2)[1].isdigit() and where.rsplit(":", 2)[2].isdigit(), line
    (user / "market" / "shop.yaml").unlink()
    (user / "policy" / "thanks.yaml").write_text("name: thank_you\npolicies: []\n")
    assert_refused(
        "robustness",
        ["--config-dir", str(user), "policies=[none,thanks]"],
        f"{user / 'policy' / 'thanks.yaml'}: name",
        tmp_path / "b",
        says="must be the file's name 'thanks'",
    )


# ------------------------------------------------------------------ hypothesis, per command
def option_cases(command: str) -> list[tuple[tuple[Any, ...], Any]]:
    data = yaml.safe_load((CONFIGS / f"{command}.yaml").read_text())
    data = {k: v for k, v in data.items() if k not in ("defaults", "hydra", "market")}
    return walk(data)


KINDS = ("shape", "type", "nan", "inf", "negative", "huge", "empty", "unknown_key")
COUNTS = (
    "seed",
    "replications",
    "scale_check",
    "scenarios",
    "bootstrap",
    "workers",
    "level",
    "trials",
    "batch",
    "top",
)


def must_refuse(kind: str, path: tuple[Any, ...], original: Any) -> bool:
    """Kinds of bad value no field accepts; a few are fine for some fields (a seed of 10^12,
    another output directory, an empty policy mapping)."""
    if kind in ("shape", "nan", "inf", "unknown_key"):
        return True
    if kind == "type":
        return original is not None  # a text where null was is a valid path or name
    if kind == "empty":
        return not isinstance(original, (dict, list)) and original is not None
    if kind == "negative":
        return path[-1] in COUNTS
    return kind == "huge" and path[-1] in COUNTS[1:]


def fuzz_one(command: str, path: tuple[Any, ...], original: Any, kind: str, tmp: Path) -> None:
    key = ".".join(str(p) for p in path)
    if kind == "unknown_key":
        if not isinstance(original, dict):
            return
        args, field = [f"++{key}.zzz=1"], field_of((*path, "zzz"))
    else:
        lit = bad_literal(kind, original)
        if lit is None:
            return
        args, field = [f"{key}={lit}"], field_of(path)
    rc, err = one_line(command, args, tmp)
    if rc == 0:
        assert not must_refuse(kind, path, original), f"{command} {args} accepted"
        return
    lines = err.splitlines()
    assert rc == 2 and len(lines) == 1, f"{command} {args}: rc={rc}\n{err[-1500:]}"
    assert lines[0].startswith(f"error: {field.split('[')[0]}"), f"{command} {args}: {lines[0]}"


@pytest.mark.slow
@pytest.mark.parametrize("command", ["robustness", "tournament", "compare", "design"])
def test_fuzz_every_option_of_a_study_command(command, tmp_path_factory):
    cases = option_cases(command)

    @settings(
        max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    @given(case=st.sampled_from(cases), kind=st.sampled_from(KINDS))
    def check(case, kind):
        path, original = case
        fuzz_one(command, path, original, kind, tmp_path_factory.mktemp(command))

    check()


FLAGS = {
    "--calibration-end": ["", "2024-13-40", "yesterday", "1e300"],
    "--store": [""],
    "--name": ["", "../x", "a b"],
    "--lang": ["fr", ""],
    "--max-evaluations": ["0", "-5", "1e9", "nan", "zzz", "99999999999"],
    "--seed": ["-1", "zzz", "1.5", "99999999999999999999999"],
}


@pytest.mark.slow
def test_fuzz_every_flag_of_calibrate(tmp_path_factory):
    log = write_log(tmp_path_factory.mktemp("log") / "log.csv", GOOD_ROWS)

    @settings(
        max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    @given(flag=st.sampled_from(sorted(FLAGS)), data=st.data())
    def check(flag, data):
        value = data.draw(st.sampled_from(FLAGS[flag]))
        work = tmp_path_factory.mktemp("cal")
        rc, err = one_line("calibrate", [str(log), "--out", str(work / "o"), flag, value], work)
        lines = err.splitlines()
        assert rc == 2 and len(lines) == 1 and lines[0].startswith("error: "), (flag, value, err)
        assert flag in lines[0], (flag, value, lines[0])

    check()
