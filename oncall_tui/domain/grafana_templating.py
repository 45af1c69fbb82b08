"""Grafana template variables → the dashboard file's ``variables``, and ``$var`` rewriting in queries.

Pure helpers for :mod:`oncall_tui.domain.grafana_import`.

What becomes of each Grafana variable type:

* ``query`` with ``label_values(metric_or_selector, label)`` or ``label_values(label)`` → a variable
  with ``label`` (and ``metric``); any other query (``query_result``, ``metrics``, ``label_names``)
  keeps the values saved in the file as a fixed list, else it is dropped with a note;
* ``custom`` (``a,b,c`` or ``text : value`` pairs) and ``interval`` (``1m,5m,1h``) → fixed values;
* ``constant`` → substituted into the queries (it never changes, so no picker);
* ``textbox`` → a one-value list (its default);
* ``datasource`` → dropped: the app queries the context's one Prometheus;
* ``adhoc`` and anything else → dropped with a note.

Grafana's own ``$__rate_interval``, ``$__interval`` and ``$__range`` are kept: the app computes
them per panel from its window and step, as Grafana does from the graph's width. The ones the app
does not know become fixed text: ``$__range_s``/``$__range_ms`` from the panel's window,
``$__interval_ms``/``$__rate_interval_ms`` from :class:`Intervals` (1m and 5m), ``$__auto`` and
interval variables' ``$__auto_interval_x`` → ``$__interval``. A variable written ``[[name]]`` or
``${name:format}`` becomes ``${name}`` (the format is Grafana's business: the app substitutes one
value); ``$name`` stays as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from oncall_tui.config.dashboards import BUILTIN_VARIABLES
from oncall_tui.domain.durations import parse_duration

_VAR_REF = re.compile(
    r"\$(\w+)"  # $name
    r"|\[\[(\w+?)(?::(\w+))?\]\]"  # [[name]] / [[name:format]]
    r"|\$\{(\w+)(?:\.[^:}]+)?(?::[^}]*)?\}"  # ${name} / ${name.field} / ${name:format}
)
"""Grafana's own variable syntax (public/app/features/variables/utils.ts, ``variableRegex``)."""

_NAME = re.compile(r"[A-Za-z_]\w*")
_LABEL_VALUES = re.compile(r"\s*label_values\s*\((.*)\)\s*", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Intervals:
    """Fixed values for the millisecond forms of Grafana's interval variables, which the app lacks."""

    rate_interval: str = "5m"
    """Behind ``$__rate_interval_ms``: a range every ``rate()`` can use with scrape intervals up to 1m."""
    interval: str = "1m"
    """Behind ``$__interval_ms``: about one sparkline step of a 1h window."""


@dataclass(slots=True)
class Substitution:
    """What the queries' variable references are rewritten with."""

    variables: set[str]
    """Names of the variables the dashboard file defines (kept as ``$name``/``${name}``)."""
    constants: dict[str, str]
    """Values substituted for ``constant`` variables."""
    intervals: Intervals
    """Values behind ``$__interval_ms``/``$__rate_interval_ms``."""
    title: str = ""
    """The dashboard title, for ``$__dashboard``."""
    unknown: set[str] | None = None
    """Collects references to variables nobody defines (left as written)."""


def _ms(duration: str) -> str:
    return str(int(parse_duration(duration) / timedelta(milliseconds=1)))


def substitute(text: str, sub: Substitution, window: str) -> str:
    """``text`` with Grafana variable references rewritten for the app (see the module docstring)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(4)
        plain = match.group(1) is not None
        builtin = _builtin(name, sub, window, plain)
        if builtin is not None:
            return builtin
        if name in sub.constants:
            return sub.constants[name]
        if name in sub.variables:
            return match.group(0) if plain else "${" + name + "}"
        if sub.unknown is not None and _NAME.fullmatch(name):
            sub.unknown.add(name)
        return match.group(0)

    return _VAR_REF.sub(replace, text)


_KEPT_BUILTINS = BUILTIN_VARIABLES - {"window"}
"""Grafana's variables that the app substitutes itself (``$window`` is the app's own)."""


def _builtin(name: str, sub: Substitution, window: str, plain: bool) -> str | None:
    if name in _KEPT_BUILTINS:
        return "$" + name if plain else "${" + name + "}"
    if name == "__auto" or name.startswith("__auto_interval"):
        return "$__interval" if plain else "${__interval}"
    if name == "__rate_interval_ms":
        return _ms(sub.intervals.rate_interval)
    if name == "__interval_ms":
        return _ms(sub.intervals.interval)
    if name == "__range_s":
        return str(int(parse_duration(window).total_seconds()))
    if name == "__range_ms":
        return _ms(window)
    if name == "__dashboard":
        return sub.title
    return None


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """``text`` split at ``sep`` outside brackets and quotes (selectors contain commas)."""
    parts: list[str] = []
    depth = 0
    quote: str | None = None
    start = 0
    escaped = False
    for i, ch in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
        elif ch in "\"'`":
            quote = ch
        elif ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth = max(0, depth - 1)
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def parse_label_values(query: str) -> tuple[str | None, str] | None:
    """``label_values(metric, label)`` → ``(metric, label)``; ``label_values(label)`` → ``(None, label)``."""
    match = _LABEL_VALUES.fullmatch(query)
    if not match:
        return None
    parts = split_top_level(match.group(1))
    label = parts[-1].strip()
    if not _NAME.fullmatch(label):
        return None
    metric = ",".join(parts[:-1]).strip() or None
    return metric, label


def _query_text(query: object) -> str:
    if isinstance(query, str):
        return query
    if isinstance(query, dict):
        inner = query.get("query")
        if isinstance(inner, str):
            return inner
    return ""


def _current_value(var: dict[str, Any]) -> str | None:
    current = var.get("current")
    if isinstance(current, dict):
        value = current.get("value")
        if isinstance(value, list):
            value = value[0] if len(value) == 1 else None
        if isinstance(value, str) and value and not value.startswith("$__"):
            return value
    return None


def _saved_values(var: dict[str, Any]) -> list[str]:
    values: list[str] = []
    options = var.get("options")
    if isinstance(options, list):
        for option in options:
            if isinstance(option, dict):
                value = option.get("value")
                if isinstance(value, str) and value and not value.startswith("$__") and value not in values:
                    values.append(value)
    current = _current_value(var)
    if not values and current is not None:
        values.append(current)
    return values


def _custom_values(query: str) -> list[str]:
    values: list[str] = []
    # Grafana splits a custom variable at unescaped commas; "text : value" pairs keep the value.
    for raw in re.split(r"(?<!\\),", query):
        item = raw.replace("\\,", ",").strip()
        if " : " in item:
            item = item.split(" : ", 1)[1].strip()
        if item and item not in values:
            values.append(item)
    return values


@dataclass(slots=True)
class VariablesResult:
    """The dashboard file's variables and what else the import learned from Grafana's ``templating``."""

    variables: list[dict[str, Any]]
    """Entries of the file's ``variables`` list."""
    constants: dict[str, str]
    """``constant`` variables, substituted into queries."""
    notes: list[str]
    """One line per variable that was changed or dropped."""


