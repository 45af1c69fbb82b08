"""Dashboard files in the config dir: loading, and ``config check`` naming file, panel and field."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oncall_tui.cli import main
from oncall_tui.config.dashboard_files import load_dashboards

GOOD_TOML = """\
title = "Checkout"
window = "30m"

[[variables]]
name = "service"
label = "service"
metric = "http_requests_total"

[[panels]]
title = "Rate"
unit = "reqps"
[[panels.queries]]
expr = 'sum(rate(http_requests_total{service="$service"}[5m]))'
"""

GOOD_YAML = """\
name: node
title: Node
panels:
  - title: Load
    queries: [{expr: node_load1, legend: "{{instance}}"}]
  - title: Latency
    kind: percentiles
    histogram: http_request_duration_seconds
"""

BAD_YAML = """\
title: Bad
panels:
  - title: Pie
    kind: pie
  - title: Latency
    kind: stat
  - title: Errors
    queries: [{expr: x}]
    thresholds: {warning: 2, critical: 1}
  - title: Vars
    queries: [{expr: 'up{instance="$instance"}'}]
"""


def _config_dir() -> Path:
    """The XDG config dir the suite-wide fixture points at (a private temp dir)."""
    return Path(os.environ["XDG_CONFIG_HOME"]) / "oncall-tui"


def _dashboards_dir() -> Path:
    directory = _config_dir() / "dashboards"
    directory.mkdir(parents=True)
    return directory


def test_toml_and_yaml_files_load_and_name_defaults_to_the_stem() -> None:
    directory = _dashboards_dir()
    (directory / "Checkout RED.toml").write_text(GOOD_TOML)
    (directory / "node.yml").write_text(GOOD_YAML)
    (directory / "notes.txt").write_text("not a dashboard")
    found = load_dashboards(directory)
    assert found.problems == []
    assert [(d.name, d.dashboard.title) for d in found.dashboards] == [
        ("checkout-red", "Checkout"),
        ("node", "Node"),
    ]


def test_a_broken_file_is_reported_by_file_panel_and_field_and_others_still_load() -> None:
    directory = _dashboards_dir()
    (directory / "bad.yaml").write_text(BAD_YAML)
    (directory / "good.toml").write_text(GOOD_TOML)
    (directory / "syntax.toml").write_text("title = \n")
    found = load_dashboards(directory)
    assert [d.name for d in found.dashboards] == ["good"]
    bad = directory / "bad.yaml"
    assert found.problems[:3] == [
        f"{bad}: panel 'Pie': panels[0]: expected kind sparkline, stat, percentiles, apdex or slo",
        f"{bad}: panel 'Latency': panels[1].queries: required, but not set",
        f"{bad}: panel 'Errors': panels[2].thresholds: warning must not be above critical"
        " when direction is 'above'",
    ]
    assert found.problems[3].startswith(f"{directory / 'syntax.toml'}: invalid TOML")


def test_undeclared_variable_and_duplicate_names_are_problems() -> None:
    directory = _dashboards_dir()
    (directory / "a.yaml").write_text(
        "title: A\npanels: [{title: V, queries: [{expr: 'up{x=\"$nope\"}'}]}]\n"
    )
    (directory / "b.yaml").write_text(GOOD_YAML)
    (directory / "c.yaml").write_text(GOOD_YAML)
    found = load_dashboards(directory)
    assert found.problems == [
        f"{directory / 'a.yaml'}: panel 'V': panels[0].queries[0].expr: $nope is not a declared variable",
        f"{directory / 'c.yaml'}: name: 'node' is already the name of {directory / 'b.yaml'}",
    ]


def test_config_check_validates_dashboards(capsys: pytest.CaptureFixture[str]) -> None:
    directory = _dashboards_dir()
    (_config_dir() / "config.toml").write_text('[contexts.prod.prometheus]\nurl = "http://127.0.0.1:9"\n')
    (directory / "good.toml").write_text(GOOD_TOML)
    assert main(["config", "check"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("; 1 dashboard file")
    (directory / "bad.yaml").write_text(BAD_YAML)
    assert main(["config", "check"]) == 2
    err = capsys.readouterr().err
    assert f"{directory / 'bad.yaml'}: panel 'Latency': panels[1].queries: required, but not set" in err


def test_dashboards_live_next_to_an_explicit_config_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "elsewhere" / "config.toml"
    (config.parent / "dashboards").mkdir(parents=True)
    config.write_text("")
    (config.parent / "dashboards" / "bad.yaml").write_text(BAD_YAML)
    assert main(["--config", str(config), "config", "check"]) == 2
    assert "bad.yaml: panel 'Pie'" in capsys.readouterr().err
    assert main(["--config", str(config), "config", "path"]) == 0
    assert f"{config.parent / 'dashboards'}" in capsys.readouterr().out
