"""Sources screen: every source's health and version, Alertmanager peers, Prometheus targets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from oncall_tui.domain.durations import format_latency
from oncall_tui.models.health import HealthState, SourceHealth
from oncall_tui.redaction import scrub
from oncall_tui.services.sources import AlertmanagerOverview, JaegerOverview, PrometheusOverview
from oncall_tui.services.sources_feed import SourceOverviews, SourcesState
from oncall_tui.ui.bindings import SOURCES_BINDINGS
from oncall_tui.ui.resolution import format_rough_age
from oncall_tui.ui.screens.base import OncallScreen
from oncall_tui.ui.widgets.health_bar import STATE_MARKS
from oncall_tui.ui.widgets.lists import ListTable

TARGET_HEALTH_VARIABLE = {"up": "source-up", "down": "source-down", "unknown": "stale"}


class SourcesScreen(OncallScreen):
    """Is every source answering, which version, and are the scrape targets up?"""

    TITLE_TEXT = "Sources"
    BINDINGS = SOURCES_BINDINGS

    DEFAULT_CSS = """
    SourcesScreen #sources-body { height: 1fr; }
    SourcesScreen .section-title { height: 1; color: $text-muted; text-style: bold; padding: 0 1; }
    SourcesScreen #sources-table { height: auto; max-height: 6; }
    SourcesScreen #peers-table { height: auto; max-height: 5; }
    SourcesScreen #targets-table { height: 1fr; min-height: 3; }
    /* Wide cells are cut at the edge; the full text of the highlighted row is in #detail. */
    SourcesScreen DataTable { scrollbar-size-vertical: 1; scrollbar-size-horizontal: 0; }
    SourcesScreen #detail { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    """

    _details: dict[str, dict[str, str]]
    """Per table id, per row key: the full text shown in #detail when that row is highlighted."""
    _urls: dict[str, dict[str, str]]
    """Per table id, per row key: the URL ``y`` copies (scrubbed of every registered secret)."""

    @property
    def sources_table(self) -> DataTable[Any]:
        return self.query_one("#sources-table", DataTable)

    @property
    def peers_table(self) -> DataTable[Any]:
        return self.query_one("#peers-table", DataTable)

    @property
    def targets_table(self) -> DataTable[Any]:
        return self.query_one("#targets-table", DataTable)

    def compose_body(self) -> ComposeResult:
        with Vertical(id="sources-body"):
            yield ListTable(id="sources-table", cursor_type="row", zebra_stripes=False)
            yield Static("Alertmanager peers", classes="section-title")
            yield ListTable(id="peers-table", cursor_type="row")
            yield Static("Prometheus scrape targets", id="targets-title", classes="section-title")
            yield ListTable(id="targets-table", cursor_type="row")
            yield Static("", id="detail")

    def on_mount(self) -> None:
        super().on_mount()
        self._details = {"sources-table": {}, "peers-table": {}, "targets-table": {}}
        self._urls = {"sources-table": {}, "peers-table": {}, "targets-table": {}}
        self.sources_table.add_columns("Source", "State", "Version", "Latency", "Data age", "Reason")
        self.peers_table.add_columns("Peer", "Cluster", "Version", "Peers", "Problem")
        self.targets_table.add_columns("Job", "Instance", "Health", "Last scrape", "Took", "Last error")
        feed = self.oncall_app.source_feed
        self.follow(feed, self._render_all, tick=lambda _now: self._render_all(feed.state))

    def _render_all(self, state: SourcesState) -> None:
        now = self.oncall_app.now
        overviews = state.overviews
        self._render_sources(dict(state.health), overviews, now)
        self._render_peers(overviews.alertmanager)
        self._render_targets(overviews.prometheus, now)
        focused = self.focused
        if isinstance(focused, DataTable):
            self._show_detail(focused)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # Rebuilding a table re-highlights its rows; only the focused table owns the detail line.
        if event.data_table is self.focused:
            self._show_detail(event.data_table)

    def on_descendant_focus(self) -> None:
        if isinstance(self.focused, DataTable):
            self._show_detail(self.focused)

    def _show_detail(self, table: DataTable[Any]) -> None:
        detail = ""
        if table.row_count and table.id is not None:
            row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            detail = self._details.get(table.id, {}).get(str(row_key.value), "")
        self.query_one("#detail", Static).update(Text(detail))

    def action_copy_url(self) -> None:
        """``y``: the URL of the focused table's highlighted row (a source, a peer, a scrape target)."""
        table = self.focused
        if not isinstance(table, DataTable) or not table.row_count or table.id is None:
            self.notify("No row highlighted.", severity="warning", timeout=3)
            return
        row_key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        url = self._urls.get(table.id, {}).get(row_key, "")
        if not url:
            self.notify("This row has no URL to copy.", severity="warning", timeout=3)
            return
        self.copy_text(url)

    def _source_urls(self, key: str) -> list[str]:
        """The configured URLs of source ``key`` (config refuses a URL with a password)."""
        sources = self.oncall_app.sources
        if sources is None:
            return []
        context = sources.context
        if key == "prometheus" and context.prometheus is not None:
            return [str(context.prometheus.url)]
        if key == "alertmanager" and context.alertmanager is not None:
            return [str(url) for url in context.alertmanager.urls]
        if key == "jaeger" and context.jaeger is not None:
            return [str(context.jaeger.url)]
        return []

    def _coloured(self, text: str, variable: str, bold: bool = False) -> Text:
        colour = self.app.theme_variables.get(variable, "")
        return Text(text, style=f"{'bold ' if bold else ''}{colour}")

    def _render_sources(
        self, health: dict[str, SourceHealth], overviews: SourceOverviews, now: datetime | None
    ) -> None:
        table = self.sources_table
        rows: list[tuple[str, list[Any]]] = []
        for key, item in health.items():
            glyph, variable = STATE_MARKS[item.state]
            state = f"{glyph} {item.state.value.upper()}"
            if item.insecure:
                state += " (TLS unverified)"
            age = (
                format_rough_age((now - item.last_ok_at).total_seconds()) if now and item.last_ok_at else "—"
            )
            rows.append(
                (
                    key,
                    [
                        Text(key, style="bold"),
                        self._coloured(state, variable, bold=item.state != HealthState.UP),
                        _version_of(overviews.of(key)),
                        format_latency(item.latency) or "—",
                        age,
                        _clip(item.reason or ""),
                    ],
                )
            )
        self._details["sources-table"] = {
            key: f"{key}: {item.reason}" for key, item in health.items() if item.reason
        }
        # Alertmanager's peers: one URL a line (each peer's own row in the peers table copies one).
        self._urls["sources-table"] = {key: scrub("\n".join(self._source_urls(key))) for key in health}
        _replace_rows(table, rows)

    def _render_peers(self, overview: AlertmanagerOverview | None) -> None:
        rows: list[tuple[str, list[Any]]] = []
        details: dict[str, str] = {}
        if overview is not None:
            for peer in overview.peers:
                url = peer.url.rstrip("/")
                if peer.status is None:
                    details[peer.url] = f"{url}: {peer.error}"
                    rows.append(
                        (
                            peer.url,
                            [
                                url,
                                self._coloured("✖ down", "source-down", True),
                                "",
                                "",
                                _clip(peer.error or ""),
                            ],
                        )
                    )
                    continue
                cluster = peer.status.cluster
                members = ", ".join(f"{member.name[:10]}@{member.address}" for member in cluster.peers)
                details[peer.url] = (
                    f"{url}: cluster {cluster.status}, peers: {members or 'none (gossip disabled)'}"
                )
                rows.append(
                    (
                        peer.url,
                        [
                            url,
                            f"{cluster.status}" + (f" ({cluster.name[:8]})" if cluster.name else ""),
                            peer.status.version_info.version,
                            str(len(cluster.peers)),
                            "",
                        ],
                    )
                )
        self._details["peers-table"] = details
        self._urls["peers-table"] = {key: scrub(key.rstrip("/")) for key, _ in rows}
        _replace_rows(self.peers_table, rows)

    def _render_targets(self, overview: PrometheusOverview | None, now: datetime | None) -> None:
        rows: list[tuple[str, list[Any]]] = []
        details: dict[str, str] = {}
        urls: dict[str, str] = {}
        if overview is not None:
            ordered = sorted(overview.targets, key=lambda t: (t.health == "up", t.job, t.instance))
            for target in ordered:
                last = (
                    format_rough_age((now - target.last_scrape).total_seconds()) + " ago"
                    if now and target.last_scrape
                    else "never"
                )
                key = target.scrape_url or f"{target.job}/{target.instance}"
                urls[key] = scrub(target.scrape_url)
                if target.last_error:
                    details[key] = f"{target.instance}: {target.last_error}"
                rows.append(
                    (
                        key,
                        [
                            target.job,
                            target.instance,
                            self._coloured(
                                target.health, TARGET_HEALTH_VARIABLE.get(target.health, "stale"), bold=True
                            ),
                            last,
                            format_latency(target.last_scrape_duration),
                            _clip(target.last_error),
                        ],
                    )
                )
            down = sum(1 for t in overview.targets if t.health != "up")
            title = f"Prometheus scrape targets — {len(overview.targets)} total, {down} not up"
            self.query_one("#targets-title", Static).update(title)
        self._details["targets-table"] = details
        self._urls["targets-table"] = urls
        _replace_rows(self.targets_table, rows)


