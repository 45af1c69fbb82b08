"""Hypothesis fuzzing of every parser: bodies, config files, matcher text.

Each target feeds generated input to the real code path and accepts only the documented error
type; anything else fails the example (and hypothesis shrinks it). Used by
tests/unit/test_fuzz_parsers.py and benchmarks/bench_reliability.py (which counts inputs).

Bodies are of three kinds, so the fuzzing reaches deep into the decoders: JSON built from the
APIs' own vocabulary, recorded real bodies with one value anywhere replaced by anything, and
recorded bodies cut at any byte.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall_tui.clients.alertmanager import AlertmanagerClient
from oncall_tui.clients.jaeger import JaegerClient, TraceQuery
from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.config.loader import load_settings
from oncall_tui.domain.matchers import parse_filter, parse_matchers
from oncall_tui.domain.traces import analyse
from oncall_tui.errors import ConfigError, OncallError, SourceError, TraceDataError
from oncall_tui.trace_io import parse_traces

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NOW = datetime(2026, 3, 11, 13, 0, tzinfo=UTC)

VOCABULARY = [
    # Prometheus
    "status", "data", "resultType", "result", "metric", "value", "values", "histogram", "histograms",
    "errorType", "error", "warnings", "infos", "activeTargets", "droppedTargets", "labels",
    "discoveredLabels", "scrapePool", "scrapeUrl", "lastScrape", "lastError", "health", "version",
    "seriesLabels", "exemplars", "timestamp", "__name__", "job", "instance",
    # Alertmanager
    "alerts", "fingerprint", "startsAt", "endsAt", "updatedAt", "generatorURL", "annotations",
    "receivers", "receiver", "name", "state", "silencedBy", "inhibitedBy", "mutedBy", "matchers",
    "isRegex", "isEqual", "id", "createdBy", "comment", "cluster", "peers", "versionInfo", "uptime",
    "config", "original",
    # Jaeger v1 / OTLP / v3
    "traceID", "spanID", "operationName", "references", "refType", "startTime", "duration", "tags",
    "logs", "processID", "processes", "serviceName", "key", "type", "resourceSpans", "resource",
    "attributes", "scopeSpans", "spans", "traceId", "spanId", "parentSpanId", "startTimeUnixNano",
    "endTimeUnixNano", "stringValue", "intValue", "kind", "services", "operations", "summaries",
    "total", "errors", "code", "msg",
]  # fmt: skip

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["success", "error", "vector", "matrix", "scalar", "string", "up", "down", "active",
                     "suppressed", "expired", "CHILD_OF", "FOLLOWS_FROM", "2026-03-11T13:00:00Z",
                     "0001-01-01T00:00:00Z", "1.5", "NaN", "+Inf", "1700000000000000", "a1b2c3d4e5f60718"]),
)  # fmt: skip

JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=8)), children, max_size=5),
    ),
    max_leaves=25,
)


def _load(paths: Sequence[Path]) -> list[Any]:
    return [json.loads(p.read_bytes()) for p in paths]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value[:6]):
            found.extend(_paths(child, (*prefix, index)))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    if isinstance(value, dict):
        return {k: (_replace(v, tuple(rest), new) if k == head else v) for k, v in value.items()}
    return [(_replace(v, tuple(rest), new) if i == head else v) for i, v in enumerate(value)]


@st.composite
def _mutated(draw: st.DrawFn, documents: list[Any]) -> bytes:
    document = draw(st.sampled_from(documents))
    paths = _paths(document)
    path = paths[draw(st.integers(0, len(paths) - 1))]
    return json.dumps(_replace(document, path, draw(JSON_VALUES))).encode()


@st.composite
def _truncated(draw: st.DrawFn, documents: list[bytes]) -> bytes:
    body = draw(st.sampled_from(documents))
    return body[: draw(st.integers(0, len(body)))]


def bodies(fixture_files: Sequence[Path]) -> st.SearchStrategy[bytes]:
    """Response bodies for parsers of the APIs whose recorded bodies are ``fixture_files``."""
    documents = _load(fixture_files)
    raw = [p.read_bytes() for p in fixture_files]
    return st.one_of(
        JSON_VALUES.map(lambda v: json.dumps(v).encode()),
        _mutated(documents),
        _truncated(raw),
        st.binary(max_size=64),
    )


PROMETHEUS_FILES = sorted((FIXTURES / "prometheus").rglob("*.json"))
ALERTMANAGER_FILES = sorted((FIXTURES / "alertmanager").rglob("*.json"))
TRACE_FILES = sorted((FIXTURES / "jaeger").rglob("*.json")) + sorted((FIXTURES / "tempo").rglob("*.json"))


class _Served:
    """One event loop and one client per source, answering whatever body the example drew."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.body = b""
        self.status = 200
        transport = httpx.MockTransport(lambda _r: httpx.Response(self.status, content=self.body))
        self.client = httpx.AsyncClient(base_url="http://source:1", transport=transport)

    def run(self, call: Callable[[httpx.AsyncClient], Awaitable[Any]], body: bytes, status: int) -> None:
        self.body, self.status = body, status
        self.loop.run_until_complete(call(self.client))


