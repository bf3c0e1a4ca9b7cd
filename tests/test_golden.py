"""Golden outputs of compare, robustness and tournament (issue 18): the refactor into one
`Study` pipeline must leave every output byte-identical, timing fields aside.

Each case runs a command's plain function (what ``python -m experiments.<command>`` calls) at a
tiny size with a fresh run store, then reduces every output file to a normalised text: CSVs as
written minus timing columns, parquet files as CSV text minus timing columns, ``meta.json``
minus timing keys, PNGs and HTML pages as SHA-256 digests (HTML after blanking the timing
sentence and the embedded font subset, whose header carries a timestamp), plus each page's
visible text so that a failing case shows what changed.

Regenerate (only when an output is meant to change, and say why in the commit):
``GOLDEN_REGEN=1 python -m pytest tests/test_golden.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "golden"
REGEN = os.environ.get("GOLDEN_REGEN") == "1"
TIMING_COLUMNS = ("seconds",)
TIMING_KEYS = ("wall_seconds", "mean_run_seconds")
COMMON = ["market.n_customers=600", "market.years=1", "workers=1", "output.progress=false"]
CASES = {
    "compare": (
        "compare",
        [*COMMON, "policies=[none,gift_budget]", "replications=2", "seed=3"],
    ),
    "robustness": (
        "robustness",
        [
            *COMMON,
            "policies=[none,gift_budget,promotions]",
            "scenarios=6",
            "replications=1",
            "design=lhs",
        ],
    ),
    "tournament": (
        "tournament",
        [*COMMON, "policies=[none,promotions]", "replications=2", "bootstrap=40"],
    ),
}
_FONT = re.compile(r"url\(data:font/[a-z0-9]+;base64,[^)]*\)")


def _blank_timing(text: str) -> str:
    """Wall times in a page's text vary from run to run, and so does the embedded font subset
    (fontTools stamps its `head.modified` with the time); nothing else may."""
    text = _FONT.sub("url(FONT)", text)
    text = re.sub(r"(runs took )[^<]*?( on )", r"\1…\2", text)
    text = re.sub(r"(用时)[^，。<]*", r"\1…", text)
    text = re.sub(r"[\d.,]+( s\.)", r"…\1", text)
    return text


def _frame_text(frame: pd.DataFrame) -> str:
    return frame.drop(columns=[c for c in TIMING_COLUMNS if c in frame.columns]).to_csv(index=False)


def normalise(outdir: Path) -> dict[str, str]:
    """Every output file of a study directory as a stable text (see the module docstring)."""
    from experiments.report_page import visible_text

    out: dict[str, str] = {}
    for path in sorted(p for p in outdir.rglob("*") if p.is_file()):
        name = path.relative_to(outdir).as_posix()
        if name == ".outputs.json":  # the directory's claim (inputs, paths): not an output
            continue
        if path.suffix == ".csv":
            header = path.read_text().split("\n", 1)[0].split(",")
            timed = any(c in header for c in TIMING_COLUMNS)
            out[name] = _frame_text(pd.read_csv(path)) if timed else path.read_text()
        elif path.suffix == ".parquet":
            out[name] = _frame_text(pd.read_parquet(path))
        elif path.name == "meta.json":
            meta = json.loads(path.read_text())
            for key in TIMING_KEYS:
                meta.pop(key, None)
            out[name] = json.dumps(meta, indent=1, sort_keys=True)
        elif path.suffix == ".html":
            text = _blank_timing(path.read_text())
            out[name] = hashlib.sha256(text.encode()).hexdigest()
            out[name + ".txt"] = _blank_timing(visible_text(path.read_text()))
        elif path.suffix == ".png":
            out[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[name] = path.read_text()
    return out


def run_case(case: str, tmp: Path) -> dict[str, str]:
    config, overrides = CASES[case]
    outdir = tmp / case
    store = tmp / f"{case}_store"
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = compose(config_name=config, overrides=[*overrides, f"store={store}"])
    if case == "compare":
        from experiments.compare import compare
        from experiments.report import report_from_dir

        compare(cfg, outdir)
        report_from_dir(outdir, "zh")
    elif case == "robustness":
        from experiments.robustness import robustness

        robustness(cfg, outdir)
    else:
        from experiments.tournament import tournament

        tournament(cfg, outdir)
    return normalise(outdir)


def _golden_path(case: str) -> Path:
    return GOLDEN / f"{case}.json"


@pytest.mark.parametrize("case", list(CASES))
def test_outputs_match_the_golden_files(case, tmp_path, capsys):
    got = run_case(case, tmp_path)
    capsys.readouterr()
    path = _golden_path(case)
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        pytest.skip(f"regenerated {path}")
    want = json.loads(path.read_text())
    assert sorted(got) == sorted(want), "output files differ"
    for name in sorted(want):
        if name.endswith(".html"):
            continue  # compare the visible text first: it shows what changed
        assert got[name] == want[name], f"{case}: {name} differs"
    for name in sorted(want):
        assert got[name] == want[name], f"{case}: {name} differs"
