"""docs/calibration.md walks a client's store from export to report: its commands run exactly
as written on examples/harmony.xlsx, and what it quotes is what they print. (The calibration
and the studies after it are run end to end on a smaller export by test_client_store.py; here
the calibrate command is parsed exactly and run without its slow market search.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "calibration.md"


def walkthrough() -> str:
    text = DOC.read_text()
    start = text.index("### From a client's export to the report")
    return text[start : text.index("### The store profile", start)]


def commands(tool: str) -> list[list[str]]:
    """Every `python -m experiments.TOOL ...` of the walk-through, as argument lists."""
    found = re.findall(rf"`python -m experiments\.{tool} ([^`]+)`", walkthrough())
    return [shlex.split(c) for c in found]


def quoted_first_line() -> str:
    m = re.search(r"The first line says what the reader did: `([^`]+)`", walkthrough(), re.S)
    assert m
    return " ".join(m.group(1).split())


@pytest.fixture
def in_a_fresh_directory(tmp_path, monkeypatch) -> Path:
    """The repository's examples seen from an empty working directory (outputs land there)."""
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_export_is_what_the_generator_writes():
    from openpyxl import load_workbook

    sys_path = str(ROOT / "examples")
    import sys

    sys.path.insert(0, sys_path)
    try:
        from make_harmony import rows
    finally:
        sys.path.remove(sys_path)
    sheet = load_workbook(ROOT / "examples" / "harmony.xlsx", read_only=True).active
    got = [tuple("" if c is None else c for c in r) for r in sheet.iter_rows(values_only=True)]
    assert got[0] == ("Member ID", "Purchase Date", "Sales Amount", "Shop", "Note")
    assert got[1:] == rows()


def test_segment_prints_what_the_walkthrough_quotes(in_a_fresh_directory, capsys):
    from experiments import segment

    (argv,) = commands("segment")
    assert argv[0] == "examples/harmony.xlsx"
    assert segment.main(argv) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == quoted_first_line()
    assert "== store north ==" in out and "== store south ==" in out
    assert (in_a_fresh_directory / "harmony" / "segments.csv").stat().st_size > 0
    # without --refunds: one line naming the options that exist
    assert segment.main([a for a in argv if a not in ("--refunds", "net")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "use --refunds net or --refunds drop" in err


@pytest.mark.slow
def test_calibrate_reads_the_export_as_the_walkthrough_says(in_a_fresh_directory, capsys):
    import json

    from experiments import calibrate

    (argv,) = commands("calibrate")
    assert argv[:3] == ["examples/harmony.xlsx", "--store", "north"]
    args = calibrate.build_parser().parse_args(argv)
    assert (args.currency, args.store_name, args.margin) == ("USD", "Harmony Music (north)", 0.35)
    assert calibrate.main([*argv, "--no-market", "--no-pareto", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == quoted_first_line()
    fit = json.loads((in_a_fresh_directory / "harmony" / "fit.json").read_text())
    prof = fit["profile"]
    assert prof["name"] == "Harmony Music (north)" and prof["currency"] == "USD"
    assert prof["members"] == 900 and prof["margin"] == 0.35 and prof["margin_source"] == "given"
    doc = " ".join(walkthrough().split())
    assert f"yearly revenue ${prof['yearly_revenue']:,.0f}" in doc
    assert f"spend per visit ${prof['mean_ticket']:,.0f}" in doc


@pytest.mark.parametrize("tool", ["compare", "robustness", "tournament"])
def test_the_study_commands_are_valid_as_written(tool):
    """Their options compose and plan (on the default market here: the calibrated one is
    exercised by test_client_store.py)."""
    from hydra import compose, initialize_config_dir

    from experiments.paths import CONFIG_DIR
    from experiments.studies.comparison import COMPARISON
    from experiments.studies.robustness.study import ROBUSTNESS
    from experiments.studies.tournament.study import TOURNAMENT

    (argv,) = commands(tool)
    assert argv[:3] == ["--config-dir", "harmony", "market=harmony"]
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name=tool, overrides=argv[3:])
    study = {"compare": COMPARISON, "robustness": ROBUSTNESS, "tournament": TOURNAMENT}[tool]
    study.check(cfg, ())
    assert study.specs(study.plan(cfg))
