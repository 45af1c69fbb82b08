"""``oncall-tui --demo`` with a screen that raises while drawing: ``python -m tests.support.crashing_app``."""

from __future__ import annotations

import sys

from oncall_tui import cli
from oncall_tui.ui.widgets.health_bar import HealthBar


def _broken_render(self: HealthBar) -> object:
    raise RuntimeError("injected drawing failure")


if __name__ == "__main__":
    HealthBar.render = _broken_render  # type: ignore[assignment,method-assign]
    sys.exit(cli.main(sys.argv[1:]))
