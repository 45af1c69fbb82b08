"""Binding ids, their default keys and the screens they act on: the headless side of the keymap.

``config check`` and app start validate ``[keymap]`` without importing Textual, so the ids and
default keys of ``oncall_tui/ui/bindings.py`` are listed here too; a unit test
(tests/unit/test_keys.py) fails when the two tables differ, naming the binding. Key names
follow Textual's: ``ctrl+p``, ``question_mark``, ``f5``, ``A``.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Mapping

DEFAULT_KEYS: dict[str, tuple[str, str]] = {
    "show-alerts": ("app", "A"),
    "show-metrics": ("app", "M"),
    "show-silences": ("app", "L"),
    "show-sources": ("app", "S"),
    "show-traces": ("app", "T"),
    "show-incidents": ("app", "I"),
    "refresh-now": ("app", "r,ctrl+r"),
    "command-line": ("app", "colon"),
    "help": ("app", "question_mark"),
    "palette": ("app", "ctrl+p"),
    "quit": ("app", "q"),
    "alerts-filter": ("alerts", "slash"),
    "alerts-detail": ("alerts", "enter"),
    "alerts-select": ("alerts", "space"),
    "alerts-ack": ("alerts", "a"),
    "alerts-unack": ("alerts", "u"),
    "alerts-escalate": ("alerts", "e"),
    "alerts-metrics": ("alerts", "m"),
    "alerts-exemplar-trace": ("alerts", "x"),
    "alerts-exemplar-list": ("alerts", "X"),
    "alerts-suppressed": ("alerts", "t"),
    "alerts-new-silence": ("alerts", "n"),
    "alerts-group-by": ("alerts", "b"),
    "alerts-runbook": ("alerts", "r"),
    "alerts-copy": ("alerts", "y"),
    "alerts-traces": ("alerts", "T"),
    "alerts-next": ("alerts", "tab"),
    "alerts-clear": ("alerts", "escape"),
    "alerts-up": ("alert-table", "up,k"),
    "alerts-down": ("alert-table", "down,j"),
    "alerts-page-up": ("alert-table", "pageup"),
    "alerts-page-down": ("alert-table", "pagedown"),
    "alerts-first": ("alert-table", "home,ctrl+home,g"),
    "alerts-last": ("alert-table", "end,ctrl+end,G"),
    "alerts-open": ("alert-table", "enter"),
    "silences-filter": ("silences", "slash"),
    "silences-new": ("silences", "n"),
    "silences-expire": ("silences", "x"),
    "silences-extend": ("silences", "plus,E"),
    "silences-expired": ("silences", "t"),
    "silences-copy": ("silences", "y"),
    "silences-back": ("silences", "escape"),
    "sources-next": ("sources", "tab"),
    "sources-copy": ("sources", "y"),
    "sources-back": ("sources", "escape"),
    "trace-up": ("trace", "up,k"),
    "trace-down": ("trace", "down,j"),
    "trace-page-up": ("trace", "pageup"),
    "trace-page-down": ("trace", "pagedown"),
    "trace-first": ("trace", "home,g"),
    "trace-last": ("trace", "end,G"),
    "trace-fold": ("trace", "space"),
    "trace-collapse": ("trace", "left,h"),
    "trace-expand": ("trace", "right,l"),
    "trace-detail": ("trace", "enter,d"),
    "trace-find": ("trace", "slash"),
    "trace-next": ("trace", "n"),
    "trace-previous": ("trace", "N"),
    "trace-parent": ("trace", "p"),
    "trace-zoom": ("trace", "z"),
    "trace-unzoom": ("trace", "Z"),
    "trace-copy": ("trace", "y"),
    "trace-depth-1": ("trace", "1"),
    "trace-depth-2": ("trace", "2"),
    "trace-depth-3": ("trace", "3"),
    "trace-depth-4": ("trace", "4"),
    "trace-depth-5": ("trace", "5"),
    "trace-depth-6": ("trace", "6"),
    "trace-depth-7": ("trace", "7"),
    "trace-depth-8": ("trace", "8"),
    "trace-depth-9": ("trace", "9"),
    "trace-expand-all": ("trace", "0"),
    "trace-previous-trace": ("trace", "left_square_bracket"),
    "trace-next-trace": ("trace", "right_square_bracket"),
    "trace-back": ("trace", "escape"),
    "traces-search": ("trace-search", "ctrl+r"),
    "traces-form": ("trace-search", "slash"),
    "traces-sort-time": ("trace-search", "t"),
    "traces-sort-duration": ("trace-search", "u"),
    "traces-sort-spans": ("trace-search", "s"),
    "traces-sort-errors": ("trace-search", "e"),
    "traces-back": ("trace-search", "escape"),
    "runbook-done": ("runbook", "d"),
    "runbook-skip": ("runbook", "s"),
    "runbook-note": ("runbook", "n"),
    "runbook-copy": ("runbook", "y"),
    "runbook-run": ("runbook", "x"),
    "runbook-next-command": ("runbook", "tab"),
    "runbook-next": ("runbook", "right,l,right_square_bracket"),
    "runbook-previous": ("runbook", "left,h,left_square_bracket"),
    "runbook-back": ("runbook", "escape"),
    "incidents-open": ("incidents", "enter"),
    "incidents-filter": ("incidents", "slash"),
    "incidents-new": ("incidents", "N"),
    "incidents-copy": ("incidents", "y"),
    "incidents-back": ("incidents", "escape"),
    "incident-note": ("incident", "n"),
    "incident-status": ("incident", "s"),
    "incident-owner": ("incident", "o"),
    "incident-fields": ("incident", "e"),
    "incident-item": ("incident", "i"),
    "incident-item-done": ("incident", "d"),
    "incident-link": ("incident", "l"),
    "incident-unlink": ("incident", "u"),
    "incident-export": ("incident", "x"),
    "incident-copy": ("incident", "y"),
    "incident-runbook": ("incident", "r"),
    "incident-next": ("incident", "tab"),
    "incident-back": ("incident", "escape"),
    "report-back": ("report", "escape"),
    "metrics-previous-dashboard": ("metrics", "left_square_bracket"),
    "metrics-next-dashboard": ("metrics", "right_square_bracket"),
    "metrics-dashboards": ("metrics", "d"),
    "metrics-variables": ("metrics", "v"),
    "metrics-copy": ("metrics", "y"),
    "metrics-refresh": ("metrics", "r,ctrl+r"),
    "metrics-back": ("metrics", "escape"),
    "metrics-next-panel": ("panel-grid", "tab,right,l"),
    "metrics-previous-panel": ("panel-grid", "shift+tab,left,h"),
    "metrics-panel-below": ("panel-grid", "down,j"),
    "metrics-panel-above": ("panel-grid", "up,k"),
    "metrics-first-panel": ("panel-grid", "home,g"),
    "metrics-last-panel": ("panel-grid", "end,G"),
    "metrics-drill-down": ("panel-grid", "enter"),
    "drilldown-5m": ("drilldown", "1"),
    "drilldown-15m": ("drilldown", "2"),
    "drilldown-1h": ("drilldown", "3"),
    "drilldown-6h": ("drilldown", "4"),
    "drilldown-24h": ("drilldown", "5"),
    "drilldown-7d": ("drilldown", "6"),
    "drilldown-range": ("drilldown", "t"),
    "drilldown-baseline": ("drilldown", "b"),
    "drilldown-filter": ("drilldown", "slash"),
    "drilldown-copy": ("drilldown", "y"),
    "drilldown-exemplars": ("drilldown", "x"),
    "drilldown-back": ("drilldown", "escape"),
    "table-up": ("table", "up,k"),
    "table-down": ("table", "down,j"),
    "table-page-up": ("table", "pageup"),
    "table-page-down": ("table", "pagedown"),
    "table-first": ("table", "home,ctrl+home,g"),
    "table-last": ("table", "end,ctrl+end,G"),
    "pick-up": ("pick-list", "up,k"),
    "pick-down": ("pick-list", "down,j"),
    "pick-first": ("pick-list", "home,g"),
    "pick-last": ("pick-list", "end,G"),
    "scroll-up": ("scroll", "up,k"),
    "scroll-down": ("scroll", "down,j"),
    "scroll-top": ("scroll", "home,g"),
    "scroll-bottom": ("scroll", "end,G"),
}
"""Binding id -> (scope, Textual key list as in the Binding: comma-separated)."""

SCREEN_SCOPES: dict[str, tuple[str, ...]] = {
    "Alerts": ("app", "alerts", "alert-table", "scroll"),
    "Silences": ("app", "silences", "table"),
    "Sources": ("app", "sources", "table"),
    "Traces": ("app", "trace-search", "table"),
    "Trace": ("app", "trace"),
    "Runbook": ("app", "runbook"),
    "Incidents": ("app", "incidents", "table"),
    "Incident": ("app", "incident", "table"),
    "Report": ("app", "report", "scroll"),
    "Metrics": ("app", "metrics", "panel-grid"),
    "Drill-down": ("app", "drilldown"),
    # Modals: their own keys are not in this table; the app's stay live under them.
    "Pick lists": ("app", "pick-list"),
    "Help and messages": ("app", "scroll"),
}
"""Which scopes' bindings are live together on each screen (where one key must mean one thing)."""

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
"""Modifier names Textual understands in a key."""

