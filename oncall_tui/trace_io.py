"""Read traces from bytes or files, whatever the format, into :class:`~oncall_tui.models.jaeger.Trace`.

Accepted: Jaeger v1 UI JSON (envelope ``{"data": [...]}`` with any number of traces, a bare trace
``{traceID, spans, processes}``, or a JSON array of bare traces), OTLP JSON (``{"resourceSpans"}``),
Jaeger API v3 (``{"result": {"resourceSpans"}}``) and Tempo's ``{"batches"}``. OTLP input with
several trace ids yields one Trace per id, in order of first appearance.

The whole document is decoded in one msgspec pass into Structs holding only the waterfall fields,
then each trace is turned into columns in one Python loop. Anything that is not a usable trace
raises :class:`~oncall_tui.errors.TraceDataError` with one line naming the problem.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate, compress, repeat
from operator import attrgetter, eq
from pathlib import Path
from sys import intern

import msgspec
from msgspec import Raw

from oncall_tui.domain.traces import paused_gc
from oncall_tui.errors import TraceDataError
from oncall_tui.models.jaeger import (
    EMPTY_LIST,
    OtlpResourceSpans,
    Process,
    RefKind,
    SpanExtras,
    SpanRef,
    Trace,
    TraceDocument,
    TraceDocumentKnownRefs,
    TraceFormat,
    V1Process,
    V1Ref,
    V1Trace,
    decode_otlp_attributes,
    decode_v1_tags,
    normalise_otlp_id,
)

UNKNOWN_SERVICE = "unknown_service"
"""Service name used when a span's process/resource does not name one."""

_DOC_DECODER = msgspec.json.Decoder(TraceDocument)
_KNOWN_REFS_DECODER = msgspec.json.Decoder(TraceDocumentKnownRefs)
_LIST_DECODER = msgspec.json.Decoder(list[V1Trace])

