"""Span tree, orphans, duplicates, skew, self time and the critical path (Jaeger UI semantics).

The critical-path expectations are derived by hand from the files, following jaeger-ui
``TracePage/CriticalPath``: FOLLOWS_FROM children (and their subtrees) are ignored; a child is
clipped to its parent, or dropped when wholly outside it; from the root, take the child that
finishes last before the cut point (first the span's end, then the start of the child just
walked), and when no child is left, the span itself is critical from its start to the cut, then
return to its parent with the span's start as the new cut. Times below are µs from the root start.
"""

from __future__ import annotations

import random
from pathlib import Path

from oncall_tui.domain.traces import (
    SKEW_ENDS_AFTER_PARENT,
    SKEW_STARTS_BEFORE_PARENT,
    TraceAnalysis,
    analyse,
    summarize,
)
from oncall_tui.models.jaeger import RefKind
from oncall_tui.trace_io import load_trace_file, parse_traces
from tests.unit.test_trace_model import v1_doc, v1_span

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load(name: str) -> TraceAnalysis:
    [trace] = load_trace_file(FIXTURES / name)
    return analyse(trace)


def cp_ids(a: TraceAnalysis) -> list[str]:
    return [a.trace.span_ids[i] for i in a.critical_path]


def sections(a: TraceAnalysis) -> list[tuple[str, int, int]]:
    root_start = a.start_us
    return [
        (a.trace.span_ids[span], start - root_start, end - root_start)
        for span, start, end in a.critical_sections
    ]


def test_critical_path_of_jaeger_ui_test_trace() -> None:
    # span-1 [0,390000] children (CHILD_OF): span-2 [125000,158000], span-3 [180000,246000],
    # span-2_1 [250000,287000], span-6 [300000,320000], span-12 [330000,340000];
    # span-7 is FOLLOWS_FROM span-6 -> ignored. span-3 > span-4 [200000,220000] > span-5 [201000,219000];
    # span-12 > span-13 [331000,340000], span-14 [332000,340000].
    # Walk: span-1 LFC span-12 (end 340000) -> span-1 [340000,390000]; span-12's LFC: span-13 and span-14
    # both end at 340000, the earlier-starting span-13 wins; span-12 [340000,340000] is empty (dropped);
    # span-13 [331000,340000]; back in span-12 with cut 331000: no child ends before -> span-12
    # [330000,331000]; span-1 cut 330000 -> span-6 (320000): span-1 [320000,330000], span-6 [300000,320000];
    # cut 300000 -> span-2_1: span-1 [287000,300000], span-2_1 [250000,287000]; cut 250000 -> span-3:
    # span-1 [246000,250000], span-3 [220000,246000], span-4 [219000,220000], span-5 [201000,219000],
    # span-4 [200000,201000], span-3 [180000,200000]; cut 180000 -> span-2: span-1 [158000,180000],
    # span-2 [125000,158000]; cut 125000: nothing left -> span-1 [0,125000].
    a = load("jaeger/v1-traces/jaeger-ui-testTrace.json")
    assert sections(a) == [
        ("span-1", 340000, 390000),
        ("span-13", 331000, 340000),
        ("span-12", 330000, 331000),
        ("span-1", 320000, 330000),
        ("span-6", 300000, 320000),
        ("span-1", 287000, 300000),
        ("span-2_1", 250000, 287000),
        ("span-1", 246000, 250000),
        ("span-3", 220000, 246000),
        ("span-4", 219000, 220000),
        ("span-5", 201000, 219000),
        ("span-4", 200000, 201000),
        ("span-3", 180000, 200000),
        ("span-1", 158000, 180000),
        ("span-2", 125000, 158000),
        ("span-1", 0, 125000),
    ]
    assert cp_ids(a) == [
        "span-1",
        "span-13",
        "span-12",
        "span-6",
        "span-2_1",
        "span-3",
        "span-4",
        "span-5",
        "span-2",
    ]
    # The FOLLOWS_FROM span and the loser of the tie are not critical.
    assert "span-7" not in cp_ids(a) and "span-14" not in cp_ids(a)


