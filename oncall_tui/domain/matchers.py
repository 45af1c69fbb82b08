"""Alertmanager matcher syntax plus free text → a predicate over alerts.

The grammar follows Alertmanager's UTF-8 matcher parser (``matcher/parse``) with one
extension for the filter bar: anything that is not a matcher is a free-text word.

* A matcher is ``name OP value`` with ``OP`` one of ``=``, ``!=``, ``=~``, ``!~``;
  spaces around the operator are allowed.
* ``name`` and ``value`` are bare (``foo``, ``api.*``, ``🙂``) or double-quoted
  (``"a b"``). Quoted text takes Go escapes: ``\\"``, ``\\\\``, ``\\n``, ``\\t``,
  ``\\xNN`` (bytes, must form UTF-8), ``\\uNNNN``, ``\\UNNNNNNNN``. A bare value may not
  contain a backslash, a double quote, a comma, a brace or whitespace.
* Matchers and words are separated by commas and/or whitespace; a trailing comma is
  fine; the whole filter may be wrapped in one pair of braces.
* A missing label has the value ``""`` (``foo=""`` selects alerts without ``foo``,
  ``foo!="x"`` selects them too), exactly as Alertmanager matches.
* Regexes are fully anchored like Alertmanager's (``^(?:re)$``). They are compiled
  with Python's ``re``; its syntax is a superset of the RE2 subset people type in
  matchers, so a regex Alertmanager accepts behaves the same here.
* Free-text words (bare or quoted phrases) match case-insensitively as substrings of
  any label *value* or annotation *value*; every word must match.

A filter that does not parse raises :class:`ParseError` with the 0-based column of
the offending text, so the UI can point at it and keep the previous list.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from itertools import compress, repeat
from operator import contains
from typing import TypeVar

from oncall_tui.errors import OncallError
from oncall_tui.models.alertmanager import Alert, SilenceMatcher


class ParseError(OncallError):
    """A filter or matcher list that does not parse; ``column`` points at the problem."""

    title = "Filter"

    def __init__(self, message: str, column: int, end: int | None = None) -> None:
        super().__init__(f"column {column + 1}: {message}")
        self.reason = message
        """What is wrong, without the position."""
        self.column = column
        """0-based index into the input where the problem starts."""
        self.end = end if end is not None else column + 1
        """0-based index just after the offending text (for underlining)."""


class MatchType(Enum):
    """The four Alertmanager match operators."""

    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"

    @property
    def is_regex(self) -> bool:
        return self in (MatchType.REGEX, MatchType.NOT_REGEX)

    @property
    def is_equal(self) -> bool:
        """True for the positive operators (Alertmanager's ``isEqual``)."""
        return self in (MatchType.EQUAL, MatchType.REGEX)


T = TypeVar("T")

MatcherKey = tuple[str, str, str, str | None, int]
"""Name, operator, value and compiled regex (pattern, flags) of a matcher: see :attr:`Matcher.key`."""

_BARE_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def _compile(value: str) -> re.Pattern[str]:
    # A typed regex such as "[[x]" makes re warn (FutureWarning, "possible nested set") on stderr,
    # which inside the TUI scribbles over the screen. Found by fuzzing; the regex itself is fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return re.compile(f"(?:{value})")


def quote(value: str) -> str:
    """Double-quote ``value`` with the escapes the parser understands."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def escape_regex(value: str) -> str:
    """Escape ``value`` so that it matches itself literally inside an RE2/Python regex."""
    # re.escape also escapes characters RE2 does not need escaped, but only with a backslash
    # before a punctuation character, which RE2 accepts as a literal.
    return re.escape(value)


@dataclass(frozen=True, slots=True)
class Matcher:
    """One ``name OP value`` matcher."""

    name: str
    """Label name."""
    op: MatchType
    """Operator."""
    value: str
    """Literal value, or the regex for ``=~``/``!~`` (un-anchored, as typed)."""
    _regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.op.is_regex and self._regex is None:
            # Anchored like Alertmanager (^(?:re)$): matches_value uses fullmatch on this group.
            object.__setattr__(self, "_regex", _compile(self.value))

    @classmethod
    def create(cls, name: str, op: MatchType, value: str) -> Matcher:
        """Build a matcher; a regex that does not compile raises ``re.error``."""
        return cls(name, op, value)

    @classmethod
    def from_silence(cls, matcher: SilenceMatcher) -> Matcher:
        """The matcher of a silence as Alertmanager returns it."""
        if matcher.is_regex:
            op = MatchType.REGEX if matcher.is_equal else MatchType.NOT_REGEX
        else:
            op = MatchType.EQUAL if matcher.is_equal else MatchType.NOT_EQUAL
        try:
            return cls.create(matcher.name, op, matcher.value)
        except re.error:
            # Alertmanager accepted it (RE2); if Python cannot compile it, match nothing rather than crash.
            return cls(matcher.name, op, matcher.value, re.compile(r"(?!)"))

    def matches_value(self, value: str) -> bool:
        """Whether a label value (``""`` when the label is absent) satisfies the matcher."""
        if self._regex is not None:
            hit = self._regex.fullmatch(value) is not None
            return hit if self.op is MatchType.REGEX else not hit
        return (value == self.value) if self.op is MatchType.EQUAL else (value != self.value)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether a label set satisfies the matcher."""
        return self.matches_value(labels.get(self.name, ""))

    @property
    def key(self) -> MatcherKey:
        """What decides the result: matchers with equal keys accept exactly the same values."""
        regex = self._regex
        if regex is None:
            return (self.name, self.op.value, self.value, None, 0)
        return (self.name, self.op.value, self.value, regex.pattern, regex.flags)

    def mask(self, values: Sequence[str]) -> Iterator[bool]:
        """:meth:`matches_value` of each value, lazily, at C speed (a regex runs once per distinct value)."""
        if self.op is MatchType.EQUAL:
            return map(self.value.__eq__, values)
        if self.op is MatchType.NOT_EQUAL:
            return map(self.value.__ne__, values)
        accepted = {value for value in set(values) if self.matches_value(value)}
        return map(accepted.__contains__, values)

    def to_silence_matcher(self) -> SilenceMatcher:
        """The wire form for ``POST /api/v2/silences``."""
        return SilenceMatcher(
            name=self.name, value=self.value, is_regex=self.op.is_regex, is_equal=self.op.is_equal
        )

    def __str__(self) -> str:
        name = self.name if _BARE_NAME.fullmatch(self.name) else quote(self.name)
        return f"{name}{self.op.value}{quote(self.value)}"


@dataclass(frozen=True, slots=True)
class FreeText:
    """A free-text word or quoted phrase of a filter."""

    text: str
    """The word as typed (unquoted)."""
    column: int
    """0-based position in the filter text."""


def search_text(alert: Alert) -> str:
    """Lower-cased label and annotation values of ``alert``, the haystack of free-text words."""
    return "\x00".join((*alert.labels.values(), *alert.annotations.values())).lower()


@dataclass(frozen=True, slots=True)
class Filter:
    """A parsed filter: matchers (all must hold) and free-text words (all must occur)."""

    matchers: tuple[Matcher, ...] = ()
    """Label matchers."""
    free_text: tuple[FreeText, ...] = ()
    """Free-text words and phrases, with their positions."""
    source: str = ""
    """The text the filter was parsed from."""
    _words: tuple[str, ...] = field(init=False, repr=False, compare=False, default=())
    _search: tuple[str, ...] = field(init=False, repr=False, compare=False, default=())
    _matcher_keys: frozenset[MatcherKey] = field(init=False, repr=False, compare=False, default=frozenset())

    def __post_init__(self) -> None:
        # Once, not per alert: ``matches`` runs for every alert of the poll on each keystroke.
        words = tuple(w.text.lower() for w in self.free_text)
        object.__setattr__(self, "_words", words)
        # The words that decide a match, longest (usually most selective) first: a word inside
        # another one ("chec" beside "check") is implied by it, so it is dropped.
        search: list[str] = []
        for word in sorted(set(words), key=lambda w: (-len(w), w)):
            if not any(word in longer for longer in search):
                search.append(word)
        object.__setattr__(self, "_search", tuple(search))
        object.__setattr__(self, "_matcher_keys", frozenset(m.key for m in self.matchers))

    @property
    def words(self) -> tuple[str, ...]:
        """The free-text words, lower-cased as they are matched."""
        return self._words

    @property
    def is_empty(self) -> bool:
        return not self.matchers and not self.free_text

    @property
    def key(self) -> tuple[frozenset[MatcherKey], tuple[str, ...]]:
        """What decides the result: equal keys select the same alerts (order, case, positions aside)."""
        return (self._matcher_keys, tuple(sorted(self._search)))

    def narrows(self, other: Filter) -> bool:
        """Whether every alert this filter lets through also passes ``other``.

        True when this filter has each of ``other``'s matchers and each of its words is part of
        one of this filter's words (a word typed further, a word or matcher added). Then this
        filter can be applied to ``other``'s result instead of to every alert.
        """
        if not other._matcher_keys <= self._matcher_keys:
            return False
        return all(any(word in mine for mine in self._search) for word in other._search)

    def matches(self, alert: Alert, haystack: str | None = None) -> bool:
        """Whether ``alert`` passes; ``haystack`` is :func:`search_text` of it when already computed."""
        labels = alert.labels
        for matcher in self.matchers:
            if not matcher.matches(labels):
                return False
        words = self._search
        if words:
            text = haystack if haystack is not None else search_text(alert)
            if len(words) == 1:
                return words[0] in text
            return all(word in text for word in words)
        return True

    def select(
        self,
        items: Sequence[T],
        values: Callable[[Sequence[T], str], Sequence[str]],
        texts: Callable[[Sequence[T]], Sequence[str]],
    ) -> list[T]:
        """The items that pass, in order: what ``matches`` keeps, computed column by column.

        ``values(items, name)`` gives each item's value of label ``name`` (``""`` when absent) and
        ``texts(items)`` each item's :func:`search_text` haystack, in the items' order. ``items``
        itself is passed to the first of them (so a caller can keep its columns); later calls get
        only the items still in the running. Matchers go first (equality before regexes, which
        then see fewer values); free text is one pass over the haystacks for the longest word,
        the other words only look at what it kept. Every step runs in C (``map``/``compress``).
        """
        kept: Sequence[T] = items
        order = (MatchType.EQUAL, MatchType.NOT_EQUAL, MatchType.REGEX, MatchType.NOT_REGEX)
        for matcher in sorted(self.matchers, key=lambda m: order.index(m.op)):
            kept = list(compress(kept, matcher.mask(values(kept, matcher.name))))
            if not kept:
                return []
        words = self._search
        if words:
            haystacks = texts(kept)
            last = len(words) - 1
            for i, word in enumerate(words):
                mask = list(map(contains, haystacks, repeat(word)))
                kept = list(compress(kept, mask))
                if not kept or i == last:
                    break
                haystacks = list(compress(haystacks, mask))
        return list(kept)

    def predicate(self) -> Callable[[Alert], bool]:
        """``matches`` as a plain one-argument function."""
        return self.matches


_SPACE = frozenset(" \t\r\n\f\v")
_BARE_STOP = frozenset(',{}"') | _SPACE
_SIMPLE_ESCAPES = {
    "a": 0x07,
    "b": 0x08,
    "f": 0x0C,
    "n": 0x0A,
    "r": 0x0D,
    "t": 0x09,
    "v": 0x0B,
    "\\": 0x5C,
    '"': 0x22,
}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _SPACE:
            self.pos += 1

    def operator_at(self, pos: int) -> MatchType | None:
        two = self.text[pos : pos + 2]
        if two == "=~":
            return MatchType.REGEX
        if two == "!=":
            return MatchType.NOT_EQUAL
        if two == "!~":
            return MatchType.NOT_REGEX
        if two[:1] == "=":
            return MatchType.EQUAL
        return None

    def parse(self) -> Filter:
        text = self.text
        self.skip_space()
        braced = self.peek() == "{"
        if braced:
            self.pos += 1
        matchers: list[Matcher] = []
        words: list[FreeText] = []
        item_since_comma = False
        while True:
            self.skip_space()
            c = self.peek()
            if not c:
                if braced:
                    raise ParseError("expected a closing brace '}'", len(text), len(text))
                break
            if c == "}":
                if not braced:
                    raise ParseError("'}' without an opening brace", self.pos)
                self.pos += 1
                self.skip_space()
                if self.pos < len(text):
                    raise ParseError("unexpected text after the closing brace", self.pos, len(text))
                break
            if c == ",":
                if not item_since_comma:
                    raise ParseError("unexpected ',': expected a matcher or a word", self.pos)
                item_since_comma = False
                self.pos += 1
                continue
            if c == "{":
                raise ParseError("unexpected '{': braces may only wrap the whole filter", self.pos)
            self.parse_item(matchers, words)
            item_since_comma = True
            after = self.peek()
            if after and after not in _SPACE and after not in ",}":
                raise ParseError(
                    f"unexpected {after!r}: expected a comma, a space or the end", self.pos, self.pos + 1
                )
        return Filter(tuple(matchers), tuple(words), text)

    def parse_item(self, matchers: list[Matcher], words: list[FreeText]) -> None:
        start = self.pos
        if self.peek() == '"':
            name = self.quoted()
            quoted_name = True
        else:
            name = self.bare_name()
            quoted_name = False
        name_end = self.pos
        self.skip_space()
        op = self.operator_at(self.pos)
        if op is None:
            # Not a matcher: a free-text word. Rewind so whitespace stays a separator.
            self.pos = name_end
            if not name and not quoted_name:
                raise ParseError(f"unexpected {self.peek()!r}", self.pos)
            words.append(FreeText(name, start))
            return
        if not name:
            raise ParseError(f"expected a label name before '{op.value}'", start, self.pos + len(op.value))
        self.pos += len(op.value)
        self.skip_space()
        value_start = self.pos
        value = self.quoted() if self.peek() == '"' else self.bare_value(op)
        try:
            matchers.append(Matcher.create(name, op, value))
        except re.error as exc:
            raise ParseError(f"invalid regular expression: {exc.msg}", value_start, self.pos) from None

    def bare_name(self) -> str:
        text = self.text
        start = self.pos
        while self.pos < len(text):
            c = text[self.pos]
            if c in _BARE_STOP or (c in "=!" and self.operator_at(self.pos) is not None):
                break
            if c == "\\":
                raise ParseError("escape sequences need double quotes", self.pos)
            self.pos += 1
        return text[start : self.pos]

    def bare_value(self, op: MatchType) -> str:
        text = self.text
        start = self.pos
        while self.pos < len(text):
            c = text[self.pos]
            if c == '"':
                raise ParseError("unexpected '\"' inside an unquoted value", self.pos)
            if c == "\\":
                raise ParseError("escape sequences need a quoted value", self.pos)
            if c in _BARE_STOP:
                break
            self.pos += 1
        if self.pos == start:
            raise ParseError(f"expected a value after '{op.value}' (use \"\" for an empty one)", start)
        return text[start : self.pos]

    def quoted(self) -> str:
        text = self.text
        start = self.pos
        self.pos += 1
        out = bytearray()
        while True:
            if self.pos >= len(text):
                raise ParseError("unterminated quoted text: missing '\"'", start, len(text))
            c = text[self.pos]
            if c == '"':
                self.pos += 1
                break
            if c != "\\":
                out += c.encode("utf-8", "surrogatepass")
                self.pos += 1
                continue
            self.escape(out)
        try:
            return out.decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError("quoted text is not valid UTF-8", start, self.pos) from None

    def escape(self, out: bytearray) -> None:
        text = self.text
        at = self.pos
        kind = text[at + 1 : at + 2]
        if kind in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[kind])
            self.pos += 2
            return
        widths = {"x": 2, "u": 4, "U": 8}
        if kind in widths:
            digits = text[at + 2 : at + 2 + widths[kind]]
            if len(digits) != widths[kind] or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise ParseError(f"invalid escape sequence \\{kind}{digits}", at, at + 2 + len(digits))
            number = int(digits, 16)
            if kind == "x":
                out.append(number)
            else:
                if number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:
                    raise ParseError(f"invalid code point \\{kind}{digits}", at, at + 2 + len(digits))
                out += chr(number).encode("utf-8")
            self.pos = at + 2 + len(digits)
            return
        if kind and kind in "01234567":
            digits = text[at + 1 : at + 4]
            if len(digits) != 3 or not all(d in "01234567" for d in digits) or int(digits, 8) > 255:
                raise ParseError(f"invalid octal escape \\{digits}", at, at + 1 + len(digits))
            out.append(int(digits, 8))
            self.pos = at + 4
            return
        shown = kind or "at the end"
        raise ParseError(f"invalid escape sequence \\{shown}", at, at + 1 + len(kind))


