"""A Grafana dashboard's JSON → a dashboard file of the app, and the panels it could not take.

Pure: the caller reads the file and writes the result. What is imported:

* panels of kind ``timeseries``/``graph`` (→ ``sparkline``) and ``stat``/``gauge``/``bargauge``/
  ``singlestat`` (→ ``stat``), whether top level, nested in a collapsed row (``panels[].panels``)
  or in the legacy top-level ``rows[].panels`` layout. A row is a container, not a panel: it is
  neither imported nor counted;
* each visible Prometheus target's ``expr`` and ``legendFormat`` (``__auto`` and empty → no
  legend), the unit (:mod:`oncall_tui.domain.grafana_units`), decimals, thresholds (only where
  Grafana shows them: on stat-like panels unless their colour mode hides them, on time series
  when drawn or used as colours), the panel's relative time (``timeFrom``) as its window;
* template variables and ``$__…`` variables as :mod:`oncall_tui.domain.grafana_templating`
  describes; the dashboard's ``time.from`` (``now-6h``) as its window and ``refresh``.

A panel is skipped, with the reason, when its kind is not one of those, when its data source is
not Prometheus (Loki, Elasticsearch, TestData, …; see :mod:`oncall_tui.domain.grafana_sources`;
under ``-- Mixed --`` per target, the others dropped with a note),
when it is a library panel (its queries are not in the file) or when no visible query is left.
A data source the file does not describe (a bare name, or none) is taken to be Prometheus when
the target has an ``expr``: that is Grafana's default data source in the dashboards people share.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from oncall_tui.config.dashboards import Dashboard, Panel, Variable
from oncall_tui.domain.durations import parse_duration
from oncall_tui.domain.grafana_sources import MIXED, PROMETHEUS_TYPES, DataSources, data_sources
from oncall_tui.domain.grafana_templating import Intervals, Substitution, convert_variables, substitute
from oncall_tui.domain.grafana_units import (
    map_unit,
    scale_expr,
    thresholds_from_legacy_graph,
    thresholds_from_singlestat,
    thresholds_from_steps,
)
from oncall_tui.errors import OncallError

SPARKLINE_KINDS = frozenset({"timeseries", "graph"})
"""Grafana panel types imported as ``sparkline`` panels."""
STAT_KINDS = frozenset({"stat", "gauge", "bargauge", "singlestat"})
"""Grafana panel types imported as ``stat`` panels."""
DEFAULT_WINDOW = "1h"
"""The dashboard window when the Grafana file has no usable ``time.from``."""

_DURATION = re.compile(r"(\d+)([smhdwMy])")
_DURATION_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 30 * 86400, "y": 365 * 86400}


class GrafanaImportError(OncallError):
    """The input is not a Grafana dashboard (not JSON, or JSON without panels or rows)."""

    title = "Grafana import"


@dataclass(frozen=True, slots=True)
class SkippedPanel:
    """A Grafana panel the import left out."""

    title: str
    """The panel's title (``panel <id>`` when it has none)."""
    kind: str
    """The Grafana panel type."""
    reason: str
    """Why it was left out, one line."""


@dataclass(frozen=True, slots=True)
class Note:
    """Something the import changed on the way (a unit, a variable, a dropped query)."""

    message: str
    """What changed, one line."""
    panel: str | None = None
    """Title of the panel it concerns; None for the whole dashboard."""

    def __str__(self) -> str:
        return f"{self.panel}: {self.message}" if self.panel else self.message


@dataclass(frozen=True, slots=True)
class GrafanaImport:
    """The result of one import."""

    dashboard: Dashboard | None
    """The dashboard file; None when no panel could be imported (a dashboard needs one)."""
    skipped: tuple[SkippedPanel, ...]
    """Panels left out, in the Grafana file's order."""
    notes: tuple[Note, ...]
    """What the import changed on the way (units, variables, dropped queries)."""
    total_panels: int
    """Panels in the Grafana file (rows not counted)."""

    @property
    def imported(self) -> int:
        """Panels in the dashboard file."""
        return len(self.dashboard.panels) if self.dashboard is not None else 0


_PANEL = TypeAdapter[Panel](Panel)


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])


def _validated_panel(data: dict[str, Any], notes: list[Note]) -> Panel | str:
    """The panel model, thresholds dropped (with a note) if they are the only problem; else the error."""
    try:
        return _PANEL.validate_python(data)
    except ValidationError as exc:
        if "thresholds" not in data:
            return _first_error(exc)
        first = _first_error(exc)
    try:
        panel = _PANEL.validate_python({k: v for k, v in data.items() if k != "thresholds"})
    except ValidationError as exc:
        return _first_error(exc)
    notes.append(Note(f"thresholds dropped ({first})", data["title"]))
    return panel


