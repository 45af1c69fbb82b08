"""Outbox: idempotent enqueue, leased claims, retries, and delivery once across drainers and restarts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from oncall_tui.clock import FakeClock
from oncall_tui.errors import StoreError
from oncall_tui.models.incident import OutboxState
from oncall_tui.store.db import Database
from oncall_tui.store.incidents import IncidentLog
from oncall_tui.store.outbox import DEFAULT_LEASE, ContextScope, Outbox
from tests.support.store import START

PAYLOAD = {"matchers": [{"name": "alertname", "value": "HighLatency", "isRegex": False}], "comment": "ack"}


@pytest.fixture
def outbox(db: Database, clock: FakeClock) -> Outbox:
    return Outbox(db, clock)


def test_enqueue_records_a_pending_item(outbox: Outbox) -> None:
    item = outbox.enqueue("create_silence", PAYLOAD, dedup_key="ack:fp1:1")
    assert item.state is OutboxState.PENDING
    assert item.payload == PAYLOAD
    assert item.attempts == 0
    assert item.next_attempt_at == START
    assert outbox.pending() == [item]
    assert outbox.find("ack:fp1:1") == item


def test_enqueue_is_idempotent_on_the_dedup_key(outbox: Outbox) -> None:
    first = outbox.enqueue("create_silence", PAYLOAD, dedup_key="ack:fp1:1")
    second = outbox.enqueue("create_silence", {"other": True}, dedup_key="ack:fp1:1")
    assert second == first
    assert len(outbox.pending()) == 1


def test_enqueue_of_a_delivered_key_does_not_send_it_again(outbox: Outbox, clock: FakeClock) -> None:
    item = outbox.enqueue("create_silence", PAYLOAD, dedup_key="k")
    (claimed,) = outbox.claim_due()
    outbox.mark_done(item.id, {"silenceID": "abc"}, lease_token=claimed.lease_token)
    again = outbox.enqueue("create_silence", PAYLOAD, dedup_key="k")
    assert again.state is OutboxState.DONE and again.result == {"silenceID": "abc"}
    clock.advance(3600)
    assert outbox.claim_due() == []


def test_enqueue_links_an_incident(db: Database, outbox: Outbox, clock: FakeClock) -> None:
    incident = IncidentLog(db, clock).open_incident("x", "critical")
    item = outbox.enqueue("notify", {"level": 1}, incident.id, dedup_key="esc:1")
    assert item.incident_id == incident.id


def test_claim_takes_due_items_oldest_first_and_leases_them(outbox: Outbox, clock: FakeClock) -> None:
    later = outbox.enqueue("notify", {}, dedup_key="later", not_before=START + timedelta(minutes=5))
    a = outbox.enqueue("notify", {}, dedup_key="a")
    clock.advance(1)
    b = outbox.enqueue("notify", {}, dedup_key="b")
    claimed = outbox.claim_due(limit=10)
    assert [i.id for i in claimed] == [a.id, b.id]
    assert all(i.state is OutboxState.IN_FLIGHT for i in claimed)
    assert all(i.attempts == 1 for i in claimed)
    assert all(i.lease_until == clock.now() + DEFAULT_LEASE for i in claimed)
    assert claimed[0].lease_token and claimed[0].lease_token != claimed[1].lease_token
    # Leased items are not handed out again while the lease holds.
    assert outbox.claim_due() == []
    for item in claimed:
        outbox.mark_done(item.id, lease_token=item.lease_token)
    clock.advance(300)
    assert [i.id for i in outbox.claim_due()] == [later.id]


def test_claim_respects_the_limit(outbox: Outbox) -> None:
    for n in range(5):
        outbox.enqueue("notify", {}, dedup_key=f"k{n}")
    assert len(outbox.claim_due(limit=2)) == 2
    assert len(outbox.claim_due(limit=10)) == 3


def test_two_drainers_never_claim_the_same_item(db_path: Path, clock: FakeClock) -> None:
    with Database.open(db_path) as db_a, Database.open(db_path) as db_b:
        box_a, box_b = Outbox(db_a, clock), Outbox(db_b, clock)
        for n in range(6):
            box_a.enqueue("notify", {}, dedup_key=f"k{n}")
        first = box_a.claim_due(limit=4)
        second = box_b.claim_due(limit=4)
    assert len(first) == 4 and len(second) == 2
    assert not {i.id for i in first} & {i.id for i in second}


def test_a_failed_send_is_retried_at_its_next_attempt(outbox: Outbox, clock: FakeClock) -> None:
    item = outbox.enqueue("create_silence", PAYLOAD, dedup_key="k")
    (claimed,) = outbox.claim_due()
    retry_at = START + timedelta(seconds=30)
    error = "alertmanager unreachable:\nconnection refused"
    failed = outbox.mark_failed(item.id, error, retry_at, lease_token=claimed.lease_token)
    assert failed.state is OutboxState.PENDING
    assert failed.last_error == "alertmanager unreachable: connection refused"
    assert failed.next_attempt_at == retry_at and failed.lease_token is None
    assert outbox.claim_due() == []
    clock.advance(30)
    (again,) = outbox.claim_due()
    assert again.id == item.id and again.attempts == 2


def test_giving_up_marks_the_item_failed_for_good(outbox: Outbox, clock: FakeClock) -> None:
    item = outbox.enqueue("notify", {}, dedup_key="k")
    (claimed,) = outbox.claim_due()
    final = outbox.mark_failed(item.id, "HTTP 400: bad routing key", None, lease_token=claimed.lease_token)
    assert final.state is OutboxState.FAILED
    assert outbox.pending() == []
    clock.advance(86400)
    assert outbox.claim_due() == []


def test_requeue_puts_only_a_failed_item_back_to_pending(outbox: Outbox, clock: FakeClock) -> None:
    item = outbox.enqueue("expire_silence", {"silence_id": "s1"}, dedup_key="expire-s1")
    assert outbox.requeue(item.id) == item  # pending: untouched
    for _ in range(2):
        (claimed,) = outbox.claim_due()
        outbox.mark_failed(item.id, "HTTP 503", START, lease_token=claimed.lease_token)
    (claimed,) = outbox.claim_due()
    outbox.mark_failed(item.id, "HTTP 400: bad", None, lease_token=claimed.lease_token)
    assert outbox.claim_due() == []
    clock.advance(60)
    again = outbox.requeue(item.id)
    assert again.state is OutboxState.PENDING and again.attempts == 0
    assert again.next_attempt_at == START + timedelta(seconds=60)
    (claimed,) = outbox.claim_due()
    outbox.mark_done(item.id, {}, lease_token=claimed.lease_token)
    assert outbox.requeue(item.id).state is OutboxState.DONE  # done stays done


def test_a_restart_mid_send_retries_once_the_lease_expires(db_path: Path, clock: FakeClock) -> None:
    with Database.open(db_path) as db:
        box = Outbox(db, clock)
        item = box.enqueue("create_silence", PAYLOAD, dedup_key="k")
        box.claim_due()  # ...and the app dies before mark_done
    with Database.open(db_path) as db:
        box = Outbox(db, clock)
        assert [i.id for i in box.pending()] == [item.id]
        assert box.claim_due() == []  # the dead drainer's lease still holds
        assert box.next_due_at() == START + DEFAULT_LEASE
        clock.advance(DEFAULT_LEASE.total_seconds())
        (reclaimed,) = box.claim_due()
        assert reclaimed.id == item.id and reclaimed.attempts == 2
        box.mark_done(item.id, {"silenceID": "s1"}, lease_token=reclaimed.lease_token)
    with Database.open(db_path) as db:
        box = Outbox(db, clock)
        assert box.pending() == []
        assert box.get(item.id).state is OutboxState.DONE
        clock.advance(3600)
        assert box.claim_due() == []


def test_a_stale_drainer_cannot_fail_an_item_another_one_took_over(outbox: Outbox, clock: FakeClock) -> None:
    item = outbox.enqueue("notify", {}, dedup_key="k")
    (stale,) = outbox.claim_due()
    clock.advance(DEFAULT_LEASE.total_seconds() + 1)
    (current,) = outbox.claim_due()
    ignored = outbox.mark_failed(item.id, "timeout", clock.now(), lease_token=stale.lease_token)
    assert ignored.state is OutboxState.IN_FLIGHT and ignored.lease_token == current.lease_token
    done = outbox.mark_done(item.id, {"ok": True}, lease_token=current.lease_token)
    assert done.state is OutboxState.DONE


def test_done_is_final(outbox: Outbox) -> None:
    item = outbox.enqueue("notify", {}, dedup_key="k")
    (claimed,) = outbox.claim_due()
    outbox.mark_done(item.id, {"first": True}, lease_token=claimed.lease_token)
    assert outbox.mark_done(item.id, {"second": True}).result == {"first": True}
    assert outbox.mark_failed(item.id, "late failure", START).state is OutboxState.DONE


def test_next_due_at(outbox: Outbox) -> None:
    assert outbox.next_due_at() is None
    outbox.enqueue("notify", {}, dedup_key="k", not_before=START + timedelta(minutes=2))
    assert outbox.next_due_at() == START + timedelta(minutes=2)


def test_unknown_item_is_a_store_error(outbox: Outbox) -> None:
    with pytest.raises(StoreError, match="no outbox item #7"):
        outbox.mark_done(7)


def test_items_record_their_context_and_a_claim_takes_only_its_own(outbox: Outbox) -> None:
    prod = outbox.enqueue("create_silence", PAYLOAD, dedup_key="prod-ack", context="prod-eu")
    staging = outbox.enqueue("create_silence", PAYLOAD, dedup_key="staging-ack", context="staging")
    assert (prod.context, staging.context) == ("prod-eu", "staging")
    assert outbox.claim_due(scope=ContextScope.of("other")) == []
    assert [i.dedup_key for i in outbox.claim_due(scope=ContextScope.of("staging"))] == ["staging-ack"]
    # prod-eu's item was not touched by staging's claim: still pending, never attempted.
    assert outbox.get(prod.id).state is OutboxState.PENDING and outbox.get(prod.id).attempts == 0
    assert [i.dedup_key for i in outbox.claim_due(scope=ContextScope.of("prod-eu"))] == ["prod-ack"]


def test_context_free_kinds_are_claimed_by_any_context(outbox: Outbox) -> None:
    outbox.enqueue("notify", {"target": "hook"}, dedup_key="esc", context="prod-eu")
    outbox.enqueue("create_silence", PAYLOAD, dedup_key="ack", context="prod-eu")
    scope = ContextScope.of("staging", {"notify"})
    assert [i.dedup_key for i in outbox.claim_due(scope=scope)] == ["esc"]


def test_pending_and_next_due_are_per_context(outbox: Outbox) -> None:
    outbox.enqueue("create_silence", PAYLOAD, dedup_key="prod", context="prod-eu")
    outbox.enqueue(
        "create_silence",
        PAYLOAD,
        dedup_key="staging",
        context="staging",
        not_before=START + timedelta(hours=1),
    )
    assert [i.dedup_key for i in outbox.pending(ContextScope.of("prod-eu"))] == ["prod"]
    assert [i.dedup_key for i in outbox.pending(ContextScope.of("staging"))] == ["staging"]
    assert [i.dedup_key for i in outbox.pending()] == ["prod", "staging"]
    assert outbox.next_due_at(ContextScope.of("staging")) == START + timedelta(hours=1)
    assert outbox.next_due_at(ContextScope.of("dev")) is None


def test_items_made_without_a_context_belong_only_to_a_drain_without_one(outbox: Outbox) -> None:
    plain = outbox.enqueue("create_silence", PAYLOAD, dedup_key="plain")  # a single-context tool
    assert plain.context is None
    prod = ContextScope.of("prod-eu")
    assert outbox.pending(prod) == [] and outbox.claim_due(scope=prod) == []
    assert outbox.pending(ContextScope.of(None)) == [plain]
    assert [i.dedup_key for i in outbox.claim_due(scope=ContextScope.of(None))] == ["plain"]


def test_retry_now_ends_the_backoff_of_waiting_items_of_its_context_only(outbox: Outbox) -> None:
    prod = outbox.enqueue("create_silence", PAYLOAD, dedup_key="prod", context="prod-eu")
    (claimed,) = outbox.claim_due(scope=ContextScope.of("prod-eu"))
    outbox.mark_failed(
        prod.id, "connection refused", START + timedelta(minutes=5), lease_token=claimed.lease_token
    )
    staging = outbox.enqueue(
        "create_silence",
        PAYLOAD,
        dedup_key="staging",
        context="staging",
        not_before=START + timedelta(minutes=5),
    )
    flying = outbox.enqueue("create_silence", PAYLOAD, dedup_key="flying", context="prod-eu")
    (in_flight,) = outbox.claim_due(scope=ContextScope.of("prod-eu"))
    assert in_flight.id == flying.id
    # Alertmanager of prod-eu is back: its waiting item is due now; staging's and the leased one are not.
    assert outbox.retry_now(scope=ContextScope.of("prod-eu")) == 1
    assert [i.id for i in outbox.claim_due(scope=ContextScope.of("prod-eu"))] == [prod.id]
    assert outbox.claim_due(scope=ContextScope.of("staging")) == []
    assert outbox.get(staging.id).next_attempt_at == START + timedelta(minutes=5)
