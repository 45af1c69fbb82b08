"""kill -9 at any moment loses no committed entry and leaves a database that passes integrity_check."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from oncall_tui.store.db import Database

REPO = Path(__file__).resolve().parents[2]
ROUNDS = 6
"""Writer processes killed per test run."""


def reported(lines: list[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {"note": set(), "item": set(), "step": set()}
    for line in lines:
        kind, _, marker = line.strip().partition(" ")
        if marker:  # a torn last line (cut by the kill) names nothing
            out[kind].add(marker)
    return out


def test_sigkill_mid_write_loses_no_reported_entry(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    rng = random.Random(20260301)
    every: dict[str, set[str]] = {"note": set(), "item": set(), "step": set()}
    for round_no in range(ROUNDS):
        stop_after = rng.randint(5, 150)
        writer = subprocess.Popen(
            [sys.executable, "-m", "tests.support.store_writer", str(path), f"r{round_no}"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert writer.stdout is not None
        lines: list[str] = []
        try:
            for line in writer.stdout:
                lines.append(line)
                if len(lines) >= stop_after:
                    break
        finally:
            writer.send_signal(signal.SIGKILL)
        # What it printed before dying was committed too: read the pipe to its end.
        lines.extend(writer.stdout.read().splitlines())
        writer.wait()
        assert writer.returncode == -signal.SIGKILL
        assert len(lines) >= stop_after
        for kind, markers in reported(lines).items():
            every[kind] |= markers

        with sqlite3.connect(path) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        raw.close()
        with Database.open(path) as db:
            notes = {
                row[0].split("\n")[0].removeprefix("note ")
                for row in db.query("SELECT text FROM timeline WHERE kind = 'note'")
            }
            items = {row[0].removeprefix("item ") for row in db.query("SELECT text FROM action_items")}
            steps = {row[0] for row in db.query("SELECT title FROM runbook_progress")}
            step_entries = {
                row[0]
                for row in db.query(
                    "SELECT json_extract(data, '$.title') FROM timeline WHERE kind = 'runbook_step'"
                )
            }
        assert every["note"] <= notes
        assert every["item"] <= items
        assert every["step"] <= steps
        assert every["step"] <= step_entries
    assert sum(len(markers) for markers in every.values()) >= ROUNDS * 5
