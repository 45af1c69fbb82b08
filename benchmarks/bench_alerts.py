"""Alert-queue benchmark: a 10,000-alert, 500-group ``/api/v2/alerts/groups`` body (~6 MB).

Run::

    .venv/bin/python benchmarks/bench_alerts.py [--alerts 10000] [--groups 500] [--repeat 5]

Prints, from the same run (medians of ``--repeat``):

* stdlib ``json.loads`` of the body (the yardstick);
* msgspec typed decode into the wire Structs (no pydantic);
* decode + merge (two HA peers' copies of the body, de-duplicated by fingerprint) + rank/sort
  + queue build (``prepare`` + ``view``): everything a poll costs before the table diff,
  and its ratio to ``json.loads`` (target <= 2x);
* one peer only (decode + merge + prepare + view), the common single-Alertmanager case;
* re-applying a filter over the 10k alerts (target <= 50 ms): matchers and free text on a
  snapshot that has no earlier filter result (haystacks cold and warm), then keystrokes typed one
  at a time as ``bench_alerts_ui.py`` types them, where each keystroke may reuse the previous
  key's result (``QueueSnapshot.view`` narrows it), beside the same keys with no reuse.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import msgspec  # noqa: E402

from oncall_tui.clients.alertmanager_ha import merge_groups  # noqa: E402
from oncall_tui.config.alerting import AlertSettings  # noqa: E402
from oncall_tui.domain.alert_queue import QueueOptions, QueueSnapshot, prepare  # noqa: E402
from oncall_tui.domain.matchers import ParseError, parse_filter  # noqa: E402
from oncall_tui.domain.severity import SeverityPolicy  # noqa: E402
from oncall_tui.models.alertmanager import AlertGroup  # noqa: E402

SEVERITIES = ["critical", "warning", "warning", "info", "info", "info", "none"]
SERVICES = [f"svc-{i:03d}" for i in range(60)]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def generate(alerts: int, groups: int, seed: int = 7) -> bytes:
    """A realistic groups body: alertname+service groups, ~10 labels and 3 annotations per alert."""
    rng = random.Random(seed)
    now = datetime(2026, 3, 11, 13, 0, tzinfo=UTC)
    per_group = alerts // groups
    body: list[dict[str, Any]] = []
    n = 0
    for g in range(groups):
        alertname = f"Alert{g % 97:02d}_{rng.choice(['Latency', 'Errors', 'Saturation', 'Down'])}"
        service = SERVICES[g % len(SERVICES)]
        members = []
        for _ in range(per_group):
            n += 1
            started = now - timedelta(seconds=rng.randint(0, 86400))
            labels = {
                "alertname": alertname,
                "service": service,
                "severity": rng.choice(SEVERITIES),
                "instance": f"{service}-{n % 211}:9100",
                "job": f"{service}-job",
                "namespace": rng.choice(["prod", "prod-eu", "prod-us", "staging"]),
                "pod": f"{service}-{rng.getrandbits(24):06x}",
                "team": rng.choice(["payments", "storefront", "platform", "data"]),
                "cluster": rng.choice(["eu-1", "eu-2", "us-1"]),
            }
            silenced = rng.random() < 0.1
            members.append(
                {
                    "annotations": {
                        "summary": f"{alertname} on {labels['instance']}",
                        "runbook_url": f"https://runbooks.example.com/{service}/{alertname}.md",
                    },
                    "endsAt": iso(now + timedelta(minutes=4)),
                    "fingerprint": f"{n:016x}",
                    "receivers": [{"name": "team-pager"}],
                    "startsAt": iso(started),
                    "status": {
                        "inhibitedBy": [],
                        "mutedBy": [],
                        "silencedBy": ["0d5b0a5e-7c3b-4c1e-9d44-2f1f5c6e8a01"] if silenced else [],
                        "state": "suppressed" if silenced else "active",
                    },
                    "updatedAt": iso(now - timedelta(seconds=rng.randint(0, 60))),
                    "generatorURL": f"http://prom:9090/graph?g0.expr=up%7Bjob%3D%22{service}%22%7D",
                    "labels": labels,
                }
            )
        body.append(
            {
                "alerts": members,
                "labels": {"alertname": alertname, "service": service},
                "receiver": {"name": "team-pager"},
            }
        )
    return json.dumps(body, separators=(",", ":")).encode()


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def median_time_each(fn: Callable[[], object], setup: Callable[[], object], repeat: int) -> float:
    """Median of ``fn``'s time, ``setup`` run untimed before each call."""
    times = []
    for _ in range(repeat):
        setup()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def keystrokes(*texts: str) -> list[str]:
    """The filter after each key of ``texts`` typed one key at a time (ctrl+u between texts).

    Keys that leave the filter unparsable (a half-typed quote) re-apply nothing and are left out.
    """
    steps: list[str] = []
    for text in texts:
        for end in range(1, len(text) + 1):
            try:
                parse_filter(text[:end])
            except ParseError:
                continue
            steps.append(text[:end])
        steps.append("")
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    body = generate(args.alerts, args.groups)
    policy = SeverityPolicy.from_settings(AlertSettings())
    decoder = msgspec.json.Decoder(list[AlertGroup])
    mb = len(body) / 1e6
    print(f"body: {mb:.1f} MB, {args.alerts} alerts in {args.groups} groups (median of {args.repeat} runs)")

    def line(label: str, seconds: float, note: str = "") -> None:
        print(f"{label:<46}{seconds * 1000:8.1f} ms   {note}".rstrip())

    t_json = median_time(lambda: json.loads(body), args.repeat)
    t_msgspec = median_time(lambda: decoder.decode(body), args.repeat)

    def poll_two_peers() -> QueueSnapshot:
        # An HA pair: both peers answer the same alerts; merge de-duplicates by fingerprint.
        merged = merge_groups([decoder.decode(body), decoder.decode(body)])
        snapshot = prepare(merged, policy)
        snapshot.view()
        return snapshot

    def poll_one_peer() -> QueueSnapshot:
        snapshot = prepare(merge_groups([decoder.decode(body)]), policy)
        snapshot.view()
        return snapshot

    t_one = median_time(poll_one_peer, args.repeat)
    t_two = median_time(poll_two_peers, args.repeat)

    line("json.loads", t_json, "1.00x")
    line("msgspec typed decode (no pydantic)", t_msgspec, f"{t_msgspec / t_json:.2f}x")
    line("decode+merge+sort+queue, 1 peer", t_one, f"{t_one / t_json:.2f}x  (target <= 2x)")
    line("decode+merge+sort+queue, 2 HA peers", t_two, f"{t_two / (2 * t_json):.2f}x of json.loads of both")

    decoded = merge_groups([decoder.decode(body)])
    active = QueueOptions(include_acked=True)  # what the Alerts screen shows

    def warm() -> QueueSnapshot:
        # As the app has it (AlertFeed's poll thread): haystacks and the two default views built
        # with the poll, off the event loop; no filter applied yet.
        snapshot = prepare(decoded, policy)
        for row in snapshot.rows:
            snapshot.haystack(row)
        snapshot.view(QueueOptions())
        snapshot.view(active)
        settle()
        return snapshot

    holder: list[QueueSnapshot] = []

    def settle() -> None:
        # As the app does for big polls (collector.keep_long_lived): no full collection lands on a keystroke.
        gc.collect()
        gc.freeze()

    def fresh() -> None:
        holder[:] = [warm()]

    def timed_view(options: QueueOptions) -> Callable[[], object]:
        return lambda: holder[0].view(options)

    matchers = replace(
        active, filter=parse_filter('severity="critical", team=~"pay.*|data", namespace!="staging"')
    )
    words = replace(active, filter=parse_filter("prod-eu latency"))
    letter = replace(active, filter=parse_filter("l"))
    t_matchers = median_time_each(timed_view(matchers), fresh, args.repeat)
    t_words = median_time_each(timed_view(words), fresh, args.repeat)
    t_letter = median_time_each(timed_view(letter), fresh, args.repeat)
    # Haystacks not built yet: the first free-text keystroke builds them for every alert.
    t_words_cold = median_time_each(
        timed_view(words),
        lambda: (holder.__setitem__(slice(None), [prepare(decoded, policy)]), settle()),
        args.repeat,
    )
    t_none = median_time_each(timed_view(QueueOptions(include_suppressed=True)), fresh, args.repeat)
    fresh()
    shown = holder[0].view(matchers).shown
    line(f"filter re-apply, matchers ({shown} shown)", t_matchers, "(target <= 50 ms)")
    line("filter re-apply, free text, haystacks cold", t_words_cold, "(target <= 50 ms)")
    line("filter re-apply, free text (2 words)", t_words, "(target <= 50 ms)")
    line("filter re-apply, first free-text letter", t_letter, "(target <= 50 ms)")
    line("view without filter, incl. suppressed", t_none)

    # Keystrokes as bench_alerts_ui.py types them; ctrl+u (empty filter) in between.
    typed = keystrokes('service="svc-007"', "latency")
    backspaced = tuple("latency"[:n] for n in range(7, 0, -1))

    def session(steps: list[str], reuse: bool, before: tuple[str, ...] = ()) -> list[float]:
        fresh()
        for text in before:
            holder[0].view(replace(active, filter=parse_filter(text)))
        times = []
        for text in steps:
            options = replace(active, filter=parse_filter(text) if text else None)
            if not reuse:
                fresh()
                for earlier in before:
                    holder[0].view(replace(active, filter=parse_filter(earlier)))
            started = time.perf_counter()
            holder[0].view(options)
            times.append(time.perf_counter() - started)
        return times

    def keys_line(label: str, runs: list[list[float]]) -> None:
        per_key = [statistics.median(column) for column in zip(*runs, strict=True)]
        median = statistics.median(per_key) * 1000
        print(f"{label:<46}{max(per_key) * 1000:8.1f} ms   max / {median:.1f} median ({len(per_key)} keys)")

    keys_line("keystrokes typed, each reusing the last", [session(typed, True) for _ in range(args.repeat)])
    keys_line("the same keystrokes, no reuse", [session(typed, False) for _ in range(args.repeat)])
    keys_line(
        "backspacing latency -> l (results kept)",
        [session(list(backspaced[1:]), True, before=backspaced) for _ in range(args.repeat)],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
