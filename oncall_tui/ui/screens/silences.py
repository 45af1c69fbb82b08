"""Silences screen: active, pending and expired silences; filter, expire, extend, create with a preview.

Silences still waiting in the outbox (Alertmanager unreachable) are listed too, marked
"queued", so an ack made during an outage is visibly not lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

import msgspec
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Static

from oncall_tui.domain.durations import parse_duration as duration_of
from oncall_tui.domain.matchers import Filter, Matcher, format_matchers
from oncall_tui.domain.silences import SilenceInfo, extended_end, strip_marker
from oncall_tui.models.alertmanager import Alert, PostableSilence, Silence
from oncall_tui.services.alert_requests import ExpireSilence, ExtendSilence
from oncall_tui.services.alert_session import AlertSession
from oncall_tui.services.alert_state import AlertFeedState
from oncall_tui.services.outbox_drain import CREATE_SILENCE, EXPIRE_SILENCE
from oncall_tui.ui.bindings import SILENCES_BINDINGS
from oncall_tui.ui.formatting import short_left, who
from oncall_tui.ui.resolution import format_age
from oncall_tui.ui.screens.alerts_actions import open_silence_editor
from oncall_tui.ui.screens.base import OncallScreen
from oncall_tui.ui.screens.modals import ConfirmModal, PromptModal, duration_problem, parse_end
from oncall_tui.ui.widgets.filter_bar import FilterBar, FilterInput
from oncall_tui.ui.widgets.lists import ListTable

STATE_ORDER = {"queued": 0, "active": 1, "pending": 2, "expired": 3}
"""Sort order of the silence states."""
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("state", "State", 8),
    ("matchers", "Matchers", 30),
    ("by", "By", 10),
    ("left", "Ends", 9),
    ("comment", "Comment", 20),
)
"""(key, title, width) of each column; matchers and comment share what is left over."""


@dataclass(frozen=True, slots=True)
class SilenceLine:
    """One row: a silence Alertmanager knows, or one still queued in the outbox."""

    key: str
    """Silence id, or ``queued:<outbox id>``."""
    state: str
    """``active``, ``pending``, ``expired`` or ``queued``."""
    matchers: tuple[Matcher, ...]
    """Its matchers."""
    created_by: str
    """``createdBy``."""
    comment: str
    """Comment without the app's marker."""
    starts_at: datetime
    """Start."""
    ends_at: datetime
    """End."""
    silence: Silence | None
    """The silence itself (None while queued)."""

    def haystack(self) -> str:
        return " ".join(
            (self.key, format_matchers(self.matchers), self.created_by, self.comment, self.state)
        ).lower()

    def as_alert(self) -> Alert:
        """The equality matchers as a label set, so a matcher filter can test the silence."""
        labels = {m.name: m.value for m in self.matchers}
        return Alert(labels=labels, fingerprint=self.key, starts_at=self.starts_at)


def silence_lines(state: AlertFeedState) -> list[SilenceLine]:
    """Every known and queued silence, queued and active first, then pending, then expired."""
    lines: list[SilenceLine] = []
    for silence in state.silences:
        info = SilenceInfo.of(silence)
        lines.append(
            SilenceLine(
                silence.id,
                silence.status.state,
                tuple(Matcher.from_silence(m) for m in silence.matchers),
                silence.created_by,
                info.comment,
                silence.starts_at,
                silence.ends_at,
                silence,
            )
        )
    for item in state.pending:
        if item.kind != CREATE_SILENCE or "replaces" in item.payload:
            continue
        body = msgspec.convert(item.payload["silence"], PostableSilence)
        comment = strip_marker(body.comment)
        lines.append(
            SilenceLine(
                f"queued:{item.id}",
                "queued",
                tuple(Matcher.from_silence(m) for m in body.matchers),
                body.created_by,
                comment,
                body.starts_at,
                body.ends_at,
                None,
            )
        )

    def key(line: SilenceLine) -> tuple[int, float]:
        # Active and pending: soonest end first; expired: most recently ended first.
        moment = line.ends_at.timestamp()
        return STATE_ORDER.get(line.state, 9), -moment if line.state == "expired" else moment

    lines.sort(key=key)
    return lines


