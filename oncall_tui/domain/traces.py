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
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate, compress, count, islice, repeat
from operator import add, eq, ge, gt, le, lt, ne, or_, sub
from typing import Any

from oncall_tui import collector
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
    _lazy: dict[str, array[int]] = field(default_factory=dict, repr=False)
    """Memo of node columns that the first paint does not need (:attr:`position`, :attr:`subtree_end`)."""

    @property
    def position(self) -> array[int]:
        """Pre-order position per node (computed on first use: the first paint does not need it)."""
        cached = self._lazy.get("position")
        if cached is None:
            cached = self._lazy["position"] = array("i", bytes(4 * self.node_count))
            for pos, v in enumerate(self.order):
                cached[v] = pos
        return cached

    @property
    def subtree_end(self) -> array[int]:
        """Per node: pre-order position just past its subtree (computed on first use)."""
        cached = self._lazy.get("subtree_end")
        if cached is None:
            # Subtree sizes bottom-up: in reversed pre-order every child comes before its parent.
            parent = self.parent
            size = [1] * (self.node_count + 1)  # spare slot: parent -1 of top-level nodes
            for v in reversed(self.order):
                size[parent[v]] += size[v]
            cached = self._lazy["subtree_end"] = array("i", map(add, self.position, size))
        return cached

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


