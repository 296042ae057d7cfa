"""The API's resources. Each method builds a request; the client (sync or async) sends it.

With `Agentline` the methods answer values; with `AsyncAgentline` they answer awaitables
(and `list` an async iterator).
"""
from __future__ import annotations

from typing import Any, Dict, Optional
from urllib.parse import quote

from . import models
from ._base import Options


def _id(value: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("an id must be a non-empty string")
    return quote(value, safe="")


class Resource:
    path = ""
    model: Any = None

    def __init__(self, client: Any) -> None:
        self._c = client

    def _item(self, id: str, suffix: str = "") -> str:
        return f"{self.path}/{_id(id)}{suffix}"


class _List(Resource):
    def list(self, *, limit: Optional[int] = None, **filters: Any) -> Any:
        """Every item, newest first, fetched page by page (`limit` items a page) as you iterate."""
        return self._c._paginate(self.path, dict(filters, limit=limit), self.model)


class _Get(Resource):
    def get(self, id: str) -> Any:
        return self._c._call(Options("GET", self._item(id)), self.model)


class _Crud(_List, _Get):
    def create(self, **fields: Any) -> Any:
        return self._c._call(Options("POST", self.path, body=fields), self.model)

    def update(self, id: str, **fields: Any) -> Any:
        """Change the fields given (`None` clears a nullable field); the others stay as they are."""
        return self._c._call(Options("PATCH", self._item(id), body=fields), self.model)

    def delete(self, id: str) -> Any:
        return self._c._call(Options("DELETE", self._item(id)), models.Deleted)


class Agents(_Crud):
    path = "/v1/agents"
    model = models.Agent


class Numbers(_Crud):
    path = "/v1/numbers"
    model = models.Number

    def calls(self, id: str, *, limit: Optional[int] = None) -> Any:
        """The calls placed from this number, newest first."""
        return self._c._paginate(self._item(id, "/calls"), {"limit": limit}, models.CallView)


class Contacts(_Crud):
    path = "/v1/contacts"
    model = models.Contact


class WebhookEndpoints(_Crud):
    path = "/v1/webhook-endpoints"
    model = models.Endpoint

    def create(self, **fields: Any) -> Any:
        """Create an endpoint; the answer holds its `secret` (the only listing that does)."""
        return self._c._call(Options("POST", self.path, body=fields), models.CreatedEndpoint)

    def secret(self, id: str) -> Any:
        return self._c._call(Options("GET", self._item(id, "/secret")), models.SigningSecret)

    def rotate_secret(self, id: str, **fields: Any) -> Any:
        return self._c._call(Options("POST", self._item(id, "/rotate-secret"), body=fields), models.SigningSecret)


class WebhookDeliveries(_List, _Get):
    path = "/v1/webhook-deliveries"
    model = models.Delivery

    def get(self, id: str) -> Any:
        return self._c._call(Options("GET", self._item(id)), models.DeliveryDetail)

    def redeliver(self, id: str) -> Any:
        return self._c._call(Options("POST", self._item(id, "/redeliver")), None)


class Keys(_List, _Get):
    """API keys (the admin token only)."""

    path = "/v1/keys"
    model = models.KeyView

    def create(self, **fields: Any) -> Any:
        """Create a key; the answer's `key` is the secret, shown this once."""
        return self._c._call(Options("POST", self.path, body=fields), models.CreatedKey)

    def revoke(self, id: str) -> Any:
        return self._c._call(Options("DELETE", self._item(id)), models.KeyView)


class Campaigns(_List, _Get):
    """Call a list of contacts with one agent, inside each one's calling hours, with retries."""

    path = "/v1/campaigns"
    model = models.CampaignView

    def create(self, *, name: str, agent_id: str, **fields: Any) -> Any:
        """Create a campaign (a `draft` unless `start=True`); other fields of `POST /v1/campaigns` as keywords:
        `contacts`, `window`, `retry`, `variables`, `max_concurrent`, `calls_per_minute`, `daily_cap_per_number`, …"""
        body = {"name": name, "agent_id": agent_id, **fields}
        return self._c._call(Options("POST", self.path, body=body), self.model)

    def add_contacts(self, id: str, contacts: Any = None, *, csv: Optional[str] = None) -> Any:
        """Add rows (`contacts`, a list of dicts) or a CSV file's text (`csv=`); a faulty row fails it all."""
        if csv is not None:
            opts = Options("POST", self._item(id, "/contacts"), body=csv, headers={"Content-Type": "text/csv"})
        else:
            opts = Options("POST", self._item(id, "/contacts"), body={"contacts": contacts or []})
        return self._c._call(opts, models.Added)

    def contacts(self, id: str, *, state: Optional[str] = None, limit: int = 100, after: Optional[str] = None) -> Any:
        """A page of the campaign's contacts with their state and attempts (`next_cursor` for the next)."""
        params = {"state": state, "limit": limit, "after": after}
        return self._c._call(Options("GET", self._item(id, "/contacts"), params=params), models.ContactPage)

    def start(self, id: str) -> Any:
        return self._c._call(Options("POST", self._item(id, "/start")), self.model)

    def pause(self, id: str) -> Any:
        return self._c._call(Options("POST", self._item(id, "/pause")), self.model)

    def resume(self, id: str) -> Any:
        return self._c._call(Options("POST", self._item(id, "/resume")), self.model)

    def cancel(self, id: str) -> Any:
        return self._c._call(Options("POST", self._item(id, "/cancel")), self.model)


class Calls(_List, _Get):
    path = "/v1/calls"
    model = models.CallView

    def create(
        self,
        *,
        agent_id: str,
        to: str,
        variables: Optional[Dict[str, Any]] = None,
        idempotency_key: Optional[str] = None,
        **fields: Any,
    ) -> Any:
        """Place a call (it starts `queued`). Retried safely: an `Idempotency-Key` is sent, made up when not given.

        Other fields of `POST /v1/calls` go as keywords: `from_number`, `from_number_id`,
        `contact_id`, `name`, `context`, `metadata`, `first_message`, `voice`, `webhook_url`,
        `max_duration`, `ring_timeout`, `start_at`, `sandbox`, …
        """
        body: Dict[str, Any] = {"agent_id": agent_id, "to": to, **fields}
        if variables is not None:
            body["variables"] = variables
        key = idempotency_key or self._c._new_idempotency_key()
        return self._c._call(Options("POST", self.path, body=body, idempotency_key=key), self.model)

    def end(self, id: str) -> Any:
        """End the call in any state (409 `ConflictError` once it has ended)."""
        return self._c._call(Options("POST", self._item(id, "/end")), self.model)

    def transfer(self, id: str, *, to: str, mode: str = "blind", whisper: Optional[str] = None) -> Any:
        """Hand an `in_progress` call to a person at `to` (`mode` `blind` or `warm`; a warm transfer
        says `whisper` to them first). Answers the call at once (202); `transfer` on the call and the
        `call.transfer_*` events follow how it goes."""
        body: Dict[str, Any] = {"to": to, "mode": mode}
        if whisper is not None:
            body["whisper"] = whisper
        return self._c._call(Options("POST", self._item(id, "/transfer"), body=body), self.model)

    def events(self, id: str) -> Any:
        """The call's event log, oldest first."""
        return self._c._call(Options("GET", self._item(id, "/events")), models.CallEvents)

    def transcript(self, id: str) -> Any:
        """The turns of the conversation so far (complete once the call has ended)."""
        return self._c._call(Options("GET", self._item(id, "/transcript")), models.Transcript)

    def transcript_text(self, id: str) -> Any:
        """The transcript as plain text, one `Agent: …` / `Caller: …` line a turn."""
        opts = Options("GET", self._item(id, "/transcript"), params={"format": "text"})
        return self._c._call(opts, None, raw=True)

    def recording(self, id: str) -> Any:
        """The call's recording (a WAV file) as bytes; `NotFoundError` (`recording_not_found`) if it has none."""
        return self._c._call(Options("GET", self._item(id, "/recording")), None, raw=True, binary=True)

    def download_recording(self, id: str, path: str) -> Any:
        """Stream the recording into a file; answers the number of bytes written."""
        return self._c._download(self._item(id, "/recording"), path)

    def wait(
        self,
        id: str,
        *,
        timeout: float = 600.0,
        poll_interval: float = 1.0,
        on_event: Any = None,
        settle: float = 2.0,
    ) -> Any:
        """Wait until the call has ended and answer it.

        Follows the live event stream (SSE), falling back to polling every `poll_interval`
        seconds when the stream is not available. `on_event(event)` is called with each event
        (a dict: `type`, `status`, `payload`, …). After the end it waits up to `settle` seconds
        for an answered call's `summary`. Raises `WaitTimeout` after `timeout` seconds.
        """
        return self._c._wait(_id(id), timeout, poll_interval, on_event, settle)
