"""PromQL builders: label-value escaping, variable substitution, histogram quantiles, baselines.

Pure string work; nothing here talks to Prometheus. Expressions are built so that one
query serves both histogram flavours: a classic histogram (``name_bucket`` series with
an ``le`` label) and a native one (a single ``name`` series of histogram samples),
joined with ``or`` so whichever exists answers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import timedelta

from oncall_tui.domain.durations import format_duration

ALL_VALUE = ".*"
"""What an "All" choice of a variable substitutes (meant for ``=~``)."""

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_REGEX_SPECIAL = re.compile(r"([\\.+*?()|\[\]{}^$])")

# Enough of PromQL's lexer to find vector selectors: strings, numbers/durations,
# identifiers, brace and bracket groups, and everything else one character at a time.
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<number>\d[\w.]*|\.\d[\w.]*)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_KEYWORDS = frozenset(
    {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool"}
)
_KEYWORDS |= {"offset", "atan2", "inf", "nan", "start", "end"}
_LABEL_LIST_KEYWORDS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})


def escape_label_value(value: str) -> str:
    """``value`` made safe inside a double-quoted PromQL string (backslash, quote, newline)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def escape_regex(value: str) -> str:
    """``value`` matched literally by ``=~`` (RE2 specials escaped), before string escaping."""
    return _REGEX_SPECIAL.sub(r"\\\1", value)


def matcher(label: str, value: str, op: str = "=") -> str:
    """One label matcher, e.g. ``matcher("service", 'a"b')`` → ``service="a\\"b"``."""
    return f'{label}{op}"{escape_label_value(value)}"'


def prom_duration(value: timedelta) -> str:
    """A timedelta in PromQL duration syntax (``5m``, ``1h30m``, ``1d``); at least ``1s``."""
    seconds = max(1, int(value.total_seconds()))
    if seconds % 604800 == 0:
        return f"{seconds // 604800}w"
    return format_duration(timedelta(seconds=seconds))


