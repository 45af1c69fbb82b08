"""``oncall-tui trace FILE``: the app opened on a trace file, with no context needed."""

from __future__ import annotations

from pathlib import Path

from textual.events import Mount

from oncall_tui.clock import Clock
from oncall_tui.config.settings import Settings
from oncall_tui.models.jaeger import Trace
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.resolution import tick_seconds
from oncall_tui.ui.screens.trace import TraceScreen


class TraceFileApp(OncallApp):
    """``oncall-tui trace FILE``: the app opened on a trace file, with no context needed."""

    # No sources to report on: the health bar would only say "no sources configured".
    CSS = OncallApp.CSS + "\nHealthBar { display: none; }\n"

    def __init__(
        self,
        traces: list[Trace],
        *,
        source_name: str,
        settings: Settings | None = None,
        theme_name: str | None = None,
        user_themes_dir: Path | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(
            settings or Settings(), theme_name=theme_name, user_themes_dir=user_themes_dir, clock=clock
        )
        self.trace_file_traces = traces
        """The traces of the file."""
        self.trace_file_name = source_name
        """The file, for messages."""

    def on_mount(self, event: Mount) -> None:  # type: ignore[override]
        # Replaces OncallApp.on_mount (Textual would run both): no context, no Sources screen.
        event.prevent_default()
        from oncall_tui.theme_files import discover_themes

        themes, problems = discover_themes(self._user_themes_dir)
        self._register_themes(list(themes), list(problems), self._theme_name or self.settings.theme)
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self.now = self.clock.now()
        self.set_interval(tick_seconds(), self._tick)
        self.push_screen(TraceScreen(traces=self.trace_file_traces, source_name=self.trace_file_name))


def run_trace_file(path: Path, traces: list[Trace], theme: str | None) -> int:
    """Entry point of ``oncall-tui trace FILE`` (called by ``commands/trace_cmd.open_in_app``)."""
    from oncall_tui.config.locations import themes_dir

    TraceFileApp(traces, source_name=str(path), theme_name=theme, user_themes_dir=themes_dir()).run()
    return 0
