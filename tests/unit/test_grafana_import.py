"""Grafana dashboard JSON → dashboard file: the real dashboards in tests/fixtures/grafana and the odd cases.

Expected panel counts were read off the JSON files by hand (a row is a container, not a panel):

* rfmoz-node-exporter-full: 141 entries in ``panels`` and rows' ``panels`` = 16 rows + 111 timeseries
  + 5 gauge + 5 stat + 4 bargauge; every non-row panel has at least one visible Prometheus target
  → 125 of 125.
* kubernetes-mixin-k8s-resources-cluster: 22 panels = 6 stat + 12 timeseries + 4 table → 18 of 22,
  the 4 tables skipped.
* jaeger-mixin-dashboard-for-grafana: 5 rows + 10 timeseries → 10 of 10.
* jaeger-mixin-read-legacy-rows: legacy ``rows`` (2) of 2 graph panels each → 4 of 4.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from oncall_tui import toml_write
from oncall_tui.config.dashboards import Dashboard, SparklinePanel, StatPanel
from oncall_tui.domain.grafana_import import (
    GrafanaImport,
    GrafanaImportError,
    file_data,
    grafana_window,
    import_dashboard,
    parse_grafana_json,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "grafana"


def _load(name: str) -> GrafanaImport:
    return import_dashboard(json.loads((FIXTURES / name).read_text()), source=name)


def _panel(result: GrafanaImport, title: str) -> SparklinePanel | StatPanel:
    assert result.dashboard is not None
    matches = [p for p in result.dashboard.panels if p.title == title]
    assert matches, f"no panel {title!r}"
    panel = matches[0]
    assert isinstance(panel, SparklinePanel | StatPanel)
    return panel


@pytest.mark.parametrize(
    ("name", "imported", "total", "skipped_titles"),
    [
        ("rfmoz-node-exporter-full.json", 125, 125, []),
        (
            "kubernetes-mixin-k8s-resources-cluster.json",
            18,
            22,
            ["CPU Quota", "Memory Requests by Namespace", "Current Network Usage", "Current Storage IO"],
        ),
        ("jaeger-mixin-dashboard-for-grafana.json", 10, 10, []),
        ("jaeger-mixin-read-legacy-rows.json", 4, 4, []),
    ],
)
def test_every_fixture_dashboard_imports_with_the_expected_counts(
    name: str, imported: int, total: int, skipped_titles: list[str]
) -> None:
    result = _load(name)
    assert (result.imported, result.total_panels) == (imported, total)
    assert [s.title for s in result.skipped] == skipped_titles
    assert result.dashboard is not None
    # What the command writes reads back as the same dashboard, in TOML and in YAML.
    data = file_data(result.dashboard)
    assert Dashboard.model_validate(tomllib.loads(toml_write.dumps(data))) == result.dashboard
    assert Dashboard.model_validate(yaml.safe_load(yaml.safe_dump(data, sort_keys=False))) == result.dashboard


def test_kubernetes_tables_are_skipped_for_their_kind() -> None:
    result = _load("kubernetes-mixin-k8s-resources-cluster.json")
    assert {(s.kind, s.reason) for s in result.skipped} == {("table", "panel kind 'table' is not supported")}


def test_node_exporter_variables_windows_and_collapsed_row_panels() -> None:
    result = _load("rfmoz-node-exporter-full.json")
    assert result.dashboard is not None
    data = file_data(result.dashboard)
    # "now-24h" and refresh "1m" in the file.
    assert (data["window"], data["refresh"]) == ("1d", "1m")
    # label_values(node_uname_info, job) etc.; the data-source variable is dropped.
    assert data["variables"] == [
        {"name": "job", "label": "job", "metric": "node_uname_info"},
        {"name": "nodename", "label": "nodename", "metric": 'node_uname_info{job="$job"}'},
        {"name": "node", "label": "instance", "metric": 'node_uname_info{job="$job", nodename="$nodename"}'},
    ]
    assert any("$ds_prometheus" in str(n) for n in result.notes)
    # Nested in the collapsed "Memory Meminfo"-style rows: the hidden targets (Free, Size) are left out.
    space = _panel(result, "Filesystem Space Available")
    assert [(q.expr, q.legend) for q in space.queries] == [
        ('node_filesystem_avail_bytes{instance="$node",job="$job",device!~\'rootfs\'}', "{{mountpoint}}")
    ]
    assert space.unit == "bytes" and space.thresholds is None  # a single green step is no threshold


def test_node_exporter_stat_thresholds_units_and_rate_interval() -> None:
    result = _load("rfmoz-node-exporter-full.json")
    busy = _panel(result, "CPU Busy")
    # gauge; steps rgba(50,172,45) base, rgba(237,129,40) at 85, rgba(245,54,54) at 95: green → orange → red.
    assert isinstance(busy, StatPanel) and busy.unit == "percent" and busy.decimals == 1
    assert busy.thresholds is not None
    assert (busy.thresholds.warning, busy.thresholds.critical, busy.thresholds.direction) == (85, 95, "above")
    # $__rate_interval is kept: the app computes it per panel.
    assert "[$__rate_interval]" in busy.queries[0].expr
    # bargauge with percentage steps 70 / 90 of min 0 .. max 1 (percentunit) → 0.7 / 0.9.
    pressure = _panel(result, "Pressure")
    assert pressure.thresholds is not None
    assert (pressure.thresholds.warning, pressure.thresholds.critical) == pytest.approx((0.7, 0.9))
    assert [q.legend for q in pressure.queries] == ["CPU", "Mem", "I/O", "Irq"]
    # stat with colorMode "none": Grafana's default green / red 80 colours nothing, so it is not imported.
    assert _panel(result, "RAM Total").thresholds is None
    # bargauge green / dark-red at 0 / green at 1: 0 (scrape failed) is bad, 1 is fine → critical below 1.
    scrape = _panel(result, "Node Exporter Scrape").thresholds
    assert scrape is not None
    assert (scrape.warning, scrape.critical, scrape.direction) == (None, 1, "below")


def test_kubernetes_mixed_panels_take_their_prometheus_targets() -> None:
    result = _load("kubernetes-mixin-k8s-resources-cluster.json")
    assert result.dashboard is not None
    assert file_data(result.dashboard)["variables"] == [
        {"name": "cluster", "label": "cluster", "metric": 'up{job="kube-state-metrics"}'}
    ]
    cpu = _panel(result, "CPU Utilisation")
    assert isinstance(cpu, StatPanel) and cpu.unit == "percentunit"
    assert cpu.queries[0].expr == 'cluster:node_cpu:ratio_rate5m{cluster="$cluster"}'
    receive = _panel(result, "Receive Bandwidth")
    assert isinstance(receive, SparklinePanel) and receive.unit == "bits_per_second"
    assert receive.queries[0].legend == ""  # "__auto" is Grafana's "name the series by its labels"
    assert _panel(result, "Rate of Received Packets").unit == "ops"  # pps, with a note
    assert any("pps" in n.message for n in result.notes)


def test_jaeger_dashboards_expressions_legends_and_units() -> None:
    v2 = _load("jaeger-mixin-dashboard-for-grafana.json")
    p99 = _panel(v2, "Storage Latency - P99")
    assert p99.unit == "seconds"
    assert p99.queries[0].expr == (
        "histogram_quantile(0.99, sum(rate(jaeger_storage_latency_seconds_bucket[1m])) by (le, operation))"
    )
    assert p99.queries[0].legend == "{{operation}}"
    assert _panel(v2, "% Spans Refused").queries[0].legend == "{{receiver}}-{{transport}}"
    assert _panel(v2, "Memory RSS").unit == "bytes"
    legacy = _load("jaeger-mixin-read-legacy-rows.json")
    qps = _panel(legacy, "qps")
    assert qps.unit == "short"  # yaxes[0].format of a legacy graph
    assert [q.legend for q in qps.queries] == ["error", "success"]
    assert qps.queries[0].expr == 'sum(rate(jaeger_query_requests_total{result="err"}[1m]))'


# --- built dashboards: each rule on its own -------------------------------------------------------


def _target(expr: str = "up", **extra: Any) -> dict[str, Any]:
    return {"refId": "A", "expr": expr, **extra}


def _one(panel: dict[str, Any], **dashboard: Any) -> GrafanaImport:
    return import_dashboard({"title": "D", "panels": [panel], **dashboard})


def _ts(*targets: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "timeseries", "title": "P", "targets": list(targets) or [_target()], **extra}


def test_export_wrapper_is_unwrapped_and_non_dashboards_raise_one_error() -> None:
    wrapped = import_dashboard({"dashboard": {"title": "W", "panels": [_ts()]}, "meta": {}})
    assert wrapped.dashboard is not None and wrapped.dashboard.title == "W"
    for bad in ([1, 2], {"title": "no panels"}, "text", None, {"dashboard": {"title": "x"}}):
        with pytest.raises(GrafanaImportError, match="not a Grafana dashboard"):
            import_dashboard(bad, source="f.json")
    with pytest.raises(GrafanaImportError, match=r"^f\.json: not a Grafana dashboard: not JSON"):
        parse_grafana_json(b"{nope", "f.json")


def test_other_data_sources_are_skipped_with_their_kind() -> None:
    doc = {
        "title": "D",
        "__inputs": [{"name": "DS_LOKI", "type": "datasource", "pluginId": "loki"}],
        "templating": {"list": [{"type": "datasource", "name": "es", "query": "elasticsearch"}]},
        "panels": [
            _ts(_target('{app="x"} |= "err"'), datasource="${DS_LOKI}", title="logs rate"),
            _ts({"refId": "A", "query": "x"}, datasource={"type": "elasticsearch", "uid": "$es"}, title="es"),
            _ts({"refId": "A", "scenarioId": "random_walk"}, datasource="gdev-testdata", title="td"),
            _ts(_target(), datasource={"uid": "$es"}, title="es by variable"),
            _ts(title="prom"),
        ],
    }
    result = import_dashboard(doc)
    assert [(s.title, s.reason) for s in result.skipped] == [
        ("logs rate", "data source is not Prometheus (loki)"),
        ("es", "data source is not Prometheus (elasticsearch)"),
        ("td", "data source is not Prometheus (testdata)"),
        ("es by variable", "data source is not Prometheus (elasticsearch)"),
    ]
    assert result.imported == 1 and result.total_panels == 5


def test_mixed_panel_keeps_prometheus_targets_and_notes_the_rest() -> None:
    panel = _ts(
        _target("rate(a[5m])", datasource={"type": "prometheus", "uid": "p"}),
        _target('{job="x"}', datasource={"type": "loki", "uid": "l"}),
        datasource={"type": "datasource", "uid": "-- Mixed --"},
    )
    result = _one(panel)
    assert [q.expr for q in _panel(result, "P").queries] == ["rate(a[5m])"]
    assert [str(n) for n in result.notes] == ["P: 1 non-Prometheus query dropped"]


def test_unsupported_kinds_library_panels_hidden_and_empty_targets() -> None:
    doc = {
        "title": "D",
        "rows": [
            {
                "panels": [
                    {"type": "text", "title": "readme", "content": "hi"},
                    {"type": "heatmap", "title": "hm", "targets": [_target()]},
                    {"libraryPanel": {"uid": "u", "name": "shared"}, "title": "lib", "type": "timeseries"},
                    _ts(_target(hide=True), title="all hidden"),
                    _ts(_target("  "), title="blank"),
                    {"type": "stat", "title": "stat", "targets": [_target()]},
                ]
            }
        ],
    }
    result = import_dashboard(doc)
    assert [(s.title, s.reason) for s in result.skipped] == [
        ("readme", "panel kind 'text' is not supported"),
        ("hm", "panel kind 'heatmap' is not supported"),
        ("lib", "library panel: its queries live in Grafana, not in this file"),
        ("all hidden", "every query is hidden"),
        ("blank", "no queries"),
    ]
    assert result.imported == 1


def test_collapsed_row_panels_are_imported_and_rows_not_counted() -> None:
    doc = {
        "title": "D",
        "panels": [
            {"type": "row", "title": "open", "collapsed": False, "panels": []},
            _ts(title="top"),
            {"type": "row", "title": "closed", "collapsed": True, "panels": [_ts(title="inside")]},
        ],
    }
    result = import_dashboard(doc)
    assert result.dashboard is not None
    assert [p.title for p in result.dashboard.panels] == ["top", "inside"]
    assert result.total_panels == 2


def test_variable_forms_and_grafana_intervals_are_rewritten() -> None:
    templating = {
        "list": [
            {"type": "query", "name": "svc", "query": {"query": "label_values(service)"}},
            {"type": "custom", "name": "code", "query": "2xx : 2..,5xx : 5..", "current": {"value": "5.."}},
            {"type": "constant", "name": "prefix", "query": "api_"},
            {"type": "interval", "name": "iv", "query": "1m,10m,1h", "auto": True},
        ]
    }
    expr = (
        'sum(rate([[prefix]]requests_total{service=~"${svc:regex}", code=~"[[code]]"}[$__rate_interval]))'
        " / $__range_s + increase(x[${__interval}]) + y[$iv] + $undefined_var + $__interval_ms"
    )
    result = _one(_ts(_target(expr, legendFormat="{{service}} $svc")), templating=templating)
    assert result.dashboard is not None
    panel = _panel(result, "P")
    assert panel.queries[0].expr == (
        'sum(rate(api_requests_total{service=~"${svc}", code=~"${code}"}[$__rate_interval]))'
        " / 3600 + increase(x[${__interval}]) + y[$iv] + $undefined_var + 60000"
    )
    assert panel.queries[0].legend == "{{service}} $svc"
    assert file_data(result.dashboard)["variables"] == [
        {"name": "svc", "label": "service"},
        {"name": "code", "values": ["2..", "5.."], "default": "5.."},
        {"name": "iv", "values": ["1m", "10m", "1h"]},
    ]
    notes = [str(n) for n in result.notes]
    assert "variable $iv: the auto option is dropped" in notes
    assert "queries use $undefined_var, which the dashboard does not define; left as written" in notes


def test_unconvertible_variables_are_dropped_or_frozen() -> None:
    templating = {
        "list": [
            {"type": "query", "name": "a", "query": "query_result(up)", "options": [{"value": "x"}]},
            {"type": "query", "name": "b", "query": "metrics(up)"},
            {"type": "adhoc", "name": "filters"},
            {"type": "textbox", "name": "t", "query": "checkout"},
            {"type": "query", "name": "window", "query": "label_values(x)"},
        ]
    }
    result = _one(_ts(), templating=templating)
    assert result.dashboard is not None
    assert file_data(result.dashboard)["variables"] == [
        {"name": "a", "values": ["x"]},
        {"name": "t", "values": ["checkout"]},
    ]
    assert len(result.notes) == 5


def test_units_are_mapped_or_scaled_or_noted() -> None:
    def unit_of(grafana_unit: str, expr: str = "m") -> tuple[str, str, list[str]]:
        result = _one(_ts(_target(expr), fieldConfig={"defaults": {"unit": grafana_unit}}))
        panel = _panel(result, "P")
        return panel.unit, panel.queries[0].expr, [n.message for n in result.notes]

    assert unit_of("s")[:2] == ("seconds", "m")
    assert unit_of("decbytes")[:2] == ("bytes", "m")
    assert unit_of("reqps")[:2] == ("reqps", "m")
    assert unit_of("percentunit")[:2] == ("percentunit", "m")
    assert unit_of("ns")[:2] == ("ns", "m")
    assert unit_of("kbytes")[:2] == ("bytes", "(m) * 1024")
    assert unit_of("m")[:2] == ("seconds", "(m) * 60")
    assert unit_of("opm")[:2] == ("ops", "(m) / 60")
    unit, expr, notes = unit_of("currencyUSD")
    assert (unit, expr) == ("none", "m") and notes == [
        'unit "currencyUSD" has no equivalent; shown without a unit'
    ]
    assert _panel(_one(_ts()), "P").unit == "short"  # no unit in Grafana → the file's default


def test_threshold_directions_and_legacy_forms() -> None:
    def levels(panel: dict[str, Any]) -> tuple[float | None, float | None, str] | None:
        thresholds = _panel(_one(panel), "P").thresholds
        return None if thresholds is None else (thresholds.warning, thresholds.critical, thresholds.direction)

    def stat(*steps: dict[str, Any], unit: str = "short", scale_unit: str | None = None) -> dict[str, Any]:
        defaults = {"unit": scale_unit or unit, "thresholds": {"mode": "absolute", "steps": list(steps)}}
        return {"type": "stat", "title": "P", "targets": [_target()], "fieldConfig": {"defaults": defaults}}

    # Red at the bottom, green at the top: low values are bad (free space, Apdex).
    red_low = stat(
        {"color": "red", "value": None}, {"color": "#EAB839", "value": 10}, {"color": "green", "value": 20}
    )
    assert levels(red_low) == (20, 10, "below")
    assert levels(stat({"color": "green", "value": None}, {"color": "red", "value": 80})) == (
        None,
        80,
        "above",
    )
    # Thresholds follow the expression's scaling: 2 GiB in gbytes is 2 * 1024^3 bytes.
    in_gib = stat({"color": "green", "value": None}, {"color": "red", "value": 2}, scale_unit="gbytes")
    assert levels(in_gib) == (None, 2 * 1024**3, "above")
    # A time series shows thresholds only when drawn.
    hidden = _ts(
        fieldConfig={
            "defaults": {"thresholds": {"steps": [{"color": "green"}, {"color": "red", "value": 1}]}}
        }
    )
    assert levels(hidden) is None
    drawn = _ts(
        fieldConfig={
            "defaults": {
                "custom": {"thresholdsStyle": {"mode": "line"}},
                "thresholds": {
                    "mode": "absolute",
                    "steps": [{"color": "green"}, {"color": "red", "value": 1}],
                },
            }
        }
    )
    assert levels(drawn) == (None, 1, "above")
    graph = {
        "type": "graph",
        "title": "P",
        "targets": [_target()],
        "thresholds": [
            {"colorMode": "warning", "op": "gt", "value": 50},
            {"colorMode": "critical", "op": "gt", "value": 80},
        ],
    }
    assert levels(graph) == (50, 80, "above")
    single = {
        "type": "singlestat",
        "title": "P",
        "targets": [_target()],
        "thresholds": "80,90",
        "format": "percent",
    }
    assert levels(single) == (80, 90, "above")


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("now-6h", "6h"),
        ("now-24h", "1d"),
        ("now-7d", "1w"),
        ("now-90m", "90m"),
        ("now-1d/d", "1d"),
        ("30s", "30s"),
    ],
)
def test_grafana_relative_times_become_windows(text: str, window: str) -> None:
    assert grafana_window(text) == window


@pytest.mark.parametrize("text", ["2024-01-01T00:00:00Z", "now", "", "now-0s", "5x"])
def test_absolute_or_odd_times_are_not_windows(text: str) -> None:
    assert grafana_window(text) is None


def test_a_dashboard_with_nothing_to_import_has_no_dashboard_file() -> None:
    result = _one({"type": "table", "title": "t", "targets": [_target()]})
    assert result.dashboard is None and result.imported == 0 and result.total_panels == 1


def test_what_the_app_does_differently_is_noted() -> None:
    panel = {
        "type": "stat",
        "title": "P",
        "targets": [_target()],
        "repeat": "instance",
        "transformations": [{"id": "reduce"}],
        "options": {"reduceOptions": {"calcs": ["mean"]}},
    }
    assert [n.message for n in _one(panel).notes] == [
        "repeated per $instance value in Grafana; one panel here",
        "1 Grafana transformation(s) dropped",
        "Grafana shows the mean of the range; the app shows the current value",
    ]
    panel["options"] = {"reduceOptions": {"calcs": ["lastNotNull"]}}
    assert len(_one(panel).notes) == 2