def parse_grafana_json(text: str | bytes, source: str = "input") -> object:
    """Decode a Grafana file's text; :class:`GrafanaImportError` naming ``source`` when it is not JSON."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise GrafanaImportError(f"{source}: not a Grafana dashboard: not JSON ({exc})") from None


def unwrap(document: object, source: str = "input") -> dict[str, Any]:
    """The dashboard object itself: unwraps ``{"dashboard": {...}}`` (API exports and provisioning)."""
    if isinstance(document, dict) and isinstance(document.get("dashboard"), dict):
        document = document["dashboard"]
    if not isinstance(document, dict):
        raise GrafanaImportError(f"{source}: not a Grafana dashboard: expected a JSON object")
    panels = document.get("panels")
    rows = document.get("rows")
    if not isinstance(panels, list) and not isinstance(rows, list):
        raise GrafanaImportError(f'{source}: not a Grafana dashboard: no "panels" or "rows"')
    return document


def grafana_window(value: object) -> str | None:
    """``now-6h`` (a Grafana relative time) or ``6h`` → the app's duration text; None if not one."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith("now-"):
        text = text[4:]
    text = text.split("/", 1)[0]  # "now-1d/d" rounds to the day; the span is what matters here
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    seconds = sum(int(n) * _DURATION_SECONDS[u] for n, u in parts)
    if seconds <= 0 or seconds > 400 * 86400:
        return None
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _title(panel: dict[str, Any]) -> str:
    title = panel.get("title")
    if isinstance(title, str) and title.strip():
        return " ".join(title.split())
    panel_id = panel.get("id")
    if isinstance(panel_id, int) and not isinstance(panel_id, bool):
        return f"panel {panel_id}"
    return "untitled panel"


def _walk(items: object) -> list[dict[str, Any]]:
    """Every non-row panel, in file order, rows' nested panels included."""
    found: list[dict[str, Any]] = []
    if not isinstance(items, list):
        return found
    for panel in items:
        if not isinstance(panel, dict):
            continue
        if panel.get("type") == "row":
            found.extend(_walk(panel.get("panels")))
        else:
            found.append(panel)
            # Some generators nest panels under a non-row panel; Grafana ignores them, so do we.
    return found


def _legacy_rows(rows: object) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(rows, list):
        for row in rows:
            if isinstance(row, dict):
                found.extend(_walk(row.get("panels")))
    return found


@dataclass(slots=True)
class _Context:
    sources: DataSources
    substitution: Substitution
    window: str
    notes: list[Note] = field(default_factory=list)


def _decimals(panel: dict[str, Any], defaults: dict[str, Any]) -> int | None:
    for value in (defaults.get("decimals"), panel.get("decimals")):
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10:
            return value
        if isinstance(value, float) and value.is_integer() and 0 <= value <= 10:
            return int(value)
    return None


def _grafana_unit(panel: dict[str, Any], defaults: dict[str, Any]) -> object:
    unit = defaults.get("unit")
    if unit not in (None, ""):
        return unit
    yaxes = panel.get("yaxes")
    if isinstance(yaxes, list) and yaxes and isinstance(yaxes[0], dict):
        return yaxes[0].get("format")
    return panel.get("format")


def _thresholds_shown(panel: dict[str, Any], defaults: dict[str, Any]) -> bool:
    """Whether Grafana shows the panel's thresholds at all; Grafana's default ``green, red 80``
    sits in nearly every panel, and importing it where it colours nothing would invent alarms."""
    kind = panel.get("type")
    colour = defaults.get("color")
    by_thresholds = not isinstance(colour, dict) or colour.get("mode", "thresholds") == "thresholds"
    options = panel.get("options")
    options = options if isinstance(options, dict) else {}
    if kind == "timeseries":
        custom = defaults.get("custom")
        style = custom.get("thresholdsStyle") if isinstance(custom, dict) else None
        mode = style.get("mode") if isinstance(style, dict) else None
        drawn = isinstance(mode, str) and mode != "off"
        return drawn or (isinstance(colour, dict) and colour.get("mode") == "thresholds")
    if kind == "stat":
        return options.get("colorMode") != "none" and by_thresholds
    if kind == "gauge":
        return by_thresholds or options.get("showThresholdMarkers") is not False
    return kind in STAT_KINDS and by_thresholds


def _thresholds(panel: dict[str, Any], defaults: dict[str, Any], scale: float) -> dict[str, Any] | None:
    kind = panel.get("type")
    config = defaults.get("thresholds")
    if isinstance(config, dict):
        shown = _thresholds_shown(panel, defaults)
        if shown and config.get("mode", "absolute") == "absolute":
            return thresholds_from_steps(config.get("steps"), scale)
        if shown and config.get("mode") == "percentage":
            return _percentage_thresholds(config.get("steps"), defaults, scale)
        return None
    if kind == "graph":
        return thresholds_from_legacy_graph(panel.get("thresholds"), scale)
    if kind == "singlestat":
        return thresholds_from_singlestat(panel.get("thresholds"), panel.get("colors"), scale)
    return None


