"""What the incident screens take from the app: the incident log, the firing alerts, and how a
logged incident action is run and reported (a toast, then every incident screen re-reads)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from textual.app import App
from textual.screen import Screen

from oncall_tui.models.alertmanager import Alert
from oncall_tui.models.incident_record import LinkedAlert
from oncall_tui.services.actions import ActionResult, ActionStatus
from oncall_tui.services.incident_actions import IncidentRequest, what_of
from oncall_tui.services.incident_desk import IncidentDesk


def desk_of(app: App[Any]) -> IncidentDesk:
    """The app's incident log desk."""
    desk = getattr(app, "incident_desk", None)
    if not isinstance(desk, IncidentDesk):
        raise RuntimeError("this app has no incident log desk")
    return desk


def firing_alerts(app: App[Any]) -> list[Alert]:
    """Alerts of the latest good poll of the active context (none without Alertmanager)."""
    feed = getattr(app, "alert_feed", None)
    snapshot = getattr(getattr(feed, "state", None), "snapshot", None)
    if snapshot is None:
        return []
    alerts: list[Alert] = snapshot.alerts()
    return alerts


def resolve_alerts(app: App[Any], names: Sequence[str]) -> tuple[list[LinkedAlert], list[str]]:
    """Firing alerts named by fingerprint or alertname (every alert of that name); and names matching none."""
    return match_alerts(firing_alerts(app), names)


def match_alerts(alerts: Iterable[Alert], names: Sequence[str]) -> tuple[list[LinkedAlert], list[str]]:
    """:func:`resolve_alerts` on a given list of alerts."""
    pool = list(alerts)
    found: dict[str, LinkedAlert] = {}
    unknown: list[str] = []
    for name in names:
        hits = [a for a in pool if a.fingerprint == name or a.labels.get("alertname") == name]
        if not hits:
            folded = name.casefold()
            hits = [a for a in pool if a.labels.get("alertname", "").casefold() == folded]
        if not hits:
            unknown.append(name)
        for alert in hits:
            found.setdefault(
                alert.fingerprint,
                LinkedAlert(alert.fingerprint, alert.labels.get("alertname"), alert.starts_at),
            )
    return list(found.values()), unknown


def run_incident_request(
    screen: Screen[Any], request: IncidentRequest, desk: IncidentDesk | None = None
) -> None:
    """Run ``request`` as a logged action in a worker: toast how it went, then re-read incident screens.

    The toast says "done" only after the change and its timeline entry are committed.
    """
    app = screen.app
    target = desk or desk_of(app)

    async def run() -> None:
        result = await target.run(request)
        report_result(app, result, what_of(request))
        refresh_incident_screens(app)

    screen.run_worker(run(), group="incident-actions", description=f"{what_of(request)} (oncall-tui)")


def report_result(app: App[Any], result: ActionResult, what: str) -> None:
    """One toast for an incident action's result."""
    failed = result.status is ActionStatus.FAILED
    app.notify(
        result.message,
        title=what.capitalize(),
        severity="error" if failed else "information",
        timeout=15 if failed else 5,
    )


def refresh_incident_screens(app: App[Any]) -> None:
    """Every incident screen in the stack re-reads the log (the visible one at once)."""
    for screen in app.screen_stack:
        reload = getattr(screen, "reload", None)
        if callable(reload) and getattr(screen, "INCIDENT_SCREEN", False):
            reload()
