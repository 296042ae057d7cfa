"""Typed models of the agentline API, generated from docs/openapi.json.

Do not edit: run `python3 clients/python/generate_models.py` after changing the API.
"""
# fmt: off
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Dict, List, Optional, Tuple

from ._model import Model

__all__ = [
    'AddContacts',
    'Added',
    'Agent',
    'AgentInput',
    'AgentSpeech',
    'AgentSummary',
    'Analysis',
    'AnalysisSettings',
    'AnalyzeAccepted',
    'ApiKey',
    'Attempt',
    'Balance',
    'Business',
    'BusinessInput',
    'Call',
    'CallEventRecord',
    'CallEvents',
    'CallView',
    'Campaign',
    'CampaignAttempt',
    'CampaignContact',
    'CampaignEvent',
    'CampaignEvents',
    'CampaignView',
    'Concurrency',
    'Contact',
    'ContactInput',
    'ContactPage',
    'ContactRowBody',
    'Counts',
    'CreateCall',
    'CreateCampaign',
    'CreatedEndpoint',
    'CreatedKey',
    'CredentialsInput',
    'CredentialsList',
    'CreditInput',
    'Deleted',
    'Delivery',
    'DeliveryDetail',
    'DncEntry',
    'DncInput',
    'DtmfInput',
    'Endpoint',
    'EndpointInput',
    'ErrorBody',
    'ErrorObject',
    'HttpTool',
    'KeyInput',
    'KeyView',
    'LedgerEntry',
    'Number',
    'NumberInput',
    'QualityDimensions',
    'RetryRule',
    'RetryRules',
    'RotateInput',
    'SandboxInput',
    'SandboxScript',
    'ScriptBranch',
    'SigningSecret',
    'Success',
    'Transcript',
    'TranscriptTurn',
    'TransferBody',
    'TransferRecord',
    'Trunk',
    'TrunkInput',
    'TwilioCredentials',
    'TwilioInput',
    'TwilioView',
    'UsageRecord',
    'VendorCredentials',
    'WindowBody',
    'AnalysisStatus',
    'ApiKeyMode',
    'CallStatus',
    'CallerIdMode',
    'CampaignStatus',
    'CarrierKind',
    'ContactState',
    'Direction',
    'EndReason',
    'Sentiment',
    'SipTransport',
    'SkipReason',
    'Speaker',
    'TransferFailure',
    'TransferMethod',
    'TransferMode',
    'TransferStatus',
    'Vendor',
]

#: The values of `AnalysisStatus` the server knew when this client was generated (more may come).
AnalysisStatus = ('pending', 'completed', 'failed', 'skipped',)

#: The values of `ApiKeyMode` the server knew when this client was generated (more may come).
ApiKeyMode = ('live', 'test',)

#: The values of `CallStatus` the server knew when this client was generated (more may come).
CallStatus = ('queued', 'initiated', 'ringing', 'answered', 'in_progress', 'completed', 'failed', 'no_answer', 'busy', 'canceled',)

#: The values of `CallerIdMode` the server knew when this client was generated (more may come).
CallerIdMode = ('from', 'p_asserted_identity',)

#: The values of `CampaignStatus` the server knew when this client was generated (more may come).
CampaignStatus = ('draft', 'running', 'paused', 'completed', 'canceled',)

#: The values of `CarrierKind` the server knew when this client was generated (more may come).
CarrierKind = ('sandbox', 'sip', 'twilio',)

#: The values of `ContactState` the server knew when this client was generated (more may come).
ContactState = ('pending', 'waiting_for_window', 'in_progress', 'retry_scheduled', 'completed', 'failed', 'skipped',)

#: The values of `Direction` the server knew when this client was generated (more may come).
Direction = ('outbound', 'inbound',)

#: The values of `EndReason` the server knew when this client was generated (more may come).
EndReason = ('caller_hangup', 'agent_hangup', 'ended_by_api', 'max_duration', 'silence_timeout', 'voicemail', 'busy', 'no_answer', 'rejected', 'carrier_error', 'canceled', 'insufficient_funds', 'server_restart', 'transferred',)

#: The values of `Sentiment` the server knew when this client was generated (more may come).
Sentiment = ('positive', 'neutral', 'negative',)

#: The values of `SipTransport` the server knew when this client was generated (more may come).
SipTransport = ('udp', 'tcp',)

#: The values of `SkipReason` the server knew when this client was generated (more may come).
SkipReason = ('do_not_call', 'invalid_number', 'window_never_open', 'canceled', 'not_placeable',)

#: The values of `Speaker` the server knew when this client was generated (more may come).
Speaker = ('agent', 'caller',)

#: The values of `TransferFailure` the server knew when this client was generated (more may come).
TransferFailure = ('busy', 'no_answer', 'refused', 'hung_up', 'failed',)

#: The values of `TransferMethod` the server knew when this client was generated (more may come).
TransferMethod = ('refer', 'redirect', 'bridge',)

#: The values of `TransferMode` the server knew when this client was generated (more may come).
TransferMode = ('blind', 'warm',)

#: The values of `TransferStatus` the server knew when this client was generated (more may come).
TransferStatus = ('started', 'transferred', 'failed',)

#: The values of `Vendor` the server knew when this client was generated (more may come).
Vendor = ('openai', 'deepgram', 'elevenlabs',)


@dataclass(repr=False)
class AddContacts(Model):
    """Contacts to add as JSON."""

    contacts: Optional[List[ContactRowBody]] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'contacts': ('contacts', 'list_model', 'ContactRowBody'),
    }


@dataclass(repr=False)
class Added(Model):
    """What an upload added."""

    added: Optional[int] = None  # required
    campaign: Optional[CampaignView] = None  # required
    skipped: Optional[int] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'added': ('added', 'plain', None),
        'campaign': ('campaign', 'model', 'CampaignView'),
        'skipped': ('skipped', 'plain', None),
    }


@dataclass(repr=False)
class Agent(Model):
    """A voice agent."""

    analysis: Optional[AnalysisSettings] = None  # required
    assistant_id: Optional[str] = None
    brain: Optional[Dict[str, Any]] = None  # required
    business_id: Optional[str] = None  # required
    created_at: Optional[str] = None  # required
    first_message: Optional[str] = None
    id: Optional[str] = None  # required
    instructions: Optional[str] = None  # required
    language: Optional[str] = None  # required
    max_duration_secs: Optional[int] = None  # required
    metadata: Optional[Dict[str, Any]] = None  # required
    name: Optional[str] = None  # required
    speech: Optional[AgentSpeech] = None  # required
    updated_at: Optional[str] = None  # required
    voice: Optional[str] = None
    voicemail: Optional[Dict[str, Any]] = None
    webhook_url: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'analysis': ('analysis', 'model', 'AnalysisSettings'),
        'assistant_id': ('assistant_id', 'plain', None),
        'brain': ('brain', 'plain', None),
        'business_id': ('business_id', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'first_message': ('first_message', 'plain', None),
        'id': ('id', 'plain', None),
        'instructions': ('instructions', 'plain', None),
        'language': ('language', 'plain', None),
        'max_duration_secs': ('max_duration_secs', 'plain', None),
        'metadata': ('metadata', 'plain', None),
        'name': ('name', 'plain', None),
        'speech': ('speech', 'model', 'AgentSpeech'),
        'updated_at': ('updated_at', 'plain', None),
        'voice': ('voice', 'plain', None),
        'voicemail': ('voicemail', 'plain', None),
        'webhook_url': ('webhook_url', 'plain', None),
    }