def _percentage_thresholds(steps: object, defaults: dict[str, Any], scale: float) -> dict[str, Any] | None:
    """Percentage thresholds are a share of min..max; only usable when the panel fixes both."""
    low, high = defaults.get("min"), defaults.get("max")
    if not all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (low, high)
    ):
        if defaults.get("unit") == "percent":
            low, high = 0, 100
        elif defaults.get("unit") == "percentunit":
            low, high = 0, 1
        else:
            return None
    assert isinstance(low, int | float) and isinstance(high, int | float)
    if not isinstance(steps, list):
        return None
    absolute = []
    for step in steps:
        if isinstance(step, dict):
            value = step.get("value")
            if isinstance(value, int | float) and not isinstance(value, bool):
                step = {**step, "value": low + (high - low) * value / 100}
            absolute.append(step)
    return thresholds_from_steps(absolute, scale)


def _panel(panel: dict[str, Any], ctx: _Context) -> dict[str, Any] | SkippedPanel:
    title = _title(panel)
    kind = panel.get("type")
    kind_text = kind if isinstance(kind, str) and kind else "unknown"
    if "libraryPanel" in panel and not isinstance(panel.get("targets"), list):
        return SkippedPanel(title, kind_text, "library panel: its queries live in Grafana, not in this file")
    if kind_text not in SPARKLINE_KINDS and kind_text not in STAT_KINDS:
        return SkippedPanel(title, kind_text, f"panel kind {kind_text!r} is not supported")
    targets = panel.get("targets")
    if not isinstance(targets, list) or not targets:
        return SkippedPanel(title, kind_text, "no queries")
    panel_source = ctx.sources.kind(panel.get("datasource"))
    foreign: list[str] = []
    exprs: list[tuple[str, str | None]] = []
    hidden = 0
    for target in targets:
        if not isinstance(target, dict):
            continue
        # Under "-- Mixed --" (or no panel data source) each target names its own.
        source = (
            panel_source if panel_source not in (None, MIXED) else ctx.sources.kind(target.get("datasource"))
        )
        source = None if source == MIXED else source
        expr = target.get("expr")
        if source is not None and source not in PROMETHEUS_TYPES:
            foreign.append(source)
            continue
        if not isinstance(expr, str):
            # A target without "expr" belongs to a data source that is not PromQL (TestData, SQL, …).
            foreign.append(source or "unknown")
            continue
        if not expr.strip():
            continue
        if target.get("hide") is True:
            hidden += 1
            continue
        legend = target.get("legendFormat")
        exprs.append((expr.strip(), legend if isinstance(legend, str) else None))
    if not exprs:
        if foreign:
            names = ", ".join(sorted(set(foreign)))
            return SkippedPanel(title, kind_text, f"data source is not Prometheus ({names})")
        if hidden:
            return SkippedPanel(title, kind_text, "every query is hidden")
        return SkippedPanel(title, kind_text, "no queries")
    if foreign:
        plural = "query" if len(foreign) == 1 else "queries"
        ctx.notes.append(Note(f"{len(foreign)} non-Prometheus {plural} dropped", title))
    return _build_panel(panel, title, kind, exprs, ctx)


_LAST_VALUE_CALCS = frozenset({"last", "lastNotNull"})


def _lost_behaviour(panel: dict[str, Any], kind: str) -> list[str]:
    """What Grafana does with the panel that the app will not: repeats, transformations, reductions."""
    lost = []
    repeat = panel.get("repeat")
    if isinstance(repeat, str) and repeat:
        lost.append(f"repeated per ${repeat} value in Grafana; one panel here")
    transformations = panel.get("transformations")
    if isinstance(transformations, list) and transformations:
        lost.append(f"{len(transformations)} Grafana transformation(s) dropped")
    options = panel.get("options")
    reduce = options.get("reduceOptions") if isinstance(options, dict) else None
    calcs = reduce.get("calcs") if isinstance(reduce, dict) else None
    first = calcs[0] if isinstance(calcs, list) and calcs else None
    if kind == "stat" and isinstance(first, str) and first not in _LAST_VALUE_CALCS:
        lost.append(f"Grafana shows the {first} of the range; the app shows the current value")
    return lost


