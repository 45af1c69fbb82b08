"""Alertmanager API v2 client for one Alertmanager.

Acks are silences: :meth:`AlertmanagerClient.create_silence` returns the id the
server chose, which is what must be stored (on update Alertmanager may replace
the silence and answer with a new id). Every failure is a :class:`SourceError`
with a one-line reason, through ``clients/http.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

import httpx
import msgspec

from oncall_tui.clients.http import decode, decode_list, get_json, request
from oncall_tui.errors import NotFoundError, SourceError
from oncall_tui.models.alert_reuse import AlertReuse
from oncall_tui.models.alertmanager import Alert, AlertGroup, AlertmanagerStatus, PostableSilence, Silence


class _SilenceCreated(msgspec.Struct):
    silence_id: str = msgspec.field(name="silenceID")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _filters(filters: Sequence[str]) -> list[tuple[str, str]]:
    # The API takes `filter` repeated, one matcher each (`severity="critical"`, `service=~"api.*"`).
    if isinstance(filters, str):
        # A bare string would otherwise be split into one "matcher" per character.
        filters = [filters]
    return [("filter", matcher) for matcher in filters]


def _not_found(exc: SourceError) -> SourceError:
    # Alertmanager before 0.27 answers an unknown silence id with HTTP 500 "silence not found".
    if exc.status == 500 and "not found" in exc.message.lower():
        return NotFoundError(exc.message, kind=exc.kind, status=exc.status)
    return exc


def _silence_path(silence_id: str) -> str:
    if not silence_id:
        raise ValueError("silence id must not be empty")
    # Quote everything: an id is user-visible text and must not escape the path.
    return f"/api/v2/silence/{quote(silence_id, safe='')}"


class AlertmanagerClient:
    """Async client of one Alertmanager (API v2)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    @property
    def base_url(self) -> str:
        """The peer's base URL, for messages and the health bar."""
        return str(self._client.base_url)

    async def aclose(self) -> None:
        """Close the underlying HTTP client."""
        await self._client.aclose()

    async def alert_groups(
        self,
        filters: Sequence[str] = (),
        *,
        active: bool = True,
        silenced: bool = True,
        inhibited: bool = True,
        receiver: str | None = None,
        reuse: AlertReuse | None = None,
    ) -> list[AlertGroup]:
        """Alerts grouped by the route's ``group_by`` (``GET /api/v2/alerts/groups``).

        ``filters`` are Alertmanager matchers (``severity="critical"``); ``active``,
        ``silenced`` and ``inhibited`` include or exclude alerts in that state. With ``reuse``,
        each group shares the values of alerts already in memory as soon as it is decoded.
        """
        params = _filters(filters) + [
            ("active", _flag(active)),
            ("silenced", _flag(silenced)),
            ("inhibited", _flag(inhibited)),
        ]
        if receiver is not None:
            params.append(("receiver", receiver))
        path = "/api/v2/alerts/groups"
        response = await request(self._client, "GET", path, params=params)
        # 10,000 alerts are ~7 MB: decoded in slices so the UI keeps answering keys meanwhile.
        return await decode_list(
            response.content,
            AlertGroup,
            what=f"{self._client.base_url}{path}",
            each=None if reuse is None else reuse.group,
        )

    async def alerts(
        self,
        filters: Sequence[str] = (),
        *,
        active: bool = True,
        silenced: bool = True,
        inhibited: bool = True,
        unprocessed: bool = True,
        receiver: str | None = None,
    ) -> list[Alert]:
        """Alerts, ungrouped (``GET /api/v2/alerts``); parameters as for :meth:`alert_groups`."""
        params = _filters(filters) + [
            ("active", _flag(active)),
            ("silenced", _flag(silenced)),
            ("inhibited", _flag(inhibited)),
            ("unprocessed", _flag(unprocessed)),
        ]
        if receiver is not None:
            params.append(("receiver", receiver))
        return await get_json(self._client, "/api/v2/alerts", list[Alert], params=params)

    async def silences(self, filters: Sequence[str] = ()) -> list[Silence]:
        """All silences, expired ones included (``GET /api/v2/silences``)."""
        return await get_json(self._client, "/api/v2/silences", list[Silence], params=_filters(filters))

    async def silence(self, silence_id: str) -> Silence:
        """One silence by id; :class:`NotFoundError` when the server does not know it."""
        try:
            return await get_json(self._client, _silence_path(silence_id), Silence)
        except SourceError as exc:
            raise _not_found(exc) from None

    async def create_silence(self, silence: PostableSilence) -> str:
        """Create (or, with ``silence.id``, update) a silence; returns the id the server answered.

        That id can differ from ``silence.id``: Alertmanager replaces a silence whose
        matchers or start changed, so callers must keep the returned one.
        """
        for name, moment in (("starts_at", silence.starts_at), ("ends_at", silence.ends_at)):
            if moment.tzinfo is None:
                raise ValueError(f"silence {name} must be timezone-aware")
        body = msgspec.json.encode(silence)
        response = await request(self._client, "POST", "/api/v2/silences", json_body=body)
        created = decode(response.content, _SilenceCreated, what=f"{self._client.base_url}/api/v2/silences")
        if not created.silence_id:
            raise SourceError(
                f"{self._client.base_url}/api/v2/silences answered without a silence id", kind="shape"
            )
        return created.silence_id

    async def expire_silence(self, silence_id: str) -> None:
        """Expire a silence now (``DELETE /api/v2/silence/{id}``); :class:`NotFoundError` if unknown."""
        try:
            await request(self._client, "DELETE", _silence_path(silence_id))
        except SourceError as exc:
            raise _not_found(exc) from None

    async def status(self) -> AlertmanagerStatus:
        """Version, uptime and cluster state (``GET /api/v2/status``); a cheap health probe."""
        return await get_json(self._client, "/api/v2/status", AlertmanagerStatus)
