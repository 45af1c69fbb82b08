"""Trace models: the wire shapes of Jaeger (v1 UI JSON, API v3 / OTLP JSON, Tempo) and one Trace model.

Every input format is normalised into :class:`Trace`, a *columnar* model: one Python list or
``array`` per attribute, indexed by span index, instead of an object per span. A 100,000-span trace
then costs a few MB beyond its file bytes, and building it is a handful of linear passes
(see ``benchmarks/bench_traces.py``). Tags, logs/events and process attributes stay as undecoded
``msgspec.Raw`` slices of the input until a span is opened (:meth:`Trace.detail`).

The wire Structs decode only what the waterfall needs; unknown fields are skipped by msgspec
without being materialised. They are ``gc=False`` because they never form reference cycles, which
keeps the garbage collector from walking 100k fresh objects during a decode.
"""

from __future__ import annotations

import base64
import binascii
from array import array
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any, Literal

import msgspec
from msgspec import Raw

EMPTY_LIST = Raw(b"[]")
"""Raw JSON of an empty list: the default of undecoded tag/log fields."""


# --------------------------------------------------------------------------------------------------
# Jaeger v1 UI JSON (GET /api/traces, /api/traces/{id}, UI "download JSON")
# --------------------------------------------------------------------------------------------------


class V1Ref(msgspec.Struct, gc=False, frozen=True):
    """A span reference as Jaeger v1 writes it."""

    refType: str = "CHILD_OF"
    """``CHILD_OF`` or ``FOLLOWS_FROM``."""
    spanID: str = ""
    """Id of the referenced span (its traceID is not decoded: references stay within the trace)."""


class V1Span(msgspec.Struct, gc=False, frozen=True):
    """One span of the v1 UI JSON; only the waterfall fields are decoded.

    ``traceID`` and ``flags`` are left out on purpose: every span repeats the trace id, and
    skipping it saves a string per span.
    """

    spanID: str
    """Span id (hex in practice, any string accepted)."""
    startTime: int | float = 0
    """Start, microseconds since the epoch."""
    duration: int | float = 0
    """Duration in microseconds."""
    operationName: str = ""
    """Operation name."""
    references: list[V1Ref] | None = None
    """References to other spans; the first CHILD_OF one is the parent."""
    parentSpanID: str = ""
    """Older exports carry the parent here instead of in references."""
    processID: str = ""
    """Key into the trace's ``processes``."""
    tags: Raw = EMPTY_LIST
    """Undecoded ``[{key,type,value}]``; decoded when the span is opened."""
    logs: Raw = EMPTY_LIST
    """Undecoded ``[{timestamp, fields:[…]}]``."""
    warnings: list[str] | None = None
    """Warnings the query service attached (e.g. clock skew adjusted)."""


class V1Process(msgspec.Struct, gc=False, frozen=True):
    """A process (service instance) of the v1 UI JSON."""

    serviceName: str = ""
    """Service name."""
    tags: Raw = EMPTY_LIST
    """Undecoded process tags (hostname, ip, client version …)."""


class V1Trace(msgspec.Struct, frozen=True):
    """A bare v1 trace ``{traceID, spans, processes}``."""

    traceID: str = ""
    """Trace id."""
    spans: list[V1Span] | None = None
    """Spans, in the order the server wrote them."""
    processes: dict[str, V1Process] | None = None
    """Processes keyed by ``processID``."""
    warnings: list[str] | None = None
    """Trace-level warnings."""


class V1Error(msgspec.Struct, frozen=True):
    """An entry of the envelope's ``errors``."""

    code: int = 0
    """HTTP-like code."""
    msg: str = ""
    """Message."""
    traceID: str = ""
    """Trace the error is about, when any."""


class V1Tag(msgspec.Struct, frozen=True):
    """A decoded v1 tag (only when a span is opened or searched)."""

    key: str = ""
    """Tag key."""
    value: Any = None
    """Value: string, bool, number or base64 binary."""
    type: str = "string"
    """``string``, ``bool``, ``int64``, ``float64`` or ``binary``."""


