"""The one error funnel: every worker that dies with an exception ends up in :func:`report_worker_error`.

``Worker.StateChanged`` does not bubble: it reaches only the node that started the worker. So the
app handles its own workers' messages, and every screen (through :class:`ForwardWorkerErrors`,
mixed into the screen base classes) forwards its workers' failures to the same function. Screens do
not catch broad exceptions themselves: an :class:`OncallError` becomes a toast with its title and
one line; anything else a toast plus a traceback in the log file (``oncall-tui.log``).
"""

from __future__ import annotations

import logging
from typing import Any

from textual.app import App
from textual.worker import Worker, WorkerState

from oncall_tui.errors import OncallError

logger = logging.getLogger("oncall_tui.ui")
"""Where unexpected worker failures are logged with their traceback (the run command sends it to a file)."""


def report_worker_error(app: App[Any], worker: Worker[Any]) -> None:
    """Tell the user that ``worker`` failed; log the traceback unless it is an expected OncallError."""
    error = worker.error
    if error is None:
        return
    what = worker.description or worker.name or "background task"
    if isinstance(error, OncallError):
        app.notify(error.message, title=error.title, severity="error", markup=False)
        return
    logger.error("%s failed: %r", what, error, exc_info=(type(error), error, error.__traceback__))
    app.notify(
        f"{what}: {type(error).__name__}: {error} (traceback in the log)",
        title="Unexpected error",
        severity="error",
        markup=False,
        timeout=15,
    )


class ForwardWorkerErrors:
    """Mixin for screens (and any widget that starts workers): their failed workers go to the funnel."""

    app: App[Any]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            report_worker_error(self.app, event.worker)
