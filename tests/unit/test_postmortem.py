"""Post-mortem export: golden Markdown for a fixed incident, secrets scrubbed, atomic write."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from oncall_tui.clock import FakeClock
from oncall_tui.domain.redact import Redactor
from oncall_tui.files import WriteError, write_text_atomic
from oncall_tui.services.incident_export import export_postmortem, postmortem_markdown
from oncall_tui.store.db import Database
from oncall_tui.store.incident_records import IncidentRecords
from tests.support.incidents import KNOWN_SECRET, LEAKED_TOKEN, OPENED, build_sample_incident

GOLDEN = Path(__file__).parent / "golden" / "postmortem-sample.md"
"""The expected draft; regenerate with UPDATE_GOLDEN=1 and review the diff."""


@pytest.fixture
def sample(db: Database) -> tuple[IncidentRecords, int, FakeClock]:
    clock = FakeClock(OPENED)
    incident_id = build_sample_incident(db, clock)
    return IncidentRecords(db, clock), incident_id, clock


def test_the_draft_matches_the_golden_file(sample: tuple[IncidentRecords, int, FakeClock]) -> None:
    records, incident_id, _ = sample
    text = postmortem_markdown(records, incident_id, OPENED + timedelta(days=1), Redactor.of([KNOWN_SECRET]))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_secrets_in_notes_never_reach_the_export(
    sample: tuple[IncidentRecords, int, FakeClock], tmp_path: Path
) -> None:
    records, incident_id, clock = sample
    target = export_postmortem(
        records, incident_id, clock.now(), Redactor.of([KNOWN_SECRET]), tmp_path / "pm.md"
    )
    text = target.read_text(encoding="utf-8")
    assert LEAKED_TOKEN not in text
    assert KNOWN_SECRET not in text
    assert "Authorization: Bearer [secret]" in text
    assert "am password is [secret]" in text
    # The log itself keeps what the engineer wrote.
    assert any(LEAKED_TOKEN in e.text for e in records.log.timeline(incident_id))


def test_export_replaces_an_existing_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "pm.md"
    target.write_text("old draft\n" * 1000)
    assert write_text_atomic(target, "new\n") == target
    assert target.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pm.md"]


def test_an_unwritable_path_says_so_and_leaves_nothing(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        with pytest.raises(WriteError) as caught:
            write_text_atomic(locked / "pm.md", "draft\n", what="post-mortem")
        assert str(caught.value) == f"cannot write the post-mortem to {locked / 'pm.md'}: Permission denied"
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_a_path_under_a_regular_file_says_so_and_leaves_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me")
    with pytest.raises(WriteError) as caught:
        write_text_atomic(blocker / "pm.md", "draft\n", what="post-mortem")
    assert str(caught.value) == f"cannot write the post-mortem to {blocker / 'pm.md'}: Not a directory"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert blocker.read_text() == "keep me"


def test_a_missing_directory_or_a_directory_target_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        WriteError, match=r"cannot write the post-mortem to .*/nope/pm.md: No such file or directory"
    ):
        write_text_atomic(tmp_path / "nope" / "pm.md", "x", what="post-mortem")
    with pytest.raises(WriteError, match="Is a directory|is a directory"):
        write_text_atomic(tmp_path, "x", what="post-mortem")
    assert list(tmp_path.iterdir()) == []


def test_a_failure_while_writing_removes_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(WriteError, match="No space left on device"):
        write_text_atomic(tmp_path / "pm.md", "x" * 10_000, what="post-mortem")
    assert list(tmp_path.iterdir()) == []


def test_a_secret_the_app_resolved_is_scrubbed_from_the_export_too(
    sample: tuple[IncidentRecords, int, FakeClock],
) -> None:
    from oncall_tui.redaction import forget_all, register_secret

    records, incident_id, clock = sample
    records.add_note(incident_id, "pasted the am token tok-live-998877 by mistake", "ann")
    register_secret("tok-live-998877")  # as resolving a source's credential does
    try:
        text = postmortem_markdown(records, incident_id, clock.now(), Redactor())
    finally:
        forget_all()
    assert "tok-live-998877" not in text
    assert "pasted the am token [secret] by mistake" in text
