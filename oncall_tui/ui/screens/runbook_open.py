"""Opening the runbook step-through: for an alert (``r``), an incident (``r``), or a typed reference.

Each opener pushes the screen at once; the runbook itself is read in a worker thread by the screen
(the loader given here runs there), so a slow disk or network mount never freezes the app.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.domain.runbooks import Runbook, unavailable_runbook
from oncall_tui.errors import SourceError
from oncall_tui.models.alertmanager import Alert
from oncall_tui.services.alert_target import AlertTarget
from oncall_tui.services.runbook_loader import open_runbook, runbook_for_alert
from oncall_tui.services.runbook_session import RunbookTarget
from oncall_tui.store.runbook_progress import RunbookProgress
from oncall_tui.ui.app_services import AppServices
from oncall_tui.ui.screens.runbook import PrometheusGetter, RunbookScreen


def prometheus_of(app: AppServices) -> PrometheusGetter:
    """The active context's Prometheus client, looked up when a query runs (contexts switch)."""

    async def get() -> PrometheusClient:
        sources = app.sources
        if sources is None or sources.context.prometheus is None:
            raise SourceError("no Prometheus in this context", kind="config")
        return await sources.prometheus()

    return get


def runbook_screen(
    app: AppServices, load: Callable[[], Runbook], target: RunbookTarget | None
) -> RunbookScreen:
    """The step-through screen with the app's runbook limits and Prometheus."""
    limits = app.settings.runbooks
    return RunbookScreen(
        load,
        target,
        prometheus=prometheus_of(app),
        time_limit=limits.command_timeout,
        output_lines=limits.output_lines,
    )


def screen_for_alert(app: AppServices, target: AlertTarget) -> RunbookScreen:
    """The runbook of the target's first alert, followed in its group's incident."""
    alert = target.alerts[0]
    load = partial(runbook_for_alert, dict(alert.labels), dict(alert.annotations), app.settings.runbooks)
    return runbook_screen(app, load, RunbookTarget(subject=target.subject()))


def screen_for_reference(app: AppServices, ref: str) -> RunbookScreen:
    """A runbook named by path, URL or alertname, followed in its own incident."""
    return runbook_screen(app, partial(open_runbook, ref, app.settings.runbooks), None)


def screen_for_incident(app: AppServices, incident_id: int, alerts: Sequence[Alert] = ()) -> RunbookScreen:
    """The runbook last followed for the incident; else the runbook of its first linked alert still here.

    ``alerts`` are the alerts of the current poll (to find a linked one's labels and ``runbook_url``).
    """
    settings = app.settings.runbooks
    actions = app.alert_feed.actions
    engine = actions.engine if actions is not None else None

    def load() -> Runbook:
        if engine is None:
            return unavailable_runbook(f"incident #{incident_id}", "the incident log is not available here")
        used = RunbookProgress(engine.db, engine.clock).runbooks(incident_id)
        if used:
            return open_runbook(used[0], settings)
        linked = set(engine.log.linked_alerts(incident_id))
        alert = next((a for a in alerts if a.fingerprint in linked), None)
        if alert is None:
            return unavailable_runbook(
                f"incident #{incident_id}",
                "no runbook followed yet and no linked alert is firing: "
                "open one with `oncall-tui runbook FILE|URL|ALERTNAME`",
            )
        return runbook_for_alert(dict(alert.labels), dict(alert.annotations), settings)

    return runbook_screen(app, load, RunbookTarget(incident_id=incident_id))
