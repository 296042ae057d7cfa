"""Verifying agentline's webhook deliveries (Standard Webhooks signatures)."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any, Mapping, Optional, Union

from .errors import AgentlineError

TOLERANCE_SECS = 5 * 60


class WebhookVerificationError(AgentlineError):
    """The delivery's signature or timestamp does not check out: do not trust its body."""


def _header(headers: Mapping[str, Any], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    raise WebhookVerificationError(f"the {name} header is missing")


def verify(
    body: Union[bytes, str],
    headers: Mapping[str, Any],
    secret: str,
    *,
    tolerance: int = TOLERANCE_SECS,
    now: Optional[float] = None,
) -> Any:
    """Check a delivery and answer its parsed JSON body; raise `WebhookVerificationError` if it is not genuine.

    `body` must be the raw body exactly as received; `headers` any mapping holding
    `webhook-id`, `webhook-timestamp` and `webhook-signature` (case-insensitive); `secret` the
    endpoint's `whsec_…` secret.
    """
    raw = body.encode() if isinstance(body, str) else bytes(body)
    if not secret.startswith("whsec_"):
        raise WebhookVerificationError("the secret is not a whsec_ secret")
    try:
        key = base64.b64decode(secret[len("whsec_") :], validate=True)
    except (binascii.Error, ValueError) as err:
        raise WebhookVerificationError("the secret is not valid base64") from err
    msg_id = _header(headers, "webhook-id")
    timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    try:
        sent_at = int(timestamp)
    except ValueError as err:
        raise WebhookVerificationError("webhook-timestamp is not a number") from err
    clock = time.time() if now is None else now
    if abs(clock - sent_at) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is too far from now")
    signed = f"{msg_id}.{timestamp}.".encode() + raw
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for entry in signatures.split():
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            try:
                return json.loads(raw) if raw else None
            except ValueError:
                return raw.decode("utf-8", "replace")
    raise WebhookVerificationError("no signature matches")
