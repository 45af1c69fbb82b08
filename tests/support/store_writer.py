"""A process that writes to the incident log as fast as it can, printing each entry once committed.

``python -m tests.support.store_writer DB TAG``: opens (or creates) the log at DB, opens an
incident, then loops forever writing notes, action items and runbook steps through the store,
printing ``<kind> <marker>`` after each write has returned (is committed). The durability test
kills it with SIGKILL and checks that every printed marker is in the file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from oncall_tui.clock import SystemClock
from oncall_tui.models.incident_record import StepStatus
from oncall_tui.store.db import Database
from oncall_tui.store.incident_records import IncidentRecords
from oncall_tui.store.runbook_progress import RunbookProgress


def main(path: str, tag: str) -> None:
    clock = SystemClock()
    db = Database.open(Path(path))
    records = IncidentRecords(db, clock)
    progress = RunbookProgress(db, clock)
    incident = records.open_manual(f"durability {tag}", "warning", "writer")
    out = sys.stdout
    n = 0
    while True:
        marker = f"{tag}-{n}"
        if n % 3 == 0:
            records.add_note(incident.id, f"note {marker}\nsecond line", "writer")
            out.write(f"note {marker}\n")
        elif n % 3 == 1:
            records.add_action_item(incident.id, f"item {marker}", "writer", owner="w")
            out.write(f"item {marker}\n")
        else:
            progress.set_step(incident.id, f"rb-{tag}", n, StepStatus.DONE, "writer", title=marker)
            out.write(f"step {marker}\n")
        out.flush()
        n += 1


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
