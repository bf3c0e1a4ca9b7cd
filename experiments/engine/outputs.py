"""Whose outputs a directory holds, and which of them are stale.

A study records the files it wrote in ``.outputs.json`` (`record_outputs`). Before the next
study writes into the same directory, `prepare_output_dir`:

- refuses, with one line, a directory that holds another study's outputs (a robustness study
  into a comparison's directory would mix two reports);
- removes the previous outputs of the same study when its inputs differ (other policies,
  another market ...: the manifest keeps a fingerprint of every option but the presentation
  ones), so a rerun leaves no stale file behind (an old ``report_zh.html`` of other policies
  next to the new English report); a rerun with the same inputs keeps them (the English report
  stays valid beside a new Chinese one);
- removes the completion marker either way, so a killed rerun never looks finished.

Directories written before manifests existed are recognised by each study's signature file and
cleaned by its known output names. Files the study did not write (Hydra's ``.hydra/``, logs, a
user's notes) are never touched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

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


PRESENTATION = ("report", "output", "workers", "executor", "fresh", "store", "output_dir", "hydra")
"""Options that change how a study runs or is shown, not its results."""


def fingerprint(inputs: Mapping[str, Any] | None) -> str:
    """A short hash of a study's inputs (its config without the presentation options)."""
    if inputs is None:
        return ""
    plain = {str(k): v for k, v in inputs.items() if str(k) not in PRESENTATION}
    text = json.dumps(plain, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _manifest(outdir: Path) -> dict[str, Any]:
    try:
        data = json.loads((outdir / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


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


def refuse_other_study(outdir: Path, study: str, field: str, how: str = "") -> None:
    """A one-line `ConfigError` (naming `field`) when `outdir` holds another study's outputs."""
    other = owner(outdir) if outdir.is_dir() else None
    if other is not None and other != study:
        raise ConfigError(
            field,
            f"{str(outdir)!r} holds the outputs of a {other} study; choose another directory "
            f"for this {study} study{how}",
        )


def prepare_output_dir(
    outdir: Path | str, study: str, inputs: Mapping[str, Any] | None = None
) -> set[str]:
    """Refuse a directory holding another study's outputs; remove this study's previous ones
    unless `inputs` (the study's config) are the same as theirs.

    Returns the names of the files left in the directory that this run did not write (the
    user's, Hydra's, and kept outputs: `record_outputs` lists the kept ones again).
    """
    outdir = Path(outdir)
    if not outdir.is_dir():
        return set()
    refuse_other_study(outdir, study, "output_dir", " (output_dir=... or hydra.run.dir=...)")
    same = bool(inputs is not None and _manifest(outdir).get("inputs") == fingerprint(inputs))
    if not same:
        for path in _previous(outdir, study):
            if path.is_file():
                path.unlink()
    (outdir / COMPLETE).unlink(missing_ok=True)
    return {p.name for p in outdir.iterdir()}


def record_outputs(
    outdir: Path | str, study: str, before: set[str], inputs: Mapping[str, Any] | None = None
) -> Path:
    """Record the files this study wrote (new since `prepare_output_dir`, plus the previous
    outputs it kept) and the fingerprint of its inputs."""
    outdir = Path(outdir)
    old = _manifest(outdir)
    kept = set(old.get("files", [])) if old.get("inputs") == fingerprint(inputs) else set()
    files = sorted(
        p.name
        for p in outdir.iterdir()
        if p.is_file()
        and (p.name not in before or p.name in kept)
        and p.name not in (MANIFEST, COMPLETE)
    )
    record = {"study": study, "inputs": fingerprint(inputs), "files": files}
    return atomic_write_text(outdir / MANIFEST, json.dumps(record, indent=1))


def add_outputs(outdir: Path | str, names: Iterable[str]) -> None:
    """List more files as the study's own (e.g. a report rebuilt later in another language),
    so the next run into the directory removes them with the rest. Without a manifest (an
    older directory) nothing is recorded: the study's file patterns find them."""
    outdir = Path(outdir)
    old = _manifest(outdir)
    if not old:
        return
    files = sorted(set(old.get("files", [])) | {n for n in names if n not in (MANIFEST, COMPLETE)})
    atomic_write_text(outdir / MANIFEST, json.dumps({**old, "files": files}, indent=1))
