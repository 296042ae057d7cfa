// Types of agentline's JavaScript client (hand-written; the models are generated: models.d.ts).
import type * as M from "./models.js";

export type * from "./models.js";
export type { M as models };

type CamelCase<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;
/** An input object with camelCase keys (`agentId`) instead of the API's snake_case (`agent_id`). */
export type Camelize<T> = { [K in keyof T as CamelCase<K & string>]: T[K] };
/** Request parameters: the API's snake_case fields, or the same in camelCase (top-level keys only). */
export type Params<T> = T | Camelize<T>;

export declare const VERSION: string;

export interface ClientOptions {
  /** An API key (`al_live_…`, `al_test_…`) or the admin token; default `AGENTLINE_API_KEY`. */
  apiKey?: string;
  /** The server; default `AGENTLINE_URL`, else `http://127.0.0.1:8080`. */
  baseUrl?: string;
  /** Seconds a request may take (default 30). */
  timeout?: number;
  /** Retries of 429s, and of 5xx and lost connections for requests that are safe to repeat (default 2). */
  maxRetries?: number;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Seconds. */
  timeout?: number;
  signal?: AbortSignal;
  stream?: boolean;
}

export interface ListParams {
  /** Items per page (default 50, at most 100). */
  limit?: number;
  /** Filters of the list (`status`, `agent_id`, `phone_number`, …). */
  [filter: string]: string | number | boolean | undefined | null;
}

/** Every item of a list, fetched page by page as it is iterated. */
export declare class Page<T> implements AsyncIterable<T> {
  [Symbol.asyncIterator](): AsyncIterator<T>;
  pages(): AsyncGenerator<T[], void, unknown>;
  firstPage(): Promise<T[]>;
  toArray(): Promise<T[]>;
}

/** A call's event as the live stream (or polling) reports it. */
export interface CallEvent {
  id?: string;
  call_id?: string;
  type: string;
  status?: M.CallStatus;
  payload?: Record<string, unknown>;
  created_at?: string;
  /** Made by polling, not read from the stream. */
  polled?: boolean;
  [field: string]: unknown;
}

export interface WaitOptions {
  /** Seconds to wait before `WaitTimeoutError` (default 600). */
  timeout?: number;
  /** Seconds between polls when the live stream is unavailable (default 1). */
  pollInterval?: number;
  onEvent?: (event: CallEvent) => void | Promise<void>;
  /** Seconds to wait after the end for an answered call's `summary` (default 2). */
  settle?: number;
  signal?: AbortSignal;
}

export type CreateCallParams = Params<M.CreateCall> & {
  agent_id?: string;
  agentId?: string;
  to: string;
  /** Sent as `Idempotency-Key`; made up when absent, so retries never place two calls. */
  idempotencyKey?: string;
};

declare class Resource<T> {
  list(params?: ListParams): Page<T>;
  get(id: string): Promise<T>;
}

declare class Crud<T, Input> extends Resource<T> {
  create(params: Params<Input>): Promise<T>;
  /** Change the fields given (`null` clears a nullable field); the others stay as they are. */
  update(id: string, params: Params<Input>): Promise<T>;
  delete(id: string): Promise<M.Deleted>;
}

export declare class Calls extends Resource<M.CallView> {
  create(params: CreateCallParams): Promise<M.CallView>;
  end(id: string): Promise<M.CallView>;
  /** Hand an `in_progress` call to a person; a warm transfer says `whisper` to them first. */
  transfer(id: string, params: { to: string; mode?: "blind" | "warm"; whisper?: string }): Promise<M.CallView>;
  events(id: string): Promise<M.CallEvents>;
  transcript(id: string): Promise<M.Transcript>;
  transcriptText(id: string): Promise<string>;
  recording(id: string): Promise<Uint8Array>;
  recordingResponse(id: string): Promise<Response>;
  /** Wait until the call has ended (live events, else polling) and answer it. */
  wait(id: string, options?: WaitOptions): Promise<M.CallView>;
}

