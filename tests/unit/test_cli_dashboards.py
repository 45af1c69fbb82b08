"""``oncall-tui dashboards list|show`` as a user runs them, against the demo's Prometheus API."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oncall_tui.cli import main


def _config_dir() -> Path:
    """The XDG config dir the suite-wide fixture points at (a private temp dir)."""
    return Path(os.environ["XDG_CONFIG_HOME"]) / "oncall-tui"


def test_list_names_title_and_origin_of_each_dashboard(
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory = _config_dir() / "dashboards"
    directory.mkdir(parents=True)
    (directory / "mine.yaml").write_text("title: Mine\npanels: [{title: Up, queries: [{expr: up}]}]\n")
    assert main(["--demo", "dashboards", "list"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert [(r[0], r[-1]) for r in rows] == [
        ("checkout", "built-in"),
        ("prometheus", "discovered"),
        ("node", "discovered"),
        ("red-http", "discovered"),
        ("mine", "file"),
    ]


def test_show_once_prints_values_units_and_sparklines_without_colour(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--demo", "dashboards", "show", "checkout", "--once", "--width", "20"]) == 0
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    lines = out.splitlines()
    assert lines[0].startswith("Checkout — RED  (checkout, last 1h, service=checkout, ")
    requests = lines.index(next(line for line in lines if line.startswith("Requests: ")))
    assert lines[requests].endswith("req/s")
    series = lines[requests + 1]
    assert series.lstrip().startswith("checkout") and " req/s  " in series
    sparkline = series.split("  ")[-2]
    assert len(sparkline) == 20 and set(sparkline) <= set("▁▂▃▄▅▆▇█·")
    assert any(line.startswith("Latency: ") for line in lines)
    assert any(line.strip().startswith("p99 ") for line in lines)


def test_show_with_var_narrows_the_series(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--demo", "dashboards", "show", "red-http", "--once", "--var", "service=payments"]) == 0
    out = capsys.readouterr().out
    assert "service=payments" in out.splitlines()[0]
    requests = out.split("Requests: ")[1].split("\n\n")[0].splitlines()[1:]
    assert [line.split()[0] for line in requests] == ["payments"]


def test_unknown_dashboard_and_bad_var_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--demo", "dashboards", "show", "nope", "--once"]) == 2
    assert (
        "no dashboard named 'nope' (found: checkout, prometheus, node, red-http)" in capsys.readouterr().err
    )
    assert main(["--demo", "dashboards", "show", "checkout", "--once", "--var", "colour=red"]) == 2
    assert "--var colour: checkout has no such variable (has: service)" in capsys.readouterr().err
    assert main(["--demo", "dashboards", "show", "checkout", "--once", "--var", "oops"]) == 2
    assert "--var 'oops': expected NAME=VALUE" in capsys.readouterr().err
