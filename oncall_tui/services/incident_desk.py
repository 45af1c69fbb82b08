"""The incident log as the Incidents and Report screens use it: opened on first use, never on the loop.

Every method is a coroutine that does its SQLite (and file) work in a worker thread. The log is
opened once, on the first call; a log that cannot be opened (newer, damaged) raises its
StoreError on every call, which the screens show in place of the list.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from oncall_tui.clock import Clock
from oncall_tui.config.settings import Settings
from oncall_tui.domain.incident_stats import WINDOWS, Report
from oncall_tui.domain.redact import Redactor
from oncall_tui.errors import StoreError
from oncall_tui.models.incident import IncidentStatus, TimelineEntry
from oncall_tui.models.incident_record import IncidentRecord, IncidentSummary
from oncall_tui.services.action_engine import ActionResult, ActionStatus
from oncall_tui.services.incident_actions import IncidentActions, IncidentRequest, what_of
from oncall_tui.services.incident_export import export_postmortem, incident_report, known_secret_values
from oncall_tui.store.db import Database
from oncall_tui.store.incident_records import IncidentRecords


class IncidentDesk:
    """Reads and writes of the incident log for the UI (see the module docstring)."""

    def __init__(
        self,
        database_path: Path | None,
        clock: Clock,
        user: str,
        redactor: Redactor | None = None,
        *,
        settings: Settings | None = None,
    ) -> None:
        self._path = database_path
        self._clock = clock
        self._user = user
        self._lock = threading.Lock()
        self._db: Database | None = None
        self._error: StoreError | None = None
        self._settings = settings
        self.redactor = redactor or Redactor()
        """Scrubs the timeline on screen and the exports; with ``settings``, it learns the configured
        credentials when the log is first opened (in a worker: reading the keyring may block)."""
        self.export_dir: Path | None = None
        """Where ``x`` writes post-mortems (None: ``<data dir>/postmortems``)."""

    def _open(self) -> Database:
        with self._lock:
            if self._db is None:
                if self._error is not None:
                    raise self._error
                try:
                    self._db = Database.open(self._path)
                except StoreError as error:
                    self._error = error
                    raise
                if self._settings is not None:
                    known = known_secret_values(self._settings)
                    self.redactor = Redactor.of([*self.redactor.known, *known])
            return self._db

    def database(self) -> Database:
        """The open log (blocking: call from a thread); for runbook progress and other stores."""
        return self._open()

    def _records(self) -> IncidentRecords:
        return IncidentRecords(self._open(), self._clock)

    async def summaries(
        self, *, statuses: Iterable[IncidentStatus] | None = None, since: datetime | None = None
    ) -> list[IncidentSummary]:
        """Rows of the incident list, newest first."""
        wanted = None if statuses is None else list(statuses)
        return await asyncio.to_thread(lambda: self._records().summaries(statuses=wanted, since=since))

    async def detail(self, incident_id: int) -> tuple[IncidentRecord, list[TimelineEntry]]:
        """One incident and its timeline (oldest entry first)."""

        def read() -> tuple[IncidentRecord, list[TimelineEntry]]:
            records = self._records()
            return records.record(incident_id), records.log.timeline(incident_id)

        return await asyncio.to_thread(read)

    async def run(self, request: IncidentRequest) -> ActionResult:
        """Run a logged incident action (see ``services/incident_actions.py``); done means committed."""
        try:
            db = await asyncio.to_thread(self._open)
        except StoreError as error:
            return ActionResult(ActionStatus.FAILED, f"{what_of(request)} failed: {error}")
        return await IncidentActions(db, self._clock, self._user).run(request)

    async def export(self, incident_id: int) -> Path:
        """Write the post-mortem draft atomically; the path written (OncallError if it cannot be)."""

        def write() -> Path:
            target = (
                None if self.export_dir is None else self.export_dir / f"incident-{incident_id}-postmortem.md"
            )
            if target is not None:
                target.parent.mkdir(parents=True, exist_ok=True)
            return export_postmortem(self._records(), incident_id, self._clock.now(), self.redactor, target)

        return await asyncio.to_thread(write)

    async def report(self, windows: tuple[int, ...] = WINDOWS) -> Report:
        """MTTA/MTTR/time to detect and noise, now."""
        return await asyncio.to_thread(lambda: incident_report(self._records(), self._clock.now(), windows))

    def close(self) -> None:
        """Close the log (committed data is on disk)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
