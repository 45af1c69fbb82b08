"""``oncall-tui trace FILE``: the app opened on a trace file, with no context and no sources.

Only what has a source here is offered: no alerts, silences, sources or Jaeger search (their
keys and palette entries are hidden); ``T``, the palette and any of the file's trace ids (whole
or as shown shortened) go back to the file's traces.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.events import Mount
from textual.screen import Screen

from oncall_tui.clock import Clock
from oncall_tui.config.settings import Settings
from oncall_tui.models.jaeger import Trace
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.resolution import tick_seconds
from oncall_tui.ui.screens.trace import TraceScreen


class TraceFileApp(OncallApp):
    """``oncall-tui trace FILE``: the app opened on a trace file, with no context needed.

    Only what has a source here is offered: no alerts, silences, sources or Jaeger search
    (their keys and palette entries are hidden); ``T`` and the palette go back to the file's
    traces, by whole or short id.
    """

    # No sources to report on: the health bar would only say "no sources configured".
    CSS = OncallApp.CSS + "\nHealthBar { display: none; }\n"
    NO_SOURCE_SCREENS = frozenset({"alerts", "silences", "sources"})
    """Screens that need a context's sources, which a trace file session has not."""

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
        for trace in traces:
            self.known_traces.add(trace.trace_id, source_name)

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
        self.show_file_trace(0)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Hidden from the footer and the keys do nothing: there is no source behind them.
        if action == "show_screen":
            return not (parameters and parameters[0] in self.NO_SOURCE_SCREENS)
        return action != "refresh_now"

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        # Textual's own (theme, keys, quit…), then the file's traces: nothing that needs a source.
        yield from App.get_system_commands(self, screen)
        name = Path(self.trace_file_name).name
        for index, trace in enumerate(self.trace_file_traces):
            yield SystemCommand(
                f"Trace file: {name} · trace {trace.trace_id[:12]}",
                f"Show trace {trace.trace_id} of {self.trace_file_name} again",
                partial(self.show_file_trace, index),
            )

    def show_screen(self, screen_id: str) -> None:
        """``T`` goes back to the file's trace (there is no Jaeger to search); nothing else has a source."""
        if screen_id == "traces":
            self.show_file_trace(None)

    def open_trace(self, trace_id: str) -> None:
        """A trace of the file opens from it; there is no Jaeger to fetch any other from."""
        ids = [t.trace_id.lower() for t in self.trace_file_traces]
        if trace_id.lower() in ids:
            self.show_file_trace(ids.index(trace_id.lower()))
            return
        self.notify(
            f"trace {trace_id} is not in {self.trace_file_name}, and this session has no Jaeger",
            title="Trace",
            severity="warning",
        )

    def show_file_trace(self, index: int | None) -> None:
        """Show the file's trace number ``index`` (None: the one last shown), above nothing else."""
        mine = self.trace_file_traces
        found = next((s for s in self.screen_stack if isinstance(s, TraceScreen) and s.traces == mine), None)
        if found is None:
            screen = TraceScreen(traces=self.trace_file_traces, source_name=self.trace_file_name)
            screen.trace_index = index or 0
            self.push_screen(screen)
            return
        while self.screen is not found:
            self.pop_screen()
        if index is not None and index != found.trace_index:
            found.action_other_trace(index - found.trace_index)


def run_trace_file(path: Path, traces: list[Trace], theme: str | None) -> int:
    """Entry point of ``oncall-tui trace FILE`` (called by ``commands/trace_cmd.open_in_app``)."""
    from oncall_tui.config.locations import themes_dir

    app = TraceFileApp(traces, source_name=str(path), theme_name=theme, user_themes_dir=themes_dir())
    app.run()
    return app.return_code or 0  # non-zero when the app died of an error
