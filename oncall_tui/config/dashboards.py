"""Pydantic models of dashboards-as-code: ``<config dir>/dashboards/*.toml|*.yaml|*.yml``.

One dashboard per file. Unknown keys are rejected (``extra="forbid"``) so a typo is an
error, not a silently ignored setting. The same models describe the built-in and the
discovered (zero-config) dashboards, and they are what the Grafana importer emits.

Example (TOML)::

    title = "Checkout — RED"
    window = "1h"

    [[variables]]
    name = "service"
    label = "service"
    metric = "http_requests_total"
    default = "checkout"

    [[panels]]
    title = "Request rate"
    unit = "reqps"
    thresholds = { warning = 50, critical = 100 }
    [[panels.queries]]
    expr = 'sum by (service) (rate(http_requests_total{service="$service"}[5m]))'
    legend = "{{service}}"

    [[panels]]
    title = "Latency"
    kind = "percentiles"
    histogram = "http_request_duration_seconds"
    selector = '{service="$service"}'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from oncall_tui.config.alerting import Duration

UnitName = Literal[
    "none",
    "short",
    "percent",
    "percentunit",
    "ratio",
    "seconds",
    "ms",
    "us",
    "ns",
    "bytes",
    "bits",
    "bytes_per_second",
    "bits_per_second",
    "reqps",
    "ops",
]
"""Units a panel value is formatted in (see :mod:`oncall_tui.domain.units` for what each one means)."""

HistogramType = Literal["auto", "classic", "native"]
"""Which histogram series a panel reads: ``_bucket`` series, native histograms, or ``auto`` (either)."""

PanelKind = Literal["sparkline", "stat", "percentiles", "apdex", "slo"]
"""What a panel shows; ``sparkline`` when a file leaves ``kind`` out."""

BUILTIN_VARIABLES = frozenset({"window", "__range", "__interval", "__rate_interval"})
"""``$names`` substituted by the app itself (panel window, step, rate window); never declared."""

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# ``$name`` or ``${name}``; a ``$`` that ends a regex (``"api$"``) is not followed by a word.
_VARIABLE_USE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def variable_uses(expr: str) -> Iterator[str]:
    """Names of the ``$name`` / ``${name}`` variables an expression uses, in order."""
    for match in _VARIABLE_USE.finditer(expr):
        yield match.group(1) or match.group(2)


class Thresholds(_Strict):
    """When a panel's current value turns warning or critical."""

    warning: float | None = None
    """Value at which the panel turns warning; unset = no warning state."""
    critical: float | None = None
    """Value at which the panel turns critical; unset = no critical state."""
    direction: Literal["above", "below"] = "above"
    """``above``: high values are bad (latency, errors); ``below``: low values are bad (Apdex, free space)."""

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.warning is None and self.critical is None:
            raise ValueError("expected warning, critical or both")
        if self.warning is not None and self.critical is not None:
            if self.direction == "above" and self.warning > self.critical:
                raise ValueError("warning must not be above critical when direction is 'above'")
            if self.direction == "below" and self.warning < self.critical:
                raise ValueError("warning must not be below critical when direction is 'below'")
        return self


class Variable(_Strict):
    """A dashboard variable, chosen on screen and substituted as ``$name`` / ``${name}``."""

    name: str
    """Name used in expressions (``$service``)."""
    label: str | None = None
    """Take the choices from the values of this label (Grafana's ``label_values``)."""
    metric: str | None = None
    """Only label values of series matching this metric name or selector; unset = any series."""
    values: list[str] | None = None
    """A fixed list of choices instead of label values."""
    default: str | None = None
    """Choice selected at first; the first value when unset."""
    include_all: bool = False
    """Offer "All", substituted as ``.*`` (use the variable with ``=~``)."""

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not _VARIABLE_NAME.match(value):
            raise ValueError("expected a name of letters, digits and '_' (as in $service)")
        if value in BUILTIN_VARIABLES:
            raise ValueError(f"${value} is set by the app and cannot be declared")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> Variable:
        if (self.label is None) == (self.values is None):
            raise ValueError("expected exactly one of label (values of a label) or values (a fixed list)")
        if self.values is not None and not self.values:
            raise ValueError("values: expected at least one value")
        return self


