"""Jaeger query client: API v3 (OTLP JSON) when the server has it, else the legacy ``/api`` JSON.

The first call probes ``/api/v3/services``; a 404 there (or a non-JSON answer, e.g. a UI page)
means the server predates API v3, and the client then uses ``/api/services``, ``/api/traces`` …
for good. The generation found is kept on the client (:attr:`JaegerClient.api_generation`).
Grafana Tempo answers the legacy API through its Jaeger-compatible query frontend.

API v3 answers a search that matches nothing with HTTP 404 and an error body saying
"No traces found": that is an empty result, not a failure. Trace bodies of either generation go
through :func:`oncall_tui.trace_io.parse_traces`, so both produce the same :class:`Trace` model.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

import httpx
import msgspec

from oncall_tui.clients.http import decode, request, status_error
from oncall_tui.clock import Clock, SystemClock
from oncall_tui.domain.traces import summarize
from oncall_tui.errors import NotFoundError, SourceError, TraceDataError
from oncall_tui.models.jaeger import (
    Trace,
    TraceSummary,
    V1StringList,
    V3ErrorBody,
    V3Operations,
    V3Services,
    V3TraceSummaries,
    V3TraceSummary,
)
from oncall_tui.trace_io import parse_traces

ApiGeneration = Literal["v3", "v1"]
"""``v3``: ``/api/v3/...`` (OTLP JSON); ``v1``: the legacy ``/api/...`` UI JSON."""

_ANY_STATUS = tuple(range(100, 600))
DEFAULT_LOOKBACK = timedelta(hours=1)
"""Search window when a query gives neither lookback nor start/end."""


@dataclass(frozen=True, slots=True)
class TraceQuery:
    """What the trace search form asks for."""

    service: str
    """Service name (required by both API generations)."""
    operation: str | None = None
    """Operation (span name); None = any."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tag/attribute ``key=value`` filters; all must match on one span."""
    lookback: timedelta | None = None
    """Search the last ``lookback`` before now (ignored when ``start`` is given)."""
    start: datetime | None = None
    """Absolute window start (timezone-aware)."""
    end: datetime | None = None
    """Absolute window end (timezone-aware; default now)."""
    min_duration: timedelta | None = None
    """Only traces with a span at least this long."""
    max_duration: timedelta | None = None
    """Only traces with a span at most this long."""
    limit: int = 20
    """Maximum number of traces (v3: ``searchDepth``)."""

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        """The absolute ``(start, end)`` of the search, in UTC."""
        end = (self.end or now).astimezone(UTC)
        if self.start is not None:
            return self.start.astimezone(UTC), end
        return end - (self.lookback or DEFAULT_LOOKBACK), end


def parse_tag_filter(text: str) -> dict[str, str]:
    """``error=true http.status_code=500 "peer.service"="my svc"`` -> a tag map, as Jaeger UI's Tags field.

    Space-separated ``key=value`` pairs; shell-style quotes allow spaces. A malformed entry raises
    ``ValueError`` with a one-line message naming it.
    """
    try:
        parts = shlex.split(text)
    except ValueError as exc:
        raise ValueError(f"tags: {exc}") from None
    tags: dict[str, str] = {}
    for part in parts:
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"tags: {part!r} is not key=value")
        tags[key.strip()] = value
    return tags


def go_duration(value: timedelta) -> str:
    """A duration as Go's ``time.ParseDuration`` and protobuf's JSON Duration both read it (``"1.5s"``)."""
    micros = value // timedelta(microseconds=1)
    seconds, frac = divmod(micros, 1_000_000)
    return f"{seconds}.{frac:06d}".rstrip("0").rstrip(".") + "s"


