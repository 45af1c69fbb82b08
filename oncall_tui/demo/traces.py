"""Deterministic traces of the demo services, one every ``SLOT`` seconds, following the scenario.

Trace *k* starts in slot *k* after the anchor (negative *k* is history). Its id
encodes *k* (masked with a hash of the seed), so any id the demo ever handed
out, for example in a Prometheus exemplar, resolves without keeping state.
Spans are plain dataclasses; :mod:`oncall_tui.demo.jaeger_api` renders them as
Jaeger UI JSON or OTLP JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from oncall_tui.demo.scenario import Scenario, stable_hash, unit_float

SLOT = 10.0
"""Seconds between the starts of two consecutive demo traces."""
_K_OFFSET = 1 << 40
OPERATIONS: dict[str, list[tuple[str, str]]] = {
    "frontend": [
        ("GET /api/cart", "server"),
        ("GET /api/products", "server"),
        ("POST /api/checkout", "server"),
        ("POST checkout/orders", "client"),
    ],
    "checkout": [
        ("GET /cart", "server"),
        ("INSERT orders", "client"),
        ("POST /orders", "server"),
        ("SELECT carts", "client"),
    ],
    "payments": [("POST /charges", "server"), ("bank.Authorize", "client")],
    "inventory": [
        ("GET /products", "server"),
        ("POST /reservations", "server"),
        ("redis GET", "client"),
        ("redis MGET", "client"),
    ],
}
"""Every (operation, span kind) each service emits, as the operations endpoints list them."""
RETENTION_SLOTS = int(3 * 86400 / 10.0)
"""Traces older than this many slots before the anchor do not exist (three days of retention)."""


@dataclass(frozen=True)
class DemoSpan:
    """One span of a demo trace (times in unix microseconds)."""

    span_id: str
    """16 hex digits."""
    parent_id: str | None
    """Parent span id; None for the root."""
    service: str
    """Service that emitted the span."""
    operation: str
    """Operation (span name)."""
    kind: str
    """``server``, ``client`` or ``internal``."""
    start_us: int
    """Start, unix microseconds."""
    duration_us: int
    """Duration, microseconds."""
    error: bool = False
    """Whether the span failed."""
    tags: dict[str, str | int | bool] = field(default_factory=dict)
    """Span attributes."""
    events: list[tuple[int, str, dict[str, str]]] = field(default_factory=list)
    """``(unix microseconds, name, attributes)`` logs/events."""


@dataclass(frozen=True)
class DemoTrace:
    """A whole demo trace."""

    trace_id: str
    """32 hex digits."""
    slot: int
    """Slot number *k*."""
    spans: list[DemoSpan]
    """Spans, root first, then in start order of a depth-first walk."""

    @property
    def root(self) -> DemoSpan:
        return self.spans[0]

    @property
    def start_us(self) -> int:
        return min(s.start_us for s in self.spans)

    @property
    def end_us(self) -> int:
        return max(s.start_us + s.duration_us for s in self.spans)

    @property
    def services(self) -> list[str]:
        return sorted({s.service for s in self.spans})

    @property
    def error_count(self) -> int:
        return sum(1 for s in self.spans if s.error)


class TraceGenerator:
    """Builds trace *k* for a scenario; pure, so safe to call from any thread."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        """The world the traces follow."""
        self._mask = int.from_bytes(stable_hash("trace-mask", scenario.seed)[:8], "big")

    # --- ids ---

    def trace_id(self, k: int) -> str:
        head = stable_hash("trace", self.scenario.seed, k)[:8].hex()
        tail = ((k + _K_OFFSET) ^ self._mask) & 0xFFFFFFFFFFFFFFFF
        return f"{head}{tail:016x}"

    def slot_of(self, trace_id: str) -> int | None:
        """The slot of a demo trace id, or None when the id is not one of ours."""
        text = trace_id.strip().lower()
        if len(text) != 32:
            return None
        try:
            tail = int(text[16:], 16)
        except ValueError:
            return None
        k = (tail ^ self._mask) - _K_OFFSET
        return k if self.trace_id(k) == text else None

    def slot_start(self, k: int) -> float:
        """Unix start time of trace *k* (slot start plus a deterministic jitter)."""
        return self.scenario.anchor + k * SLOT + 0.9 * SLOT * unit_float("jitter", self.scenario.seed, k)

    def slots_between(self, start: float, end: float) -> range:
        """Slots whose trace may start in ``[start, end]``, oldest first."""
        first = int((start - self.scenario.anchor) // SLOT) - 1
        last = int((end - self.scenario.anchor) // SLOT) + 1
        return range(first, last + 1)

    # --- traces ---

    def trace(self, k: int) -> DemoTrace:
        tid = self.trace_id(k)
        seed = self.scenario.seed
        pick = unit_float("route", seed, k)
        t0 = self.slot_start(k)
        builder = _Builder(tid, self.scenario, t0, k)
        if pick < 0.5:
            builder.checkout_flow()
        elif pick < 0.8:
            builder.products_flow()
        else:
            builder.cart_flow()
        return DemoTrace(tid, k, builder.finish())


class _Builder:
    def __init__(self, trace_id: str, scenario: Scenario, t0: float, k: int) -> None:
        self.trace_id = trace_id
        self.sc = scenario
        self.t0 = t0
        self.k = k
        self.elapsed = t0 - scenario.anchor
        self.spans: list[DemoSpan] = []
        self.n = 0

    def _u(self, *what: object) -> float:
        return unit_float(self.sc.seed, self.k, *what)

    def _sid(self) -> str:
        self.n += 1
        return stable_hash("span", self.trace_id, self.n)[:8].hex()

    def _latency(self, service: str, what: str) -> float:
        model = self.sc.services[service]
        return model.latency_at(self.elapsed, self._u("lat", what), self._u("mode", what))

    def _fails(self, service: str, what: str) -> bool:
        # Errors show up in traces a little more often than in metrics, so a short
        # search during the incident finds some.
        p = min(0.9, 2.5 * self.sc.services[service].error_ratio(self.elapsed))
        return self._u("err", what) < p

    def add(
        self,
        parent: str | None,
        service: str,
        operation: str,
        kind: str,
        start: float,
        duration: float,
        *,
        error: bool = False,
        tags: dict[str, str | int | bool] | None = None,
        events: list[tuple[int, str, dict[str, str]]] | None = None,
    ) -> str:
        sid = self._sid()
        all_tags: dict[str, str | int | bool] = {"span.kind": kind, **(tags or {})}
        if error:
            all_tags["error"] = True
        self.spans.append(
            DemoSpan(
                sid,
                parent,
                service,
                operation,
                kind,
                int(round(start * 1e6)),
                max(1, int(round(duration * 1e6))),
                error,
                all_tags,
                events or [],
            )
        )
        return sid

    def http_server(
        self,
        parent: str | None,
        service: str,
        method: str,
        route: str,
        start: float,
        duration: float,
        status: int,
    ) -> str:
        return self.add(
            parent,
            service,
            f"{method} {route}",
            "server",
            start,
            duration,
            error=status >= 500,
            tags={"http.method": method, "http.route": route, "http.status_code": status},
        )

    def db(self, parent: str, service: str, statement: str, start: float) -> float:
        duration = 0.002 + 0.006 * self._u("db", statement)
        words = statement.split()
        table = words[words.index("FROM") + 1] if "FROM" in words else words[2]
        self.add(
            parent,
            service,
            f"{words[0]} {table}",
            "client",
            start,
            duration,
            tags={"db.system": "postgresql", "db.statement": statement, "peer.service": "postgres"},
        )
        return duration

    def checkout_flow(self) -> None:
        t = self.t0
        inv = min(self._latency("inventory", "inv"), 0.8)
        pay = self._latency("payments", "pay")
        pay_fail = self._fails("payments", "pay")
        co_fail = pay_fail or self._fails("checkout", "co")
        # A failed payment gives up at the client timeout when it was slow.
        pay = min(pay, 2.5)
        co_own = self._latency("checkout", "own") * 0.3
        checkout_d = 0.004 + inv + pay + co_own + 0.012
        frontend_d = checkout_d + 0.006 + self._latency("frontend", "fe") * 0.2
        root = self.http_server(
            None, "frontend", "POST", "/api/checkout", t, frontend_d, 500 if co_fail else 200
        )
        call = self.add(
            root,
            "frontend",
            "POST checkout/orders",
            "client",
            t + 0.002,
            checkout_d + 0.002,
            error=co_fail,
            tags={"peer.service": "checkout", "http.method": "POST"},
        )
        co_start = t + 0.003
        co = self.http_server(
            call, "checkout", "POST", "/orders", co_start, checkout_d, 502 if co_fail else 200
        )
        cursor = co_start + 0.001
        cursor += self.db(co, "checkout", "SELECT * FROM carts WHERE id = $1", cursor)
        inv_server = self.http_server(co, "inventory", "POST", "/reservations", cursor, inv, 200)
        self.add(
            inv_server,
            "inventory",
            "redis GET",
            "client",
            cursor + 0.0005,
            min(inv * 0.4, 0.05),
            tags={"db.system": "redis", "peer.service": "redis"},
        )
        cursor += inv
        events: list[tuple[int, str, dict[str, str]]] = []
        if pay_fail:
            events.append(
                (
                    int((cursor + pay) * 1e6) - 50,
                    "exception",
                    {
                        "exception.type": "UpstreamTimeout",
                        "exception.message": "card processor did not answer within 2.5s",
                    },
                )
            )
        pay_server = self.add(
            co,
            "payments",
            "POST /charges",
            "server",
            cursor,
            pay,
            error=pay_fail,
            tags={
                "http.method": "POST",
                "http.route": "/charges",
                "http.status_code": 504 if pay_fail else 201,
            },
            events=events,
        )
        self.add(
            pay_server,
            "payments",
            "bank.Authorize",
            "client",
            cursor + 0.002,
            max(pay - 0.006, 0.001),
            error=pay_fail,
            tags={"rpc.system": "grpc", "peer.service": "card-processor"},
        )
        cursor += pay
        if not co_fail:
            self.db(co, "checkout", "INSERT INTO orders VALUES ($1, $2, $3)", cursor + 0.001)

    def products_flow(self) -> None:
        t = self.t0
        inv = self._latency("inventory", "inv")
        fe = self._latency("frontend", "fe") * 0.3 + inv + 0.003
        root = self.http_server(None, "frontend", "GET", "/api/products", t, fe, 200)
        srv = self.http_server(root, "inventory", "GET", "/products", t + 0.001, inv, 200)
        self.add(
            srv,
            "inventory",
            "redis MGET",
            "client",
            t + 0.0015,
            inv * 0.5,
            tags={"db.system": "redis", "peer.service": "redis"},
        )

    def cart_flow(self) -> None:
        t = self.t0
        fail = self._fails("checkout", "cart")
        co = self._latency("checkout", "cart") * 0.4 + 0.004
        fe = co + 0.004
        root = self.http_server(None, "frontend", "GET", "/api/cart", t, fe, 500 if fail else 200)
        srv = self.http_server(root, "checkout", "GET", "/cart", t + 0.001, co, 500 if fail else 200)
        self.db(srv, "checkout", "SELECT * FROM carts WHERE user_id = $1", t + 0.002)

    def finish(self) -> list[DemoSpan]:
        return self.spans
