"""Open a runbook: resolve a reference or an alert to a file, read it, split it into steps.

Reading is blocking file IO: the UI calls these through ``asyncio.to_thread``. Nothing here raises
for a missing, unreadable or odd file — the result is then a single step whose note says why, which
is what the step-through shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from oncall_tui.config.runbooks import RunbookSettings
from oncall_tui.domain.runbook_urls import (
    FileSystem,
    NoRunbook,
    RunbookLocation,
    find_by_alertname,
    is_url,
    resolve_reference,
)
from oncall_tui.domain.runbooks import Runbook, parse_runbook, unavailable_runbook

MAX_RUNBOOK_BYTES = 2_000_000
"""Bigger files are refused: a runbook is read by people, one step at a time."""
RUNBOOK_ANNOTATIONS = ("runbook_url", "runbook", "playbook")
"""Annotations that hold a runbook reference, in order of preference."""
_LINK = re.compile(r"\]\((https?://[^)\s]+)\)")


class LocalFiles:
    """The real file system, as :class:`~oncall_tui.domain.runbook_urls.FileSystem` wants it."""

    def is_file(self, path: Path) -> bool:
        """True for an existing regular file (False when it cannot be looked at)."""
        try:
            return path.is_file()
        except (OSError, ValueError):  # ValueError: a NUL byte in the name
            return False

    def list_dir(self, path: Path) -> list[str]:
        """Entry names, or none when ``path`` is no readable directory."""
        try:
            return [p.name for p in path.iterdir()]
        except (OSError, ValueError):
            return []


def locate(ref: str, settings: RunbookSettings, fs: FileSystem | None = None) -> RunbookLocation | NoRunbook:
    """Resolve a reference (path, name, URL); a bare word that is no file is tried as an alertname."""
    files = fs or LocalFiles()
    found = resolve_reference(ref, settings.dirs, settings.url_rules, files)
    if isinstance(found, NoRunbook) and not is_url(ref) and re.fullmatch(r"[A-Za-z_][\w:-]*", ref.strip()):
        by_name = find_by_alertname(ref.strip(), _search_roots(settings), files)
        if isinstance(by_name, RunbookLocation):
            return by_name
    return found


def _search_roots(settings: RunbookSettings) -> list[Path]:
    roots = list(settings.dirs)
    roots += [rule.dir for rule in settings.url_rules if rule.dir not in roots]
    return roots


def read_location(
    location: RunbookLocation,
    *,
    labels: Mapping[str, str] | None = None,
    value: str | None = None,
) -> Runbook:
    """Read and split the file; a missing, unreadable or huge file gives a single step saying so."""
    path = location.path
    try:
        # Size first: a runbook dir mis-set onto a big file must not be read whole into memory.
        if path.stat().st_size > MAX_RUNBOOK_BYTES:
            return unavailable_runbook(str(path), f"runbook {path} is larger than {MAX_RUNBOOK_BYTES} bytes")
        data = path.read_bytes()
    except ValueError:
        return unavailable_runbook(str(path), f"runbook path {path!r} is not a usable file name")
    except FileNotFoundError:
        return unavailable_runbook(str(path), f"runbook file not found: {path}")
    except OSError as error:
        return unavailable_runbook(str(path), f"cannot read runbook {path}: {error.strerror or error}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return unavailable_runbook(str(path), f"runbook {path} is not UTF-8 text (byte {error.start})")
    return parse_runbook(text, str(path), labels=labels, value=value, anchor=location.anchor)


def open_runbook(
    ref: str,
    settings: RunbookSettings,
    *,
    labels: Mapping[str, str] | None = None,
    value: str | None = None,
    fs: FileSystem | None = None,
) -> Runbook:
    """The runbook ``ref`` names (``oncall-tui runbook FILE|URL|ALERTNAME``)."""
    found = locate(ref, settings, fs)
    if isinstance(found, NoRunbook):
        return unavailable_runbook(ref, found.reason)
    runbook = read_location(found, labels=labels, value=value)
    if found.anchor:
        return _follow_stub(runbook, settings, labels, value, fs)
    return runbook


def runbook_for_alert(
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    settings: RunbookSettings,
    *,
    value: str | None = None,
    fs: FileSystem | None = None,
) -> Runbook:
    """The runbook of an alert: its ``runbook_url`` annotation, else a file named after its alertname."""
    ref = next((annotations[k] for k in RUNBOOK_ANNOTATIONS if annotations.get(k)), "")
    if ref:
        return open_runbook(ref, settings, labels=labels, value=value, fs=fs)
    alertname = labels.get("alertname", "")
    found = find_by_alertname(alertname, _search_roots(settings), fs or LocalFiles())
    if isinstance(found, NoRunbook):
        return unavailable_runbook(alertname or "alert", f"the alert has no runbook_url; {found.reason}")
    return read_location(found, labels=labels, value=value)


def _follow_stub(
    runbook: Runbook,
    settings: RunbookSettings,
    labels: Mapping[str, str] | None,
    value: str | None,
    fs: FileSystem | None,
) -> Runbook:
    # A section of one big file (kubernetes-mixin's runbook.md) is often only a message and a link on
    # to the real runbook: when that link resolves here, its steps follow the section's own.
    if len(runbook.steps) != 1:
        return runbook
    for url in _LINK.findall(runbook.steps[0].text):
        found = resolve_reference(url, settings.dirs, settings.url_rules, fs or LocalFiles())
        if isinstance(found, NoRunbook) or found.anchor:
            continue
        target = read_location(found, labels=labels, value=value)
        if target.note:
            continue
        first = replace(runbook.steps[0], note="")
        rest = tuple(replace(s, index=s.index + 1) for s in target.steps)
        return Runbook(runbook.title, runbook.source, (first, *rest), runbook.available)
    return runbook
