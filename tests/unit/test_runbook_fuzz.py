"""Fuzz: the parser takes any text without raising, and always gives numbered steps."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

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
