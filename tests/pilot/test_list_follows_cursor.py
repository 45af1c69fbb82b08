"""A list keeps its cursor in view when it shrinks, not only when the cursor moves.

An incident's timeline follows its newest entry; the panels under it take their height after it
is drawn (and again when their text changes), which shrinks the table. DataTable scrolls to the
cursor only when the cursor moves, so the newest entry could end up below the fold.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

from oncall_tui.ui.widgets.lists import ListTable
from tests.support.screen_text import rendered_lines
from tests.support.waiting import wait_until


class TimelineApp(App[None]):
    CSS = "ListTable { height: 1fr; } #panel { height: 2; }"

    def compose(self) -> ComposeResult:
        yield ListTable(cursor_type="row")
        yield Static("panel", id="panel")

    def on_mount(self) -> None:
        table = self.query_one(ListTable)
        table.add_column("entry", key="entry")
        for n in range(1, 31):
            table.add_row(f"entry {n:02d}")
        table.move_cursor(row=29)


async def test_the_cursor_row_stays_on_screen_when_a_panel_under_the_list_grows() -> None:
    app = TimelineApp()
    async with app.run_test(size=(40, 20)) as pilot:
        await wait_until(pilot, lambda: "entry 30" in "\n".join(rendered_lines(app)), "newest shown")
        app.query_one("#panel", Static).styles.height = 12  # the panel takes its height
        await wait_until(
            pilot,
            lambda: app.query_one(ListTable).size.height <= 8
            and "entry 30" in "\n".join(rendered_lines(app)),
            "newest entry still shown in the shrunk list",
        )
        assert "entry 01" not in "\n".join(rendered_lines(app))
