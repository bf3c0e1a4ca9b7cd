"""The experiments' validation layer: every command's options declared once (`declared`),
checked before any work (`check`), a study's size against this machine (`size`), and a user's
own config files (`files`)."""

from experiments.options.declared import COMMANDS, Command, register

__all__ = ["COMMANDS", "Command", "register"]
