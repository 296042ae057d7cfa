"""agentline's Python client: `Agentline` (sync) and `AsyncAgentline` (asyncio).

    from agentline import Agentline
    client = Agentline(api_key="al_test_…", base_url="http://127.0.0.1:8080")
    call = client.calls.create(agent_id="agt_…", to="+14155550100")
    result = client.calls.wait(call.id, timeout=120)
    print(result.status, result.summary)
"""
from . import models, webhooks
from ._async import AsyncAgentline, AsyncPage
from ._base import VERSION as __version__
from ._sync import Agentline, Page
from .errors import (
    AgentlineError,
    APIConnectionError,
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
    WaitTimeout,
)
from .webhooks import WebhookVerificationError

__all__ = [
    "Agentline",
    "AsyncAgentline",
    "Page",
    "AsyncPage",
    "models",
    "webhooks",
    "AgentlineError",
    "APIConnectionError",
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "UnprocessableEntityError",
    "WaitTimeout",
    "WebhookVerificationError",
    "__version__",
]
