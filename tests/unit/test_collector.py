"""The one owner of the garbage collector: counted pauses, and freezes handed back once an hour."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from oncall_tui import collector


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    yield
    gc.enable()
    gc.unfreeze()


def test_nested_and_overlapping_pauses_turn_the_collector_back_on_only_at_the_end() -> None:
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause is still on
    assert gc.isenabled()


def test_a_pause_in_a_thread_and_one_on_the_loop_overlap_safely() -> None:
    inside = threading.Event()
    release = threading.Event()

    def worker() -> None:
        with collector.paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=worker)
    thread.start()
    assert inside.wait(5)
    with collector.paused():
        pass
    assert not gc.isenabled()  # the thread's pause outlives ours
    release.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_pause_leaves_a_collector_switched_off_by_the_caller_off() -> None:
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()


def test_keep_long_lived_freezes_and_hands_objects_back_once_an_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collector, "_frozen_since", 0.0)
    kept = [object() for _ in range(10)], {"a": [1]}
    collector.keep_long_lived(now=10.0)
    frozen = gc.get_freeze_count()
    assert frozen > 0 and kept
    collector.keep_long_lived(now=20.0)
    assert collector._frozen_since == 0.0  # not an hour yet: no unfreeze
    collector.keep_long_lived(now=collector.UNFREEZE_EVERY + 1)
    assert collector._frozen_since == collector.UNFREEZE_EVERY + 1
    assert gc.get_freeze_count() > 0


def test_a_keeping_pause_freezes_what_it_built_before_the_collector_is_back_on() -> None:
    gc.unfreeze()
    with collector.paused(keep=True):
        built = [{"alert": n} for n in range(1000)]
        assert gc.get_freeze_count() == 0
    assert gc.isenabled()
    # Everything tracked that was alive at the end is out of the collector's sight: the next
    # collection does not walk the thousand dicts just built.
    assert gc.get_freeze_count() >= len(built)


def test_a_plain_pause_freezes_nothing() -> None:
    gc.unfreeze()
    with collector.paused():
        built = [{"alert": n} for n in range(1000)]
    assert gc.get_freeze_count() == 0
    assert len(built) == 1000