class Query(_Strict):
    """One PromQL expression of a panel."""

    expr: str = Field(min_length=1)
    """PromQL; ``$var`` / ``${var}`` are substituted, ``$window`` is the panel window."""
    legend: str = ""
    """Series name template, Grafana style: ``{{service}} {{code}}``; empty = the series' labels."""


class _PanelBase(_Strict):
    title: str = Field(min_length=1)
    """Shown above the sparkline."""
    description: str = ""
    """Longer text shown in the drill-down."""
    unit: UnitName = "short"
    """Unit of the values."""
    decimals: int | None = Field(default=None, ge=0, le=10)
    """Digits after the decimal point; unset = chosen from the value."""
    window: Duration | None = None
    """Time span the sparkline covers; unset = the dashboard's window."""
    thresholds: Thresholds | None = None
    """Warning/critical levels of the current value."""
    max_series: int = Field(default=10, ge=1, le=500)
    """Cap on series shown: the top N by current value are kept, the rest counted."""


class SparklinePanel(_PanelBase):
    """One or more queries drawn as sparklines with their current values."""

    kind: Literal["sparkline"] = "sparkline"
    """Panel kind."""
    queries: list[Query] = Field(min_length=1)
    """Expressions of the panel; each may return several series."""


class StatPanel(_PanelBase):
    """A single big value with a trend arrow against the start of the window."""

    kind: Literal["stat"]
    """Panel kind."""
    queries: list[Query] = Field(min_length=1)
    """Expressions of the panel; the first series is the stat."""


class PercentilesPanel(_PanelBase):
    """Latency quantiles of one histogram (classic ``_bucket`` series or native, whichever exists)."""

    kind: Literal["percentiles"]
    """Panel kind."""
    unit: UnitName = "seconds"
    """Unit of the histogram's observations."""
    histogram: str = Field(min_length=1)
    """Base metric name, e.g. ``http_request_duration_seconds`` (without ``_bucket``)."""
    histogram_type: HistogramType = "auto"
    """``auto`` queries both forms (``or``); ``classic`` or ``native`` only that one."""
    selector: str = ""
    """Label matchers in braces, e.g. ``{service="$service"}``; empty = every series."""
    quantiles: list[float] = Field(default_factory=lambda: [0.5, 0.95, 0.99], min_length=1)
    """Quantiles drawn, each strictly between 0 and 1."""
    by: list[str] = Field(default_factory=list)
    """Labels kept apart (one line per value), e.g. ``["service"]``; empty = all aggregated."""
    rate_window: Duration = timedelta(minutes=5)
    """Range of the ``rate()`` over the buckets."""

    @field_validator("quantiles")
    @classmethod
    def _in_unit_interval(cls, values: list[float]) -> list[float]:
        for q in values:
            if not 0 < q < 1:
                raise ValueError(f"expected quantiles strictly between 0 and 1 (got {q!r})")
        return values


class ApdexPanel(_PanelBase):
    """Apdex score from a latency histogram: (satisfied + tolerating / 2) / total."""

    kind: Literal["apdex"]
    """Panel kind."""
    unit: UnitName = "ratio"
    """The score is a ratio between 0 and 1."""
    histogram: str = Field(min_length=1)
    """Base metric name of a latency histogram in seconds."""
    histogram_type: HistogramType = "auto"
    """``auto`` queries both forms (``or``); ``classic`` or ``native`` only that one."""
    selector: str = ""
    """Label matchers in braces; empty = every series."""
    satisfied: float = Field(gt=0)
    """T: requests at most this many seconds are satisfied."""
    tolerating: float | None = Field(default=None, gt=0)
    """Requests at most this many seconds (and over T) are tolerating; unset = 4T."""
    rate_window: Duration = timedelta(minutes=5)
    """Range of the ``rate()`` over the buckets."""

    @model_validator(mode="after")
    def _tolerating_above_satisfied(self) -> ApdexPanel:
        if self.tolerating is not None and self.tolerating <= self.satisfied:
            raise ValueError("tolerating must be greater than satisfied")
        return self

    @property
    def tolerating_seconds(self) -> float:
        """The tolerating bound, 4T when not configured."""
        return self.tolerating if self.tolerating is not None else 4 * self.satisfied


