"""decode_list: big JSON arrays decoded item by item give the same groups and the same errors.

The slicing path normally starts at 256 KB; the tests lower the threshold so that the recorded
karma body (and small broken ones) go through it.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from oncall_tui.clients import http
from oncall_tui.clients.http import decode, decode_list
from oncall_tui.errors import SourceError
from oncall_tui.models.alertmanager import AlertGroup
from tests.support.loop_turns import turns_while

GROUPS = (
    Path(__file__).resolve().parent.parent
    / "fixtures"
    / "alertmanager"
    / "karma-am-0.31.0-api-v2-alerts-groups.json"
)
WHAT = "http://am.test/api/v2/alerts/groups"


@pytest.fixture(autouse=True)
def always_sliced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "INCREMENTAL_BYTES", 0)


async def test_same_groups_as_one_decode_and_the_loop_runs_in_between(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = GROUPS.read_bytes()
    monkeypatch.setattr(http, "SLICE_SECONDS", 0.0)  # yield after every item
    groups, turns = await turns_while(decode_list(body, AlertGroup, what=WHAT))
    assert groups == decode(body, list[AlertGroup], what=WHAT)
    assert len(groups) == 10
    # Another task ran between the items (once per item).
    assert turns >= len(groups)


@pytest.mark.parametrize(
    ("body", "kind", "needle"),
    [
        (b"", "decode", "empty response body"),
        (b"<!doctype html>", "decode", "not JSON"),
        (b'[{"labels": {}, "receiver": {"name": "x"}, "alerts": []}, ', "decode", "not JSON"),
        (b'{"groups": []}', "shape", "Expected `array`, got `object`"),
        (b'[{"labels": {}, "receiver": {"name": "x"}, "alerts": []}, 3]', "shape", "- at `$[1]`"),
        (
            b'[{"labels": {}, "receiver": {"name": "x"}, "alerts": [{"labels": {}}]}]',
            "shape",
            "missing required field `fingerprint` - at `$[0].alerts[0]`",
        ),
    ],
    ids=["empty", "html", "truncated", "object", "item-not-object", "nested-path"],
)
async def test_errors_are_the_one_shot_decode_errors(body: bytes, kind: str, needle: str) -> None:
    with pytest.raises(SourceError) as caught:
        await decode_list(body, AlertGroup, what=WHAT)
    assert caught.value.kind == kind
    assert needle in caught.value.message and WHAT in caught.value.message
    with pytest.raises(SourceError) as whole:
        decode(body, list[AlertGroup], what=WHAT)
    # The same message as decoding the body in one call.
    assert caught.value.message == whole.value.message


def test_raw_split_is_a_json_check() -> None:
    with pytest.raises(msgspec.DecodeError):
        msgspec.json.decode(b"[1, 2", type=list[msgspec.Raw])


def _groups_body(groups: list[dict[str, object]], separator: str = ",") -> bytes:
    return ("[" + separator.join(msgspec.json.encode(g).decode() for g in groups) + "]").encode()


def _group(name: str, alerts: int, *, labels_first: bool = False) -> dict[str, object]:
    alert = {
        "labels": {"alertname": name, "note": '},{"labels": not a boundary'},
        "annotations": {},
        "fingerprint": name,
        "receivers": [{"name": "x"}],
        "startsAt": "2026-01-01T00:00:00Z",
        "endsAt": "2026-01-01T01:00:00Z",
        "updatedAt": "2026-01-01T00:00:00Z",
        "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
    }
    alerts_list = [{**alert, "fingerprint": f"{name}-{i}"} for i in range(alerts)]
    if labels_first:
        return {"labels": {"g": name}, "receiver": {"name": "x"}, "alerts": alerts_list}
    return {"alerts": alerts_list, "labels": {"g": name}, "receiver": {"name": "x"}}


@pytest.mark.parametrize(
    "groups",
    [
        [_group(f"g{i}", 3) for i in range(5)],
        # Items and their alerts both start with "labels": every alert boundary is a false candidate.
        [_group(f"g{i}", 3, labels_first=True) for i in range(5)],
        # Items with different leading keys: no common boundary, split in one call instead.
        [_group("a", 2), _group("b", 2, labels_first=True), _group("c", 2)],
        [_group("only", 4)],
    ],
    ids=["alerts-first", "nested-candidates", "mixed-keys", "one-item"],
)
@pytest.mark.parametrize("separator", [",", ", ", " ,\n "])
async def test_items_found_piece_by_piece_are_the_one_shot_items(
    groups: list[dict[str, object]], separator: str
) -> None:
    body = _groups_body(groups, separator) + b"\n"
    assert await decode_list(body, AlertGroup, what=WHAT) == decode(body, list[AlertGroup], what=WHAT)


async def test_a_shape_error_in_a_later_item_names_its_index() -> None:
    broken = _group("b", 1)
    broken["receiver"] = "not an object"
    body = _groups_body([_group("a", 2), broken, _group("c", 2)])
    with pytest.raises(SourceError) as caught:
        await decode_list(body, AlertGroup, what=WHAT)
    with pytest.raises(SourceError) as whole:
        decode(body, list[AlertGroup], what=WHAT)
    assert caught.value.message == whole.value.message
    assert "$[1].receiver" in caught.value.message
