"""``oncall-tui runbook X``: the whole app (context, alerts, incident log) opened on one runbook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oncall_tui.config.settings import Settings
from oncall_tui.theme_files import ThemeFile
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.runbook_open import screen_for_reference


class RunbookApp(OncallApp):
    """The app with the step-through of ``runbook_ref`` on top; escape leaves it for the alerts."""

    def __init__(self, settings: Settings | Callable[[], Settings], runbook_ref: str, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.runbook_ref = runbook_ref
        """The FILE, URL or ALERTNAME given on the command line."""

    def _booted(self, settings: Settings, themes: list[ThemeFile], problems: list[str]) -> None:
        # Once the app has booted (context started, alerts shown; after the first frame when the
        # settings load in the background), the runbook goes on top, so its steps can be logged.
        super()._booted(settings, themes, problems)
        self.call_after_refresh(lambda: self.push_screen(screen_for_reference(self, self.runbook_ref)))