@dataclass(repr=False)
class AgentInput(Model):
    """Fields of an agent. On create, `name` is required; on update, absent fields stay as they are
and `null` clears a field that may be empty."""

    analysis: Optional[AnalysisSettings] = None
    assistant_id: Optional[str] = None
    brain: Optional[Dict[str, Any]] = None
    business_id: Optional[str] = None
    first_message: Optional[str] = None
    instructions: Optional[str] = None
    language: Optional[str] = None
    max_duration_secs: Optional[int] = None
    metadata: Optional[Dict[str, Any]] = None
    name: Optional[str] = None
    speech: Optional[AgentSpeech] = None
    voice: Optional[str] = None
    voicemail: Optional[Dict[str, Any]] = None
    webhook_url: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'analysis': ('analysis', 'model', 'AnalysisSettings'),
        'assistant_id': ('assistant_id', 'plain', None),
        'brain': ('brain', 'plain', None),
        'business_id': ('business_id', 'plain', None),
        'first_message': ('first_message', 'plain', None),
        'instructions': ('instructions', 'plain', None),
        'language': ('language', 'plain', None),
        'max_duration_secs': ('max_duration_secs', 'plain', None),
        'metadata': ('metadata', 'plain', None),
        'name': ('name', 'plain', None),
        'speech': ('speech', 'model', 'AgentSpeech'),
        'voice': ('voice', 'plain', None),
        'voicemail': ('voicemail', 'plain', None),
        'webhook_url': ('webhook_url', 'plain', None),
    }


@dataclass(repr=False)
class AgentSpeech(Model):
    """The agent's own speech engines; an unset side uses the server's."""

    stt: Optional[Dict[str, Any]] = None
    tts: Optional[Dict[str, Any]] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'stt': ('stt', 'plain', None),
        'tts': ('tts', 'plain', None),
    }


@dataclass(repr=False)
class AgentSummary(Model):
    """The agent a call uses, in brief."""

    assistant_id: Optional[str] = None
    id: Optional[str] = None  # required
    name: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'assistant_id': ('assistant_id', 'plain', None),
        'id': ('id', 'plain', None),
        'name': ('name', 'plain', None),
    }


@dataclass(repr=False)
class Analysis(Model):
    """A call's analysis as stored on it and sent with `call.analyzed`. The summary and quality
dimensions are top-level fields of the call."""

    error: Optional[str] = None
    model: Optional[str] = None
    reason: Optional[str] = None
    run: Optional[int] = None  # required
    sentiment: Optional[str] = None
    status: Optional[str] = None  # required
    structured_data: Optional[Dict[str, Any]] = None
    success: Optional[Success] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'error': ('error', 'plain', None),
        'model': ('model', 'plain', None),
        'reason': ('reason', 'plain', None),
        'run': ('run', 'plain', None),
        'sentiment': ('sentiment', 'plain', None),
        'status': ('status', 'plain', None),
        'structured_data': ('structured_data', 'plain', None),
        'success': ('success', 'model', 'Success'),
    }


@dataclass(repr=False)
class AnalysisSettings(Model):
    """Which parts of the analysis run, with which model and prompt. Absent fields take their
defaults: the summary runs, the other parts only when asked, and the model is the agent's
`llm` brain's (else the server's `[analysis]` model)."""

    base_url: Optional[str] = None
    enabled: Optional[bool] = None
    model: Optional[str] = None
    prompt: Optional[str] = None
    quality_dimensions: Optional[bool] = None
    sentiment: Optional[bool] = None
    structured_data_schema: Optional[Dict[str, Any]] = None
    success_criteria: Optional[str] = None
    summary: Optional[bool] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'base_url': ('base_url', 'plain', None),
        'enabled': ('enabled', 'plain', None),
        'model': ('model', 'plain', None),
        'prompt': ('prompt', 'plain', None),
        'quality_dimensions': ('quality_dimensions', 'plain', None),
        'sentiment': ('sentiment', 'plain', None),
        'structured_data_schema': ('structured_data_schema', 'plain', None),
        'success_criteria': ('success_criteria', 'plain', None),
        'summary': ('summary', 'plain', None),
    }


@dataclass(repr=False)
class AnalyzeAccepted(Model):
    """The run that was asked for."""

    call_id: Optional[str] = None  # required
    run: Optional[int] = None  # required
    status: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'call_id': ('call_id', 'plain', None),
        'run': ('run', 'plain', None),
        'status': ('status', 'plain', None),
    }


@dataclass(repr=False)
class ApiKey(Model):
    """An API key as listed: everything but the secret."""

    business_id: Optional[str] = None
    created_at: Optional[str] = None  # required
    expires_at: Optional[str] = None
    id: Optional[str] = None  # required
    ip_allowlist: Optional[List[str]] = None  # required
    last_used_at: Optional[str] = None
    mode: Optional[str] = None  # required
    name: Optional[str] = None  # required
    prefix: Optional[str] = None  # required
    revoked_at: Optional[str] = None
    scopes: Optional[List[str]] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'business_id': ('business_id', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'expires_at': ('expires_at', 'plain', None),
        'id': ('id', 'plain', None),
        'ip_allowlist': ('ip_allowlist', 'plain', None),
        'last_used_at': ('last_used_at', 'plain', None),
        'mode': ('mode', 'plain', None),
        'name': ('name', 'plain', None),
        'prefix': ('prefix', 'plain', None),
        'revoked_at': ('revoked_at', 'plain', None),
        'scopes': ('scopes', 'plain', None),
    }


@dataclass(repr=False)
class Attempt(Model):
    """One try at a delivery: what the receiver answered and how long it took."""

    attempt: Optional[int] = None  # required
    created_at: Optional[str] = None  # required
    delivery_id: Optional[str] = None  # required
    error: Optional[str] = None
    id: Optional[str] = None  # required
    latency_ms: Optional[int] = None  # required
    response_excerpt: Optional[str] = None
    status_code: Optional[int] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'attempt': ('attempt', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'delivery_id': ('delivery_id', 'plain', None),
        'error': ('error', 'plain', None),
        'id': ('id', 'plain', None),
        'latency_ms': ('latency_ms', 'plain', None),
        'response_excerpt': ('response_excerpt', 'plain', None),
        'status_code': ('status_code', 'plain', None),
    }


@dataclass(repr=False)
class Balance(Model):
    """The wallet and plan."""

    account_id: Optional[str] = None  # required
    balance_cents: Optional[int] = None  # required
    businesses: Optional[List[Business]] = None  # required
    concurrency_limit: Optional[int] = None  # required
    currency: Optional[str] = None  # required
    phone_numbers: Optional[int] = None  # required
    plan: Optional[str] = None  # required
    rate_cents_per_minute: Optional[int] = None  # required
    subscription_status: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'account_id': ('account_id', 'plain', None),
        'balance_cents': ('balance_cents', 'plain', None),
        'businesses': ('businesses', 'list_model', 'Business'),
        'concurrency_limit': ('concurrency_limit', 'plain', None),
        'currency': ('currency', 'plain', None),
        'phone_numbers': ('phone_numbers', 'plain', None),
        'plan': ('plan', 'plain', None),
        'rate_cents_per_minute': ('rate_cents_per_minute', 'plain', None),
        'subscription_status': ('subscription_status', 'plain', None),
    }


@dataclass(repr=False)
class Business(Model):
    """A business of the account; its name and phone enrich calls (`business_name`, `business_phone`)."""

    created_at: Optional[str] = None  # required
    id: Optional[str] = None  # required
    name: Optional[str] = None  # required
    phone: Optional[str] = None
    timezone: Optional[str] = None
    updated_at: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'created_at': ('created_at', 'plain', None),
        'id': ('id', 'plain', None),
        'name': ('name', 'plain', None),
        'phone': ('phone', 'plain', None),
        'timezone': ('timezone', 'plain', None),
        'updated_at': ('updated_at', 'plain', None),
    }


@dataclass(repr=False)
class BusinessInput(Model):
    """Fields of a business; `name` is required on create."""

    name: Optional[str] = None
    phone: Optional[str] = None
    timezone: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'name': ('name', 'plain', None),
        'phone': ('phone', 'plain', None),
        'timezone': ('timezone', 'plain', None),
    }


