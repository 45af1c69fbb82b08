"""The alert queue as a UI shows it: grouped, sorted, filtered, keyed by fingerprint.

Two stages, so that a filter keystroke does not redo a poll's work:

* :func:`prepare` runs once per poll: it de-duplicates alerts by fingerprint, ranks
  them, assigns each to its Alertmanager group and resolves who silenced it.
* :meth:`QueueSnapshot.view` runs per filter/toggle change: it filters, groups (by the
  Alertmanager group or by a label the user picks), sorts and counts.

Alertmanager returns an alert once per route that matched it (an alert routed to two
receivers appears in two groups). The queue shows each alert once, in its most
specific group (most group-by labels, then receiver name), so the table can be keyed
by fingerprint alone and counts are counts of alerts, not of notifications.

Order: groups by their highest severity, then by their oldest alert; alerts inside a
group by severity, then oldest first (see :mod:`oncall_tui.domain.severity`).

Time-dependent figures (response timers, ack age and time left) are not stored here:
the UI computes them for visible rows at render time with ``now``.

Silences (the app's marker, :class:`SilenceInfo`, the Silences screen) live in
:mod:`oncall_tui.domain.silences`; automatic escalation in :mod:`oncall_tui.domain.escalation`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter

from oncall_tui import collector
from oncall_tui.domain.alert_rows import AlertRow, AlertState, GroupRow
from oncall_tui.domain.matchers import (
    Filter,
    Matcher,
    MatchType,
    escape_regex,
    search_text,
    selects,
)
from oncall_tui.domain.severity import NONE, SeverityPolicy
from oncall_tui.domain.silences import SilenceInfo
from oncall_tui.foreground import paced
from oncall_tui.models.alertmanager import Alert, AlertGroup, Silence


@dataclass(frozen=True, slots=True)
class QueueOptions:
    """How the user wants the queue shown."""

    group_by: str | None = None
    """Label to group by; None groups as Alertmanager does."""
    include_suppressed: bool = False
    """Also show silenced, inhibited and muted alerts."""
    include_acked: bool = False
    """Also show alerts the app's own acks silence (the Alerts screen's "active": what the engineer took)."""
    filter: Filter | None = None
    """Matchers and free text from the filter bar."""


@dataclass(frozen=True, slots=True)
class QueueLayout:
    """The rows a queue table shows, in order, with each row's index by key."""

    rows: list[GroupRow | AlertRow]
    """Group headers and alert rows in display order."""
    order: list[str]
    """Their keys, in the same order."""
    index: dict[str, int]
    """Position of each key in :attr:`order`."""