class SilencesScreen(OncallScreen):
    """Who silenced what, until when — and the keys to expire, extend and create silences."""

    TITLE_TEXT = "Silences"
    BINDINGS: ClassVar[list[BindingType]] = SILENCES_BINDINGS

    DEFAULT_CSS = """
    SilencesScreen #silences-summary { height: 1; padding: 0 1; background: $panel; }
    SilencesScreen FilterBar { display: none; padding: 0 1; }
    SilencesScreen.-filtering FilterBar { display: block; }
    SilencesScreen DataTable { height: 1fr; scrollbar-size-vertical: 1; scrollbar-size-horizontal: 0; }
    SilencesScreen #silence-detail {
        height: auto; max-height: 6; padding: 0 1; background: $surface; border-top: solid $primary;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.show_expired = False
        """Expired silences are listed too."""
        self.filter: Filter | None = None
        """Filter typed with ``/``."""
        self.lines: list[SilenceLine] = []
        """Rows shown, in order."""

    @property
    def feed(self) -> AlertSession:
        return self.oncall_app.alert_feed

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#silences-table", DataTable)

    def compose_body(self) -> ComposeResult:
        yield Static(id="silences-summary")
        yield FilterBar(placeholder='free text, or matchers such as instance="web1"')
        yield ListTable(id="silences-table", cursor_type="row")
        yield Static(id="silence-detail")

    def on_mount(self) -> None:
        super().on_mount()
        for key, title, width in COLUMNS:
            self.table.add_column(title, key=key, width=width)
        self.table.focus()
        self.follow(
            self.oncall_app.alerts, self._render_state, tick=lambda _: self._render_state(self.feed.state)
        )

    def on_resize(self) -> None:
        table = self.table
        if not table.columns:
            return
        spare = max(self.size.width - sum(w for _, _, w in COLUMNS) - 2 * len(COLUMNS) - 1, 0)
        widths = {"matchers": 30 + spare * 2 // 3, "comment": 20 + spare - spare * 2 // 3}
        for key, width in widths.items():
            table.columns[key].width = width  # type: ignore[index]
        self._render_state(self.feed.state)

    def _visible(self, state: AlertFeedState) -> list[SilenceLine]:
        lines = silence_lines(state)
        if not self.show_expired:
            lines = [line for line in lines if line.state != "expired"]
        flt = self.filter
        if flt is not None and not flt.is_empty:
            lines = [line for line in lines if flt.matches(line.as_alert(), line.haystack())]
        return lines

    def _render_state(self, state: AlertFeedState) -> None:
        if not self.is_mounted:
            return
        now = self.oncall_app.now or self.oncall_app.clock.now()
        colours = self.app.theme_variables
        self.lines = self._visible(state)
        table = self.table
        current = None
        if table.row_count:
            current = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        busy = self._busy(state)
        table.clear()
        for line in self.lines:
            table.add_row(*self._cells(line, now, colours, busy.get(line.key)), key=line.key, height=1)
        keys = [line.key for line in self.lines]
        if current in keys:
            table.move_cursor(row=keys.index(current), animate=False, scroll=False)
        # Textual 8.2.8 caches rendered rows by row key: re-added keys would keep stale cells.
        table._clear_caches()
        counts = {s: sum(1 for line in silence_lines(state) if line.state == s) for s in STATE_ORDER}
        summary = Text(no_wrap=True, overflow="ellipsis")
        summary.append(f"{counts['active']} active", style="bold")
        summary.append(f" · {counts['pending']} pending · {counts['expired']} expired")
        if counts["queued"]:
            summary.append(
                f" · {counts['queued']} queued (Alertmanager unreachable)", style=colours.get("stale", "")
            )
        summary.append(" │ expired shown" if self.show_expired else " │ t shows expired", style="dim")
        if state.error:
            summary.append(f"  STALE: {state.error}", style=f"bold {colours.get('stale', '')}")
        self.query_one("#silences-summary", Static).update(summary)
        self._show_detail()

    def _busy(self, state: AlertFeedState) -> dict[str, str]:
        busy = {key: name for key, name in state.inflight.items()}
        for item in state.pending:
            if item.kind == EXPIRE_SILENCE:
                busy[str(item.payload.get("silence_id"))] = "expire"
            elif item.kind == CREATE_SILENCE and "replaces" in item.payload:
                busy[str(item.payload["replaces"])] = "extend"
        return busy

    def _cells(self, line: SilenceLine, now: datetime, colours: Any, busy: str | None) -> list[Text]:
        muted = colours.get("severity-none", "")
        state_style = {
            "active": f"bold {colours.get('source-up', '')}",
            "pending": colours.get("severity-info", ""),
            "expired": muted,
            "queued": f"bold {colours.get('stale', '')}",
        }.get(line.state, "")
        state = Text(line.state, style=state_style)
        if busy:
            state = Text(f"⧗ {busy}", style=f"bold {colours.get('stale', '')}")
        if line.state == "expired":
            left = Text(f"{format_age(max(now - line.ends_at, timedelta(0)))} ago", style=muted)
        elif line.state == "pending":
            left = Text(f"in {format_age(line.starts_at - now)}")
        else:
            left = Text(short_left(line.ends_at - now))
        return [
            state,
            Text(format_matchers(line.matchers)[1:-1], no_wrap=True, overflow="ellipsis"),
            Text(who(line.created_by), no_wrap=True, overflow="ellipsis"),
            left,
            Text(line.comment, no_wrap=True, overflow="ellipsis", style=muted),
        ]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def current(self) -> SilenceLine | None:
        """The highlighted silence."""
        table = self.table
        if not table.row_count or not self.lines:
            return None
        return self.lines[min(table.cursor_row, len(self.lines) - 1)]

    def _show_detail(self) -> None:
        line = self.current()
        detail = self.query_one("#silence-detail", Static)
        if line is None:
            detail.update(Text("No silence.", style="italic"))
            return
        text = Text()
        text.append(format_matchers(line.matchers), style="bold")
        text.append(f"\n{line.state} · by {line.created_by} · ")
        text.append(
            f"{line.starts_at.astimezone():%Y-%m-%d %H:%M} → {line.ends_at.astimezone():%Y-%m-%d %H:%M %Z}"
        )
        if line.comment:
            text.append(f"\n“{line.comment}”", style="italic")
        text.append(f"\n{line.key}", style="dim")
        detail.update(text)

    # --- keys --------------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.add_class("-filtering")
        self.query_one(FilterBar).input.focus()

    def on_filter_bar_changed(self, event: FilterBar.Changed) -> None:
        self.filter = event.filter if not event.filter.is_empty else None
        self._render_state(self.feed.state)

    def on_filter_input_done(self, event: FilterInput.Done) -> None:
        if not self.query_one(FilterBar).value:
            self.remove_class("-filtering")
        self.table.focus()

    def on_input_submitted(self, event: Any) -> None:
        if isinstance(event.input, FilterInput):
            self.on_filter_input_done(FilterInput.Done())

    def action_copy_matchers(self) -> None:
        """``y``: the highlighted silence's matchers in Alertmanager's syntax (what amtool takes)."""
        line = self.current()
        if line is None:
            self.notify("No silence highlighted.", severity="warning", timeout=3)
            return
        self.copy_text(format_matchers(line.matchers))

    def action_toggle_expired(self) -> None:
        self.show_expired = not self.show_expired
        self._render_state(self.feed.state)

    def action_new_silence(self) -> None:
        if self.refuse_if_read_only("a new silence"):
            return
        open_silence_editor(self, "")

    def _live(self) -> Silence | None:
        line = self.current()
        if line is None:
            self.notify("No silence highlighted.", severity="warning", timeout=3)
            return None
        if line.silence is None:
            self.notify("Still queued: it is sent when Alertmanager answers.", severity="warning", timeout=5)
            return None
        return line.silence

    def action_expire(self) -> None:
        if self.refuse_if_read_only("expire"):
            return
        silence = self._live()
        if silence is None:
            return
        if silence.status.state == "expired":
            self.notify("Already expired.", severity="warning", timeout=3)
            return
        matchers = format_matchers(Matcher.from_silence(m) for m in silence.matchers)

        def done(yes: bool | None) -> None:
            if not yes:
                return

            self.feed.perform("expire", [silence.id], ExpireSilence(silence))

        self.app.push_screen(
            ConfirmModal(
                "Expire silence?", f"{matchers}\nby {silence.created_by}: {strip_marker(silence.comment)}"
            ),
            done,
        )

    def action_extend(self) -> None:
        if self.refuse_if_read_only("extend"):
            return
        silence = self._live()
        if silence is None:
            return
        app = self.oncall_app
        default = self.feed.settings.alerts.ack.default_duration
        matchers = format_matchers(Matcher.from_silence(m) for m in silence.matchers)
        if silence.status.state == "expired":
            # Nothing to extend: offer the same silence again (matchers and comment, a new end).
            def recreate(yes: bool | None) -> None:
                if yes:
                    open_silence_editor(self, matchers[1:-1], strip_marker(silence.comment))

            ended = silence.ends_at.astimezone()
            self.app.push_screen(
                ConfirmModal(
                    "Silence expired",
                    f"{matchers}\nexpired at {ended:%Y-%m-%d %H:%M}.\nRecreate it with the same matchers?",
                ),
                recreate,
            )
            return

        def extend(end: datetime) -> None:
            self.feed.perform("extend", [silence.id], ExtendSilence(silence, ends_at=end))

        def done(value: str | None) -> None:
            if value is None:
                return
            now = app.clock.now()
            duration, ends_at = parse_end(value, now, default)
            by = duration_of(duration) if duration is not None else None
            end = extended_end(silence.ends_at, now, by, ends_at)
            if end >= silence.ends_at:
                extend(end)
                return
            before, after = silence.ends_at.astimezone(), end.astimezone()
            self.app.push_screen(
                ConfirmModal(
                    "Shorten the silence?",
                    f"{matchers}\nIt ends at {before:%Y-%m-%d %H:%M}; {after:%H:%M} is earlier: "
                    "the silence would end sooner.",
                ),
                lambda yes: extend(end) if yes else None,
            )

        ends = silence.ends_at.astimezone()
        self.app.push_screen(
            PromptModal(
                "Extend silence",
                f"Ends {ends:%Y-%m-%d %H:%M} (in {short_left(silence.ends_at - app.clock.now())}). "
                "Add a duration (2h) to that end, or give a new end time (14:30).",
                "2h",
                validate=duration_problem(app.clock.now, default),
            ),
            done,
        )


__all__ = ["SilenceLine", "SilencesScreen", "silence_lines"]