class V1Log(msgspec.Struct, frozen=True):
    """A decoded v1 log entry."""

    timestamp: int | float = 0
    """Microseconds since the epoch."""
    fields: list[V1Tag] = msgspec.field(default_factory=list)
    """Fields of the log record."""


# --------------------------------------------------------------------------------------------------
# OTLP JSON (Jaeger API v3, OTLP exporters, Tempo "batches")
# --------------------------------------------------------------------------------------------------


class OtlpStatus(msgspec.Struct, gc=False, frozen=True):
    """Span status; code 2 / ``STATUS_CODE_ERROR`` is an error."""

    code: int | str = 0
    """0 unset, 1 ok, 2 error (or the enum names)."""
    message: str = ""
    """Status description."""


class OtlpLink(msgspec.Struct, gc=False, frozen=True):
    """A span link: a reference that is not a parent."""

    traceId: str = ""
    """Linked trace id (hex or base64)."""
    spanId: str = ""
    """Linked span id (hex or base64)."""


class OtlpSpan(msgspec.Struct, gc=False, frozen=True):
    """One OTLP span; attributes and events stay undecoded."""

    traceId: str = ""
    """Trace id (hex in OTLP/JSON, base64 in Tempo's protobuf-JSON)."""
    spanId: str = ""
    """Span id (hex or base64)."""
    parentSpanId: str = ""
    """Parent span id; empty for a root."""
    name: str = ""
    """Operation name."""
    kind: int | str = 0
    """Span kind (number or ``SPAN_KIND_*``)."""
    startTimeUnixNano: str | int = 0
    """Start, ns since the epoch (a string in OTLP/JSON)."""
    endTimeUnixNano: str | int = 0
    """End, ns since the epoch."""
    status: OtlpStatus | None = None
    """Status; code 2 = error."""
    links: list[OtlpLink] | None = None
    """Span links."""
    attributes: Raw = EMPTY_LIST
    """Undecoded ``[{key, value:{stringValue|intValue|…}}]``."""
    events: Raw = EMPTY_LIST
    """Undecoded ``[{timeUnixNano, name, attributes}]``."""


class OtlpScopeSpans(msgspec.Struct, gc=False, frozen=True):
    """Spans of one instrumentation scope."""

    spans: list[OtlpSpan] | None = None
    """The spans."""


class OtlpResource(msgspec.Struct, gc=False, frozen=True):
    """The resource (process) the spans come from."""

    attributes: Raw = EMPTY_LIST
    """Undecoded resource attributes; ``service.name`` is read from them."""


class OtlpResourceSpans(msgspec.Struct, gc=False, frozen=True):
    """A resource and its spans (``resourceSpans[]`` or Tempo ``batches[]``)."""

    resource: OtlpResource | None = None
    """The resource."""
    scopeSpans: list[OtlpScopeSpans] | None = None
    """Spans per scope (current OTLP)."""
    instrumentationLibrarySpans: list[OtlpScopeSpans] | None = None
    """Spans per scope (OTLP before 0.15, older Tempo)."""


class OtlpResult(msgspec.Struct, frozen=True):
    """The ``result`` object of Jaeger API v3 trace responses."""

    resourceSpans: list[OtlpResourceSpans] | None = None
    """The spans."""


class OtlpKeyValue(msgspec.Struct, frozen=True):
    """A decoded OTLP attribute (only when a span is opened or searched)."""

    key: str = ""
    """Attribute key."""
    value: dict[str, Any] | None = None
    """``{"stringValue": …}``, ``{"intValue": …}``, ``{"arrayValue": {"values": […]}}`` …"""


class OtlpEvent(msgspec.Struct, frozen=True):
    """A decoded OTLP span event."""

    timeUnixNano: str | int = 0
    """When, ns since the epoch."""
    name: str = ""
    """Event name (``exception`` …)."""
    attributes: list[OtlpKeyValue] = msgspec.field(default_factory=list)
    """Event attributes."""