def parse_filter(text: str) -> Filter:
    """Parse a filter bar's text into matchers and free-text words; raises :class:`ParseError`."""
    return _Parser(text).parse()


def parse_matchers(text: str) -> list[Matcher]:
    """Parse matchers only (a silence's matchers); free text is an error here."""
    parsed = parse_filter(text)
    if parsed.free_text:
        word = parsed.free_text[0]
        raise ParseError(
            f'{word.text!r} is not a matcher: expected name="value", !=, =~ or !~',
            word.column,
            word.column + max(len(word.text), 1),
        )
    return list(parsed.matchers)


def validate_silence_matchers(matchers: Sequence[Matcher]) -> None:
    """Raise ``OncallError`` for matchers Alertmanager would reject as a silence."""
    if not matchers:
        raise OncallError("a silence needs at least one matcher", title="Silence")
    if all(m.matches_value("") for m in matchers):
        # Alertmanager refuses such silences: they would silence every alert.
        raise OncallError("at least one matcher must not match the empty string", title="Silence")


def selects(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """Whether every matcher holds for ``labels`` (how Alertmanager applies a silence)."""
    return all(m.matches(labels) for m in matchers)


def format_matchers(matchers: Iterable[Matcher]) -> str:
    """``{a="1", b=~"x|y"}``: matchers rendered back into parseable text."""
    return "{" + ", ".join(str(m) for m in matchers) + "}"
