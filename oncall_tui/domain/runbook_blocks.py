"""What a runbook's fenced blocks hold: shell commands to copy or run, PromQL to draw, ``export``s to carry.

Pure text functions used by :mod:`oncall_tui.domain.runbooks`. Shell blocks are ``sh``, ``bash``,
``shell``, ``zsh``, ``console`` and ``shell-session`` fences. A block in which some lines carry a
``$ `` prompt is a terminal transcript: only the prompted lines (and their ``\\`` continuations) are
the command, the rest is output. PromQL comes from ``promql`` fences, and from ``console`` or
unlabelled fences that hold nothing but one PromQL expression — the prometheus-operator runbooks
write queries that way — recognised by :func:`looks_like_promql`, which would rather miss a query
than run a shell command as one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

SHELL_LANGS = frozenset({"sh", "bash", "shell", "zsh", "console", "shell-session", "shellsession"})
"""Fence languages whose content is typed at a shell prompt."""
PROMQL_LANGS = frozenset({"promql", "prometheus"})
"""Fence languages that are PromQL for sure."""
GUESS_PROMQL_LANGS = frozenset({"", "console", "text"})
"""Fence languages whose content is taken for PromQL when it looks like nothing but an expression."""

_PROMPT = re.compile(r"^\s*\$ ?")
_EXPORT = re.compile(r"^\s*export\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_IDENT = r"[A-Za-z_:][A-Za-z0-9_:]*"
_WORD_PAIR = re.compile(rf"({_IDENT})\s+({_IDENT})")
_PROMQL_WORDS = frozenset(
    {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"}
)
"""Words that may follow another word in a PromQL expression (``sum by``, ``a and b``, ``x offset 5m``)."""
_PROMQL_SHAPE = re.compile(
    rf"^\s*(?:\(|{_IDENT}\s*(?:[({{\[]|$|(?:==|!=|>=|<=|>|<|[-+*/%^])|(?:{'|'.join(sorted(_PROMQL_WORDS))})\b))"
)
_SHELLISH = re.compile(
    r"[|;&$\\]|>>|<<|[<>]\s*[/~.]|\s--?[A-Za-z]|^\s*#|\bhttps?://|^\s*\w+/|(?:^|\s)/[\w.~]|[A-Za-z]/[A-Za-z]"
)


@dataclass(frozen=True, slots=True)
class Command:
    """A shell block of a step, as a copy gives it."""

    text: str
    """The command lines, prompts stripped and output lines left out (several lines run as one script)."""
    lang: str
    """The fence language (``bash``, ``console`` …)."""


def fence_lang(info: str) -> str:
    """The language word of a fence's info string (``"bash title=x"`` → ``"bash"``), lower-cased."""
    word = info.strip().split(maxsplit=1)[0] if info.strip() else ""
    return word.strip("{}.").lower()


def command_of(content: str, lang: str) -> Command | None:
    """The command a shell block holds, or None when it holds none (only comments, only output)."""
    lines = content.splitlines()
    prompted = any(_PROMPT.match(line) and line.lstrip().startswith("$") for line in lines)
    kept: list[str] = []
    if prompted:
        continuing = False
        for line in lines:
            if line.lstrip().startswith("$"):
                kept.append(_PROMPT.sub("", line, count=1))
                continuing = line.rstrip().endswith("\\")
            elif continuing:
                # A ``\`` at the end of the previous command line continues the command, not its output.
                kept.append(line)
                continuing = line.rstrip().endswith("\\")
    else:
        kept = list(lines)
    while kept and not kept[-1].strip():
        kept.pop()
    while kept and not kept[0].strip():
        kept.pop(0)
    if not any(line.strip() and not line.lstrip().startswith("#") for line in kept):
        return None
    return Command("\n".join(kept), lang)


