"""How the UI runs a logged incident action and finds the alerts a user names.

``perform_incident`` runs the request in an app worker through the incident desk (the engine's
log-only path: done once committed), toasts how it went, then hands the result to the app's
"action completed" fan-out, so every screen in the stack (incident list, detail, report) hears
``ActionCompleted`` and re-reads the log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from textual.app import App

from oncall_tui.models.alertmanager import Alert
from oncall_tui.models.incident_record import LinkedAlert
from oncall_tui.services.action_engine import ActionResult, ActionStatus
from oncall_tui.services.alert_state import AlertFeedState
from oncall_tui.services.incident_actions import IncidentRequest, what_of
from oncall_tui.services.incident_desk import IncidentDesk


def perform_incident(
    app: App[Any],
    desk: IncidentDesk,
    request: IncidentRequest,
    completed: Callable[[str, list[ActionResult]], None],
) -> None:
    """Run ``request`` in a worker; toast the result; then ``completed(what, [result])``."""
    what = what_of(request)

    async def run() -> None:
        result = await desk.run(request)
        failed = result.status is ActionStatus.FAILED
        app.notify(
            result.message,
            title=what.capitalize(),
            severity="error" if failed else "information",
            timeout=15 if failed else 5,
        )
        completed(what, [result])

    # Not exclusive, not tied to a screen: an action once started is logged and finishes.
    app.run_worker(run(), group="incident-actions", description=f"{what} (oncall-tui)", exit_on_error=False)


def firing_alerts(state: AlertFeedState) -> list[Alert]:
    """Alerts of the latest good poll of the active context (none without Alertmanager)."""
    return state.snapshot.alerts() if state.snapshot is not None else []


def match_alerts(alerts: Iterable[Alert], names: Sequence[str]) -> tuple[list[LinkedAlert], list[str]]:
    """Alerts named by fingerprint or alertname (every alert of that name; case ignored if nothing
    matches exactly), as links with their names and starts; and the names that matched nothing."""
    pool = list(alerts)
    found: dict[str, LinkedAlert] = {}
    unknown: list[str] = []
    for name in names:
        hits = [a for a in pool if a.fingerprint == name or a.alertname == name]
        if not hits:
            folded = name.casefold()
            hits = [a for a in pool if a.alertname.casefold() == folded]
        if not hits:
            unknown.append(name)
        for alert in hits:
            found.setdefault(
                alert.fingerprint, LinkedAlert(alert.fingerprint, alert.alertname, alert.starts_at)
            )
    return list(found.values()), unknown