NAMED_KEYS = frozenset(
    {
        "backspace",
        "delete",
        "down",
        "end",
        "enter",
        "escape",
        "home",
        "insert",
        "left",
        "pagedown",
        "pageup",
        "return",
        "right",
        "space",
        "tab",
        "up",
        "newline",
    }
    | {f"f{n}" for n in range(1, 25)}
)
"""Keys with a name rather than a character."""

RESERVED_KEYS: dict[str, str] = {
    "ctrl+s": "the terminal's flow control (XOFF) takes it",
    "ctrl+q": "the terminal's flow control (XON) takes it",
    "ctrl+z": "the shell takes it to suspend the app",
    "ctrl+b": "tmux takes it as its prefix",
    "ctrl+backslash": "the terminal sends SIGQUIT for it",
}
"""Keys a terminal, shell or tmux takes before the app sees them."""

# Textual's names of punctuation (``_character_to_key``): the Unicode name in lower snake case,
# with a few shortened.
_REPLACEMENTS = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}
CHARACTER_KEYS = frozenset(
    _REPLACEMENTS.get(name, name)
    for name in (unicodedata.name(c).lower().replace("-", "_").replace(" ", "_") for c in string.punctuation)
)
"""Names of the punctuation keys (``question_mark``, ``slash``, ``left_square_bracket`` …)."""


