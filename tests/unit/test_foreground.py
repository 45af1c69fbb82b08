"""Keys before background work: worker threads wait at their checkpoints while input is in hand."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

import oncall_tui.foreground as foreground_module
from oncall_tui.foreground import Foreground, paced


def _checkpoint_in_thread(foreground: Foreground) -> tuple[threading.Thread, threading.Event]:
    passed = threading.Event()

    def worker() -> None:
        foreground.give_way()
        passed.set()

    thread = threading.Thread(target=worker)
    thread.start()
    return thread, passed


def test_a_worker_passes_its_checkpoint_at_once_when_nothing_is_held() -> None:
    foreground = Foreground()
    thread, passed = _checkpoint_in_thread(foreground)
    assert passed.wait(5)
    thread.join(5)


def test_a_worker_waits_at_its_checkpoint_until_the_input_is_answered() -> None:
    foreground = Foreground(limit=30.0)
    foreground.hold()
    thread, passed = _checkpoint_in_thread(foreground)
    # Waiting, not spinning past: it stays at the checkpoint while the hold lasts.
    assert not passed.wait(0.2)
    foreground.release()
    assert passed.wait(5)
    thread.join(5)


def test_a_hold_never_released_delays_a_worker_by_at_most_the_limit() -> None:
    foreground = Foreground(limit=0.05)
    foreground.hold()
    started = time.monotonic()
    thread, passed = _checkpoint_in_thread(foreground)
    assert passed.wait(5)
    thread.join(5)
    assert not foreground.held
    assert time.monotonic() - started < 5


def test_the_thread_that_answers_input_never_waits_for_itself() -> None:
    # The same code runs on the event loop for small polls: it must not stop there, whichever
    # thread took the hold (the terminal's input thread does).
    foreground = Foreground(limit=30.0)
    foreground.answer_from(threading.get_ident())
    holder = threading.Thread(target=foreground.hold)
    holder.start()
    holder.join(5)
    started = time.monotonic()
    foreground.give_way()
    assert time.monotonic() - started < 1
    assert foreground.held


def test_paced_gives_way_every_so_many_items_and_keeps_them_all(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(foreground_module, "give_way", lambda: calls.append(1))
    items = list(paced(range(1000), every=100))
    assert items == list(range(1000))
    assert len(calls) == 10


def test_a_slice_on_the_event_loop_waits_its_turn_while_input_is_in_hand() -> None:
    foreground = Foreground(limit=30.0)
    order: list[str] = []

    async def main() -> None:
        foreground.hold()

        async def slices() -> None:
            await foreground.turn()
            order.append("slice")

        task = asyncio.create_task(slices())
        for _ in range(20):
            await asyncio.sleep(0.001)
        order.append("key answered")
        foreground.release()
        await asyncio.wait_for(task, 5)

    asyncio.run(main())
    assert order == ["key answered", "slice"]
