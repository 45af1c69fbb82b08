"""The one HTTP stack: an async httpx client per source, and error mapping.

Every transport and decode failure becomes a :class:`SourceError` whose message is
one line fit for the health bar. Secrets go into headers only; they are never part
of a message (httpx does not put headers into exception text, and we never format
a request into one).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, TypeVar

import httpx
import msgspec
from pydantic import SecretStr

from oncall_tui import __version__, collector
from oncall_tui.clients.json_items import ItemSplitter
from oncall_tui.config.settings import SourceSettings
from oncall_tui.errors import NotFoundError, SourceError
from oncall_tui.foreground import foreground
from oncall_tui.redaction import register_secret, scrub

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
    register_secret(secret.get_secret_value())
    if settings.auth.type == "bearer":
        return {"Authorization": f"Bearer {secret.get_secret_value()}"}
    basic = httpx.BasicAuth(settings.auth.username or "", secret.get_secret_value())
    # BasicAuth builds its header lazily per request; take it once here.
    request = next(basic.auth_flow(httpx.Request("GET", "http://localhost")))
    header = request.headers["Authorization"]
    # The encoded user:password is as secret as the password (a server echoing the header shows it).
    register_secret(header.partition(" ")[2])
    return {"Authorization": header}


LIMITS = httpx.Limits(max_connections=8, max_keepalive_connections=4)
"""Connection pool of one source."""


def build_async_client(
    base_url: str,
    settings: SourceSettings,
    secret: SecretStr | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
) -> httpx.AsyncClient:
    """A pooled client for one source; ``transport`` lets tests inject ``httpx.MockTransport``.

    ``wrap`` puts a layer around the transport (services/recovery.py watches every request with it).
    """
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    headers.update(auth_headers(settings, secret))
    # httpx applies verify and limits only to a transport it makes itself: make it here.
    transport = TurnTaking(transport or httpx.AsyncHTTPTransport(verify=_verify(settings), limits=LIMITS))
    if wrap is not None:
        transport = wrap(transport)
    return httpx.AsyncClient(
        base_url=base_url.rstrip("/"),
        headers=headers,
        timeout=httpx.Timeout(settings.timeout),
        verify=_verify(settings),
        transport=transport,
        limits=LIMITS,
        follow_redirects=True,
    )


TURN_BYTES = 1 << 20
"""Body bytes read between two turns of the event loop (:class:`TurnTaking`)."""


class TurnTaking(httpx.AsyncBaseTransport):
    """A transport whose response bodies let the event loop's other work and other threads in
    every :data:`TURN_BYTES` (``foreground.turn``).

    Over a fast link the chunks of a 50 MB body are always ready: reading them kept the loop busy
    for 150-400 ms, letting go of the GIL only for microseconds, and a key typed meanwhile never
    reached the app's input thread (measured over a pseudo-terminal,
    ``benchmarks/bench_alerts_load.py``).
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        """The transport that does the work."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        response.stream = _TurnTakingStream(response.stream)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class _TurnTakingStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream | httpx.AsyncByteStream) -> None:
        assert isinstance(inner, httpx.AsyncByteStream)
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        since = 0
        async for chunk in self._inner:
            yield chunk
            since += len(chunk)
            if since >= TURN_BYTES:
                since = 0
                await foreground.turn()

    async def aclose(self) -> None:
        await self._inner.aclose()


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
    return one_line(body[: limit + 4096].decode("utf-8", "replace"), limit, more=len(body) > limit + 4096)


def one_line(text: str, limit: int = 80, *, more: bool = False) -> str:
    """``text`` on one line, scrubbed of secrets, cut to ``limit`` characters (… when cut or ``more``).

    Scrubbed before it is cut: a cut through an echoed token would leave its first half visible.
    """
    flat = " ".join(scrub(text).split())
    if len(flat) > limit:
        return flat[: limit - 1] + "…"
    return flat + ("…" if more else "")


def status_error(response: httpx.Response, what: str, detail: str | None = None) -> SourceError:
    """The error for an unexpected HTTP status: one line, the server's own words (scrubbed), a hint.

    ``detail`` is the server's error text when the caller parsed it out of the body; else the
    start of the body. 401/403 say "check credentials" first (the health bar may cut the rest).
    """
    status = response.status_code
    text = one_line(detail) if detail else _snippet(response.content)
    text = text or response.reason_phrase
    if status in (401, 403):
        message = f"HTTP {status}, check credentials: {what}: {text}"
    else:
        message = f"HTTP {status} from {what}: {text}"
    cls = NotFoundError if status == 404 else SourceError
    return cls(message, kind="http", status=status)


async def request(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
    json_body: bytes | None = None,
    ok_statuses: tuple[int, ...] = (200,),
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """Send a request; map transport failures and unexpected statuses to :class:`SourceError`."""
    url = f"{client.base_url}{path}"
    if json_body is not None:
        headers = {"Content-Type": "application/json", **(headers or {})}
    try:
        response = await client.request(method, path, params=params, content=json_body, headers=headers)
    except httpx.TransportError as exc:
        raise _describe_transport_error(exc, str(client.base_url)) from None
    if response.status_code not in ok_statuses:
        raise status_error(response, url)
    return response


def decode(body: bytes, type_: type[T], *, what: str, expect_keys: tuple[str, ...] = ()) -> T:
    """Decode JSON into ``type_``; an empty body, non-JSON or the wrong shape becomes a SourceError.

    ``expect_keys``: for a type whose every field has a default (a server omits empty lists), an
    object must hold at least one of these keys, or be ``{}``. Otherwise ``{"unexpected": 1}``
    would decode as "nothing there" and a broken source would look healthy and empty.
    """
    if not body.strip():
        raise SourceError(f"empty response body from {what}", kind="decode")
    try:
        value = msgspec.json.decode(body, type=type_)
    except msgspec.ValidationError as exc:
        raise SourceError(f"unexpected response shape from {what}: {exc}", kind="shape") from None
    except msgspec.DecodeError:
        raise SourceError(f"response from {what} is not JSON: {_snippet(body)!r}", kind="decode") from None
    if expect_keys:
        keys = msgspec.json.decode(body, type=dict[str, msgspec.Raw]).keys()
        if keys and not keys & set(expect_keys):
            expected = " or ".join(f"`{k}`" for k in expect_keys)
            found = ", ".join(f"`{k}`" for k in list(keys)[:3])
            raise SourceError(
                f"unexpected response shape from {what}: expected {expected}, got {found}", kind="shape"
            )
    return value


INCREMENTAL_BYTES = 256 * 1024
"""Bodies from this size are decoded item by item with the event loop let through (decode_list)."""
SLICE_SECONDS = 0.004
"""Decoding work done between two yields to the event loop."""


async def decode_list(
    body: bytes, item_type: type[T], *, what: str, each: Callable[[T], T] | None = None
) -> list[T]:
    """Decode a JSON array of ``item_type``, letting the event loop run every few ms.

    A 7 MB ``/api/v2/alerts/groups`` body takes msgspec 60-110 ms in one call, holding the GIL
    (a thread would not help): a keystroke would wait that long. Here the items are found piece
    by piece (``json_items.ItemSplitter``; else the array is split with ``msgspec.Raw`` in one
    call), then decoded in slices of about ``SLICE_SECONDS`` with ``asyncio.sleep(0)`` in between.
    Errors are the :func:`decode` ones, item errors with their path in the whole body
    (``$[3].alerts[0]``). Small bodies are decoded in one go. ``each`` maps every item right
    after it is decoded (sharing values with what is already in memory, see
    ``models/alert_reuse.py``), so what it drops is freed slice by slice, not held to the end.

    The cyclic collector is paused during each slice, and what was decoded is then moved out of
    its sight (:func:`oncall_tui.collector.keep_long_lived`, only for these big bodies): the decode
    allocates hundreds of thousands of long-lived objects, and the collections that follow would
    walk them all (20-50 ms pauses, several per poll). Decoded Structs hold no reference cycles;
    they are still freed by reference counting when the next poll replaces them.
    """
    if len(body) < INCREMENTAL_BYTES:
        items = decode(body, list[item_type], what=what)  # type: ignore[valid-type]
        return items if each is None else [each(item) for item in items]
    _check_first_item(body, item_type, what)
    decoder = msgspec.json.Decoder(item_type)
    splitter = ItemSplitter.of(body)
    if splitter is not None:
        pieces = await _decode_pieces(splitter, decoder, what, each)
        if pieces is not None:
            return pieces
    # Not an array of objects with one leading key: split it in one call (tens of ms for 50 MB).
    raws = decode(body, list[msgspec.Raw], what=what)
    out: list[T] = []
    index = 0
    while index < len(raws):
        deadline = time.perf_counter() + SLICE_SECONDS
        due = False
        # Paused for one synchronous slice only: never across the await, where other code runs.
        # What the slice decoded is frozen before the collector is back on, or a full collection
        # between two slices walks everything decoded so far (50-65 ms on 55,000 alerts).
        with collector.paused(keep=True):
            while index < len(raws):
                out.append(_decode_item(decoder, raws[index], index, what, each))
                index += 1
                if time.perf_counter() >= deadline:
                    due = True
                    break
        if due:
            await foreground.turn()
    collector.keep_long_lived()
    return out


def _decode_item(
    decoder: msgspec.json.Decoder[T],
    raw: bytes | memoryview,
    index: int,
    what: str,
    each: Callable[[T], T] | None,
) -> T:
    try:
        item = decoder.decode(raw)
    except msgspec.ValidationError as exc:
        raise SourceError(
            f"unexpected response shape from {what}: {_at_item(str(exc), index)}", kind="shape"
        ) from None
    return item if each is None else each(item)


async def _decode_pieces(
    splitter: ItemSplitter, decoder: msgspec.json.Decoder[T], what: str, each: Callable[[T], T] | None
) -> list[T] | None:
    """The items of the array, found piece by piece (see ``json_items.py``), the event loop let
    through every few ms; None when the pieces do not add up (the caller splits it whole)."""
    out: list[T] = []
    while not splitter.finished:
        deadline = time.perf_counter() + SLICE_SECONDS
        with collector.paused(keep=True):  # as in decode_list's slices
            while True:  # at least one candidate per slice
                piece = splitter.candidate()
                if piece is None:
                    return None
                try:
                    item = _decode_item(decoder, piece, len(out), what, each)
                except msgspec.DecodeError as exc:
                    if "trailing characters" in str(exc):
                        return None  # items that do not all start with the same key
                    # Else the candidate ended inside a nested object: the next one extends it.
                else:
                    out.append(item)
                    splitter.accept()
                if splitter.finished or time.perf_counter() >= deadline:
                    break
        await foreground.turn()
    collector.keep_long_lived()
    return out


def _check_first_item(body: bytes, item_type: type[Any], what: str) -> None:
    """Reject an array whose first item is not an object when objects are expected, before splitting it.

    Splitting a 50 MB array of numbers into items costs a raw object per item (gigabytes, half a
    minute) only to fail on the first one; a glance at the first byte of the first item is enough.
    """
    if not (isinstance(item_type, type) and issubclass(item_type, msgspec.Struct)):
        return
    head = body[:4096].lstrip()
    if not head.startswith(b"["):
        return  # decode() says what it is instead
    first = head[1:].lstrip()[:1]
    if first and first not in (b"{", b"]"):
        raise SourceError(
            f"unexpected response shape from {what}: Expected `object` - at `$[0]`", kind="shape"
        )


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
