"""``oncall-tui trace FILE --summary`` and ``oncall-tui trace FILE`` before the viewer exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oncall_tui.cli import main
from oncall_tui.commands import trace_cmd

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_summary_prints_one_json_object_per_trace(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", str(FIXTURES / "jaeger/v1-traces/jaeger-ui-testTrace.json"), "--summary"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    summary = json.loads(line)
    assert summary == {
        "trace_id": "trace-123",
        "spans": 11,
        "services": 2,
        "service_names": ["service1", "service2"],
        # span-1 starts at …452979000, span-7 (FOLLOWS_FROM, after the root) ends at …453979000.
        "duration_us": 1_000_000,
        "errors": 1,
        "roots": 1,
        "orphans": 0,
        "duplicate_span_ids": [],
        # Hand-derived in test_trace_analysis.py::test_critical_path_of_jaeger_ui_test_trace.
        "critical_path": [
            "span-1",
            "span-13",
            "span-12",
            "span-6",
            "span-2_1",
            "span-3",
            "span-4",
            "span-5",
            "span-2",
        ],
    }


def test_summary_of_an_envelope_with_two_traces(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = json.loads((FIXTURES / "jaeger/v1-traces/jaeger-ui-testTraceNormal.json").read_text())
    b = json.loads((FIXTURES / "jaeger/v1-traces/jaeger-otlp2jaeger-out.json").read_text())["data"][0]
    path = tmp_path / "two.json"
    path.write_text(json.dumps({"data": [a, b]}))
    assert trace_cmd.print_summary(path) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(x["spans"], x["roots"], x["orphans"]) for x in lines] == [(5, 1, 0), (2, 0, 2)]
    assert lines[1]["duplicate_span_ids"] == ["e127af99e3b3e074"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"services": ["foo"]}', "not a trace"),
        ('{"traceID": "abc", "spans": []}', "has no spans"),
        ("not json at all", "not JSON"),
    ],
)
def test_bad_file_is_one_line_on_stderr_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, problem: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert trace_cmd.print_summary(path) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and problem in err and str(path) in err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert trace_cmd.print_summary(tmp_path / "nope.json") == 2
    assert "cannot read" in capsys.readouterr().err


def test_open_a_bad_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text("[]")
    assert trace_cmd.open_in_app(path, theme=None) == 2
    assert "no traces" in capsys.readouterr().err