@dataclass(frozen=True, slots=True)
class QueueView:
    """What the queue widget renders."""

    groups: tuple[GroupRow, ...]
    """Groups in order."""
    counts: Mapping[str, int]
    """Alerts per severity among those the active/suppressed toggle lets through (header counts)."""
    shown_counts: Mapping[str, int]
    """Alerts per severity after the filter too."""
    total: int
    """Alerts in the poll (every state)."""
    shown: int
    """Alerts in the view."""
    _cache: dict[object, object] = field(default_factory=dict, compare=False, repr=False)
    """Layouts and counts already computed (a view never changes: 55,000 rows are walked once,
    in the poll's thread for the default view, not per keystroke on the event loop)."""

    def layout(self, collapsed: frozenset[str] | set[str] = frozenset()) -> QueueLayout:
        """The rows shown with ``collapsed`` groups folded. A group of one alert gets no header row
        (at 80x24 the header would only repeat the alert) unless it is folded."""
        key = ("layout", frozenset(collapsed))
        cached = self._cache.get(key)
        if isinstance(cached, QueueLayout):
            return cached
        closed = key[1]
        rows = [
            row
            for row in self.rows(closed)
            if not (isinstance(row, GroupRow) and len(row.alerts) == 1 and row.key not in closed)
        ]
        order = [row.key for row in rows]
        layout = QueueLayout(rows, order, dict(zip(order, range(len(order)), strict=True)))
        if len(self._cache) > 8:
            self._cache.clear()  # folds toggled many times: keep the cache small
        self._cache[key] = layout
        return layout

    def acked(self) -> int:
        """Alerts in the view silenced by one of this app's acks (the summary's "(N acked)")."""
        cached = self._cache.get("acked")
        if isinstance(cached, int):
            return cached
        count = sum(1 for r in self.alert_rows() if r.state is not AlertState.ACTIVE and r.acks)
        self._cache["acked"] = count
        return count

    def warm(self) -> None:
        """Compute what the table and the summary need of the unfolded view now (in a worker thread)."""
        self.layout()
        self.acked()

    @property
    def unfiltered(self) -> int:
        """Alerts the active/suppressed toggle lets through, before the filter (the header's count)."""
        return sum(self.counts.values())

    def rows(self, collapsed: Iterable[str] = ()) -> list[GroupRow | AlertRow]:
        """Group and alert rows in display order; a collapsed group shows only its header."""
        closed = set(collapsed)
        out: list[GroupRow | AlertRow] = []
        for group in paced(self.groups, every=32):
            out.append(group)
            if group.key not in closed:
                out.extend(group.alerts)
        return out

    def row_keys(self) -> list[str]:
        """Row keys in display order (groups expanded)."""
        return [row.key for row in self.rows()]

    def alert_rows(self) -> list[AlertRow]:
        """Every alert row in order."""
        return [row for group in self.groups for row in group.alerts]

    def find(self, key: str) -> GroupRow | AlertRow | None:
        """The row with ``key``."""
        for group in self.groups:
            if group.key == key:
                return group
            for row in group.alerts:
                if row.key == key:
                    return row
        return None


def _group_key(receiver: str, labels: Mapping[str, str]) -> str:
    inner = ",".join(f"{k}={v!r}" for k, v in sorted(labels.items()))
    return f"group:{receiver}:{{{inner}}}"


_KEY = attrgetter("key")
_LABELS = attrgetter("alert.labels")
_SEVERITY = attrgetter("severity")
_RANK = attrgetter("rank")

FILTER_CACHE = 8
"""Filter results a snapshot keeps: a word typed and backspaced again (up to this many keys) is free."""

MAX_COLUMNS = 16
"""Label value and haystack columns a snapshot keeps at most (10,000 entries each)."""

_Scope = tuple[str | None, bool, bool]


def _state(alert: Alert) -> AlertState:
    status = alert.status
    if status.state != "suppressed":
        # "unprocessed" alerts are shown as active: nothing is known to suppress them.
        return AlertState.ACTIVE
    if status.silenced_by:
        return AlertState.SILENCED
    if status.inhibited_by:
        return AlertState.INHIBITED
    return AlertState.MUTED


