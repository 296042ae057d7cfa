"""Exceptions raised by the client."""
from __future__ import annotations

from typing import Any, Dict, Optional


class AgentlineError(Exception):
    """The base of every error this package raises."""


class APIConnectionError(AgentlineError):
    """The server could not be reached, or the connection failed mid-request."""


class WaitTimeout(AgentlineError, TimeoutError):
    """`calls.wait` gave up before the call ended; `.call` is the call as last seen."""

    def __init__(self, message: str, call: Any = None) -> None:
        super().__init__(message)
        self.call = call


class APIError(AgentlineError):
    """The server answered with an error: `status` (HTTP), `code` (stable), `message` (for people)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        param: Optional[str] = None,
        body: Any = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.body = body
        self.headers = headers or {}
        self.request_id = self.headers.get("x-request-id")

    @property
    def details(self) -> Dict[str, Any]:
        """The error object with any extra fields (such as `balance_cents` for `insufficient_funds`)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return self.body["error"]
        return {}


class BadRequestError(APIError):
    """400: a field or parameter is wrong (`param` names it)."""


class AuthenticationError(APIError):
    """401: no key, or the key is unknown, revoked or expired."""


class PaymentRequiredError(APIError):
    """402: the wallet cannot pay (`insufficient_funds`)."""


class PermissionDeniedError(APIError):
    """403: the key lacks a scope, or the request is otherwise not allowed (`do_not_call`)."""


class NotFoundError(APIError):
    """404: no such resource in the account."""


class ConflictError(APIError):
    """409: the resource's state forbids it (`call_already_ended`, `already_exists`)."""


class UnprocessableEntityError(APIError):
    """422: for example `idempotency_key_reused`."""


class RateLimitError(APIError):
    """429: over a rate limit or the call queue; `retry_after` is the server's wait in seconds."""

    @property
    def retry_after(self) -> Optional[float]:
        value = self.headers.get("retry-after")
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None


class InternalServerError(APIError):
    """5xx: a fault of the server."""


_BY_STATUS = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_for(status: int, body: Any, headers: Dict[str, str]) -> APIError:
    """The exception for an error answer, tolerant of bodies that are not the documented shape."""
    code, message, param = "unknown_error", f"HTTP {status}", None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        code = str(err.get("code") or code)
        message = str(err.get("message") or message)
        param = err.get("param")
    elif isinstance(body, str) and body.strip():
        message = body.strip()[:500]
    cls = _BY_STATUS.get(status) or (InternalServerError if status >= 500 else APIError)
    return cls(status, code, message, param=param, body=body, headers=headers)
