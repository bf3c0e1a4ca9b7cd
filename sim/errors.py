"""The one error type for bad user input, shared by the library and the commands."""

from __future__ import annotations


class ConfigError(ValueError):
    """Invalid input, reported as one line naming the field and what is allowed.

    Raised before any simulation work; the command-line entry points print it without a
    traceback and exit with status 2.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = " ".join(str(message).split())  # always one line
        super().__init__(f"{field}: {self.message}")


class PolicyError(ConfigError):
    """A policy misbehaved at run time (e.g. a hook returned NaN): names policy, store, hook.

    A `ConfigError` subclass, so the commands report it as one line with exit status 2.
    """


def check(condition: bool, field: str, message: str) -> None:
    """Raise `ConfigError(field, message)` unless `condition` holds."""
    if not condition:
        raise ConfigError(field, message)