def rfc3339_nanos(value: datetime) -> str:
    """RFC 3339 with nanoseconds in UTC, the form API v3 expects (``2026-01-02T03:04:05.000000000Z``)."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond:06d}000Z"


def _unix_micros(value: datetime) -> int:
    return (value - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _v3_error_message(body: bytes) -> str:
    try:
        parsed = msgspec.json.decode(body, type=V3ErrorBody)
    except msgspec.MsgspecError:
        return ""
    if parsed.error and isinstance(parsed.error.get("message"), str):
        return str(parsed.error["message"])
    return parsed.message


def _is_no_traces_found(response: httpx.Response) -> bool:
    return response.status_code == 404 and "no traces found" in _v3_error_message(response.content).lower()


class JaegerClient:
    """Talks to one Jaeger query service (or Tempo's Jaeger-compatible API)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        clock: Clock | None = None,
        api_generation: ApiGeneration | None = None,
    ) -> None:
        self._client = client
        self._clock: Clock = clock or SystemClock()
        self._generation: ApiGeneration | None = api_generation
        self._summaries_supported: bool | None = None

    @property
    def api_generation(self) -> ApiGeneration | None:
        """``v3`` or ``v1`` once known (after the first call), else None."""
        return self._generation

    def _what(self, path: str) -> str:
        return f"{self._client.base_url}{path}"

    async def _detect(self) -> ApiGeneration:
        """Probe API v3 once; remember the answer."""
        if self._generation is not None:
            return self._generation
        response = await request(self._client, "GET", "/api/v3/services", ok_statuses=_ANY_STATUS)
        generation: ApiGeneration = "v3"
        if response.status_code in (404, 405, 501):
            generation = "v1"
        elif response.status_code == 200:
            try:
                decode(response.content, V3Services, what="", expect_keys=("services",))
            except SourceError:
                # Something answered 200 with a page that is not API v3 (a UI fallback route).
                generation = "v1"
        else:
            raise status_error(response, self._what("/api/v3/services"))
        self._generation = generation
        return generation

    async def services(self) -> list[str]:
        """Service names known to the query service."""
        if await self._detect() == "v3":
            response = await request(self._client, "GET", "/api/v3/services")
            return decode(
                response.content, V3Services, what=self._what("/api/v3/services"), expect_keys=("services",)
            ).services
        what = self._what("/api/services")
        try:
            response = await request(self._client, "GET", "/api/services")
            return (
                decode(response.content, V1StringList, what=what, expect_keys=("data", "errors")).data or []
            )
        except SourceError:
            # "v1" may have been concluded from a proxy's error page answering 200 during an outage:
            # when v1 fails too, probe again next time instead of keeping the guess for good.
            self._generation = None
            raise

    async def operations(self, service: str) -> list[str]:
        """Operation names of ``service``."""
        if await self._detect() == "v3":
            path = "/api/v3/operations"
            response = await request(self._client, "GET", path, params={"service": service})
            ops = decode(
                response.content, V3Operations, what=self._what(path), expect_keys=("operations",)
            ).operations
            # The same name may come once per span kind.
            return list(dict.fromkeys(op.name for op in ops))
        path = f"/api/services/{quote(service, safe='')}/operations"
        response = await request(self._client, "GET", path)
        what = self._what(path)
        return decode(response.content, V1StringList, what=what, expect_keys=("data", "errors")).data or []

    def _v3_params(self, query: TraceQuery) -> list[tuple[str, Any]]:
        # The OpenAPI names are camelCase; Jaeger v2 releases before that change read only the
        # snake_case names (and `num_traces`). Send both: a server uses the canonical one when present
        # and ignores parameters it does not know.
        start, end = query.window(self._clock.now())
        fields: list[tuple[str, str, Any]] = [
            ("serviceName", "service_name", query.service),
            ("startTimeMin", "start_time_min", rfc3339_nanos(start)),
            ("startTimeMax", "start_time_max", rfc3339_nanos(end)),
            ("searchDepth", "search_depth", query.limit),
        ]
        if query.operation:
            fields.append(("operationName", "operation_name", query.operation))
        if query.min_duration is not None:
            fields.append(("durationMin", "duration_min", go_duration(query.min_duration)))
        if query.max_duration is not None:
            fields.append(("durationMax", "duration_max", go_duration(query.max_duration)))
        params: list[tuple[str, Any]] = []
        for camel, snake, value in fields:
            params.append((f"query.{camel}", value))
            params.append((f"query.{snake}", value))
        params.append(("query.num_traces", query.limit))
        if query.tags:
            params.append(("query.attributes", msgspec.json.encode(dict(query.tags)).decode()))
        return params

    def _v1_params(self, query: TraceQuery) -> dict[str, Any]:
        start, end = query.window(self._clock.now())
        params: dict[str, Any] = {
            "service": query.service,
            "start": _unix_micros(start),
            "end": _unix_micros(end),
            "limit": query.limit,
        }
        if query.start is None:
            params["lookback"] = go_duration(end - start)
        if query.operation:
            params["operation"] = query.operation
        if query.tags:
            params["tags"] = msgspec.json.encode(dict(query.tags)).decode()
        if query.min_duration is not None:
            params["minDuration"] = go_duration(query.min_duration)
        if query.max_duration is not None:
            params["maxDuration"] = go_duration(query.max_duration)
        return params

    def _parse(self, body: bytes, path: str) -> list[Trace]:
        what = self._what(path)
        try:
            return parse_traces(body, source=what)
        except TraceDataError as exc:
            # API v3 behind grpc-gateway streams one {"result": …} object per line.
            lines = [line for line in body.splitlines() if line.strip()]
            if len(lines) > 1:
                try:
                    return [t for line in lines for t in parse_traces(line, source=what)]
                except TraceDataError:
                    pass
            raise SourceError(str(exc), kind="shape") from None

    async def search(self, query: TraceQuery) -> list[Trace]:
        """Full traces matching ``query`` (an empty list when nothing matches)."""
        if await self._detect() == "v3":
            path = "/api/v3/traces"
            response = await request(
                self._client, "GET", path, params=self._v3_params(query), ok_statuses=_ANY_STATUS
            )
            if _is_no_traces_found(response):
                return []
            self._raise_for_status(response, path)
            traces = self._parse(response.content, path)
            if query.tags:
                # Older v3 gateways ignore attribute filters; never show more than was asked for.
                traces = [t for t in traces if trace_has_tags(t, query.tags)]
            return traces
        path = "/api/traces"
        response = await request(self._client, "GET", path, params=self._v1_params(query))
        return self._parse(response.content, path)

    async def search_summaries(self, query: TraceQuery) -> list[TraceSummary]:
        """Result-list lines for ``query``: ``/api/v3/trace-summaries`` when the server has it
        (no spans transferred), else computed from the full traces."""
        if await self._detect() == "v3" and self._summaries_supported is not False:
            path = "/api/v3/trace-summaries"
            response = await request(
                self._client, "GET", path, params=self._v3_params(query), ok_statuses=_ANY_STATUS
            )
            if _is_no_traces_found(response):
                self._summaries_supported = True
                return []
            if response.status_code in (404, 405, 501):
                self._summaries_supported = False
            else:
                self._raise_for_status(response, path)
                self._summaries_supported = True
                body = decode(
                    response.content, V3TraceSummaries, what=self._what(path), expect_keys=("summaries",)
                )
                return [_from_v3_summary(s) for s in body.summaries]
        return [summarize(t) for t in await self.search(query)]

    async def trace(self, trace_id: str) -> Trace:
        """One trace by id; :class:`NotFoundError` when the server does not have it."""
        trace_id = trace_id.strip().lower()
        generation = await self._detect()
        quoted = quote(trace_id, safe="")
        path = f"/api/v3/traces/{quoted}" if generation == "v3" else f"/api/traces/{quoted}"
        response = await request(self._client, "GET", path, ok_statuses=_ANY_STATUS)
        if response.status_code == 404:
            raise NotFoundError(
                f"trace {trace_id} not found at {self._client.base_url}", kind="http", status=404
            )
        self._raise_for_status(response, path)
        traces = self._parse(response.content, path)
        if not traces:
            raise NotFoundError(
                f"trace {trace_id} not found at {self._client.base_url}", kind="http", status=404
            )
        for t in traces:
            if t.trace_id.lower().lstrip("0") == trace_id.lstrip("0"):
                return t
        return traces[0]

    def _raise_for_status(self, response: httpx.Response, path: str) -> None:
        if response.status_code == 200:
            return
        raise status_error(response, self._what(path), _v3_error_message(response.content))


