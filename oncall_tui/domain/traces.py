"""Trace analysis: span tree, orphans, duplicates, clock skew, self time and the critical path.

Pure functions over :class:`~oncall_tui.models.jaeger.Trace`; no IO. Everything is iterative and
columnar (``array`` per attribute, node index as the key) so a 100,000-span trace analyses in a
few hundred milliseconds and a 10,000-deep chain cannot hit Python's recursion limit.

Nodes: span ``i`` is node ``i``; spans whose parent id is not in the trace are grouped under one
*missing-parent pseudo-node* per absent parent id, numbered ``span_count + k``. Clock skew is
reported, never corrected: offsets are shown as the spans recorded them.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate, compress, repeat
from operator import add, ge, gt, itemgetter, lt, or_, sub

from oncall_tui.errors import TraceDataError
from oncall_tui.models.jaeger import RefKind, Trace, TraceSummary

SKEW_STARTS_BEFORE_PARENT = 1
"""Skew flag: the span starts before its parent starts."""
SKEW_ENDS_AFTER_PARENT = 2
"""Skew flag: the span ends after its parent ends (not flagged for FOLLOWS_FROM children)."""


@dataclass(frozen=True, slots=True, eq=False)
class TraceAnalysis:
    """The analysed trace: tree, marks and critical path; immutable, shared by every view of the trace."""

    trace: Trace
    """The trace analysed."""
    span_count: int
    """Number of spans (nodes ``0 .. span_count-1``)."""
    node_count: int
    """Spans plus missing-parent pseudo-nodes."""
    missing_parent_ids: list[str]
    """Absent parent id of each pseudo-node: node ``span_count + k`` stands for ``missing_parent_ids[k]``."""
    parent: array[int]
    """Parent node per node, ``-1`` for top-level nodes (roots and pseudo-nodes)."""
    child_offsets: array[int]
    """Children of node ``v`` are ``child_nodes[child_offsets[v]:child_offsets[v+1]]``."""
    child_nodes: array[int]
    """Children of all nodes, each node's children ordered by start time (then file order)."""
    top_level: list[int]
    """Top-level nodes: root spans by start time, then pseudo-nodes by start time."""
    root_spans: list[int]
    """Spans without a parent reference."""
    orphans: list[int]
    """Spans whose parent id is not in the trace."""
    duplicates: dict[str, list[int]]
    """Span ids that occur more than once, with every span index carrying them."""
    node_starts: array[int]
    """Start per node (pseudo-node: earliest child start), µs since the epoch."""
    node_durations: array[int]
    """Duration per node (pseudo-node: until the latest child end), µs."""
    on_critical_path: bytearray
    """1 for spans that have at least one critical section."""
    critical_sections: list[tuple[int, int, int]]
    """Critical path sections ``(span, start_us, end_us)``, in Jaeger UI's walk order (backwards)."""
    critical_path: list[int]
    """Span indexes on the critical path, in order of first appearance in the walk (root first)."""
    order: array[int]
    """All nodes in depth-first pre-order (the fully expanded waterfall)."""
    position: array[int]
    """Pre-order position per node."""
    subtree_end: array[int]
    """Per node: pre-order position just past its subtree."""
    depth: array[int]
    """Depth per node (top-level nodes are depth 0)."""
    start_us: int
    """Earliest span start, µs since the epoch."""
    end_us: int
    """Latest span end, µs since the epoch."""
    _self_times: dict[int, int] = field(default_factory=dict, repr=False)
    """Memo of :meth:`self_time` (computed per span on demand: only opened/painted spans need it)."""
    _memo: dict[str, list[int]] = field(default_factory=dict, repr=False)
    """Memo of whole-trace answers computed on first use (:meth:`skewed_spans`)."""

    @property
    def duration_us(self) -> int:
        """From the earliest start to the latest end, µs."""
        return self.end_us - self.start_us

    @property
    def max_depth(self) -> int:
        """Deepest node depth."""
        return max(self.depth) if len(self.depth) else 0

    def skew(self, span: int) -> int:
        """``SKEW_*`` flags of ``span`` versus its recorded parent; 0 when it fits or has no parent span."""
        p = self.parent[span]
        if p < 0 or p >= self.span_count:
            return 0
        t = self.trace
        start, parent_start = t.starts[span], t.starts[p]
        flags = SKEW_STARTS_BEFORE_PARENT if start < parent_start else 0
        # A FOLLOWS_FROM child is not waited for: ending after the parent is expected.
        if t.parent_kinds[span] != RefKind.FOLLOWS_FROM and (
            start + t.durations[span] > parent_start + t.durations[p]
        ):
            flags |= SKEW_ENDS_AFTER_PARENT
        return flags

    def skewed_spans(self) -> list[int]:
        """Spans with any ``SKEW_*`` flag, in file order; column-wise, computed once (ms for 100k spans)."""
        cached = self._memo.get("skewed")
        if cached is None:
            t = self.trace
            n = self.span_count
            parents = self.parent[:n]
            # Parent -1 indexes the last node: garbage, filtered out by skew() on the few candidates.
            pstarts = list(map(self.node_starts.__getitem__, parents))
            pends = map(add, pstarts, map(self.node_durations.__getitem__, parents))
            ends = map(add, t.starts, t.durations)
            odd = compress(range(n), map(or_, map(lt, t.starts, pstarts), map(gt, ends, pends)))
            cached = self._memo["skewed"] = [i for i in odd if self.skew(i)]
        return cached

    def self_time(self, span: int) -> int:
        """Duration of ``span`` not covered by any child (children clipped to the span), µs."""
        cached = self._self_times.get(span)
        if cached is None:
            cached = self._self_times[span] = _self_time(
                span, self.trace.starts, self.trace.durations, self.child_offsets, self.child_nodes
            )
        return cached

    def is_pseudo(self, node: int) -> bool:
        """Whether ``node`` is a missing-parent pseudo-node rather than a span."""
        return node >= self.span_count

    def children(self, node: int) -> array[int]:
        """Child nodes of ``node`` in start order."""
        return self.child_nodes[self.child_offsets[node] : self.child_offsets[node + 1]]

    def child_count(self, node: int) -> int:
        """Number of direct children of ``node``."""
        return self.child_offsets[node + 1] - self.child_offsets[node]

    def descendant_count(self, node: int) -> int:
        """Number of nodes below ``node``."""
        return self.subtree_end[node] - self.position[node] - 1

    def services_used(self) -> list[str]:
        """Names of the services that have spans in this trace, in order of first appearance."""
        seen = dict.fromkeys(self.trace.service_idx)
        return [self.trace.services[i] for i in seen]

    def ancestors(self, node: int) -> list[int]:
        """Nodes from ``node``'s parent up to its top-level node."""
        out = []
        p = self.parent[node]
        while p >= 0:
            out.append(p)
            p = self.parent[p]
        return out


