"""Prometheus HTTP API v1 models.

msgspec Structs, frozen, like the Alertmanager models: range queries behind the
drill-down charts return tens of thousands of points per poll. Range series are
stored as two parallel lists (timestamps, values) because that is what the
sparkline and plotext want, and it avoids one object per point.

Sample values travel as strings ("1", "NaN", "+Inf"); the client turns them into
floats. Timestamps are Unix seconds as floats, as on the wire; ``datetime`` views
are offered where a human reads them.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from oncall_tui.models.common import AwareDatetime

ResultType = Literal["vector", "matrix", "scalar", "string"]
"""The ``resultType`` of a query response."""


class HistogramBucket(msgspec.Struct, frozen=True, array_like=True):
    """One bucket of a native histogram: ``[boundary_rule, lower, upper, count]`` on the wire."""

    boundary_rule: int
    """0: (lower, upper]; 1: [lower, upper); 2: (lower, upper); 3: [lower, upper]."""
    lower: float
    """Lower boundary."""
    upper: float
    """Upper boundary."""
    count: float
    """Observations in the bucket (a float: rates and sums of histograms are fractional)."""


class NativeHistogram(msgspec.Struct, frozen=True):
    """A native (sparse) histogram sample value."""

    count: float
    """Total number of observations."""
    sum: float
    """Sum of all observations."""
    buckets: list[HistogramBucket] = msgspec.field(default_factory=list)
    """Populated buckets in ascending order; empty buckets are left out."""


class HistogramPoint(msgspec.Struct, frozen=True):
    """A native histogram at one instant."""

    timestamp: float
    """Unix seconds."""
    histogram: NativeHistogram
    """The histogram value."""


class InstantSample(msgspec.Struct, frozen=True):
    """One series of an instant vector: a float sample or a native histogram."""

    metric: dict[str, str]
    """The series labels (``__name__`` included unless the query dropped it)."""
    timestamp: float
    """Evaluation time, Unix seconds."""
    value: float | None = None
    """Float value (NaN and ±Inf included); None when the sample is a histogram."""
    histogram: NativeHistogram | None = None
    """Native histogram value, when the series holds histograms."""


class RangeSeries(msgspec.Struct, frozen=True):
    """One series of a range vector (matrix): float points and/or native histogram points."""

    metric: dict[str, str]
    """The series labels."""
    timestamps: list[float] = msgspec.field(default_factory=list)
    """Timestamps of the float points, Unix seconds, ascending."""
    values: list[float] = msgspec.field(default_factory=list)
    """Float values, parallel to ``timestamps``."""
    histograms: list[HistogramPoint] = msgspec.field(default_factory=list)
    """Native histogram points, ascending in time."""


class ScalarSample(msgspec.Struct, frozen=True):
    """A scalar result."""

    timestamp: float
    """Evaluation time, Unix seconds."""
    value: float
    """The scalar."""


class StringSample(msgspec.Struct, frozen=True):
    """A string result."""

    timestamp: float
    """Evaluation time, Unix seconds."""
    value: str
    """The string."""


class QueryResult(msgspec.Struct, frozen=True):
    """Result of ``/api/v1/query`` or ``/api/v1/query_range``; the field matching ``result_type`` is set."""

    result_type: ResultType
    """Which of the fields below carries the result."""
    vector: list[InstantSample] = msgspec.field(default_factory=list)
    """Instant vector (``result_type == "vector"``)."""
    matrix: list[RangeSeries] = msgspec.field(default_factory=list)
    """Range vector (``result_type == "matrix"``; always for range queries)."""
    scalar: ScalarSample | None = None
    """Scalar result."""
    string: StringSample | None = None
    """String result."""
    warnings: list[str] = msgspec.field(default_factory=list)
    """Warnings Prometheus attached (e.g. partial data from a remote store)."""
    infos: list[str] = msgspec.field(default_factory=list)
    """Informational annotations (e.g. "metric might not be a counter")."""


class Target(msgspec.Struct, frozen=True, rename="camel"):
    """One scrape target of ``/api/v1/targets``."""

    labels: dict[str, str] = msgspec.field(default_factory=dict)
    """Labels after relabelling (``job``, ``instance`` …); empty for dropped targets."""
    discovered_labels: dict[str, str] = msgspec.field(default_factory=dict)
    """Labels as discovered, before relabelling."""
    scrape_pool: str = ""
    """Scrape pool (job) the target belongs to."""
    scrape_url: str = ""
    """URL Prometheus scrapes."""
    global_url: str = ""
    """The scrape URL as seen from outside (``--web.external-url`` host)."""
    last_error: str = ""
    """Error of the last scrape, empty when it succeeded."""
    last_scrape: AwareDatetime | None = None
    """When the target was last scraped."""
    last_scrape_duration: float | None = None
    """Seconds the last scrape took."""
    health: str = "unknown"
    """``up``, ``down`` or ``unknown``."""
    scrape_interval: str = ""
    """Configured interval, Prometheus duration syntax (``15s``)."""
    scrape_timeout: str = ""
    """Configured timeout, Prometheus duration syntax."""

    def __post_init__(self) -> None:
        # Prometheus reports a target it has not scraped yet (after a restart) with Go's zero
        # time, 0001-01-01T00:00:00Z: that is "never", not "739953 days ago".
        if self.last_scrape is not None and self.last_scrape.year <= 1:
            msgspec.structs.force_setattr(self, "last_scrape", None)
        if self.last_scrape is None and self.last_scrape_duration == 0:
            msgspec.structs.force_setattr(self, "last_scrape_duration", None)

    @property
    def job(self) -> str:
        """The target's job (scrape pool when the label is missing)."""
        return self.labels.get("job", self.scrape_pool)

    @property
    def instance(self) -> str:
        """The target's instance label, or its address before relabelling."""
        return self.labels.get("instance", self.discovered_labels.get("__address__", ""))


