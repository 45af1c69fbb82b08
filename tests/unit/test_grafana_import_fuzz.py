"""Fuzzing the Grafana importer: any JSON-ish input either imports or raises GrafanaImportError.

Two generators: arbitrary JSON values (mostly "not a dashboard"), and dashboards built from the
keys and values the importer looks at (panel types, data-source forms, units, thresholds,
variables, ``$var`` syntaxes) filled with arbitrary JSON where it reads them, so every branch
sees wrong types. Whatever is imported is a valid dashboard file and survives TOML and YAML.
"""

from __future__ import annotations

import argparse
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall_tui import toml_write
from oncall_tui.commands.grafana_import_cmd import render, run_import_grafana
from oncall_tui.config.dashboards import Dashboard
from oncall_tui.domain.grafana_import import GrafanaImportError, file_data, import_dashboard

_TEXT = (
    st.text(st.characters(codec="utf-8"), max_size=12)
    | st.text(max_size=4)
    # Lone surrogates (JSON can spell them), NUL, and a run of quotes TOML literals cannot hold.
    | st.sampled_from(["\ud800", "a\udfffb", "x\x00y", "'''", "a'''\n"])
)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | _TEXT
)
JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=8,
)


def _mostly(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good`` nine times in ten, arbitrary JSON otherwise: valid enough to get deep, wrong often."""
    return st.integers(0, 9).flatmap(lambda pick: JSON if pick == 0 else good)


_PANEL_TYPES = st.sampled_from(
    ["timeseries", "graph", "stat", "gauge", "bargauge", "singlestat", "table", "text", "row", "heatmap", ""]
)
_DATASOURCES = st.sampled_from(
    [
        None,
        "$datasource",
        "${DS_PROM}",
        "[[ds]]",
        "-- Mixed --",
        "-- Grafana --",
        "Loki",
        "prometheus",
        {"type": "prometheus", "uid": "x"},
        {"type": "loki", "uid": "y"},
        {"type": "datasource", "uid": "-- Mixed --"},
        {"type": "datasource", "uid": "-- Dashboard --"},
        {"uid": "${DS_PROM}"},
        {"uid": "$datasource"},
    ]
)
_EXPRS = st.sampled_from(
    [
        "up",
        'rate(x{a="$a"}[$__rate_interval])',
        "sum(y[[[a:csv]]]) / $__range_s",
        "x[${__interval}] + $__interval_ms + $__rate_interval_ms + $__range_ms + ${b:regex}",
        "label_replace(up, 'x', '$1', 'job', '(.*)') + $__auto_interval_iv + $__dashboard",
        "",
        "   ",
        "a\nb'c\"\\",
    ]
)
_UNITS = st.sampled_from(["s", "ms", "kbytes", "bps", "pps", "opm", "percent", "bool", "", "m", "suffix:x"])
_COLOURS = st.sampled_from(
    ["green", "red", "dark-yellow", "#EAB839", "#f00", "rgba(1,2,3,0.5)", "blue", "", "transparent"]
)
_STEP = st.fixed_dictionaries(
    {"color": _COLOURS | JSON}, optional={"value": st.none() | st.floats() | st.integers() | JSON}
)
_THRESHOLDS = st.fixed_dictionaries(
    {"steps": st.lists(_STEP, max_size=5) | JSON},
    optional={"mode": st.sampled_from(["absolute", "percentage", 3])},
)
_DEFAULTS = st.fixed_dictionaries(
    {},
    optional={
        "unit": _mostly(_UNITS),
        "decimals": _mostly(st.integers(-3, 20)),
        "thresholds": _mostly(_THRESHOLDS),
        "min": st.floats() | JSON,
        "max": st.floats() | JSON,
        "custom": st.just({"thresholdsStyle": {"mode": "line"}}) | JSON,
        "color": st.just({"mode": "thresholds"}) | JSON,
    },
)
_TARGET = st.fixed_dictionaries(
    {"expr": _mostly(_EXPRS)},
    optional={
        "legendFormat": _mostly(st.sampled_from(["{{a}}", "__auto", "", "$a {{b}}"])),
        "hide": _mostly(st.booleans()),
        "datasource": _mostly(_DATASOURCES),
    },
)
_LEAF_PANEL = st.fixed_dictionaries(
    {"type": _mostly(_PANEL_TYPES), "targets": _mostly(st.lists(_mostly(_TARGET), max_size=4))},
    optional={
        "title": _mostly(_TEXT),
        "id": st.integers() | JSON,
        "datasource": _mostly(_DATASOURCES),
        "fieldConfig": _mostly(st.fixed_dictionaries({"defaults": _mostly(_DEFAULTS)})),
        "timeFrom": st.sampled_from(["1h", "now-7d", "2M", "0s", "x"]) | JSON,
        "thresholds": st.lists(
            st.fixed_dictionaries(
                {"op": st.sampled_from(["gt", "lt", "eq"]), "value": st.floats() | JSON},
                optional={"colorMode": st.sampled_from(["warning", "critical", "custom", "ok"])},
            )
        )
        | st.sampled_from(["80,90", "90,80", "x", "1,2,3"])
        | JSON,
        "colors": st.lists(_COLOURS) | JSON,
        "yaxes": st.lists(st.fixed_dictionaries({"format": _UNITS | JSON}), max_size=2) | JSON,
        "decimals": st.integers(-3, 20) | JSON,
        "libraryPanel": JSON,
    },
)
_PANEL = st.recursive(
    _LEAF_PANEL,
    lambda inner: st.fixed_dictionaries(
        {"type": st.just("row"), "panels": st.lists(inner, max_size=3) | JSON}
    ),
    max_leaves=6,
)
_VARIABLE = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            ["query", "custom", "constant", "interval", "textbox", "datasource", "adhoc", 1]
        ),
        "name": st.sampled_from(["a", "b", "ds", "iv", "window", "__x", "1bad", "a b"]) | JSON,
    },
    optional={
        "query": _mostly(
            st.sampled_from(
                [
                    "label_values(up, job)",
                    "label_values(job)",
                    'label_values(x{a="1,2"}, le)',
                    "label_values(x, 1)",
                    "a,b\\,c, x : y",
                    "1m,5m",
                    "query_result(up)",
                    "prometheus",
                    "",
                ]
            )
        )
        | st.fixed_dictionaries({"query": _TEXT | JSON}),
        "current": st.fixed_dictionaries({"value": _TEXT | st.lists(_TEXT, max_size=2) | JSON}) | JSON,
        "options": st.lists(st.fixed_dictionaries({"value": _TEXT | JSON}), max_size=3) | JSON,
        "includeAll": st.booleans() | JSON,
        "allValue": _TEXT | JSON,
        "multi": st.booleans() | JSON,
        "regex": _TEXT | JSON,
        "auto": st.booleans() | JSON,
    },
)
DASHBOARDS = st.fixed_dictionaries(
    {"panels": _mostly(st.lists(_mostly(_PANEL), max_size=6))},
    optional={
        "title": _mostly(_TEXT),
        "rows": st.lists(
            st.fixed_dictionaries({"panels": st.lists(_PANEL, max_size=3) | JSON}) | JSON, max_size=2
        )
        | JSON,
        "templating": _mostly(
            st.fixed_dictionaries({"list": _mostly(st.lists(_mostly(_VARIABLE), max_size=5))})
        ),
        "time": st.fixed_dictionaries({"from": st.sampled_from(["now-6h", "now-1y", "now/d", "x"]) | JSON})
        | JSON,
        "refresh": st.sampled_from(["5s", "1m", "", False]) | JSON,
        "__inputs": st.just([{"name": "DS_PROM", "pluginId": "prometheus"}]) | JSON,
    },
)
WRAPPED = DASHBOARDS.map(lambda d: {"dashboard": d, "meta": {}})

FUZZ = settings(
    max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def _check(document: object) -> None:
    try:
        result = import_dashboard(document, source="fuzz.json")
    except GrafanaImportError as exc:
        assert str(exc).startswith("fuzz.json: not a Grafana dashboard")
        return
    assert result.imported + len(result.skipped) == result.total_panels
    if result.dashboard is None:
        assert result.imported == 0
        return
    data = file_data(result.dashboard)
    assert Dashboard.model_validate(tomllib.loads(toml_write.dumps(data))) == result.dashboard
    assert Dashboard.model_validate(yaml.safe_load(yaml.safe_dump(data))) == result.dashboard
    # What the command writes is always encodable.
    render(result, "toml", "fuzz.json").encode("utf-8")


@FUZZ
@given(JSON)
def test_arbitrary_json_imports_or_raises_the_documented_error(document: object) -> None:
    _check(document)


@FUZZ
@given(DASHBOARDS | WRAPPED)
def test_grafana_shaped_dashboards_import_to_valid_files(document: dict[str, Any]) -> None:
    _check(document)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64) | JSON.map(lambda v: json.dumps(v).encode()))
def test_command_never_crashes_on_any_file_content(
    tmp_path_factory: pytest.TempPathFactory, raw: bytes
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "in.json"
    path.write_bytes(raw)
    out = path.parent / "out.yaml"
    code = run_import_grafana(argparse.Namespace(file=path, output=out, force=True))
    assert code in (0, 1, 2)
    assert out.exists() == (code == 0)
    assert not [p for p in Path(path.parent).iterdir() if p.name.endswith(".tmp")]
