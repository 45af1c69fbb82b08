"""The app shell: startup, the health bar, a source going down and coming back."""

from __future__ import annotations

from oncall_tui.clock import FakeClock
from oncall_tui.models.health import HealthState
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.sources import SourcesScreen
from oncall_tui.ui.widgets.health_bar import HealthBar
from oncall_tui.ui.widgets.status_header import StatusHeader
from tests.support.fake_backends import FakeBackends
from tests.support.screen_text import rendered_lines
from tests.support.waiting import wait_until


def make_app(backends: FakeBackends, **kwargs: object) -> OncallApp:
    return OncallApp(
        backends.settings(),
        clock=backends.clock,
        source_set_factory=backends.source_set_factory(),
        **kwargs,  # type: ignore[arg-type]
    )


async def wait_for_polls(app: OncallApp, pilot: object, keys: set[str]) -> None:
    """Wait until every named source has reported at least once."""

    def reported() -> bool:
        return all(
            app.source_health.get(k) and app.source_health[k].state != HealthState.UNKNOWN for k in keys
        )

    await wait_until(pilot, reported, f"sources {sorted(keys)} reporting")


async def test_opens_on_sources_screen_with_every_source_up() -> None:
    backends = FakeBackends(FakeClock(real_sleep=True))
    app = make_app(backends)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_polls(app, pilot, {"prometheus", "alertmanager", "jaeger"})
        # The alert queue is the first screen; Sources is one key away.
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, SourcesScreen)
        assert app.context_name == "prod-eu"
        bar = str(app.screen.query_one(HealthBar).render())
        assert "● prom" in bar and "● am" in bar and "● jaeger" in bar
        table = app.screen.sources_table
        versions = [str(table.get_row(k)[2]) for k in ("prometheus", "alertmanager", "jaeger")]
        assert versions == ["Prometheus 2.53.1", "Alertmanager 0.27.0", "Jaeger API v3, 4 services"]
        targets = app.screen.targets_table
        assert targets.row_count == 5
        # Down targets sort first, with their scrape error.
        first = [str(c) for c in targets.get_row_at(0)]
        assert (
            first[1] == "db-1.prod-eu:9100" and first[2] == "down" and first[5].startswith('Get "http://db-1')
        )
        # The cut-off error is shown in full below the tables for the highlighted target.
        await pilot.press("tab", "tab")
        assert app.focused is targets
        detail = str(app.screen.query_one("#detail").render())
        assert "db-1.prod-eu:9100" in detail and "connect: connection refused" in detail


async def test_source_going_down_is_marked_stale_with_reason_and_recovers() -> None:
    backends = FakeBackends(FakeClock(real_sleep=True))
    app = make_app(backends)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_polls(app, pilot, {"prometheus"})
        await pilot.press("S")
        backends.down.add("prometheus")
        await pilot.press("r")
        await wait_until(
            pilot, lambda: app.source_health["prometheus"].state == HealthState.STALE, "prom stale"
        )
        health = app.source_health["prometheus"]
        assert health.state == HealthState.STALE
        assert health.reason is not None and "connection refused" in health.reason
        bar = str(app.screen.query_one(HealthBar).render())
        assert "▲ prom STALE" in bar and "connection refused" in bar
        # The last good data stays on screen.
        assert app.screen.targets_table.row_count == 5  # type: ignore[attr-defined]
        backends.down.discard("prometheus")
        await pilot.press("r")
        await wait_until(
            pilot, lambda: app.source_health["prometheus"].state == HealthState.UP, "prom back up"
        )
        assert app.source_health["prometheus"].state == HealthState.UP
        assert "● prom" in str(app.screen.query_one(HealthBar).render())


