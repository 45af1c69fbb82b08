"""The dialog before a runbook command runs: the exact text that will run, and ``y`` to run it.

Only ``y`` runs. ``enter`` is refused on purpose (a reflex enter must never run a shell command on a
production cluster); ``n`` or ``escape`` cancel. The dialog shows the script exactly as the shell gets
it (``export`` lines for variables only a shell can expand included), the variables set in its
environment, the time limit, and any placeholder the alert could not fill.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from oncall_tui.ui.screens.modals import MODAL_CSS

HINT = "y: run · n / escape: cancel · enter does not run"
"""The dialog's key line."""


class RunConfirmModal(ModalScreen[bool]):
    """Asks before a command runs; dismisses with True only on ``y``."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="RunConfirmModal")
        + """
    RunConfirmModal #run-script { background: $panel; padding: 0 1; max-height: 12; height: auto; }
    RunConfirmModal #run-warning { color: $warning; height: auto; }
    """
    )
    # Not in ui/bindings.py (nor rebindable through [keymap]), like the other dialogs' keys: what
    # runs a shell command stays y, and enter stays refused, whatever the config says.
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("y", "answer(True)", "Run", id="run-confirm-yes", tooltip="Run the command shown"),
        Binding("n,escape", "answer(False)", "Cancel", id="run-confirm-no", tooltip="Do not run it"),
        # Bound so that it does nothing but say so: a reflex enter must never run a command.
        Binding(
            "enter", "refuse_enter", "", show=False, id="run-confirm-enter", tooltip="Does not run: press y"
        ),
    ]

    def __init__(
        self, script: str, *, env: Mapping[str, str], time_limit: float, unfilled: Sequence[str] = ()
    ) -> None:
        super().__init__()
        self.script = script
        """Exactly what will run."""
        self._env = env
        self._time_limit = time_limit
        self._unfilled = [p for p in unfilled if p in script]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Run this command?", classes="modal-title")
            with VerticalScroll(id="run-script"):
                yield Static(Text(self.script), id="run-script-text", markup=False)
            plain = {k: v for k, v in self._env.items() if f"export {k}=" not in self.script}
            details = [f"with {k}={v}" for k, v in plain.items()]
            details.append(
                f"killed after {self._time_limit:g}s; exit code and first lines go to the timeline"
            )
            yield Static("\n".join(details), classes="hint", markup=False)
            warning = f"not filled in: {', '.join(self._unfilled)}" if self._unfilled else ""
            yield Static(warning, id="run-warning", markup=False)
            yield Static(HINT, id="run-hint", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#run-warning", Static).display = bool(self._unfilled)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def action_refuse_enter(self) -> None:
        self.query_one("#run-hint", Static).update(
            "enter does not run a command: press y to run, n to cancel"
        )
