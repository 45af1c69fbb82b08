"""Prometheus HTTP API v1 client (also Thanos, Mimir, VictoriaMetrics: same wire format).

Every failure is a :class:`SourceError` with a one-line reason. Prometheus answers
its own errors as ``{"status":"error","errorType":..,"error":..}`` with HTTP 400,
422 or 503 (and sometimes 200 behind proxies); those become ``kind="api"`` with
the error type and text in the message, whatever the status code. ``warnings``
and ``infos`` ride along on the result objects, and ``status: "warning"`` is
accepted as success.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote

import httpx
import msgspec

from oncall_tui.clients.http import decode, one_line, request, status_error
from oncall_tui.errors import SourceError
from oncall_tui.models.prometheus import (
    BuildInfo,
    Exemplar,
    Exemplars,
    ExemplarSeries,
    HistogramBucket,
    HistogramPoint,
    InstantSample,
    LabelNames,
    Metadata,
    MetricMetadata,
    NativeHistogram,
    QueryResult,
    RangeSeries,
    ScalarSample,
    StringSample,
    Target,
    Targets,
)

D = TypeVar("D")

# Let every status through `request`: error bodies come with 4xx/5xx and must be read.
_ANY_STATUS = tuple(range(100, 600))

# Longest Prometheus error text kept in a message; PromQL parse errors can be long.
_MAX_ERROR_CHARS = 300


# --- wire shapes (private): values are strings on the wire ----------------------------------


class _Envelope(msgspec.Struct, Generic[D], rename="camel"):
    status: str
    data: D | None = None
    error_type: str = ""
    error: str = ""
    warnings: list[str] = msgspec.field(default_factory=list)
    infos: list[str] = msgspec.field(default_factory=list)


class _ErrorEnvelope(msgspec.Struct, rename="camel"):
    status: str = ""
    error_type: str = ""
    error: str = ""


class _WireHistogram(msgspec.Struct):
    count: str
    sum: str
    buckets: list[tuple[int, str, str, str]] = msgspec.field(default_factory=list)


class _WireInstant(msgspec.Struct):
    metric: dict[str, str] = msgspec.field(default_factory=dict)
    value: tuple[float, str] | None = None
    histogram: tuple[float, _WireHistogram] | None = None


class _WireRange(msgspec.Struct):
    metric: dict[str, str] = msgspec.field(default_factory=dict)
    values: list[tuple[float, str]] = msgspec.field(default_factory=list)
    histograms: list[tuple[float, _WireHistogram]] = msgspec.field(default_factory=list)


class _WireQueryData(msgspec.Struct, rename="camel"):
    result_type: str
    result: msgspec.Raw


class _WireTargets(msgspec.Struct, rename="camel"):
    active_targets: list[Target] = msgspec.field(default_factory=list)
    dropped_targets: list[Target] = msgspec.field(default_factory=list)


class _WireExemplar(msgspec.Struct):
    labels: dict[str, str]
    value: str
    timestamp: float


class _WireExemplarSeries(msgspec.Struct, rename="camel"):
    series_labels: dict[str, str]
    exemplars: list[_WireExemplar] = msgspec.field(default_factory=list)


# --- conversions ---------------------------------------------------------------------------


def _float(text: str) -> float:
    # Python's float() reads Prometheus's "NaN", "+Inf" and "-Inf" as they are.
    return float(text)


def _histogram(wire: _WireHistogram) -> NativeHistogram:
    return NativeHistogram(
        count=_float(wire.count),
        sum=_float(wire.sum),
        buckets=[
            HistogramBucket(rule, _float(lo), _float(hi), _float(n)) for rule, lo, hi, n in wire.buckets
        ],
    )


def _instant(item: _WireInstant) -> InstantSample:
    if item.value is not None:
        return InstantSample(item.metric, item.value[0], value=_float(item.value[1]))
    if item.histogram is not None:
        return InstantSample(item.metric, item.histogram[0], histogram=_histogram(item.histogram[1]))
    raise ValueError(f"series {item.metric} has neither value nor histogram")


def _range(item: _WireRange) -> RangeSeries:
    return RangeSeries(
        metric=item.metric,
        timestamps=[point[0] for point in item.values],
        values=[_float(point[1]) for point in item.values],
        histograms=[HistogramPoint(ts, _histogram(h)) for ts, h in item.histograms],
    )


def _timestamp(moment: datetime, name: str) -> str:
    if moment.tzinfo is None:
        # A naive time would silently be read in the machine's local zone.
        raise ValueError(f"{name} must be timezone-aware")
    return f"{moment.timestamp():.3f}"


def _seconds(step: float | timedelta) -> str:
    seconds = step.total_seconds() if isinstance(step, timedelta) else float(step)
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"step must be a positive number of seconds, not {step!r}")
    return repr(seconds)


def _one_line(text: str) -> str:
    return one_line(text, _MAX_ERROR_CHARS)


class PrometheusClient:
    """Async client of one Prometheus-compatible query endpoint."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    @property
    def base_url(self) -> str:
        """The endpoint's base URL, for messages and the health bar."""
        return str(self._client.base_url)

    async def aclose(self) -> None:
        """Close the underlying HTTP client."""
        await self._client.aclose()

    # --- queries ----------------------------------------------------------------------------

    async def query(
        self,
        query: str,
        *,
        at: datetime | None = None,
        eval_timeout: float | None = None,
    ) -> QueryResult:
        """Instant query (``/api/v1/query``) at ``at`` (server time "now" when None).

        ``eval_timeout`` caps evaluation on the server (its ``timeout`` parameter); the
        HTTP timeout of the whole request comes from the source settings.
        """
        params: dict[str, str] = {"query": query}
        if at is not None:
            params["time"] = _timestamp(at, "at")
        if eval_timeout is not None:
            params["timeout"] = f"{eval_timeout:g}s"
        return await self._query("/api/v1/query", params)

    async def query_range(
        self,
        query: str,
        start: datetime,
        end: datetime,
        step: float | timedelta,
        *,
        eval_timeout: float | None = None,
    ) -> QueryResult:
        """Range query (``/api/v1/query_range``); ``step`` in seconds or as a timedelta."""
        params = {
            "query": query,
            "start": _timestamp(start, "start"),
            "end": _timestamp(end, "end"),
            "step": _seconds(step),
        }
        if eval_timeout is not None:
            params["timeout"] = f"{eval_timeout:g}s"
        return await self._query("/api/v1/query_range", params)

    async def _query(self, path: str, params: dict[str, str]) -> QueryResult:
        envelope, what = await self._get(path, _WireQueryData, params)
        data = self._data(envelope, what)
        raw = bytes(data.result)
        try:
            if data.result_type == "vector":
                vector = [_instant(i) for i in decode(raw, list[_WireInstant], what=what)]
                return QueryResult("vector", vector=vector, warnings=envelope.warnings, infos=envelope.infos)
            if data.result_type == "matrix":
                matrix = [_range(i) for i in decode(raw, list[_WireRange], what=what)]
                return QueryResult("matrix", matrix=matrix, warnings=envelope.warnings, infos=envelope.infos)
            if data.result_type == "scalar":
                ts, text = decode(raw, tuple[float, str], what=what)
                scalar = ScalarSample(ts, _float(text))
                return QueryResult("scalar", scalar=scalar, warnings=envelope.warnings, infos=envelope.infos)
            if data.result_type == "string":
                ts, text = decode(raw, tuple[float, str], what=what)
                string = StringSample(ts, text)
                return QueryResult("string", string=string, warnings=envelope.warnings, infos=envelope.infos)
        except ValueError as exc:
            raise SourceError(f"unexpected response shape from {what}: {exc}", kind="shape") from None
        raise SourceError(f"unknown resultType {data.result_type!r} from {what}", kind="shape")

    # --- metadata ---------------------------------------------------------------------------

    async def targets(self, state: Literal["active", "dropped", "any"] | None = None) -> Targets:
        """Scrape targets and their health (``/api/v1/targets``)."""
        params = {"state": state} if state is not None else None
        envelope, what = await self._get("/api/v1/targets", _WireTargets, params)
        data = self._data(envelope, what)
        return Targets(data.active_targets, data.dropped_targets, envelope.warnings, envelope.infos)

    async def labels(
        self,
        matches: Sequence[str] = (),
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> LabelNames:
        """Label names (``/api/v1/labels``), optionally only of series matching ``matches``."""
        return await self._names("/api/v1/labels", matches, start, end)

    async def label_values(
        self,
        name: str,
        matches: Sequence[str] = (),
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> LabelNames:
        """Values of label ``name`` (``/api/v1/label/<name>/values``)."""
        return await self._names(f"/api/v1/label/{quote(name, safe='')}/values", matches, start, end)

    async def _names(
        self, path: str, matches: Sequence[str], start: datetime | None, end: datetime | None
    ) -> LabelNames:
        params: list[tuple[str, str]] = [("match[]", m) for m in matches]
        if start is not None:
            params.append(("start", _timestamp(start, "start")))
        if end is not None:
            params.append(("end", _timestamp(end, "end")))
        envelope, what = await self._get(path, list[str], params)
        return LabelNames(self._data(envelope, what), envelope.warnings, envelope.infos)

    async def exemplars(self, query: str, start: datetime, end: datetime) -> Exemplars:
        """Exemplars of the series selected by ``query`` in [start, end] (``/api/v1/query_exemplars``)."""
        params = {"query": query, "start": _timestamp(start, "start"), "end": _timestamp(end, "end")}
        envelope, what = await self._get("/api/v1/query_exemplars", list[_WireExemplarSeries], params)
        try:
            series = [
                ExemplarSeries(
                    s.series_labels,
                    [Exemplar(e.labels, _float(e.value), e.timestamp) for e in s.exemplars],
                )
                for s in self._data(envelope, what)
            ]
        except ValueError as exc:
            raise SourceError(f"unexpected response shape from {what}: {exc}", kind="shape") from None
        return Exemplars(series, envelope.warnings, envelope.infos)

    async def metadata(self, metric: str | None = None, *, limit: int | None = None) -> Metadata:
        """Type, help and unit of metric families (``/api/v1/metadata``), optionally of one metric only."""
        params: dict[str, str] = {}
        if metric is not None:
            params["metric"] = metric
        if limit is not None:
            params["limit"] = str(limit)
        envelope, what = await self._get("/api/v1/metadata", dict[str, list[MetricMetadata]], params or None)
        return Metadata(self._data(envelope, what), envelope.warnings, envelope.infos)

    async def buildinfo(self) -> BuildInfo:
        """Version and build of the server (``/api/v1/status/buildinfo``); a cheap health probe."""
        envelope, what = await self._get("/api/v1/status/buildinfo", BuildInfo, None)
        return self._data(envelope, what)

    # --- plumbing ---------------------------------------------------------------------------

    async def _get(
        self,
        path: str,
        data_type: type[D],
        params: Mapping[str, Any] | list[tuple[str, Any]] | None,
    ) -> tuple[_Envelope[D], str]:
        what = f"{self._client.base_url}{path}"
        response = await request(self._client, "GET", path, params=params, ok_statuses=_ANY_STATUS)
        status = response.status_code
        body = response.content
        if status != 200:
            self._raise_api_error(body, status, what)
            raise status_error(response, what)
        try:
            envelope = decode(body, _Envelope[data_type], what=what)  # type: ignore[valid-type]
        except SourceError:
            # An error envelope whose other fields are odd is still Prometheus's own error.
            self._raise_api_error(body, status, what)
            raise
        if envelope.status == "error":
            self._raise_api_error(body, status, what)
        if envelope.status not in ("success", "warning"):
            raise SourceError(f"unexpected status {envelope.status!r} from {what}", kind="shape")
        return envelope, what

    @staticmethod
    def _raise_api_error(body: bytes, status: int, what: str) -> None:
        """Raise Prometheus's own error if ``body`` is one; return otherwise."""
        try:
            error = msgspec.json.decode(body, type=_ErrorEnvelope)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return
        if error.status != "error":
            return
        kind = error.error_type or "unknown"
        text = _one_line(error.error) or "no error text"
        message = f"Prometheus {kind} error (HTTP {status}) from {what}: {text}"
        raise SourceError(message, kind="api", status=status)

    @staticmethod
    def _data(envelope: _Envelope[D], what: str) -> D:
        if envelope.data is None:
            raise SourceError(f"response from {what} has no data", kind="shape")
        return envelope.data