@dataclass(slots=True)
class QueueSnapshot:
    """One poll's alerts, prepared for cheap re-filtering. Build it with :func:`prepare`."""

    rows: list[AlertRow]
    """Every unique alert, in queue order."""
    group_info: dict[str, tuple[Mapping[str, str], str]]
    """Alertmanager group key → (group labels, receiver)."""
    policy: SeverityPolicy
    """The severity policy it was ranked with."""
    fingerprints: frozenset[str]
    """Fingerprints of every alert in the poll."""
    _haystacks: dict[str, str] = field(default_factory=dict)
    _by_key: dict[str, AlertRow] = field(default_factory=dict)
    # What the active/suppressed toggles let through, and its counts, per toggle state.
    _visible: dict[tuple[bool, bool], tuple[list[AlertRow], dict[str, int]]] = field(default_factory=dict)
    # Columns aligned with such a visible list (keyed by its id; "" for haystacks, else a label
    # name): a filter's first keystroke scans them instead of 10,000 scattered rows.
    _columns: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    # The last filters' results, oldest first: (options scope, filter, rows in queue order). A new
    # poll is a new snapshot, so nothing here outlives the rows it was computed from.
    _filtered: list[tuple[_Scope, Filter, list[AlertRow]]] = field(default_factory=list)

    def haystack(self, row: AlertRow) -> str:
        """Free-text haystack of a row, computed once per poll."""
        text = self._haystacks.get(row.key)
        if text is None:
            text = self._haystacks[row.key] = search_text(row.alert)
        return text

    def warm(self, previous: QueueSnapshot | None) -> None:
        """Build the haystacks now (off the event loop) if the poll before had them: someone searches.

        Haystacks are a lower-cased copy of every label and annotation value (half the body's size
        for 55,000 alerts), so a queue nobody searches builds none: the filter builds them when it
        opens. Once built, each poll builds them with the poll, so a filter typed meanwhile does not
        build 55,000 of them on the event loop, and takes ``previous``'s text for every alert that
        kept the very same label and annotation objects (``models/alert_reuse.py`` hands them over
        when they are equal): no second copy of the text while both polls are alive.
        """
        if previous is None or not previous._haystacks:
            return
        texts = self._haystacks
        old_texts = previous._haystacks
        for row in self.rows:
            key = row.key
            if key in texts:
                continue
            text = old_texts.get(key)
            if text is not None:
                old = previous.row(key)
                alert = row.alert
                if (
                    old is None
                    or old.alert.labels is not alert.labels
                    or (old.alert.annotations is not alert.annotations)
                ):
                    text = None
            texts[key] = text if text is not None else search_text(row.alert)

    def alerts(self) -> list[Alert]:
        """Every unique alert of the poll."""
        return [row.alert for row in self.rows]

    def row(self, fingerprint: str) -> AlertRow | None:
        """The row of one alert."""
        if not self._by_key:
            self._by_key = {row.key: row for row in self.rows}
        return self._by_key.get(fingerprint)

    def new_since(self, previous: QueueSnapshot | None) -> frozenset[str]:
        """Fingerprints present now but not in ``previous`` (nothing is new on the first poll)."""
        if previous is None:
            return frozenset()
        return self.fingerprints - previous.fingerprints

    def new_critical(
        self, previous: QueueSnapshot | None, *, new: frozenset[str] | None = None
    ) -> list[AlertRow]:
        """New, active alerts of the highest severity: what rings the bell.

        ``new``: :meth:`new_since` of ``previous`` when the caller has it already (55,000 alerts).
        """
        new = self.new_since(previous) if new is None else new
        top = len(self.policy.order)
        return [r for r in self.rows if r.key in new and r.rank == top and r.state is AlertState.ACTIVE]

    def view(self, options: QueueOptions | None = None) -> QueueView:
        """Filter, group, sort and count."""
        options = options or QueueOptions()
        visible, counts = self._visible_rows(options)
        flt = options.filter
        shown = visible if flt is None or flt.is_empty else self._filter(visible, flt, options)
        names = self.policy.names()
        buckets: defaultdict[str, list[AlertRow]] = defaultdict(list)
        bucket_labels: dict[str, tuple[Mapping[str, str], str | None]] = {}
        # Views of a poll are built in its thread (a key goes first: paced checkpoints); a view
        # built on the event loop (a filter) passes them without waiting.
        if options.group_by is None:
            for row in paced(shown):
                buckets[row.group_key].append(row)
            for key in buckets:
                bucket_labels[key] = self.group_info[key]
        else:
            name = options.group_by
            by_value: defaultdict[str, list[AlertRow]] = defaultdict(list)
            for row in paced(shown):
                by_value[row.alert.labels.get(name, "")].append(row)
            for value, members in by_value.items():
                key = f"group:by:{name}={value!r}"
                buckets[key] = members
                bucket_labels[key] = ({name: value}, None)
        groups = []
        shown_counts = dict.fromkeys(names, 0)
        for key, members in paced(buckets.items(), every=32):
            # Rows are already in queue order (prepare sorted them), and stay so per bucket.
            labels, group_receiver = bucket_labels[key]
            top = members[0]
            group_counts = _count(members, names)
            for severity, n in group_counts.items():
                shown_counts[severity] = shown_counts.get(severity, 0) + n
            groups.append(
                GroupRow(
                    key=key,
                    labels=labels,
                    receiver=group_receiver,
                    alerts=tuple(members),
                    severity=top.severity,
                    rank=top.rank,
                    counts=group_counts,
                    # Queue order is rank, then start time: the oldest alert heads its rank's run,
                    # so only the run heads are compared (not every alert's scattered start time).
                    oldest=min(next(run).alert.starts_at for _, run in groupby(members, _RANK)),
                )
            )
        groups.sort(key=lambda g: (-g.rank, g.oldest, g.key))
        return QueueView(
            groups=tuple(groups),
            counts=dict(counts),
            shown_counts=shown_counts,
            total=len(self.rows),
            shown=len(shown),
        )

    def _visible_rows(self, options: QueueOptions) -> tuple[list[AlertRow], dict[str, int]]:
        """The rows the active/suppressed toggles let through, with their counts (once per poll)."""
        scope = (options.include_suppressed, options.include_acked and not options.include_suppressed)
        found = self._visible.get(scope)
        if found is None:
            if options.include_suppressed:
                visible = self.rows
            elif options.include_acked:
                visible = [r for r in self.rows if r.state is AlertState.ACTIVE or r.has_ack]
            else:
                visible = [r for r in self.rows if r.state is AlertState.ACTIVE]
            found = self._visible[scope] = (visible, _count(visible, self.policy.names()))
            if len(self._haystacks) >= len(self.rows):
                # Haystacks already built (the app does it with the poll, off the event loop): line
                # them up now too, so the first free-text keystroke does not chase 10,000 rows.
                self._haystacks_of(visible)
        return found

    def _filter(self, visible: list[AlertRow], flt: Filter, options: QueueOptions) -> list[AlertRow]:
        """The visible rows ``flt`` lets through, reusing an earlier result where that is exact.

        The same filter again (a word backspaced to what it was) reuses its result. A filter that
        only narrows an earlier one (:meth:`Filter.narrows`: a word typed further, a word or
        matcher added) is applied to that result instead of to every alert: rows it dropped
        cannot pass the narrower filter. Results are kept per options (grouping, toggles).
        """
        scope: _Scope = (options.group_by, options.include_suppressed, options.include_acked)
        cache = self._filtered
        key = flt.key
        base = visible
        for i in range(len(cache) - 1, -1, -1):
            entry = cache[i]
            if entry[0] != scope:
                continue
            if entry[1].key == key:
                cache.append(cache.pop(i))
                return entry[2]
            if len(entry[2]) < len(base) and flt.narrows(entry[1]):
                base = entry[2]
        shown = flt.select(base, self._values_of, self._haystacks_of)
        cache.append((scope, flt, shown))
        del cache[:-FILTER_CACHE]
        return shown

    def _column(self, rows: Sequence[AlertRow], name: str, build: Callable[[], list[str]]) -> list[str]:
        """``build()``, kept when ``rows`` is one of the visible lists (they live as long as the snapshot)."""
        visible = any(rows is found[0] for found in self._visible.values())
        if not visible:
            return build()
        key = (id(rows), name)
        column = self._columns.get(key)
        if column is None:
            if len(self._columns) >= MAX_COLUMNS:
                self._columns.clear()  # label names typed and changed again: bounded, not kept all
            column = self._columns[key] = build()
        return column

    def _values_of(self, rows: Sequence[AlertRow], name: str) -> list[str]:
        """Each row's value of label ``name`` (``""`` when absent), in order."""
        return self._column(rows, name, lambda: [labels.get(name, "") for labels in map(_LABELS, rows)])

    def _haystacks_of(self, rows: Sequence[AlertRow]) -> list[str]:
        """The free-text haystacks of ``rows``, in order (built here for rows not yet warmed)."""
        return self._column(rows, "", lambda: self._build_haystacks(rows))

    def _build_haystacks(self, rows: Sequence[AlertRow]) -> list[str]:
        texts = self._haystacks
        try:
            return list(map(texts.__getitem__, map(_KEY, rows)))
        except KeyError:
            for row in rows:
                if row.key not in texts:
                    texts[row.key] = search_text(row.alert)
            return list(map(texts.__getitem__, map(_KEY, rows)))