def test_critical_path_of_test_trace_normal() -> None:
    # 150c [0,4902] > 22be [820,3319] > e821 [1200,2939] > {4085 [2059,2080], 622a [2840,2892]}.
    # 150c [3319,4902]; 22be [2939,3319]; e821 [2892,2939]; 622a [2840,2892]; e821 [2080,2840];
    # 4085 [2059,2080]; e821 [1200,2059]; 22be [820,1200]; 150c [0,820].
    a = load("jaeger/v1-traces/jaeger-ui-testTraceNormal.json")
    assert sections(a) == [
        ("150c193cf155b46b", 3319, 4902),
        ("22be69e72cbcde0b", 2939, 3319),
        ("e821b549888cbc3b", 2892, 2939),
        ("622a5079b565623e", 2840, 2892),
        ("e821b549888cbc3b", 2080, 2840),
        ("4085dddb47429851", 2059, 2080),
        ("e821b549888cbc3b", 1200, 2059),
        ("22be69e72cbcde0b", 820, 1200),
        ("150c193cf155b46b", 0, 820),
    ]


def test_critical_path_of_span_longer_as_parent() -> None:
    # ab49 [0,12887] > 6745 [1636,11157] > {4b52 [2782,10011], 0a00 [2782,10011],
    # 0001 [10080,11580] clipped to [10080,11157], 0002 [10440,13940] clipped to [10440,11157]};
    # 4b52 > {afa5 [7381,7796], d72e [8366,8509]}.
    # ab49 [11157,12887]; 6745's LFC: 0001 and 0002 tie at 11157 (clipped), 0001 starts first;
    # 6745 [11157,11157] is empty; 0001 [10080,11157]; cut 10080 -> 4b52 and 0a00 tie at 10011, same
    # start, 4b52 comes first in the file: 6745 [10011,10080]; 4b52 [8509,10011]; d72e [8366,8509];
    # 4b52 [7796,8366]; afa5 [7381,7796]; 4b52 [2782,7381]; 6745 [1636,2782]; ab49 [0,1636].
    a = load("jaeger/v1-traces/jaeger-ui-spanLongerAsParent.json")
    assert sections(a) == [
        ("ab496a7591486ffd", 11157, 12887),
        ("00000000000001", 10080, 11157),
        ("6745965d0b964193", 10011, 10080),
        ("4b52eb0cabcb50a", 8509, 10011),
        ("d72e44f0b9a0a6ce", 8366, 8509),
        ("4b52eb0cabcb50a", 7796, 8366),
        ("afa59bdef0fc2561", 7381, 7796),
        ("4b52eb0cabcb50a", 2782, 7381),
        ("6745965d0b964193", 1636, 2782),
        ("ab496a7591486ffd", 0, 1636),
    ]
    # The two children that outlive their parent are marked, and shown unmoved.
    i1 = a.trace.span_ids.index("00000000000001")
    assert a.skew(i1) == SKEW_ENDS_AFTER_PARENT
    assert a.trace.starts[i1] - a.start_us == 10080 and a.trace.durations[i1] == 1500
    assert sum(1 for i in range(a.span_count) if a.skew(i) & SKEW_ENDS_AFTER_PARENT) == 2
    assert [a.trace.span_ids[i] for i in a.skewed_spans()] == ["00000000000001", "00000000000002"]


def test_critical_path_of_overlapping_children_longer_than_parent() -> None:
    # send [100,140] (absolute µs in the file) > short [115,125], async 1 [200,500], async 2 [300,400].
    # Both async tasks start after the parent ended -> dropped.
    # send [125,140]; short [115,125]; send [100,115].
    a = load("jaeger/v1-traces/jaeger-ui-traceWithOverlappingChildrenLongerThanParent.json")
    assert sections(a) == [
        ("006c3cf93508f205", 25, 40),
        ("4570ab68826f43f9", 15, 25),
        ("006c3cf93508f205", 0, 15),
    ]
    assert (
        sum(1 for i in range(a.span_count) if a.skew(i) & SKEW_ENDS_AFTER_PARENT) == 2
    )  # README: "2 extend past the parent"


def test_critical_path_clips_early_children_and_their_descendants() -> None:
    # P [100,200]; A [50,150] starts early -> clipped to [100,150]; its child A1 [60,120] is inside the
    # recorded A but not the clipped one -> clipped to [100,120]; B [20,80] ends before P starts -> dropped.
    # Walk: P's LFC is A (150): P [150,200]; A's LFC A1 (120): A [120,150]; A1 [100,120]; back in A at
    # cut 100: A [100,100] is empty; back in P at cut 100: B is gone, P [100,100] is empty. Done.
    spans = [
        v1_span("P", start=100, duration=100),
        v1_span("A", parent="P", start=50, duration=100),
        v1_span("A1", parent="A", start=60, duration=60),
        v1_span("B", parent="P", start=20, duration=60),
    ]
    [trace] = parse_traces(v1_doc(spans))
    a = analyse(trace)
    assert [(trace.span_ids[s], b, e) for s, b, e in a.critical_sections] == [
        ("P", 150, 200),
        ("A", 120, 150),
        ("A1", 100, 120),
    ]
    # Shown as recorded, with the skew marked.
    assert a.skew(1) == SKEW_STARTS_BEFORE_PARENT and a.skew(3) == SKEW_STARTS_BEFORE_PARENT
    assert list(trace.starts) == [100, 50, 60, 20]


