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