def analyse(trace: Trace) -> TraceAnalysis:
    """Build the tree and every mark the waterfall needs; :class:`TraceDataError` on cyclic references."""
    n = len(trace.span_ids)
    if n == 0:
        raise TraceDataError(f"trace {trace.trace_id or '(no id)'} has no spans")
    span_ids = trace.span_ids
    starts = trace.starts
    durations = trace.durations
    # Most passes below are map/compress/sort over arrays, which run in C; Python-level loops are
    # kept for the few spans that need attention (roots, orphans) and the two walks.

    # First occurrence wins: reversed insertion leaves the lowest index for every id.
    first: dict[str, int] = dict(zip(reversed(span_ids), range(n - 1, -1, -1), strict=True))
    duplicates: dict[str, list[int]] = {}
    if len(first) < n:
        for i, sid in enumerate(span_ids):
            if first[sid] != i:
                duplicates.setdefault(sid, [first[sid]]).append(i)
    first.pop("", None)  # "" means "no parent", never a span

    # Parents; orphans get one pseudo-node per absent parent id.
    parent = array("i", map(first.get, trace.parent_ids, repeat(-1)))
    missing: dict[str, int] = {}
    root_spans: list[int] = []
    orphans: list[int] = []
    parent_ids = trace.parent_ids
    for i in compress(range(n), map(lt, parent, repeat(0))):
        pid = parent_ids[i]
        if not pid:
            root_spans.append(i)
            continue
        p = missing.get(pid)
        if p is None:
            p = missing[pid] = n + len(missing)
        parent[i] = p
        orphans.append(i)
    m = len(missing)
    node_count = n + m
    parent.extend(array("i", [-1]) * m)

    # Pseudo-nodes span their orphans.
    ends = array("q", map(add, starts, durations))
    # Without pseudo-nodes the node columns are the span columns (shared, never written).
    node_starts = starts
    node_ends = ends
    node_durations = durations
    if m:
        node_starts = array("q", starts)
        node_ends = array("q", ends)
        lo = [0] * m
        hi = [0] * m
        seen = bytearray(m)
        for i in orphans:
            k = parent[i] - n
            s, e = starts[i], ends[i]
            if not seen[k]:
                seen[k] = 1
                lo[k], hi[k] = s, e
            else:
                lo[k] = min(lo[k], s)
                hi[k] = max(hi[k], e)
        node_starts.extend(lo)
        node_ends.extend(hi)
        node_durations = array("q", map(sub, node_ends, node_starts))

    # Children in CSR form, each node's children in start order: a stable sort by parent of the
    # spans already sorted by start.
    by_start = sorted(range(n), key=starts.__getitem__)
    with_parent = list(compress(by_start, map(ge, map(parent.__getitem__, by_start), repeat(0))))
    with_parent.sort(key=parent.__getitem__)
    child_nodes = array("i", with_parent)
    counts = Counter(map(parent.__getitem__, with_parent))
    child_offsets = array("i", [0])
    child_offsets.extend(accumulate(map(counts.get, range(node_count), repeat(0))))

    roots_by_start = sorted(root_spans, key=starts.__getitem__)  # stable: file order on ties
    pseudo = sorted(range(n, node_count), key=node_starts.__getitem__)
    top_level = roots_by_start + pseudo

    order, position, subtree_end, depth = _preorder(node_count, top_level, parent, child_offsets, child_nodes)
    if len(order) < node_count:
        stuck = min(set(range(n)).difference(order))
        raise TraceDataError(
            f"trace {trace.trace_id}: spans form a reference cycle "
            f"(span {span_ids[stuck]} is its own ancestor)"
        )

    sections = _critical_path(
        starts, ends, parent, trace.parent_kinds, child_offsets, child_nodes, roots_by_start + orphans
    )
    cp_order = list(dict.fromkeys(map(itemgetter(0), sections)))
    on_cp = bytearray(n)
    for v in cp_order:
        on_cp[v] = 1

    return TraceAnalysis(
        trace=trace,
        span_count=n,
        node_count=node_count,
        missing_parent_ids=list(missing),
        parent=parent,
        child_offsets=child_offsets,
        child_nodes=child_nodes,
        top_level=top_level,
        root_spans=root_spans,
        orphans=orphans,
        duplicates=duplicates,
        node_starts=node_starts,
        node_durations=node_durations,
        on_critical_path=on_cp,
        critical_sections=sections,
        critical_path=cp_order,
        order=order,
        position=position,
        subtree_end=subtree_end,
        depth=depth,
        start_us=min(starts),
        end_us=max(ends),
    )


