// Types of the agentline API, generated from docs/openapi.json.
// Do not edit: run `node clients/typescript/scripts/generate-models.mjs` after changing the API.
/* eslint-disable */

/** Contacts to add as JSON. */
export interface AddContacts {
  contacts: Array<ContactRowBody>;
}

/** What an upload added. */
export interface Added {
  /** Rows added (skipped ones included). */
  added: number;
  campaign: CampaignView;
  /** Rows added as skipped: `invalid_number` or `do_not_call`. */
  skipped: number;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** A voice agent. */
export interface Agent {
  /** What is worked out after each call (summary, quality, extracted data, success), and by which model. */
  analysis: AnalysisSettings;
  /** Your own id for this agent (for example the id in another platform); unique per account. */
  assistant_id?: string | null;
  brain: Brain;
  business_id: BusinessId;
  created_at: Timestamp;
  /** What the agent says when the callee answers (a template too). */
  first_message?: string | null;
  id: AgentId;
  /** The system prompt; `{{variable}}` placeholders are filled from each call's variables. */
  instructions: string;
  /** BCP 47 language tag for speech recognition and synthesis. */
  language: string;
  /** Calls end after this many seconds unless the call sets its own limit. */
  max_duration_secs: number;
  metadata: Record<string, unknown>;
  name: string;
  /** Speech engines of the agent's own, instead of the server's. */
  speech: AgentSpeech;
  updated_at: Timestamp;
  voice?: string | null;
  voicemail?: Voicemail | null;
  /** Where this agent's call events are also delivered. */
  webhook_url?: string | null;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

export type AgentId = string;

/** Fields of an agent. On create, `name` is required; on update, absent fields stay as they are
 * and `null` clears a field that may be empty. */
export interface AgentInput {
  /** What a model works out after each call (summary, quality dimensions, data extracted against
   * `structured_data_schema`, success against `success_criteria`, sentiment) and which model;
   * `{}` returns to the defaults (the summary, by the agent's `llm` brain or the server's model). */
  analysis?: AnalysisSettings;
  assistant_id?: string | null;
  brain?: Brain;
  /** Create only: the business the agent belongs to (default: the key's, or the account's first). */
  business_id?: BusinessId;
  first_message?: string | null;
  /** The system prompt, with `{{variable}}` placeholders. Also accepted as `model_instructions`. */
  instructions?: string;
  language?: string;
  max_duration_secs?: number;
  metadata?: Record<string, unknown>;
  name?: string;
  /** The agent's own speech engines instead of the server's: a vendor (`deepgram`, `openai`,
   * `elevenlabs`, using the account's `/v1/credentials` key, else the server's), an offline
   * engine (`local`, `piper`, `espeak`) or a `stand_in` for tests and benchmarks; `{}` returns
   * to the server's. */
  speech?: AgentSpeech;
  voice?: string | null;
  voicemail?: Voicemail | null;
  webhook_url?: string | null;
}

/** The agent's own speech engines; an unset side uses the server's. */
export interface AgentSpeech {
  stt?: SttEngine | null;
  tts?: TtsEngine | null;
}

/** The agent a call uses, in brief. */
export interface AgentSummary {
  assistant_id?: string | null;
  id: string;
  name: string;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** A call's analysis as stored on it and sent with `call.analyzed`. The summary and quality
 * dimensions are top-level fields of the call. */
export interface Analysis {
  /** Why a `failed` analysis failed. */
  error?: string | null;
  /** The model that answered (or was asked). */
  model?: string | null;
  /** Why a `skipped` analysis did not run. */
  reason?: string | null;
  /** 1 for the run after the call, then one more for each `POST /v1/calls/{id}/analyze`. */
  run: number;
  sentiment?: Sentiment | null;
  status: AnalysisStatus;
  /** What the model extracted, valid against `structured_data_schema`. */
  structured_data?: Record<string, unknown> | null;
  success?: Success | null;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** Which parts of the analysis run, with which model and prompt. Absent fields take their
 * defaults: the summary runs, the other parts only when asked, and the model is the agent's
 * `llm` brain's (else the server's `[analysis]` model). */
export interface AnalysisSettings {
  /** An OpenAI-compatible server, up to (not including) `/chat/completions`. */
  base_url?: string | null;
  /** `false` skips the analysis of every call (default `true`). */
  enabled?: boolean | null;
  model?: string | null;
  /** Replaces the built-in instructions to the model (the parts asked for and the transcript
   * are always added). */
  prompt?: string | null;
  /** `professionalism`, `empathy`, `information_gathering` and `resolution`, each 0–100 (default `false`). */
  quality_dimensions?: boolean | null;
  /** The callee's sentiment: `positive`, `neutral` or `negative` (default `false`). */
  sentiment?: boolean | null;
  /** A JSON Schema (an object schema, at most 16 KiB, no remote `$ref`) the extracted
   * `structured_data` must satisfy. */
  structured_data_schema?: Record<string, unknown> | null;
  /** A rubric in plain words; the model says whether the call passed it, with a score and a reason. */
  success_criteria?: string | null;
  /** A few sentences on what happened in the call (default `true`). */
  summary?: boolean | null;
}

/** Where a call's analysis stands. */
export type AnalysisStatus = "pending" | "completed" | "failed" | "skipped" | (string & {});

/** The run that was asked for. */
export interface AnalyzeAccepted {
  call_id: string;
  /** The new run's number: `analysis.run` on the call and in `call.analyzed`. */
  run: number;
  /** `pending`: the analysis worker will run it, then send `call.analyzed`. */
  status: string;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** An API key as listed: everything but the secret. */
export interface ApiKey {
  business_id?: BusinessId | null;
  created_at: Timestamp;
  expires_at?: Timestamp | null;
  id: KeyId;
  /** Addresses or CIDR blocks the key may be used from; empty means anywhere. */
  ip_allowlist: Array<string>;
  last_used_at?: Timestamp | null;
  mode: ApiKeyMode;
  name: string;
  /** The first characters of the key, to tell keys apart. */
  prefix: string;
  revoked_at?: Timestamp | null;
  scopes: Array<string>;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** Live keys reach real carriers and are billed; test keys only ever use the sandbox. */
export type ApiKeyMode = "live" | "test" | (string & {});

/** One try at a delivery: what the receiver answered and how long it took. */
export interface Attempt {
  attempt: number;
  created_at: Timestamp;
  delivery_id: DeliveryId;
  error?: string | null;
  id: AttemptId;
  latency_ms: number;
  /** The first 500 bytes of the response body. */
  response_excerpt?: string | null;
  status_code?: number | null;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

export type AttemptId = string;

/** The wallet and plan. */
export interface Balance {
  account_id: string;
  balance_cents: number;
  businesses: Array<Business>;
  concurrency_limit: number;
  currency: string;
  phone_numbers: number;
  plan: string;
  /** Price of one call minute. */
  rate_cents_per_minute: number;
  subscription_status: string;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** The agent's brain, chosen per agent. */
export type Brain = {
  branches?: Array<ScriptBranch>;
  fallback?: string | null;
  goodbye?: string | null;
  /** Caller turns after which the script says goodbye and hangs up. */
  max_turns?: number;
  type: "script";
  /** Fields added by a newer server. */
  [field: string]: unknown;
} | {
  base_url: string;
  /** Said when the model is slow or fails, so the caller never hears dead air. */
  fallback_phrase?: string | null;
  /** How long to wait for the first streamed data before saying the fallback phrase. */
  first_token_timeout_ms?: number;
  max_tokens?: number | null;
  model: string;
  temperature?: number | null;
  /** Your HTTP endpoints the model may call, besides the built-in `end_call`, `transfer_call` and `send_dtmf`. */
  tools?: Array<HttpTool>;
  type: "llm";
  /** Fields added by a newer server. */
  [field: string]: unknown;
} | {
  delay_ms?: number;
  reply: string;
  type: "stand_in";
  /** Fields added by a newer server. */
  [field: string]: unknown;
} | {
  /** Said when your server is slow or fails, so the caller never hears dead air. */
  fallback_phrase?: string | null;
  timeout_ms?: number;
  type: "webhook";
  url: string;
  /** Fields added by a newer server. */
  [field: string]: unknown;
};

/** A business of the account; its name and phone enrich calls (`business_name`, `business_phone`). */
export interface Business {
  created_at: Timestamp;
  id: BusinessId;
  name: string;
  phone?: string | null;
  timezone?: string | null;
  updated_at: Timestamp;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

export type BusinessId = string;

/** Fields of a business; `name` is required on create. */
export interface BusinessInput {
  name?: string;
  /** The office phone callers are given (`business_phone` in call variables). */
  phone?: string | null;
  timezone?: string | null;
}

/** A call as stored. */
export interface Call {
  agent_id: AgentId;
  agent_name: string;
  /** The agent's webhook URL when the call was placed. */
  agent_webhook_url?: string | null;
  analysis?: Analysis | null;
  analysis_settings?: AnalysisSettings | null;
  answered_at?: Timestamp | null;
  /** Who answered an outbound call with audio: `human`, `machine` or `unknown` (none until decided). */
  answered_by?: string | null;
  assistant_id?: string | null;
  business_id: BusinessId;
  campaign_id?: CampaignId | null;
  carrier: CarrierKind;
  /** The carrier's own id for the call (Twilio's `CallSid`), once it has one. */
  carrier_call_id?: string | null;
  contact_id?: ContactId | null;
  context?: string | null;
  cost_cents?: number | null;
  created_at: Timestamp;
  /** `outbound` or `inbound`. */
  direction: Direction;
  /** Seconds from answer to end, rounded up; 0 for unanswered calls. */
  duration?: number | null;
  /** More about the end, such as the SIP status line. */
  end_detail?: string | null;
  end_reason?: EndReason | null;
  ended_at?: Timestamp | null;
  first_message?: string | null;
  from: PhoneNumber;
  from_number_id: NumberId;
  id: CallId;
  initiated_at?: Timestamp | null;
  /** The agent's instructions rendered with this call's variables. */
  instructions: string;
  /** Latency figures of the conversation (per-call aggregates, in milliseconds), as the
   * conversation engine reported them. */
  latency?: Record<string, unknown> | null;
  max_duration_secs: number;
  /** Media quality figures of a call that carried audio (packets, losses, send punctuality). */
  media?: Record<string, unknown> | null;
  metadata: Record<string, unknown>;
  /** `test` calls (made with a test key) always use the sandbox and are never charged. */
  mode: ApiKeyMode;
  /** The callee's name. */
  name?: string | null;
  quality_dimensions?: QualityDimensions | null;
  ring_timeout_secs: number;
  ringing_at?: Timestamp | null;
  sandbox?: SandboxScript | null;
  start_at: Timestamp;
  status: CallStatus;
  /** What the call's analysis says happened, in a few sentences; null until (and unless) a
   * model wrote it. */
  summary?: string | null;
  to: PhoneNumber;
  transfer?: TransferRecord | null;
  updated_at: Timestamp;
  variables: Record<string, unknown>;
  voice?: string | null;
  /** The payload format of `webhook_url`'s deliveries: `standard`, `klen` or `kaicalls`
   * (calls placed through a seed dialect get the seed's). */
  webhook_format: string;
  /** This call's own webhook URL. */
  webhook_url?: string | null;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** One entry of a call's event log: what webhooks and live streams are fed from. */
export interface CallEventRecord {
  call_id: CallId;
  created_at: Timestamp;
  id: EventId;
  payload: Record<string, unknown>;
  status: CallStatus;
  /** `call.queued`, `call.initiated`, `call.ringing`, `call.answered`, `call.in_progress`,
   * `call.completed` or `call.failed`. */
  type: string;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** The call's events, oldest first. */
export interface CallEvents {
  data: Array<CallEventRecord>;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

export type CallId = string;

/** Where a call is in its life. */
export type CallStatus = "queued" | "initiated" | "ringing" | "answered" | "in_progress" | "completed" | "failed" | "no_answer" | "busy" | "canceled" | (string & {});

/** A call as the API shows it. */
export type CallView = Call & {
  agent: AgentSummary;
  concurrency?: Concurrency | null;
  estimated_start?: Timestamp | null;
  /** Place among the account's waiting calls (1 = next), while queued. */
  queue_position?: number | null;
  /** Where to download the call's recording (`/v1/calls/{id}/recording`, relative to the
   * server), once there is one. */
  recording_url?: string | null;
  /** Same as `direction` (`outbound`). */
  type: Direction;
  /** Fields added by a newer server. */
  [field: string]: unknown;
};

/** Where the calling number goes in an INVITE. Many trunks refuse a From user that is not the
 * account's username (livekit/sip#333: 403 Forbidden) and want the number in P-Asserted-Identity. */
export type CallerIdMode = "from" | "p_asserted_identity" | (string & {});

/** A campaign as stored. */
export interface Campaign {
  agent_id: AgentId;
  business_id: BusinessId;
  calls_per_minute: number;
  created_at: Timestamp;
  daily_cap_per_number?: number | null;
  end_at?: Timestamp | null;
  ended_at?: Timestamp | null;
  /** The caller-ID numbers, used in turn (the one with the fewest calls today first). */
  from_number_ids: Array<NumberId>;
  id: CampaignId;
  max_concurrent: number;
  /** `test` (sandbox calls) or `live`, from the key that created it. */
  mode: ApiKeyMode;
  name: string;
  retry: RetryRules;
  start_at?: Timestamp | null;
  started_at?: Timestamp | null;
  status: CampaignStatus;
  updated_at: Timestamp;
  /** Template variables for every call, under each contact's own. */
  variables: Record<string, unknown>;
  /** The calling window as given (`start`, `end`, `days`). */
  window: Record<string, unknown>;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** One attempt at a contact. */
export interface CampaignAttempt {
  attempt: number;
  call_id: CallId;
  /** The call's `end_reason`. */
  end_reason?: string | null;
  /** `answered`, `busy`, `no_answer`, `voicemail`, `failed` or `interrupted`; `null` while the call runs. */
  outcome?: string | null;
  placed_at: Timestamp;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** One contact of a campaign. */
export interface CampaignContact {
  /** Attempts that count against the retry rules. */
  attempt_count: number;
  attempts: Array<CampaignAttempt>;
  call_id?: CallId | null;
  campaign_id: CampaignId;
  contact_id?: ContactId | null;
  created_at: Timestamp;
  id: CampaignContactId;
  /** The CSV line it came from. */
  line?: number | null;
  name?: string | null;
  next_attempt_at?: Timestamp | null;
  phone_number: string;
  /** What stopped the call being placed (`not_placeable`: a template variable missing …). */
  skip_detail?: string | null;
  skip_reason?: SkipReason | null;
  state: ContactState;
  /** The zone its window is checked in. */
  timezone: string;
  updated_at: Timestamp;
  variables: Record<string, unknown>;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

export type CampaignContactId = string;

/** An event of a campaign (`campaign.started`, `campaign.paused`, `campaign.completed` …). */
export interface CampaignEvent {
  campaign_id: CampaignId;
  created_at: Timestamp;
  id: EventId;
  payload: Record<string, unknown>;
  type: string;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** A campaign's events. */
export interface CampaignEvents {
  data: Array<CampaignEvent>;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

export type CampaignId = string;

/** Where a campaign is. */
export type CampaignStatus = "draft" | "running" | "paused" | "completed" | "canceled" | (string & {});

/** A campaign with its live counts. */
export type CampaignView = Campaign & {
  counts: Counts;
  /** Fields added by a newer server. */
  [field: string]: unknown;
};

/** The network a call or a number goes through: the built-in sandbox, a SIP trunk or Twilio. */
export type CarrierKind = "sandbox" | "sip" | "twilio" | (string & {});

/** The account's concurrency figures when the call was read. */
export interface Concurrency {
  in_use: number;
  limit: number;
  queued: number;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** A contact or lead. */
export interface Contact {
  business_id: BusinessId;
  created_at: Timestamp;
  custom_fields: Record<string, unknown>;
  email?: string | null;
  /** The id the caller's own CRM gives this contact; accepted wherever a contact id is. */
  external_id?: string | null;
  id: ContactId;
  /** Calls placed to or received from this contact. */
  interaction_count: number;
  /** 0 to 100. */
  lead_score?: number | null;
  lead_source?: string | null;
  lead_status?: string | null;
  name?: string | null;
  phone_number: PhoneNumber;
  /** IANA time zone, used for `time_of_day` on calls. */
  timezone?: string | null;
  updated_at: Timestamp;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

export type ContactId = string;

/** Fields of a contact. `phone_number` is required on create; `null` clears optional fields. */
export interface ContactInput {
  business_id?: BusinessId;
  custom_fields?: Record<string, unknown>;
  email?: string | null;
  /** Your own CRM's id for the contact (a Klen `contact_id`, a KaiCalls `lead_id`); calls accept it as `contact_id`. */
  external_id?: string | null;
  lead_score?: number | null;
  lead_source?: string | null;
  lead_status?: string | null;
  name?: string | null;
  phone_number?: string;
  timezone?: string | null;
}

/** A page of a campaign's contacts. */
export interface ContactPage {
  data: Array<CampaignContact>;
  has_more: boolean;
  next_cursor?: string | null;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** A contact in a campaign's `contacts`: an existing contact by id, or a row of its own. */
export interface ContactRowBody {
  /** One of your contacts (`con_…`): its number, name and time zone are used. */
  contact_id?: string | null;
  name?: string | null;
  /** E.164 (`+14155550100`). */
  phone_number?: string | null;
  /** IANA zone (`America/Chicago`); else derived from the number where its country has one
   * zone, else the business's. */
  timezone?: string | null;
  /** This contact's template variables, over the campaign's. */
  variables?: Record<string, unknown> | null;
}

/** Where one contact of a campaign is. */
export type ContactState = "pending" | "waiting_for_window" | "in_progress" | "retry_scheduled" | "completed" | "failed" | "skipped" | (string & {});

/** How many contacts are in each state. */
export interface Counts {
  completed: number;
  failed: number;
  in_progress: number;
  pending: number;
  retry_scheduled: number;
  skipped: number;
  /** Skipped contacts by reason: `do_not_call`, `invalid_number`, `window_never_open`, `canceled`, `not_placeable`. */
  skipped_by_reason: Record<string, unknown>;
  total: number;
  waiting_for_window: number;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** A call to place. Field names of the seeds' APIs are accepted as aliases. */
export interface CreateCall {
  /** Agent id (`agt_…`) or the agent's `assistant_id`. Also `agentId`, `endpoint_id`. */
  agent_id?: string | null;
  analysis?: AnalysisSettings | null;
  /** The contact (lead) called, by id or `external_id`; found by `to` when omitted. Also `lead_id`. */
  contact_id?: string | null;
  /** Free-form context the agent can use (`{{context}}`). */
  context?: string | null;
  /** Overrides the agent's opening line. Also `firstMessage`, `initial_greeting`. */
  first_message?: string | null;
  /** Caller ID: one of the account's numbers, outbound-enabled. Default: the agent's first number. */
  from_number?: string | null;
  /** Caller ID by number id. Also `fromNumberId`. */
  from_number_id?: string | null;
  /** Seconds (default: the agent's, normally 600). */
  max_duration?: number | null;
  metadata?: Record<string, unknown> | null;
  /** The callee's name. Also `customer_name`. */
  name?: string | null;
  /** Seconds to ring before giving up (default 30). */
  ring_timeout?: number | null;
  sandbox?: SandboxInput | null;
  /** Place the call at this time (RFC 3339) instead of now. */
  start_at?: string | null;
  /** Overrides the agent's instructions for this call. Also `systemPrompt`. */
  system_prompt?: string | null;
  /** Destination in E.164. Also `phone_number`, `to_number`, `toNumber`. */
  to?: string | null;
  /** Values for the `{{placeholders}}` in the agent's instructions and first message. */
  variables?: Record<string, unknown> | null;
  voice?: string | null;
  /** How `webhook_url` receives them: `standard` (the default), `klen` or `kaicalls` (the
   * seed dialects set their own). */
  webhook_format?: string | null;
  /** Also receives this call's events. */
  webhook_url?: string | null;
}

/** A campaign to create. */
export interface CreateCampaign {
  /** The agent that makes every call. */
  agent_id: string;
  /** New calls a minute at most (1 to 60,000, default 30). */
  calls_per_minute?: number | null;
  /** Contacts to call: existing ones by `contact_id`, or rows of their own. More can be
   * added later (`POST /v1/campaigns/{id}/contacts`, JSON or CSV). */
  contacts?: Array<ContactRowBody>;
  /** Calls a caller-ID number may place a day (UTC), all calls counted. */
  daily_cap_per_number?: number | null;
  /** No call after this time: contacts not reached by then are skipped. */
  end_at?: string | null;
  /** Caller-ID numbers (`num_…`), used in turn; default: the agent's outbound numbers. */
  from_number_ids?: Array<string>;
  /** Calls of this campaign at once (1 to 1,000, default 5); the account's limit applies too. */
  max_concurrent?: number | null;
  name: string;
  /** Retries per outcome. */
  retry?: RetryRules;
  /** Start at once (default: created as a `draft`, started with `POST …/start`). */
  start?: boolean;
  /** No call before this time (RFC 3339). */
  start_at?: string | null;
  /** Template variables for every call (each contact's own win). */
  variables?: Record<string, unknown>;
  /** When calls may start, in each contact's time zone (default 09:00–20:00, Monday to Friday). */
  window?: WindowBody;
}

/** An endpoint as created: the only listing that includes its secret. */
export type CreatedEndpoint = Endpoint & {
  /** Verifies the `webhook-signature` header (Standard Webhooks). */
  secret: string;
  /** Fields added by a newer server. */
  [field: string]: unknown;
};

/** A key as created: the only time `key` is shown. */
export type CreatedKey = ApiKey & {
  is_active: boolean;
  /** The secret. Store it now; it cannot be shown again. */
  key: string;
  /** Fields added by a newer server. */
  [field: string]: unknown;
};

/** A vendor key to store. The key is write-only: it is never shown again. */
export interface CredentialsInput {
  /** The vendor's API key (sent as `Authorization: Bearer` to OpenAI, `Token` to Deepgram,
   * `xi-api-key` to ElevenLabs). */
  api_key: string;
  /** Where this account's requests go instead of the server's URL: an API root for `openai`
   * (`https://api.openai.com/v1`, or any compatible server) and `elevenlabs`; the listen
   * endpoint for `deepgram` (`wss://api.deepgram.com/v1/listen`). */
  base_url?: string | null;
}

/** The account's vendor credentials, as shown: never the key. */
export interface CredentialsList {
  data: Array<VendorCredentials>;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** Money to add to the wallet. */
export interface CreditInput {
  /** Positive cents to add (at most 10,000,000). */
  amount_cents: number;
  description?: string | null;
}

/** The answer to a DELETE. */
export interface Deleted {
  deleted: boolean;
  id: string;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** One event on its way to one URL. */
export interface Delivery {
  attempts: number;
  call_id?: CallId | null;
  created_at: Timestamp;
  delivered_at?: Timestamp | null;
  endpoint_id?: EndpointId | null;
  event_id: EventId;
  event_type: string;
  /** The payload and signature style it is sent in (see [`Endpoint::format`]). */
  format: string;
  id: DeliveryId;
  last_error?: string | null;
  last_status_code?: number | null;
  next_attempt_at: Timestamp;
  /** `endpoint`, `agent` (the agent's webhook_url) or `call` (the call's webhook_url). */
  source: string;
  /** `pending`, `delivered` or `failed`. */
  status: string;
  updated_at: Timestamp;
  url: string;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** A delivery with every attempt at it. */
export type DeliveryDetail = Delivery & {
  attempt_log: Array<Attempt>;
  /** The JSON body sent. */
  payload: Record<string, unknown>;
  /** Fields added by a newer server. */
  [field: string]: unknown;
};

export type DeliveryId = string;

/** Who placed the call: we did (`outbound`) or the far end did (`inbound`). */
export type Direction = "outbound" | "inbound" | (string & {});

/** One number on the Do-Not-Call list. */
export interface DncEntry {
  created_at: Timestamp;
  id: DncId;
  phone_number: PhoneNumber;
  reason?: string | null;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

export type DncId = string;

/** A number to put on the list. */
export interface DncInput {
  phone_number: string;
  reason?: string | null;
}

/** Keys to press on an answered call. */
export interface DtmfInput {
  /** Up to 32 of `0-9`, `*`, `#`, `A-D`, sent as RFC 4733 events. */
  digits: string;
}

/** Why a call ended. A small, stable set: integrations switch on it. */
export type EndReason = "caller_hangup" | "agent_hangup" | "ended_by_api" | "max_duration" | "silence_timeout" | "voicemail" | "busy" | "no_answer" | "rejected" | "carrier_error" | "canceled" | "insufficient_funds" | "server_restart" | "transferred" | (string & {});

/** An account-level destination for events. */
export interface Endpoint {
  created_at: Timestamp;
  description?: string | null;
  enabled: boolean;
  /** Event types delivered here; empty means all. */
  event_types: Array<string>;
  /** The payload and signature style: `standard` (Standard Webhooks), `klen` or `kaicalls`. */
  format: string;
  id: EndpointId;
  previous_secret_expires_at?: Timestamp | null;
  updated_at: Timestamp;
  url: string;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

export type EndpointId = string;

/** Fields of an endpoint; `url` is required on create. */
export interface EndpointInput {
  description?: string | null;
  enabled?: boolean;
  /** Event types to receive; empty or absent means all. */
  event_types?: Array<string>;
  /** The payload and signature style: `standard` (the default), `klen` or `kaicalls`. */
  format?: string;
  url?: string;
}

/** The body of every error response. */
export interface ErrorBody {
  error: ErrorObject;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** What went wrong: a stable `code` for programs and a `message` for people. */
export type ErrorObject = {
  /** Fields added by a newer server. */
  [field: string]: unknown;
} & {
  code: string;
  message: string;
  param?: string | null;
  /** Fields added by a newer server. */
  [field: string]: unknown;
};

export type EventId = string;

/** An HTTP endpoint the LLM may call as a function tool: the model's arguments are POSTed to `url` as JSON and
 * the response body (its first 4,000 characters) goes back to the model. */
export interface HttpTool {
  /** Tells the model when to call the tool. */
  description?: string;
  /** 1 to 64 of `a-z A-Z 0-9 _ -`; not one of the built-in tool names. */
  name: string;
  /** A JSON Schema object describing the arguments. */
  parameters?: Record<string, unknown>;
  timeout_ms?: number;
  url: string;
}

export type KeyId = string;

/** A key to create. */
export interface KeyInput {
  business_id?: BusinessId | null;
  expires_at?: string | null;
  /** Addresses or CIDR blocks the key may be used from. */
  ip_allowlist?: Array<string> | null;
  mode?: ApiKeyMode | null;
  /** Default "Untitled Key". */
  name?: string | null;
  /** Default `["agents:read", "numbers:read", "calls:read", "calls:write"]`. */
  scopes?: Array<string> | null;
}

/** A key as listed. */
export type KeyView = ApiKey & {
  is_active: boolean;
  /** Fields added by a newer server. */
  [field: string]: unknown;
};

/** One movement of money. `balance_after_cents` makes the ledger auditable line by line. */
export interface LedgerEntry {
  /** Positive adds to the balance, negative takes from it. */
  amount_cents: number;
  balance_after_cents: number;
  call_id?: string | null;
  created_at: Timestamp;
  description?: string | null;
  id: LedgerId;
  /** `credit`, `call_charge` or `adjustment`. */
  kind: string;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

export type LedgerId = string;

/** A phone number and how calls from it reach the network. */
export interface Number {
  agent_id?: AgentId | null;
  business_id: BusinessId;
  /** `sandbox`, `sip` or `twilio`. */
  carrier: CarrierKind;
  created_at: Timestamp;
  id: NumberId;
  inbound_enabled: boolean;
  label?: string | null;
  outbound_enabled: boolean;
  phone_number: PhoneNumber;
  /** The SIP trunk calls leave through, when `carrier` is `sip`. */
  trunk_id?: string | null;
  updated_at: Timestamp;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

export type NumberId = string;

/** Fields of a phone number. `phone_number` is required on create and fixed afterwards. */
export interface NumberInput {
  /** The agent that calls from and answers this number; `null` unassigns. */
  agent_id?: string | null;
  business_id?: BusinessId;
  /** `sandbox` (default), `sip` (needs `trunk_id`) or `twilio` (needs `PUT /v1/carriers/twilio`). */
  carrier?: string;
  inbound_enabled?: boolean;
  label?: string | null;
  outbound_enabled?: boolean;
  phone_number?: string;
  /** The SIP trunk calls from this number leave through, for the `sip` carrier. */
  trunk_id?: string | null;
}

/** E.164 phone number */
export type PhoneNumber = string;

/** How well the agent handled the call, each 0–100. */
export interface QualityDimensions {
  empathy: number;
  information_gathering: number;
  professionalism: number;
  resolution: number;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** When and how often one outcome is tried again. */
export interface RetryRule {
  /** Minutes to wait before the next attempt (0 to 10,080). */
  delay_minutes: number;
  /** Attempts in all for a contact whose calls end this way (1 = never retried; at most 10). */
  max_attempts: number;
}

/** Retry rules per outcome. An answered call is never retried. */
export interface RetryRules {
  busy?: RetryRule;
  failed?: RetryRule;
  no_answer?: RetryRule;
  voicemail?: RetryRule;
}

/** How long the old secret keeps signing after a rotation. */
export interface RotateInput {
  /** Seconds, 0 to 604800 (default 86400). */
  grace_period_secs?: number | null;
}

/** What a test call's sandbox callee should do. */
export interface SandboxInput {
  /** 1 to 20 lines of at most 300 characters. */
  callee_lines: Array<string>;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** What a test call's sandbox callee says instead of its usual lines, one per turn, hanging up
 * after the last (`"sandbox": {"callee_lines": [...]}` on `POST /v1/calls`, test keys only).
 * The transcript then shows what the agent heard of them. */
export interface SandboxScript {
  /** What the callee says: the first line when it answers, each next one after the agent's turn. */
  callee_lines: Array<string>;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** One keyword branch of a script. */
export interface ScriptBranch {
  /** Hang up after saying the reply. */
  end_call?: boolean;
  /** Matched case-insensitively as whole words in what the caller said. */
  keywords: Array<string>;
  reply: string;
}

/** The callee's overall sentiment. */
export type Sentiment = "positive" | "neutral" | "negative" | (string & {});

/** A signing secret. */
export interface SigningSecret {
  previous_secret_expires_at?: Timestamp | null;
  secret: string;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** The SIP transport a trunk is reached over. */
export type SipTransport = "udp" | "tcp" | (string & {});

/** Why a contact was never called. */
export type SkipReason = "do_not_call" | "invalid_number" | "window_never_open" | "canceled" | "not_placeable" | (string & {});

/** Who spoke a turn. */
export type Speaker = "agent" | "caller" | (string & {});

/** A speech recogniser for the agent's calls. */
export type SttEngine = {
  delay_ms?: number;
  transcript: string;
  type: "stand_in";
  /** Fields added by a newer server. */
  [field: string]: unknown;
} | {
  /** A BCP 47 hint (`en-US`); absent for the model's default. */
  language?: string | null;
  model: string;
  type: "deepgram";
  /** Fields added by a newer server. */
  [field: string]: unknown;
} | {
  /** The API root (`…/v1`); absent for the account's `openai` credential's, else the server's. */
  base_url?: string | null;
  /** An ISO-639-1 hint (`en`); absent lets the model detect it. */
  language?: string | null;
  model: string;
  type: "openai";
  /** Fields added by a newer server. */
  [field: string]: unknown;
} | {
  type: "local";
  /** Fields added by a newer server. */
  [field: string]: unknown;
};

/** How the call scored against its `success_criteria`. */
export interface Success {
  passed: boolean;
  reason: string;
  /** 0–100. */
  score: number;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

export type Timestamp = string;

/** A call's transcript so far. */
export interface Transcript {
  call_id: CallId;
  /** The call's status now: the transcript is complete once the call has ended. */
  status: CallStatus;
  /** The turns as plain text: `Agent: …` and `Caller: …` lines, a cut-off turn ending with
   * ` [interrupted]`. */
  text: string;
  /** The turns in order. */
  turns: Array<TranscriptTurn>;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** One turn of a call's conversation. */
export interface TranscriptTurn {
  /** When the turn ended, in milliseconds from the answer. */
  end_ms: number;
  /** The agent was cut off by the caller (barge-in) before it finished. */
  interrupted: boolean;
  /** The turn's place in the call, from 0; unique per call. */
  seq: number;
  speaker: Speaker;
  /** When the turn started, in milliseconds from the answer. */
  start_ms: number;
  /** What was said: for the agent, what was actually played (cut where it was interrupted);
   * for the caller, what speech-to-text heard. */
  text: string;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** `POST /v1/calls/{id}/transfer`. */
export interface TransferBody {
  mode?: TransferMode;
  /** Where to: an E.164 number. */
  to: string;
  /** Said to the person before the caller is bridged in (warm transfers only), e.g. a summary. */
  whisper?: string | null;
}

/** Why the target did not take the call. */
export type TransferFailure = "busy" | "no_answer" | "refused" | "hung_up" | "failed" | (string & {});

/** How the call reached the target. */
export type TransferMethod = "refer" | "redirect" | "bridge" | (string & {});

/** How the call is handed over. */
export type TransferMode = "blind" | "warm" | (string & {});

/** The call's latest transfer, as shown on the call (`transfer`). */
export interface TransferRecord {
  bridged_at?: Timestamp | null;
  failure?: TransferFailure | null;
  method?: TransferMethod | null;
  mode: TransferMode;
  started_at: Timestamp;
  status: TransferStatus;
  to: string;
  /** What a warm transfer says to the target first, as sent. */
  whisper?: string | null;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** Where a transfer stands. */
export type TransferStatus = "started" | "transferred" | "failed" | (string & {});

/** A SIP trunk. The password is write-only: it is never serialised, logged or shown. */
export interface Trunk {
  caller_id_mode: CallerIdMode;
  created_at: Timestamp;
  /** Domain of the From and P-Asserted-Identity URIs; the host when unset. */
  from_domain?: string | null;
  /** Whether a password is set (it is never returned). */
  has_password: boolean;
  /** Extra headers added to every INVITE. */
  headers: Record<string, unknown>;
  host: string;
  id: TrunkId;
  name: string;
  port: number;
  transport: SipTransport;
  updated_at: Timestamp;
  /** Digest-auth user name, answered to 401/407 challenges. */
  username?: string | null;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

export type TrunkId = string;

/** Fields of a SIP trunk. `name` and `host` are required on create. */
export interface TrunkInput {
  /** `from` (default) or `p_asserted_identity`. */
  caller_id_mode?: CallerIdMode;
  from_domain?: string | null;
  /** Extra headers for every INVITE, name to value. */
  headers?: Record<string, unknown>;
  /** The provider's SIP server: a host name or IP address. */
  host?: string;
  name?: string;
  /** Write-only: never returned. */
  password?: string | null;
  /** Default 5060. */
  port?: number;
  /** `udp` (default) or `tcp`. */
  transport?: SipTransport;
  username?: string | null;
}

/** A voice for the agent's calls. A call's `voice` (or the agent's) replaces the engine's voice. */
export type TtsEngine = {
  audio_ms?: number;
  delay_ms?: number;
  type: "stand_in";
  /** Fields added by a newer server. */
  [field: string]: unknown;
} | {
  /** The API root (`…/v1`); absent for the account's `openai` credential's, else the server's. */
  base_url?: string | null;
  model: string;
  type: "openai";
  voice: string;
  /** Fields added by a newer server. */
  [field: string]: unknown;
} | {
  model_id: string;
  type: "elevenlabs";
  voice_id: string;
  /** Fields added by a newer server. */
  [field: string]: unknown;
} | {
  type: "piper";
  /** Fields added by a newer server. */
  [field: string]: unknown;
} | {
  type: "espeak";
  voice?: string | null;
  /** Fields added by a newer server. */
  [field: string]: unknown;
};

/** An account's Twilio credentials. */
export interface TwilioCredentials {
  /** Twilio's account SID (`AC…`). */
  account_sid: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** Twilio credentials to store. The auth token is write-only: it is never shown again. */
export interface TwilioInput {
  /** Your Twilio account SID (`AC` and 32 hex digits). */
  account_sid: string;
  /** Your Twilio auth token; it signs the requests Twilio sends here, and authenticates ours. */
  auth_token: string;
}

/** The account's Twilio set-up, as shown: never the token. */
export type TwilioView = TwilioCredentials & {
  /** Where Twilio must send your numbers' incoming calls (the number's "A call comes in" webhook). */
  voice_url?: string | null;
  /** Fields added by a newer server. */
  [field: string]: unknown;
};

export type UsageId = string;

/** One API request as logged. */
export interface UsageRecord {
  call_id?: string | null;
  completion_tokens?: number | null;
  cost_cents: number;
  created_at: Timestamp;
  /** The route, with ids in place (`/v1/agents/agt_…`). */
  endpoint: string;
  id: UsageId;
  key_id?: KeyId | null;
  method: string;
  /** Tokens a model read and wrote for this entry (a call's analysis), when its server said. */
  prompt_tokens?: number | null;
  status_code: number;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** A vendor an account can hold an API key for. */
export type Vendor = "openai" | "deepgram" | "elevenlabs" | (string & {});

/** An account's key (and optional endpoint) for one vendor. */
export interface VendorCredentials {
  /** Where this account's requests to the vendor go instead of the server's URL. */
  base_url?: string | null;
  created_at: Timestamp;
  /** Whether a key is stored (it is never returned). */
  has_api_key: boolean;
  provider: Vendor;
  updated_at: Timestamp;
  /** Fields added by a newer server. */
  [field: string]: unknown;
}

/** The agent's answer to a voicemail greeting. Without one, the call goes on as if a person had
 * answered (the call's `answered_by` still says who did). */
export type Voicemail = {
  action: "hangup";
  /** Fields added by a newer server. */
  [field: string]: unknown;
} | {
  action: "leave_message";
  message: string;
  /** Fields added by a newer server. */
  [field: string]: unknown;
};

/** A calling window as the API takes and shows it. */
export interface WindowBody {
  /** Days calls may be placed: `mon` … `sun` (default Monday to Friday). */
  days?: Array<string>;
  /** Local time after which no call starts, `HH:MM` (default `20:00`; not after `21:00`). */
  end?: string;
  /** Local time calls may start, `HH:MM` (default `09:00`; not before `08:00`). */
  start?: string;
}
