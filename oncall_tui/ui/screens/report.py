"""Report screen: MTTA, MTTR and time to detect per severity over 7/30/90 days, and alert noise.

Computed from the incident log in a worker when the screen shows and after every incident
action; the same figures as ``oncall-tui report`` (see ``domain/incident_stats.py``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Static

from oncall_tui.domain.incident_stats import Figure, Report, short_duration
from oncall_tui.errors import OncallError
from oncall_tui.services.incident_desk import IncidentDesk
from oncall_tui.ui.bindings import REPORT_BINDINGS
from oncall_tui.ui.messages import ActionCompleted
from oncall_tui.ui.screens.base import OncallScreen
from oncall_tui.ui.widgets.lists import ScrollPane

METRICS: tuple[tuple[str, str], ...] = (("tta", "to ack"), ("ttr", "to resolve"), ("ttd", "to detect"))
"""(attribute of ``SeverityFigures``, row label) of the three figures, in display order."""


def figures_table(report: Report, days: int, colours: Any) -> Table:
    """One window: per severity, time to ack, to resolve and to detect (mean, median, p90, count)."""
    table = Table(box=None, pad_edge=False, expand=False, header_style="bold", padding=(0, 2, 0, 0))
    table.add_column("Severity", no_wrap=True)
    table.add_column("Incidents", justify="right")
    table.add_column("Time", no_wrap=True)
    for name in ("Mean", "Median", "P90"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("Count", justify="right")
    rows = [r for r in report.figures if r.days == days]
    for row in rows:
        style = "bold" if row.severity == "all" else colours.get(f"severity-{row.severity}", "")
        for i, (attribute, label) in enumerate(METRICS):
            figure: Figure = getattr(row, attribute)
            table.add_row(
                Text(row.severity, style=style) if i == 0 else "",
                str(row.incidents) if i == 0 else "",
                label,
                short_duration(figure.mean),
                short_duration(figure.median),
                short_duration(figure.p90),
                str(figure.count),
                end_section=i == len(METRICS) - 1 and row is not rows[-1],
            )
    return table


def noise_table(report: Report) -> Table:
    """Per alertname: fired, acked, share not actionable, median time to ack."""
    table = Table(box=None, pad_edge=False, expand=False, header_style="bold", padding=(0, 1, 0, 0))
    table.add_column("Alertname", no_wrap=True, overflow="ellipsis", max_width=34)
    table.add_column("Fired", justify="right")
    table.add_column("Acked", justify="right")
    table.add_column("Not actionable", justify="right")
    table.add_column("Median to ack", justify="right")
    for row in report.noise:
        share = row.not_actionable_share
        table.add_row(
            row.alertname,
            str(row.fired),
            str(row.acked),
            "—" if share is None else f"{share:.0%}",
            short_duration(row.median_tta),
        )
    return table


class ReportScreen(OncallScreen):
    """How fast incidents are acknowledged and resolved, and which alerts are noise."""

    TITLE_TEXT = "Report"
    BINDINGS: ClassVar[list[BindingType]] = REPORT_BINDINGS

    DEFAULT_CSS = """
    ReportScreen VerticalScroll { height: 1fr; padding: 0 1; }
    ReportScreen .report-heading { text-style: bold; margin-top: 1; }
    """

    def __init__(self, desk: IncidentDesk | None = None) -> None:
        super().__init__()
        self._desk = desk
        self.report: Report | None = None
        """The figures as last computed."""

    @property
    def desk(self) -> IncidentDesk:
        """The incident log."""
        return self._desk or self.oncall_app.incident_desk

    def compose_body(self) -> ComposeResult:
        with ScrollPane(id="report-body"):
            yield Static("Computing…", id="report-figures")
            yield Static("Alert noise", id="report-noise-heading", classes="report-heading")
            yield Static(id="report-noise")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#report-body").focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def on_action_completed(self, message: ActionCompleted) -> None:
        # Any logged action (an ack from the Alerts screen, a note here) may change what is shown.
        self.reload()

    def reload(self) -> None:
        """Compute the figures again (in a worker)."""
        self.run_worker(self._load(), group="report-load", exclusive=True, exit_on_error=False)

    async def _load(self) -> None:
        figures = self.query_one("#report-figures", Static)
        try:
            report = await self.desk.report()
        except OncallError as error:
            figures.update(Text(f"Incident log unavailable: {error.message}", style="bold"))
            return
        self.report = report
        colours = self.app.theme_variables
        parts: list[Any] = []
        for days in report.windows:
            count = next(r.incidents for r in report.figures if r.days == days and r.severity == "all")
            title = Text(f"Last {days} days · {count} incident{'s' if count != 1 else ''}", style="bold")
            parts += [title, figures_table(report, days, colours), Text("")]
        parts.append(
            Text(
                "to ack: opened → first ack · to resolve: opened → resolved · to detect: first"
                " alert's start → first ack",
                style="dim",
            )
        )
        figures.update(Group(*parts))
        heading = self.query_one("#report-noise-heading", Static)
        heading.update(f"Alert noise, last {report.noise_days} days")
        noise = self.query_one("#report-noise", Static)
        if report.noise:
            hint = Text("share of acks marked not actionable; median from firing to first ack", style="dim")
            noise.update(Group(noise_table(report), hint))
        else:
            noise.update(Text("No alert firings recorded yet.", style="italic"))