def substitute(expr: str, values: Mapping[str, str]) -> str:
    """Replace ``$name`` / ``${name}`` with the chosen values; unknown names stay as written.

    Values are escaped for a double-quoted string, where dashboards use them
    (``service="$service"``); the "All" value ``.*`` passes through unchanged.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name not in values:
            return match.group(0)
        return escape_label_value(values[name])

    return _VARIABLE.sub(replace, expr)


def builtin_values(window: timedelta, step: timedelta, scrape_interval: timedelta) -> dict[str, str]:
    """``$window``, ``$__range``, ``$__interval`` and ``$__rate_interval`` of a panel.

    ``$__rate_interval`` follows Grafana: at least four scrape intervals, and at least
    the step plus one scrape interval, so ``rate()`` always sees two samples.
    """
    rate = max(4 * scrape_interval, step + scrape_interval)
    return {
        "window": prom_duration(window),
        "__range": prom_duration(window),
        "__interval": prom_duration(step),
        "__rate_interval": prom_duration(rate),
    }


def with_selector(name: str, selector: str, *extra: str) -> str:
    """``name{...}`` from a base name, a ``{...}`` selector (may be empty) and extra matchers."""
    inner = selector.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1].strip()
    parts = [p for p in (inner, *extra) if p]
    return f"{name}{{{', '.join(parts)}}}" if parts else name


def _by(labels: Sequence[str], *more: str) -> str:
    names = [*more, *labels]
    return f"by ({', '.join(names)}) " if names else ""


def histogram_quantile(
    q: float,
    histogram: str,
    selector: str = "",
    rate_window: timedelta = timedelta(minutes=5),
    by: Sequence[str] = (),
    flavour: str = "auto",
) -> str:
    """PromQL of the ``q`` quantile of a histogram (``flavour``: ``classic``, ``native``, ``auto``)."""
    window = prom_duration(rate_window)
    classic = (
        f"histogram_quantile({q:g}, sum {_by(by, 'le')}"
        f"(rate({with_selector(histogram + '_bucket', selector)}[{window}])))"
    )
    native = f"histogram_quantile({q:g}, sum {_by(by)}(rate({with_selector(histogram, selector)}[{window}])))"
    if flavour == "classic":
        return classic
    if flavour == "native":
        return native
    return f"{classic} or {native}"


def _le_regex(bound: float) -> str:
    # Prometheus 2 keeps ``le`` as the client wrote it ("1", "0.3"); Prometheus 3 normalises it
    # to a float ("1.0"). A regex matches both spellings.
    if math.isinf(bound):
        return r"\\+Inf"
    text = repr(float(bound))
    short = text[:-2] if text.endswith(".0") else text
    spellings = sorted({short, text}, key=len)
    return "|".join(s.replace(".", r"\\.") for s in spellings)


def apdex(
    histogram: str,
    satisfied: float,
    tolerating: float,
    selector: str = "",
    rate_window: timedelta = timedelta(minutes=5),
    by: Sequence[str] = (),
    flavour: str = "auto",
) -> str:
    """Apdex from a latency histogram: (count ≤ T + count ≤ 4T) / 2 / total, classic or native.

    The classic form needs buckets at exactly ``satisfied`` and ``tolerating`` (choose T
    among the histogram's bucket bounds); the native form interpolates with
    ``histogram_fraction``.
    """
    window = prom_duration(rate_window)
    bucket = histogram + "_bucket"

    def le(bound: float) -> str:
        sel = with_selector(bucket, selector, f'le=~"{_le_regex(bound)}"')
        return f"sum {_by(by)}(rate({sel}[{window}]))"

    total = f"sum {_by(by)}(rate({with_selector(histogram + '_count', selector)}[{window}]))"
    classic = f"(({le(satisfied)} + {le(tolerating)}) / 2 / {total})"
    native_rate = f"sum {_by(by)}(rate({with_selector(histogram, selector)}[{window}]))"
    native = (
        f"((histogram_fraction(0, {satisfied:g}, {native_rate})"
        f" + histogram_fraction(0, {tolerating:g}, {native_rate})) / 2)"
    )
    if flavour == "classic":
        return classic
    if flavour == "native":
        return native
    return f"{classic} or {native}"


def with_offset(expr: str, offset: timedelta) -> str:
    """``expr`` evaluated ``offset`` earlier: ``offset 1d`` added to every vector selector.

    Selectors that already carry ``offset`` or an ``@`` modifier are left alone. The result
    is what a user would type for "same time yesterday" and is shown by ``y`` (copy).
    """
    text = prom_duration(offset)
    tokens = [(m.lastgroup or "", m.group(), m.end()) for m in _TOKEN.finditer(expr)]
    count = len(tokens)
    inserts: list[int] = []
    i = 0
    while i < count:
        kind, value, _ = tokens[i]
        lowered = value.lower()
        if kind == "ident" and lowered in _LABEL_LIST_KEYWORDS:
            i = _skip_group(tokens, _next_significant(tokens, i + 1), "(", ")")
            continue
        if kind == "ident" and lowered not in _KEYWORDS:
            j = _next_significant(tokens, i + 1)
            if j < count and (tokens[j][1] == "(" or tokens[j][1].lower() in ("by", "without")):
                i += 1  # a function or aggregation call, not a metric
                continue
            last = _skip_group(tokens, j, "{", "}") - 1 if j < count and tokens[j][1] == "{" else i
        elif kind == "other" and value == "{":
            last = _skip_group(tokens, i, "{", "}") - 1
        else:
            i += 1
            continue
        j = _next_significant(tokens, last + 1)
        if j < count and tokens[j][1] == "[":
            last = _skip_group(tokens, j, "[", "]") - 1
            j = _next_significant(tokens, last + 1)
        if not (j < count and (tokens[j][1].lower() == "offset" or tokens[j][1] == "@")):
            inserts.append(tokens[last][2])
        i = last + 1
    out = expr
    for position in reversed(inserts):
        out = f"{out[:position]} offset {text}{out[position:]}"
    return out


def _next_significant(tokens: list[tuple[str, str, int]], index: int) -> int:
    while index < len(tokens) and tokens[index][0] == "ws":
        index += 1
    return index


def _skip_group(tokens: list[tuple[str, str, int]], index: int, opening: str, closing: str) -> int:
    """Index just after the group that opens at ``index`` (or ``index`` itself when none opens there)."""
    if index >= len(tokens) or tokens[index][1] != opening:
        return index
    depth = 0
    while index < len(tokens):
        value = tokens[index][1]
        if value == opening:
            depth += 1
        elif value == closing:
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return index