class Targets(msgspec.Struct, frozen=True):
    """Result of ``/api/v1/targets``."""

    active: list[Target] = msgspec.field(default_factory=list)
    """Targets being scraped."""
    dropped: list[Target] = msgspec.field(default_factory=list)
    """Targets dropped by relabelling."""
    warnings: list[str] = msgspec.field(default_factory=list)
    """Warnings Prometheus attached."""
    infos: list[str] = msgspec.field(default_factory=list)
    """Informational annotations."""


class LabelNames(msgspec.Struct, frozen=True):
    """Result of ``/api/v1/labels`` or ``/api/v1/label/<name>/values``."""

    names: list[str]
    """Label names, or the values of one label, as Prometheus sorted them."""
    warnings: list[str] = msgspec.field(default_factory=list)
    """Warnings Prometheus attached."""
    infos: list[str] = msgspec.field(default_factory=list)
    """Informational annotations."""


class Exemplar(msgspec.Struct, frozen=True):
    """One exemplar: a sample with labels linking it to a trace."""

    labels: dict[str, str]
    """Exemplar labels, typically ``trace_id`` (or ``traceID``) and maybe ``span_id``."""
    value: float
    """Observed value."""
    timestamp: float
    """Unix seconds."""

    @property
    def trace_id(self) -> str | None:
        """The linked trace id, under whichever of the common label spellings is present."""
        for key in ("trace_id", "traceID", "traceId", "TraceID"):
            if key in self.labels:
                return self.labels[key]
        return None


class ExemplarSeries(msgspec.Struct, frozen=True):
    """Exemplars of one series."""

    series_labels: dict[str, str]
    """Labels of the series the exemplars belong to."""
    exemplars: list[Exemplar]
    """Exemplars in time order."""


class Exemplars(msgspec.Struct, frozen=True):
    """Result of ``/api/v1/query_exemplars``."""

    series: list[ExemplarSeries] = msgspec.field(default_factory=list)
    """One entry per series that has exemplars in the range."""
    warnings: list[str] = msgspec.field(default_factory=list)
    """Warnings Prometheus attached."""
    infos: list[str] = msgspec.field(default_factory=list)
    """Informational annotations."""


class BuildInfo(msgspec.Struct, frozen=True, rename="camel"):
    """Result of ``/api/v1/status/buildinfo``."""

    version: str = ""
    """Prometheus version (compatible stores report their own)."""
    revision: str = ""
    """VCS revision."""
    branch: str = ""
    """VCS branch."""
    build_user: str = ""
    """Who built the binary."""
    build_date: str = ""
    """When, in Prometheus's own format (``20191102-16:19:59``)."""
    go_version: str = ""
    """Go toolchain version."""


class MetricMetadata(msgspec.Struct, frozen=True):
    """One entry of ``/api/v1/metadata`` for a metric family."""

    type: str = "unknown"
    """``counter``, ``gauge``, ``histogram``, ``summary``, ``unknown`` or another OpenMetrics type."""
    help: str = ""
    """The HELP text."""
    unit: str = ""
    """The UNIT (OpenMetrics); usually empty."""


class Metadata(msgspec.Struct, frozen=True):
    """Result of ``/api/v1/metadata``: metric family name → its metadata (one entry per distinct one)."""

    metrics: dict[str, list[MetricMetadata]] = msgspec.field(default_factory=dict)
    """Entries by metric family name (histograms under their base name, without ``_bucket``)."""
    warnings: list[str] = msgspec.field(default_factory=list)
    """Warnings Prometheus attached."""
    infos: list[str] = msgspec.field(default_factory=list)
    """Informational annotations."""

    def type_of(self, name: str) -> str | None:
        """The type of a metric family, or None when the server has no metadata for it."""
        entries = self.metrics.get(name)
        return entries[0].type if entries else None