PROMETHEUS_CALLS: list[Callable[[httpx.AsyncClient], Awaitable[Any]]] = [
    lambda c: PrometheusClient(c).query("up", at=NOW),
    lambda c: PrometheusClient(c).query_range("up", NOW - timedelta(hours=1), NOW, 60),
    lambda c: PrometheusClient(c).targets(),
    lambda c: PrometheusClient(c).buildinfo(),
    lambda c: PrometheusClient(c).labels(),
    lambda c: PrometheusClient(c).exemplars("up", NOW - timedelta(hours=1), NOW),
]
ALERTMANAGER_CALLS: list[Callable[[httpx.AsyncClient], Awaitable[Any]]] = [
    lambda c: AlertmanagerClient(c).alert_groups(),
    lambda c: AlertmanagerClient(c).silences(),
    lambda c: AlertmanagerClient(c).alerts(),
    lambda c: AlertmanagerClient(c).status(),
]
JAEGER_CALLS: list[Callable[[httpx.AsyncClient], Awaitable[Any]]] = [
    lambda c: JaegerClient(c).services(),
    lambda c: JaegerClient(c).search(TraceQuery("frontend")),
    lambda c: JaegerClient(c).search_summaries(TraceQuery("frontend")),
    lambda c: JaegerClient(c).trace("4bf92f3577b34da6a3ce929d0e0e4736"),
]
STATUSES = st.sampled_from([200, 200, 200, 400, 422, 500, 503])


@dataclass
class FuzzTarget:
    """One parser under fuzz: its test function (hypothesis-driven) and how many inputs it ran."""

    name: str
    run: Callable[[int], int]
    """Run ``n`` examples; the number of inputs actually tried."""


def _client_target(name: str, files: Sequence[Path], calls: list[Any]) -> FuzzTarget:
    def run(examples: int) -> int:
        served = _Served()
        tried = [0]

        @settings(
            max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(body=bodies(files), status=STATUSES, which=st.integers(0, len(calls) - 1))
        def check(body: bytes, status: int, which: int) -> None:
            tried[0] += 1
            # SourceError is the documented failure: a one-line reason for the health bar.
            with contextlib.suppress(SourceError):
                served.run(calls[which], body, status)

        try:
            check()
        finally:
            served.loop.run_until_complete(served.client.aclose())
            served.loop.close()
        return tried[0]

    return FuzzTarget(name, run)


def _trace_target() -> FuzzTarget:
    def run(examples: int) -> int:
        tried = [0]

        @settings(
            max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(body=bodies(TRACE_FILES))
        def check(body: bytes) -> None:
            tried[0] += 1
            try:
                for trace in parse_traces(body, source="fuzz"):
                    analyse(trace)  # what the viewer runs next
            except TraceDataError:
                pass

        check()
        return tried[0]

    return FuzzTarget("Jaeger v1 / OTLP trace bodies", run)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, int) else (repr(value) if value == value else "nan")
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        items = [f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items() if v is not None]
        return "{ " + ", ".join(items) + " }"
    return '""'


CONFIG_WORDS = [
    "contexts", "prod", "prometheus", "alertmanager", "jaeger", "url", "urls", "timeout", "refresh",
    "max_backoff", "auth", "type", "bearer", "basic", "username", "secret", "env", "keyring", "command",
    "tls", "ca_file", "insecure_skip_verify", "default_context", "user", "theme", "alerts", "keymap",
    "refresh-now", "help", "severity_label", "severity_order", "response_timers", "ack",
    "default_duration", "notifiers", "kind", "webhook", "http://p:9090", "1h", "5m", "ctrl+r", "a",
]  # fmt: skip

CONFIG_VALUES = st.recursive(
    st.one_of(SCALARS, st.sampled_from(CONFIG_WORDS)),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(CONFIG_WORDS), st.text(max_size=6)), children, max_size=4),
    ),
    max_leaves=20,
)


def config_text(document: dict[str, Any]) -> str:
    """A config document as TOML (every value inline)."""
    return "\n".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in document.items() if v is not None)


def _config_target() -> FuzzTarget:
    def run(examples: int) -> int:
        tried = [0]
        folder = Path(tempfile.mkdtemp(prefix="oncall-fuzz-"))
        path = folder / "config.toml"
        good = {"contexts": {"prod": {"prometheus": {"url": "http://p:9090"}}}}

        @settings(
            max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(
            document=st.one_of(
                st.dictionaries(st.sampled_from(CONFIG_WORDS), CONFIG_VALUES, max_size=5),
                st.builds(lambda p, v: _replace(good, p, v), st.sampled_from(_paths(good)), CONFIG_VALUES),
            ),
            garbage=st.one_of(st.just(""), st.text(max_size=30)),
        )
        def check(document: dict[str, Any], garbage: str) -> None:
            tried[0] += 1
            text = config_text(document) if isinstance(document, dict) else ""
            path.write_text(text + ("\n" + garbage if garbage else ""), encoding="utf-8")
            try:
                load_settings(path, env={}, for_app=True)
            except ConfigError as error:
                assert error.problems and all("\n" not in p for p in error.problems)

        check()
        return tried[0]

    return FuzzTarget("config files", run)


MATCHER_ALPHABET = st.sampled_from(list('{}=!~",\\ abcxyz_09.*+?()[]|^$\n\tüé') + ["=~", "!~", "!=", '\\"'])


def _matcher_target() -> FuzzTarget:
    def run(examples: int) -> int:
        tried = [0]

        @settings(
            max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(text=st.one_of(st.lists(MATCHER_ALPHABET, max_size=30).map("".join), st.text(max_size=30)))
        def check(text: str) -> None:
            tried[0] += 1
            for parse in (parse_filter, parse_matchers):
                with contextlib.suppress(OncallError):  # ParseError, or "needs a matcher"
                    parse(text)

        check()
        return tried[0]

    return FuzzTarget("matcher syntax", run)


def targets() -> list[FuzzTarget]:
    """Every parser under fuzz."""
    return [
        _client_target("Prometheus bodies", PROMETHEUS_FILES, PROMETHEUS_CALLS),
        _client_target("Alertmanager bodies", ALERTMANAGER_FILES, ALERTMANAGER_CALLS),
        _client_target("Jaeger API bodies", TRACE_FILES, JAEGER_CALLS),
        _trace_target(),
        _config_target(),
        _matcher_target(),
    ]
