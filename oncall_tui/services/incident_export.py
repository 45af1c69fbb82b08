"""Post-mortem export and the incident report, from the store: what the CLI and the screens call.

Blocking (SQLite, keyring, file writes): call from a thread in the UI.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from oncall_tui.config import locations
from oncall_tui.config.common import SecretRef
from oncall_tui.config.settings import AuthSettings, Settings
from oncall_tui.domain.incident_stats import WINDOWS, Report, build_report
from oncall_tui.domain.postmortem import render_postmortem
from oncall_tui.domain.redact import Redactor
from oncall_tui.errors import OncallError
from oncall_tui.files import write_text_atomic
from oncall_tui.models.incident import TimelineKind
from oncall_tui.models.incident_record import AlertFiring
from oncall_tui.store.incident_records import IncidentRecords

SOURCES = ("prometheus", "alertmanager", "jaeger")
"""Source fields of a context that may carry a credential."""


def default_export_path(incident_id: int) -> Path:
    """Where the app writes a post-mortem when no path is given: ``<data dir>/postmortems/``."""
    return locations.data_dir() / "postmortems" / f"incident-{incident_id}-postmortem.md"


def postmortem_markdown(records: IncidentRecords, incident_id: int, now: datetime, redactor: Redactor) -> str:
    """The post-mortem draft of an incident (StoreError if there is none)."""
    record = records.record(incident_id)
    return render_postmortem(record, records.log.timeline(incident_id), now, redactor)


def export_postmortem(
    records: IncidentRecords,
    incident_id: int,
    now: datetime,
    redactor: Redactor,
    path: Path | None = None,
) -> Path:
    """Write the draft atomically to ``path`` (default: :func:`default_export_path`); return where."""
    text = postmortem_markdown(records, incident_id, now, redactor)
    if path is None:
        path = default_export_path(incident_id)
        locations.ensure_dir(path.parent)
    return write_text_atomic(path, text, what="post-mortem")


def incident_report(records: IncidentRecords, now: datetime, windows: Sequence[int] = WINDOWS) -> Report:
    """MTTA/MTTR/time to detect and noise over ``windows`` (days)."""
    longest = max(windows) if windows else 0
    since = now - timedelta(days=longest)
    chosen = records.records(since)
    firings: dict[tuple[str, datetime], AlertFiring] = {
        (f.fingerprint, f.starts_at): f for f in records.firings(since)
    }
    # Alerts linked with a known start count as firings too (e.g. from before the app recorded firings).
    for record in chosen:
        for alert in record.alerts:
            if alert.alertname and alert.starts_at is not None and alert.starts_at >= since:
                key = (alert.fingerprint, alert.starts_at)
                firings.setdefault(key, AlertFiring(alert.fingerprint, alert.starts_at, alert.alertname))
    acks = records.entries([TimelineKind.ACK], since)
    return build_report(chosen, firings.values(), acks, now, windows)


def known_secret_values(settings: Settings, env: Mapping[str, str] | None = None) -> list[str]:
    """Credentials of the configured sources and notifiers that can be read without prompting.

    Environment variables and keyring entries; ``password_command`` ones are not run (they may
    prompt): the redactor's patterns still catch credential-shaped text. Failures are skipped.
    """
    from oncall_tui.secrets import resolve_secret

    environ = os.environ if env is None else env
    values: list[str] = []
    refs: list[tuple[str, str, AuthSettings]] = []
    for context_name, context in settings.contexts.items():
        for source_name in SOURCES:
            source = getattr(context, source_name)
            if source is not None and source.auth is not None:
                refs.append((context_name, source_name, source.auth))
    for name, target in settings.alerts.notifiers.items():
        for ref in (target.url_secret, target.routing_key):
            if isinstance(ref, SecretRef):
                refs.append(("notifiers", name, AuthSettings(type="bearer", secret=ref)))
    for context_name, source_name, auth in refs:
        if auth.secret is not None and auth.secret.command:
            continue
        try:
            secret = resolve_secret(context_name, source_name, auth, env=environ)
        except OncallError:
            continue
        if secret is not None:
            values.append(secret.get_secret_value())
    return values


def redactor_for(settings: Settings | None, extra: Iterable[str] = ()) -> Redactor:
    """A redactor knowing the configured credentials (see :func:`known_secret_values`) and ``extra``."""
    known = known_secret_values(settings) if settings is not None else []
    return Redactor.of([*known, *extra])
