"""One line, on every screen: each source's state, latency, data age and failure reason."""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from oncall_tui.domain.durations import format_latency
from oncall_tui.models.health import HealthState, SourceHealth
from oncall_tui.ui.resolution import RESOLUTION, format_rough_age

SHORT_NAMES = {"prometheus": "prom", "alertmanager": "am", "jaeger": "jaeger"}
"""Names short enough that three sources fit an 80-column line."""

STATE_MARKS = {
    HealthState.UP: ("●", "source-up"),
    HealthState.STALE: ("▲", "stale"),
    HealthState.DOWN: ("✖", "source-down"),
    HealthState.NO_CREDENTIALS: ("⚿", "source-down"),
    HealthState.UNKNOWN: ("○", "severity-none"),
}
"""Each state has a distinct glyph, so it reads without colour."""


def fit_details(details: list[str], width: int) -> list[str]:
    """Cut the details so that together they fit ``width`` columns, every one keeping a fair share.

    One long reason (an error body) must not push the other sources off the line: each detail
    gets an equal share, and what a short one leaves unused goes to the longer ones. The whole
    reason is on the Sources screen.
    """
    budget = max(0, width)
    shares = [0] * len(details)
    pending = sorted(range(len(details)), key=lambda i: len(details[i]))
    while pending:
        share = budget // len(pending)
        index = pending.pop(0)
        shares[index] = min(len(details[index]), share)
        budget -= shares[index]
    return [_cut(detail, share) for detail, share in zip(details, shares, strict=True)]


def _cut(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    # Never cut to nothing: the state label (DOWN, STALE) comes first and must show.
    width = max(width, min(len(text), 8))
    return text[: width - 1] + "…"


class HealthBar(Widget):
    """Health of every source of the current context."""

    DEFAULT_CSS = """
    HealthBar {
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    health: reactive[dict[str, SourceHealth]] = reactive(dict, always_update=True)
    """Latest health per source key (replaced wholesale after each poll)."""
    now: reactive[datetime | None] = reactive(None)
    """Current time, ticked by the app so ages advance without a poll."""
    starting: reactive[bool] = reactive(False)
    """The app is still loading its settings: sources are not known yet."""

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if not self.health and self.starting:
            text.append(" ○ connecting…", style="italic")
            return text
        if not self.health:
            text.append(" no sources configured — see: oncall-tui config path", style="italic")
            return text
        variables = self.app.theme_variables
        entries = list(self.health.items())
        # Everything but the details: glyphs, names, flags and the separators between sources.
        fixed = sum(cell_len(self._prefix(key, health)) for key, health in entries) + 4 * len(entries) - 3
        details = fit_details([self._detail(health) for _key, health in entries], self.size.width - fixed)
        for index, ((key, health), detail) in enumerate(zip(entries, details, strict=True)):
            if index:
                text.append("  │ ", style="dim")
            else:
                text.append(" ")
            glyph, variable = STATE_MARKS[health.state]
            colour = variables.get(variable, "")
            text.append(f"{glyph} ", style=f"bold {colour}")
            text.append(SHORT_NAMES.get(key, key), style="bold")
            if health.insecure:
                text.append(" TLS-UNVERIFIED", style=f"bold {variables.get('source-down', '')}")
            text.append(" ")
            text.append(detail, style=colour if health.state != HealthState.UP else "")
        return text

    @staticmethod
    def _prefix(key: str, health: SourceHealth) -> str:
        glyph = STATE_MARKS[health.state][0]
        return f"{glyph} {SHORT_NAMES.get(key, key)}{' TLS-UNVERIFIED' if health.insecure else ''} "

    def _detail(self, health: SourceHealth) -> str:
        if health.state == HealthState.UNKNOWN:
            return "connecting…"
        age = ""
        if health.last_ok_at is not None and self.now is not None:
            age = format_rough_age((self.now - health.last_ok_at).total_seconds())
        if health.state == HealthState.UP:
            # Latency, then the age of the data on screen (it grows between slow refreshes).
            # Latency changes with every poll: not shown at minute resolution (a write per poll).
            latency = "" if RESOLUTION.minutes else format_latency(health.latency)
            return " ".join(part for part in (latency, age) if part)
        if age:
            age = f" {age} old"
        label = {
            HealthState.STALE: "STALE",
            HealthState.DOWN: "DOWN",
            HealthState.NO_CREDENTIALS: "NO CREDS",
        }[health.state]
        return f"{label}{age}: {health.reason or ''}"
