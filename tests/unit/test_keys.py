"""The headless binding table (oncall_tui/keys.py) matches the UI bindings and judges keys as Textual does."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from oncall_tui import keys
from oncall_tui.ui import bindings

SCOPE_OF_TABLE = {
    "APP_BINDINGS": "app",
    "ALERTS_BINDINGS": "alerts",
    "ALERT_TABLE_BINDINGS": "alert-table",
    "SILENCES_BINDINGS": "silences",
    "SOURCES_BINDINGS": "sources",
    "TRACE_BINDINGS": "trace",
    "TRACE_SEARCH_BINDINGS": "trace-search",
    "RUNBOOK_BINDINGS": "runbook",
    "INCIDENTS_BINDINGS": "incidents",
    "INCIDENT_DETAIL_BINDINGS": "incident",
    "REPORT_BINDINGS": "report",
    "METRICS_BINDINGS": "metrics",
    "PANEL_GRID_BINDINGS": "panel-grid",
    "DRILLDOWN_BINDINGS": "drilldown",
    "TABLE_BINDINGS": "table",
    "PICK_LIST_BINDINGS": "pick-list",
    "SCROLL_BINDINGS": "scroll",
}


def ui_table() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    for name in dir(bindings):
        value = getattr(bindings, name)
        if name.endswith("BINDINGS") and isinstance(value, list):
            assert name in SCOPE_OF_TABLE, f"new binding table {name}: give it a scope in oncall_tui/keys.py"
            for binding in value:
                if isinstance(binding, Binding) and binding.id:
                    table[binding.id] = (SCOPE_OF_TABLE[name], binding.key)
    return table


def test_the_headless_table_lists_every_ui_binding_with_its_default_keys() -> None:
    assert ui_table() == keys.DEFAULT_KEYS


def test_every_scope_is_live_on_some_screen() -> None:
    live = {scope for scopes in keys.SCREEN_SCOPES.values() for scope in scopes}
    assert {scope for scope, _keys in keys.DEFAULT_KEYS.values()} <= live


def test_every_default_key_is_a_key() -> None:
    for bid, (_scope, key_list) in keys.DEFAULT_KEYS.items():
        for key in keys.split_keys(key_list):
            assert keys.key_problem(key) is None, (bid, key)


@pytest.mark.parametrize(
    "key", ["a", "A", "f5", "ctrl+r", "ctrl+shift+up", "question_mark", "slash", "plus", "alt+enter", "?"]
)
def test_keys_textual_understands_are_accepted(key: str) -> None:
    assert keys.key_problem(key) is None


@pytest.mark.parametrize("key", ["ctrl+shift+banana", "ctrl+", "hyper+f99", "cmd+a", "space bar", ""])
def test_keys_no_terminal_can_send_are_rejected(key: str) -> None:
    assert keys.key_problem(key) is not None


WIDGET_SCOPES = {"alert-table", "panel-grid", "table", "pick-list", "scroll"}
"""Scopes of list widgets: live while the list has focus, checked before the screen's keys."""

MOVE_KEYS = ("k", "j", "g", "G", "up", "down", "home", "end")


def screen_keys(screen: str) -> dict[str, str]:
    """Key -> binding id, of the app's and the screen's own bindings (not its lists')."""
    scopes = set(keys.SCREEN_SCOPES[screen]) - WIDGET_SCOPES
    return {
        key: bid
        for bid, (scope, key_list) in keys.DEFAULT_KEYS.items()
        if scope in scopes
        for key in keys.split_keys(key_list)
    }


@pytest.mark.parametrize("screen", sorted(keys.SCREEN_SCOPES))
def test_the_move_keys_are_the_lists_own_on_every_screen(screen: str) -> None:
    # k9s grammar: j/k and the arrows move, g/G go to the first/last entry, on every screen that
    # has a list; no screen action may take one of them (it would win over nothing, or shadow it).
    taken = {key: bid for key, bid in screen_keys(screen).items() if key in MOVE_KEYS}
    if screen == "Trace":
        # The waterfall is drawn by the screen itself: its moves are the screen's bindings.
        assert {bid for bid in taken.values()} == {"trace-up", "trace-down", "trace-first", "trace-last"}
    else:
        assert taken == {}
    widget_scopes = set(keys.SCREEN_SCOPES[screen]) & WIDGET_SCOPES
    for scope in widget_scopes:
        scope_keys = {
            key
            for s, key_list in keys.DEFAULT_KEYS.values()
            if s == scope
            for key in keys.split_keys(key_list)
        }
        assert {"j", "k"} <= scope_keys, (screen, scope)
        if scope != "panel-grid":
            assert {"g", "G"} <= scope_keys, (screen, scope)


@pytest.mark.parametrize("screen", sorted(set(keys.SCREEN_SCOPES) - {"Pick lists", "Help and messages"}))
def test_escape_means_back_on_every_screen(screen: str) -> None:
    assert "escape" in screen_keys(screen), screen


def test_no_default_key_is_one_the_terminal_takes() -> None:
    for bid, (_scope, key_list) in keys.DEFAULT_KEYS.items():
        for key in keys.split_keys(key_list):
            assert key.lower() not in keys.RESERVED_KEYS, (bid, key)