class TraceDocument(msgspec.Struct, frozen=True):
    """Every top-level trace shape at once, so a file is decoded in a single pass.

    Jaeger v1 envelope ``{"data": [...]}``, bare v1 trace ``{traceID, spans, processes}``,
    OTLP ``{"resourceSpans": [...]}``, Jaeger API v3 ``{"result": {"resourceSpans": [...]}}`` and
    Tempo's ``{"batches": [...]}``.
    """

    data: list[V1Trace] | None = None
    """v1 envelope: the traces."""
    errors: list[V1Error] | None = None
    """v1 envelope: errors reported instead of (or beside) data."""
    traceID: str = ""
    """Bare v1 trace: its id."""
    spans: list[V1Span] | None = None
    """Bare v1 trace: its spans."""
    processes: dict[str, V1Process] | None = None
    """Bare v1 trace: its processes."""
    warnings: list[str] | None = None
    """Bare v1 trace: its warnings."""
    resourceSpans: list[OtlpResourceSpans] | None = None
    """OTLP JSON export."""
    batches: list[OtlpResourceSpans] | None = None
    """Tempo's trace-by-id response."""
    result: OtlpResult | None = None
    """Jaeger API v3 response."""


class _V1RefKnown(V1Ref, gc=False, frozen=True):
    """A reference whose type is one Jaeger defines: decoded to a shared string, not a new one."""

    refType: Literal["CHILD_OF", "FOLLOWS_FROM"] = "CHILD_OF"
    """``CHILD_OF`` or ``FOLLOWS_FROM``."""


class _V1SpanKnown(V1Span, gc=False, frozen=True):
    """A :class:`V1Span` whose references are all of a known type.

    The references come as a tuple: one allocation instead of a list's two, and a tuple holding
    only ``gc=False`` Structs is untracked by the garbage collector. Readers treat
    :attr:`V1Span.references` as a sequence, so either shape works.
    """

    references: tuple[_V1RefKnown, ...] | None = None  # type: ignore[assignment]
    """References to other spans; the first CHILD_OF one is the parent."""


class _V1TraceKnown(V1Trace, frozen=True):
    """A :class:`V1Trace` of :class:`_V1SpanKnown`."""

    spans: list[_V1SpanKnown] | None = None  # type: ignore[assignment]
    """Spans, in the order the server wrote them."""


class TraceDocumentKnownRefs(TraceDocument, frozen=True):
    """:class:`TraceDocument` for the usual file whose references are all CHILD_OF/FOLLOWS_FROM.

    Decoding ``refType`` as a literal saves a string per span; a document with any other
    reference type fails validation and is decoded again as a plain :class:`TraceDocument`.
    """

    data: list[_V1TraceKnown] | None = None  # type: ignore[assignment]
    """v1 envelope: the traces."""
    spans: list[_V1SpanKnown] | None = None  # type: ignore[assignment]
    """Bare v1 trace: its spans."""


# --------------------------------------------------------------------------------------------------
# Jaeger query API: services, operations, summaries, errors
# --------------------------------------------------------------------------------------------------


class V1StringList(msgspec.Struct, frozen=True):
    """``{"data": ["…"]}`` from ``/api/services`` and ``/api/services/{svc}/operations``."""

    data: list[str] | None = None
    """The names."""
    errors: list[V1Error] | None = None
    """Errors, when the server reports any."""


class V3Services(msgspec.Struct, frozen=True):
    """``GET /api/v3/services``."""

    services: list[str] = msgspec.field(default_factory=list)
    """Service names."""


class V3Operation(msgspec.Struct, frozen=True):
    """One operation of ``GET /api/v3/operations``."""

    name: str = ""
    """Operation name."""
    spanKind: str = ""
    """``server``, ``client`` … or empty."""


class V3Operations(msgspec.Struct, frozen=True):
    """``GET /api/v3/operations``."""

    operations: list[V3Operation] = msgspec.field(default_factory=list)
    """Operations of the service."""


class V3ServiceSummary(msgspec.Struct, frozen=True):
    """Per-service figures in a v3 trace summary."""

    name: str = ""
    """Service name."""
    spanCount: int = 0
    """Spans of this service."""
    errorSpanCount: int = 0
    """Error spans of this service."""


