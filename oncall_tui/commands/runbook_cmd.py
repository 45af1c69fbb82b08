"""``oncall-tui runbook FILE|URL|ALERTNAME``: open a runbook in the app, or print how it splits into steps.

Without ``--list`` the app starts (on the config's default context, or ``--demo``) with the runbook's
step-through on top, followed in an incident of its own; escape leads to the alerts.

``--list`` prints one line per step (``n/N  section › title`` and how many commands and queries it
holds); ``--list --json`` prints a JSON list of steps, each with ``index``, ``section``, ``title``,
``text``, ``commands`` (what a copy gives: prompts stripped, output lines left out), ``queries``,
``env`` (variables exported by earlier steps), ``unfilled`` (placeholders left as written) and
``note`` (why a runbook is a single step). References resolve through ``[runbooks]`` of the config
(``--demo``: the demo's packaged runbooks). A reference that resolves to nothing still lists its one
step (the note names the rules tried) and exits 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

from oncall_tui.config.loader import load_settings
from oncall_tui.config.runbooks import RunbookSettings
from oncall_tui.domain.runbooks import SECTION_SEPARATOR, Runbook, RunbookStep
from oncall_tui.errors import ConfigError
from oncall_tui.services.runbook_loader import open_runbook

EXIT_OK = 0
"""The runbook was found and split."""
EXIT_UNAVAILABLE = 1
"""The reference resolved to no readable runbook (its single step says why)."""
EXIT_USAGE = 2
"""Bad config, or the app cannot open the runbook."""


def _settings(config_path: Path | None, demo: bool) -> RunbookSettings:
    if demo:
        from oncall_tui.demo.runbook_settings import demo_runbook_settings

        return demo_runbook_settings()
    return load_settings(config_path).settings.runbooks


def step_line(step: RunbookStep, total: int) -> str:
    """One ``--list`` line."""
    where = f"{step.section}{SECTION_SEPARATOR}{step.title}" if step.section != step.title else step.title
    if not step.section:
        where = step.title
    extras = []
    if step.commands:
        extras.append(f"{len(step.commands)} command{'s' if len(step.commands) > 1 else ''}")
    if step.queries:
        extras.append(f"{len(step.queries)} quer{'ies' if len(step.queries) > 1 else 'y'}")
    if step.note:
        extras.append(step.note)
    tail = f"  [{', '.join(extras)}]" if extras else ""
    return f"{step.index}/{total}  {where}{tail}"


def list_steps(runbook: Runbook, as_json: bool) -> str:
    """The ``--list`` output of a runbook."""
    if as_json:
        return orjson.dumps([s.as_json() for s in runbook.steps], option=orjson.OPT_INDENT_2).decode()
    total = len(runbook.steps)
    return "\n".join(step_line(s, total) for s in runbook.steps)


def run(
    ref: str,
    *,
    config_path: Path | None,
    demo: bool,
    listing: bool,
    as_json: bool,
    context: str | None = None,
    theme: str | None = None,
) -> int:
    """Entry point of the subcommand; returns the exit code."""
    if not listing:
        from oncall_tui.commands import run_cmd

        return run_cmd.run(config_path=config_path, context=context, theme=theme, demo=demo, runbook=ref)
    try:
        settings = _settings(config_path, demo)
    except ConfigError as error:
        for problem in error.problems:
            sys.stderr.write(f"oncall-tui: {problem}\n")
        return EXIT_USAGE
    runbook = open_runbook(ref, settings)
    sys.stdout.write(list_steps(runbook, as_json) + "\n")
    return EXIT_OK if runbook.available else EXIT_UNAVAILABLE