def _build_panel(
    panel: dict[str, Any], title: str, kind: object, exprs: list[tuple[str, str | None]], ctx: _Context
) -> dict[str, Any]:
    field_config = panel.get("fieldConfig")
    defaults = field_config.get("defaults") if isinstance(field_config, dict) else None
    if not isinstance(defaults, dict):
        defaults = {}
    window = grafana_window(panel.get("timeFrom"))
    panel_window = window or ctx.window
    out: dict[str, Any] = {"title": title, "kind": "sparkline" if kind in SPARKLINE_KINDS else "stat"}
    ctx.notes.extend(Note(message, title) for message in _lost_behaviour(panel, out["kind"]))
    choice = map_unit(_grafana_unit(panel, defaults))
    scale = 1.0
    if choice is not None:
        out["unit"] = choice.unit
        scale = choice.scale
        if choice.note:
            ctx.notes.append(Note(choice.note, title))
    decimals = _decimals(panel, defaults)
    if decimals is not None:
        out["decimals"] = decimals
    if window is not None:
        out["window"] = window
    thresholds = _thresholds(panel, defaults, scale)
    if thresholds is not None:
        out["thresholds"] = thresholds
    queries = []
    for expr, legend in exprs:
        query: dict[str, Any] = {"expr": scale_expr(substitute(expr, ctx.substitution, panel_window), scale)}
        if legend is not None and legend.strip() and legend.strip() != "__auto":
            query["legend"] = substitute(legend.strip(), ctx.substitution, panel_window)
        queries.append(query)
    out["queries"] = queries
    return out


def import_dashboard(
    document: object, *, intervals: Intervals | None = None, source: str = "input"
) -> GrafanaImport:
    """Convert a decoded Grafana dashboard (or an export wrapping one) into a dashboard file.

    Raises :class:`GrafanaImportError` (naming ``source``) when ``document`` is not a dashboard;
    anything else that is odd in the file is skipped or noted, never raised.
    """
    try:
        return _import(_clean(document), intervals or Intervals(), source)
    except RecursionError:
        raise GrafanaImportError(f"{source}: not a Grafana dashboard: nested too deeply") from None


def _clean(value: object) -> object:
    """``value`` with lone surrogates (JSON may spell ``"\\ud800"``) replaced: no file could hold them."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _import(document: object, intervals: Intervals, source: str) -> GrafanaImport:
    dashboard = unwrap(document, source)
    raw_title = dashboard.get("title")
    title = (
        " ".join(raw_title.split())
        if isinstance(raw_title, str) and raw_title.strip()
        else "Imported dashboard"
    )
    time = dashboard.get("time")
    window = grafana_window(time.get("from")) if isinstance(time, dict) else None
    notes: list[Note] = []
    if isinstance(time, dict) and time.get("from") is not None and window is None:
        notes.append(Note(f"time range {time.get('from')!r} is not relative to now; window {DEFAULT_WINDOW}"))
    variables = convert_variables(dashboard.get("templating"), title, intervals)
    notes.extend(Note(text) for text in variables.notes)
    unknown: set[str] = set()
    substitution = Substitution(
        {v["name"] for v in variables.variables}, variables.constants, intervals, title, unknown
    )
    ctx = _Context(data_sources(dashboard, document), substitution, window or DEFAULT_WINDOW)
    candidates = _walk(dashboard.get("panels")) + _legacy_rows(dashboard.get("rows"))
    panels: list[Panel] = []
    skipped: list[SkippedPanel] = []
    for candidate in candidates:
        outcome = _panel(candidate, ctx)
        if isinstance(outcome, SkippedPanel):
            skipped.append(outcome)
            continue
        panel = _validated_panel(outcome, ctx.notes)
        if isinstance(panel, str):
            kind = candidate.get("type")
            skipped.append(SkippedPanel(outcome["title"], str(kind), f"not convertible: {panel}"))
        else:
            panels.append(panel)
    notes.extend(ctx.notes)
    for name in sorted(unknown):
        notes.append(Note(f"queries use ${name}, which the dashboard does not define; left as written"))
    declared: list[Variable] = []
    for entry in variables.variables:
        try:
            declared.append(Variable.model_validate(entry))
        except ValidationError as exc:
            notes.append(Note(f"variable ${entry['name']} dropped: {_first_error(exc)}"))
    result: Dashboard | None = None
    if panels:
        result = Dashboard(
            title=title,
            window=parse_duration(window or DEFAULT_WINDOW),
            refresh=parse_duration(refresh)
            if (refresh := grafana_window(dashboard.get("refresh")))
            else None,
            variables=declared,
            panels=panels,
        )
    return GrafanaImport(result, tuple(skipped), tuple(notes), len(candidates))


def file_data(dashboard: Dashboard) -> dict[str, Any]:
    """The dashboard as a file holds it: plain JSON types, defaults left out, durations as ``5m``."""
    return dashboard.model_dump(mode="json", exclude_defaults=True)
