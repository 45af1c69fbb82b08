"""``oncall-tui dashboards list|show`` (and the hook for ``import-grafana``).

``list`` prints one dashboard a line: name, title, origin (built-in, discovered, file).
``show NAME`` prints each panel's title, current value with unit and a sparkline as plain
text, then exits with ``--once`` or refreshes until interrupted. Exit codes: 0 done,
1 the source could not be reached, 2 bad input (unknown dashboard, bad ``--var``, bad config).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from oncall_tui.commands.global_options import accept_global_options_anywhere
from oncall_tui.config import locations
from oncall_tui.errors import ConfigError, OncallError

if TYPE_CHECKING:
    # Annotations only: the parser is built on every start, before the first frame.
    from oncall_tui.clients.prometheus import PrometheusClient
    from oncall_tui.config.settings import Settings
    from oncall_tui.services.dashboard_catalog import Catalog

EXIT_OK = 0
"""Done."""
EXIT_SOURCE = 1
"""The Prometheus of the context could not be asked."""
EXIT_USAGE = 2
"""Unknown dashboard, bad ``--var``, bad config."""
SPARKLINE_WIDTH = 40
"""Columns of each printed sparkline (and points fetched per series)."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``dashboards`` and its actions; returns the action subparsers' parent for hooks."""
    dashboards = subparsers.add_parser("dashboards", help="list dashboards or print one as text")
    actions = dashboards.add_subparsers(dest="dashboards_command", metavar="ACTION", required=True)
    actions.add_parser("list", help="one dashboard a line: name, title, origin (built-in, discovered, file)")
    show = actions.add_parser("show", help="print a dashboard's panels as text (value, unit, sparkline)")
    show.add_argument("name", metavar="NAME")
    show.add_argument(
        "--var", action="append", default=[], metavar="K=V", help="choose a variable's value (repeatable)"
    )
    show.add_argument("--once", action="store_true", help="print once and exit (default: refresh until ^C)")
    show.add_argument("--width", type=int, default=SPARKLINE_WIDTH, help="sparkline columns (default 40)")
    # The Grafana importer's own parser (commands/grafana_import_cmd.py) is built only when it runs:
    # importing it costs most of a second, which --help and the app's start-up must not pay.
    grafana = actions.add_parser(
        "import-grafana",
        help="turn a Grafana dashboard's Prometheus panels into a dashboard file (-h for its options)",
        add_help=False,
        prefix_chars="\0",
    )
    grafana.add_argument("grafana_args", nargs=argparse.REMAINDER)
    return dashboards


def _import_grafana(args: argparse.Namespace) -> int:
    from oncall_tui.commands import grafana_import_args, grafana_import_cmd

    parser = argparse.ArgumentParser(prog="oncall-tui dashboards")
    grafana_import_args.add_import_grafana_parser(parser.add_subparsers(dest="dashboards_command"))
    accept_global_options_anywhere(parser)
    parsed = parser.parse_args(["import-grafana", *args.grafana_args])
    for key, value in vars(args).items():
        if not hasattr(parsed, key):
            setattr(parsed, key, value)  # --config, --context … of the top-level parser
    result: int = grafana_import_cmd.run_import_grafana(parsed)
    return result


def run(args: argparse.Namespace) -> int:
    """Dispatch ``dashboards ACTION``."""
    if args.dashboards_command == "import-grafana":
        return _import_grafana(args)
    try:
        if args.dashboards_command == "list":
            return asyncio.run(_list(args))
        return asyncio.run(_show(args))
    except KeyboardInterrupt:
        return EXIT_OK
    except ConfigError as error:
        _write(sys.stderr, "".join(f"{p}\n" for p in error.problems))
        return EXIT_USAGE
    except OncallError as error:
        _write(sys.stderr, f"{error}\n")
        return EXIT_SOURCE