class V3TraceSummary(msgspec.Struct, frozen=True):
    """One entry of ``GET /api/v3/trace-summaries``."""

    traceId: str = ""
    """Trace id (hex)."""
    rootServiceName: str = ""
    """Service of the root span."""
    rootOperationName: str = ""
    """Operation of the root span."""
    minStartTimeUnixNano: str | int = 0
    """Earliest span start, ns."""
    maxEndTimeUnixNano: str | int = 0
    """Latest span end, ns."""
    spanCount: int = 0
    """Spans in the trace."""
    errorSpanCount: int = 0
    """Error spans in the trace."""
    services: list[V3ServiceSummary] = msgspec.field(default_factory=list)
    """Per-service figures."""


class V3TraceSummaries(msgspec.Struct, frozen=True):
    """``GET /api/v3/trace-summaries``."""

    summaries: list[V3TraceSummary] = msgspec.field(default_factory=list)
    """One per trace."""


class V3ErrorBody(msgspec.Struct, frozen=True):
    """The grpc-gateway error body of API v3 (``{"error": {"httpCode", "message"}}``)."""

    error: dict[str, Any] | None = None
    """``httpCode``, ``httpStatus``, ``message``."""
    message: str = ""
    """Some gateways put the message at the top level."""


# --------------------------------------------------------------------------------------------------
# The normalised model
# --------------------------------------------------------------------------------------------------


class RefKind(IntEnum):
    """How a span relates to the span it references."""

    NONE = 0
    """No parent (a root)."""
    CHILD_OF = 1
    """The parent waits for the child (the parent-child of OpenTracing/OTLP)."""
    FOLLOWS_FROM = 2
    """The parent does not wait (async work caused by the parent)."""
    LINK = 3
    """OTLP span link: related, not a parent."""


class SpanRef(msgspec.Struct, frozen=True):
    """A reference from a span to another span (parent, FOLLOWS_FROM or link)."""

    kind: RefKind
    """Kind of relation."""
    trace_id: str
    """Trace of the referenced span."""
    span_id: str
    """Referenced span id."""


class Attribute(msgspec.Struct, frozen=True):
    """A tag / attribute / log field, with its value as display text."""

    key: str
    """Key."""
    value: str
    """Value rendered as text (``true``, ``200``, ``["a","b"]`` …)."""


class SpanLog(msgspec.Struct, frozen=True):
    """A log entry (v1) or span event (OTLP)."""

    timestamp_us: int
    """When, microseconds since the epoch."""
    fields: list[Attribute]
    """Fields; an OTLP event's name is the field ``event``."""


class Process(msgspec.Struct, frozen=True):
    """The process or resource a span comes from."""

    service: str
    """Service name."""
    tags: Raw = EMPTY_LIST
    """Undecoded tags/attributes; see :meth:`Trace.process_tags`."""


class SpanExtras(msgspec.Struct, frozen=True):
    """Rarely present per-span data, stored only for the spans that have it."""

    refs: tuple[SpanRef, ...] = ()
    """References other than the parent (further CHILD_OF/FOLLOWS_FROM, OTLP links)."""
    warnings: tuple[str, ...] = ()
    """Warnings attached to the span."""
    kind: str = ""
    """OTLP span kind as text (``server``, ``client`` …); v1 keeps it in the ``span.kind`` tag."""
    status_code: str = ""
    """OTLP status as text (``ok``, ``error``); empty when unset."""
    status_message: str = ""
    """OTLP status message."""


class SpanDetail(msgspec.Struct, frozen=True):
    """Everything the span detail pane shows, decoded on demand for one span."""

    index: int
    """Span index within the trace."""
    span_id: str
    """Span id."""
    service: str
    """Service name."""
    operation: str
    """Operation name."""
    start_us: int
    """Start, microseconds since the epoch."""
    duration_us: int
    """Duration in microseconds."""
    error: bool
    """Whether the span is marked as an error."""
    tags: list[Attribute]
    """Tags (v1) or attributes (OTLP), plus ``span.kind``/``otel.status_*`` for OTLP."""
    logs: list[SpanLog]
    """Logs (v1) or events (OTLP), in file order."""
    process: list[Attribute]
    """Process tags / resource attributes."""
    references: list[SpanRef]
    """All references: the parent first, then the others."""
    warnings: list[str]
    """Warnings attached to the span."""