def _preorder(
    node_count: int,
    top_level: list[int],
    parent: array[int],
    child_offsets: array[int],
    child_nodes: array[int],
) -> tuple[array[int], array[int], array[int], array[int]]:
    """Iterative depth-first pre-order, with position, subtree end and depth per node.

    A node is pushed again as ``~node`` below its children: popping that marker means its subtree
    is complete, so its end position is known without a second pass.
    """
    order = array("i")
    append = order.append
    position = array("i", [-1]) * node_count
    subtree_end = array("i", [-1]) * node_count
    # One spare slot at the end: parent -1 indexes it, so top-level nodes need no special case.
    depth = array("i", [0]) * (node_count + 1)
    depth[-1] = -1
    stack = top_level[::-1]
    pop = stack.pop
    push = stack.append
    extend = stack.extend
    pos = 0
    while stack:
        v = pop()
        if v < 0:
            subtree_end[~v] = pos
            continue
        # Follow single-child runs (chains) without going through the stack.
        while True:
            position[v] = pos
            pos += 1
            append(v)
            depth[v] = depth[parent[v]] + 1
            lo = child_offsets[v]
            hi = child_offsets[v + 1]
            if lo == hi:
                subtree_end[v] = pos
                break
            push(~v)
            if hi - lo == 1:
                v = child_nodes[lo]
                continue
            kids = child_nodes[lo:hi]
            kids.reverse()
            extend(kids)
            break
    return order, position, subtree_end, depth[:node_count]


def _self_time(
    v: int, starts: array[int], durations: array[int], child_offsets: array[int], child_nodes: array[int]
) -> int:
    """Duration minus the union of the children's intervals clipped to the span."""
    lo, hi = child_offsets[v], child_offsets[v + 1]
    s0 = starts[v]
    e0 = s0 + durations[v]
    covered = 0
    cur_s = cur_e = s0
    # Children are sorted by start, so one sweep merges their intervals.
    for c in child_nodes[lo:hi]:
        cs = starts[c]
        ce = cs + durations[c]
        if cs < s0:
            cs = s0
        if ce > e0:
            ce = e0
        if ce <= cs:
            continue
        if cs > cur_e:
            covered += cur_e - cur_s
            cur_s, cur_e = cs, ce
        elif ce > cur_e:
            cur_e = ce
    covered += cur_e - cur_s
    return durations[v] - covered