def convert_variables(templating: object, sub_title: str, intervals: Intervals) -> VariablesResult:
    """Grafana ``templating.list`` → :class:`VariablesResult` (see the module docstring)."""
    result = VariablesResult([], {}, [])
    items = templating.get("list") if isinstance(templating, dict) else None
    if not isinstance(items, list):
        return result
    seen: set[str] = set()
    pending: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for var in items:
        if not isinstance(var, dict):
            continue
        name = var.get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name) or name.startswith("__") or name in seen:
            continue
        seen.add(name)
        if name in BUILTIN_VARIABLES:
            result.notes.append(f"variable ${name} dropped: the app sets ${name} itself (the panel window)")
            continue
        kind = var.get("type")
        query = _query_text(var.get("query"))
        if kind == "datasource":
            result.notes.append(f"variable ${name} (data source) dropped: the app queries one Prometheus")
            continue
        if kind == "constant":
            result.constants[name] = query.strip()
            continue
        entry: dict[str, Any] = {"name": name}
        if kind == "query":
            parsed = parse_label_values(query)
            if parsed is not None:
                metric, label = parsed
                entry["label"] = label
                if metric is not None:
                    entry["metric"] = metric
            else:
                values = _saved_values(var)
                if not values:
                    result.notes.append(
                        f"variable ${name} dropped: {query.strip()[:60]!r} is not label_values()"
                    )
                    continue
                entry["values"] = values
                result.notes.append(f"variable ${name}: {query.strip()[:60]!r} replaced by its saved values")
        elif kind in ("custom", "interval"):
            values = _custom_values(query) or _saved_values(var)
            if not values:
                result.notes.append(f"variable ${name} dropped: no values")
                continue
            entry["values"] = values
            if kind == "interval" and var.get("auto"):
                result.notes.append(f"variable ${name}: the auto option is dropped")
        elif kind == "textbox":
            value = query.strip() or _current_value(var)
            if not value:
                result.notes.append(f"variable ${name} (text box) dropped: no default value")
                continue
            entry["values"] = [value]
            result.notes.append(f"variable ${name} (text box) kept as the one value {value!r}")
        else:
            result.notes.append(f"variable ${name} ({kind}) dropped: the app has no equivalent")
            continue
        pending.append((entry, var))
    names = {entry["name"] for entry, _ in pending}
    sub = Substitution(names, result.constants, intervals, sub_title)
    for entry, var in pending:
        name = entry["name"]
        if "metric" in entry:
            entry["metric"] = substitute(entry["metric"], sub, "1h")
        current = _current_value(var)
        if current is not None and ("values" not in entry or current in entry["values"]):
            entry["default"] = current
        if var.get("includeAll") is True:
            entry["include_all"] = True
            all_value = var.get("allValue")
            if isinstance(all_value, str) and all_value.strip() not in ("", ".*"):
                result.notes.append(f"variable ${name}: custom All value {all_value!r} replaced by '.*'")
        if var.get("multi") is True:
            result.notes.append(f"variable ${name}: multi-value; the app picks one value at a time")
        regex = var.get("regex")
        if isinstance(regex, str) and regex.strip():
            result.notes.append(f"variable ${name}: value filter {regex!r} dropped")
        result.variables.append(entry)
    return result
