"""What the sync and async clients share: configuration, requests, retries, answers."""
from __future__ import annotations

import json
import os
import random
import uuid
from typing import Any, Dict, Iterator, List, Optional, Tuple

import httpx

from .errors import APIError, error_for

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 2
IDEMPOTENT_METHODS = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}
#: Statuses worth another try: rate limits (nothing was done) and faults of the server.
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
#: A status at which the call has ended.
FINAL_STATUSES = {"completed", "failed", "no_answer", "busy", "canceled"}
FINAL_EVENTS = {"call.completed", "call.failed"}

try:
    from importlib.metadata import version as _version

    VERSION = _version("agentline")
except Exception:  # pragma: no cover - not installed (running from a checkout)
    VERSION = "0.0.0"


class Options:
    """The settings of one request."""

    def __init__(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Dict[str, Any]] = None,
        body: Any = None,
        headers: Optional[Dict[str, str]] = None,
        idempotency_key: Optional[str] = None,
    ) -> None:
        self.method = method
        self.path = path
        self.params = {k: v for k, v in (params or {}).items() if v is not None}
        self.body = body
        self.headers = dict(headers or {})
        if idempotency_key:
            self.headers["Idempotency-Key"] = idempotency_key

    @property
    def retryable_on_fault(self) -> bool:
        """A request that may be sent again after a 5xx or a lost connection without doing twice."""
        return self.method in IDEMPOTENT_METHODS or "Idempotency-Key" in self.headers


class BaseClient:
    def __init__(
        self,
        api_key: Optional[str],
        base_url: Optional[str],
        timeout: float,
        max_retries: int,
    ) -> None:
        api_key = api_key or os.environ.get("AGENTLINE_API_KEY")
        if not api_key:
            raise ValueError("an API key is needed: pass api_key=… or set AGENTLINE_API_KEY")
        self.api_key = api_key
        self.base_url = (base_url or os.environ.get("AGENTLINE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries

    def _headers(self) -> Dict[str, str]:
        return {
            "Authorization": f"Bearer {self.api_key}",
            "Accept": "application/json",
            "User-Agent": f"agentline-python/{VERSION}",
        }

    def _build(self, opts: Options) -> Dict[str, Any]:
        headers = self._headers()
        headers.update(opts.headers)
        kwargs: Dict[str, Any] = {"params": opts.params, "headers": headers}
        if isinstance(opts.body, (bytes, str)) and "Content-Type" in opts.headers:
            # A body of its own type (a CSV file), sent as given.
            kwargs["content"] = opts.body.encode() if isinstance(opts.body, str) else opts.body
        elif opts.body is not None:
            kwargs["content"] = json.dumps(opts.body).encode()
            headers["Content-Type"] = "application/json"
        return kwargs

    def _retry_delay(self, attempt: int, response: Optional[httpx.Response], opts: Options) -> Optional[float]:
        """Seconds to wait before trying again, or None when the answer is final."""
        if attempt >= self.max_retries:
            return None
        if response is not None:
            if response.status_code not in RETRY_STATUSES:
                return None
            if response.status_code != 429 and not opts.retryable_on_fault:
                return None
            retry_after = response.headers.get("retry-after")
            if retry_after is not None:
                try:
                    wait = float(retry_after)
                except ValueError:
                    wait = None
                if wait is not None:
                    # A long wait is the caller's choice to make: hand back the RateLimitError.
                    return wait if wait <= 60 else None
        elif not opts.retryable_on_fault:
            return None
        return min(8.0, 0.5 * 2**attempt) * (0.75 + random.random() / 2)

    @staticmethod
    def _decode(response: httpx.Response) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text

    def _raise_for(self, response: httpx.Response) -> None:
        if response.status_code >= 400:
            raise error_for(response.status_code, self._decode(response), dict(response.headers))

    def _answer(self, response: httpx.Response) -> Any:
        self._raise_for(response)
        body = self._decode(response)
        if response.status_code != 204 and body is not None and not isinstance(body, (dict, list)):
            raise APIError(response.status_code, "invalid_response", "the server's answer is not JSON", body=body)
        return body


def new_idempotency_key() -> str:
    return f"agentline-python-{uuid.uuid4()}"


def cast(model: Any, body: Any) -> Any:
    if model is None or body is None:
        return body
    return model.from_dict(body)


def page_params(params: Dict[str, Any], cursor: Optional[str]) -> Dict[str, Any]:
    out = dict(params)
    if cursor:
        out["after"] = cursor
    return out


def page_items(model: Any, body: Any) -> Tuple[List[Any], Optional[str]]:
    """A list page's items and the cursor of the next page (None on the last)."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise APIError(200, "invalid_response", "a list answer without `data`", body=body)
    items = [cast(model, item) for item in body["data"]]
    cursor = body.get("next_cursor") if body.get("has_more") else None
    return items, cursor


class SSEParser:
    """Server-Sent Events, line by line: yields (id, event, data) for each message."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.id: Optional[str] = None
        self.event: Optional[str] = None
        self.data: List[str] = []

    def feed(self, line: str) -> Iterator[Tuple[Optional[str], Optional[str], str]]:
        line = line.rstrip("\r\n")
        if line == "":
            if self.data or self.event:
                yield self.id, self.event, "\n".join(self.data)
            self._reset()
            return
        if line.startswith(":"):
            return
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "data":
            self.data.append(value)
        elif field == "event":
            self.event = value
        elif field == "id":
            self.id = value


def parse_event(data: str) -> Dict[str, Any]:
    try:
        event = json.loads(data)
    except ValueError:
        return {"raw": data}
    return event if isinstance(event, dict) else {"raw": event}
