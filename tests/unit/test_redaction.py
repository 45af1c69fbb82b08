"""Scrubbing registered secrets out of texts, before any cut."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from oncall_tui.clients.http import auth_headers, one_line, status_error
from oncall_tui.config.settings import AuthSettings, SourceSettings
from oncall_tui.errors import OncallError, SourceError
from oncall_tui.redaction import MASK, ScrubbingFormatter, forget_all, register_secret, scrub


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    forget_all()
    yield
    forget_all()


def test_a_registered_secret_is_masked_in_its_plain_url_and_json_forms() -> None:
    register_secret('s3cr/et+"x')
    assert scrub('a s3cr/et+"x b') == f"a {MASK} b"
    assert scrub("?token=s3cr%2Fet%2B%22x") == f"?token={MASK}"
    assert scrub('{"t": "s3cr/et+\\"x"}') == f'{{"t": "{MASK}"}}'


def test_very_short_values_are_not_treated_as_secrets() -> None:
    register_secret("ab")
    assert scrub("abc ab") == "abc ab"


def test_every_error_text_is_scrubbed_where_it_is_made() -> None:
    register_secret("tok-123456")
    assert "tok-123456" not in str(OncallError("server said tok-123456"))
    assert "tok-123456" not in SourceError("x tok-123456").message


def test_a_cut_never_leaves_part_of_a_secret() -> None:
    register_secret("TOKEN-abcdefghijklmnop")
    text = "x" * 70 + "TOKEN-abcdefghijklmnop"
    assert "TOKEN-abc" not in one_line(text, 80)


def test_basic_auth_header_value_is_registered_and_401_says_check_credentials() -> None:
    settings = SourceSettings(auth=AuthSettings(type="basic", username="oncall"))
    header = auth_headers(settings, SecretStr("pw-987654"))["Authorization"]
    body = f'{{"error": "bad {header}"}}'.encode()
    error = status_error(httpx.Response(401, content=body), "http://am/api/v2/status")
    assert error.message.startswith("HTTP 401, check credentials")
    assert header.split()[1][:10] not in error.message and "pw-987654" not in error.message


def test_log_lines_and_tracebacks_are_scrubbed() -> None:
    register_secret("tok-abcdef")
    formatter = ScrubbingFormatter("%(message)s")
    try:
        raise ValueError("boom tok-abcdef")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "said %s", ("tok-abcdef",), None)
        import sys

        record.exc_info = sys.exc_info()
    assert "tok-abcdef" not in formatter.format(record)