def _clip(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _version_of(overview: Any) -> str:
    if isinstance(overview, PrometheusOverview):
        return f"Prometheus {overview.build.version}"
    if isinstance(overview, AlertmanagerOverview):
        versions = sorted({p.status.version_info.version for p in overview.peers if p.status is not None})
        return "Alertmanager " + ", ".join(versions) if versions else ""
    if isinstance(overview, JaegerOverview):
        return f"Jaeger API {overview.api}, {len(overview.services)} services"
    return ""


def _replace_rows(table: DataTable[Any], rows: list[tuple[str, list[Any]]]) -> None:
    """Redraw a small keyed table, keeping the cursor on the same row across polls.

    These tables hold tens of rows, so a rebuild is cheap. Column widths are set
    explicitly from the content: Textual 8.2.8 measures auto-width columns on idle but
    keeps cells rendered at the old width in a cache whose key has no width, so an
    auto-width column can stay truncated until an unrelated update.
    """
    current: str | None = None
    if table.row_count:
        current = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
    labels = [column.label for column in table.columns.values()]
    widths = [label.cell_len for label in labels]
    for _, cells in rows:
        for index, cell in enumerate(cells):
            widths[index] = max(widths[index], _cell_width(cell))
    table.clear(columns=True)
    for label, width in zip(labels, widths, strict=True):
        table.add_column(label, width=width, key=label.plain)
    for key, cells in rows:
        table.add_row(*cells, key=key)
    keys = [key for key, _ in rows]
    if current in keys:
        table.move_cursor(row=keys.index(current), animate=False, scroll=False)


def _cell_width(cell: Any) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(str(cell))