async def test_garbage_from_a_source_is_reported_not_crashed_on() -> None:
    backends = FakeBackends(FakeClock(real_sleep=True))
    backends.garbage.add("jaeger")
    app = make_app(backends)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_polls(app, pilot, {"jaeger", "prometheus"})
        health = app.source_health["jaeger"]
        assert health.state == HealthState.DOWN
        assert health.reason is not None and "not JSON" in health.reason
        assert app.source_health["prometheus"].state == HealthState.UP


async def test_no_keyring_marks_the_source_no_credentials_and_the_app_runs_on() -> None:
    """Over SSH there is often no keyring: the source says so, the others keep working."""
    import keyring
    import keyring.backends.fail

    from oncall_tui.config.settings import Settings
    from oncall_tui.secrets import resolve_secret

    backends = FakeBackends(FakeClock(real_sleep=True))
    raw = backends.raw_settings()
    raw["contexts"]["prod-eu"]["prometheus"]["auth"] = {"type": "bearer"}
    raw["contexts"]["prod-eu"]["jaeger"]["tls"] = {"insecure_skip_verify": True}
    settings = Settings.model_validate(raw)
    # The real secret resolution (keyring) for every source.
    factory = backends.source_set_factory(resolver=resolve_secret)

    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())  # type: ignore[no-untyped-call]
    try:
        app = OncallApp(settings, clock=backends.clock, source_set_factory=factory)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_polls(app, pilot, {"prometheus", "alertmanager", "jaeger"})
            await pilot.pause()
            prom = app.source_health["prometheus"]
            assert prom.state == HealthState.NO_CREDENTIALS
            assert prom.reason is not None and prom.reason.startswith("no credentials: keyring unavailable")
            assert app.source_health["alertmanager"].state == HealthState.UP
            bar = str(app.screen.query_one(HealthBar).render())
            assert "⚿ prom NO CREDS" in bar
            # Verification switched off is never silent.
            assert app.source_health["jaeger"].insecure
            assert "jaeger TLS-UNVERIFIED" in bar
    finally:
        keyring.set_keyring(previous)


async def test_context_switch_from_the_command_palette_polls_the_new_context_only() -> None:
    backends = FakeBackends(FakeClock(real_sleep=True))
    app = make_app(backends)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_polls(app, pilot, {"prometheus", "alertmanager", "jaeger"})
        await pilot.press("ctrl+p")
        await pilot.press(*"context: staging")
        await wait_until(
            pilot, lambda: "Context: staging" in "\n".join(rendered_lines(app)), "the palette hit"
        )
        await pilot.press("enter")
        await wait_for_polls(app, pilot, {"prometheus"})
        assert app.context_name == "staging"
        # staging has only Prometheus: the health bar and Sources screen follow.
        assert list(app.source_health) == ["prometheus"]
        assert "ctx:staging" in str(app.screen.query_one(StatusHeader).title_text())
        bar = str(app.screen.query_one(HealthBar).render())
        assert "am" not in bar.split() and "● prom" in bar


async def test_keymap_override_rebinds_a_key_and_help_shows_it() -> None:
    backends = FakeBackends(FakeClock(real_sleep=True))
    settings = backends.settings().model_copy(update={"keymap": {"refresh-now": "f5"}})
    app = OncallApp(settings, clock=backends.clock, source_set_factory=backends.source_set_factory())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_polls(app, pilot, {"prometheus"})
        polls_before = backends.requests.count("prometheus.prod-eu.example/api/v1/targets")
        await pilot.press("f5")
        await wait_until(
            pilot,
            lambda: backends.requests.count("prometheus.prod-eu.example/api/v1/targets") > polls_before,
            "a poll triggered by f5",
        )
        assert backends.requests.count("prometheus.prod-eu.example/api/v1/targets") > polls_before
        # From Sources: its short key list leaves the "Everywhere" section on the first page of help.
        await pilot.press("S", "question_mark")
        await pilot.pause()
        screen_text = app.export_screenshot().replace("&#160;", " ")
        assert "f5" in screen_text and "refresh-now" in screen_text