def test_unknown_process_gets_an_unknown_service() -> None:
    [trace] = parse_traces(v1_doc([v1_span("a"), v1_span("b", parent="a", process="p9")]))
    assert trace.service(1) == "unknown_service" and trace.service(0) == "svc-a"


def test_critical_path_follows_the_timeout_in_the_otel_demo_capture() -> None:
    # Root user_checkout_multi: its last-finishing child is the errored frontend-proxy POST 247a (ends
    # ~15 s in), whose only child is the egress fb40, whose only child is frontend POST 909a — the span the
    # upstream manifest names as the real locus.
    a = load("jaeger/v3/jaeger-pr9263-otel-demo-error_timeout_masked.json")
    ids = cp_ids(a)
    assert ids[0] == "3e77d7cad1306af6"
    assert {"247a43490cfe60cd", "fb403de242b50b18", "909a94f934468e91"} <= set(ids)


def test_orphans_sit_under_a_missing_parent_node_and_duplicates_are_reported() -> None:
    # README: both spans share one id and point at 909541b92cf05311, which is not in the trace.
    a = load("jaeger/v1-traces/jaeger-otlp2jaeger-out.json")
    assert a.duplicates == {"e127af99e3b3e074": [0, 1]}
    assert a.missing_parent_ids == ["909541b92cf05311"]
    pseudo = a.span_count
    assert a.top_level == [pseudo]
    assert list(a.children(pseudo)) == [0, 1]
    assert a.is_pseudo(pseudo) and not a.is_pseudo(0)


def test_forest_of_roots_and_children_in_start_order() -> None:
    spans = [
        v1_span("r2", start=5000, duration=100),
        v1_span("late", parent="r1", start=1500, duration=10),
        v1_span("r1", start=1000, duration=1000),
        v1_span("early", parent="r1", start=1100, duration=10),
        v1_span("async", parent="r1", start=2500, duration=10, ref="FOLLOWS_FROM"),
    ]
    [trace] = parse_traces(v1_doc(spans))
    a = analyse(trace)
    ids = trace.span_ids
    assert [ids[v] for v in a.top_level] == ["r1", "r2"]
    assert [ids[v] for v in a.children(ids.index("r1"))] == ["early", "late", "async"]
    assert [ids[v] for v in a.order] == ["r1", "early", "late", "async", "r2"]
    # FOLLOWS_FROM: ending after the parent is expected, so not flagged; it is off the critical path.
    assert a.skew(ids.index("async")) == 0
    assert "async" not in cp_ids(a) and "r2" in cp_ids(a)


def test_clock_skew_is_marked_never_moved() -> None:
    spans = [
        v1_span("p", start=1000, duration=100),
        v1_span("before", parent="p", start=990, duration=20),
        v1_span("after", parent="p", start=1090, duration=50),
    ]
    [trace] = parse_traces(v1_doc(spans))
    a = analyse(trace)
    assert a.skew(1) == SKEW_STARTS_BEFORE_PARENT
    assert a.skew(2) == SKEW_ENDS_AFTER_PARENT
    assert list(trace.starts) == [1000, 990, 1090]
    assert a.start_us == 990


def test_self_time_excludes_overlapping_children_once() -> None:
    spans = [
        v1_span("p", start=0, duration=100),
        v1_span("a", parent="p", start=10, duration=30),  # [10,40]
        v1_span("b", parent="p", start=20, duration=40),  # [20,60] overlaps a -> union [10,60]
        v1_span("c", parent="p", start=90, duration=50),  # [90,140] clipped to [90,100]
    ]
    [trace] = parse_traces(v1_doc(spans))
    a = analyse(trace)
    assert a.self_time(0) == 100 - 50 - 10
    assert a.self_time(1) == 30


def test_ten_thousand_deep_chain_analyses_without_recursion() -> None:
    depth = 10_000
    spans = [
        v1_span(f"s{i}", parent=f"s{i - 1}" if i else None, start=i, duration=2 * (depth - i))
        for i in range(depth)
    ]
    [trace] = parse_traces(v1_doc(spans))
    a = analyse(trace)
    assert a.max_depth == depth - 1
    assert len(a.critical_path) == depth
    assert a.critical_path[0] == 0
    assert a.descendant_count(0) == depth - 1


