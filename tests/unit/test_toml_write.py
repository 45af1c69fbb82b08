"""The TOML writer: what it writes reads back unchanged with tomllib, and PromQL stays readable."""

from __future__ import annotations

import math
import tomllib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncall_tui.toml_write import TomlWriteError, dumps, string


def test_dashboard_shape_is_written_as_people_write_it() -> None:
    data = {
        "title": "Checkout",
        "window": "1h",
        "panels": [
            {
                "title": "Errors",
                "thresholds": {"warning": 0.01, "critical": 0.05},
                "queries": [{"expr": 'sum(rate(x{code=~"5.."}[5m]))', "legend": "{{code}}"}],
            }
        ],
    }
    assert dumps(data) == (
        "title = 'Checkout'\n"
        "window = '1h'\n"
        "\n"
        "[[panels]]\n"
        "title = 'Errors'\n"
        "thresholds = { warning = 0.01, critical = 0.05 }\n"
        "\n"
        "[[panels.queries]]\n"
        "expr = 'sum(rate(x{code=~\"5..\"}[5m]))'\n"
        "legend = '{{code}}'\n"
    )


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("a'b", '"a\'b"'),
        ("line1\nline2", "'''\nline1\nline2'''"),
        ("tab\there", "'tab\there'"),
        ("nul\x00", '"nul\\u0000"'),
        ('back\\slash "q"', "'back\\slash \"q\"'"),
    ],
)
def test_strings_pick_a_form_that_needs_no_escapes_when_possible(text: str, written: str) -> None:
    assert string(text) == written
    assert tomllib.loads(f"v = {written}")["v"] == text


def test_none_is_left_out_and_unsupported_values_raise() -> None:
    assert dumps({"a": 1, "b": None}) == "a = 1\n"
    with pytest.raises(TomlWriteError):
        dumps({"a": object()})


_KEYS = st.text(min_size=1, max_size=8)
_SCALAR = (
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(st.characters(codec="utf-8"), max_size=20)
)
_INLINE = st.recursive(
    _SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=8,
)
_TABLE = st.recursive(
    st.dictionaries(_KEYS, _INLINE, max_size=4),
    lambda inner: st.builds(
        lambda base, name, rows: {**base, name: rows}, inner, _KEYS, st.lists(inner, min_size=1, max_size=2)
    ),
    max_leaves=4,
)


@settings(max_examples=300, deadline=None)
@given(_TABLE)
def test_any_table_round_trips(data: dict[str, Any]) -> None:
    assert tomllib.loads(dumps(data)) == data


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_floats_round_trip(value: float) -> None:
    back = tomllib.loads(dumps({"v": value}))["v"]
    assert (math.isnan(back) and math.isnan(value)) or back == value
