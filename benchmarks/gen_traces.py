"""Generate the large traces the trace benchmarks run on (written to ``benchmarks/.data/``).

* ``trace-100k.json``  - a Jaeger UI JSON envelope with one 100,000-span trace (about 50 MB): a
  realistic fan-out tree over a dozen services, four tags per span, an occasional log, ~1% error
  spans, a few FOLLOWS_FROM references and a few skewed children.
* ``chain-10k.json``   - a bare trace that is a single 10,000-deep CHILD_OF chain (recursion killer),
  spans shaped like those of the big trace (four tags each).
* ``chain-10k-bare.json`` - the same chain with minimal spans (one tag, one service).

Deterministic (fixed seed), so runs compare. Usage::

    .venv/bin/python benchmarks/gen_traces.py [--spans 100000] [--depth 10000]
"""

from __future__ import annotations

import argparse
import json
import random
from collections import deque
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / ".data"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
SERVICES = [
    "frontend",
    "api-gateway",
    "auth",
    "cart",
    "checkout",
    "payment",
    "inventory",
    "catalog",
    "shipping",
    "recommendation",
    "postgres",
    "redis",
]
OPERATIONS = {
    "frontend": ["GET /", "GET /product", "POST /cart", "GET /checkout"],
    "api-gateway": ["route /api/*", "authz check"],
    "auth": ["VerifyToken", "LoadSession"],
    "cart": ["GetCart", "AddItem", "EmptyCart"],
    "checkout": ["PlaceOrder", "ValidateOrder"],
    "payment": ["Charge", "Refund"],
    "inventory": ["Reserve", "Lookup"],
    "catalog": ["GetProduct", "ListProducts", "SearchProducts"],
    "shipping": ["GetQuote", "ShipOrder"],
    "recommendation": ["ListRecommendations"],
    "postgres": ["SELECT", "INSERT", "UPDATE"],
    "redis": ["GET", "SET", "HGETALL"],
}


def _span_id(n: int) -> str:
    # Jaeger ids are 16 hex digits; mix the counter so ids do not sort by creation order.
    return f"{(n * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF:016x}"


def _tags(rng: random.Random, service: str, error: bool) -> list[dict[str, Any]]:
    tags: list[dict[str, Any]] = [
        {"key": "span.kind", "type": "string", "value": rng.choice(["server", "client", "internal"])},
        {"key": "component", "type": "string", "value": "net/http" if service != "postgres" else "pgx"},
        {"key": "http.status_code", "type": "int64", "value": 500 if error else 200},
        {"key": "peer.address", "type": "string", "value": f"10.0.{rng.randrange(256)}.{rng.randrange(256)}"},
    ]
    if error:
        tags.append({"key": "error", "type": "bool", "value": True})
    return tags


