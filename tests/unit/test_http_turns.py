"""Reading a big body lets the event loop's other work run (keys, frames) every megabyte.

Over a fast link every chunk of a 50 MB body is ready at once: without turns, reading it kept
the loop to itself for hundreds of milliseconds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from oncall_tui.clients.http import TURN_BYTES, build_async_client
from oncall_tui.config.settings import PrometheusSettings
from tests.support.loop_turns import turns_while

CHUNK = 64 * 1024


class Chunks(httpx.AsyncByteStream):
    """A body whose chunks are all ready: iterating it never waits for anything."""

    def __init__(self, total: int) -> None:
        self.total = total

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, self.total, CHUNK):
            yield bytes([start // CHUNK % 256]) * min(CHUNK, self.total - start)


async def test_a_big_body_is_read_whole_with_the_loop_let_through_every_megabyte() -> None:
    total = 4 * TURN_BYTES + 123
    transport = httpx.MockTransport(lambda _request: httpx.Response(200, stream=Chunks(total)))
    client = build_async_client(
        "http://prom.test", PrometheusSettings(url="http://prom.test"), transport=transport
    )
    response, turns = await turns_while(client.get("/api/v1/query"))
    await client.aclose()
    assert len(response.content) == total
    assert response.content[CHUNK * 17] == 17
    assert turns >= 4  # at least once per megabyte read


async def test_a_small_body_takes_no_turn() -> None:
    transport = httpx.MockTransport(lambda _request: httpx.Response(200, content=b'{"status":"success"}'))
    client = build_async_client(
        "http://prom.test", PrometheusSettings(url="http://prom.test"), transport=transport
    )
    response = await client.get("/api/v1/query")
    await client.aclose()
    assert response.json() == {"status": "success"}
