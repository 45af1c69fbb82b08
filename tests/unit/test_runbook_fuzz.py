"""Fuzz: the parser takes any text without raising and always gives numbered steps; so does URL lookup."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from oncall_tui.config.runbooks import RunbookUrlRule
from oncall_tui.domain.runbook_urls import NoRunbook, RunbookLocation, resolve_reference
from oncall_tui.domain.runbooks import parse_runbook

MARKDOWN_BITS = st.sampled_from(
    [
        "# ",
        "## ",
        "### ",
        "1. ",
        "2) ",
        "- ",
        "- [ ] ",
        "* [x] ",
        "  ",
        "    ",
        "\n",
        "\n\n",
        "```",
        "```bash\n",
        "```promql\n",
        "```console\n$ ",
        "~~~",
        "<details>",
        "<summary>",
        "</summary>",
        "</details>",
        "<!--",
        "-->",
        "---\n",
        "+++\n",
        "title: x\n",
        "{{ $labels.pod }}",
        "{{ $value }}",
        "<POD_NAME>",
        "export A=1\n",
        "[x](http://a)",
        "> ",
        "|a|b|\n",
        "\t",
        "\r\n",
        "*",
        "_",
        "`",
        "\\",
        "#",
        "\ufeff",
        "Meaning",
    ]
)
TEXT = st.lists(st.one_of(MARKDOWN_BITS, st.text(max_size=8)), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.dictionaries(st.text(min_size=1, max_size=5), st.text(max_size=5), max_size=3))
def test_parse_never_raises_and_numbers_steps(text: str, labels: dict[str, str]) -> None:
    runbook = parse_runbook(text, "fuzz.md", labels=labels, value="1")
    assert runbook.steps
    assert [s.index for s in runbook.steps] == list(range(1, len(runbook.steps) + 1))
    for step in runbook.steps:
        assert isinstance(step.title, str) and isinstance(step.text, str)
        assert all(c.text.strip() for c in step.commands)


@settings(max_examples=100, deadline=None)
@given(TEXT, st.text(max_size=20))
def test_anchor_lookup_never_raises(text: str, anchor: str) -> None:
    assert parse_runbook(text, anchor=anchor or None).steps


class _FakeFiles:
    """A tiny tree: /rb/node/TargetDown.md and /rb/runbook.md."""

    tree = {"/rb": ["node", "runbook.md"], "/rb/node": ["TargetDown.md"]}

    def is_file(self, path: Path) -> bool:
        return str(path) in ("/rb/node/TargetDown.md", "/rb/runbook.md")

    def list_dir(self, path: Path) -> list[str]:
        return self.tree.get(str(path), [])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.builds("https://x.example/rb/{}".format, st.text(max_size=30))))
def test_resolution_never_raises_and_never_leaves_the_rule_dir(ref: str) -> None:
    rules = [RunbookUrlRule(prefix="https://x.example/rb/", dir=Path("/rb"))]
    found = resolve_reference(ref, [Path("/rb")], rules, _FakeFiles())
    if isinstance(found, RunbookLocation):
        assert str(found.path).startswith("/rb/")
    else:
        assert isinstance(found, NoRunbook) and found.reason
