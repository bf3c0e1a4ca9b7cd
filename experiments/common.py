"""Former home of the commands' shared plumbing, now split by who uses it; kept so that
existing imports keep working. New code imports from the homes:

- `experiments.options.check`: config nodes -> checked values and objects (validation layer);
- `experiments.options.declared`: every command's declared options;
- `experiments.cli`: Hydra-facing helpers of the CLI shims (preflight, clean_errors ...);
- `experiments.single_run`: one run of the market (`experiments.run`);
- `experiments.engine.store.jsonable`; `experiments.paths.CONFIG_DIR`.
"""

from __future__ import annotations

from experiments.cli import (
    clean_errors,
    config_choices,
    open_dict,
    preflight,
    preflight_group_choices,
    raise_one_line,
    user_config_dirs,
)
from experiments.engine.store import jsonable
from experiments.options.check import (
    build_market,
    build_policies,
    check_command,
    check_compare_options,
    check_creatable,
    check_options,
    check_seed,
    check_writable,
    interpolation_knobs,
    to_container,
    validate_compare,
)
from experiments.paths import CONFIG_DIR
from experiments.single_run import (
    TABLE_KPIS,
    format_table,
    kpi_table,
    simulate,
    write_run_outputs,
)

__all__ = [
    "CONFIG_DIR",
    "TABLE_KPIS",
    "build_market",
    "build_policies",
    "check_command",
    "check_compare_options",
    "check_creatable",
    "check_options",
    "check_seed",
    "check_writable",
    "clean_errors",
    "config_choices",
    "format_table",
    "interpolation_knobs",
    "jsonable",
    "kpi_table",
    "open_dict",
    "preflight",
    "preflight_group_choices",
    "raise_one_line",
    "simulate",
    "to_container",
    "user_config_dirs",
    "validate_compare",
    "write_run_outputs",
]
