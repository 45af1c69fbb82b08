"""`y` on Silences and Sources copies (OSC 52) and toasts what it copied; Incidents: in their own tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from oncall_tui.clock import FakeClock
from oncall_tui.redaction import MASK, forget_all, register_secret
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.silences import SilencesScreen
from oncall_tui.ui.screens.sources import SourcesScreen
from tests.pilot.test_app_shell import make_app, wait_for_polls
from tests.support.alert_fakes import AlertBackends, polled
from tests.support.fake_backends import FakeBackends

REGEX_MATCHERS = [
    {"isEqual": True, "isRegex": False, "name": "alertname", "value": "Host_Down"},
    {"isEqual": True, "isRegex": True, "name": "instance", "value": "server[12]"},
    {"isEqual": False, "isRegex": False, "name": "note", "value": 'say "hi"'},
]


def toasts(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


def capture(app: OncallApp) -> list[str]:
    """What ``y`` puts on the clipboard, in order."""
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign, assignment]
    return copied


async def test_y_on_silences_copies_the_matchers_as_amtool_takes_them(tmp_path: Path) -> None:
    backends = AlertBackends()
    backends.silences.append({**backends.silences[0], "id": "regex-one", "matchers": REGEX_MATCHERS})
    app = backends.make_app(tmp_path)
    copied = capture(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await polled(pilot)
        await pilot.press("L")
        screen = app.screen
        assert isinstance(screen, SilencesScreen)
        screen.table.move_cursor(row=[line.key for line in screen.lines].index("regex-one"))
        await pilot.press("y")
        assert copied == ['{alertname="Host_Down", instance=~"server[12]", note!="say \\"hi\\""}']
        assert toasts(app)[-1] == f"copied: {copied[0]}"


async def test_y_on_sources_copies_the_source_peer_or_target_url_never_a_secret() -> None:
    backends = FakeBackends(FakeClock(real_sleep=True))
    app = make_app(backends)
    copied = capture(app)
    forget_all()
    # As if the target's scrape URL carried a token the app sends: the copy has it masked.
    register_secret("9100/metrics")
    try:
        await check_source_copies(app, copied)
    finally:
        forget_all()


async def check_source_copies(app: OncallApp, copied: list[str]) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_polls(app, pilot, {"prometheus", "alertmanager", "jaeger"})
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, SourcesScreen)
        await pilot.press("y")
        await pilot.press("tab", "y")
        await pilot.press("tab", "y")  # the first target: db-1, down
        assert copied == [
            "http://prometheus.prod-eu.example:9090/",
            "http://alertmanager-0.prod-eu.example:9093",
            f"http://db-1.prod-eu:{MASK}",
        ]
        assert toasts(app)[-3:] == [f"copied: {url}" for url in copied]
