"""Waterfall rows: which nodes are visible given the collapsed set, and what each row draws.

A :class:`WaterfallView` is an immutable snapshot (analysis + collapsed set + visible node list).
Collapse/expand returns a new view; only the visible index list is recomputed, by slicing the
precomputed pre-order around collapsed subtrees, so collapsing the root of a 100,000-span trace
costs a few slices rather than a walk. Row objects are built only for the rows asked for
(:meth:`WaterfallView.rows`), i.e. for what is on screen.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from oncall_tui.domain.traces import SKEW_ENDS_AFTER_PARENT, SKEW_STARTS_BEFORE_PARENT, TraceAnalysis
from oncall_tui.models.jaeger import RefKind, TraceFormat


@dataclass(frozen=True, slots=True)
class WaterfallRow:
    """Everything one waterfall row needs to draw."""

    node: int
    """Node index (span index, or a missing-parent pseudo-node ``>= span_count``)."""
    depth: int
    """Indentation level (top-level nodes are 0)."""
    offset_us: int
    """Start relative to the trace start, µs (never negative)."""
    duration_us: int
    """Duration, µs."""
    service: str
    """Service name (empty for a pseudo-node)."""
    service_index: int
    """Index of the service in the trace's services, for theme colouring (-1 for a pseudo-node)."""
    operation: str
    """Operation name; for a pseudo-node, ``missing parent <id>``."""
    span_id: str
    """Span id; for a pseudo-node, the id of the absent parent."""
    error: bool
    """Span is an error span."""
    critical: bool
    """Span has a critical-path section."""
    starts_before_parent: bool
    """Clock skew: starts before its parent (drawn as recorded, with a marker)."""
    ends_after_parent: bool
    """Clock skew: ends after its (CHILD_OF) parent."""
    orphan: bool
    """Span's parent is not in the trace (it sits under a pseudo-node)."""
    missing_parent: bool
    """This row is the pseudo-node grouping spans whose parent is missing."""
    follows_from: bool
    """Span's parent reference is FOLLOWS_FROM (draw differently from CHILD_OF)."""
    has_children: bool
    """Node has children (can be collapsed)."""
    collapsed: bool
    """Node is collapsed: its descendants are hidden."""
    hidden_descendants: int
    """Descendants hidden by this collapse (0 when expanded)."""
    self_us: int
    """Self time, µs (pseudo-node: 0)."""


@dataclass(frozen=True, slots=True, eq=False)
class WaterfallView:
    """One state of the waterfall: which nodes are collapsed and which rows are visible."""

    analysis: TraceAnalysis
    """The analysed trace."""
    collapsed: frozenset[int]
    """Collapsed nodes (their descendants are hidden)."""
    visible: array[int]
    """Visible nodes in display (pre-)order; row ``r`` shows node ``visible[r]``."""

    def __len__(self) -> int:
        return len(self.visible)

    def row(self, r: int) -> WaterfallRow:
        """Row ``r`` of the visible list."""
        return make_row(self.analysis, self.visible[r], self.visible[r] in self.collapsed)

    def rows(self, start: int, stop: int) -> list[WaterfallRow]:
        """Rows ``start .. stop-1`` (clamped): build only what is on screen."""
        collapsed = self.collapsed
        return [make_row(self.analysis, v, v in collapsed) for v in self.visible[max(start, 0) : stop]]

    def row_of(self, node: int) -> int | None:
        """Row showing ``node``, or None when it is hidden under a collapsed ancestor."""
        try:
            return self.visible.index(node)
        except ValueError:
            return None

    def with_collapsed(self, collapsed: Iterable[int]) -> WaterfallView:
        """A view with exactly ``collapsed`` collapsed (leaves are ignored)."""
        return open_waterfall(self.analysis, collapsed)

    def toggle(self, node: int) -> WaterfallView:
        """Collapse ``node`` if expanded, expand it if collapsed."""
        if node in self.collapsed:
            return self.expand(node)
        return self.collapse(node)

    def collapse(self, node: int) -> WaterfallView:
        """Hide ``node``'s descendants."""
        if node in self.collapsed or self.analysis.child_count(node) == 0:
            return self
        return self.with_collapsed(self.collapsed | {node})

    def expand(self, node: int) -> WaterfallView:
        """Show ``node``'s children again (collapsed descendants stay collapsed)."""
        if node not in self.collapsed:
            return self
        return self.with_collapsed(self.collapsed - {node})

    def collapse_depth(self, depth: int) -> WaterfallView:
        """Collapse every node at ``depth`` (rows deeper than it disappear); expand the rest."""
        a = self.analysis
        nodes = [
            v for v, d in enumerate(a.depth) if d == depth and a.child_offsets[v] != a.child_offsets[v + 1]
        ]
        return open_waterfall(a, nodes)

    def expand_all(self) -> WaterfallView:
        """Expand everything."""
        return open_waterfall(self.analysis)

    def reveal(self, node: int) -> WaterfallView:
        """Expand every collapsed ancestor of ``node`` so that it is visible."""
        hidden = self.collapsed.intersection(self.analysis.ancestors(node))
        if not hidden:
            return self
        return self.with_collapsed(self.collapsed - hidden)

    def critical_rows(self) -> list[int]:
        """Visible rows of critical-path spans, top to bottom (for ``n``/``N`` jumps)."""
        cp = self.analysis.on_critical_path
        n = self.analysis.span_count
        return [r for r, v in enumerate(self.visible) if v < n and cp[v]]


def open_waterfall(analysis: TraceAnalysis, collapsed: Iterable[int] = ()) -> WaterfallView:
    """The view of ``analysis`` with ``collapsed`` nodes collapsed (default: everything expanded)."""
    a = analysis
    offsets = a.child_offsets
    keep = frozenset(v for v in collapsed if 0 <= v < a.node_count and offsets[v] != offsets[v + 1])
    return WaterfallView(a, keep, visible_nodes(a, keep))


