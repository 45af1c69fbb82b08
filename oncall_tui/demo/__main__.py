"""``python -m oncall_tui.demo``: serve the demo APIs until Ctrl-C, for curl or another app instance.

Prints the three base URLs and a ``config.toml`` context that points at them.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading

from oncall_tui.demo.environment import DemoEnvironment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m oncall_tui.demo", description=__doc__)
    parser.add_argument("--seed", type=int, default=7, help="seed of the scenario (default 7)")
    parser.add_argument("--peers", type=int, default=1, help="number of Alertmanager peers (default 1)")
    args = parser.parse_args(argv)
    with DemoEnvironment(seed=args.seed, alertmanager_peers=args.peers) as env:
        urls = ", ".join(f'"{u}"' for u in env.alertmanager_urls)
        sys.stdout.write(
            f"prometheus   {env.prometheus_url}\n"
            f"alertmanager {', '.join(env.alertmanager_urls)}\n"
            f"jaeger       {env.jaeger_url}\n\n"
            "[contexts.demo.prometheus]\n"
            f'url = "{env.prometheus_url}"\n'
            "[contexts.demo.alertmanager]\n"
            f"urls = [{urls}]\n"
            "[contexts.demo.jaeger]\n"
            f'url = "{env.jaeger_url}"\n'
        )
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
