"""A Markdown runbook split into steps, the way the file is written.

Each part of the file under a heading is looked at on its own:

* a part with a top-level numbered list (``1.``) or a ``- [ ]`` checklist gives one step per item; text
  before the list joins the first item's step, text after an item joins that item's step;
* any other part with content gives one step, titled by its heading (Meaning, Impact, Diagnosis …).

So a file of numbered steps nested under ``##`` sections (OpenShift), one of ``##`` sections only
(prometheus-operator) and a plain checklist all split as written. The first ``#`` heading is the
runbook's title, not a step. Hugo/Jekyll front matter (``---`` … ``---``) is read for a title and
never shown; HTML blocks are reduced to their text (``<summary>`` becomes a bold line, comments and
tags go). Parsing uses markdown-it-py (CommonMark), so fences inside list items, lazy continuation
lines and indented code are read as a Markdown viewer reads them.

:func:`parse_runbook` never raises for any ``str``; a file with nothing to step through gives a single
step whose ``note`` says why, as does :func:`unavailable_runbook` for one that could not be found or read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from oncall_tui.domain.runbook_blocks import (
    GUESS_PROMQL_LANGS,
    PROMQL_LANGS,
    SHELL_LANGS,
    Command,
    command_of,
    exports_of,
    fence_lang,
    fill_placeholders,
    looks_like_promql,
)

SECTION_SEPARATOR = " › "
"""Joins nested heading titles in a step's ``section``."""
TITLE_WIDTH = 80
"""A list item's title is its first line, cut to this many characters."""

