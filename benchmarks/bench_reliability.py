"""Reliability summary: fault matrix, fuzzing, kills, durability, exactly-once; headless, loopback only.

    .venv/bin/python benchmarks/bench_reliability.py [--examples 500] [--kills 5] [--acks 3]

Prints one ``name value unit`` line per category:

* ``faults_tried`` / ``faults_recovered``: the client + poller fault matrix (13 faults x 3
  sources over loopback, tests/support/fault_matrix.py); recovered = the reason said what the
  fault was, the last data was kept, and every poller was fresh again within one refresh
  interval plus one request; ``worst_recovery`` its slowest recovery, with the refresh interval
  printed beside it as the yardstick.
* ``inputs_fuzzed``: hypothesis inputs fed to every parser (tests/support/fuzzing.py);
  ``fuzz_failures`` the parsers that raised anything but their documented error.
* ``kills``: SIGKILLs of real processes: the real Prometheus and Alertmanager under the app's
  pollers (when the binaries are installed), incident-log writers, and the app mid-ack.
* ``entries_lost``: incident-log entries reported committed by a writer SIGKILLed at a random
  moment and missing afterwards (plus any failed ``integrity_check``).
* ``duplicates``: acks sent to an Alertmanager that received them but never answered, the app
  SIGKILLed and restarted: silences created beyond one per ack.
* ``secret_hits``: echoed credentials found in error texts (a loopback server repeating the
  Authorization header it got, scrubbed by oncall_tui/redaction.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.crash_children import ack_kills, store_kills  # noqa: E402
from tests.support.fault_matrix import REFRESH, kill_and_restart, run_source  # noqa: E402
from tests.support.fault_server import FaultServer  # noqa: E402
from tests.support.fuzzing import targets  # noqa: E402


def line(name: str, value: float | int, unit: str) -> None:
    print(f"{name} {value:g} {unit}" if isinstance(value, float) else f"{name} {value} {unit}", flush=True)


async def fault_matrix() -> tuple[int, int, float]:
    runs = [
        r
        for rs in await asyncio.gather(*(run_source(s) for s in ("prometheus", "alertmanager", "jaeger")))
        for r in rs
    ]
    recovered = [r for r in runs if r.understood and r.kept_data and r.recovered_in_time]
    worst = max((r.recovered_after or float("inf")) for r in runs)
    for r in runs:
        if r not in recovered:
            print(
                f"# not recovered: {r.source} {r.fault}: {r.reasons} after {r.recovered_after}",
                file=sys.stderr,
            )
    return len(runs), len(recovered), worst


def fuzz(examples: int) -> tuple[int, int]:
    total = failures = 0
    for target in targets():
        try:
            total += target.run(examples)
        except Exception as exc:  # a parser raised something undocumented: hypothesis re-raises it
            failures += 1
            total += examples
            print(f"# fuzz failure in {target.name}: {type(exc).__name__}: {exc}"[:500], file=sys.stderr)
    return total, failures


async def secret_hits() -> int:
    from pydantic import SecretStr

    from oncall_tui.clients.http import build_async_client
    from oncall_tui.clients.prometheus import PrometheusClient
    from oncall_tui.config.settings import AuthSettings, SourceSettings
    from oncall_tui.errors import SourceError

    token = "BENCHTOKEN-7f2c9a41d0"
    hits = 0
    with FaultServer("prometheus") as server:
        server.echo_auth = True
        for auth in (AuthSettings(type="bearer"), AuthSettings(type="basic", username="oncall")):
            client = build_async_client(server.url, SourceSettings(auth=auth), SecretStr(token))
            try:
                await PrometheusClient(client).buildinfo()
            except SourceError as exc:
                hits += token[:10] in exc.message or "QkVOQ0hUT0tFTi" in exc.message
            await client.aclose()
    return hits


def real_kills(rounds: int) -> int | None:
    from tests.stack_support import missing_binaries, running_stack

    if missing_binaries():
        return None
    with tempfile.TemporaryDirectory() as folder, running_stack(Path(folder)) as stack:
        runs = asyncio.run(kill_and_restart(stack, rounds=rounds))
    bad = [r for r in runs if not (r.kept_data and r.recovered_after is not None)]
    for r in bad:
        print(f"# real {r.source} not recovered: {r}", file=sys.stderr)
    return len(runs)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=500, help="fuzz inputs per parser")
    parser.add_argument("--kills", type=int, default=5, help="SIGKILLs of incident-log writers")
    parser.add_argument("--acks", type=int, default=3, help="acks delivered across an app SIGKILL")
    parser.add_argument("--real-rounds", type=int, default=1, help="kill/restart rounds of the real servers")
    args = parser.parse_args()

    tried, recovered, worst = asyncio.run(fault_matrix())
    line("faults_tried", tried, "faults")
    line("faults_recovered", recovered, "faults")
    line("worst_recovery", round(worst, 2), "s")
    line("refresh_interval", REFRESH, "s")
    fuzzed, fuzz_failures = fuzz(args.examples)
    line("inputs_fuzzed", fuzzed, "inputs")
    line("fuzz_failures", fuzz_failures, "parsers")
    with tempfile.TemporaryDirectory() as folder:
        store, _committed, lost = store_kills(args.kills, Path(folder))
        acked, duplicates = ack_kills(args.acks, Path(folder))
    real = real_kills(args.real_rounds)
    line(
        "kills", store + acked + (real or 0), "SIGKILLs" + ("" if real is not None else " (no real servers)")
    )
    line("entries_lost", lost, "entries")
    line("duplicates", duplicates, "silences")
    line("secret_hits", asyncio.run(secret_hits()), "hits")
    return 0


if __name__ == "__main__":
    sys.exit(main())