def big_trace(spans: int, seed: int = 7) -> dict[str, Any]:
    """One trace of ``spans`` spans with a bushy, several-levels-deep shape."""
    rng = random.Random(seed)
    t0 = 1_700_000_000_000_000
    out: list[dict[str, Any]] = []
    # (index, start, duration, service, depth)
    queue: deque[tuple[int, int, int, str, int]] = deque()

    def add(parent: int | None, start: int, duration: int, service: str, ref: str) -> int:
        index = len(out)
        error = rng.random() < 0.01
        span: dict[str, Any] = {
            "traceID": TRACE_ID,
            "spanID": _span_id(index + 1),
            "flags": 1,
            "operationName": rng.choice(OPERATIONS[service]),
            "references": []
            if parent is None
            else [{"refType": ref, "traceID": TRACE_ID, "spanID": _span_id(parent + 1)}],
            "startTime": start,
            "duration": duration,
            "tags": _tags(rng, service, error),
            "logs": [],
            "processID": f"p{SERVICES.index(service) + 1}",
            "warnings": None,
        }
        if error or rng.random() < 0.03:
            span["logs"] = [
                {
                    "timestamp": start + duration // 2,
                    "fields": [
                        {"key": "event", "type": "string", "value": "error" if error else "retry"},
                        {"key": "message", "type": "string", "value": "upstream answered slowly"},
                    ],
                }
            ]
        out.append(span)
        return index

    root = add(None, t0, 30_000_000, "frontend", "CHILD_OF")
    queue.append((root, t0, 30_000_000, "frontend", 0))
    while queue and len(out) < spans:
        parent, start, duration, service, depth = queue.popleft()
        # Wide near the top, narrower further down; leaves get no children.
        fanout = rng.choice([0, 1, 2, 3, 4, 6, 8]) if depth > 0 else 40
        if depth > 14 or duration < 20:
            fanout = 0
        if fanout == 0:
            continue
        sequential = rng.random() < 0.5
        slot = max(duration // (fanout + 1), 2)
        for k in range(fanout):
            if len(out) >= spans:
                break
            child_service = rng.choice(SERVICES)
            if sequential:
                c_start = start + k * slot + rng.randrange(max(slot // 10, 1))
                c_dur = max(slot - rng.randrange(max(slot // 5, 1)), 1)
            else:
                c_start = start + rng.randrange(max(duration // 10, 1))
                c_dur = max(rng.randrange(max(duration - (c_start - start), 2)), 1)
            if rng.random() < 0.002:
                # Clock skew: a child that starts before or ends after its parent.
                c_start -= rng.randrange(1, 500)
            ref = "FOLLOWS_FROM" if rng.random() < 0.005 else "CHILD_OF"
            child = add(parent, c_start, c_dur, child_service, ref)
            queue.append((child, c_start, c_dur, child_service, depth + 1))
        if not queue and len(out) < spans:
            # Never stop short: hang the rest under the root.
            queue.append((root, t0, 30_000_000, "frontend", 0))
    processes = {
        f"p{i + 1}": {
            "serviceName": name,
            "tags": [
                {"key": "hostname", "type": "string", "value": f"{name}-7d9f8c6b5-x2k4q"},
                {"key": "ip", "type": "string", "value": f"10.1.0.{i + 10}"},
                {"key": "jaeger.version", "type": "string", "value": "Go-2.30.0"},
            ],
        }
        for i, name in enumerate(SERVICES)
    }
    return {"traceID": TRACE_ID, "spans": out, "processes": processes, "warnings": None}


def chain(depth: int, *, bare: bool = False, seed: int = 11) -> dict[str, Any]:
    """A bare trace that is one CHILD_OF chain ``depth`` spans deep, each nested in its parent.

    Spans carry the same kind of tags as :func:`big_trace` (a few per span, services cycling);
    ``bare`` gives minimal spans instead (one tag, one service), the harshest case for the
    "no slower than json.loads" target because json.loads then has almost nothing to do per span.
    """
    rng = random.Random(seed)
    t0 = 1_700_000_000_000_000
    spans = []
    for i in range(depth):
        service = "deep" if bare else SERVICES[i % len(SERVICES)]
        spans.append(
            {
                "traceID": TRACE_ID,
                "spanID": _span_id(i + 1),
                "flags": 1,
                "operationName": f"level-{i}" if bare else rng.choice(OPERATIONS[service]),
                "references": []
                if i == 0
                else [{"refType": "CHILD_OF", "traceID": TRACE_ID, "spanID": _span_id(i)}],
                "startTime": t0 + i,
                "duration": 2 * (depth - i),
                "tags": [{"key": "level", "type": "int64", "value": i}]
                if bare
                else _tags(rng, service, False),
                "logs": [],
                "processID": "p1" if bare else f"p{SERVICES.index(service) + 1}",
                "warnings": None,
            }
        )
    if bare:
        processes = {"p1": {"serviceName": "deep", "tags": []}}
    else:
        processes = {f"p{i + 1}": {"serviceName": name, "tags": []} for i, name in enumerate(SERVICES)}
    return {"traceID": TRACE_ID, "spans": spans, "processes": processes, "warnings": None}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--spans", type=int, default=100_000)
    parser.add_argument("--depth", type=int, default=10_000)
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    big = DATA / "trace-100k.json"
    # Compact separators, as the query service writes its responses.
    envelope = {"data": [big_trace(args.spans)], "total": 0, "limit": 0, "offset": 0, "errors": None}
    big.write_text(json.dumps(envelope, separators=(",", ":")))
    deep = DATA / "chain-10k.json"
    deep.write_text(json.dumps(chain(args.depth), separators=(",", ":")))
    bare = DATA / "chain-10k-bare.json"
    bare.write_text(json.dumps(chain(args.depth, bare=True), separators=(",", ":")))
    for path in (big, deep, bare):
        print(
            f"{path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}: "
            f"{path.stat().st_size / 1e6:.1f} MB"
        )


if __name__ == "__main__":
    main()
