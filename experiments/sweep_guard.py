"""A Hydra callback that keeps a multirun from overwriting the jobs of an earlier one.

Hydra numbers jobs from 0 in whatever sweep directory it is given: re-running
``python -m experiments.run -m seed=5,6,7 hydra.sweep.dir=D`` into a directory that already
holds jobs would overwrite jobs 0-2. The guard refuses before any job starts, with one line
naming the directory (exit status 2).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback


def existing_jobs(sweep_dir: Path) -> list[Path]:
    """Job directories (``.hydra/`` or outputs inside) already in `sweep_dir`."""
    if not sweep_dir.is_dir():
        return []
    found = {p.parent.parent for p in sweep_dir.rglob(".hydra/overrides.yaml")}
    found |= {p.parent for p in sweep_dir.rglob("summary.json")}
    return sorted(found)


class SweepGuard(Callback):
    def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        jobs = existing_jobs(sweep_dir)
        if jobs:
            print(
                f"error: hydra.sweep.dir: {str(sweep_dir)!r} already holds {len(jobs)} job(s); "
                "choose a new directory (its jobs are kept; `python -m experiments.collect "
                f"{sweep_dir}` lists what is missing)",
                file=sys.stderr,
            )
            sys.exit(2)