class TraceFormat(IntEnum):
    """Which wire format a trace was read from (decides how raw details are decoded)."""

    JAEGER_V1 = 1
    """Jaeger UI JSON."""
    OTLP = 2
    """OTLP JSON (Jaeger API v3, OTLP exporters, Tempo)."""


@dataclass(frozen=True, slots=True, eq=False)
class Trace:
    """One trace, columnar: attribute lists indexed by span index (file order).

    Build it with :func:`oncall_tui.trace_io.parse_traces`; analyse it with
    :func:`oncall_tui.domain.traces.analyse`. Never mutated after construction.
    """

    trace_id: str
    """Trace id (hex for OTLP input, as written for v1)."""
    format: TraceFormat
    """Wire format it came from."""
    span_ids: list[str]
    """Span id per span; may contain duplicates (see ``analyse().duplicates``)."""
    parent_ids: list[str]
    """Parent span id per span (first CHILD_OF reference, else first FOLLOWS_FROM); ``""`` = none."""
    parent_kinds: bytearray
    """:class:`RefKind` of the parent reference per span (``NONE`` for roots)."""
    starts: array[int]
    """Start per span, microseconds since the epoch (``array('q')``)."""
    durations: array[int]
    """Duration per span in microseconds (``array('q')``, never negative)."""
    process_idx: array[int]
    """Index into :attr:`processes` per span (``array('i')``)."""
    service_idx: array[int]
    """Index into :attr:`services` per span (``array('i')``)."""
    operations: list[str]
    """Operation name per span (interned: equal names share one object)."""
    errors: bytearray
    """1 where the span is an error span."""
    processes: list[Process]
    """Distinct processes/resources."""
    services: list[str]
    """Service names indexed by :attr:`service_idx` (shared by the traces of one OTLP document)."""
    tags_raw: list[Raw]
    """Undecoded tags (v1) or attributes (OTLP) per span."""
    logs_raw: list[Raw]
    """Undecoded logs (v1) or events (OTLP) per span."""
    extras: dict[int, SpanExtras] = field(default_factory=dict)
    """Per-span rarities (extra references, warnings, OTLP kind/status), keyed by span index."""
    warnings: list[str] = field(default_factory=list)
    """Trace-level warnings (from the file, or added while normalising)."""

    def __len__(self) -> int:
        return len(self.span_ids)

    @property
    def span_count(self) -> int:
        """Number of spans."""
        return len(self.span_ids)

    @property
    def error_count(self) -> int:
        """Number of error spans."""
        return self.errors.count(1)

    def service(self, index: int) -> str:
        """Service name of span ``index``."""
        return self.services[self.service_idx[index]]

    def end(self, index: int) -> int:
        """End of span ``index``, microseconds since the epoch."""
        return self.starts[index] + self.durations[index]

    def tags(self, index: int) -> list[Attribute]:
        """Decoded tags/attributes of one span (not including OTLP kind/status)."""
        raw = self.tags_raw[index]
        if self.format is TraceFormat.JAEGER_V1:
            return decode_v1_tags(raw)
        return decode_otlp_attributes(raw)

    def process_tags(self, index: int) -> list[Attribute]:
        """Decoded tags of span ``index``'s process / resource attributes."""
        raw = self.processes[self.process_idx[index]].tags
        if self.format is TraceFormat.JAEGER_V1:
            return decode_v1_tags(raw)
        return decode_otlp_attributes(raw)

    def logs(self, index: int) -> list[SpanLog]:
        """Decoded logs (v1) or events (OTLP) of one span."""
        raw = self.logs_raw[index]
        if self.format is TraceFormat.JAEGER_V1:
            try:
                logs = msgspec.json.decode(raw, type=list[V1Log] | None) or []
            except msgspec.DecodeError:
                return []
            return [SpanLog(int(log.timestamp), [_v1_attr(f) for f in log.fields]) for log in logs]
        try:
            events = msgspec.json.decode(raw, type=list[OtlpEvent] | None) or []
        except msgspec.DecodeError:
            return []
        out = []
        for event in events:
            fields = [Attribute("event", event.name)] if event.name else []
            fields.extend(Attribute(kv.key, otlp_value_text(kv.value)) for kv in event.attributes)
            out.append(SpanLog(int(event.timeUnixNano or 0) // 1000, fields))
        return out

    def references(self, index: int) -> list[SpanRef]:
        """All references of one span: the parent first, then the others."""
        refs = []
        if self.parent_ids[index]:
            refs.append(SpanRef(RefKind(self.parent_kinds[index]), self.trace_id, self.parent_ids[index]))
        extra = self.extras.get(index)
        if extra is not None:
            refs.extend(extra.refs)
        return refs

    def detail(self, index: int) -> SpanDetail:
        """Decode everything the detail pane shows for span ``index`` (tags, logs, process…)."""
        tags = self.tags(index)
        extra = self.extras.get(index)
        if extra is not None and self.format is TraceFormat.OTLP:
            if extra.kind:
                tags.append(Attribute("span.kind", extra.kind))
            if extra.status_code:
                tags.append(Attribute("otel.status_code", extra.status_code.upper()))
            if extra.status_message:
                tags.append(Attribute("otel.status_description", extra.status_message))
        return SpanDetail(
            index=index,
            span_id=self.span_ids[index],
            service=self.service(index),
            operation=self.operations[index],
            start_us=self.starts[index],
            duration_us=self.durations[index],
            error=bool(self.errors[index]),
            tags=tags,
            logs=self.logs(index),
            process=self.process_tags(index),
            references=self.references(index),
            warnings=list(extra.warnings) if extra is not None else [],
        )


# --------------------------------------------------------------------------------------------------
# Decoding helpers for the raw parts
# --------------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return msgspec.json.encode(value).decode()


def _v1_attr(tag: V1Tag) -> Attribute:
    return Attribute(tag.key, _text(tag.value))


def decode_v1_tags(raw: Raw) -> list[Attribute]:
    """Decode a raw v1 tag list; malformed data yields no tags rather than an error."""
    try:
        tags = msgspec.json.decode(raw, type=list[V1Tag] | None) or []
    except msgspec.DecodeError:
        return []
    return [_v1_attr(t) for t in tags]


def otlp_value_text(value: dict[str, Any] | None) -> str:
    """Render an OTLP ``AnyValue`` (``{"stringValue": "x"}`` …) as display text."""
    if not value:
        return ""
    for key, inner in value.items():
        if key == "arrayValue":
            items = (inner or {}).get("values") or []
            return "[" + ", ".join(otlp_value_text(v) for v in items) + "]"
        if key == "kvlistValue":
            items = (inner or {}).get("values") or []
            return (
                "{"
                + ", ".join(f"{kv.get('key', '')}={otlp_value_text(kv.get('value'))}" for kv in items)
                + "}"
            )
        return _text(inner)
    return ""


def decode_otlp_attributes(raw: Raw) -> list[Attribute]:
    """Decode a raw OTLP attribute list; malformed data yields no attributes."""
    try:
        kvs = msgspec.json.decode(raw, type=list[OtlpKeyValue] | None) or []
    except msgspec.DecodeError:
        return []
    return [Attribute(kv.key, otlp_value_text(kv.value)) for kv in kvs]


_HEX = frozenset("0123456789abcdefABCDEF")


def normalise_otlp_id(value: str) -> str:
    """OTLP ids as lowercase hex: OTLP/JSON writes hex, Tempo's protobuf-JSON writes base64."""
    if not value:
        return ""
    if len(value) in (16, 32) and _HEX.issuperset(value):
        return value.lower()
    try:
        return base64.b64decode(value, validate=True).hex()
    except (binascii.Error, ValueError):
        return value


class TraceSummary(msgspec.Struct, frozen=True):
    """One line of the trace search results, from ``/api/v3/trace-summaries`` or a full trace."""

    trace_id: str
    """Trace id."""
    start: datetime
    """Earliest span start (UTC)."""
    root_service: str
    """Service of the root span (or of the earliest span when no span is a root)."""
    root_operation: str
    """Operation of that span."""
    duration_us: int
    """From the earliest start to the latest end, µs."""
    span_count: int
    """Number of spans."""
    error_count: int
    """Number of error spans."""
    services: list[str]
    """Services with spans in the trace, in order of first appearance."""
