"""``oncall-tui trace FILE``: open a trace file in the app, or print its analysis (``--summary``).

``--summary`` prints one JSON object per trace (one per line) for scripts and for checking the
analysis: ``trace_id``, ``spans``, ``services`` (count), ``service_names``, ``duration_us``,
``errors``, ``roots``, ``orphans``, ``duplicate_span_ids`` and ``critical_path`` (span ids on the
critical path in the order the walk meets them, root first). A bad file prints one line on
stderr and exits 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import msgspec

from oncall_tui.domain.traces import TraceAnalysis, analyse
from oncall_tui.errors import TraceDataError
from oncall_tui.trace_io import load_trace_file

"""Module of the Traces screen; until it exists, ``trace FILE`` can only summarise."""


def summary_of(analysis: TraceAnalysis) -> dict[str, Any]:
    """The ``--summary`` object of one analysed trace."""
    t = analysis.trace
    names = analysis.services_used()
    return {
        "trace_id": t.trace_id,
        "spans": analysis.span_count,
        "services": len(names),
        "service_names": names,
        "duration_us": analysis.duration_us,
        "errors": t.error_count,
        "roots": len(analysis.root_spans),
        "orphans": len(analysis.orphans),
        "duplicate_span_ids": sorted(analysis.duplicates),
        "critical_path": [t.span_ids[i] for i in analysis.critical_path],
    }


def _fail(message: str) -> int:
    sys.stderr.write(f"oncall-tui: {message}\n")
    return 2


def print_summary(path: Path) -> int:
    """Print one JSON line per trace in ``path``; 0 on success, 2 (one line on stderr) for a bad file."""
    try:
        analyses = [analyse(t) for t in load_trace_file(path)]
    except TraceDataError as exc:
        return _fail(str(exc))
    out = sys.stdout
    for analysis in analyses:
        out.write(msgspec.json.encode(summary_of(analysis)).decode() + "\n")
    out.flush()
    return 0


def open_in_app(path: Path, theme: str | None = None) -> int:
    """Load ``path`` and open it in the trace viewer.

    Parsing errors are reported here, before the screen takes over the terminal; the
    analysis runs once, in the viewer (a trace that fails it is reported there).
    """
    try:
        traces = load_trace_file(path)
    except TraceDataError as exc:
        return _fail(str(exc))
    # Imported here: the viewer imports Textual, which --summary never needs.
    from oncall_tui.ui.trace_file_app import run_trace_file

    return run_trace_file(path, traces, theme)
