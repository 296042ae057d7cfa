"""The synchronous client."""
from __future__ import annotations

import time
from typing import Any, Dict, Iterator, List, Optional

import httpx

from . import models
from ._base import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    FINAL_EVENTS,
    FINAL_STATUSES,
    BaseClient,
    Options,
    SSEParser,
    cast,
    new_idempotency_key,
    page_items,
    page_params,
    parse_event,
)
from .errors import APIConnectionError, APIError, WaitTimeout
from .resources import Agents, Calls, Campaigns, Contacts, Keys, Numbers, WebhookDeliveries, WebhookEndpoints


class Page:
    """Every item of a list, fetched page by page as it is iterated."""

    def __init__(self, client: "Agentline", path: str, params: Dict[str, Any], model: Any) -> None:
        self._client, self._path, self._params, self._model = client, path, params, model

    def pages(self) -> Iterator[List[Any]]:
        cursor: Optional[str] = None
        while True:
            body = self._client._call(Options("GET", self._path, params=page_params(self._params, cursor)), None)
            items, cursor = page_items(self._model, body)
            yield items
            if not cursor:
                return

    def __iter__(self) -> Iterator[Any]:
        for page in self.pages():
            yield from page

    def first_page(self) -> List[Any]:
        return next(self.pages())


class Agentline(BaseClient):
    """agentline's API: `Agentline(api_key=…, base_url=…)` (defaults: `AGENTLINE_API_KEY`, `AGENTLINE_URL`)."""

    def __init__(
        self,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: Optional[httpx.Client] = None,
    ) -> None:
        super().__init__(api_key, base_url, timeout, max_retries)
        self._http = http_client or httpx.Client(base_url=self.base_url, timeout=timeout)
        self.calls = Calls(self)
        self.campaigns = Campaigns(self)
        self.agents = Agents(self)
        self.numbers = Numbers(self)
        self.contacts = Contacts(self)
        self.webhook_endpoints = WebhookEndpoints(self)
        self.webhook_deliveries = WebhookDeliveries(self)
        self.keys = Keys(self)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Agentline":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    _new_idempotency_key = staticmethod(new_idempotency_key)

    def _send(self, opts: Options, stream: bool = False, timeout: Any = None) -> httpx.Response:
        attempt = 0
        while True:
            kwargs = self._build(opts)
            if timeout is not None:
                kwargs["timeout"] = timeout
            try:
                request = self._http.build_request(opts.method, self.base_url + opts.path, **kwargs)
                response = self._http.send(request, stream=stream)
            except httpx.TransportError as err:
                delay = self._retry_delay(attempt, None, opts)
                if delay is None:
                    raise APIConnectionError(f"{opts.method} {opts.path}: {err}") from err
            else:
                delay = self._retry_delay(attempt, response, opts)
                if delay is None:
                    return response
                response.close()
            time.sleep(delay)
            attempt += 1

    def _call(self, opts: Options, model: Any, raw: bool = False, binary: bool = False) -> Any:
        response = self._send(opts)
        if raw:
            self._raise_for(response)
            return response.content if binary else response.text
        return cast(model, self._answer(response))

    def _paginate(self, path: str, params: Dict[str, Any], model: Any) -> Page:
        return Page(self, path, {k: v for k, v in params.items() if v is not None}, model)

    def _download(self, path: str, target: str) -> int:
        response = self._send(Options("GET", path), stream=True)
        try:
            if response.status_code >= 400:
                response.read()
                self._raise_for(response)
            written = 0
            with open(target, "wb") as out:
                for chunk in response.iter_bytes():
                    out.write(chunk)
                    written += len(chunk)
            return written
        finally:
            response.close()

    # -- waiting ---------------------------------------------------------------------------

    def _get_call(self, call_id: str) -> Any:
        return self._call(Options("GET", f"/v1/calls/{call_id}"), models.CallView)

    def _follow(self, call_id: str, deadline: float, on_event: Any) -> bool:
        """Follow the live stream until the call's final event: True, or False when streaming is unavailable."""
        last_id: Optional[str] = None
        while time.monotonic() < deadline:
            headers = {"Accept": "text/event-stream"}
            if last_id:
                headers["Last-Event-ID"] = last_id
            remaining = max(0.1, deadline - time.monotonic())
            timeout = httpx.Timeout(min(remaining, 20.0), connect=min(remaining, 10.0))
            try:
                response = self._send(Options("GET", f"/v1/calls/{call_id}/events", headers=headers), True, timeout)
            except APIConnectionError:
                return False
            try:
                if response.status_code in (401, 403, 404):
                    response.read()
                    self._raise_for(response)
                if response.status_code != 200 or "text/event-stream" not in response.headers.get("content-type", ""):
                    return False
                parser = SSEParser()
                for line in response.iter_lines():
                    for event_id, _name, data in parser.feed(line):
                        last_id = event_id or last_id
                        event = parse_event(data)
                        if on_event is not None:
                            on_event(event)
                        if event.get("type") in FINAL_EVENTS:
                            return True
                    if time.monotonic() >= deadline:
                        return False
            except httpx.TimeoutException:
                continue  # quiet for too long: reconnect where we left off
            except httpx.TransportError:
                return False
            finally:
                response.close()
        return False

    def _wait(self, call_id: str, timeout: float, poll_interval: float, on_event: Any, settle: float) -> Any:
        deadline = time.monotonic() + timeout
        call = self._get_call(call_id)
        if call.status not in FINAL_STATUSES:
            self._follow(call_id, deadline, on_event)
            call = self._get_call(call_id)
            seen = call.status
            while call.status not in FINAL_STATUSES:
                if time.monotonic() >= deadline:
                    raise WaitTimeout(f"call {call_id} is still {call.status} after {timeout:g} s", call)
                time.sleep(max(0.05, min(poll_interval, deadline - time.monotonic())))
                call = self._get_call(call_id)
                if on_event is not None and call.status != seen:
                    on_event({"type": f"call.{call.status}", "status": call.status, "call_id": call_id, "polled": True})
                seen = call.status
        settle_until = min(deadline, time.monotonic() + settle)
        while call.answered_at and call.summary is None and time.monotonic() < settle_until:
            time.sleep(0.2)
            call = self._get_call(call_id)
        return call


__all__ = ["Agentline", "Page", "APIError"]
