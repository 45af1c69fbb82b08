"""``oncall-tui dashboards import-grafana FILE.json [-o OUT]``: a Grafana dashboard → a dashboard file.

Without ``-o`` the dashboard file is printed as TOML on stdout, like any converter, so it can be
read first and redirected. ``-o`` names a ``.toml``, ``.yaml`` or ``.yml`` file, or a directory
(the file is then named after the dashboard's title, as TOML); ``--install`` is ``-o`` the
dashboards directory next to the config file in use (created if missing), so the dashboard is on
the Metrics screen at the next start. Files are written atomically (a temporary file beside the
target, then a rename) and an existing file is only replaced with ``--force``.

The report goes to stderr, so stdout stays a clean file: one line per skipped panel with its
reason, the notes (units shown differently, variables dropped; the same note for many panels is
one line), and ``imported N of M panels``. Exit codes: 0 written; 1 nothing to import (no panel
is a Prometheus time series or stat); 2 the input is not a Grafana dashboard, cannot be read, or
the output cannot be written.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from oncall_tui import toml_write
from oncall_tui.commands.grafana_import_args import add_import_grafana_parser
from oncall_tui.config.dashboard_files import SUFFIXES
from oncall_tui.config.locations import dashboards_dir, ensure_dir
from oncall_tui.domain.grafana_import import (
    GrafanaImport,
    GrafanaImportError,
    Note,
    file_data,
    import_dashboard,
    parse_grafana_json,
)

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Inputs larger than this are refused (Grafana dashboards are kilobytes to a few megabytes)."""

_KEY_ORDER = ("name", "title", "kind", "description", "unit", "decimals", "window", "refresh")
# Keys written first, in this order: a panel reads "title, kind, unit" before its queries.


def _fail(message: str, code: int = 2) -> int:
    sys.stderr.write(f"oncall-tui: {message}\n")
    return code


def slug(title: str) -> str:
    """A file stem (and dashboard name) from a title: ``"Node Exporter Full"`` → ``node-exporter-full``."""
    text = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return text[:60].rstrip("-") or "dashboard"


def _ordered(data: Any) -> Any:
    if isinstance(data, dict):
        first = [k for k in _KEY_ORDER if k in data]
        rest = [k for k in data if k not in _KEY_ORDER]
        return {k: _ordered(data[k]) for k in first + rest}
    if isinstance(data, list):
        return [_ordered(v) for v in data]
    return data


def render(result: GrafanaImport, fmt: str, source_name: str) -> str:
    """The dashboard file's text in ``fmt`` (``toml`` or ``yaml``), with a comment naming its origin."""
    assert result.dashboard is not None
    data = _ordered(file_data(result.dashboard))
    header = (
        f"# Imported from {source_name} by `oncall-tui dashboards import-grafana`: "
        f"{result.imported} of {result.total_panels} panels.\n"
    )
    if fmt == "yaml":
        body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000)
    else:
        body = toml_write.dumps(data)
    # JSON may spell lone surrogates ("\ud800"), which no UTF-8 file can hold.
    return (header + body).encode("utf-8", "replace").decode("utf-8")


def grouped_notes(notes: tuple[Note, ...], limit: int = 3) -> list[str]:
    """One line per distinct note; panels sharing a note are listed (the first ``limit``) and counted."""
    panels: dict[str, list[str]] = defaultdict(list)
    for note in notes:
        panels[note.message].append(note.panel or "")
    lines = []
    for message, titles in panels.items():
        named = [t for t in titles if t]
        if not named:
            lines.append(message)
        elif len(named) == 1:
            lines.append(f"{named[0]}: {message}")
        else:
            shown = ", ".join(named[:limit]) + (", …" if len(named) > limit else "")
            lines.append(f"{message} ({len(named)} panels: {shown})")
    return lines


def _target(output: Path, title: str) -> tuple[Path, str] | str:
    """Where to write and in which format, or the reason ``output`` is not usable."""
    if output.is_dir():
        return output / f"{slug(title)}.toml", "toml"
    suffix = output.suffix.lower()
    if suffix not in SUFFIXES:
        return f"{output}: expected a .toml, .yaml or .yml file, or a directory"
    return output, "toml" if suffix == ".toml" else "yaml"


def write_atomic(path: Path, text: str) -> None:
    """Write ``path`` so a reader never sees half a file: a temporary file beside it, then a rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_import_grafana(args: argparse.Namespace) -> int:
    """Run the command for parsed ``args`` (``file``, ``output``, ``install``, ``force``, and the
    global ``config``); the exit code."""
    source: Path = args.file
    output: Path | None = getattr(args, "output", None)
    force: bool = bool(getattr(args, "force", False))
    if getattr(args, "install", False):
        try:
            output = ensure_dir(dashboards_dir(getattr(args, "config", None)))
        except OSError as exc:
            return _fail(f"cannot create the dashboards directory: {exc.strerror or exc}")
    try:
        if source.stat().st_size > MAX_FILE_BYTES:
            return _fail(f"{source}: not a Grafana dashboard: larger than {MAX_FILE_BYTES // 2**20} MiB")
        raw = source.read_bytes()
    except OSError as exc:
        return _fail(f"{source}: cannot read: {exc.strerror or exc}")
    try:
        result = import_dashboard(parse_grafana_json(raw, str(source)), source=str(source))
    except GrafanaImportError as exc:
        return _fail(str(exc))
    target: tuple[Path, str] | None = None
    if output is not None and result.dashboard is not None:
        # Refuse a bad or occupied OUT before reporting, so the one line says what to fix.
        where = _target(output, result.dashboard.title)
        if isinstance(where, str):
            return _fail(where)
        if where[0].exists() and not force:
            return _fail(f"{where[0]}: exists; use --force to replace it")
        target = where
    err = sys.stderr
    for panel in result.skipped:
        err.write(f"skipped {panel.title!r} ({panel.kind}): {panel.reason}\n")
    for line in grouped_notes(result.notes):
        err.write(f"note: {line}\n")
    summary = f"imported {result.imported} of {result.total_panels} panels"
    if result.dashboard is None:
        err.write(f"{summary}: nothing to write\n")
        return 1
    if target is None:
        sys.stdout.write(render(result, "toml", source.name))
        sys.stdout.flush()
        err.write(summary + "\n")
        return 0
    path, fmt = target
    try:
        write_atomic(path, render(result, fmt, source.name))
    except OSError as exc:
        return _fail(f"{path}: cannot write: {exc.strerror or exc}")
    err.write(f"{summary} → {path}\n")
    return 0


__all__ = ["add_import_grafana_parser", "run_import_grafana"]
