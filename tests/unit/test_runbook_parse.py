"""Runbook Markdown split into steps: every upstream fixture file, and the rules the fixtures exercise."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.domain.runbooks import parse_runbook

FIXTURES = Path(__file__).parent.parent / "fixtures" / "runbooks"

# Counted by reading each file: one step per section with content, one per item of a top-level
# numbered list (text before a list joins its first item), the "# Title" heading not a step.
EXPECTED_STEPS = {
    # Meaning, Impact, Diagnosis, Mitigation.
    "prometheus-operator/node/NodeFilesystemSpaceFillingUp.md": 4,
    "prometheus-operator/prometheus/PrometheusRuleFailures.md": 4,
    "prometheus-operator/general/TargetDown.md": 4,
    "prometheus-operator/alertmanager/AlertmanagerFailedToSendAlerts.md": 4,
    "prometheus-operator/kubernetes/KubePodCrashLooping.md": 4,
    # Meaning, Impact, Diagnosis, Diagnosis › General etcd health, Mitigation › Disaster and recovery
    # (the empty "## Mitigation" gives none).
    "prometheus-operator/etcd/etcdInsufficientMembers.md": 5,
    # Impact, Critical, Warning, 4 items of "## Runbook", Example Queries, Slow Read, Slow Write.
    "prometheus-operator/kubernetes/KubeAPIErrorBudgetBurn.md": 10,
    # Meaning, Impact, 7 diagnosis items, Mitigation intro, Restart (1), 3 + 3 + 3 + 3 items, Notes.
    "openshift/alerts/cluster-logging-operator/CollectorNodeDown.md": 24,
    # Meaning, Impact, Diagnosis, Data retention/export/rebalance, resizing (5 items), new volume,
    # purge, instance pool (3 items), new cluster (7 items), Support.
    "openshift/alerts/openshift-virtualization-operator/PersistentVolumeFillingUp.md": 24,
    # The introduction, 61 "##### Alert Name" entries, "## Other Kubernetes Runbooks".
    "kubernetes-mixin/runbook.md": 63,
}


def parse(rel: str, **kwargs: object) -> object:
    path = FIXTURES / rel
    return parse_runbook(path.read_text(), str(path), **kwargs)  # type: ignore[arg-type]


def test_every_fixture_file_is_counted() -> None:
    on_disk = {str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*.md")}
    assert on_disk == set(EXPECTED_STEPS)


@pytest.mark.parametrize(("rel", "count"), sorted(EXPECTED_STEPS.items()))
def test_step_count_per_fixture(rel: str, count: int) -> None:
    path = FIXTURES / rel
    runbook = parse_runbook(path.read_text(), str(path))
    assert len(runbook.steps) == count
    assert [s.index for s in runbook.steps] == list(range(1, count + 1))
    assert runbook.available and runbook.note == ""
    for step in runbook.steps:
        # Front matter and HTML are handled, never shown raw.
        assert "<details>" not in step.text and "<summary>" not in step.text and "<!--" not in step.text
        assert "weight: 20" not in step.text
        assert step.title and step.text.strip()


def test_front_matter_gives_no_step_and_the_h1_is_the_title() -> None:
    path = FIXTURES / "prometheus-operator/node/NodeFilesystemSpaceFillingUp.md"
    runbook = parse_runbook(path.read_text(), str(path))
    assert runbook.title == "NodeFilesystemSpaceFillingUp"
    assert [s.title for s in runbook.steps] == ["Meaning", "Impact", "Diagnosis", "Mitigation"]
    meaning = runbook.steps[0].text
    assert "**Full context**" in meaning and "container ephemeral storage" in meaning


def test_front_matter_title_used_without_h1() -> None:
    runbook = parse_runbook("---\ntitle: Disk full\nweight: 1\n---\n\n## Meaning\n\nIt is full.\n")
    assert runbook.title == "Disk full"
    assert [(s.section, s.title, s.text) for s in runbook.steps] == [("Meaning", "Meaning", "It is full.")]


def test_prometheus_operator_console_prompts_and_promql() -> None:
    path = FIXTURES / "prometheus-operator/node/NodeFilesystemSpaceFillingUp.md"
    steps = parse_runbook(path.read_text(), str(path)).steps
    assert steps[2].queries == ("node_filesystem_free_bytes",)
    mitigation = steps[3]
    # Prompts stripped; the "# TODO" blocks hold no command.
    assert [c.text for c in mitigation.commands] == [
        "NODE_NAME=<instance label from alert>\nkubectl -n default debug node/$NODE_NAME\nchroot /host",
        "exit\nexit",
    ]
    assert mitigation.unfilled == ("<instance label from alert>",)


def test_placeholders_filled_from_the_alert() -> None:
    path = FIXTURES / "prometheus-operator/node/NodeFilesystemSpaceFillingUp.md"
    steps = parse_runbook(path.read_text(), str(path), labels={"instance": "node-7"}).steps
    assert steps[3].commands[0].text.startswith("NODE_NAME=node-7\n")
    assert steps[3].unfilled == ()


def test_openshift_numbered_steps_nested_under_sections() -> None:
    rel = "openshift/alerts/cluster-logging-operator/CollectorNodeDown.md"
    path = FIXTURES / rel
    steps = parse_runbook(path.read_text(), str(path), labels={"namespace": "x"}).steps
    diagnosis = [s for s in steps if s.section == "Diagnosis"]
    assert [s.title for s in diagnosis][:2] == [
        "Check if the collector pod is running",
        "Examine pod status and recent events",
    ]
    assert diagnosis[0].commands[0].text == (
        "oc get pods -n openshift-logging -l app.kubernetes.io/component=collector"
    )
    assert diagnosis[0].commands[0].lang == "bash"
    assert diagnosis[1].unfilled == ("<POD_NAME>",)
    # The list item's indentation is gone from the step's Markdown.
    assert diagnosis[0].text.startswith("**Check if the collector pod is running:**\n\n```bash\noc get")
    resources = [s for s in steps if s.section == "Mitigation › Check Resource Constraints"]
    assert len(resources) == 3
    # Text before a list joins its first item.
    assert resources[0].text.startswith("If pod events indicate resource issues")


def test_console_output_lines_are_not_part_of_the_command() -> None:
    path = FIXTURES / "openshift/alerts/openshift-virtualization-operator/PersistentVolumeFillingUp.md"
    steps = parse_runbook(path.read_text(), str(path)).steps
    check = next(s for s in steps if s.title.startswith("Check that volume expansion"))
    assert [c.text for c in check.commands] == [
        "oc get storageclass `oc -n <my-namespace> get pvc <my-pvc> -ojson | jq -r '.spec.storageClassName'`"
    ]
    assert "PROVISIONER" in check.text  # the output stays in the step's text, to read


def test_kube_api_error_budget_queries_and_nested_list() -> None:
    path = FIXTURES / "prometheus-operator/kubernetes/KubeAPIErrorBudgetBurn.md"
    steps = parse_runbook(path.read_text(), str(path)).steps
    first = steps[3]
    assert (first.section, first.title) == ("Runbook", "Take a look at the APIServer Grafana dashboard")
    assert "Do you see an elevated error rate" in first.text  # nested items stay in their parent step
    slow_read = steps[8]
    assert slow_read.section == "Runbook › Example Queries for slow requests"
    assert slow_read.title == "Slow Read Requests"
    assert len(slow_read.queries) == 3 and all(q.endswith("> 0.01") for q in slow_read.queries)


def test_kubernetes_mixin_section_by_anchor() -> None:
    path = FIXTURES / "kubernetes-mixin/runbook.md"
    runbook = parse_runbook(
        path.read_text(),
        str(path),
        anchor="alert-name-kubepodnotready",
        labels={"namespace": "shop", "pod": "cart-1"},
    )
    assert runbook.source.endswith("runbook.md#alert-name-kubepodnotready")
    assert len(runbook.steps) == 1
    step = runbook.steps[0]
    assert step.title == 'Alert Name: "KubePodNotReady"'
    assert "`shop/cart-1 is not ready.`" in step.text
    assert "KubeDeploymentGenerationMismatch" not in step.text
    assert step.note.startswith("no numbered list")


def test_repeated_heading_anchor_gets_a_number() -> None:
    path = FIXTURES / "kubernetes-mixin/runbook.md"
    second = parse_runbook(path.read_text(), "", anchor="alert-name-kubepersistentvolumefillingup-1")
    assert "expected to fill up within four days" in second.steps[0].text


def test_unknown_anchor_is_a_single_step_saying_so() -> None:
    runbook = parse_runbook("# A\n\n## B\n\ntext\n", "a.md", anchor="nope")
    assert not runbook.available
    assert runbook.note == "no heading in a.md has the anchor #nope"


def test_checklist() -> None:
    text = (
        "# Deploy rollback\n\nBefore you start: tell the channel.\n\n- [ ] Freeze deploys\n"
        "- [x] Roll back\n  ```sh\n  $ kubectl rollout undo deploy/web\n  ```\n- [ ] Check `up`\n"
    )
    steps = parse_runbook(text).steps
    assert [s.title for s in steps] == ["Freeze deploys", "Roll back", "Check up"]
    assert steps[0].text.startswith("Before you start: tell the channel.")
    assert steps[1].commands[0].text == "kubectl rollout undo deploy/web"


def test_plain_bullets_are_not_steps() -> None:
    steps = parse_runbook("# X\n\n## Diagnosis\n\n- look here\n- look there\n").steps
    assert [s.title for s in steps] == ["Diagnosis"]


def test_exports_carry_into_later_steps() -> None:
    text = (
        '1. Set the namespace:\n\n   ```bash\n   $ export NAMESPACE="{{ $labels.namespace }}"\n   ```\n'
        "2. Set the pod:\n\n   ```bash\n"
        "   export POD=$(oc get pods -n $NAMESPACE -o name | head -1)\n   ```\n"
        "3. Look:\n\n   ```bash\n   oc logs -n $NAMESPACE $POD\n   ```\n"
    )
    steps = parse_runbook(text, labels={"namespace": "shop"}).steps
    assert [dict(s.env) for s in steps] == [
        {},
        {"NAMESPACE": "shop"},
        {"NAMESPACE": "shop", "POD": "$(oc get pods -n $NAMESPACE -o name | head -1)"},
    ]


def test_template_placeholders_and_value() -> None:
    text = "## Meaning\n\n`{{ $labels.pod }}` restarts {{ $value }} times on {{$labels.node}}.\n"
    step = parse_runbook(text, labels={"pod": "web-1"}, value="3").steps[0]
    assert step.text == "`web-1` restarts 3 times on {{$labels.node}}."
    assert step.unfilled == ("{{$labels.node}}",)


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("", "the runbook is empty"),
        ("   \n\n", "the runbook is empty"),
        ("# Only a title\n", "the runbook has only a title, no content"),
        ("Just restart it.\n", "no numbered list, checklist or section headings: shown as one step"),
    ],
)
def test_nothing_to_split_is_one_step_with_a_note(text: str, note: str) -> None:
    runbook = parse_runbook(text, "x.md")
    assert len(runbook.steps) == 1
    assert runbook.note == note