_COUNT_CHUNK = 4096
"""Rows counted per C call in :func:`_count`."""


def _count(rows: Sequence[AlertRow], names: Iterable[str]) -> dict[str, int]:
    counts = dict.fromkeys(names, 0)
    tally: Counter[str] = Counter()
    # In chunks: counting 55,000 rows in one call holds the GIL ~10 ms (in the poll's thread, while
    # a key waits). Counter keeps first-seen order, so unknown severities follow the policy's.
    for start in range(0, len(rows), _COUNT_CHUNK):
        tally.update(map(_SEVERITY, rows[start : start + _COUNT_CHUNK]))
    for severity, n in tally.items():
        counts[severity] = counts.get(severity, 0) + n
    return counts


@contextmanager
def _gc_paused() -> Iterator[None]:
    # Building 10k rows allocates enough to trigger full collections that walk the whole
    # decoded poll (tens of ms each, at random). Nothing here creates reference cycles.
    with collector.paused():
        yield


def prepare(
    groups: Sequence[AlertGroup],
    policy: SeverityPolicy,
    *,
    silences: Sequence[Silence] = (),
    previous: QueueSnapshot | None = None,
) -> QueueSnapshot:
    """Turn one poll (already merged across peers) into a :class:`QueueSnapshot`.

    With ``previous`` (the poll on screen), the row of an alert that did not change (the same
    object: ``models/alert_reuse.py`` hands back the last poll's alert when it is equal), in the
    same group and under the same silences is that poll's row: a steady queue of 55,000 alerts
    allocates no new rows.
    """
    with _gc_paused():
        return _prepare(
            groups, policy, silences, previous if previous and previous.policy is policy else None
        )


