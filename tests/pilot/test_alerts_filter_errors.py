"""A filter that does not parse leaves the list as it was, and the counts on screen agree (issue 8, item 12).

Alertmanager serves the recorded karma bodies (8 active alerts: 3 prod, 4 staging, 1 dev), see
``tests/support/alert_fakes.py``. Assertions read the rendered screen at 80x24.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.alert_fakes import AlertBackends, polled
from tests.support.screen_text import screen_text

SIZE = (80, 24)


async def test_typing_a_matcher_does_not_leave_its_first_letters_applied(tmp_path: Path) -> None:
    app = AlertBackends().make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await pilot.press("slash", *'cluster="prod" ')
        await pilot.pause()
        assert "3 of 8 shown" in screen_text(app)
        # "sev" is free text on the way to a matcher: nothing has it, the list empties for a moment.
        await pilot.press(*"sev")
        await pilot.pause()
        shown = screen_text(app)
        assert "0 of 8 shown" in shown
        assert "None of the 8 alerts matches the filter" in shown
        # `severity=` does not parse: the list is the one before the word was begun, as the bar says.
        await pilot.press(*"erity=")
        await pilot.pause()
        shown = screen_text(app)
        assert "list unchanged" in " ".join(shown.split())
        assert "3 of 8 shown" in shown, shown
        assert "None of the" not in shown


async def test_a_broken_first_term_shows_the_whole_list_and_a_deletion_keeps_the_last_one(
    tmp_path: Path,
) -> None:
    app = AlertBackends().make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await pilot.press("slash", *"cluster=")
        await pilot.pause()
        shown = screen_text(app)
        assert "list unchanged" in " ".join(shown.split()) and "│ 8 alerts · active" in shown, shown
        assert "HTTP_Probe_Failed web2" in shown and "Host_Down server1" in shown
        # Completed, then one character deleted: the list stays as it was with the whole matcher.
        await pilot.press(*'"dev"')
        await pilot.pause()
        assert "1 of 8 shown" in screen_text(app)
        await pilot.press("backspace")
        await pilot.pause()
        shown = screen_text(app)
        assert "list unchanged" in " ".join(shown.split()) and "1 of 8 shown" in shown, shown
        assert "HTTP_Probe_Failed web2" in shown and "Host_Down server1" not in shown