def test_summary_of_a_full_trace() -> None:
    [trace] = load_trace_file(FIXTURES / "jaeger/v1-traces/jaeger-ui-testTrace.json")
    s = summarize(trace)
    assert (s.root_service, s.root_operation) == ("service1", "op1")
    assert (s.span_count, s.error_count, s.services) == (11, 1, ["service1", "service2"])
    # span-1 starts first (…452979000) and span-7 ends last (…453979000).
    assert s.duration_us == 1_000_000
    assert s.start.tzinfo is not None


def _reference_critical_path(a: TraceAnalysis) -> list[tuple[int, int, int]]:
    """Jaeger UI's algorithm written plainly (recursive; fine for the small trees below)."""
    t = a.trace
    clipped: dict[int, tuple[int, int]] = {}

    def kept_children(v: int) -> list[int]:
        ps, pe = clipped[v]
        kids = []
        for c in a.children(v):  # start order, file order on ties
            if t.parent_kinds[c] != RefKind.CHILD_OF:
                continue
            cs, ce = t.starts[c], t.end(c)
            if (ps <= cs < pe) or (cs < ps < ce):
                clipped[c] = (max(cs, ps), min(ce, pe))
                kids.append(c)
        return sorted(kids, key=lambda c: -clipped[c][1])  # stable: start order on equal ends

    out: list[tuple[int, int, int]] = []

    def walk(v: int, cut: int | None) -> None:
        start, end = clipped[v]
        section_end = end if cut is None else cut
        kids = kept_children(v) if cut is None else walked[v]
        walked[v] = kids
        nxt = next((c for c in kids if cut is None or clipped[c][1] < cut), None)
        if nxt is not None:
            if clipped[nxt][1] != section_end:
                out.append((v, clipped[nxt][1], section_end))
            walk(nxt, None)
            return
        if start != section_end:
            out.append((v, start, section_end))
        p = a.parent[v]
        if v not in heads and p >= 0:
            walk(p, start)

    walked: dict[int, list[int]] = {}
    heads = set(a.root_spans) | set(a.orphans)
    for head in sorted(a.root_spans, key=lambda i: t.starts[i]) + a.orphans:
        clipped[head] = (t.starts[head], t.end(head))
        walk(head, None)
    return out


def _random_chainy_trace(rng: random.Random, n: int) -> bytes:
    """Mostly long single-child chains, with branches, skewed and zero-length spans, FOLLOWS_FROM
    references and orphans: what the bulk (chain) steps of the critical path must get right."""
    spans = []
    for i in range(n):
        parent: int | None = i - 1 if i and rng.random() < 0.95 else (rng.randrange(i) if i else None)
        if parent is not None and rng.random() < 0.02:
            parent = None
        start = 1_000 + i * rng.choice([0, 1, 2, 5]) + rng.choice([0, 0, 0, 0, -3, 5, 50])
        ref = "FOLLOWS_FROM" if rng.random() < 0.02 else "CHILD_OF"
        pid = None if parent is None else ("gone" if rng.random() < 0.01 else f"s{parent}")
        spans.append(
            v1_span(
                f"s{i}", parent=pid, start=start, duration=rng.choice([0, 1, 2, 10, 100, 1000, 5000]), ref=ref
            )
        )
    return v1_doc(spans)


def test_critical_path_through_long_chains_matches_the_plain_algorithm() -> None:
    # Long single-child runs are walked in bulk; the result must be the span-by-span walk's.
    rng = random.Random(4)
    for _ in range(150):
        [trace] = parse_traces(_random_chainy_trace(rng, rng.choice([12, 40, 120, 300])))
        a = analyse(trace)
        expected = _reference_critical_path(a)
        assert a.critical_sections == expected
        first_seen = list(dict.fromkeys(span for span, _, _ in expected))
        assert a.critical_path == first_seen
        assert [i for i in range(a.span_count) if a.on_critical_path[i]] == sorted(first_seen)
        # Pre-order facts, from the definition.
        assert sorted(a.order) == list(range(a.node_count))
        for pos, v in enumerate(a.order):
            assert a.position[v] == pos
            p = a.parent[v]
            assert a.depth[v] == (0 if p < 0 else a.depth[p] + 1)
            assert a.subtree_end[v] == pos + 1 + sum(a.subtree_end[c] - a.position[c] for c in a.children(v))