def _prepare(
    groups: Sequence[AlertGroup],
    policy: SeverityPolicy,
    silences: Sequence[Silence],
    previous: QueueSnapshot | None,
) -> QueueSnapshot:
    # Most specific group first, so an alert routed several ways lands in its most specific group.
    ordered = sorted(groups, key=lambda g: (-len(g.labels), g.receiver.name, sorted(g.labels.items())))
    silence_info = {s.id: SilenceInfo.of(s) for s in silences}
    seen: set[str] = set()
    rows: list[AlertRow] = []
    group_info: dict[str, tuple[Mapping[str, str], str]] = {}
    classify = policy.classify
    before = {row.key: row for row in previous.rows} if previous is not None else {}
    for group in paced(ordered, every=4):  # in the poll's thread: a key on the event loop goes first
        key = _group_key(group.receiver.name, group.labels)
        for alert in group.alerts:
            fp = alert.fingerprint
            if fp in seen:
                continue
            seen.add(fp)
            if key not in group_info:
                group_info[key] = (group.labels, group.receiver.name)
            covering: tuple[SilenceInfo, ...] = ()
            if alert.status.silenced_by:
                found = [silence_info[i] for i in alert.status.silenced_by if i in silence_info]
                # The app's acks first: AlertRow.has_ack relies on it.
                found.sort(key=lambda s: (not s.is_ack, s.starts_at))
                covering = tuple(found)
            old = before.get(fp)
            if old is not None and old.alert is alert and old.group_key == key and old.silences == covering:
                rows.append(old)
                continue
            severity, rank = classify(alert.labels)
            rows.append(
                AlertRow(
                    key=fp,
                    alert=alert,
                    group_key=key,
                    group_labels=group.labels,
                    severity=severity,
                    rank=rank,
                    state=_state(alert),
                    silences=covering,
                    sort_key=(-rank, alert.starts_at.timestamp(), fp),
                )
            )
    return QueueSnapshot(
        rows=_in_queue_order(rows), group_info=group_info, policy=policy, fingerprints=frozenset(seen)
    )


_BAND = 1e12
"""Seconds between two ranks in :func:`_coarse_order`: wider than every start time (years 1-9999)."""
_SORT_KEY = attrgetter("sort_key")


def _coarse_order(row: AlertRow) -> float:
    """``sort_key`` without the fingerprint, as one float: never out of order, at worst tied."""
    negative_rank, started, _ = row.sort_key
    return negative_rank * _BAND + started