class SloPanel(_PanelBase):
    """Error budget of an SLO: burn rates over 1h and 6h and the budget left over the SLO window."""

    kind: Literal["slo"]
    """Panel kind."""
    unit: UnitName = "percentunit"
    """Budget left is shown as a percentage."""
    error_ratio: str = Field(min_length=1)
    """PromQL of bad/total; ``$window`` becomes each window the panel needs (1h, 6h, the SLO window)."""
    objective: float = Field(gt=0, lt=1)
    """Target share of good events, e.g. ``0.999``."""
    slo_window: Duration = timedelta(days=30)
    """Period the error budget covers."""


def _panel_kind(value: Any) -> str:
    if isinstance(value, dict):
        kind = value.get("kind", "sparkline")
        return kind if isinstance(kind, str) else ""
    return str(getattr(value, "kind", ""))


Panel = Annotated[
    Annotated[SparklinePanel, Tag("sparkline")]
    | Annotated[StatPanel, Tag("stat")]
    | Annotated[PercentilesPanel, Tag("percentiles")]
    | Annotated[ApdexPanel, Tag("apdex")]
    | Annotated[SloPanel, Tag("slo")],
    Discriminator(
        _panel_kind,
        custom_error_type="unknown_panel_kind",
        custom_error_message="expected kind sparkline, stat, percentiles, apdex or slo",
    ),
]
"""Any panel; ``kind`` selects the model (``sparkline`` when absent)."""

PANEL_KINDS: tuple[str, ...] = ("sparkline", "stat", "percentiles", "apdex", "slo")
"""Every panel kind, in the order the docs list them."""


def panel_expressions(panel: Panel) -> list[tuple[str, str]]:
    """``(field, text)`` of every PromQL fragment a panel holds, for variable checks."""
    if isinstance(panel, SparklinePanel | StatPanel):
        return [(f"queries[{i}].expr", q.expr) for i, q in enumerate(panel.queries)]
    if isinstance(panel, PercentilesPanel | ApdexPanel):
        return [("selector", panel.selector)]
    return [("error_ratio", panel.error_ratio)]


class Dashboard(_Strict):
    """One dashboard: variables and a grid of panels."""

    name: str | None = None
    """Short name for ``dashboards show NAME`` and the picker; defaults to the file stem."""
    title: str = Field(min_length=1)
    """Heading shown on screen."""
    description: str = ""
    """What the dashboard is for."""
    window: Duration = timedelta(hours=1)
    """Default time span of every panel."""
    refresh: Duration | None = None
    """Seconds between refreshes; unset = the context's Prometheus refresh."""
    variables: list[Variable] = Field(default_factory=list)
    """Variables chosen on screen, in picker order."""
    panels: list[Panel] = Field(min_length=1)
    """Panels in reading order (left to right, then down)."""

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value is not None and not _NAME.match(value):
            raise ValueError("expected lower-case letters, digits, '-', '_' or '.' (as in checkout-red)")
        return value

    @field_validator("window", "refresh")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("expected a positive duration")
        return value

    @field_validator("variables")
    @classmethod
    def _unique_variables(cls, variables: list[Variable]) -> list[Variable]:
        seen: set[str] = set()
        for variable in variables:
            if variable.name in seen:
                raise ValueError(f"variable {variable.name!r} is declared twice")
            seen.add(variable.name)
        return variables

    def undeclared_variables(self) -> list[tuple[int, str, str]]:
        """``(panel index, field, name)`` of each ``$name`` used but neither declared nor built in."""
        declared = {v.name for v in self.variables} | BUILTIN_VARIABLES
        found: list[tuple[int, str, str]] = []
        for index, panel in enumerate(self.panels):
            for field, text in panel_expressions(panel):
                found.extend((index, field, name) for name in variable_uses(text) if name not in declared)
        return found

    def variable(self, name: str) -> Variable | None:
        """The variable called ``name``, if declared."""
        return next((v for v in self.variables if v.name == name), None)
