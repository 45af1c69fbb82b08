"""Every recorded Jaeger/Tempo trace loads through the one Trace model; bad input gets a clear error.

Expected figures come from ``../shared/fixtures/README.md`` (span and service counts, and what each
file exercises) and from reading the files: roots are spans without a parent reference, orphans
are spans whose parent id is absent, errors are v1 ``error=true`` tags or OTLP status code 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from oncall_tui.domain.traces import analyse
from oncall_tui.errors import TraceDataError
from oncall_tui.models.jaeger import RefKind, Trace, TraceFormat
from oncall_tui.trace_io import load_trace_file, parse_traces

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# file, spans, services, roots, orphans, errors — README figures; roots/orphans/errors read off the files.
EXPECTED = [
    # README: "2 spans that share the same spanID, both CHILD_OF a parent that is NOT in the trace
    # -> orphan spans, no root"
    ("jaeger/v1-traces/jaeger-otlp2jaeger-out.json", 2, 1, 0, 2, 0),
    # README: 4 spans / 1 service; the "main" span has no references.
    ("jaeger/v1-traces/jaeger-ui-oltp2jaeger-multi-out.json", 4, 1, 1, 0, 0),
    # README: 17 spans / 2 services; 9afcdf2e24e8d70a has no references.
    ("jaeger/v1-traces/jaeger-ui-spanAmongEachOtherGroupedAndSpans.json", 17, 2, 1, 0, 0),
    # README: 8 spans / 2 services; ab496a7591486ffd is the root.
    ("jaeger/v1-traces/jaeger-ui-spanLongerAsParent.json", 8, 2, 1, 0, 0),
    # README: 11 spans, 2 services, 1 span with error=true; span-1 is the root.
    ("jaeger/v1-traces/jaeger-ui-testTrace.json", 11, 2, 1, 0, 1),
    # README: 5 spans / 2 services, well-formed tree.
    ("jaeger/v1-traces/jaeger-ui-testTraceNormal.json", 5, 2, 1, 0, 0),
    # README: 4 spans / 2 services; "send" is the root.
    ("jaeger/v1-traces/jaeger-ui-traceWithOverlappingChildrenLongerThanParent.json", 4, 2, 1, 0, 0),
    # README: 1 span, status code 2 (error); no parentSpanId -> a root; empty resource -> unknown service.
    ("jaeger/v3/jaeger-apiv3-GetTrace.json", 1, 1, 1, 0, 1),
    ("jaeger/v3/jaeger-apiv3-FindTraces.json", 1, 1, 1, 0, 1),
    # README: the OTLP input of jaeger-otlp2jaeger-out.json: same 2 orphans.
    ("jaeger/v3/jaeger-otlp2jaeger-in.json", 2, 1, 0, 2, 0),
    # README: 4 resourceSpans / 4 spans, one service (example-trace); "main" has an empty parentSpanId.
    ("jaeger/v3/jaeger-ui-otlp2jaeger-multi-in-combined.json", 4, 1, 1, 0, 0),
    # README: 40 spans, 6 services; GET /dispatch is the root; three redis GetDriver spans have status code 2.
    ("jaeger/v3/jaeger-pr9263-hotrod-n_plus_one_full_serial.json", 40, 6, 1, 0, 3),
    # README: 26 spans / 5 services; "only errored span is frontend-proxy POST";
    # user_checkout_multi is the root.
    ("jaeger/v3/jaeger-pr9263-otel-demo-error_timeout_masked.json", 26, 5, 1, 0, 1),
    # README: Tempo "batches", 6 batches, 8 spans; productpage.bookinfo has two batches -> 5 services.
    ("tempo/kiali-tempo-trace-by-id.json", 8, 5, 1, 0, 0),
]


@pytest.mark.parametrize(("name", "spans", "services", "roots", "orphans", "errors"), EXPECTED)
def test_every_recorded_trace_loads_with_the_expected_figures(
    name: str, spans: int, services: int, roots: int, orphans: int, errors: int
) -> None:
    [trace] = load_trace_file(FIXTURES / name)
    analysis = analyse(trace)
    assert trace.span_count == spans
    assert len(analysis.services_used()) == services
    assert len(analysis.root_spans) == roots
    assert len(analysis.orphans) == orphans
    assert trace.error_count == errors


def test_every_trace_fixture_is_covered() -> None:
    on_disk = {
        str(p.relative_to(FIXTURES))
        for p in [*FIXTURES.glob("jaeger/*/*.json"), *FIXTURES.glob("tempo/*.json")]
        if "FindTraceSummaries" not in p.name
        and "GetServices" not in p.name
        and "GetOperations" not in p.name
    }
    on_disk.discard("tempo/kiali-tempo-search.json")  # a search response, not a trace
    assert on_disk == {row[0] for row in EXPECTED}


def test_the_same_trace_as_jaeger_json_and_as_otlp_gives_the_same_model() -> None:
    # README: multi-out.json is Jaeger's conversion of multi-in-combined.json.
    [v1] = load_trace_file(FIXTURES / "jaeger/v1-traces/jaeger-ui-oltp2jaeger-multi-out.json")
    [otlp] = load_trace_file(FIXTURES / "jaeger/v3/jaeger-ui-otlp2jaeger-multi-in-combined.json")
    assert v1.format is TraceFormat.JAEGER_V1 and otlp.format is TraceFormat.OTLP
    assert v1.trace_id == otlp.trace_id

    def key(t: Trace) -> list[tuple[str, str, int, int, str]]:
        return sorted(zip(t.span_ids, t.parent_ids, t.starts, t.durations, t.operations, strict=True))

    assert key(v1) == key(otlp)


def test_tempo_base64_ids_become_hex() -> None:
    [trace] = load_trace_file(FIXTURES / "tempo/kiali-tempo-trace-by-id.json")
    # traceId "O6VWCcPN5JZJzXfR+dzZNg==" and root spanId "Sc130fnc2TY=" in the file.
    assert trace.trace_id == "3ba55609c3cde49649cd77d1f9dcd936"
    assert trace.span_ids[0] == "49cd77d1f9dcd936"
    assert all(len(s) == 16 for s in trace.span_ids)


def test_span_detail_decodes_tags_logs_process_and_references_on_demand() -> None:
    [trace] = load_trace_file(FIXTURES / "jaeger/v1-traces/jaeger-ui-testTrace.json")
    span2 = trace.span_ids.index("span-2")
    detail = trace.detail(span2)
    assert detail.service == "service1" and detail.operation == "op2"
    assert detail.error
    assert ("error", "true") in [(a.key, a.value) for a in detail.tags]
    assert detail.references[0].kind is RefKind.CHILD_OF and detail.references[0].span_id == "span-1"
    span7 = trace.span_ids.index("span-7")
    assert trace.references(span7)[0].kind is RefKind.FOLLOWS_FROM


def test_otlp_detail_has_kind_status_events_and_resource() -> None:
    [trace] = load_trace_file(FIXTURES / "jaeger/v3/jaeger-pr9263-otel-demo-error_timeout_masked.json")
    i = trace.span_ids.index("247a43490cfe60cd")
    detail = trace.detail(i)
    tags = {a.key: a.value for a in detail.tags}
    assert detail.error and tags["otel.status_code"] == "ERROR" and tags["span.kind"] == "server"
    assert ("service.name", "frontend-proxy") in [(a.key, a.value) for a in detail.process]


def test_logs_and_events_decode_with_their_times() -> None:
    span = v1_span("a", start=1_000_000)
    span["logs"] = [
        {"timestamp": 1_000_050, "fields": [{"key": "event", "type": "string", "value": "retry"}]},
    ]
    [trace] = parse_traces(v1_doc([span]))
    [log] = trace.logs(0)
    assert log.timestamp_us == 1_000_050 and [(f.key, f.value) for f in log.fields] == [("event", "retry")]
    otlp = otlp_span("01" * 8)
    otlp["events"] = [
        {
            "timeUnixNano": "1000050000",
            "name": "exception",
            "attributes": [{"key": "exception.type", "value": {"stringValue": "Timeout"}}],
        }
    ]
    otlp["attributes"] = [
        {"key": "retries", "value": {"intValue": "3"}},
        {"key": "hosts", "value": {"arrayValue": {"values": [{"stringValue": "a"}, {"stringValue": "b"}]}}},
    ]
    [t2] = parse_traces(otlp_doc([otlp]))
    [event] = t2.logs(0)
    assert event.timestamp_us == 1_000_050
    assert [(f.key, f.value) for f in event.fields] == [("event", "exception"), ("exception.type", "Timeout")]
    assert [(a.key, a.value) for a in t2.tags(0)] == [("retries", "3"), ("hosts", "[a, b]")]


def test_otlp_links_are_kept_as_link_references() -> None:
    body = otlp_doc([otlp_span("aa" * 8, links=[{"traceId": "cd" * 16, "spanId": "ef" * 8}])])
    [trace] = parse_traces(body)
    assert [(r.kind, r.span_id) for r in trace.references(0)] == [(RefKind.LINK, "ef" * 8)]


def test_envelope_with_several_traces_yields_each() -> None:
    bare = json.loads((FIXTURES / "jaeger/v1-traces/jaeger-ui-testTraceNormal.json").read_bytes())
    other = json.loads((FIXTURES / "jaeger/v1-traces/jaeger-ui-spanLongerAsParent.json").read_bytes())
    traces = parse_traces(json.dumps({"data": [bare, other], "total": 2}).encode())
    assert [t.span_count for t in traces] == [5, 8]


def test_otlp_with_two_trace_ids_yields_two_traces() -> None:
    body = otlp_doc([otlp_span("01" * 8, trace_id="11" * 16), otlp_span("02" * 8, trace_id="22" * 16)])
    assert [t.trace_id for t in parse_traces(body)] == ["11" * 16, "22" * 16]


def test_error_markers_in_every_spelling() -> None:
    spans = [
        v1_span("a", tags=[{"key": "error", "type": "bool", "value": True}]),
        v1_span("b", parent="a", tags=[{"key": "error", "type": "string", "value": "true"}]),
        v1_span("c", parent="a", tags=[{"key": "otel.status_code", "type": "string", "value": "ERROR"}]),
        v1_span("d", parent="a", tags=[{"key": "error", "type": "bool", "value": False}]),
        v1_span("e", parent="a", tags=[{"key": "note", "type": "string", "value": "error"}]),
    ]
    [trace] = parse_traces(v1_doc(spans))
    assert list(trace.errors) == [1, 1, 1, 0, 0]
    body = otlp_doc([otlp_span("01" * 8, status={"code": "STATUS_CODE_ERROR"}), otlp_span("02" * 8)])
    assert list(parse_traces(body)[0].errors) == [1, 0]


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "empty"),
        (b"<html>502 Bad Gateway</html>", "not JSON"),
        (b'{"services": ["foo"]}', "not a trace"),
        (b'{"data": [{"parent": "a", "child": "b", "callCount": 1}]}', "not a trace"),
        (b'{"traceID": "t1", "spans": [], "processes": {}}', "has no spans"),
        (b'{"data": [{"traceID": "t1", "spans": []}]}', "has no spans"),
        (b'{"data": [{"traceID": "t1", "spans": "nope"}]}', "not a Jaeger or OTLP trace"),
        (b'{"data": null, "errors": [{"code": 500, "msg": "storage down"}]}', "storage down"),
    ],
)
def test_not_a_trace_is_a_clear_error(body: bytes, problem: str) -> None:
    with pytest.raises(TraceDataError, match=problem) as info:
        parse_traces(body, source="upload.json")
    assert str(info.value).startswith("upload.json: ")
    assert "\n" not in str(info.value)


def test_negative_duration_names_the_span() -> None:
    with pytest.raises(TraceDataError, match="span b .*negative duration"):
        parse_traces(v1_doc([v1_span("a"), v1_span("b", parent="a", duration=-5)]))
    body = otlp_doc([otlp_span("01" * 8, start=2000, end=1000)])
    with pytest.raises(TraceDataError, match="negative duration"):
        parse_traces(body)


def test_self_reference_names_the_span() -> None:
    with pytest.raises(TraceDataError, match="span a .*references itself"):
        parse_traces(v1_doc([v1_span("a", parent="a")]))
    with pytest.raises(TraceDataError, match="references itself"):
        parse_traces(otlp_doc([otlp_span("01" * 8, parent="01" * 8)]))


def test_reference_cycle_is_reported_not_looped_on() -> None:
    [trace] = parse_traces(v1_doc([v1_span("root"), v1_span("a", parent="b"), v1_span("b", parent="a")]))
    with pytest.raises(TraceDataError, match="reference cycle"):
        analyse(trace)


def test_unreadable_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(TraceDataError, match="cannot read"):
        load_trace_file(tmp_path / "missing.json")
    empty = tmp_path / "empty.json"
    empty.write_text('{"data": []}')
    with pytest.raises(TraceDataError, match="contains no traces"):
        load_trace_file(empty)


# --- builders ------------------------------------------------------------------------------------


def v1_span(
    span_id: str,
    *,
    parent: str | None = None,
    start: int = 1_000_000,
    duration: int = 100,
    ref: str = "CHILD_OF",
    tags: list[dict[str, Any]] | None = None,
    process: str = "p1",
) -> dict[str, Any]:
    """A v1 span dict."""
    return {
        "traceID": "t1",
        "spanID": span_id,
        "operationName": f"op-{span_id}",
        "references": [] if parent is None else [{"refType": ref, "traceID": "t1", "spanID": parent}],
        "startTime": start,
        "duration": duration,
        "tags": tags or [],
        "logs": [],
        "processID": process,
    }


def v1_doc(spans: list[dict[str, Any]]) -> bytes:
    """A bare v1 trace of ``spans`` with two processes."""
    processes = {"p1": {"serviceName": "svc-a", "tags": []}, "p2": {"serviceName": "svc-b", "tags": []}}
    return json.dumps({"traceID": "t1", "spans": spans, "processes": processes}).encode()


def otlp_span(
    span_id: str,
    *,
    trace_id: str = "ab" * 16,
    parent: str = "",
    start: int = 1_000_000_000,
    end: int = 1_000_100_000,
    status: dict[str, Any] | None = None,
    links: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An OTLP span dict (times in ns, as strings like OTLP/JSON writes them)."""
    span: dict[str, Any] = {
        "traceId": trace_id,
        "spanId": span_id,
        "parentSpanId": parent,
        "name": f"op-{span_id}",
        "kind": 2,
        "startTimeUnixNano": str(start),
        "endTimeUnixNano": str(end),
    }
    if status is not None:
        span["status"] = status
    if links is not None:
        span["links"] = links
    return span


def otlp_doc(spans: list[dict[str, Any]]) -> bytes:
    """An OTLP JSON export with one resource holding ``spans``."""
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]}
    return json.dumps({"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": spans}]}]}).encode()
