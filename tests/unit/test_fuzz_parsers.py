"""Every parser, fuzzed with hypothesis: thousands of inputs each, no exception but the documented one.

The strategies live in tests/support/fuzzing.py (the reliability benchmark runs them too).
``ONCALL_FUZZ_EXAMPLES`` sets the number of inputs per parser (default 2000). Inputs that found
bugs are kept below as plain regression tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oncall_tui.config.loader import load_settings
from oncall_tui.errors import ConfigError, TraceDataError
from oncall_tui.trace_io import parse_traces
from tests.support.fuzzing import targets

EXAMPLES = int(os.environ.get("ONCALL_FUZZ_EXAMPLES", "2000"))


@pytest.mark.parametrize("target", targets(), ids=lambda t: t.name)
def test_parser_raises_only_its_documented_error(target: object) -> None:
    from tests.support.fuzzing import FuzzTarget

    assert isinstance(target, FuzzTarget)
    assert target.run(EXAMPLES) == EXAMPLES


def _v1(start: str, duration: str) -> bytes:
    span = (
        f'{{"traceID":"a","spanID":"b","operationName":"x","references":[],"startTime":{start},'
        f'"duration":{duration},"tags":[],"logs":[],"processID":"p1"}}'
    )
    return (
        f'{{"data":[{{"traceID":"a","spans":[{span}],"processes":{{"p1":{{"serviceName":"s"}}}}}}]}}'.encode()
    )


def _otlp(end: str) -> bytes:
    span = (
        '{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"x",'
        f'"startTimeUnixNano":"0","endTimeUnixNano":"{end}"}}'
    )
    scope = f'{{"spans":[{span}]}}'
    return f'{{"resourceSpans":[{{"resource":{{"attributes":[]}},"scopeSpans":[{scope}]}}]}}'.encode()


@pytest.mark.parametrize(
    "body",
    [
        _v1("1", "1e30"),  # found by fuzzing: OverflowError filling the 64-bit duration column
        _v1("99999999999999999999999", "1"),  # the same for an integer start
        _otlp("99999999999999999999999999"),  # found by fuzzing: OverflowError from OTLP nanoseconds
    ],
    ids=["v1 float duration 1e30", "v1 start beyond 64 bits", "OTLP end beyond 64 bits"],
)
def test_times_beyond_64_bits_are_a_trace_data_error(body: bytes) -> None:
    with pytest.raises(TraceDataError, match="out of range"):
        parse_traces(body, source="t.json")


def test_a_regex_python_warns_about_is_parsed_without_writing_to_stderr() -> None:
    # Found by fuzzing: "[[" in a regex matcher made re print a FutureWarning over the TUI.
    import warnings

    from oncall_tui.domain.matchers import parse_matchers

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (matcher,) = parse_matchers('job=~"[[a]x"')
    assert matcher.matches_value("[x")


def test_a_config_key_with_a_newline_is_reported_on_one_line(tmp_path: Path) -> None:
    """Found by the config fuzzer: ``{"\\n" = false}`` made a two-line problem."""
    config = tmp_path / "config.toml"
    config.write_text('"\\n" = false\n[contexts.prod.prometheus]\nurl = "http://127.0.0.1:9"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={}, for_app=True)
    assert caught.value.problems[0].startswith(f"{config}: '\\n': unknown key (expected one of:")
    assert all("\n" not in p for p in caught.value.problems)
