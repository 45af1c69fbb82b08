"""Command line: parse argv and dispatch to a subcommand module.

Kept free of heavy imports so ``--help`` and ``config check`` answer instantly;
each subcommand imports what it needs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from oncall_tui import __version__
from oncall_tui.commands.global_options import accept_global_options_anywhere, add_global_options

EPILOG = """\
configuration precedence (lowest to highest):
  config.toml (XDG config dir, or --config PATH)
  ONCALL_* environment variables, nested with "__",
    e.g. ONCALL_DEFAULT_CONTEXT=staging
         ONCALL_CONTEXTS__PROD__PROMETHEUS__TIMEOUT=5
  command-line options (--context, --theme)

secrets never live in config.toml: a source's auth.secret names a keyring entry,
an environment variable or a password_command. Store a token with
  oncall-tui auth set CONTEXT SOURCE
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oncall-tui",
        description="A terminal cockpit for the engineer holding the pager.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"oncall-tui {__version__}")
    add_global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    config = sub.add_parser("config", help="check the config or show where files live")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    config_sub.add_parser("check", help="validate the config; exit 0, or 2 with one line per problem")
    config_sub.add_parser("path", help="print where config, data and themes live")

    auth = sub.add_parser("auth", help="manage credentials in the OS keyring")
    auth_sub = auth.add_subparsers(dest="auth_command", metavar="ACTION", required=True)
    auth_set = auth_sub.add_parser(
        "set", help="store a token or password for CONTEXT SOURCE (prompted, no echo)"
    )
    auth_set.add_argument("context_name", metavar="CONTEXT")
    auth_set.add_argument("source", metavar="SOURCE", choices=["prometheus", "alertmanager", "jaeger"])

    trace = sub.add_parser("trace", help="open a trace file (Jaeger UI JSON or OTLP JSON)")
    trace.add_argument("file", type=Path, metavar="FILE")
    trace.add_argument(
        "--summary", action="store_true", help="print one JSON object per trace instead of opening the app"
    )
    _add_incident_commands(sub)
    runbook = sub.add_parser(
        "runbook", help="open a runbook (a file, a runbook_url, or an alertname) or list its steps"
    )
    runbook.add_argument("ref", metavar="FILE|URL|ALERTNAME")
    runbook.add_argument("--list", action="store_true", help="print the steps, one a line, instead")
    runbook.add_argument("--json", action="store_true", help="with --list: a JSON list of steps")
    from oncall_tui.commands.dashboards_cmd import add_parser as add_dashboards_parser

    add_dashboards_parser(sub)
    accept_global_options_anywhere(parser)
    return parser


def _add_incident_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # Spelled out, not imported from the command module: --help must not load the store and pydantic.
    status_choices = ("open", "triggered", "acknowledged", "mitigated", "resolved")
    incidents = sub.add_parser("incidents", help="list, show and export incidents from the incident log")
    inc_sub = incidents.add_subparsers(dest="incidents_command", metavar="ACTION", required=True)
    inc_list = inc_sub.add_parser("list", help="incidents, newest first")
    inc_list.add_argument("--json", action="store_true", help="a JSON list of incidents, each with its id")
    inc_list.add_argument("--status", choices=status_choices, help="only this status (open: not resolved)")
    inc_list.add_argument(
        "--since", metavar="AGE", help="only incidents opened in the last AGE, e.g. 7d or 12h"
    )
    inc_show = inc_sub.add_parser("show", help="one incident with its timeline")
    inc_show.add_argument("incident_id", metavar="ID", type=_incident_id)
    inc_show.add_argument("--json", action="store_true", help="one JSON object")
    inc_export = inc_sub.add_parser("export", help="a post-mortem draft in Markdown (secrets scrubbed)")
    inc_export.add_argument("incident_id", metavar="ID", type=_incident_id)
    inc_export.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write it atomically to FILE (default: stdout)"
    )
    rep = sub.add_parser("report", help="MTTA, MTTR, time to detect per severity, and alert noise")
    rep.add_argument("--days", type=int, metavar="N", help="one window of N days (default: 7, 30 and 90)")
    rep.add_argument("--json", action="store_true", help="one JSON object")


def _incident_id(text: str) -> int:
    # "#12" is how the app shows ids: accept it as typed.
    try:
        return int(text.removeprefix("#"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an incident number such as 12, not {text!r}") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "config":
        from oncall_tui.commands import config_cmd

        if args.config_command == "check":
            return config_cmd.check(args.config, args.context)
        return config_cmd.show_paths(args.config)
    if args.command == "auth":
        from oncall_tui.commands import auth_cmd

        return auth_cmd.set_secret(args.config, args.context_name, args.source)
    if args.command == "incidents":
        from oncall_tui.commands import incidents_cmd

        if args.incidents_command == "list":
            return incidents_cmd.list_incidents(as_json=args.json, status=args.status, since=args.since)
        if args.incidents_command == "show":
            return incidents_cmd.show_incident(args.incident_id, as_json=args.json, config_path=args.config)
        return incidents_cmd.export_incident(args.incident_id, args.output, config_path=args.config)
    if args.command == "report":
        from oncall_tui.commands import incidents_cmd

        return incidents_cmd.report(days=args.days, as_json=args.json)
    if args.command == "trace":
        from oncall_tui.commands import trace_cmd

        if args.summary:
            return trace_cmd.print_summary(args.file)
        return trace_cmd.open_in_app(args.file, theme=args.theme)
    if args.command == "runbook":
        from oncall_tui.commands import runbook_cmd

        return runbook_cmd.run(
            args.ref,
            config_path=args.config,
            demo=args.demo,
            listing=args.list,
            as_json=args.json,
            context=args.context,
            theme=args.theme,
        )
    if args.command == "dashboards":
        from oncall_tui.commands import dashboards_cmd

        return dashboards_cmd.run(args)
    from oncall_tui.commands import run_cmd

    return run_cmd.run(
        config_path=args.config,
        context=args.context,
        theme=args.theme,
        demo=args.demo,
        low_bandwidth=args.low_bandwidth,
    )


if __name__ == "__main__":
    sys.exit(main())