def trace_has_tags(trace: Trace, tags: Mapping[str, str]) -> bool:
    """Whether one span of ``trace`` carries every ``key=value`` (span tags or its process/resource).

    ``error=true`` / ``error=false`` match the span's error flag (:attr:`Trace.errors`), as Jaeger's
    own search does: OTLP spans (API v3) mark errors with ``status.code`` = 2 and carry no ``error``
    attribute, and v1 spans may mark them with ``otel.status_code=ERROR`` only. An ``error``
    tag written on the span still counts.
    """
    wanted = dict(tags)
    want_error: bool | None = None
    error_text = wanted.get("error")
    if error_text is not None and error_text.strip().lower() in ("true", "false"):
        want_error = error_text.strip().lower() == "true"
        del wanted["error"]
    errors = trace.errors
    for i in range(trace.span_count):
        found = {a.key: a.value for a in trace.process_tags(i)}
        found.update((a.key, a.value) for a in trace.tags(i))
        if want_error is not None:
            flagged = bool(errors[i]) or found.get("error", "").lower() == "true"
            if flagged != want_error:
                continue
        if all(found.get(k) == v for k, v in wanted.items()):
            return True
    return False


def _nanos(value: str | int) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _from_v3_summary(s: V3TraceSummary) -> TraceSummary:
    start_ns = _nanos(s.minStartTimeUnixNano)
    end_ns = _nanos(s.maxEndTimeUnixNano)
    return TraceSummary(
        trace_id=s.traceId,
        start=datetime.fromtimestamp(start_ns / 1e9, tz=UTC),
        root_service=s.rootServiceName,
        root_operation=s.rootOperationName,
        duration_us=max(end_ns - start_ns, 0) // 1000,
        span_count=s.spanCount,
        error_count=s.errorSpanCount,
        services=[svc.name for svc in s.services],
    )