def _consume(iterator: Iterator[object]) -> None:
    """Run ``iterator`` to its end in C (for maps called for their effect)."""
    deque(iterator, maxlen=0)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Hold off the cyclic garbage collector while a trace is built.

    Building a trace allocates tens of thousands of containers that all survive, so every
    collection the allocations trigger finds nothing to free; pausing it saves that work. The
    previous state is restored (nesting and callers that disabled it themselves are respected).
    """
    with collector.paused():
        yield


def analyse(trace: Trace) -> TraceAnalysis:
    """Build the tree and every mark the waterfall needs; :class:`TraceDataError` on cyclic references."""
    with paused_gc():
        return _analyse(trace)


def _analyse(trace: Trace) -> TraceAnalysis:
    n = len(trace.span_ids)
    if n == 0:
        raise TraceDataError(f"trace {trace.trace_id or '(no id)'} has no spans")
    span_ids = trace.span_ids
    starts = trace.starts
    durations = trace.durations
    # Most passes below are map/compress/sort in C over plain lists (indexing a list hands out the
    # stored int; indexing an array builds a new one each time). Python-level loops are kept for
    # the few spans that need attention (roots, orphans) and the two walks, which both take
    # single-child runs (chains) in bulk.
    starts_l = starts.tolist()
    ends_l = list(map(add, starts_l, durations.tolist()))

    # First occurrence wins: reversed insertion leaves the lowest index for every id.
    first: dict[str, int] = dict(zip(reversed(span_ids), range(n - 1, -1, -1), strict=True))
    duplicates: dict[str, list[int]] = {}
    if len(first) < n:
        for i, sid in enumerate(span_ids):
            if first[sid] != i:
                duplicates.setdefault(sid, [first[sid]]).append(i)
    first.pop("", None)  # "" means "no parent", never a span

    # Parents; orphans get one pseudo-node per absent parent id.
    parent_l: list[int] = list(map(first.get, trace.parent_ids, repeat(-1)))
    missing: dict[str, int] = {}
    root_spans: list[int] = []
    orphans: list[int] = []
    parent_ids = trace.parent_ids
    for i in _indexes_of(parent_l, -1):
        pid = parent_ids[i]
        if not pid:
            root_spans.append(i)
            continue
        p = missing.get(pid)
        if p is None:
            p = missing[pid] = n + len(missing)
        parent_l[i] = p
        orphans.append(i)
    m = len(missing)
    node_count = n + m
    parent_l.extend(repeat(-1, m))
    parent = array("i", parent_l)

    # Pseudo-nodes span their orphans.
    # Without pseudo-nodes the node columns are the span columns (shared, never written).
    node_starts = starts
    node_durations = durations
    if m:
        lo = [0] * m
        hi = [0] * m
        seen = bytearray(m)
        for i in orphans:
            k = parent_l[i] - n
            s, e = starts_l[i], ends_l[i]
            if not seen[k]:
                seen[k] = 1
                lo[k], hi[k] = s, e
            else:
                lo[k] = min(lo[k], s)
                hi[k] = max(hi[k], e)
        node_starts = array("q", starts)
        node_starts.extend(lo)
        node_durations = array("q", durations)
        node_durations.extend(map(sub, hi, lo))

    # Children in CSR form, each node's children in start order: a stable sort by parent of the
    # spans already sorted by start.
    if all(map(le, starts_l, islice(starts_l, 1, None))):
        with_parent = list(range(n))  # written in start order already (stops at the first that is not)
    else:
        with_parent = sorted(range(n), key=starts_l.__getitem__)
    start_us = starts_l[with_parent[0]]
    if len(root_spans) <= 16:
        for r in root_spans:
            with_parent.remove(r)
    else:
        with_parent = list(compress(with_parent, map(ge, map(parent_l.__getitem__, with_parent), repeat(0))))
    with_parent.sort(key=parent_l.__getitem__)
    child_nodes = array("i", with_parent)
    counts = Counter(map(parent_l.__getitem__, with_parent))
    offsets_l = [0]
    offsets_l.extend(accumulate(map(counts.get, range(node_count), repeat(0))))
    child_offsets = array("i", offsets_l)

    roots_by_start = sorted(root_spans, key=starts_l.__getitem__)  # stable: file order on ties
    pseudo = sorted(range(n, node_count), key=node_starts.__getitem__)
    top_level = roots_by_start + pseudo

    order, depth, runs = _preorder(n, node_count, top_level, parent, offsets_l, with_parent)
    if len(order) < node_count:
        stuck = min(set(range(n)).difference(order))
        raise TraceDataError(
            f"trace {trace.trace_id}: spans form a reference cycle "
            f"(span {span_ids[stuck]} is its own ancestor)"
        )

    sections, cp_order, on_cp = _critical_path(
        starts_l, ends_l, trace.parent_kinds, offsets_l, with_parent, roots_by_start + orphans, order, runs
    )

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
        order=array("i", order),
        depth=depth,
        start_us=start_us,
        end_us=max(ends_l),
    )


def _indexes_of(values: list[int], value: int) -> list[int]:
    """Indexes of ``value`` in ``values``: ``list.index`` hops (C scans) when it is rare."""
    count = values.count(value)
    if count > 64:
        return list(compress(range(len(values)), map(eq, values, repeat(value))))
    out = []
    i = -1
    index = values.index
    for _ in range(count):
        i = index(value, i + 1)
        out.append(i)
    return out


_RUN_MIN = 8
"""Single-child runs at least this long are walked in bulk by the critical path."""


def _preorder(
    span_count: int,
    node_count: int,
    top_level: list[int],
    parent: array[int],
    child_offsets: list[int],
    child_nodes: list[int],
) -> tuple[list[int], array[int], dict[int, tuple[int, int]]]:
    """Iterative depth-first pre-order, with the depth per node.

    Also returns the single-child runs (chains) it went through, ``head -> (first, last position)``,
    for the critical-path walk; a run never starts at a pseudo-node.
    """
    order: list[int] = []
    append = order.append
    # One spare slot at the end: parent -1 indexes it, so top-level nodes need no special case.
    depth = array("i", bytes(4 * (node_count + 1)))
    depth[-1] = -1
    runs: dict[int, tuple[int, int]] = {}
    stack = top_level[::-1]
    pop = stack.pop
    extend = stack.extend
    while stack:
        v = pop()
        d = depth[parent[v]] + 1
        lo = child_offsets[v]
        hi = child_offsets[v + 1]
        if v >= span_count:  # pseudo-node: never part of a run
            depth[v] = d
            append(v)
        else:
            head = v
            first = len(order)
            # Follow single-child runs (chains) without going through the stack.
            while True:
                depth[v] = d
                append(v)
                d += 1
                lo = child_offsets[v]
                hi = child_offsets[v + 1]
                if hi - lo != 1:
                    break
                v = child_nodes[lo]
            last = len(order) - 1
            if last - first >= _RUN_MIN:
                runs[head] = (first, last)
        if hi - lo > 0:
            kids = child_nodes[lo:hi]
            kids.reverse()
            extend(kids)
    return order, depth[:node_count], runs


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
    starts: list[int],
    ends: list[int],
    kinds: bytearray,
    child_offsets: list[int],
    child_nodes: list[int],
    tree_roots: list[int],
    order: list[int],
    runs: dict[int, tuple[int, int]],
) -> tuple[list[tuple[int, int, int]], list[int], bytearray]:
    """Jaeger UI's critical path, computed without recursion.

    Semantics of jaeger-ui ``TracePage/CriticalPath``: only CHILD_OF children count (a FOLLOWS_FROM
    child and its subtree are dropped); a child is clipped to its (already clipped) parent, and
    dropped with its subtree when entirely outside it; then from each tree root, repeatedly take
    the child that finishes last before the current cut point (the parent's end, or the start of
    the child last returned from), walking backwards, and return to the parent at a span's start
    when it has no such child. ``tree_roots`` are the root spans and the orphans (each heads a tree).

    Clipping is done top-down as the walk first enters a span, and only for the children of spans
    it enters: a dropped span's subtree is never reached, so it needs no marking, and spans off the
    path cost nothing. Single-child runs (``runs`` from :func:`_preorder`) are taken in bulk: along
    a chain of children that start inside their parents, clipping is a running max of the starts
    and a running min of the ends, and the sections down and back up are pairs of neighbours.
    Returns the ``(span, start_us, end_us)`` sections in walk order, the spans with a section in
    order of their first one (root first), and a 0/1 flag per span for being among them.
    """
    s_start = list(starts)  # clipped times, valid for the children of entered spans
    s_end = list(ends)
    end_of = s_end.__getitem__
    start_at = starts.__getitem__
    end_at = ends.__getitem__
    kind_of = kinds.__getitem__
    child_of = RefKind.CHILD_OF
    # Without FOLLOWS_FROM references every parent reference is CHILD_OF (roots have NONE).
    only_child_of = kinds.count(RefKind.FOLLOWS_FROM) == 0
    no_kids: list[int] = []

    def enter(v: int) -> list[int]:
        """CHILD_OF children of ``v`` clipped to it, latest (clipped) end first."""
        lo = child_offsets[v]
        hi = child_offsets[v + 1]
        if lo == hi:
            return no_kids
        ps = s_start[v]
        pe = s_end[v]
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

    def descend_run(v: int, first: int, last: int) -> tuple[int, list[int], list[int], bool]:
        """How far the walk goes down the run ``order[first:last+1]`` (headed by ``v``) in bulk.

        Returns ``(steps, run, clipped_starts)``: ``run[:steps]`` each have their single child kept
        (CHILD_OF, starting inside the clipped parent), the sections on the way down are added,
        and ``run[steps]`` gets its clipped times and is entered the ordinary way.
        """
        run = order[first : last + 1]
        kids = run[1:]
        steps = len(kids)
        if not only_child_of:
            # Only a leading stretch of CHILD_OF children is walked into.
            kb = bytes(map(kind_of, kids))
            steps -= len(kb.lstrip(b"\x01"))
            kids = kids[:steps]
        cs = list(map(start_at, kids))
        ce = list(map(end_at, kids))
        # Clipped starts are the running max of the starts: while no child starts before its
        # parent, that is the starts themselves; stop above the first that does.
        if steps and cs[0] < s_start[v]:
            steps = 0
        steps = next(compress(count(1), map(lt, cs[1:steps], cs)), steps)
        ps = [s_start[v], *cs[:steps]]
        # Clipped ends are the running min of the ends (the ends themselves while children end
        # inside their parents).
        pe = [s_end[v], *ce]
        if ce[:1] > pe[:1] or any(map(gt, ce[1:], ce)):
            pe = list(accumulate(ce, min, initial=s_end[v]))
        # A child starting at or after its parent's (clipped) end is dropped: its parent is a leaf.
        # Along the stretch the starts never decrease and the clipped ends never increase, so
        # the first such child is found by bisection.
        lo, hi = 0, steps
        while lo < hi:
            mid = (lo + hi) // 2
            if cs[mid] >= pe[mid]:
                hi = mid
            else:
                lo = mid + 1
        steps = lo
        if steps:
            tail = run[steps]
            s_start[tail] = ps[steps]
            s_end[tail] = pe[steps]
            run = run[:steps]
            below = pe[1 : steps + 1]
            above = pe[:steps]
            marked = list(map(ne, below, above))
            add_sections(compress(zip(run, below, above, strict=True), marked))
            # Spans of the run are entered only now, so a section makes each of them new on the path.
            new = list(compress(run, marked))
            add_path(new)
            _consume(map(on_path.__setitem__, new, repeat(1)))
            return steps, run, ps[: steps + 1], len(new) == steps
        return 0, run, ps, True

    sections: list[tuple[int, int, int]] = []
    add_section = sections.append
    add_sections = sections.extend
    # The path (spans with a section, in order of their first one) is collected as sections are.
    on_path = bytearray(len(starts))
    path: list[int] = []
    add_path = path.extend
    # Frames of the walk: [node, kids latest end first, next kid] for spans entered one by one,
    # and (run, clipped starts, every span of the run already on the path) for a chain in bulk.
    frames: list[list[Any] | tuple[list[int], list[int], bool]] = []
    push = frames.append
    pop = frames.pop
    for root in tree_roots:
        cur = root
        while True:
            # Entering `cur`.
            run_span = runs.get(cur)
            if run_span is not None:
                steps, run, ps, all_on_path = descend_run(cur, *run_span)
                if steps:
                    push((run, ps, all_on_path))
                    cur = order[run_span[0] + steps]
            kids = enter(cur)
            if kids:
                # The child that finishes last comes first.
                lfc = kids[0]
                e = s_end[lfc]
                se = s_end[cur]
                if e != se:
                    add_section((cur, e, se))
                    if not on_path[cur]:
                        on_path[cur] = 1
                        path.append(cur)
                push([cur, kids, 1])
                cur = lfc
                continue
            s = s_start[cur]
            e = s_end[cur]
            if s != e:
                add_section((cur, s, e))
                if not on_path[cur]:
                    on_path[cur] = 1
                    path.append(cur)
            cut = s
            # Returning from `cur` with the walk's cut point at its start.
            while frames:
                frame = frames[-1]
                if isinstance(frame, tuple):
                    run, ps, all_on_path = frame
                    # Back up a chain: each span from its start to its child's start.
                    starts_up = ps[-2::-1]
                    ends_up = ps[:0:-1]
                    up = run[::-1]
                    marked = list(map(ne, starts_up, ends_up))
                    add_sections(compress(zip(up, starts_up, ends_up, strict=True), marked))
                    if not all_on_path:
                        for x in compress(up, marked):
                            if not on_path[x]:
                                on_path[x] = 1
                                path.append(x)
                    cut = ps[0]
                    pop()
                    continue
                node, kids, k = frame
                nk = len(kids)
                # The cut only moves earlier, so the scan position never moves back.
                while k < nk and s_end[kids[k]] >= cut:
                    k += 1
                if k < nk:
                    lfc = kids[k]
                    frame[2] = k + 1
                    e = s_end[lfc]
                    if e != cut:
                        add_section((node, e, cut))
                        if not on_path[node]:
                            on_path[node] = 1
                            path.append(node)
                    cur = lfc
                    break
                s = s_start[node]
                if s != cut:
                    add_section((node, s, cut))
                    if not on_path[node]:
                        on_path[node] = 1
                        path.append(node)
                cut = s
                pop()
            else:
                break
    return sections, path, on_path


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
