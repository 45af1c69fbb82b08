"""The one HTTP stack: an async httpx client per source, and error mapping.

Every transport and decode failure becomes a :class:`SourceError` whose message is
one line fit for the health bar. Secrets go into headers only; they are never part
of a message (httpx does not put headers into exception text, and we never format
a request into one).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Mapping
from typing import Any, TypeVar

import httpx
import msgspec
from pydantic import SecretStr

from oncall_tui import __version__, collector
from oncall_tui.config.settings import SourceSettings
from oncall_tui.errors import NotFoundError, SourceError

T = TypeVar("T")

USER_AGENT = f"oncall-tui/{__version__}"


def _verify(settings: SourceSettings) -> ssl.SSLContext | bool:
    if settings.tls.insecure_skip_verify:
        return False
    if settings.tls.ca_file is not None:
        return ssl.create_default_context(cafile=str(settings.tls.ca_file))
    return True


def auth_headers(settings: SourceSettings, secret: SecretStr | None) -> dict[str, str]:
    """Headers that carry the credential, or none when the source needs none."""
    if settings.auth is None or secret is None:
        return {}
    if settings.auth.type == "bearer":
        return {"Authorization": f"Bearer {secret.get_secret_value()}"}
    basic = httpx.BasicAuth(settings.auth.username or "", secret.get_secret_value())
    # BasicAuth builds its header lazily per request; take it once here.
    request = next(basic.auth_flow(httpx.Request("GET", "http://localhost")))
    return {"Authorization": request.headers["Authorization"]}


def build_async_client(
    base_url: str,
    settings: SourceSettings,
    secret: SecretStr | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """A pooled client for one source; ``transport`` lets tests inject ``httpx.MockTransport``."""
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    headers.update(auth_headers(settings, secret))
    return httpx.AsyncClient(
        base_url=base_url.rstrip("/"),
        headers=headers,
        timeout=httpx.Timeout(settings.timeout),
        verify=_verify(settings),
        transport=transport,
        limits=httpx.Limits(max_connections=8, max_keepalive_connections=4),
        follow_redirects=True,
    )


def _describe_transport_error(exc: httpx.TransportError, url: str) -> SourceError:
    text = str(exc) or type(exc).__name__
    # Connecting failed (or never started): the server cannot have seen the request.
    unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    if isinstance(exc, httpx.TimeoutException):
        return SourceError(
            f"timeout after {_timeout_text(exc)} talking to {url}", kind="timeout", request_sent=not unsent
        )
    lowered = text.lower()
    if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
        return SourceError(f"TLS failure talking to {url}: {text}", kind="tls", request_sent=not unsent)
    if isinstance(exc, httpx.ConnectError):
        if "refused" in lowered or _caused_by(exc, ConnectionRefusedError):
            return SourceError(f"connection refused by {url}", kind="unreachable", request_sent=False)
        return SourceError(f"cannot connect to {url}: {text}", kind="unreachable", request_sent=False)
    return SourceError(f"network error talking to {url}: {text}", kind="unreachable")


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``kind`` is anywhere in the exception's cause/context chain (httpx wraps OS errors)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _timeout_text(exc: httpx.TimeoutException) -> str:
    request = getattr(exc, "_request", None)
    timeout = request.extensions.get("timeout", {}) if request is not None else {}
    seconds = timeout.get("read") or timeout.get("connect")
    return f"{seconds:g}s" if isinstance(seconds, int | float) else "the configured timeout"


def _snippet(body: bytes, limit: int = 80) -> str:
    text = body[:limit].decode("utf-8", "replace").replace("\n", " ").strip()
    return text + ("…" if len(body) > limit else "")


async def request(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
    json_body: bytes | None = None,
    ok_statuses: tuple[int, ...] = (200,),
) -> httpx.Response:
    """Send a request; map transport failures and unexpected statuses to :class:`SourceError`."""
    url = f"{client.base_url}{path}"
    headers = {"Content-Type": "application/json"} if json_body is not None else None
    try:
        response = await client.request(method, path, params=params, content=json_body, headers=headers)
    except httpx.TransportError as exc:
        raise _describe_transport_error(exc, str(client.base_url)) from None
    if response.status_code not in ok_statuses:
        detail = _snippet(response.content) or response.reason_phrase
        message = f"HTTP {response.status_code} from {url}: {detail}"
        cls = NotFoundError if response.status_code == 404 else SourceError
        raise cls(message, kind="http", status=response.status_code)
    return response


def decode(body: bytes, type_: type[T], *, what: str) -> T:
    """Decode JSON into ``type_``; an empty body, non-JSON or the wrong shape becomes a SourceError."""
    if not body.strip():
        raise SourceError(f"empty response body from {what}", kind="decode")
    try:
        return msgspec.json.decode(body, type=type_)
    except msgspec.ValidationError as exc:
        raise SourceError(f"unexpected response shape from {what}: {exc}", kind="shape") from None
    except msgspec.DecodeError:
        raise SourceError(f"response from {what} is not JSON: {_snippet(body)!r}", kind="decode") from None


INCREMENTAL_BYTES = 256 * 1024
"""Bodies from this size are decoded item by item with the event loop let through (decode_list)."""
SLICE_SECONDS = 0.004
"""Decoding work done between two yields to the event loop."""


async def decode_list(body: bytes, item_type: type[T], *, what: str) -> list[T]:
    """Decode a JSON array of ``item_type``, letting the event loop run every few ms.

    A 7 MB ``/api/v2/alerts/groups`` body takes msgspec 60-110 ms in one call, holding the GIL
    (a thread would not help): a keystroke would wait that long. Here the array is split into
    its items first (``msgspec.Raw``, a fast scan that also rejects malformed JSON), then the
    items are decoded in slices of about ``SLICE_SECONDS`` with ``asyncio.sleep(0)`` in between.
    Errors are the :func:`decode` ones, item errors with their path in the whole body
    (``$[3].alerts[0]``). Small bodies are decoded in one go.

    The cyclic collector is paused during each slice, and what was decoded is then moved out of
    its sight (:func:`oncall_tui.collector.keep_long_lived`, only for these big bodies): the decode
    allocates hundreds of thousands of long-lived objects, and the collections that follow would
    walk them all (20-50 ms pauses, several per poll). Decoded Structs hold no reference cycles;
    they are still freed by reference counting when the next poll replaces them.
    """
    if len(body) < INCREMENTAL_BYTES:
        return decode(body, list[item_type], what=what)  # type: ignore[valid-type]
    raws = decode(body, list[msgspec.Raw], what=what)
    decoder = msgspec.json.Decoder(item_type)
    out: list[T] = []
    index = 0
    while index < len(raws):
        deadline = time.perf_counter() + SLICE_SECONDS
        due = False
        # Paused for one synchronous slice only: never across the await, where other code runs.
        with collector.paused():
            while index < len(raws):
                try:
                    out.append(decoder.decode(raws[index]))
                except msgspec.ValidationError as exc:
                    message = _at_item(str(exc), index)
                    raise SourceError(
                        f"unexpected response shape from {what}: {message}", kind="shape"
                    ) from None
                index += 1
                if time.perf_counter() >= deadline:
                    due = True
                    break
        if due:
            await asyncio.sleep(0)
    collector.keep_long_lived()
    return out


def _at_item(message: str, index: int) -> str:
    """An item's validation message with the path it has in the whole array."""
    marker = " - at `$"
    if marker in message:
        return message.replace(marker, f"{marker}[{index}]", 1)
    return f"{message} - at `$[{index}]`"


async def get_json(
    client: httpx.AsyncClient,
    path: str,
    type_: type[T],
    *,
    params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
) -> T:
    """GET ``path`` and decode the JSON body into ``type_``."""
    response = await request(client, "GET", path, params=params)
    return decode(response.content, type_, what=f"{client.base_url}{path}")
