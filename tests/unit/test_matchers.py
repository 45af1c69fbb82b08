"""The filter bar's matcher syntax, checked against Alertmanager's own parser examples.

Cases marked "upstream" are ported from prometheus/alertmanager (Apache-2.0):
``matcher/parse/parse_test.go`` (the UTF-8 parser of Alertmanager >= 0.27) and
``pkg/labels/parse_test.go`` (the classic parser). Where the two parsers disagree we
follow the UTF-8 one; where this filter is deliberately more lenient (free text, a
bare label name with a dash), the test says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from oncall_tui.domain.matchers import (
    Matcher,
    MatchType,
    ParseError,
    format_matchers,
    parse_filter,
    parse_matchers,
    search_text,
    validate_silence_matchers,
)
from oncall_tui.errors import OncallError
from oncall_tui.models.alertmanager import Alert, SilenceMatcher

EQ, NE, RE, NRE = MatchType.EQUAL, MatchType.NOT_EQUAL, MatchType.REGEX, MatchType.NOT_REGEX


def triples(text: str) -> list[tuple[str, MatchType, str]]:
    return [(m.name, m.op, m.value) for m in parse_matchers(text)]


# --- upstream: matcher/parse/parse_test.go TestMatchers (valid) --------------------------------

UPSTREAM_UTF8_VALID: list[tuple[str, list[tuple[str, MatchType, str]]]] = [
    ("", []),
    ("{}", []),
    ("{foo=bar}", [("foo", EQ, "bar")]),
    ("{foo=bar,}", [("foo", EQ, "bar")]),
    ("{foo!=bar}", [("foo", NE, "bar")]),
    ("{foo=~[a-z]+}", [("foo", RE, "[a-z]+")]),
    ("{foo!~[a-z]+}", [("foo", NRE, "[a-z]+")]),
    ("{foo=🙂}", [("foo", EQ, "🙂")]),
    ("{foo=🙂bar}", [("foo", EQ, "🙂bar")]),
    ("foo=bar", [("foo", EQ, "bar")]),
    ("foo=bar,", [("foo", EQ, "bar")]),
    ("foo!=bar", [("foo", NE, "bar")]),
    ("foo=~[a-z]+", [("foo", RE, "[a-z]+")]),
    ("foo!~[a-z]+", [("foo", NRE, "[a-z]+")]),
    ('{"foo"="bar"}', [("foo", EQ, "bar")]),
    ('{"foo"="bar",}', [("foo", EQ, "bar")]),
    ('{"foo"!="bar"}', [("foo", NE, "bar")]),
    ('{"foo"=~"[a-z]+"}', [("foo", RE, "[a-z]+")]),
    ('{"foo"!~"[a-z]+"}', [("foo", NRE, "[a-z]+")]),
    ('{"foo"="🙂"}', [("foo", EQ, "🙂")]),
    (r'{"foo"="\xf0\x9f\x99\x82"}', [("foo", EQ, "🙂")]),
    (r'{"foo"="\U0001f642"}', [("foo", EQ, "🙂")]),
    ('{"foo"="🙂bar"}', [("foo", EQ, "🙂bar")]),
    (r'{"foo"="bar\n"}', [("foo", EQ, "bar\n")]),
    (r'{"foo"="bar\t"}', [("foo", EQ, "bar\t")]),
    (r'{"foo"="\"bar\""}', [("foo", EQ, '"bar"')]),
    (r'{"foo"="bar\\"}', [("foo", EQ, "bar\\")]),
    ('"foo"="bar"', [("foo", EQ, "bar")]),
    ('"foo"="bar",', [("foo", EQ, "bar")]),
    ("{foo=bar,bar!=baz}", [("foo", EQ, "bar"), ("bar", NE, "baz")]),
    ('{foo="bar",bar!="baz"}', [("foo", EQ, "bar"), ("bar", NE, "baz")]),
    ("foo=bar,bar!=baz", [("foo", EQ, "bar"), ("bar", NE, "baz")]),
    ('foo="bar",bar!="baz"', [("foo", EQ, "bar"), ("bar", NE, "baz")]),
]

# --- upstream: pkg/labels/parse_test.go TestMatchers (valid) ------------------------------------

UPSTREAM_CLASSIC_VALID: list[tuple[str, list[tuple[str, MatchType, str]]]] = [
    ('{foo="bar"}', [("foo", EQ, "bar")]),
    ('{foo=~"bar.*"}', [("foo", RE, "bar.*")]),
    ('{foo!="bar"}', [("foo", NE, "bar")]),
    ('{foo!~"bar.*"}', [("foo", NRE, "bar.*")]),
    ('{foo="bar", baz!="quux"}', [("foo", EQ, "bar"), ("baz", NE, "quux")]),
    ('{foo="bar", baz!~"quux.*"}', [("foo", EQ, "bar"), ("baz", NRE, "quux.*")]),
    (
        '{foo="bar",baz!~".*quux", derp="wat"}',
        [("foo", EQ, "bar"), ("baz", NRE, ".*quux"), ("derp", EQ, "wat")],
    ),
    ('{foo="bar", baz!="quux", derp="wat"}', [("foo", EQ, "bar"), ("baz", NE, "quux"), ("derp", EQ, "wat")]),
    (
        '{foo="bar", baz!~".*quux.*", derp="wat"}',
        [("foo", EQ, "bar"), ("baz", NRE, ".*quux.*"), ("derp", EQ, "wat")],
    ),
    ('{foo="bar", instance=~"some-api.*"}', [("foo", EQ, "bar"), ("instance", RE, "some-api.*")]),
    ('{foo=""}', [("foo", EQ, "")]),
    ('{foo="bar,quux", job="job1"}', [("foo", EQ, "bar,quux"), ("job", EQ, "job1")]),
    ('{foo = "bar", dings != "bums", }', [("foo", EQ, "bar"), ("dings", NE, "bums")]),
    ("foo=bar,dings!=bums", [("foo", EQ, "bar"), ("dings", NE, "bums")]),
    (
        r'{quote="She said: \"Hi, ladies! That\'s gender-neutral…\""}'.replace("\\'", "'"),
        [("quote", EQ, 'She said: "Hi, ladies! That\'s gender-neutral…"')],
    ),
    ('statuscode=~"5.."', [("statuscode", RE, "5..")]),
    # The classic parser reads "=~" then "~~"; so do we (a bare value may hold "~").
    ("tricky=~~~", [("tricky", RE, "~~")]),
    (
        r'contains_quote != "\"" , contains_comma !~ "foo,bar" , ',
        [("contains_quote", NE, '"'), ("contains_comma", NRE, "foo,bar")],
    ),
]


@pytest.mark.parametrize(("text", "expected"), UPSTREAM_UTF8_VALID + UPSTREAM_CLASSIC_VALID)
def test_upstream_valid_examples_parse_to_the_same_matchers(
    text: str, expected: list[tuple[str, MatchType, str]]
) -> None:
    assert triples(text) == expected


# --- upstream invalid cases: (input, column where we point, words of the message) ---------------

UPSTREAM_INVALID: list[tuple[str, int, str]] = [
    # matcher/parse: "0:1: unexpected ,: expected label name"
    (",", 0, "unexpected ','"),
    # "1:2: unexpected ,: expected label name"
    ("{,}", 1, "unexpected ','"),
    # "0:1: end of input: expected close brace"
    ("{", 1, "closing brace"),
    # "0:1: }: expected opening brace"
    ("}", 0, "without an opening brace"),
    # "0:8: }: expected opening brace"
    ("foo=bar}", 7, "without an opening brace"),
    # "0:8: end of input: expected close brace"
    ("{foo=bar", 8, "closing brace"),
    # "6:11: unexpected \"bar\": expected a comma or close brace" (bare ':' then a quote)
    ('{foo=:"bar"}', 6, "unexpected '\"'"),
    # "5:12: \"bar\\w\": invalid input" — we point at the escape itself
    (r'{foo="bar\w"}', 9, r"invalid escape sequence \w"),
    # "8:9: \\: invalid input: expected a comma or close brace"
    (r"{foo=bar\n}", 8, "escape sequences need a quoted value"),
    # "7:17: \"\\xf0\\x9f\": invalid input" (bytes that are not UTF-8)
    (r'{"foo"="\xf0\x9f"}', 7, "not valid UTF-8"),
    # pkg/labels: "matcher value is not present: job="
    ("job=", 4, "expected a value"),
    # "matcher value contains unescaped double quote: \"value"
    ('job="value', 4, "unterminated quoted text"),
    # "matcher value contains unescaped double quote: value\""
    ('job=value"', 9, "unexpected '\"'"),
    # "matcher value contains unescaped double quote: foo\"bar"
    ('contains_unescaped_quote = foo"bar', 30, "unexpected '\"'"),
    # "error parsing regexp: missing closing ]: `[regexp)$`"
    ('{foo=~"invalid[regexp"}', 6, "invalid regular expression"),
    # Double-escaped strings: all "bad matcher format" upstream.
    (r'"{foo=\"bar"}', 12, "without an opening brace"),
    (r'"foo=\"bar\""', 0, "not a matcher"),
    (r'"{foo=\"bar\"}"', 0, "not a matcher"),
    ('"foo="bar""', 6, "unexpected"),
]


@pytest.mark.parametrize(("text", "column", "message"), UPSTREAM_INVALID)
def test_upstream_invalid_examples_give_a_positioned_error(text: str, column: int, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_matchers(text)
    assert caught.value.column == column, caught.value
    assert message in caught.value.reason
    assert str(caught.value).startswith(f"column {column + 1}: ")


def test_utf8_label_names_are_accepted_bare_or_quoted() -> None:
    # The classic parser rejected "invalid-name"; Alertmanager's UTF-8 mode accepts any name.
    assert triples('{invalid-name = "valid label"}') == [("invalid-name", EQ, "valid label")]
    assert triples('"service.name"="api"') == [("service.name", EQ, "api")]


def test_free_text_words_and_phrases_sit_between_matchers() -> None:
    text = 'disk severity="critical" "Less than" service=~api.* ,full'
    parsed = parse_filter(text)
    assert [(m.name, m.op, m.value) for m in parsed.matchers] == [
        ("severity", EQ, "critical"),
        ("service", RE, "api.*"),
    ]
    assert parsed.words == ("disk", "less than", "full")
    assert [w.column for w in parsed.free_text] == [0, text.index('"Less'), text.index("full")]


def test_free_text_is_not_allowed_where_only_matchers_make_sense() -> None:
    with pytest.raises(ParseError) as caught:
        parse_matchers('alertname="X" oops')
    assert caught.value.column == 14
    assert "'oops' is not a matcher" in caught.value.reason


@pytest.mark.parametrize(
    ("text", "column"),
    [("=bar", 0), ("a=b {c=d}", 4), ("{a=b} c", 6), ("a=b,,c=d", 4), ('a="b"c', 5)],
)
def test_other_malformed_filters_point_at_the_problem(text: str, column: int) -> None:
    with pytest.raises(ParseError) as caught:
        parse_filter(text)
    assert caught.value.column == column


def _alert(**labels: str) -> Alert:
    return Alert(
        labels=labels,
        fingerprint="f",
        starts_at=datetime(2026, 1, 1, tzinfo=UTC),
        annotations={"summary": "Disk almost FULL on db1"},
    )


def test_regexes_are_fully_anchored_like_alertmanager() -> None:
    flt = parse_filter("service=~api")
    assert flt.matches(_alert(service="api"))
    assert not flt.matches(_alert(service="api-gateway"))
    assert not flt.matches(_alert(service="legacy-api"))
    assert parse_filter("service=~api.*").matches(_alert(service="api-gateway"))
    # A trailing newline must not sneak past "$" as it would with Python's re.match(...$).
    assert not parse_filter(r'service=~"api"').matches(_alert(service="api\n"))


def test_missing_labels_match_as_the_empty_string() -> None:
    assert parse_filter('team=""').matches(_alert(service="x"))
    assert parse_filter("team!=db").matches(_alert(service="x"))
    assert parse_filter("team!~db|web").matches(_alert(service="x"))
    assert not parse_filter("team=~.+").matches(_alert(service="x"))


def test_free_text_matches_label_and_annotation_values_case_insensitively() -> None:
    alert = _alert(alertname="DiskFull", instance="db1:9100")
    assert parse_filter("diskfull").matches(alert)
    assert parse_filter("full DB1").matches(alert)
    assert parse_filter('"almost full"').matches(alert)
    assert not parse_filter("full web1").matches(alert)
    # Label names are not searched, only values.
    assert not parse_filter("instance").matches(alert)


def test_matchers_round_trip_through_their_text_form() -> None:
    original = parse_matchers(r'a="x\"y", b!~"1|2", "odd name"=~"\\d+", c!="line\nbreak"')
    again = parse_matchers(format_matchers(original))
    assert again == original


def test_silence_matchers_from_alertmanager_map_back_to_operators() -> None:
    wire = [
        SilenceMatcher(name="a", value="1", is_regex=False, is_equal=True),
        SilenceMatcher(name="b", value="1", is_regex=False, is_equal=False),
        SilenceMatcher(name="c", value="1|2", is_regex=True, is_equal=True),
        SilenceMatcher(name="d", value="x.*", is_regex=True, is_equal=False),
    ]
    matchers = [Matcher.from_silence(m) for m in wire]
    assert [m.op for m in matchers] == [EQ, NE, RE, NRE]
    assert [m.to_silence_matcher() for m in matchers] == wire


def test_a_silence_must_not_match_everything() -> None:
    with pytest.raises(OncallError, match="must not match the empty string"):
        validate_silence_matchers(parse_matchers('team=~".*", env=""'))
    with pytest.raises(OncallError, match="at least one matcher"):
        validate_silence_matchers([])
    validate_silence_matchers(parse_matchers('team=~".*", alertname="X"'))


@pytest.mark.parametrize(
    ("before", "after", "narrower"),
    [
        ("chec", "check", True),  # a word typed further
        ("check", "chec", False),  # shortened again: widening
        ("check", "check db", True),  # a word added
        ("check db", "check", False),  # a word removed
        ("CHEC", "check", True),  # case does not matter, as in matching
        ("db check", "check db1", True),  # order does not matter
        ("check", 'team="db" check', True),  # a matcher added
        ('team="db"', 'team="db1"', False),  # a value typed further is another matcher
        ("team!=db", "team!=db x", True),
        ("team!=db x", "team!=db1 x", False),  # != with a longer value lets *more* through
        ("team=~d.*", "team=~d.* x", True),
        ("team=~d.*", "team=~db.*", False),  # regexes are not compared by meaning
        ("team!~d", "team!~d,a=b", True),
        ('{team="db"}', 'team = "db", x', True),  # braces, spaces and quotes aside, the same matcher
        ("", "anything", True),
        ("anything", "", False),
    ],
)
def test_a_filter_narrows_another_only_when_it_can_only_drop_rows(
    before: str, after: str, narrower: bool
) -> None:
    assert parse_filter(after).narrows(parse_filter(before)) is narrower


def test_filters_that_select_the_same_alerts_share_a_key() -> None:
    assert parse_filter('Check db team="x"').key == parse_filter('team = "x", DB check check').key
    assert parse_filter("check chec").key == parse_filter("check").key  # "chec" is implied by "check"
    assert parse_filter("team=x").key != parse_filter("team!=x").key
    assert parse_filter("team=~x").key != parse_filter("team=x").key


SELECT_ALERTS = [
    _alert(alertname="DiskFull", instance="db1:9100", team="db"),
    _alert(alertname="DiskFull", instance="db2:9100"),
    _alert(alertname="Down", instance="web1", team="web", env="prod"),
    _alert(alertname="Down", instance="web2", team="", env="staging"),
    _alert(alertname="CheckFailed", instance="api\n", team="web"),
]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "diskfull",
        "full DB1",
        '"almost full" db2',
        "FULL full fu",
        "team=db",
        'team=""',
        "team!=db",
        "team=~web|db",
        "team!~.+",
        "team=~.*, env!~prod, down",
        'instance=~"api"',
        "instance!=web1 alertname=~Down|DiskFull 9100",
        "nothing-matches",
    ],
)
def test_selecting_column_by_column_keeps_exactly_what_matches_keeps(text: str) -> None:
    flt = parse_filter(text)
    asked: list[int] = []

    def texts(items: Sequence[Alert]) -> list[str]:
        asked.append(len(items))
        return [search_text(a) for a in items]

    picked = flt.select(SELECT_ALERTS, lambda items, name: [a.labels.get(name, "") for a in items], texts)
    assert picked == [a for a in SELECT_ALERTS if flt.matches(a)]
    assert len(asked) <= 1  # haystacks are asked for once, for what the matchers kept
