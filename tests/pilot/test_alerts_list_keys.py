"""The queue list's own keys at a height where it scrolls: arrows and j/k, page keys, home/end, enter.

The recorded karma bodies with silenced alerts shown (`t`) give 16 rows (12 alerts, 4 group
headers); at 80x14 the list shows 9 of them under its column header.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from oncall_tui.domain.alert_queue import GroupRow
from oncall_tui.ui.widgets.alert_table import AlertTable
from tests.support.alert_fakes import AlertBackends, plain, polled, screen_of

SIZE = (80, 14)


def header(table: AlertTable) -> str:
    """The list's first line, the column header (drawn whatever the scroll position)."""
    return table.render_line(0).text


async def test_cursor_keys_move_through_a_list_longer_than_the_screen(tmp_path: Path) -> None:
    app = AlertBackends().make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        screen = screen_of(app)
        table = screen.table
        await pilot.press("t")
        rows = table.row_count
        assert rows == 16
        assert table.cursor_row == 0
        await pilot.press("down", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("end")
        assert table.cursor_key == table.keys[-1]
        # The last row is on screen and the column header still heads the list.
        assert table.scroll_y > 0
        assert header(table).split() == ["Sev", "Alert", "Fired", "Due", "Status"]
        await pilot.press("home")
        assert (table.cursor_row, table.scroll_y) == (0, 0)
        await pilot.press("pagedown")
        page = table.cursor_row
        assert 5 <= page < rows
        await pilot.press("pageup")
        assert table.cursor_row == 0


async def test_enter_on_an_alert_opens_its_detail_and_on_a_group_folds_it(tmp_path: Path) -> None:
    app = AlertBackends().make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await polled(pilot)
        screen = screen_of(app)
        table = screen.table
        assert isinstance(table.current, GroupRow)
        await pilot.press("enter")
        assert table.current is not None and table.current.key in table.collapsed
        await pilot.press("enter", "down")
        key = table.cursor_key
        await pilot.press("enter")
        assert screen.detail_visible
        assert key is not None and key in plain(screen.query_one("#detail-body", Static).content)