def _critical_path(
    starts: array[int],
    ends: array[int],
    parent: array[int],
    kinds: bytearray,
    child_offsets: array[int],
    child_nodes: array[int],
    tree_roots: list[int],
) -> list[tuple[int, int, int]]:
    """Jaeger UI's critical path, computed without recursion.

    Semantics of jaeger-ui ``TracePage/CriticalPath``: only CHILD_OF children count (a FOLLOWS_FROM
    child and its subtree are dropped); a child is clipped to its (already clipped) parent, and
    dropped with its subtree when entirely outside it; then from each tree root, repeatedly take
    the child that finishes last before the current cut point (the parent's end, or the start of
    the child last returned from), walking backwards, and return to the parent at a span's start
    when it has no such child. ``tree_roots`` are the root spans and the orphans (each heads a tree).

    Clipping is done top-down as the walk first enters a span, and only for the children of spans
    it enters: a dropped span's subtree is never reached, so it needs no marking, and spans off the
    path cost nothing. Returns ``(span, start_us, end_us)`` sections in walk order.
    """
    s_start = array("q", starts)  # clipped times, valid for the children of entered spans
    s_end = array("q", ends)
    end_of = s_end.__getitem__
    child_of = RefKind.CHILD_OF
    no_kids: list[int] = []
    n = len(starts)
    kids_of: list[list[int]] = [no_kids] * n
    cursor = [0] * n

    def enter(v: int) -> list[int]:
        """CHILD_OF children of ``v`` clipped to it, latest (clipped) end first."""
        lo = child_offsets[v]
        hi = child_offsets[v + 1]
        if lo == hi:
            return no_kids
        ps = s_start[v]
        pe = s_end[v]
        if hi - lo == 1:  # chains: no list walk, no sort
            c = child_nodes[lo]
            if kinds[c] != child_of:
                return no_kids
            cs = s_start[c]
            ce = s_end[c]
            if cs < ps:
                if ce <= ps:
                    return no_kids
                s_start[c] = ps
            elif cs >= pe:
                return no_kids
            if ce > pe:
                s_end[c] = pe
            return [c]
        kept = []
        for c in child_nodes[lo:hi]:
            if kinds[c] != child_of:
                continue
            cs = s_start[c]
            ce = s_end[c]
            if cs >= ps:
                if cs >= pe:
                    continue
                if ce > pe:
                    s_end[c] = pe
            else:
                if ce <= ps:
                    continue
                s_start[c] = ps
                if ce > pe:
                    s_end[c] = pe
            kept.append(c)
        if len(kept) > 1:
            # Stable: equal ends keep start order, as Jaeger keeps the first of equal ends.
            kept.sort(key=end_of, reverse=True)
        return kept

    sections: list[tuple[int, int, int]] = []
    add_section = sections.append
    for root in tree_roots:
        cur = root
        cut: int | None = None
        kids = kids_of[cur] = enter(cur)
        k = 0
        while True:
            if cut is None:
                # Just entered: the child that finishes last comes first.
                section_end = s_end[cur]
                if kids:
                    lfc = kids[0]
                    cursor[cur] = 1
                    e = s_end[lfc]
                    if e != section_end:
                        add_section((cur, e, section_end))
                    cur = lfc
                    kids = kids_of[cur] = enter(cur)
                    continue
            else:
                section_end = cut
                nk = len(kids)
                # The cut only moves earlier, so the scan position never moves back.
                while k < nk and s_end[kids[k]] >= cut:
                    k += 1
                if k < nk:
                    lfc = kids[k]
                    cursor[cur] = k + 1
                    e = s_end[lfc]
                    if e != section_end:
                        add_section((cur, e, section_end))
                    cur = lfc
                    cut = None
                    kids = kids_of[cur] = enter(cur)
                    continue
            s = s_start[cur]
            if s != section_end:
                add_section((cur, s, section_end))
            if cur == root:
                break
            cut = s
            cur = parent[cur]
            kids = kids_of[cur]
            k = cursor[cur]
    return sections


def summarize(trace: Trace) -> TraceSummary:
    """The search-result line of a full trace (no tree needed: one pass over the columns)."""
    n = len(trace.span_ids)
    if n == 0:
        raise TraceDataError(f"trace {trace.trace_id or '(no id)'} has no spans")
    starts, durations = trace.starts, trace.durations
    start_us = min(starts)
    end_us = max(s + d for s, d in zip(starts, durations, strict=True))
    roots = [i for i, pid in enumerate(trace.parent_ids) if not pid]
    # The earliest root, as Jaeger does; a trace made only of orphans shows its earliest span.
    candidates = roots or range(n)
    root = min(candidates, key=starts.__getitem__)
    seen = dict.fromkeys(trace.service_idx)
    return TraceSummary(
        trace_id=trace.trace_id,
        start=datetime.fromtimestamp(start_us / 1e6, tz=UTC),
        root_service=trace.service(root),
        root_operation=trace.operations[root],
        duration_us=end_us - start_us,
        span_count=n,
        error_count=trace.error_count,
        services=[trace.services[i] for i in seen],
    )