def looks_like_promql(content: str) -> bool:
    """Whether a block holds one bare PromQL expression and nothing a shell would run.

    Conservative: no prompt, pipe, redirect, ``;``, ``&``, ``$``, flag, URL or comment; balanced
    brackets; it starts like an expression (a name followed by ``{``, ``(``, ``[``, an operator or
    nothing, or an opening parenthesis); two words in a row only where PromQL puts them (``sum by``,
    ``a and b``); a lone word must look like a metric name (contain ``_`` or ``:``, or be ``up``).
    """
    text = content.strip()
    if not text or len(text) > 4000:
        return False
    bare = _STRINGS.sub('""', text)
    if _SHELLISH.search(bare) or any(_SHELLISH.search(line) for line in bare.splitlines()):
        return False
    if not _balanced(bare):
        return False
    if not _PROMQL_SHAPE.match(bare):
        return False
    for first, second in _WORD_PAIR.findall(bare):
        if first not in _PROMQL_WORDS and second not in _PROMQL_WORDS and not _is_duration(second):
            return False
    if re.fullmatch(_IDENT, bare):
        return "_" in bare or ":" in bare or bare == "up"
    return True


def _is_duration(word: str) -> bool:
    return re.fullmatch(r"\d+[smhdwy]", word) is not None


def _balanced(text: str) -> bool:
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    for ch in text:
        if ch in "([{":
            stack.append(ch)
        elif ch in pairs and (not stack or stack.pop() != pairs[ch]):
            return False
    return not stack


def exports_of(command: str) -> dict[str, str]:
    """``NAME → value`` of each ``export NAME=value`` line (quotes around the value removed)."""
    found: dict[str, str] = {}
    for line in command.splitlines():
        match = _EXPORT.match(line)
        if match:
            found[match[1]] = _unquote(match[2].strip())
    return found


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


# --- placeholders -----------------------------------------------------------------------------

_TEMPLATE = re.compile(r"\{\{-?\s*\$(labels\.([A-Za-z_][A-Za-z0-9_]*)|value)\s*-?\}\}")
_ANGLE = re.compile(r"<([A-Za-z][A-Za-z0-9_ -]{0,60})>")
_FROM_ALERT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*) label(?: from (?:the )?alert)?$", re.IGNORECASE)
_HTML_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "br",
        "code",
        "details",
        "div",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "kbd",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
"""HTML tag names, which are never placeholders."""
_LABEL_ALIASES = {"pvc": ("persistentvolumeclaim",), "ns": ("namespace",)}
"""Placeholder words that name a label differently (``<my-pvc>`` is ``persistentvolumeclaim``)."""


@dataclass(frozen=True, slots=True)
class Filled:
    """Text with the placeholders that could be filled, filled."""

    text: str
    """The text after filling."""
    unfilled: tuple[str, ...]
    """Placeholders left as written (no matching label), in order of appearance, each once."""


def fill_placeholders(text: str, labels: Mapping[str, str], value: str | None = None) -> Filled:
    """Fill ``{{ $labels.NAME }}``, ``{{ $value }}`` and ``<name label from alert>``/``<NAME>`` placeholders.

    An angle placeholder is filled only when its words name a label of the alert (``<POD_NAME>`` →
    ``pod_name`` or ``pod``; ``<my-namespace>`` → ``namespace``); HTML tag names are not placeholders.
    """
    unfilled: list[str] = []

    def note(placeholder: str) -> str:
        if placeholder not in unfilled:
            unfilled.append(placeholder)
        return placeholder

    def template(match: re.Match[str]) -> str:
        if match[1] == "value":
            return value if value is not None else note(match[0])
        label = labels.get(match[2])
        return label if label is not None else note(match[0])

    def angle(match: re.Match[str]) -> str:
        inner = match[1].strip()
        if inner.lower() in _HTML_TAGS:
            return match[0]
        label = _label_for(inner, labels)
        return label if label is not None else note(match[0])

    out = _TEMPLATE.sub(template, text)
    out = _ANGLE.sub(angle, out)
    return Filled(out, tuple(unfilled))


def _label_for(words: str, labels: Mapping[str, str]) -> str | None:
    from_alert = _FROM_ALERT.match(words)
    if from_alert:
        return labels.get(from_alert[1])
    key = re.sub(r"[\s-]+", "_", words).lower()
    candidates = [key]
    for prefix in ("my_", "your_", "the_"):
        if key.startswith(prefix):
            candidates.append(key[len(prefix) :])
    for suffix in ("_name", "_label"):
        candidates += [c[: -len(suffix)] for c in list(candidates) if c.endswith(suffix)]
    for candidate in list(candidates):
        candidates += list(_LABEL_ALIASES.get(candidate, ()))
    return next((labels[c] for c in candidates if c in labels), None)
