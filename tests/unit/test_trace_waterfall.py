"""Waterfall rows: collapse/expand, depth collapse, reveal, search, bar geometry."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.domain.traces import TraceAnalysis, analyse
from oncall_tui.domain.waterfall import bar_columns, open_waterfall, search
from oncall_tui.trace_io import load_trace_file, parse_traces
from tests.unit.test_trace_model import otlp_doc, otlp_span, v1_doc, v1_span

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load(name: str) -> TraceAnalysis:
    [trace] = load_trace_file(FIXTURES / name)
    return analyse(trace)


def test_test_trace_rows_show_tree_errors_critical_path_and_follows_from() -> None:
    a = load("jaeger/v1-traces/jaeger-ui-testTrace.json")
    view = open_waterfall(a)
    rows = view.rows(0, len(view))
    assert [(r.span_id, r.depth) for r in rows] == [
        ("span-1", 0),
        ("span-2", 1),
        ("span-3", 1),
        ("span-4", 2),
        ("span-5", 3),
        ("span-2_1", 1),
        ("span-6", 1),
        ("span-7", 2),
        ("span-12", 1),
        ("span-13", 2),
        ("span-14", 2),
    ]
    by_id = {r.span_id: r for r in rows}
    assert by_id["span-2"].error and not by_id["span-3"].error
    assert by_id["span-7"].follows_from and not by_id["span-6"].follows_from
    assert by_id["span-1"].critical and not by_id["span-7"].critical
    assert by_id["span-1"].offset_us == 0 and by_id["span-2"].offset_us == 125_000
    assert by_id["span-4"].service == "service2" and by_id["span-4"].operation == "op1"
    assert by_id["span-1"].has_children and not by_id["span-5"].has_children


def test_collapse_hides_the_subtree_and_expand_brings_it_back() -> None:
    a = load("jaeger/v1-traces/jaeger-ui-testTrace.json")
    view = open_waterfall(a)
    span3 = a.trace.span_ids.index("span-3")
    collapsed = view.collapse(span3)
    ids = [r.span_id for r in collapsed.rows(0, 100)]
    assert "span-4" not in ids and "span-5" not in ids and "span-2_1" in ids
    row = collapsed.row(collapsed.row_of(span3) or 0)
    assert row.collapsed and row.hidden_descendants == 2
    assert list(collapsed.expand(span3).visible) == list(view.visible)
    assert list(collapsed.toggle(span3).visible) == list(view.visible)
    # The view is a snapshot: collapsing made a new one.
    assert len(view) == 11 and len(collapsed) == 9


def test_collapsing_the_root_leaves_one_row_and_nested_collapses_survive_expand() -> None:
    a = load("jaeger/v1-traces/jaeger-ui-testTrace.json")
    span1, span3 = (a.trace.span_ids.index(s) for s in ("span-1", "span-3"))
    view = open_waterfall(a).collapse(span3).collapse(span1)
    assert len(view) == 1
    reopened = view.expand(span1)
    assert len(reopened) == 9 and span3 in reopened.collapsed


def test_collapse_at_depth_and_expand_all() -> None:
    a = load("jaeger/v1-traces/jaeger-ui-testTrace.json")
    view = open_waterfall(a).collapse_depth(1)
    assert {r.depth for r in view.rows(0, 100)} == {0, 1}
    assert len(view) == 6
    assert len(view.expand_all()) == 11


def test_reveal_expands_the_ancestors_of_a_hidden_span() -> None:
    a = load("jaeger/v1-traces/jaeger-ui-testTrace.json")
    span5 = a.trace.span_ids.index("span-5")
    view = open_waterfall(a).collapse_depth(0)
    assert view.row_of(span5) is None
    assert view.reveal(span5).row_of(span5) is not None


def test_missing_parent_pseudo_row_groups_orphans() -> None:
    a = load("jaeger/v1-traces/jaeger-otlp2jaeger-out.json")
    rows = open_waterfall(a).rows(0, 10)
    assert rows[0].missing_parent and rows[0].span_id == "909541b92cf05311"
    assert "missing parent" in rows[0].operation
    assert [(r.depth, r.orphan) for r in rows[1:]] == [(1, True), (1, True)]


def test_skew_marks_reach_the_rows() -> None:
    a = load("jaeger/v1-traces/jaeger-ui-spanLongerAsParent.json")
    rows = {r.span_id: r for r in open_waterfall(a).rows(0, 100)}
    assert rows["00000000000002"].ends_after_parent and not rows["00000000000002"].starts_before_parent
    assert not rows["4b52eb0cabcb50a"].ends_after_parent


def test_critical_rows_follow_the_visible_order() -> None:
    a = load("jaeger/v1-traces/jaeger-ui-testTrace.json")
    view = open_waterfall(a)
    ids = [view.row(r).span_id for r in view.critical_rows()]
    assert ids == [
        "span-1",
        "span-2",
        "span-3",
        "span-4",
        "span-5",
        "span-2_1",
        "span-6",
        "span-12",
        "span-13",
    ]


def test_search_by_service_operation_and_tag_value_in_visible_order() -> None:
    a = load("jaeger/v1-traces/jaeger-ui-testTrace.json")
    ids = a.trace.span_ids
    assert [ids[i] for i in search(a, "SERVICE2")] == ["span-4", "span-5", "span-7"]
    assert [ids[i] for i in search(a, "op7")] == ["span-13", "span-14"]
    assert [ids[i] for i in search(a, "sql")] == ["span-5"]  # tag db.type=sql
    assert [ids[i] for i in search(a, "span.kind=server")] == ["span-1", "span-4"]
    assert search(a, "no-such-thing") == []
    assert search(a, "   ") == []


def test_search_finds_escaped_tag_values_and_otlp_attributes() -> None:
    tags = [{"key": "city", "type": "string", "value": "Montr\u00e9al"}]
    [trace] = parse_traces(v1_doc([v1_span("a"), v1_span("b", parent="a", tags=tags)]))
    assert search(analyse(trace), "montréal") == [1]
    [otlp] = parse_traces(otlp_doc([otlp_span("01" * 8, status={"code": 2})]))
    assert search(analyse(otlp), "otel.status_code=error") == [0]


@pytest.mark.parametrize(
    ("offset", "duration", "total", "width", "expected"),
    [
        (0, 100, 100, 10, (0, 10)),
        (50, 10, 100, 10, (5, 6)),
        (0, 0, 100, 10, (0, 1)),  # zero length stays visible
        (100, 0, 100, 10, (9, 10)),  # at the very end: last cell
        (0, 5, 0, 10, (0, 1)),  # zero-length trace
        (33, 33, 100, 80, (26, 53)),
        (0, 10, 100, 0, (0, 0)),
    ],
)
def test_bar_columns(offset: int, duration: int, total: int, width: int, expected: tuple[int, int]) -> None:
    assert bar_columns(offset, duration, total, width) == expected
