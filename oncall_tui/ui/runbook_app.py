"""``oncall-tui runbook X``: the whole app (context, alerts, incident log) opened on one runbook."""

from __future__ import annotations

from typing import Any

from oncall_tui.config.settings import Settings
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.runbook_open import screen_for_reference


class RunbookApp(OncallApp):
    """The app with the step-through of ``runbook_ref`` on top; escape leaves it for the alerts."""

    def __init__(self, settings: Settings, runbook_ref: str, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.runbook_ref = runbook_ref
        """The FILE, URL or ALERTNAME given on the command line."""

    def on_mount(self) -> None:
        # Textual runs OncallApp.on_mount too (it starts the context and shows the alerts); the
        # runbook goes on top once that is done, so its steps can be logged from the start.
        self.call_after_refresh(lambda: self.push_screen(screen_for_reference(self, self.runbook_ref)))
