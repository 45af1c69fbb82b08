"""Fenced blocks of a runbook: the PromQL guess, prompts and output, exports, placeholders."""

from __future__ import annotations

import pytest

from oncall_tui.domain.runbook_blocks import command_of, exports_of, fill_placeholders, looks_like_promql
from oncall_tui.domain.runbooks import parse_runbook


@pytest.mark.parametrize(
    "text",
    [
        "up == 0",
        "up",
        "node_filesystem_free_bytes",
        'up{job="node"} == 0',
        "rate(alertmanager_notifications_total[5m])",
        'sum by (le) (rate(http_request_duration_seconds_bucket{service="x"}[5m]))',
        'sum(rate(a_total{verb=~"LIST|GET"}[3d])) / sum(rate(b_total[3d])) > 0.01',
        "(\nsum(rate(a_total[5m]))\n-\nsum(rate(b_total[5m]))\n)\n/\nsum(rate(c_total[5m]))",
        "kube_pod_info and on(pod) kube_pod_status_ready",
        "node_load1 offset 1h",
        "job:request_rate:5m",
    ],
)
def test_bare_promql_is_recognised(text: str) -> None:
    assert looks_like_promql(text)


@pytest.mark.parametrize(
    "text",
    [
        "$ kubectl get pods",
        "kubectl get pods -n monitoring",
        "oc get nodes",
        "exit",
        "etcdctl version",
        "cat /etc/hosts",
        "ls | grep x",
        "echo $HOME",
        "curl http://localhost:9090/api/v1/query",
        "# TODO: Command needed",
        "journalctl -u kubelet",
        "sum(rate(x[5m])",
        "node_load1 > /tmp/out",
        "df -h",
        "",
    ],
)
def test_shell_and_prose_are_not_promql(text: str) -> None:
    assert not looks_like_promql(text)


def test_console_fence_with_a_bare_expression_is_a_query_not_a_command() -> None:
    text = '## Diagnosis\n\n```console\nup{job="node"} == 0\n```\n\n'
    text += "```console\n$ kubectl get pods\nNAME READY\n```\n"
    step = parse_runbook(text).steps[0]
    assert step.queries == ('up{job="node"} == 0',)
    assert [c.text for c in step.commands] == ["kubectl get pods"]


def test_unlabelled_fence_that_is_not_promql_is_neither() -> None:
    step = parse_runbook("## X\n\n```\nsome notes\n```\n").steps[0]
    assert step.queries == () and step.commands == ()


def test_prompted_block_keeps_continuations_and_drops_output() -> None:
    block = "$ kubectl get pods \\\n    -n shop\nNAME   READY\nweb-1  1/1\n$ echo done\ndone\n"
    command = command_of(block, "console")
    assert command is not None and command.text == "kubectl get pods \\\n    -n shop\necho done"


def test_comment_only_block_holds_no_command() -> None:
    assert command_of("# TODO: Command needed\n", "shell") is None


def test_exports_unquote() -> None:
    assert exports_of("export A=1\nexport B='two words'\nexport C=\"x\"\necho hi") == {
        "A": "1",
        "B": "two words",
        "C": "x",
    }


def test_angle_placeholders() -> None:
    labels = {"pod": "web-1", "namespace": "shop", "persistentvolumeclaim": "data-0", "instance": "n1"}
    filled = fill_placeholders(
        "<POD_NAME> <my-namespace> <my-pvc> <instance label from alert> <NODE_NAME> <details>", labels
    )
    assert filled.text == "web-1 shop data-0 n1 <NODE_NAME> <details>"
    assert filled.unfilled == ("<NODE_NAME>",)
