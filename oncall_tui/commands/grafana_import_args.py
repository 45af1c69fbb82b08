"""The arguments of ``oncall-tui dashboards import-grafana`` (argparse only).

Apart from the command so that building the CLI parser, which every start does before the first
frame, does not import the importer (pydantic, PyYAML, the Grafana model).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_import_grafana_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``import-grafana`` to the ``dashboards`` subcommand's parsers."""
    parser = subparsers.add_parser(
        "import-grafana",
        help="turn a Grafana dashboard's Prometheus panels into a dashboard file",
        description=(
            "Convert a Grafana dashboard JSON file (or an API export wrapping one) into an oncall-tui "
            "dashboard file. Prints TOML on stdout unless -o is given; the panels it skips and why "
            "go to stderr."
        ),
    )
    parser.add_argument("file", type=Path, metavar="FILE.json", help="Grafana dashboard JSON")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="OUT",
        help="write to OUT (.toml, .yaml or .yml), or into the directory OUT as <title>.toml",
    )
    where.add_argument(
        "--install",
        action="store_true",
        help="write <title>.toml into the dashboards directory next to the config file",
    )
    parser.add_argument("--force", action="store_true", help="replace OUT if it exists")