@dataclass(repr=False)
class Call(Model):
    """A call as stored."""

    agent_id: Optional[str] = None  # required
    agent_name: Optional[str] = None  # required
    agent_webhook_url: Optional[str] = None
    analysis: Optional[Analysis] = None
    analysis_settings: Optional[AnalysisSettings] = None
    answered_at: Optional[str] = None
    answered_by: Optional[str] = None
    assistant_id: Optional[str] = None
    business_id: Optional[str] = None  # required
    campaign_id: Optional[str] = None
    carrier: Optional[str] = None  # required
    carrier_call_id: Optional[str] = None
    contact_id: Optional[str] = None
    context: Optional[str] = None
    cost_cents: Optional[int] = None
    created_at: Optional[str] = None  # required
    direction: Optional[str] = None  # required
    duration: Optional[int] = None
    end_detail: Optional[str] = None
    end_reason: Optional[str] = None
    ended_at: Optional[str] = None
    first_message: Optional[str] = None
    from_: Optional[str] = None  # required
    from_number_id: Optional[str] = None  # required
    id: Optional[str] = None  # required
    initiated_at: Optional[str] = None
    instructions: Optional[str] = None  # required
    latency: Optional[Dict[str, Any]] = None
    max_duration_secs: Optional[int] = None  # required
    media: Optional[Dict[str, Any]] = None
    metadata: Optional[Dict[str, Any]] = None  # required
    mode: Optional[str] = None  # required
    name: Optional[str] = None
    quality_dimensions: Optional[QualityDimensions] = None
    ring_timeout_secs: Optional[int] = None  # required
    ringing_at: Optional[str] = None
    sandbox: Optional[SandboxScript] = None
    start_at: Optional[str] = None  # required
    status: Optional[str] = None  # required
    summary: Optional[str] = None
    to: Optional[str] = None  # required
    transfer: Optional[TransferRecord] = None
    updated_at: Optional[str] = None  # required
    variables: Optional[Dict[str, Any]] = None  # required
    voice: Optional[str] = None
    webhook_format: Optional[str] = None  # required
    webhook_url: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'agent_id': ('agent_id', 'plain', None),
        'agent_name': ('agent_name', 'plain', None),
        'agent_webhook_url': ('agent_webhook_url', 'plain', None),
        'analysis': ('analysis', 'model', 'Analysis'),
        'analysis_settings': ('analysis_settings', 'model', 'AnalysisSettings'),
        'answered_at': ('answered_at', 'plain', None),
        'answered_by': ('answered_by', 'plain', None),
        'assistant_id': ('assistant_id', 'plain', None),
        'business_id': ('business_id', 'plain', None),
        'campaign_id': ('campaign_id', 'plain', None),
        'carrier': ('carrier', 'plain', None),
        'carrier_call_id': ('carrier_call_id', 'plain', None),
        'contact_id': ('contact_id', 'plain', None),
        'context': ('context', 'plain', None),
        'cost_cents': ('cost_cents', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'direction': ('direction', 'plain', None),
        'duration': ('duration', 'plain', None),
        'end_detail': ('end_detail', 'plain', None),
        'end_reason': ('end_reason', 'plain', None),
        'ended_at': ('ended_at', 'plain', None),
        'first_message': ('first_message', 'plain', None),
        'from_': ('from', 'plain', None),
        'from_number_id': ('from_number_id', 'plain', None),
        'id': ('id', 'plain', None),
        'initiated_at': ('initiated_at', 'plain', None),
        'instructions': ('instructions', 'plain', None),
        'latency': ('latency', 'plain', None),
        'max_duration_secs': ('max_duration_secs', 'plain', None),
        'media': ('media', 'plain', None),
        'metadata': ('metadata', 'plain', None),
        'mode': ('mode', 'plain', None),
        'name': ('name', 'plain', None),
        'quality_dimensions': ('quality_dimensions', 'model', 'QualityDimensions'),
        'ring_timeout_secs': ('ring_timeout_secs', 'plain', None),
        'ringing_at': ('ringing_at', 'plain', None),
        'sandbox': ('sandbox', 'model', 'SandboxScript'),
        'start_at': ('start_at', 'plain', None),
        'status': ('status', 'plain', None),
        'summary': ('summary', 'plain', None),
        'to': ('to', 'plain', None),
        'transfer': ('transfer', 'model', 'TransferRecord'),
        'updated_at': ('updated_at', 'plain', None),
        'variables': ('variables', 'plain', None),
        'voice': ('voice', 'plain', None),
        'webhook_format': ('webhook_format', 'plain', None),
        'webhook_url': ('webhook_url', 'plain', None),
    }


@dataclass(repr=False)
class CallEventRecord(Model):
    """One entry of a call's event log: what webhooks and live streams are fed from."""

    call_id: Optional[str] = None  # required
    created_at: Optional[str] = None  # required
    id: Optional[str] = None  # required
    payload: Optional[Dict[str, Any]] = None  # required
    status: Optional[str] = None  # required
    type: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'call_id': ('call_id', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'id': ('id', 'plain', None),
        'payload': ('payload', 'plain', None),
        'status': ('status', 'plain', None),
        'type': ('type', 'plain', None),
    }


@dataclass(repr=False)
class CallEvents(Model):
    """The call's events, oldest first."""

    data: Optional[List[CallEventRecord]] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'data': ('data', 'list_model', 'CallEventRecord'),
    }


@dataclass(repr=False)
class CallView(Model):
    """A call as the API shows it."""

    agent: Optional[AgentSummary] = None  # required
    agent_id: Optional[str] = None  # required
    agent_name: Optional[str] = None  # required
    agent_webhook_url: Optional[str] = None
    analysis: Optional[Analysis] = None
    analysis_settings: Optional[AnalysisSettings] = None
    answered_at: Optional[str] = None
    answered_by: Optional[str] = None
    assistant_id: Optional[str] = None
    business_id: Optional[str] = None  # required
    campaign_id: Optional[str] = None
    carrier: Optional[str] = None  # required
    carrier_call_id: Optional[str] = None
    concurrency: Optional[Concurrency] = None
    contact_id: Optional[str] = None
    context: Optional[str] = None
    cost_cents: Optional[int] = None
    created_at: Optional[str] = None  # required
    direction: Optional[str] = None  # required
    duration: Optional[int] = None
    end_detail: Optional[str] = None
    end_reason: Optional[str] = None
    ended_at: Optional[str] = None
    estimated_start: Optional[str] = None
    first_message: Optional[str] = None
    from_: Optional[str] = None  # required
    from_number_id: Optional[str] = None  # required
    id: Optional[str] = None  # required
    initiated_at: Optional[str] = None
    instructions: Optional[str] = None  # required
    latency: Optional[Dict[str, Any]] = None
    max_duration_secs: Optional[int] = None  # required
    media: Optional[Dict[str, Any]] = None
    metadata: Optional[Dict[str, Any]] = None  # required
    mode: Optional[str] = None  # required
    name: Optional[str] = None
    quality_dimensions: Optional[QualityDimensions] = None
    queue_position: Optional[int] = None
    recording_url: Optional[str] = None
    ring_timeout_secs: Optional[int] = None  # required
    ringing_at: Optional[str] = None
    sandbox: Optional[SandboxScript] = None
    start_at: Optional[str] = None  # required
    status: Optional[str] = None  # required
    summary: Optional[str] = None
    to: Optional[str] = None  # required
    transfer: Optional[TransferRecord] = None
    type: Optional[str] = None  # required
    updated_at: Optional[str] = None  # required
    variables: Optional[Dict[str, Any]] = None  # required
    voice: Optional[str] = None
    webhook_format: Optional[str] = None  # required
    webhook_url: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'agent': ('agent', 'model', 'AgentSummary'),
        'agent_id': ('agent_id', 'plain', None),
        'agent_name': ('agent_name', 'plain', None),
        'agent_webhook_url': ('agent_webhook_url', 'plain', None),
        'analysis': ('analysis', 'model', 'Analysis'),
        'analysis_settings': ('analysis_settings', 'model', 'AnalysisSettings'),
        'answered_at': ('answered_at', 'plain', None),
        'answered_by': ('answered_by', 'plain', None),
        'assistant_id': ('assistant_id', 'plain', None),
        'business_id': ('business_id', 'plain', None),
        'campaign_id': ('campaign_id', 'plain', None),
        'carrier': ('carrier', 'plain', None),
        'carrier_call_id': ('carrier_call_id', 'plain', None),
        'concurrency': ('concurrency', 'model', 'Concurrency'),
        'contact_id': ('contact_id', 'plain', None),
        'context': ('context', 'plain', None),
        'cost_cents': ('cost_cents', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'direction': ('direction', 'plain', None),
        'duration': ('duration', 'plain', None),
        'end_detail': ('end_detail', 'plain', None),
        'end_reason': ('end_reason', 'plain', None),
        'ended_at': ('ended_at', 'plain', None),
        'estimated_start': ('estimated_start', 'plain', None),
        'first_message': ('first_message', 'plain', None),
        'from_': ('from', 'plain', None),
        'from_number_id': ('from_number_id', 'plain', None),
        'id': ('id', 'plain', None),
        'initiated_at': ('initiated_at', 'plain', None),
        'instructions': ('instructions', 'plain', None),
        'latency': ('latency', 'plain', None),
        'max_duration_secs': ('max_duration_secs', 'plain', None),
        'media': ('media', 'plain', None),
        'metadata': ('metadata', 'plain', None),
        'mode': ('mode', 'plain', None),
        'name': ('name', 'plain', None),
        'quality_dimensions': ('quality_dimensions', 'model', 'QualityDimensions'),
        'queue_position': ('queue_position', 'plain', None),
        'recording_url': ('recording_url', 'plain', None),
        'ring_timeout_secs': ('ring_timeout_secs', 'plain', None),
        'ringing_at': ('ringing_at', 'plain', None),
        'sandbox': ('sandbox', 'model', 'SandboxScript'),
        'start_at': ('start_at', 'plain', None),
        'status': ('status', 'plain', None),
        'summary': ('summary', 'plain', None),
        'to': ('to', 'plain', None),
        'transfer': ('transfer', 'model', 'TransferRecord'),
        'type': ('type', 'plain', None),
        'updated_at': ('updated_at', 'plain', None),
        'variables': ('variables', 'plain', None),
        'voice': ('voice', 'plain', None),
        'webhook_format': ('webhook_format', 'plain', None),
        'webhook_url': ('webhook_url', 'plain', None),
    }


