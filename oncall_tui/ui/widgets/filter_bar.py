"""One-line filter input: Alertmanager matchers plus free text, validated on every keystroke.

A filter that parses is posted as :class:`FilterBar.Changed`; one that does not shows
the parse error (column and reason, with a caret under the offending text) and leaves the
list as it was before the broken term was begun: typing ``severity=`` passes through the
free-text word ``severity``, and that intermediate word must not stay applied while the
bar says "list unchanged".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from oncall_tui.domain.matchers import Filter, ParseError, parse_filter


class FilterInput(Input):
    """The text field; escape and enter hand focus back to the list."""

    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding(
            "escape", "done", "Back to list", id="filter-done", tooltip="Keep the filter, back to the list"
        ),
        Binding("ctrl+u", "clear_filter", "Clear", id="filter-clear", tooltip="Clear the filter"),
    ]

    @dataclass
    class Done(Message):
        """The user left the filter field."""

    def action_done(self) -> None:
        self.post_message(self.Done())

    def action_clear_filter(self) -> None:
        self.value = ""


class FilterBar(Vertical):
    """``/`` prompt, the input, and an error line that appears only when the filter does not parse."""

    DEFAULT_CSS = """
    FilterBar { height: auto; }
    FilterBar > Horizontal { height: 1; }
    FilterBar #filter-prompt { width: 2; color: $accent; text-style: bold; }
    FilterBar FilterInput { border: none; height: 1; padding: 0; background: $surface; }
    FilterBar FilterInput:focus { border: none; background: $surface-lighten-1; }
    FilterBar #filter-error { height: auto; color: $error; display: none; }
    FilterBar.-error #filter-error { display: block; }
    """

    @dataclass
    class Changed(Message):
        """A filter that parses was typed (empty = no filter)."""

        filter: Filter
        """The parsed filter."""

    def __init__(
        self,
        placeholder: str = 'severity="critical" service=~"api.*" free text',
        parser: Callable[[str], Any] = parse_filter,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._placeholder = placeholder
        self._parser = parser
        self.error: ParseError | None = None
        """The parse error shown, if any."""
        self.applied = ""
        """Text of the filter the list shows (the last one posted)."""

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static("/", id="filter-prompt")
            yield FilterInput(placeholder=self._placeholder, id="filter-input", compact=True)
        yield Static(id="filter-error")

    @property
    def input(self) -> FilterInput:
        return self.query_one(FilterInput)

    @property
    def value(self) -> str:
        """The text typed."""
        return self.input.value

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        try:
            parsed = self._parser(event.value)
        except ParseError as exc:
            self.error = exc
            self.add_class("-error")
            caret = Text()
            caret.append(" " * (exc.column + 2) + "^" * max(exc.end - exc.column, 1))
            caret.append(f" {exc.message} — list unchanged")
            self.query_one("#filter-error", Static).update(caret)
            self._settle(event.value, exc)
            return
        self.error = None
        self.remove_class("-error")
        self._post(event.value, parsed)

    def _post(self, text: str, parsed: Any) -> None:
        self.applied = text
        self.post_message(self.Changed(parsed if isinstance(parsed, Filter) else Filter(source=text)))

    def _settle(self, text: str, error: ParseError) -> None:
        """On a parse error, show the list as it was before the broken term was begun."""
        applied = self.applied
        if not text.startswith(applied):
            # An edit inside or a deletion: what the list shows was typed whole; it stays.
            return
        # Appending: the applied text may hold the first letters of the broken term (typing
        # ``cluster="prod" severity=`` applied the free-text word ``severity`` on the way).
        # Go back to the text before that term: up to the last separator before the error.
        cut = max(text.rfind(sep, 0, error.column) for sep in " ,\t{") + 1
        if cut >= len(applied):
            return  # nothing of the broken term was applied
        try:
            parsed = self._parser(text[:cut])
        except ParseError:
            return
        self._post(text[:cut], parsed)
