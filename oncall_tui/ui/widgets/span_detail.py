"""Span detail pane: everything about the span under the waterfall cursor.

Tags, logs/events and process attributes are decoded only here, for the one span shown
(:meth:`oncall_tui.models.jaeger.Trace.detail`), never for the whole trace.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.console import Console, Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from oncall_tui.domain.durations import format_micros
from oncall_tui.domain.traces import SKEW_ENDS_AFTER_PARENT, SKEW_STARTS_BEFORE_PARENT, TraceAnalysis
from oncall_tui.models.jaeger import RefKind
from oncall_tui.ui.widgets.waterfall_render import GLYPH_ERROR, WaterfallPalette

REF_NAMES = {
    RefKind.CHILD_OF: "CHILD_OF",
    RefKind.FOLLOWS_FROM: "FOLLOWS_FROM",
    RefKind.LINK: "LINK",
    RefKind.NONE: "NONE",
}


def _local(us: int) -> str:
    moment = datetime.fromtimestamp(us / 1e6, tz=UTC).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d} {moment.tzname()}"


def _section(title: str, style: Style) -> Text:
    return Text(f"\n{title}", style=style)


def _kv_table(rows: list[tuple[str, str]], key_style: Style) -> Table:
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column("key", style=key_style, no_wrap=True, max_width=32)
    table.add_column("value", overflow="fold", ratio=1)
    for key, value in rows:
        # Text, not str: tag values are data and may contain [brackets] that look like markup.
        table.add_row(Text(key), Text(value))
    return table


def span_warnings(analysis: TraceAnalysis, node: int) -> list[str]:
    """Human warnings about one span: clock skew, missing parent, duplicate id, server warnings."""
    t = analysis.trace
    out: list[str] = []
    parent = analysis.parent[node]
    skew = analysis.skew(node) if node < analysis.span_count else 0
    if skew & SKEW_STARTS_BEFORE_PARENT and 0 <= parent < analysis.span_count:
        early = t.starts[parent] - t.starts[node]
        out.append(f"clock skew: starts {format_micros(early)} before its parent (shown as recorded)")
    if skew & SKEW_ENDS_AFTER_PARENT and 0 <= parent < analysis.span_count:
        late = t.end(node) - t.end(parent)
        out.append(f"clock skew: ends {format_micros(late)} after its parent (shown as recorded)")
    if parent >= analysis.span_count:
        out.append(f"parent span {t.parent_ids[node]} is not in this trace")
    others = analysis.duplicates.get(t.span_ids[node])
    if others:
        out.append(f"span id {t.span_ids[node]} is used by {len(others)} spans of this trace")
    extra = t.extras.get(node)
    if extra is not None:
        out.extend(extra.warnings)
    return out


def detail_renderable(analysis: TraceAnalysis, node: int, palette: WaterfallPalette) -> RenderableType:
    """The detail of ``node`` (a span or a missing-parent pseudo-node) as one Rich renderable."""
    t = analysis.trace
    heading = palette.muted + Style(bold=True)
    if analysis.is_pseudo(node):
        missing = analysis.missing_parent_ids[node - analysis.span_count]
        children = analysis.children(node)
        return Group(
            Text(f"? missing parent {missing}", style=palette.missing + Style(bold=True)),
            Text(
                f"{len(children)} span(s) reference parent {missing}, which is not in this trace "
                "(not sampled, not flushed yet, or dropped); they are listed under this node."
            ),
            _kv_table(
                [
                    ("earliest start", f"+{format_micros(analysis.node_starts[node] - analysis.start_us)}"),
                    ("extent", format_micros(analysis.node_durations[node])),
                ],
                heading,
            ),
        )
    detail = t.detail(node)
    colour = palette.service(t.service_idx[node])
    title = Text(no_wrap=False)
    if detail.error:
        title.append(GLYPH_ERROR + " ", palette.error)
    title.append(detail.service, Style(color=colour.rich_color, bold=True))
    title.append("  ")
    title.append(detail.operation, palette.error if detail.error else Style(bold=True))
    offset = detail.start_us - analysis.start_us
    # Two dense lines, so that at 80x24 the references and tags start inside the pane.
    timing = Text()
    for label, value in (
        ("start ", f"+{format_micros(offset)}"),
        ("  duration ", format_micros(detail.duration_us)),
        ("  self ", format_micros(analysis.self_time(node))),
    ):
        timing.append(label, heading)
        timing.append(value, Style(bold=True))
    timing.append(f"  at {_local(detail.start_us)}", palette.muted)
    ident = Text()
    ident.append("span ", heading)
    ident.append(detail.span_id)
    kids = analysis.child_count(node)
    ident.append(f"  depth {analysis.depth[node]} · {kids} {'child' if kids == 1 else 'children'}")
    if analysis.on_critical_path[node]:
        on_path = sum(end - start for span, start, end in analysis.critical_sections if span == node)
        ident.append(f"  ┃ {format_micros(on_path)} on the critical path", palette.critical)
    parts: list[RenderableType] = [title, timing, ident]

    warnings = span_warnings(analysis, node)
    if warnings:
        parts.append(_section("Warnings", palette.warning))
        parts.extend(Text(f"  ⚠ {w}", style=palette.warning) for w in warnings)

    if detail.references:
        parts.append(_section("References", heading))
        rows = []
        for ref in detail.references:
            target = ""
            if ref.trace_id and t.trace_id and ref.trace_id.lower() != t.trace_id.lower():
                target = f"in trace {ref.trace_id}"
            else:
                target = _describe_span(analysis, ref.span_id)
            rows.append((REF_NAMES.get(ref.kind, str(ref.kind)), f"{ref.span_id} {target}".rstrip()))
        parts.append(_kv_table(rows, heading))

    parts.append(_section(f"Tags ({len(detail.tags)})", heading))
    if detail.tags:
        parts.append(_kv_table([(a.key, a.value) for a in detail.tags], heading))

    if detail.logs:
        parts.append(_section(f"Logs / events ({len(detail.logs)})", heading))
        # In time order, as Jaeger UI shows them (files keep them in any order).
        for log in sorted(detail.logs, key=lambda entry: entry.timestamp_us):
            at = log.timestamp_us - detail.start_us
            sign = "-" if at < 0 else "+"
            line = Text(f"  {sign}{format_micros(abs(at))} ", style=palette.muted)
            failed = any(
                (f.key in ("level", "severity") and f.value.lower() in ("error", "fatal"))
                or (f.key == "event" and f.value in ("error", "exception"))
                for f in log.fields
            )
            for i, field in enumerate(log.fields):
                if i:
                    line.append("  ")
                line.append(field.key, palette.error if failed else heading)
                line.append("=" + field.value)
            parts.append(line)

    parts.append(_section(f"Process / resource ({len(detail.process)})", heading))
    if detail.process:
        parts.append(_kv_table([(a.key, a.value) for a in detail.process], heading))
    return Group(*parts)


def _describe_span(analysis: TraceAnalysis, span_id: str) -> str:
    t = analysis.trace
    try:
        index = t.span_ids.index(span_id)
    except ValueError:
        return "(not in this trace)"
    return f"({t.service(index)} {t.operations[index]})"


class SpanDetailPane(VerticalScroll, can_focus=True):
    """Scrollable detail of one span; focus it (tab) to scroll long tag lists."""

    DEFAULT_CSS = """
    SpanDetailPane {
        height: 45%;
        min-height: 6;
        border-top: solid $primary;
        background: $surface;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    SpanDetailPane:focus { border-top: thick $primary; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="span-detail-body")

    _renderable: RenderableType = ""

    def show(self, analysis: TraceAnalysis, node: int, palette: WaterfallPalette) -> None:
        """Show ``node``'s detail, scrolled to the top."""
        self._renderable = detail_renderable(analysis, node, palette)
        self.query_one("#span-detail-body", Static).update(self._renderable)
        self.scroll_home(animate=False)

    def clear(self) -> None:
        """Show nothing."""
        self._renderable = ""
        self.query_one("#span-detail-body", Static).update("")

    def plain_text(self, width: int = 78) -> str:
        """What the pane shows, as plain text (tests, copy)."""
        console = Console(width=width, file=io.StringIO(), color_system=None)
        with console.capture() as capture:
            console.print(self._renderable)
        return capture.get()