@dataclass(repr=False)
class Campaign(Model):
    """A campaign as stored."""

    agent_id: Optional[str] = None  # required
    business_id: Optional[str] = None  # required
    calls_per_minute: Optional[int] = None  # required
    created_at: Optional[str] = None  # required
    daily_cap_per_number: Optional[int] = None
    end_at: Optional[str] = None
    ended_at: Optional[str] = None
    from_number_ids: Optional[List[str]] = None  # required
    id: Optional[str] = None  # required
    max_concurrent: Optional[int] = None  # required
    mode: Optional[str] = None  # required
    name: Optional[str] = None  # required
    retry: Optional[RetryRules] = None  # required
    start_at: Optional[str] = None
    started_at: Optional[str] = None
    status: Optional[str] = None  # required
    updated_at: Optional[str] = None  # required
    variables: Optional[Dict[str, Any]] = None  # required
    window: Optional[Dict[str, Any]] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'agent_id': ('agent_id', 'plain', None),
        'business_id': ('business_id', 'plain', None),
        'calls_per_minute': ('calls_per_minute', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'daily_cap_per_number': ('daily_cap_per_number', 'plain', None),
        'end_at': ('end_at', 'plain', None),
        'ended_at': ('ended_at', 'plain', None),
        'from_number_ids': ('from_number_ids', 'plain', None),
        'id': ('id', 'plain', None),
        'max_concurrent': ('max_concurrent', 'plain', None),
        'mode': ('mode', 'plain', None),
        'name': ('name', 'plain', None),
        'retry': ('retry', 'model', 'RetryRules'),
        'start_at': ('start_at', 'plain', None),
        'started_at': ('started_at', 'plain', None),
        'status': ('status', 'plain', None),
        'updated_at': ('updated_at', 'plain', None),
        'variables': ('variables', 'plain', None),
        'window': ('window', 'plain', None),
    }


@dataclass(repr=False)
class CampaignAttempt(Model):
    """One attempt at a contact."""

    attempt: Optional[int] = None  # required
    call_id: Optional[str] = None  # required
    end_reason: Optional[str] = None
    outcome: Optional[str] = None
    placed_at: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'attempt': ('attempt', 'plain', None),
        'call_id': ('call_id', 'plain', None),
        'end_reason': ('end_reason', 'plain', None),
        'outcome': ('outcome', 'plain', None),
        'placed_at': ('placed_at', 'plain', None),
    }


@dataclass(repr=False)
class CampaignContact(Model):
    """One contact of a campaign."""

    attempt_count: Optional[int] = None  # required
    attempts: Optional[List[CampaignAttempt]] = None  # required
    call_id: Optional[str] = None
    campaign_id: Optional[str] = None  # required
    contact_id: Optional[str] = None
    created_at: Optional[str] = None  # required
    id: Optional[str] = None  # required
    line: Optional[int] = None
    name: Optional[str] = None
    next_attempt_at: Optional[str] = None
    phone_number: Optional[str] = None  # required
    skip_detail: Optional[str] = None
    skip_reason: Optional[str] = None
    state: Optional[str] = None  # required
    timezone: Optional[str] = None  # required
    updated_at: Optional[str] = None  # required
    variables: Optional[Dict[str, Any]] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'attempt_count': ('attempt_count', 'plain', None),
        'attempts': ('attempts', 'list_model', 'CampaignAttempt'),
        'call_id': ('call_id', 'plain', None),
        'campaign_id': ('campaign_id', 'plain', None),
        'contact_id': ('contact_id', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'id': ('id', 'plain', None),
        'line': ('line', 'plain', None),
        'name': ('name', 'plain', None),
        'next_attempt_at': ('next_attempt_at', 'plain', None),
        'phone_number': ('phone_number', 'plain', None),
        'skip_detail': ('skip_detail', 'plain', None),
        'skip_reason': ('skip_reason', 'plain', None),
        'state': ('state', 'plain', None),
        'timezone': ('timezone', 'plain', None),
        'updated_at': ('updated_at', 'plain', None),
        'variables': ('variables', 'plain', None),
    }


@dataclass(repr=False)
class CampaignEvent(Model):
    """An event of a campaign (`campaign.started`, `campaign.paused`, `campaign.completed` …)."""

    campaign_id: Optional[str] = None  # required
    created_at: Optional[str] = None  # required
    id: Optional[str] = None  # required
    payload: Optional[Dict[str, Any]] = None  # required
    type: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'campaign_id': ('campaign_id', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'id': ('id', 'plain', None),
        'payload': ('payload', 'plain', None),
        'type': ('type', 'plain', None),
    }


@dataclass(repr=False)
class CampaignEvents(Model):
    """A campaign's events."""

    data: Optional[List[CampaignEvent]] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'data': ('data', 'list_model', 'CampaignEvent'),
    }


@dataclass(repr=False)
class CampaignView(Model):
    """A campaign with its live counts."""

    agent_id: Optional[str] = None  # required
    business_id: Optional[str] = None  # required
    calls_per_minute: Optional[int] = None  # required
    counts: Optional[Counts] = None  # required
    created_at: Optional[str] = None  # required
    daily_cap_per_number: Optional[int] = None
    end_at: Optional[str] = None
    ended_at: Optional[str] = None
    from_number_ids: Optional[List[str]] = None  # required
    id: Optional[str] = None  # required
    max_concurrent: Optional[int] = None  # required
    mode: Optional[str] = None  # required
    name: Optional[str] = None  # required
    retry: Optional[RetryRules] = None  # required
    start_at: Optional[str] = None
    started_at: Optional[str] = None
    status: Optional[str] = None  # required
    updated_at: Optional[str] = None  # required
    variables: Optional[Dict[str, Any]] = None  # required
    window: Optional[Dict[str, Any]] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'agent_id': ('agent_id', 'plain', None),
        'business_id': ('business_id', 'plain', None),
        'calls_per_minute': ('calls_per_minute', 'plain', None),
        'counts': ('counts', 'model', 'Counts'),
        'created_at': ('created_at', 'plain', None),
        'daily_cap_per_number': ('daily_cap_per_number', 'plain', None),
        'end_at': ('end_at', 'plain', None),
        'ended_at': ('ended_at', 'plain', None),
        'from_number_ids': ('from_number_ids', 'plain', None),
        'id': ('id', 'plain', None),
        'max_concurrent': ('max_concurrent', 'plain', None),
        'mode': ('mode', 'plain', None),
        'name': ('name', 'plain', None),
        'retry': ('retry', 'model', 'RetryRules'),
        'start_at': ('start_at', 'plain', None),
        'started_at': ('started_at', 'plain', None),
        'status': ('status', 'plain', None),
        'updated_at': ('updated_at', 'plain', None),
        'variables': ('variables', 'plain', None),
        'window': ('window', 'plain', None),
    }


