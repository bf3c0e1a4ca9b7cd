"""Whose outputs a directory holds, and which of them are stale.

A study records the files it wrote in ``.outputs.json`` (`record_outputs`). Before the next
study writes into the same directory, `prepare_output_dir`:

- refuses, with one line, a directory that holds another study's outputs (a robustness study
  into a comparison's directory would mix two reports);
- removes the previous outputs of the same study, so that a rerun with other policies or
  another language leaves no stale file behind (an old ``report_zh.html`` next to the new
  English report), and the completion marker, so a killed rerun never looks finished.

Directories written before manifests existed are recognised by each study's signature file and
cleaned by its known output names. Files the study did not write (Hydra's ``.hydra/``, logs, a
user's notes) are never touched.
"""

from __future__ import annotations

import json
from pathlib import Path

from experiments.engine.store import COMPLETE, atomic_write_text
from sim import ConfigError

MANIFEST = ".outputs.json"
KNOWN: dict[str, tuple[str, tuple[str, ...]]] = {
    "compare": (
        "comparison.csv",
        (
            "comparison.csv",
            "runs.csv",
            "runs.parquet",
            "timeseries.parquet",
            "yearly_retention.csv",
            "segments_by_year.csv",
            "meta.json",
            "report*.html",
            "*.png",
        ),
    ),
    "robustness": (
        "robustness.csv",
        (
            "robustness.csv",
            "scenarios.csv",
            "scenarios.parquet",
            "deltas.csv",
            "deltas.parquet",
            "runs.parquet",
            "drivers.csv",
            "failures.csv",
            "meta.json",
            "report*.html",
            "*.png",
        ),
    ),
    "tournament": (
        "payoffs.csv",
        (
            "payoffs.csv",
            "best_responses.csv",
            "equilibria.csv",
            "diagonal.csv",
            "market.csv",
            "stores.parquet",
            "meta.json",
            "report*.html",
            "*.png",
        ),
    ),
}
"""study -> (signature file, output names) for directories without a manifest."""


def owner(outdir: Path) -> str | None:
    """The study whose outputs `outdir` holds (None: none)."""
    manifest = outdir / MANIFEST
    if manifest.is_file():
        try:
            return str(json.loads(manifest.read_text())["study"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
    for study, (signature, _) in KNOWN.items():
        if (outdir / signature).is_file():
            return study
    return None


def _previous(outdir: Path, study: str) -> list[Path]:
    manifest = outdir / MANIFEST
    if manifest.is_file():
        try:
            names = json.loads(manifest.read_text()).get("files", [])
        except (OSError, ValueError, AttributeError):
            names = []
        return [outdir / n for n in names if "/" not in n and n not in ("", ".", "..")]
    found: list[Path] = []
    for pattern in KNOWN.get(study, ("", ()))[1]:
        found += sorted(outdir.glob(pattern))
    return found


def prepare_output_dir(outdir: Path | str, study: str) -> set[str]:
    """Refuse a directory holding another study's outputs; remove this study's previous ones.

    Returns the names of the files left in the directory (the user's, Hydra's), which
    `record_outputs` does not claim.
    """
    outdir = Path(outdir)
    if not outdir.is_dir():
        return set()
    other = owner(outdir)
    if other is not None and other != study:
        raise ConfigError(
            "output_dir",
            f"{str(outdir)!r} holds the outputs of a {other} study; choose another directory "
            f"for this {study} study (output_dir=... or hydra.run.dir=...)",
        )
    for path in _previous(outdir, study):
        if path.is_file():
            path.unlink()
    (outdir / COMPLETE).unlink(missing_ok=True)
    return {p.name for p in outdir.iterdir()}


def record_outputs(outdir: Path | str, study: str, before: set[str]) -> Path:
    """Record the files this study wrote (everything new since `prepare_output_dir`)."""
    outdir = Path(outdir)
    files = sorted(
        p.name
        for p in outdir.iterdir()
        if p.is_file() and p.name not in before and p.name not in (MANIFEST, COMPLETE)
    )
    return atomic_write_text(
        outdir / MANIFEST, json.dumps({"study": study, "files": files}, indent=1)
    )