_MD = MarkdownIt("commonmark")
_FRONT_MATTER = re.compile(r"\A(?:\ufeff)?(---|\+\+\+)[ \t]*\r?\n(.*?)\r?\n\1[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_CHECKBOX = re.compile(r"^\[[ xX]\]\s")
_MARKER = re.compile(r"^(\s*)(?:\d{1,9}[.)]|[-*+])(?:[ \t]+\[[ xX]\])?[ \t]?")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_SUMMARY = re.compile(r"<summary[^>]*>(.*?)</summary>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")


@dataclass(frozen=True, slots=True)
class RunbookStep:
    """One step of a runbook."""

    index: int
    """Position, 1-based (step ``index`` of N)."""
    section: str
    """Headings above the step below the title, joined by :data:`SECTION_SEPARATOR` (may be empty)."""
    title: str
    """The step's heading, or the first line of its list item."""
    text: str
    """The step as Markdown (HTML reduced to text, placeholders filled where the alert allows)."""
    commands: tuple[Command, ...] = ()
    """Shell blocks, as a copy gives them."""
    queries: tuple[str, ...] = ()
    """PromQL expressions to draw."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Variables ``export``-ed by earlier steps, in effect when this step's commands run."""
    unfilled: tuple[str, ...] = ()
    """Placeholders the alert could not fill, as written in the step (for highlighting)."""
    note: str = ""
    """Why the runbook is this single step (missing, unreadable, nothing to split); empty normally."""

    def as_json(self) -> dict[str, object]:
        """The ``runbook --list --json`` object of this step."""
        return {
            "index": self.index,
            "section": self.section,
            "title": self.title,
            "text": self.text,
            "commands": [c.text for c in self.commands],
            "queries": list(self.queries),
            "env": dict(self.env),
            "unfilled": list(self.unfilled),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Runbook:
    """A runbook split into steps."""

    title: str
    """The first ``#`` heading, else the front matter's ``title``, else the name it was opened by."""
    source: str
    """Where it came from (a path, with ``#anchor`` for a section of a bigger file)."""
    steps: tuple[RunbookStep, ...]
    """At least one step."""
    available: bool = True
    """False when the file is missing or unreadable, or the reference or anchor resolved to nothing."""

    @property
    def note(self) -> str:
        """Why the runbook could not be split (empty when it could)."""
        return self.steps[0].note if len(self.steps) == 1 else ""


@dataclass(slots=True)
class _Part:
    """The blocks under one heading."""

    path: list[str]
    blocks: list[list[Token]]


@dataclass(slots=True)
class _Draft:
    section: str
    title: str
    lines: list[str]
    tokens: list[Token]


def unavailable_runbook(source: str, note: str, title: str = "", *, available: bool = False) -> Runbook:
    """The single-step runbook shown in place of one that is missing, unreadable or empty."""
    step = RunbookStep(1, "", title or "Runbook unavailable", note, note=note)
    return Runbook(title or source, source, (step,), available)


def parse_runbook(
    text: str,
    source: str = "",
    *,
    labels: Mapping[str, str] | None = None,
    value: str | None = None,
    anchor: str | None = None,
) -> Runbook:
    """Split Markdown into steps; fill placeholders from ``labels``/``value``; never raises.

    ``anchor`` (a GitHub heading anchor such as ``alert-name-kubeapidown``) restricts the runbook to
    that heading's section of a bigger file; an anchor no heading has gives a single step saying so.
    """
    label_map = labels or {}
    body, front_title = _strip_front_matter(text)
    lines = body.split("\n")
    tokens = _MD.parse(body)
    blocks = _top_level_blocks(tokens)
    where = f"{source}#{anchor}" if anchor else source
    if anchor:
        section = _section_for_anchor(blocks, anchor)
        if section is None:
            return unavailable_runbook(
                where, f"no heading in {source or 'the runbook'} has the anchor #{anchor}"
            )
        blocks = section
    title, parts = _parts(blocks, front_title)
    drafts: list[_Draft] = []
    for part in parts:
        drafts += _drafts_of(part, lines, title or "Introduction")
    if not drafts:
        note = "the runbook is empty" if not body.strip() else "the runbook has only a title, no content"
        return unavailable_runbook(where, note, title, available=True)
    note = ""
    if len(drafts) == 1 and len(parts) == 1 and not parts[0].path:
        note = "no numbered list, checklist or section headings: shown as one step"
    return Runbook(title or source, where, _finish(drafts, label_map, value, note))


# --- front matter and blocks ------------------------------------------------------------------


def _strip_front_matter(text: str) -> tuple[str, str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return text.replace("\r\n", "\n"), ""
    title = ""
    if match[1] == "---":
        try:
            data = yaml.safe_load(match[2])
        except yaml.YAMLError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("title"), str | int | float):
            title = str(data["title"])
    # Blank lines in place of the front matter keep line numbers (token maps) those of the file.
    blank = "\n" * match[0].count("\n")
    return (blank + text[match.end() :]).replace("\r\n", "\n"), title


def _top_level_blocks(tokens: Sequence[Token]) -> list[list[Token]]:
    blocks: list[list[Token]] = []
    current: list[Token] = []
    depth = 0
    for token in tokens:
        current.append(token)
        depth += token.nesting
        if depth <= 0:
            blocks.append(current)
            current = []
            depth = 0
    if current:
        blocks.append(current)
    return blocks


def _heading_level(block: list[Token]) -> int:
    first = block[0]
    if first.type == "heading_open" and first.tag[1:].isdigit():
        return int(first.tag[1:])
    return 0


def _inline_text(token: Token | None) -> str:
    if token is None or not token.children:
        return token.content.strip() if token is not None else ""
    out: list[str] = []
    for child in token.children:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
    return " ".join("".join(out).split())


def _heading_text(block: list[Token]) -> str:
    return _inline_text(next((t for t in block if t.type == "inline"), None))


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower-cased, punctuation dropped, spaces as ``-``."""
    kept = "".join(ch for ch in heading.strip().lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


def _section_for_anchor(blocks: list[list[Token]], anchor: str) -> list[list[Token]] | None:
    wanted = anchor.strip().lower()
    seen: dict[str, int] = {}
    for i, block in enumerate(blocks):
        level = _heading_level(block)
        if not level:
            continue
        slug = github_anchor(_heading_text(block))
        # GitHub numbers repeated headings: the second "Foo" is #foo-1.
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        if (slug if count == 0 else f"{slug}-{count}") != wanted:
            continue
        end = next(
            (j for j in range(i + 1, len(blocks)) if 0 < _heading_level(blocks[j]) <= level), len(blocks)
        )
        return blocks[i:end]
    return None


def _is_noise(block: list[Token]) -> bool:
    first = block[0]
    return first.type == "html_block" and not _html_to_text(first.content).strip()


def _parts(blocks: list[list[Token]], front_title: str) -> tuple[str, list[_Part]]:
    content = [b for b in blocks if not _is_noise(b)]
    title = front_title
    levels = [lvl for lvl in (_heading_level(b) for b in content) if lvl]
    # The first heading is the title when nothing comes before it and no other heading is as high
    # (and, below a front matter title, only when it is a "#" one).
    first_level = _heading_level(content[0]) if content else 0
    if (
        first_level
        and levels.count(first_level) == 1
        and first_level == min(levels)
        and (first_level == 1 or not front_title)
    ):
        title = _heading_text(content[0]) or title
        content = content[1:]
    parts: list[_Part] = [_Part([], [])]
    stack: list[tuple[int, str]] = []
    for block in content:
        level = _heading_level(block)
        if level:
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, _heading_text(block)))
            parts.append(_Part([name for _, name in stack], []))
        else:
            parts[-1].blocks.append(block)
    return title, [p for p in parts if p.blocks]


# --- steps of a part --------------------------------------------------------------------------


def _is_step_list(block: list[Token]) -> bool:
    first = block[0]
    if first.type == "ordered_list_open":
        return True
    if first.type != "bullet_list_open":
        return False
    items = _items(block)
    return bool(items) and any(_CHECKBOX.match(_first_inline(item)) for item in items)


def _items(block: list[Token]) -> list[list[Token]]:
    items: list[list[Token]] = []
    current: list[Token] = []
    depth = 0
    for token in block[1:-1]:
        current.append(token)
        depth += token.nesting
        if depth == 0:
            items.append(current)
            current = []
    return items


def _first_inline(item: list[Token]) -> str:
    return next((t.content for t in item if t.type == "inline"), "")


def _first_inline_text(item: list[Token]) -> str:
    return _inline_text(next((t for t in item if t.type == "inline"), None))


def _drafts_of(part: _Part, lines: list[str], intro_title: str) -> list[_Draft]:
    section_path = SECTION_SEPARATOR.join(part.path)
    if not any(_is_step_list(b) for b in part.blocks):
        parent = SECTION_SEPARATOR.join(part.path[:-1]) or (part.path[0] if part.path else "")
        title = part.path[-1] if part.path else intro_title
        body = [ln for b in part.blocks for ln in _block_lines(b, lines)]
        return [_Draft(parent, title, body, [t for b in part.blocks for t in b])]
    drafts: list[_Draft] = []
    lead: list[str] = []
    lead_tokens: list[Token] = []
    for block in part.blocks:
        if _is_step_list(block):
            for item in _items(block):
                item_lines = _item_lines(item, lines)
                first = _CHECKBOX.sub("", _first_inline_text(item)).strip()
                title = _short_title(first) or f"Step {len(drafts) + 1}"
                body = [*lead, *([""] if lead else []), *item_lines]
                drafts.append(_Draft(section_path, title, body, [*lead_tokens, *item]))
                lead, lead_tokens = [], []
        elif drafts:
            drafts[-1].lines += ["", *_block_lines(block, lines)]
            drafts[-1].tokens += block
        else:
            lead += [*([""] if lead else []), *_block_lines(block, lines)]
            lead_tokens += block
    return drafts


def _short_title(text: str) -> str:
    # The first sentence of the item's first paragraph (plain text, wrapped lines joined).
    line = " ".join(text.split())
    cut = re.search(r"[.:?!](?:\s|$)", line)
    if cut:
        line = line[: cut.start() + (1 if line[cut.start()] in "?!" else 0)]
    line = line.strip()
    return line if len(line) <= TITLE_WIDTH else line[: TITLE_WIDTH - 1].rstrip() + "…"


def _block_lines(block: list[Token], lines: list[str]) -> list[str]:
    first = block[0]
    if first.map is None:
        return []
    start, end = first.map
    chunk = lines[start:end]
    if first.type == "html_block":
        return _html_to_text("\n".join(chunk)).strip("\n").split("\n")
    return chunk


def _item_lines(item: list[Token], lines: list[str]) -> list[str]:
    first = item[0]
    if first.map is None:
        return []
    start, end = first.map
    chunk = lines[start:end]
    while chunk and not chunk[-1].strip():
        chunk.pop()
    if not chunk:
        return []
    marker = _MARKER.match(chunk[0])
    indent = len(marker[0]) if marker else 0
    out = [chunk[0][indent:]]
    for line in chunk[1:]:
        spaces = len(line) - len(line.lstrip(" "))
        out.append(line[min(spaces, indent) :])
    return out


def _html_to_text(html: str) -> str:
    text = _COMMENT.sub("", html)
    text = _SUMMARY.sub(lambda m: f"**{' '.join(m[1].split())}**", text)
    return _TAG.sub("", text)


# --- finishing: code blocks, placeholders, env ------------------------------------------------


def _finish(
    drafts: list[_Draft], labels: Mapping[str, str], value: str | None, note: str
) -> tuple[RunbookStep, ...]:
    steps: list[RunbookStep] = []
    env: dict[str, str] = {}
    for i, draft in enumerate(drafts, start=1):
        text = "\n".join(draft.lines).strip("\n")
        filled = fill_placeholders(text, labels, value)
        unfilled = list(filled.unfilled)
        commands: list[Command] = []
        queries: list[str] = []
        for token in draft.tokens:
            if token.type != "fence":
                continue
            lang = fence_lang(token.info)
            content = fill_placeholders(token.content, labels, value).text
            if lang in PROMQL_LANGS or (lang in GUESS_PROMQL_LANGS and looks_like_promql(content)):
                if content.strip():
                    queries.append(content.strip())
            elif lang in SHELL_LANGS:
                command = command_of(content, lang)
                if command is not None:
                    commands.append(command)
        step_env = dict(env)
        for command in commands:
            env.update(exports_of(command.text))
        steps.append(
            RunbookStep(
                index=i,
                section=draft.section,
                title=fill_placeholders(draft.title, labels, value).text,
                text=filled.text,
                commands=tuple(commands),
                queries=tuple(queries),
                env=step_env,
                unfilled=tuple(unfilled),
                note=note,
            )
        )
    return tuple(steps)
