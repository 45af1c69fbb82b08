"""The options every command understands, before or after its subcommand (argparse only)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The options every command understands. On a subcommand (``suppress``) an option left out
    keeps the value given before the subcommand, instead of resetting it to the default."""
    defaults: dict[str, object] = {"default": argparse.SUPPRESS} if suppress else {}
    options: list[tuple[str, dict[str, object]]] = [
        ("--config", {"type": Path, "help": "config file to use instead of the XDG one"}),
        ("--context", {"help": "context to open (default: default_context, else the first)"}),
        ("--theme", {"help": "theme to use (overrides config)"}),
        (
            "--demo",
            {"action": "store_true", "help": "run against the built-in demo environment (no servers needed)"},
        ),
        (
            "--low-bandwidth",
            {
                "action": "store_true",
                "help": "write less to the terminal (slow SSH): clock and ages to the minute, slower refresh",
            },
        ),
    ]
    for flag, kwargs in options:
        if flag not in parser._option_string_actions:
            parser.add_argument(flag, **{**kwargs, **defaults})  # type: ignore[arg-type]


def accept_global_options_anywhere(parser: argparse.ArgumentParser) -> None:
    """``oncall-tui config check --config FILE`` as well as ``oncall-tui --config FILE config check``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in set(action.choices.values()):
                if "-" not in subparser.prefix_chars:
                    continue  # a pass-through stub (import-grafana): its real parser adds them itself
                add_global_options(subparser, suppress=True)
                accept_global_options_anywhere(subparser)
