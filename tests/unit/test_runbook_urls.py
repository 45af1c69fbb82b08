"""``runbook_url`` → file: the three real link styles, names in runbook dirs, alertnames, and misses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from oncall_tui.config.runbooks import RunbookSettings, RunbookUrlRule
from oncall_tui.domain.runbook_urls import NoRunbook, RunbookLocation, find_by_alertname, resolve_reference
from oncall_tui.services.runbook_loader import LocalFiles, open_runbook, runbook_for_alert

FIXTURES = Path(__file__).parent.parent / "fixtures"
RUNBOOKS = FIXTURES / "runbooks"
PROM_OP = "https://runbooks.prometheus-operator.dev/runbooks/"
OPENSHIFT = "https://github.com/openshift/runbooks/blob/master/"
MIXIN = "https://github.com/kubernetes-monitoring/kubernetes-mixin/tree/master/"
RULES = [
    RunbookUrlRule(prefix=PROM_OP, dir=RUNBOOKS / "prometheus-operator"),
    RunbookUrlRule(prefix=OPENSHIFT, dir=RUNBOOKS / "openshift"),
    RunbookUrlRule(prefix=MIXIN, dir=RUNBOOKS / "kubernetes-mixin"),
]
SETTINGS = RunbookSettings(url_rules=RULES)
FS = LocalFiles()


def resolve(ref: str, rules: list[RunbookUrlRule] = RULES, dirs: list[Path] | None = None) -> object:
    return resolve_reference(ref, dirs or [], rules, FS)


@pytest.mark.parametrize(
    ("url", "rel"),
    [
        (
            f"{PROM_OP}node/nodefilesystemspacefillingup/",
            "prometheus-operator/node/NodeFilesystemSpaceFillingUp.md",
        ),
        (f"{PROM_OP}general/targetdown", "prometheus-operator/general/TargetDown.md"),
        (
            f"{PROM_OP}kubernetes/kubepodcrashlooping/",
            "prometheus-operator/kubernetes/KubePodCrashLooping.md",
        ),
        (
            f"{PROM_OP}kubernetes/kubeapierrorbudgetburn/",
            "prometheus-operator/kubernetes/KubeAPIErrorBudgetBurn.md",
        ),
        (
            f"{PROM_OP}alertmanager/alertmanagerfailedtosendalerts/",
            "prometheus-operator/alertmanager/AlertmanagerFailedToSendAlerts.md",
        ),
        (
            f"{PROM_OP}prometheus/prometheusrulefailures/",
            "prometheus-operator/prometheus/PrometheusRuleFailures.md",
        ),
        (f"{PROM_OP}etcd/etcdinsufficientmembers/", "prometheus-operator/etcd/etcdInsufficientMembers.md"),
        (
            f"{OPENSHIFT}alerts/cluster-logging-operator/CollectorNodeDown.md",
            "openshift/alerts/cluster-logging-operator/CollectorNodeDown.md",
        ),
        (
            f"{OPENSHIFT}alerts/openshift-virtualization-operator/PersistentVolumeFillingUp.md",
            "openshift/alerts/openshift-virtualization-operator/PersistentVolumeFillingUp.md",
        ),
    ],
)
def test_real_link_styles_resolve_onto_the_fixture_files(url: str, rel: str) -> None:
    found = resolve(url)
    assert isinstance(found, RunbookLocation)
    assert found.path == RUNBOOKS / rel
    assert found.anchor is None


def test_anchor_link_resolves_to_the_big_file_and_its_section() -> None:
    found = resolve(f"{MIXIN}runbook.md#alert-name-kubeapidown")
    assert isinstance(found, RunbookLocation)
    assert found.path == RUNBOOKS / "kubernetes-mixin/runbook.md"
    assert found.anchor == "alert-name-kubeapidown"
    assert found.via == f"rule {MIXIN} → {RUNBOOKS / 'kubernetes-mixin'}"


def mixin_rules() -> list[tuple[str, dict[str, str], str]]:
    doc = yaml.safe_load((FIXTURES / "prometheus-rules/kubernetes-mixin-alerts.yaml").read_text())
    return [
        (rule["alert"], rule.get("labels", {}), rule["annotations"]["runbook_url"])
        for group in doc["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]


def test_every_kubernetes_mixin_link_opens_its_own_section() -> None:
    rules = mixin_rules()
    assert len(rules) == 65
    for alertname, labels, url in rules:
        runbook = open_runbook(url, SETTINGS, labels=labels)
        assert runbook.available, f"{alertname}: {runbook.note}"
        first = runbook.steps[0]
        assert first.title.replace('"', "") == f"Alert Name: {alertname}", alertname
        assert runbook.source.endswith(f"runbook.md#alert-name-{alertname.lower()}")


def test_mixin_sections_that_link_on_follow_to_the_local_runbook() -> None:
    # Of the 65, five link on to a prometheus-operator runbook that is here: its steps follow the entry.
    followed: dict[str, int] = {}
    for alertname, labels, url in mixin_rules():
        runbook = open_runbook(url, SETTINGS, labels=labels)
        if len(runbook.steps) > 1:
            followed.setdefault(alertname, len(runbook.steps))
    assert followed == {"KubePodCrashLooping": 1 + 4, "KubeAPIErrorBudgetBurn": 1 + 10}


def test_mixin_links_report_no_rule_without_the_mixin_rule() -> None:
    only_prom_op = [RULES[0]]
    for _alertname, _labels, url in mixin_rules():
        found = resolve(url, only_prom_op)
        assert isinstance(found, NoRunbook)
        assert found.reason == f"runbook_url {url}: no rule matches (prefixes tried: {PROM_OP})"


def test_rule_that_matches_but_has_no_file_says_where_it_looked() -> None:
    url = f"{PROM_OP}kubernetes/kubeletdown/"
    found = resolve(url)
    assert isinstance(found, NoRunbook)
    assert found.reason == (
        f"runbook_url {url}: no file where the rule points "
        f"({PROM_OP} → {RUNBOOKS / 'prometheus-operator'}/kubernetes/kubeletdown[.md])"
    )
    # ... and opening it gives one step that says so.
    runbook = open_runbook(url, SETTINGS)
    assert not runbook.available and runbook.note == found.reason


def test_no_rules_configured() -> None:
    found = resolve("https://wiki.example.com/x", [])
    assert isinstance(found, NoRunbook)
    assert "no [[runbooks.url_rules]] configured" in found.reason


def test_longest_prefix_wins() -> None:
    rules = [
        RunbookUrlRule(prefix="https://github.com/", dir=RUNBOOKS),
        RunbookUrlRule(prefix=OPENSHIFT, dir=RUNBOOKS / "openshift"),
    ]
    found = resolve(f"{OPENSHIFT}alerts/cluster-logging-operator/CollectorNodeDown.md", rules)
    assert isinstance(found, RunbookLocation) and found.via.startswith(f"rule {OPENSHIFT}")


def test_names_relative_to_runbook_dirs_and_local_paths() -> None:
    dirs = [RUNBOOKS / "prometheus-operator"]
    found = resolve("general/targetdown", dirs=dirs)
    assert (
        isinstance(found, RunbookLocation)
        and found.path == RUNBOOKS / "prometheus-operator/general/TargetDown.md"
    )
    absolute = RUNBOOKS / "prometheus-operator/general/TargetDown.md"
    local = resolve(str(absolute))
    assert isinstance(local, RunbookLocation) and local.via == "local path"
    assert isinstance(resolve(f"file://{absolute}#impact"), RunbookLocation)
    escaped = resolve("../kubernetes-mixin/runbook.md", dirs=dirs)
    assert isinstance(escaped, NoRunbook)


def test_alertname_lookup_ignores_case_and_dashes(tmp_path: Path) -> None:
    (tmp_path / "node").mkdir()
    (tmp_path / "node" / "target-down.md").write_text("# TargetDown\n\n## Meaning\n\nx\n")
    found = find_by_alertname("TargetDown", [tmp_path], FS)
    assert isinstance(found, RunbookLocation) and found.path == tmp_path / "node" / "target-down.md"
    missing = find_by_alertname("NoSuchAlert", [tmp_path], FS)
    assert isinstance(missing, NoRunbook) and missing.reason == f"no runbook named NoSuchAlert in {tmp_path}"


def test_alert_without_runbook_url_is_matched_by_alertname() -> None:
    settings = RunbookSettings(dirs=[RUNBOOKS])
    runbook = runbook_for_alert({"alertname": "etcdInsufficientMembers"}, {}, settings)
    assert runbook.title == "etcdInsufficientMembers" and len(runbook.steps) == 5
    missing = runbook_for_alert({"alertname": "Nope"}, {}, settings)
    assert not missing.available
    assert missing.note == f"the alert has no runbook_url; no runbook named Nope in {RUNBOOKS}"


def test_unreadable_and_non_utf8_files_are_single_steps(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"# x\n\xff\xfe\n")
    runbook = open_runbook(str(bad), RunbookSettings())
    assert not runbook.available and runbook.note == f"runbook {bad} is not UTF-8 text (byte 4)"
    directory = tmp_path / "dir.md"
    directory.mkdir()
    assert not open_runbook(str(directory), RunbookSettings()).available


def test_demo_alert_links_resolve_to_packaged_runbooks() -> None:
    from oncall_tui.demo.runbook_settings import DEMO_RUNBOOK_DIR, demo_runbook_settings
    from oncall_tui.demo.scenario import Scenario

    settings = demo_runbook_settings()
    rules = Scenario(1_700_000_000.0).rules
    assert len(rules) >= 6
    for rule in rules:
        runbook = runbook_for_alert(
            {"alertname": rule.name, **rule.labels}, {"runbook_url": rule.runbook}, settings
        )
        assert runbook.available, f"{rule.name}: {runbook.note}"
        assert Path(runbook.source).is_relative_to(DEMO_RUNBOOK_DIR)
        assert any(s.queries for s in runbook.steps), rule.name
        assert any(s.commands for s in runbook.steps), rule.name


def test_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    from oncall_tui.services.runbook_loader import MAX_RUNBOOK_BYTES

    big = tmp_path / "big.md"
    with big.open("wb") as f:
        f.truncate(MAX_RUNBOOK_BYTES + 1)
    runbook = open_runbook(str(big), RunbookSettings())
    assert not runbook.available and runbook.note == f"runbook {big} is larger than {MAX_RUNBOOK_BYTES} bytes"