def visible_nodes(analysis: TraceAnalysis, collapsed: frozenset[int]) -> array[int]:
    """Pre-order with the subtrees below collapsed nodes cut out (C-level slices, no walk)."""
    order = analysis.order
    if not collapsed:
        return array("i", order)
    position, subtree_end = analysis.position, analysis.subtree_end
    out = array("i")
    cur = 0
    for pos in sorted(position[v] for v in collapsed):
        if pos < cur:  # inside a subtree already cut out
            continue
        out.extend(order[cur : pos + 1])
        cur = subtree_end[order[pos]]
    out.extend(order[cur:])
    return out


def make_row(analysis: TraceAnalysis, node: int, collapsed: bool = False) -> WaterfallRow:
    """The drawable facts of one node."""
    a = analysis
    t = a.trace
    has_children = a.child_offsets[node] != a.child_offsets[node + 1]
    hidden = a.descendant_count(node) if collapsed and has_children else 0
    if node >= a.span_count:
        missing_id = a.missing_parent_ids[node - a.span_count]
        return WaterfallRow(
            node=node,
            depth=a.depth[node],
            offset_us=a.node_starts[node] - a.start_us,
            duration_us=a.node_durations[node],
            service="",
            service_index=-1,
            operation=f"missing parent {missing_id}",
            span_id=missing_id,
            error=False,
            critical=False,
            starts_before_parent=False,
            ends_after_parent=False,
            orphan=False,
            missing_parent=True,
            follows_from=False,
            has_children=has_children,
            collapsed=collapsed and has_children,
            hidden_descendants=hidden,
            self_us=0,
        )
    skew = a.skew(node)
    service_index = t.service_idx[node]
    return WaterfallRow(
        node=node,
        depth=a.depth[node],
        offset_us=t.starts[node] - a.start_us,
        duration_us=t.durations[node],
        service=t.services[service_index],
        service_index=service_index,
        operation=t.operations[node],
        span_id=t.span_ids[node],
        error=bool(t.errors[node]),
        critical=bool(a.on_critical_path[node]),
        starts_before_parent=bool(skew & SKEW_STARTS_BEFORE_PARENT),
        ends_after_parent=bool(skew & SKEW_ENDS_AFTER_PARENT),
        orphan=a.parent[node] >= a.span_count,
        missing_parent=False,
        follows_from=t.parent_kinds[node] == RefKind.FOLLOWS_FROM,
        has_children=has_children,
        collapsed=collapsed and has_children,
        hidden_descendants=hidden,
        self_us=a.self_time(node),
    )


def bar_columns(offset_us: int, duration_us: int, total_us: int, width: int) -> tuple[int, int]:
    """Cells ``[start, end)`` a span bar covers in a ``width``-cell timeline of ``total_us``.

    At least one cell wide so that zero-length spans stay visible; clamped to the timeline.
    """
    if width <= 0:
        return (0, 0)
    if total_us <= 0:
        return (0, 1)
    start = math.floor(offset_us * width / total_us)
    end = math.ceil((offset_us + duration_us) * width / total_us)
    start = min(max(start, 0), width - 1)
    end = min(max(end, start + 1), width)
    return (start, end)


def search(analysis: TraceAnalysis, query: str) -> list[int]:
    """Spans matching ``query``, in waterfall (pre-)order; case-insensitive.

    ``key=value`` matches spans with a tag ``key`` whose value contains ``value``; any other text
    matches a substring of the service, the operation, the span id or any tag value. Tags are
    decoded only for spans whose raw bytes contain the text.
    """
    q = query.strip().lower()
    if not q:
        return []
    a = analysis
    t = a.trace
    n = a.span_count
    key: str | None = None
    value = q
    if "=" in q:
        key, value = (part.strip() for part in q.split("=", 1))
    needle = (key if key is not None else value).encode()

    service_hit = [key is None and value in s.lower() for s in t.services]
    op_hit: dict[str, bool] = {}
    out: list[int] = []
    tags_raw = t.tags_raw
    otlp = t.format is TraceFormat.OTLP
    for v in a.order:
        if v >= n:
            continue
        if key is None:
            if service_hit[t.service_idx[v]]:
                out.append(v)
                continue
            op = t.operations[v]
            hit = op_hit.get(op)
            if hit is None:
                hit = op_hit[op] = value in op.lower()
            if hit or value in t.span_ids[v].lower():
                out.append(v)
                continue
        if otlp and _otlp_extras_match(a, v, key, value):
            out.append(v)
            continue
        body = bytes(tags_raw[v])
        # JSON escapes (\u00e9, \/) hide text from a byte search: decode those spans to be sure.
        if needle not in body.lower() and b"\\" not in body:
            continue
        if _tags_match(a, v, key, value):
            out.append(v)
    return out


def _tags_match(analysis: TraceAnalysis, span: int, key: str | None, value: str) -> bool:
    for attr in analysis.trace.tags(span):
        if key is not None:
            if attr.key.lower() == key and value in attr.value.lower():
                return True
        elif value in attr.value.lower():
            return True
    return False


def _otlp_extras_match(analysis: TraceAnalysis, span: int, key: str | None, value: str) -> bool:
    # OTLP keeps kind and status outside the attributes; the detail pane shows them as these tags.
    extra = analysis.trace.extras.get(span)
    if extra is None:
        return False
    pairs = (("span.kind", extra.kind), ("otel.status_code", extra.status_code))
    return any((key is None or key == k) and val and value in val.lower() for k, val in pairs)