def key_problem(key: str) -> str | None:
    """Why ``key`` (one key, e.g. ``ctrl+shift+f5``) can never be pressed, or None when it can."""
    parts = key.strip().split("+")
    *modifiers, base = parts
    if not base:
        return f"{key!r} has no key after its modifiers"
    unknown = [m for m in modifiers if m.lower() not in MODIFIERS]
    if unknown:
        return f"{key!r}: {unknown[0]!r} is not a modifier (expected ctrl, shift, alt, meta, super)"
    if len(base) == 1 and base.isprintable() and not base.isspace():
        return None
    if base.lower() in NAMED_KEYS or base.lower() in CHARACTER_KEYS:
        return None
    return f"{key!r}: {base!r} is not a key name (e.g. a, F, f5, enter, space, question_mark)"


def split_keys(keys: str) -> list[str]:
    """A Textual key list (``"up,k"``) as its keys."""
    return [k.strip() for k in keys.split(",") if k.strip()]


def keymap_problems(keymap: Mapping[str, object], where: str) -> list[str]:
    """Every problem of a ``[keymap]`` table: unknown ids, impossible or reserved keys, clashes.

    ``where`` prefixes each line (the file or env var). A clash is a key that the keymap gives to
    a binding while another binding live on the same screen keeps it.
    """
    problems: list[str] = []
    effective = {bid: split_keys(keys) for bid, (_scope, keys) in DEFAULT_KEYS.items()}
    changed: dict[str, list[str]] = {}
    for bid, value in keymap.items():
        field = f"{where}: keymap.{bid}"
        if bid not in DEFAULT_KEYS:
            problems.append(f"{field}: no binding with this id (press ? in the app for the ids)")
            continue
        if not isinstance(value, str) or not split_keys(value):
            problems.append(f'{field}: expected keys like "f5" or "ctrl+r,f5"')
            continue
        keys = split_keys(value)
        bad = [p for p in (key_problem(k) for k in keys) if p]
        problems.extend(f"{field}: {p}" for p in bad)
        problems.extend(
            f"{field}: {k!r}: {RESERVED_KEYS[k.lower()]}" for k in keys if k.lower() in RESERVED_KEYS
        )
        if not bad:
            effective[bid] = keys
            changed[bid] = keys
    problems.extend(_clashes(effective, changed, where))
    return problems


def _clashes(effective: Mapping[str, list[str]], changed: Mapping[str, list[str]], where: str) -> list[str]:
    problems: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for bid, keys in changed.items():
        scope = DEFAULT_KEYS[bid][0]
        for screen, scopes in SCREEN_SCOPES.items():
            if scope not in scopes:
                continue
            for other, (other_scope, _default) in DEFAULT_KEYS.items():
                if other == bid or other_scope not in scopes:
                    continue
                for key in keys:
                    if key in effective[other] and (bid, key, other) not in seen:
                        seen.add((bid, key, other))
                        problems.append(
                            f"{where}: keymap.{bid}: {key!r} is already {other}'s key ({screen} screen)"
                        )
    return problems
