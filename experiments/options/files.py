"""A user's own config files (``--config-dir DIR``): read before Hydra composes them.

Hydra reports a YAML syntax error in a user's file as a long traceback; here it is one line
naming the file, line and column. A policy file's ``name`` must be its file name (``policy=X``
loads ``policy/X.yaml``; a different ``name`` would label its results as another policy).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from sim import ConfigError

GROUPS = ("market", "policy", "executor", "uncertainty", "experiment")


def load_yaml_file(path: Path) -> Any:
    """The YAML document in `path`, or a one-line `ConfigError` ``FILE:LINE:COLUMN: ...``."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            str(path), f"not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read ({exc.strerror or exc})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if mark is not None:
            where = f"{path}:{mark.line + 1}:{mark.column + 1}"
        else:
            where = str(path)
        raise ConfigError(where, f"YAML syntax error: {problem}") from None


def check_policy_file(path: Path, data: Any) -> None:
    if not isinstance(data, dict):
        raise ConfigError(
            str(path),
            f"must be a policy config (name: ..., policies: [...]), got {type(data).__name__}",
        )
    name = data.get("name")
    if name is not None and name != path.stem:
        raise ConfigError(
            f"{path}: name",
            f"must be the file's name {path.stem!r} (policy={path.stem} loads this file), "
            f"got {name!r}; rename the file or the name",
        )


def check_config_dirs(dirs: Iterable[Path]) -> None:
    """Every YAML file of the config groups in the user's config dirs: syntax (one line with
    file, line and column) and the policy files' names. A missing dir is named too."""
    for root in dirs:
        root = Path(root)
        if not root.is_dir():
            raise ConfigError("--config-dir", f"{str(root)!r} is not a directory")
        files = sorted(root.glob("*.yaml"))
        for group in GROUPS:
            files += sorted((root / group).glob("*.yaml"))
        for path in files:
            data = load_yaml_file(path)
            if path.parent.name == "policy" and path.parent.parent == root:
                check_policy_file(path, data)