def _in_queue_order(rows: list[AlertRow]) -> list[AlertRow]:
    """``rows`` sorted by ``sort_key`` (rank, start, fingerprint).

    This runs in the poll's thread, and a sort holds the GIL from start to end: over 55,000
    tuple keys that is 35-45 ms in which the event loop cannot answer a key. Float keys sort in
    about 10 ms; the few runs they leave tied (the same start to the millisecond) are then put in
    full order in Python, which lets the event loop in.
    """
    rows.sort(key=_coarse_order)
    ordered: list[AlertRow] = []
    for _, tied in groupby(rows, _coarse_order):
        run = list(tied)
        if len(run) > 1:
            run.sort(key=_SORT_KEY)
        ordered.extend(run)
    return ordered


# --- ack silences -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AckPlan:
    """The silences an ack creates: usually one; one per alert when no single one is exact."""

    silences: tuple[tuple[Matcher, ...], ...]
    """Matchers of each silence to create."""
    exact: bool
    """True when the silences select exactly the target alerts among the known ones."""


def ack_matchers_for_alert(alert: Alert) -> tuple[Matcher, ...]:
    """Matchers selecting exactly one alert: every label, equality, no regex."""
    return tuple(Matcher(name, MatchType.EQUAL, value) for name, value in sorted(alert.labels.items()))


def _value_matcher(name: str, values: set[str]) -> Matcher:
    if len(values) == 1:
        return Matcher(name, MatchType.EQUAL, next(iter(values)))
    # Alertmanager anchors regexes itself (^(?:re)$); "" as an alternative matches an absent label.
    return Matcher(name, MatchType.REGEX, "|".join(escape_regex(v) for v in sorted(values)))


def ack_matchers_for_group(targets: Sequence[Alert], universe: Sequence[Alert] | None = None) -> AckPlan:
    """Silence matchers selecting exactly ``targets`` among ``universe`` (default: the targets).

    Labels shared by every target with one value become ``=``; with several values, an
    anchored regex alternation of the escaped values. Labels some targets lack are left
    out when the selection stays exact; otherwise they are added with an empty
    alternative (matching the absent label). If no single silence is exact (e.g. two
    labels whose values cross), the plan is one exact silence per alert.
    """
    if not targets:
        return AckPlan((), True)
    if len(targets) == 1:
        return AckPlan((ack_matchers_for_alert(targets[0]),), True)
    known = list(universe) if universe is not None else list(targets)
    wanted = {a.fingerprint for a in targets}
    known_fps = {a.fingerprint for a in known}
    known.extend(t for t in targets if t.fingerprint not in known_fps)

    def exact(matchers: Sequence[Matcher]) -> bool:
        if all(m.matches_value("") for m in matchers):
            return False
        picked = {a.fingerprint for a in known if selects(matchers, a.labels)}
        return picked == wanted

    names = sorted({name for a in targets for name in a.labels})
    shared: list[Matcher] = []
    partial: list[Matcher] = []
    for name in names:
        values = {a.labels[name] for a in targets if name in a.labels}
        if all(name in a.labels for a in targets):
            shared.append(_value_matcher(name, values))
        else:
            partial.append(_value_matcher(name, values | {""}))
    if shared and exact(shared):
        return AckPlan((tuple(shared),), True)
    combined = sorted([*shared, *partial], key=lambda m: m.name)
    if exact(combined):
        return AckPlan((tuple(combined),), True)
    per_alert = tuple(ack_matchers_for_alert(a) for a in targets)
    picked = {a.fingerprint for a in known if any(selects(ms, a.labels) for ms in per_alert)}
    return AckPlan(per_alert, picked == wanted)


def silence_preview(matchers: Sequence[Matcher], alerts: Iterable[Alert]) -> list[Alert]:
    """The alerts a silence with ``matchers`` would select (the "create silence" preview)."""
    return [a for a in alerts if selects(matchers, a.labels)]


__all__ = [
    "NONE",
    "AckPlan",
    "AlertRow",
    "AlertState",
    "GroupRow",
    "QueueOptions",
    "QueueSnapshot",
    "QueueView",
    "SilenceInfo",
    "ack_matchers_for_alert",
    "ack_matchers_for_group",
    "prepare",
    "silence_preview",
]