@dataclass(repr=False)
class Concurrency(Model):
    """The account's concurrency figures when the call was read."""

    in_use: Optional[int] = None  # required
    limit: Optional[int] = None  # required
    queued: Optional[int] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'in_use': ('in_use', 'plain', None),
        'limit': ('limit', 'plain', None),
        'queued': ('queued', 'plain', None),
    }


@dataclass(repr=False)
class Contact(Model):
    """A contact or lead."""

    business_id: Optional[str] = None  # required
    created_at: Optional[str] = None  # required
    custom_fields: Optional[Dict[str, Any]] = None  # required
    email: Optional[str] = None
    external_id: Optional[str] = None
    id: Optional[str] = None  # required
    interaction_count: Optional[int] = None  # required
    lead_score: Optional[int] = None
    lead_source: Optional[str] = None
    lead_status: Optional[str] = None
    name: Optional[str] = None
    phone_number: Optional[str] = None  # required
    timezone: Optional[str] = None
    updated_at: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'business_id': ('business_id', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'custom_fields': ('custom_fields', 'plain', None),
        'email': ('email', 'plain', None),
        'external_id': ('external_id', 'plain', None),
        'id': ('id', 'plain', None),
        'interaction_count': ('interaction_count', 'plain', None),
        'lead_score': ('lead_score', 'plain', None),
        'lead_source': ('lead_source', 'plain', None),
        'lead_status': ('lead_status', 'plain', None),
        'name': ('name', 'plain', None),
        'phone_number': ('phone_number', 'plain', None),
        'timezone': ('timezone', 'plain', None),
        'updated_at': ('updated_at', 'plain', None),
    }


@dataclass(repr=False)
class ContactInput(Model):
    """Fields of a contact. `phone_number` is required on create; `null` clears optional fields."""

    business_id: Optional[str] = None
    custom_fields: Optional[Dict[str, Any]] = None
    email: Optional[str] = None
    external_id: Optional[str] = None
    lead_score: Optional[int] = None
    lead_source: Optional[str] = None
    lead_status: Optional[str] = None
    name: Optional[str] = None
    phone_number: Optional[str] = None
    timezone: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'business_id': ('business_id', 'plain', None),
        'custom_fields': ('custom_fields', 'plain', None),
        'email': ('email', 'plain', None),
        'external_id': ('external_id', 'plain', None),
        'lead_score': ('lead_score', 'plain', None),
        'lead_source': ('lead_source', 'plain', None),
        'lead_status': ('lead_status', 'plain', None),
        'name': ('name', 'plain', None),
        'phone_number': ('phone_number', 'plain', None),
        'timezone': ('timezone', 'plain', None),
    }


@dataclass(repr=False)
class ContactPage(Model):
    """A page of a campaign's contacts."""

    data: Optional[List[CampaignContact]] = None  # required
    has_more: Optional[bool] = None  # required
    next_cursor: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'data': ('data', 'list_model', 'CampaignContact'),
        'has_more': ('has_more', 'plain', None),
        'next_cursor': ('next_cursor', 'plain', None),
    }


@dataclass(repr=False)
class ContactRowBody(Model):
    """A contact in a campaign's `contacts`: an existing contact by id, or a row of its own."""

    contact_id: Optional[str] = None
    name: Optional[str] = None
    phone_number: Optional[str] = None
    timezone: Optional[str] = None
    variables: Optional[Dict[str, Any]] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'contact_id': ('contact_id', 'plain', None),
        'name': ('name', 'plain', None),
        'phone_number': ('phone_number', 'plain', None),
        'timezone': ('timezone', 'plain', None),
        'variables': ('variables', 'plain', None),
    }


@dataclass(repr=False)
class Counts(Model):
    """How many contacts are in each state."""

    completed: Optional[int] = None  # required
    failed: Optional[int] = None  # required
    in_progress: Optional[int] = None  # required
    pending: Optional[int] = None  # required
    retry_scheduled: Optional[int] = None  # required
    skipped: Optional[int] = None  # required
    skipped_by_reason: Optional[Dict[str, Any]] = None  # required
    total: Optional[int] = None  # required
    waiting_for_window: Optional[int] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'completed': ('completed', 'plain', None),
        'failed': ('failed', 'plain', None),
        'in_progress': ('in_progress', 'plain', None),
        'pending': ('pending', 'plain', None),
        'retry_scheduled': ('retry_scheduled', 'plain', None),
        'skipped': ('skipped', 'plain', None),
        'skipped_by_reason': ('skipped_by_reason', 'plain', None),
        'total': ('total', 'plain', None),
        'waiting_for_window': ('waiting_for_window', 'plain', None),
    }


@dataclass(repr=False)
class CreateCall(Model):
    """A call to place. Field names of the seeds' APIs are accepted as aliases."""

    agent_id: Optional[str] = None
    analysis: Optional[AnalysisSettings] = None
    contact_id: Optional[str] = None
    context: Optional[str] = None
    first_message: Optional[str] = None
    from_number: Optional[str] = None
    from_number_id: Optional[str] = None
    max_duration: Optional[int] = None
    metadata: Optional[Dict[str, Any]] = None
    name: Optional[str] = None
    ring_timeout: Optional[int] = None
    sandbox: Optional[SandboxInput] = None
    start_at: Optional[str] = None
    system_prompt: Optional[str] = None
    to: Optional[str] = None
    variables: Optional[Dict[str, Any]] = None
    voice: Optional[str] = None
    webhook_format: Optional[str] = None
    webhook_url: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'agent_id': ('agent_id', 'plain', None),
        'analysis': ('analysis', 'model', 'AnalysisSettings'),
        'contact_id': ('contact_id', 'plain', None),
        'context': ('context', 'plain', None),
        'first_message': ('first_message', 'plain', None),
        'from_number': ('from_number', 'plain', None),
        'from_number_id': ('from_number_id', 'plain', None),
        'max_duration': ('max_duration', 'plain', None),
        'metadata': ('metadata', 'plain', None),
        'name': ('name', 'plain', None),
        'ring_timeout': ('ring_timeout', 'plain', None),
        'sandbox': ('sandbox', 'model', 'SandboxInput'),
        'start_at': ('start_at', 'plain', None),
        'system_prompt': ('system_prompt', 'plain', None),
        'to': ('to', 'plain', None),
        'variables': ('variables', 'plain', None),
        'voice': ('voice', 'plain', None),
        'webhook_format': ('webhook_format', 'plain', None),
        'webhook_url': ('webhook_url', 'plain', None),
    }


@dataclass(repr=False)
class CreateCampaign(Model):
    """A campaign to create."""

    agent_id: Optional[str] = None  # required
    calls_per_minute: Optional[int] = None
    contacts: Optional[List[ContactRowBody]] = None
    daily_cap_per_number: Optional[int] = None
    end_at: Optional[str] = None
    from_number_ids: Optional[List[str]] = None
    max_concurrent: Optional[int] = None
    name: Optional[str] = None  # required
    retry: Optional[RetryRules] = None
    start: Optional[bool] = None
    start_at: Optional[str] = None
    variables: Optional[Dict[str, Any]] = None
    window: Optional[WindowBody] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'agent_id': ('agent_id', 'plain', None),
        'calls_per_minute': ('calls_per_minute', 'plain', None),
        'contacts': ('contacts', 'list_model', 'ContactRowBody'),
        'daily_cap_per_number': ('daily_cap_per_number', 'plain', None),
        'end_at': ('end_at', 'plain', None),
        'from_number_ids': ('from_number_ids', 'plain', None),
        'max_concurrent': ('max_concurrent', 'plain', None),
        'name': ('name', 'plain', None),
        'retry': ('retry', 'model', 'RetryRules'),
        'start': ('start', 'plain', None),
        'start_at': ('start_at', 'plain', None),
        'variables': ('variables', 'plain', None),
        'window': ('window', 'model', 'WindowBody'),
    }


