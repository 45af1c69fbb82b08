"""Starting the app in CLI tests without a terminal: the settings loader runs as the app's start-up would."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from oncall_tui.errors import ConfigError


def start_without_ui(started: list[object]) -> Callable[..., int]:
    """A stand-in for ``run_cmd._run_app``: loads the settings as the app does right after its first
    frame; a config it rejects ends it with status 2 and its lines on stderr (what
    ``tests/pilot/test_terminal_pty.py`` checks on the real app), a good one counts as started."""

    def run_app(settings: Callable[[], Any], **kwargs: object) -> int:
        try:
            settings()
        except ConfigError as exc:
            sys.stderr.writelines(f"{line}\n" for line in exc.problems)
            return 2
        started.append(kwargs)
        return 0

    return run_app
