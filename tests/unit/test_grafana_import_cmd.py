"""``oncall-tui dashboards import-grafana``: what the engineer reads and what lands on disk."""

from __future__ import annotations

import argparse
import json
import shutil
import tomllib
from pathlib import Path

import pytest
import yaml

from oncall_tui.commands.grafana_import_cmd import add_import_grafana_parser, run_import_grafana, slug
from oncall_tui.config.dashboards import Dashboard

FIXTURES = Path(__file__).parent.parent / "fixtures" / "grafana"
K8S = FIXTURES / "kubernetes-mixin-k8s-resources-cluster.json"


def run(*argv: str) -> int:
    """Parse ``argv`` the way the CLI will (``dashboards import-grafana …``) and run the command."""
    parser = argparse.ArgumentParser(prog="oncall-tui dashboards")
    add_import_grafana_parser(parser.add_subparsers(dest="action", required=True))
    return run_import_grafana(parser.parse_args(["import-grafana", *argv]))


def test_default_prints_toml_on_stdout_and_the_report_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(str(K8S)) == 0
    out, err = capsys.readouterr()
    dashboard = Dashboard.model_validate(tomllib.loads(out))
    assert dashboard.title == "Kubernetes / Compute Resources / Cluster" and len(dashboard.panels) == 18
    lines = err.splitlines()
    assert lines[0] == "skipped 'CPU Quota' (table): panel kind 'table' is not supported"
    assert sum(line.startswith("skipped ") for line in lines) == 4
    assert lines[-1] == "imported 18 of 22 panels"
    # Four panels share the pps note: one line, not four.
    assert sum('"pps"' in line for line in lines) == 1


def test_output_file_yaml_and_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "k8s.yaml"
    assert run(str(K8S), "-o", str(out)) == 0
    from_yaml = Dashboard.model_validate(yaml.safe_load(out.read_text()))
    assert len(from_yaml.panels) == 18
    assert capsys.readouterr().err.splitlines()[-1] == f"imported 18 of 22 panels → {out}"
    assert run(str(FIXTURES / "rfmoz-node-exporter-full.json"), "-o", str(tmp_path)) == 0
    written = tmp_path / "node-exporter-full.toml"
    assert len(Dashboard.model_validate(tomllib.loads(written.read_text())).panels) == 125
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "k8s.yaml",
        "node-exporter-full.toml",
    ]  # no temp files


def test_an_existing_file_is_replaced_only_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine.toml"
    out.write_text("# hand edited\n")
    assert run(str(K8S), "-o", str(out)) == 2
    assert out.read_text() == "# hand edited\n"
    assert capsys.readouterr().err == f"oncall-tui: {out}: exists; use --force to replace it\n"
    assert run(str(K8S), "-o", str(out), "--force") == 0
    assert tomllib.loads(out.read_text())["title"] == "Kubernetes / Compute Resources / Cluster"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "not a Grafana dashboard: not JSON"),
        ('{"title": "x", "tags": []}', 'not a Grafana dashboard: no "panels" or "rows"'),
        ("[1, 2, 3]", "not a Grafana dashboard: expected a JSON object"),
        ("", "not a Grafana dashboard: not JSON"),
    ],
)
def test_a_file_that_is_not_a_dashboard_gets_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert run(str(bad)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1 and err.startswith(f"oncall-tui: {bad}: {message}")


def test_an_export_wrapper_is_unwrapped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wrapped = tmp_path / "export.json"
    wrapped.write_text(json.dumps({"dashboard": json.loads(K8S.read_text()), "meta": {"slug": "k8s"}}))
    assert run(str(wrapped)) == 0
    assert capsys.readouterr().err.splitlines()[-1] == "imported 18 of 22 panels"


def test_missing_input_bad_suffix_and_unwritable_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(str(tmp_path / "nope.json")) == 2
    assert "nope.json: cannot read" in capsys.readouterr().err
    assert run(str(K8S), "-o", str(tmp_path / "out.json")) == 2
    assert "expected a .toml, .yaml or .yml file, or a directory" in capsys.readouterr().err
    assert run(str(K8S), "-o", str(tmp_path / "missing-dir" / "out.toml")) == 2
    assert "cannot write" in capsys.readouterr().err


def test_nothing_to_import_writes_nothing_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    only_logs = tmp_path / "logs.json"
    only_logs.write_text(
        json.dumps(
            {"title": "Logs", "panels": [{"type": "logs", "title": "app", "targets": [{"expr": "{a=1}"}]}]}
        )
    )
    out = tmp_path / "logs.toml"
    assert run(str(only_logs), "-o", str(out)) == 1
    assert not out.exists()
    assert capsys.readouterr().err.splitlines() == [
        "skipped 'app' (logs): panel kind 'logs' is not supported",
        "imported 0 of 1 panels: nothing to write",
    ]


def test_lone_surrogates_in_the_json_still_give_a_utf8_file(tmp_path: Path) -> None:
    source = tmp_path / "odd.json"
    source.write_text(
        '{"title": "a\\ud800b", "panels": [{"type": "stat", "title": "t", "targets": [{"expr": "up"}]}]}'
    )
    out = tmp_path / "odd.toml"
    assert run(str(source), "-o", str(out)) == 0
    assert tomllib.loads(out.read_text(encoding="utf-8"))["title"] == "a?b"


@pytest.mark.parametrize(
    ("title", "stem"),
    [
        ("Node Exporter Full", "node-exporter-full"),
        ("Kubernetes / Compute Resources", "kubernetes-compute-resources"),
    ],
)
def test_file_names_come_from_the_title(title: str, stem: str) -> None:
    assert slug(title) == stem
    assert slug("—") == "dashboard"


def test_every_shared_fixture_goes_through_the_command(tmp_path: Path) -> None:
    for source in sorted(FIXTURES.glob("*.json")):
        copy = tmp_path / source.name
        shutil.copy(source, copy)
        assert run(str(copy), "-o", str(tmp_path / f"{source.stem}.yaml")) == 0


def test_install_through_the_cli_writes_into_the_config_dashboards_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from oncall_tui.cli import main

    config = tmp_path / "conf" / "config.toml"
    config.parent.mkdir()
    assert main(["--config", str(config), "dashboards", "import-grafana", str(K8S), "--install"]) == 0
    written = tmp_path / "conf" / "dashboards" / "kubernetes-compute-resources-cluster.toml"
    assert len(Dashboard.model_validate(tomllib.loads(written.read_text())).panels) == 18
    assert capsys.readouterr().err.splitlines()[-1] == f"imported 18 of 22 panels → {written}"
    with pytest.raises(SystemExit):  # -o and --install name two places: argparse refuses
        main(["dashboards", "import-grafana", str(K8S), "--install", "-o", str(tmp_path)])
