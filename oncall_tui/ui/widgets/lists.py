"""The list widgets every screen shares, so that one key grammar holds everywhere (k9s-style).

``j``/``k`` and the arrows move, ``g``/``G`` (and home/end) go to the first and last entry, on
every table, pick list and scrolling pane; the keys and their ids are in ``ui/bindings.py``
(``TABLE_BINDINGS``, ``PICK_LIST_BINDINGS``, ``SCROLL_BINDINGS``), so ``?`` lists them and
``[keymap]`` rebinds them. Use these instead of Textual's ``DataTable``, ``OptionList`` and
``VerticalScroll``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import events
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, OptionList

from oncall_tui.ui.bindings import PICK_LIST_BINDINGS, SCROLL_BINDINGS, TABLE_BINDINGS


class ListTable(DataTable[Any]):
    """A DataTable with the grammar's keys: j/k move, g/G first/last row."""

    KEYS_TITLE: ClassVar[str] = "lists"
    """The section of ``?`` that lists these keys."""

    BINDINGS: ClassVar[list[BindingType]] = TABLE_BINDINGS

    def _on_resize(self, _event: events.Resize) -> None:
        # A list that shrinks (a panel under it took its height, a smaller terminal) keeps its
        # cursor in view: a timeline that follows its newest entry still shows it. DataTable only
        # scrolls to the cursor when the cursor moves. After the refresh, so the new size counts.
        # (Textual calls each class's handler: DataTable's _on_resize runs too, and subclasses
        # keep on_resize for themselves.)
        if self.row_count and self.show_cursor and self.cursor_type != "none":
            self.call_after_refresh(self._scroll_cursor_into_view)


class PickList(OptionList):
    """An OptionList with the grammar's keys: j/k move, g/G first/last choice."""

    KEYS_TITLE: ClassVar[str] = "pick list"
    """The section of ``?`` that lists these keys."""

    BINDINGS: ClassVar[list[BindingType]] = PICK_LIST_BINDINGS


class ScrollPane(VerticalScroll):
    """A scrolling pane with the grammar's keys: j/k scroll, g/G top/bottom."""

    KEYS_TITLE: ClassVar[str] = "scrolling"
    """The section of ``?`` that lists these keys."""

    BINDINGS: ClassVar[list[BindingType]] = SCROLL_BINDINGS