@dataclass(repr=False)
class CreatedEndpoint(Model):
    """An endpoint as created: the only listing that includes its secret."""

    created_at: Optional[str] = None  # required
    description: Optional[str] = None
    enabled: Optional[bool] = None  # required
    event_types: Optional[List[str]] = None  # required
    format: Optional[str] = None  # required
    id: Optional[str] = None  # required
    previous_secret_expires_at: Optional[str] = None
    secret: Optional[str] = None  # required
    updated_at: Optional[str] = None  # required
    url: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'created_at': ('created_at', 'plain', None),
        'description': ('description', 'plain', None),
        'enabled': ('enabled', 'plain', None),
        'event_types': ('event_types', 'plain', None),
        'format': ('format', 'plain', None),
        'id': ('id', 'plain', None),
        'previous_secret_expires_at': ('previous_secret_expires_at', 'plain', None),
        'secret': ('secret', 'plain', None),
        'updated_at': ('updated_at', 'plain', None),
        'url': ('url', 'plain', None),
    }


@dataclass(repr=False)
class CreatedKey(Model):
    """A key as created: the only time `key` is shown."""

    business_id: Optional[str] = None
    created_at: Optional[str] = None  # required
    expires_at: Optional[str] = None
    id: Optional[str] = None  # required
    ip_allowlist: Optional[List[str]] = None  # required
    is_active: Optional[bool] = None  # required
    key: Optional[str] = None  # required
    last_used_at: Optional[str] = None
    mode: Optional[str] = None  # required
    name: Optional[str] = None  # required
    prefix: Optional[str] = None  # required
    revoked_at: Optional[str] = None
    scopes: Optional[List[str]] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'business_id': ('business_id', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'expires_at': ('expires_at', 'plain', None),
        'id': ('id', 'plain', None),
        'ip_allowlist': ('ip_allowlist', 'plain', None),
        'is_active': ('is_active', 'plain', None),
        'key': ('key', 'plain', None),
        'last_used_at': ('last_used_at', 'plain', None),
        'mode': ('mode', 'plain', None),
        'name': ('name', 'plain', None),
        'prefix': ('prefix', 'plain', None),
        'revoked_at': ('revoked_at', 'plain', None),
        'scopes': ('scopes', 'plain', None),
    }


@dataclass(repr=False)
class CredentialsInput(Model):
    """A vendor key to store. The key is write-only: it is never shown again."""

    api_key: Optional[str] = None  # required
    base_url: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'api_key': ('api_key', 'plain', None),
        'base_url': ('base_url', 'plain', None),
    }


@dataclass(repr=False)
class CredentialsList(Model):
    """The account's vendor credentials, as shown: never the key."""

    data: Optional[List[VendorCredentials]] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'data': ('data', 'list_model', 'VendorCredentials'),
    }


@dataclass(repr=False)
class CreditInput(Model):
    """Money to add to the wallet."""

    amount_cents: Optional[int] = None  # required
    description: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'amount_cents': ('amount_cents', 'plain', None),
        'description': ('description', 'plain', None),
    }


@dataclass(repr=False)
class Deleted(Model):
    """The answer to a DELETE."""

    deleted: Optional[bool] = None  # required
    id: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'deleted': ('deleted', 'plain', None),
        'id': ('id', 'plain', None),
    }


@dataclass(repr=False)
class Delivery(Model):
    """One event on its way to one URL."""

    attempts: Optional[int] = None  # required
    call_id: Optional[str] = None
    created_at: Optional[str] = None  # required
    delivered_at: Optional[str] = None
    endpoint_id: Optional[str] = None
    event_id: Optional[str] = None  # required
    event_type: Optional[str] = None  # required
    format: Optional[str] = None  # required
    id: Optional[str] = None  # required
    last_error: Optional[str] = None
    last_status_code: Optional[int] = None
    next_attempt_at: Optional[str] = None  # required
    source: Optional[str] = None  # required
    status: Optional[str] = None  # required
    updated_at: Optional[str] = None  # required
    url: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'attempts': ('attempts', 'plain', None),
        'call_id': ('call_id', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'delivered_at': ('delivered_at', 'plain', None),
        'endpoint_id': ('endpoint_id', 'plain', None),
        'event_id': ('event_id', 'plain', None),
        'event_type': ('event_type', 'plain', None),
        'format': ('format', 'plain', None),
        'id': ('id', 'plain', None),
        'last_error': ('last_error', 'plain', None),
        'last_status_code': ('last_status_code', 'plain', None),
        'next_attempt_at': ('next_attempt_at', 'plain', None),
        'source': ('source', 'plain', None),
        'status': ('status', 'plain', None),
        'updated_at': ('updated_at', 'plain', None),
        'url': ('url', 'plain', None),
    }


@dataclass(repr=False)
class DeliveryDetail(Model):
    """A delivery with every attempt at it."""

    attempt_log: Optional[List[Attempt]] = None  # required
    attempts: Optional[int] = None  # required
    call_id: Optional[str] = None
    created_at: Optional[str] = None  # required
    delivered_at: Optional[str] = None
    endpoint_id: Optional[str] = None
    event_id: Optional[str] = None  # required
    event_type: Optional[str] = None  # required
    format: Optional[str] = None  # required
    id: Optional[str] = None  # required
    last_error: Optional[str] = None
    last_status_code: Optional[int] = None
    next_attempt_at: Optional[str] = None  # required
    payload: Optional[Dict[str, Any]] = None  # required
    source: Optional[str] = None  # required
    status: Optional[str] = None  # required
    updated_at: Optional[str] = None  # required
    url: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'attempt_log': ('attempt_log', 'list_model', 'Attempt'),
        'attempts': ('attempts', 'plain', None),
        'call_id': ('call_id', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'delivered_at': ('delivered_at', 'plain', None),
        'endpoint_id': ('endpoint_id', 'plain', None),
        'event_id': ('event_id', 'plain', None),
        'event_type': ('event_type', 'plain', None),
        'format': ('format', 'plain', None),
        'id': ('id', 'plain', None),
        'last_error': ('last_error', 'plain', None),
        'last_status_code': ('last_status_code', 'plain', None),
        'next_attempt_at': ('next_attempt_at', 'plain', None),
        'payload': ('payload', 'plain', None),
        'source': ('source', 'plain', None),
        'status': ('status', 'plain', None),
        'updated_at': ('updated_at', 'plain', None),
        'url': ('url', 'plain', None),
    }


@dataclass(repr=False)
class DncEntry(Model):
    """One number on the Do-Not-Call list."""

    created_at: Optional[str] = None  # required
    id: Optional[str] = None  # required
    phone_number: Optional[str] = None  # required
    reason: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'created_at': ('created_at', 'plain', None),
        'id': ('id', 'plain', None),
        'phone_number': ('phone_number', 'plain', None),
        'reason': ('reason', 'plain', None),
    }


@dataclass(repr=False)
class DncInput(Model):
    """A number to put on the list."""

    phone_number: Optional[str] = None  # required
    reason: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'phone_number': ('phone_number', 'plain', None),
        'reason': ('reason', 'plain', None),
    }


@dataclass(repr=False)
class DtmfInput(Model):
    """Keys to press on an answered call."""

    digits: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'digits': ('digits', 'plain', None),
    }


@dataclass(repr=False)
class Endpoint(Model):
    """An account-level destination for events."""

    created_at: Optional[str] = None  # required
    description: Optional[str] = None
    enabled: Optional[bool] = None  # required
    event_types: Optional[List[str]] = None  # required
    format: Optional[str] = None  # required
    id: Optional[str] = None  # required
    previous_secret_expires_at: Optional[str] = None
    updated_at: Optional[str] = None  # required
    url: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'created_at': ('created_at', 'plain', None),
        'description': ('description', 'plain', None),
        'enabled': ('enabled', 'plain', None),
        'event_types': ('event_types', 'plain', None),
        'format': ('format', 'plain', None),
        'id': ('id', 'plain', None),
        'previous_secret_expires_at': ('previous_secret_expires_at', 'plain', None),
        'updated_at': ('updated_at', 'plain', None),
        'url': ('url', 'plain', None),
    }