_KIND_NAMES = {0: "", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
_STATUS_NAMES = {0: "", 1: "ok", 2: "error"}


def _snippet(data: bytes, limit: int = 60) -> str:
    text = data[:limit].decode("utf-8", "replace").replace("\n", " ").strip()
    return text + ("…" if len(data) > limit else "")


def parse_traces(data: bytes, *, source: str = "input") -> list[Trace]:
    """Decode a trace document (any accepted format) into Traces; ``source`` names it in errors.

    Returns an empty list for an envelope without traces (an empty search result); raises
    :class:`TraceDataError` for anything that is not a trace document or holds a bad trace.
    """
    with paused_gc():
        return _parse_traces(data, source)


def _parse_traces(data: bytes, source: str) -> list[Trace]:
    stripped = data.lstrip()
    if not stripped:
        raise TraceDataError(f"{source}: empty, not a trace")
    try:
        if stripped[:1] == b"[":
            return [_from_v1(t, source) for t in _LIST_DECODER.decode(data)]
        doc: TraceDocument
        try:
            doc = _KNOWN_REFS_DECODER.decode(data)
        except msgspec.ValidationError:  # an unusual reference type (or not a trace): decode as is
            doc = _DOC_DECODER.decode(data)
    except msgspec.ValidationError as exc:
        raise TraceDataError(f"{source}: not a Jaeger or OTLP trace ({exc})") from None
    except msgspec.DecodeError:
        raise TraceDataError(f"{source}: not JSON: {_snippet(data)!r}") from None

    if doc.data is not None or (doc.errors and doc.spans is None):
        if doc.errors and not doc.data:
            first = doc.errors[0]
            raise TraceDataError(f"{source}: the server reported an error: {first.msg or first.code}")
        return [_from_v1(t, source) for t in doc.data or ()]
    if doc.spans is not None:
        bare = V1Trace(traceID=doc.traceID, spans=doc.spans, processes=doc.processes, warnings=doc.warnings)
        return [_from_v1(bare, source)]
    resource_spans = doc.resourceSpans
    if resource_spans is None and doc.result is not None:
        resource_spans = doc.result.resourceSpans or []
    if resource_spans is None:
        resource_spans = doc.batches
    if resource_spans is not None:
        return _from_otlp(resource_spans, source)
    raise TraceDataError(
        f"{source}: not a trace (expected Jaeger JSON with data/spans "
        "or OTLP JSON with resourceSpans/batches)"
    )


def load_trace_file(path: Path) -> list[Trace]:
    """Read and parse a trace file; at least one trace, else :class:`TraceDataError`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TraceDataError(f"{path}: cannot read: {exc.strerror or exc}") from None
    traces = parse_traces(data, source=str(path))
    if not traces:
        raise TraceDataError(f"{path}: contains no traces")
    return traces


# --------------------------------------------------------------------------------------------------
# Jaeger v1
# --------------------------------------------------------------------------------------------------


_SPAN_ID = attrgetter("spanID")
_START = attrgetter("startTime")
_DURATION = attrgetter("duration")
_PROCESS_ID = attrgetter("processID")
_OPERATION = attrgetter("operationName")
_TAGS = attrgetter("tags")
_LOGS = attrgetter("logs")
_REFERENCES = attrgetter("references")
_PARENT_SPAN_ID = attrgetter("parentSpanID")
_WARNINGS = attrgetter("warnings")
_REF_SPAN_ID = attrgetter("spanID")
_REF_TYPE = attrgetter("refType")
_CHILD_OF = "CHILD_OF"
_NO_REF = V1Ref(refType="", spanID="")
_ERROR_NEEDLES = (b'"error"', b"otel.status_code")


def _ref_kind(ref_type: str) -> RefKind:
    return RefKind.CHILD_OF if ref_type == _CHILD_OF else RefKind.FOLLOWS_FROM


def _int_column(values: list[int | float], what: str) -> array[int]:
    try:
        try:
            return array("q", values)  # type: ignore[arg-type]  # floats raise TypeError, handled below
        except TypeError:  # a float somewhere (some exporters write 1.5e15)
            return array("q", map(int, values))
    except (OverflowError, ValueError):
        # Found by fuzzing: 1e30, inf or 2**70 microseconds do not fit 64 bits (and are no time at all).
        raise TraceDataError(f"{what}: a span time is out of range (beyond 64-bit microseconds)") from None


def _tags_say_error(raw: Raw) -> bool:
    for tag in decode_v1_tags(raw):
        if tag.key == "error" and tag.value.lower() == "true":
            return True
        if tag.key == "otel.status_code" and tag.value.upper() == "ERROR":
            return True
    return False


def _is_null_id(span_id: str) -> bool:
    return not span_id or span_id.strip("0") == ""


def _v1_errors(tags_raw: list[Raw]) -> bytearray:
    """Error flag per span from its raw tags (``error=true`` or ``otel.status_code=ERROR``).

    Decoding every span's tags would cost more than the whole structural decode: one byte search
    over all the tags, joined, rules out almost every span, and only the spans around a hit are
    decoded. NUL cannot occur in JSON text, so it separates the spans' tags unambiguously.
    """
    errors = bytearray(len(tags_raw))
    joined = b"\0".join(tags_raw)
    hits: list[int] = []
    for needle in _ERROR_NEEDLES:
        at = joined.find(needle)
        while at >= 0:
            hits.append(at)
            at = joined.find(needle, at + 1)
    if hits:
        # Span k's tags end just before bounds[k] (its separator); a hit belongs to the first
        # span whose bound lies beyond it.
        bounds = list(accumulate(map(len, tags_raw), _past_separator))
        for i in sorted(set(map(bisect_right, repeat(bounds), hits))):
            if _tags_say_error(tags_raw[i]):
                errors[i] = 1
    return errors


def _past_separator(total: int, length: int) -> int:
    return total + 1 + length


def _from_v1(trace: V1Trace, source: str) -> Trace:
    spans = trace.spans or []
    trace_id = trace.traceID
    if not spans:
        if trace.spans is None and not trace_id:
            raise TraceDataError(f"{source}: not a trace (an entry of data has neither traceID nor spans)")
        raise TraceDataError(f"{source}: trace {trace_id or '(no id)'} has no spans")

    processes: list[Process] = []
    services: list[str] = []
    service_of: dict[str, int] = {}
    proc_index: dict[str, int] = {}
    proc_service: list[int] = []

    def add_process(key: str, proc: V1Process | None) -> int:
        name = (proc.serviceName if proc is not None else "") or UNKNOWN_SERVICE
        sidx = service_of.get(name)
        if sidx is None:
            sidx = service_of[name] = len(services)
            services.append(name)
        proc_index[key] = len(processes)
        processes.append(Process(name, proc.tags if proc is not None else EMPTY_LIST))
        proc_service.append(sidx)
        return proc_index[key]

    for key, proc in (trace.processes or {}).items():
        add_process(key, proc)

    # Columns come from map() over the decoded Structs (C loops); Python-level loops only visit
    # the spans that need a decision (references, unknown processes, error candidates).
    n = len(spans)
    span_ids = list(map(_SPAN_ID, spans))
    starts = _int_column(list(map(_START, spans)), f"{source}: trace {trace_id}")
    durations = _int_column(list(map(_DURATION, spans)), f"{source}: trace {trace_id}")
    if min(durations) < 0:
        i = next(i for i, d in enumerate(durations) if d < 0)
        raise TraceDataError(
            f"{source}: span {span_ids[i]} of trace {trace_id} has a negative duration ({durations[i]} µs)"
        )
    pids = list(map(_PROCESS_ID, spans))
    try:
        process_idx = array("i", list(map(proc_index.__getitem__, pids)))
    except KeyError:  # spans naming a process the trace does not list
        for key in dict.fromkeys(pids):
            if key not in proc_index:
                add_process(key, None)
        process_idx = array("i", list(map(proc_index.__getitem__, pids)))
    if proc_service == list(range(len(proc_service))):  # one service per process: same column
        service_idx = array("i", process_idx)
    else:
        service_idx = array("i", list(map(proc_service.__getitem__, process_idx)))
    # Equal names share one string (interned: a lookup in the interpreter's table, and names
    # leave it again when the trace is dropped).
    operations = list(map(intern, map(_OPERATION, spans)))
    tags_raw = list(map(_TAGS, spans))
    logs_raw = list(map(_LOGS, spans))
    extras: dict[int, SpanExtras] = {}

    # The parent is the first CHILD_OF reference, else the first reference (FOLLOWS_FROM); the
    # other references are kept for the detail pane. The usual span has one CHILD_OF reference or
    # none: take every first reference in one pass and look closer only when some span differs.
    # A list from the tolerant decoder, a tuple from the usual one (TraceDocumentKnownRefs).
    refs_col: list[Sequence[V1Ref] | None] = list(map(_REFERENCES, spans))
    firsts = [r[0] if r else _NO_REF for r in refs_col]
    parent_ids = list(map(_REF_SPAN_ID, firsts))
    parent_kinds = bytearray(map(bool, refs_col))  # RefKind.CHILD_OF is 1
    with_refs = parent_kinds.count(1)
    if list(map(_REF_TYPE, firsts)).count(_CHILD_OF) != with_refs or (
        sum(map(len, filter(None, refs_col))) != with_refs
    ):
        for i in compress(range(n), parent_kinds):
            refs = refs_col[i] or ()
            if len(refs) == 1 and refs[0].refType == _CHILD_OF:
                continue
            parent_ref = next((r for r in refs if r.refType == _CHILD_OF), refs[0])
            parent_ids[i] = parent_ref.spanID
            parent_kinds[i] = RefKind.CHILD_OF if parent_ref.refType == _CHILD_OF else RefKind.FOLLOWS_FROM
            others = tuple(
                SpanRef(_ref_kind(r.refType), trace_id, r.spanID) for r in refs if r is not parent_ref
            )
            if others:
                extras[i] = SpanExtras(refs=others)
    if any(map(_PARENT_SPAN_ID, spans)):
        # Older exports: parentSpanID instead of references.
        for i, s in enumerate(spans):
            if not parent_ids[i] and not _is_null_id(s.parentSpanID):
                parent_ids[i] = s.parentSpanID
                parent_kinds[i] = RefKind.CHILD_OF
    if any(map(eq, parent_ids, span_ids)):
        i = next(i for i, (p, sid) in enumerate(zip(parent_ids, span_ids, strict=True)) if p == sid)
        raise TraceDataError(f"{source}: span {span_ids[i]} of trace {trace_id} references itself")

    errors = _v1_errors(tags_raw)
    for i in compress(range(n), map(_WARNINGS, spans)):
        prev = extras.get(i)
        extras[i] = SpanExtras(refs=prev.refs if prev else (), warnings=tuple(spans[i].warnings or ()))

    return Trace(
        trace_id=trace_id,
        format=TraceFormat.JAEGER_V1,
        span_ids=span_ids,
        parent_ids=parent_ids,
        parent_kinds=parent_kinds,
        starts=starts,
        durations=durations,
        process_idx=process_idx,
        service_idx=service_idx,
        operations=operations,
        errors=errors,
        processes=processes,
        services=services,
        tags_raw=tags_raw,
        logs_raw=logs_raw,
        extras=extras,
        warnings=list(trace.warnings or ()),
    )


# --------------------------------------------------------------------------------------------------
# OTLP JSON
# --------------------------------------------------------------------------------------------------


class _OtlpColumns:
    """Columns of one OTLP trace while it is being collected."""

    def __init__(self, trace_id: str) -> None:
        self.trace_id = trace_id
        self.span_ids: list[str] = []
        self.parent_ids: list[str] = []
        self.parent_kinds = bytearray()
        self.starts = array("q")
        self.durations = array("q")
        self.process_idx = array("i")
        self.service_idx = array("i")
        self.operations: list[str] = []
        self.errors = bytearray()
        self.tags_raw: list[Raw] = []
        self.logs_raw: list[Raw] = []
        self.extras: dict[int, SpanExtras] = {}


def _enum_text(value: int | str, names: dict[int, str], prefix: str) -> str:
    if isinstance(value, int):
        return names.get(value, str(value))
    text = value.removeprefix(prefix).lower()
    return "" if text == "unspecified" else text


def _service_name(attributes: Raw) -> str:
    for attr in decode_otlp_attributes(attributes):
        if attr.key == "service.name" and attr.value:
            return attr.value
    return UNKNOWN_SERVICE


_MAX_NANOS = 2**62 * 1000 - 1
"""Nanosecond times whose microseconds (and differences) fit the 64-bit span columns."""


def _nanos(value: str | int, what: str, source: str) -> int:
    try:
        nanos = int(value or 0)
    except ValueError:
        raise TraceDataError(f"{source}: {what} is not a number of nanoseconds: {value!r}") from None
    if not -_MAX_NANOS <= nanos <= _MAX_NANOS:  # found by fuzzing: would overflow the columns
        raise TraceDataError(f"{source}: {what} is out of range: {str(value)[:30]!r}")
    return nanos


def _from_otlp(resource_spans: list[OtlpResourceSpans], source: str) -> list[Trace]:
    processes: list[Process] = []
    services: list[str] = []
    service_of: dict[str, int] = {}
    by_trace: dict[str, _OtlpColumns] = {}

    for rs in resource_spans:
        attrs = rs.resource.attributes if rs.resource is not None else EMPTY_LIST
        name = _service_name(attrs)
        sidx = service_of.get(name)
        if sidx is None:
            sidx = service_of[name] = len(services)
            services.append(name)
        pidx = len(processes)
        processes.append(Process(name, attrs))
        for scope in (rs.scopeSpans or []) + (rs.instrumentationLibrarySpans or []):
            for s in scope.spans or ():
                tid = normalise_otlp_id(s.traceId)
                cols = by_trace.get(tid)
                if cols is None:
                    cols = by_trace[tid] = _OtlpColumns(tid)
                sid = normalise_otlp_id(s.spanId)
                parent = normalise_otlp_id(s.parentSpanId)
                if _is_null_id(parent):
                    parent = ""
                if parent and parent == sid:
                    raise TraceDataError(f"{source}: span {sid} of trace {tid} references itself")
                start_ns = _nanos(s.startTimeUnixNano, f"span {sid} start", source)
                end_ns = _nanos(s.endTimeUnixNano, f"span {sid} end", source)
                if end_ns < start_ns:
                    raise TraceDataError(
                        f"{source}: span {sid} of trace {tid} has a negative duration (ends before it starts)"
                    )
                i = len(cols.span_ids)
                cols.span_ids.append(sid)
                cols.parent_ids.append(parent)
                cols.parent_kinds.append(RefKind.CHILD_OF if parent else RefKind.NONE)
                # Truncate to whole microseconds the way Jaeger's OTLP->UI conversion does.
                cols.starts.append(start_ns // 1000)
                cols.durations.append((end_ns - start_ns) // 1000)
                cols.process_idx.append(pidx)
                cols.service_idx.append(sidx)
                cols.operations.append(s.name)
                status = s.status
                code = _enum_text(status.code, _STATUS_NAMES, "STATUS_CODE_") if status is not None else ""
                cols.errors.append(1 if code == "error" else 0)
                cols.tags_raw.append(s.attributes)
                cols.logs_raw.append(s.events)
                links = tuple(
                    SpanRef(
                        RefKind.LINK, normalise_otlp_id(link.traceId) or tid, normalise_otlp_id(link.spanId)
                    )
                    for link in s.links or ()
                )
                cols.extras[i] = SpanExtras(
                    refs=links,
                    kind=_enum_text(s.kind, _KIND_NAMES, "SPAN_KIND_"),
                    status_code=code,
                    status_message=status.message if status is not None else "",
                )

    traces = []
    for cols in by_trace.values():
        traces.append(
            Trace(
                trace_id=cols.trace_id,
                format=TraceFormat.OTLP,
                span_ids=cols.span_ids,
                parent_ids=cols.parent_ids,
                parent_kinds=cols.parent_kinds,
                starts=cols.starts,
                durations=cols.durations,
                process_idx=cols.process_idx,
                service_idx=cols.service_idx,
                operations=cols.operations,
                errors=cols.errors,
                processes=processes,
                services=services,
                tags_raw=cols.tags_raw,
                logs_raw=cols.logs_raw,
                extras=cols.extras,
            )
        )
    return traces
