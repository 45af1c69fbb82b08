"""``x`` / ``X`` on an alert: open the trace behind it, or list its exemplar traces to pick one.

Works from the queue and from the detail pane: when the detail has not fetched the alert's
exemplars yet, they are looked up here (in a worker) instead of asking the user to open
the detail first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from oncall_tui.domain.alert_queue import AlertRow
from oncall_tui.domain.exemplars import ExemplarTrace
from oncall_tui.services.alert_history import History, fetch_exemplar_traces
from oncall_tui.ui.screens.exemplar_picker import ExemplarPicker

if TYPE_CHECKING:
    from oncall_tui.ui.screens.base import OncallScreen


def jump_to_exemplar(screen: OncallScreen, row: AlertRow, history: History | None, *, pick: bool) -> None:
    """Open the alert's preferred exemplar trace (``pick``: the list of them), fetching them if needed."""
    if history is not None and (history.traces or history.traces_note):
        _open(screen, row, history.traces, history.traces_note, pick=pick)
        return
    screen.notify("Looking up the alert's exemplar traces…", timeout=2)
    screen.run_worker(
        _fetch_and_open(screen, row, pick),
        group="alert-exemplars",
        exclusive=True,
        exit_on_error=False,
        description="exemplar traces",
    )


async def _fetch_and_open(screen: OncallScreen, row: AlertRow, pick: bool) -> None:
    app = screen.oncall_app
    sources = app.sources
    if sources is None or sources.context.prometheus is None:
        _open(screen, row, (), "no Prometheus in this context: no exemplar traces", pick=pick)
        return
    try:
        client = await sources.prometheus()
        traces, note = await fetch_exemplar_traces(
            client, row.alert.generator_url, app.clock.now(), row.alert.alertname
        )
    except Exception as exc:  # a secret that does not resolve, or anything else: say so
        traces, note = (), f"exemplars unavailable: {exc}"
    _open(screen, row, traces, note, pick=pick)


def _open(
    screen: OncallScreen, row: AlertRow, traces: tuple[ExemplarTrace, ...], note: str, *, pick: bool
) -> None:
    app = screen.oncall_app
    for trace in reversed(traces):
        app.known_traces.add(trace.trace_id, f"exemplars of {row.alert.alertname}")
    if not traces:
        screen.notify(note or "no exemplar traces for this alert", timeout=5)
        return
    if not pick:
        app.open_trace(traces[0].trace_id)
        return

    def chosen(trace_id: str | None) -> None:
        if trace_id:
            app.open_trace(trace_id)

    title = f"Exemplar traces of {row.alert.alertname}"
    screen.app.push_screen(ExemplarPicker(title, traces, note.split(" · ")[0]), chosen)