@dataclass(repr=False)
class EndpointInput(Model):
    """Fields of an endpoint; `url` is required on create."""

    description: Optional[str] = None
    enabled: Optional[bool] = None
    event_types: Optional[List[str]] = None
    format: Optional[str] = None
    url: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'description': ('description', 'plain', None),
        'enabled': ('enabled', 'plain', None),
        'event_types': ('event_types', 'plain', None),
        'format': ('format', 'plain', None),
        'url': ('url', 'plain', None),
    }


@dataclass(repr=False)
class ErrorBody(Model):
    """The body of every error response."""

    error: Optional[ErrorObject] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'error': ('error', 'model', 'ErrorObject'),
    }


@dataclass(repr=False)
class ErrorObject(Model):
    """What went wrong: a stable `code` for programs and a `message` for people."""

    code: Optional[str] = None  # required
    message: Optional[str] = None  # required
    param: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'code': ('code', 'plain', None),
        'message': ('message', 'plain', None),
        'param': ('param', 'plain', None),
    }


@dataclass(repr=False)
class HttpTool(Model):
    """An HTTP endpoint the LLM may call as a function tool: the model's arguments are POSTed to `url` as JSON and
the response body (its first 4,000 characters) goes back to the model."""

    description: Optional[str] = None
    name: Optional[str] = None  # required
    parameters: Optional[Dict[str, Any]] = None
    timeout_ms: Optional[int] = None
    url: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'description': ('description', 'plain', None),
        'name': ('name', 'plain', None),
        'parameters': ('parameters', 'plain', None),
        'timeout_ms': ('timeout_ms', 'plain', None),
        'url': ('url', 'plain', None),
    }


@dataclass(repr=False)
class KeyInput(Model):
    """A key to create."""

    business_id: Optional[str] = None
    expires_at: Optional[str] = None
    ip_allowlist: Optional[List[str]] = None
    mode: Optional[str] = None
    name: Optional[str] = None
    scopes: Optional[List[str]] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'business_id': ('business_id', 'plain', None),
        'expires_at': ('expires_at', 'plain', None),
        'ip_allowlist': ('ip_allowlist', 'plain', None),
        'mode': ('mode', 'plain', None),
        'name': ('name', 'plain', None),
        'scopes': ('scopes', 'plain', None),
    }


@dataclass(repr=False)
class KeyView(Model):
    """A key as listed."""

    business_id: Optional[str] = None
    created_at: Optional[str] = None  # required
    expires_at: Optional[str] = None
    id: Optional[str] = None  # required
    ip_allowlist: Optional[List[str]] = None  # required
    is_active: Optional[bool] = None  # required
    last_used_at: Optional[str] = None
    mode: Optional[str] = None  # required
    name: Optional[str] = None  # required
    prefix: Optional[str] = None  # required
    revoked_at: Optional[str] = None
    scopes: Optional[List[str]] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'business_id': ('business_id', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'expires_at': ('expires_at', 'plain', None),
        'id': ('id', 'plain', None),
        'ip_allowlist': ('ip_allowlist', 'plain', None),
        'is_active': ('is_active', 'plain', None),
        'last_used_at': ('last_used_at', 'plain', None),
        'mode': ('mode', 'plain', None),
        'name': ('name', 'plain', None),
        'prefix': ('prefix', 'plain', None),
        'revoked_at': ('revoked_at', 'plain', None),
        'scopes': ('scopes', 'plain', None),
    }


@dataclass(repr=False)
class LedgerEntry(Model):
    """One movement of money. `balance_after_cents` makes the ledger auditable line by line."""

    amount_cents: Optional[int] = None  # required
    balance_after_cents: Optional[int] = None  # required
    call_id: Optional[str] = None
    created_at: Optional[str] = None  # required
    description: Optional[str] = None
    id: Optional[str] = None  # required
    kind: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'amount_cents': ('amount_cents', 'plain', None),
        'balance_after_cents': ('balance_after_cents', 'plain', None),
        'call_id': ('call_id', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'description': ('description', 'plain', None),
        'id': ('id', 'plain', None),
        'kind': ('kind', 'plain', None),
    }


@dataclass(repr=False)
class Number(Model):
    """A phone number and how calls from it reach the network."""

    agent_id: Optional[str] = None
    business_id: Optional[str] = None  # required
    carrier: Optional[str] = None  # required
    created_at: Optional[str] = None  # required
    id: Optional[str] = None  # required
    inbound_enabled: Optional[bool] = None  # required
    label: Optional[str] = None
    outbound_enabled: Optional[bool] = None  # required
    phone_number: Optional[str] = None  # required
    trunk_id: Optional[str] = None
    updated_at: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'agent_id': ('agent_id', 'plain', None),
        'business_id': ('business_id', 'plain', None),
        'carrier': ('carrier', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'id': ('id', 'plain', None),
        'inbound_enabled': ('inbound_enabled', 'plain', None),
        'label': ('label', 'plain', None),
        'outbound_enabled': ('outbound_enabled', 'plain', None),
        'phone_number': ('phone_number', 'plain', None),
        'trunk_id': ('trunk_id', 'plain', None),
        'updated_at': ('updated_at', 'plain', None),
    }


@dataclass(repr=False)
class NumberInput(Model):
    """Fields of a phone number. `phone_number` is required on create and fixed afterwards."""

    agent_id: Optional[str] = None
    business_id: Optional[str] = None
    carrier: Optional[str] = None
    inbound_enabled: Optional[bool] = None
    label: Optional[str] = None
    outbound_enabled: Optional[bool] = None
    phone_number: Optional[str] = None
    trunk_id: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'agent_id': ('agent_id', 'plain', None),
        'business_id': ('business_id', 'plain', None),
        'carrier': ('carrier', 'plain', None),
        'inbound_enabled': ('inbound_enabled', 'plain', None),
        'label': ('label', 'plain', None),
        'outbound_enabled': ('outbound_enabled', 'plain', None),
        'phone_number': ('phone_number', 'plain', None),
        'trunk_id': ('trunk_id', 'plain', None),
    }


@dataclass(repr=False)
class QualityDimensions(Model):
    """How well the agent handled the call, each 0–100."""

    empathy: Optional[int] = None  # required
    information_gathering: Optional[int] = None  # required
    professionalism: Optional[int] = None  # required
    resolution: Optional[int] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'empathy': ('empathy', 'plain', None),
        'information_gathering': ('information_gathering', 'plain', None),
        'professionalism': ('professionalism', 'plain', None),
        'resolution': ('resolution', 'plain', None),
    }


@dataclass(repr=False)
class RetryRule(Model):
    """When and how often one outcome is tried again."""

    delay_minutes: Optional[int] = None  # required
    max_attempts: Optional[int] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'delay_minutes': ('delay_minutes', 'plain', None),
        'max_attempts': ('max_attempts', 'plain', None),
    }


@dataclass(repr=False)
class RetryRules(Model):
    """Retry rules per outcome. An answered call is never retried."""

    busy: Optional[RetryRule] = None
    failed: Optional[RetryRule] = None
    no_answer: Optional[RetryRule] = None
    voicemail: Optional[RetryRule] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'busy': ('busy', 'model', 'RetryRule'),
        'failed': ('failed', 'model', 'RetryRule'),
        'no_answer': ('no_answer', 'model', 'RetryRule'),
        'voicemail': ('voicemail', 'model', 'RetryRule'),
    }


@dataclass(repr=False)
class RotateInput(Model):
    """How long the old secret keeps signing after a rotation."""

    grace_period_secs: Optional[int] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'grace_period_secs': ('grace_period_secs', 'plain', None),
    }


@dataclass(repr=False)
class SandboxInput(Model):
    """What a test call's sandbox callee should do."""

    callee_lines: Optional[List[str]] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'callee_lines': ('callee_lines', 'plain', None),
    }


@dataclass(repr=False)
class SandboxScript(Model):
    """What a test call's sandbox callee says instead of its usual lines, one per turn, hanging up
after the last (`"sandbox": {"callee_lines": [...]}` on `POST /v1/calls`, test keys only).
The transcript then shows what the agent heard of them."""

    callee_lines: Optional[List[str]] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'callee_lines': ('callee_lines', 'plain', None),
    }


