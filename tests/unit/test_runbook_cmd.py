"""``oncall-tui runbook X --list [--json]``: steps one a line, or as JSON for scripts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oncall_tui.cli import main

FIXTURES = Path(__file__).parent.parent / "fixtures" / "runbooks"


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        "[runbooks]\n"
        f'dirs = ["{FIXTURES / "openshift"}"]\n'
        "[[runbooks.url_rules]]\n"
        'prefix = "https://runbooks.prometheus-operator.dev/runbooks/"\n'
        f'dir = "{FIXTURES / "prometheus-operator"}"\n'
    )
    return config


def test_list_prints_one_line_per_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = "https://runbooks.prometheus-operator.dev/runbooks/node/nodefilesystemspacefillingup/"
    code = main(["--config", str(write_config(tmp_path)), "runbook", url, "--list"])
    assert code == 0
    assert capsys.readouterr().out.splitlines() == [
        "1/4  Meaning",
        "2/4  Impact",
        "3/4  Diagnosis  [1 query]",
        "4/4  Mitigation  [2 commands]",
    ]


def test_list_json_for_scripts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--config", str(write_config(tmp_path)), "runbook", "CollectorNodeDown", "--list", "--json"])
    assert code == 0
    steps = json.loads(capsys.readouterr().out)
    assert len(steps) == 24
    assert {"index", "section", "title", "text", "commands", "queries"} <= set(steps[0])
    step = steps[2]
    assert (step["index"], step["section"], step["title"]) == (
        3,
        "Diagnosis",
        "Check if the collector pod is running",
    )
    assert step["commands"] == ["oc get pods -n openshift-logging -l app.kubernetes.io/component=collector"]


def test_a_file_path(capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "prometheus-operator/general/TargetDown.md"
    assert main(["runbook", str(path), "--list"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "1/4  Meaning"


def test_a_url_no_rule_maps_exits_1_naming_the_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--config", str(write_config(tmp_path)), "runbook", "https://wiki.example.com/x", "--list"])
    assert code == 1
    assert capsys.readouterr().out == (
        "1/1  Runbook unavailable  [runbook_url https://wiki.example.com/x: no rule matches "
        "(prefixes tried: https://runbooks.prometheus-operator.dev/runbooks/)]\n"
    )


def test_demo_runbooks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--demo", "runbook", "https://runbooks.example.com/node/target-down", "--list"]) == 0
    assert (
        capsys.readouterr().out.splitlines()[1]
        == "2/5  Diagnosis › See which targets of the job are down right now  [1 query]"
    )