export declare class Numbers extends Crud<M.Number, M.NumberInput> {
  calls(id: string, params?: ListParams): Page<M.CallView>;
}

export declare class WebhookEndpoints extends Crud<M.Endpoint, M.EndpointInput> {
  create(params: Params<M.EndpointInput>): Promise<M.CreatedEndpoint>;
  secret(id: string): Promise<M.SigningSecret>;
  rotateSecret(id: string, params?: Params<M.RotateInput>): Promise<M.SigningSecret>;
}

export declare class WebhookDeliveries extends Resource<M.Delivery> {
  get(id: string): Promise<M.DeliveryDetail>;
  redeliver(id: string): Promise<unknown>;
}

export declare class Campaigns extends Resource<M.CampaignView> {
  create(params: Params<M.CreateCampaign>): Promise<M.CampaignView>;
  /** Rows (objects) or a CSV file's text; a faulty row fails it all. */
  addContacts(id: string, contacts: Params<M.ContactRowBody>[] | string): Promise<M.Added>;
  contacts(id: string, params?: { state?: string; limit?: number; after?: string }): Promise<M.ContactPage>;
  start(id: string): Promise<M.CampaignView>;
  pause(id: string): Promise<M.CampaignView>;
  resume(id: string): Promise<M.CampaignView>;
  cancel(id: string): Promise<M.CampaignView>;
}

export declare class Keys extends Resource<M.KeyView> {
  create(params?: Params<M.KeyInput>): Promise<M.CreatedKey>;
  revoke(id: string): Promise<M.KeyView>;
}

export declare class Agentline {
  constructor(options?: ClientOptions);
  readonly apiKey: string;
  readonly baseUrl: string;
  calls: Calls;
  campaigns: Campaigns;
  agents: Crud<M.Agent, M.AgentInput>;
  numbers: Numbers;
  contacts: Crud<M.Contact, M.ContactInput>;
  webhookEndpoints: WebhookEndpoints;
  webhookDeliveries: WebhookDeliveries;
  /** API keys (the admin token only). */
  keys: Keys;
  /** Send a request and answer its JSON body (for endpoints without a method here). */
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<T>;
  /** Send a request and answer the `Response`; throws `APIError` on 4xx/5xx. */
  raw(method: string, path: string, options?: RequestOptions): Promise<Response>;
}
export default Agentline;

export declare class AgentlineError extends Error {}
export declare class APIConnectionError extends AgentlineError {
  cause: unknown;
}
export declare class WaitTimeoutError extends AgentlineError {
  /** The call as last seen. */
  call: M.CallView;
}
export declare class APIError extends AgentlineError {
  /** The HTTP status. */
  status: number;
  /** The stable error code (`not_found`, `validation_error`, …). */
  code: string;
  message: string;
  /** The request field at fault, when there is one. */
  param: string | null;
  body: unknown;
  headers: Record<string, string>;
  /** The error object with any extra fields (such as `balance_cents`). */
  readonly details: Record<string, unknown>;
}
export declare class BadRequestError extends APIError {}
export declare class AuthenticationError extends APIError {}
export declare class PaymentRequiredError extends APIError {}
export declare class PermissionDeniedError extends APIError {}
export declare class NotFoundError extends APIError {}
export declare class ConflictError extends APIError {}
export declare class UnprocessableEntityError extends APIError {}
export declare class RateLimitError extends APIError {
  /** The server's `Retry-After`, in seconds. */
  readonly retryAfter: number | null;
}
export declare class InternalServerError extends APIError {}

export declare class WebhookVerificationError extends AgentlineError {}
export type HeaderSource = { get(name: string): string | null } | Record<string, string | string[] | undefined>;
/** Check a webhook delivery (Standard Webhooks) and answer its parsed body; throws `WebhookVerificationError`. */
export declare function verify(
  body: string | Uint8Array | ArrayBuffer,
  headers: HeaderSource,
  secret: string,
  options?: { tolerance?: number; now?: number },
): Promise<unknown>;
export declare const webhooks: { verify: typeof verify };