@dataclass(repr=False)
class ScriptBranch(Model):
    """One keyword branch of a script."""

    end_call: Optional[bool] = None
    keywords: Optional[List[str]] = None  # required
    reply: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'end_call': ('end_call', 'plain', None),
        'keywords': ('keywords', 'plain', None),
        'reply': ('reply', 'plain', None),
    }


@dataclass(repr=False)
class SigningSecret(Model):
    """A signing secret."""

    previous_secret_expires_at: Optional[str] = None
    secret: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'previous_secret_expires_at': ('previous_secret_expires_at', 'plain', None),
        'secret': ('secret', 'plain', None),
    }


@dataclass(repr=False)
class Success(Model):
    """How the call scored against its `success_criteria`."""

    passed: Optional[bool] = None  # required
    reason: Optional[str] = None  # required
    score: Optional[int] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'passed': ('passed', 'plain', None),
        'reason': ('reason', 'plain', None),
        'score': ('score', 'plain', None),
    }


@dataclass(repr=False)
class Transcript(Model):
    """A call's transcript so far."""

    call_id: Optional[str] = None  # required
    status: Optional[str] = None  # required
    text: Optional[str] = None  # required
    turns: Optional[List[TranscriptTurn]] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'call_id': ('call_id', 'plain', None),
        'status': ('status', 'plain', None),
        'text': ('text', 'plain', None),
        'turns': ('turns', 'list_model', 'TranscriptTurn'),
    }


@dataclass(repr=False)
class TranscriptTurn(Model):
    """One turn of a call's conversation."""

    end_ms: Optional[int] = None  # required
    interrupted: Optional[bool] = None  # required
    seq: Optional[int] = None  # required
    speaker: Optional[str] = None  # required
    start_ms: Optional[int] = None  # required
    text: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'end_ms': ('end_ms', 'plain', None),
        'interrupted': ('interrupted', 'plain', None),
        'seq': ('seq', 'plain', None),
        'speaker': ('speaker', 'plain', None),
        'start_ms': ('start_ms', 'plain', None),
        'text': ('text', 'plain', None),
    }


@dataclass(repr=False)
class TransferBody(Model):
    """`POST /v1/calls/{id}/transfer`."""

    mode: Optional[str] = None
    to: Optional[str] = None  # required
    whisper: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'mode': ('mode', 'plain', None),
        'to': ('to', 'plain', None),
        'whisper': ('whisper', 'plain', None),
    }


@dataclass(repr=False)
class TransferRecord(Model):
    """The call's latest transfer, as shown on the call (`transfer`)."""

    bridged_at: Optional[str] = None
    failure: Optional[str] = None
    method: Optional[str] = None
    mode: Optional[str] = None  # required
    started_at: Optional[str] = None  # required
    status: Optional[str] = None  # required
    to: Optional[str] = None  # required
    whisper: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'bridged_at': ('bridged_at', 'plain', None),
        'failure': ('failure', 'plain', None),
        'method': ('method', 'plain', None),
        'mode': ('mode', 'plain', None),
        'started_at': ('started_at', 'plain', None),
        'status': ('status', 'plain', None),
        'to': ('to', 'plain', None),
        'whisper': ('whisper', 'plain', None),
    }


@dataclass(repr=False)
class Trunk(Model):
    """A SIP trunk. The password is write-only: it is never serialised, logged or shown."""

    caller_id_mode: Optional[str] = None  # required
    created_at: Optional[str] = None  # required
    from_domain: Optional[str] = None
    has_password: Optional[bool] = None  # required
    headers: Optional[Dict[str, Any]] = None  # required
    host: Optional[str] = None  # required
    id: Optional[str] = None  # required
    name: Optional[str] = None  # required
    port: Optional[int] = None  # required
    transport: Optional[str] = None  # required
    updated_at: Optional[str] = None  # required
    username: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'caller_id_mode': ('caller_id_mode', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'from_domain': ('from_domain', 'plain', None),
        'has_password': ('has_password', 'plain', None),
        'headers': ('headers', 'plain', None),
        'host': ('host', 'plain', None),
        'id': ('id', 'plain', None),
        'name': ('name', 'plain', None),
        'port': ('port', 'plain', None),
        'transport': ('transport', 'plain', None),
        'updated_at': ('updated_at', 'plain', None),
        'username': ('username', 'plain', None),
    }


@dataclass(repr=False)
class TrunkInput(Model):
    """Fields of a SIP trunk. `name` and `host` are required on create."""

    caller_id_mode: Optional[str] = None
    from_domain: Optional[str] = None
    headers: Optional[Dict[str, Any]] = None
    host: Optional[str] = None
    name: Optional[str] = None
    password: Optional[str] = None
    port: Optional[int] = None
    transport: Optional[str] = None
    username: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'caller_id_mode': ('caller_id_mode', 'plain', None),
        'from_domain': ('from_domain', 'plain', None),
        'headers': ('headers', 'plain', None),
        'host': ('host', 'plain', None),
        'name': ('name', 'plain', None),
        'password': ('password', 'plain', None),
        'port': ('port', 'plain', None),
        'transport': ('transport', 'plain', None),
        'username': ('username', 'plain', None),
    }


@dataclass(repr=False)
class TwilioCredentials(Model):
    """An account's Twilio credentials."""

    account_sid: Optional[str] = None  # required
    created_at: Optional[str] = None  # required
    updated_at: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'account_sid': ('account_sid', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'updated_at': ('updated_at', 'plain', None),
    }


@dataclass(repr=False)
class TwilioInput(Model):
    """Twilio credentials to store. The auth token is write-only: it is never shown again."""

    account_sid: Optional[str] = None  # required
    auth_token: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'account_sid': ('account_sid', 'plain', None),
        'auth_token': ('auth_token', 'plain', None),
    }


@dataclass(repr=False)
class TwilioView(Model):
    """The account's Twilio set-up, as shown: never the token."""

    account_sid: Optional[str] = None  # required
    created_at: Optional[str] = None  # required
    updated_at: Optional[str] = None  # required
    voice_url: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'account_sid': ('account_sid', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'updated_at': ('updated_at', 'plain', None),
        'voice_url': ('voice_url', 'plain', None),
    }


@dataclass(repr=False)
class UsageRecord(Model):
    """One API request as logged."""

    call_id: Optional[str] = None
    completion_tokens: Optional[int] = None
    cost_cents: Optional[int] = None  # required
    created_at: Optional[str] = None  # required
    endpoint: Optional[str] = None  # required
    id: Optional[str] = None  # required
    key_id: Optional[str] = None
    method: Optional[str] = None  # required
    prompt_tokens: Optional[int] = None
    status_code: Optional[int] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'call_id': ('call_id', 'plain', None),
        'completion_tokens': ('completion_tokens', 'plain', None),
        'cost_cents': ('cost_cents', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'endpoint': ('endpoint', 'plain', None),
        'id': ('id', 'plain', None),
        'key_id': ('key_id', 'plain', None),
        'method': ('method', 'plain', None),
        'prompt_tokens': ('prompt_tokens', 'plain', None),
        'status_code': ('status_code', 'plain', None),
    }


@dataclass(repr=False)
class VendorCredentials(Model):
    """An account's key (and optional endpoint) for one vendor."""

    base_url: Optional[str] = None
    created_at: Optional[str] = None  # required
    has_api_key: Optional[bool] = None  # required
    provider: Optional[str] = None  # required
    updated_at: Optional[str] = None  # required

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'base_url': ('base_url', 'plain', None),
        'created_at': ('created_at', 'plain', None),
        'has_api_key': ('has_api_key', 'plain', None),
        'provider': ('provider', 'plain', None),
        'updated_at': ('updated_at', 'plain', None),
    }


@dataclass(repr=False)
class WindowBody(Model):
    """A calling window as the API takes and shows it."""

    days: Optional[List[str]] = None
    end: Optional[str] = None
    start: Optional[str] = None

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {
        'days': ('days', 'plain', None),
        'end': ('end', 'plain', None),
        'start': ('start', 'plain', None),
    }