def _parse_vars(pairs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError([f"--var {pair!r}: expected NAME=VALUE"])
        out[key.strip()] = value
    return out


@asynccontextmanager
async def _context(args: argparse.Namespace) -> AsyncIterator[tuple[Settings, str]]:
    """The settings and context name to use: the demo's, or the config's."""
    if getattr(args, "demo", False):
        from oncall_tui.demo import DemoEnvironment

        environment = DemoEnvironment()
        environment.start()
        try:
            yield environment.settings(), "demo"
        finally:
            environment.stop()
        return
    from oncall_tui.config.loader import load_settings

    settings = load_settings(args.config).settings
    name = args.context or settings.initial_context()
    if name is None or name not in settings.contexts:
        known = ", ".join(settings.contexts) or "none"
        raise ConfigError([f"--context: no context named {name!r} (defined: {known})"])
    yield settings, name


@asynccontextmanager
async def _catalog(
    args: argparse.Namespace,
) -> AsyncIterator[tuple[Catalog, PrometheusClient | None, float]]:
    """The context's dashboards, its Prometheus client, and its refresh in seconds."""
    from oncall_tui.services.dashboard_catalog import build_catalog
    from oncall_tui.services.sources import SourceSet

    async with _context(args) as (settings, name):
        context = settings.contexts[name]
        sources = SourceSet(name, context)
        try:
            client = await sources.prometheus() if context.prometheus is not None else None
            directory = locations.dashboards_dir(args.config)
            catalog = await build_catalog(client, directory)
            yield catalog, client, context.prometheus.refresh if context.prometheus is not None else 15.0
        finally:
            await sources.aclose()


def _write(stream: TextIO, text: str) -> None:
    stream.write(text)
    stream.flush()


async def _list(args: argparse.Namespace) -> int:
    async with _catalog(args) as (catalog, _client, _refresh):
        for problem in catalog.problems:
            _write(sys.stderr, f"warning: {problem}\n")
        width = max((len(e.name) for e in catalog.entries), default=0)
        title_width = max((len(e.dashboard.title) for e in catalog.entries), default=0)
        for entry in catalog.entries:
            _write(
                sys.stdout, f"{entry.name:<{width}}  {entry.dashboard.title:<{title_width}}  {entry.origin}\n"
            )
    return EXIT_OK


async def _show(args: argparse.Namespace) -> int:
    from oncall_tui.commands.dashboard_text import dashboard_text, heading
    from oncall_tui.domain.variables import resolve, substitutions
    from oncall_tui.services.dashboard_catalog import variable_values
    from oncall_tui.services.panel_data import PanelFetcher

    chosen = _parse_vars(args.var)
    async with _catalog(args) as (catalog, client, context_refresh):
        entry = catalog.get(args.name)
        if entry is None:
            names = ", ".join(e.name for e in catalog.entries) or "none"
            raise ConfigError([f"no dashboard named {args.name!r} (found: {names})"])
        if client is None:
            raise ConfigError(["the context has no prometheus source"])
        dashboard = entry.dashboard
        unknown = sorted(set(chosen) - {v.name for v in dashboard.variables})
        if unknown:
            declared = ", ".join(v.name for v in dashboard.variables) or "none"
            raise ConfigError([f"--var {unknown[0]}: {entry.name} has no such variable (has: {declared})"])
        choices = resolve(dashboard, await variable_values(client, dashboard), chosen)
        fetcher = PanelFetcher(client)
        colour = sys.stdout.isatty()
        refresh = dashboard.refresh.total_seconds() if dashboard.refresh else context_refresh
        while True:
            now = datetime.now(UTC)
            answers = await fetcher.fetch_group(
                dashboard.panels,
                dashboard,
                columns=max(2, args.width),
                now=now,
                variables=substitutions(choices),
            )
            failures = [a for a in answers if isinstance(a, OncallError)]
            if failures and len(failures) == len(answers):
                raise failures[0]
            panels = [a for a in answers if not isinstance(a, OncallError)]
            header = heading(dashboard.title, entry.name, dashboard.window.total_seconds(), choices, now)
            _write(sys.stdout, dashboard_text(header, panels, colour=colour))
            for failure in failures:
                _write(sys.stderr, f"warning: {failure}\n")
            if args.once:
                return EXIT_OK
            await asyncio.sleep(refresh)
            _write(sys.stdout, "\n")
