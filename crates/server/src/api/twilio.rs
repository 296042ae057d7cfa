//! The endpoints Twilio calls: status callbacks, the voice webhook of inbound calls, the Media
//! Streams WebSocket, and (off by default) unsigned development streams straight to an agent.
//!
//! Every request from Twilio is checked against `X-Twilio-Signature`, computed over the URL as
//! Twilio reached it (`twilio.public_url` + path) with the account's auth token, then handed to
//! the engine: callbacks and streams to the call's task through its `TwilioHub`.

use crate::AppState;
use crate::api::error::ApiError;
use agentline_domain::twilio::{self, TwilioStatus};
use agentline_domain::{AccountId, ApiKeyMode, CarrierKind, PhoneNumber};
use agentline_engine::Incoming;
use agentline_engine::carriers::twilio::{TwilioInput, await_start, stream_path};
use agentline_engine::media::stream::{SocketClosed, StreamSocket};
use agentline_store::{agents, calls, numbers};
use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::{Sink, Stream};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

const SIGNATURE: &str = "x-twilio-signature";

/// Twilio's routes, outside `/v1` (Twilio authenticates by signature, not API key).
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/twilio/calls/{call_id}/status", post(status_callback))
        .route("/twilio/calls/{call_id}/stream", get(call_stream))
        .route("/twilio/calls/{call_id}/whisper", post(whisper))
        .route("/twilio/voice", post(voice))
        .route("/twilio/dev/agents/{agent_id}/stream", get(dev_stream))
}

type Form = Vec<(String, String)>;

/// Media Streams messages are a few hundred bytes: small buffers keep a call's memory small
/// (the defaults hold 128 KiB each way), and a message over 64 KiB is refused, not buffered.
fn sized(upgrade: WebSocketUpgrade) -> WebSocketUpgrade {
    upgrade.read_buffer_size(4 * 1024).write_buffer_size(0).max_message_size(64 * 1024).max_frame_size(64 * 1024)
}

fn parse_form(body: &[u8]) -> Form {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn param<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
}

fn forbidden() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "invalid_signature", "X-Twilio-Signature does not match this request")
}

fn not_configured() -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "twilio_not_configured", "twilio.public_url is not set")
}

/// The call a request to `url` is about, if it carries the signature Twilio makes with the auth
/// token of the call's account; an unknown call is refused like a bad signature.
async fn signed_call(
    state: &AppState,
    call_id: &str,
    url: &str,
    form: &Form,
    headers: &HeaderMap,
) -> Result<agentline_store::calls::Call, ApiError> {
    let call = calls::find_unscoped(&state.store, call_id).await?.ok_or_else(forbidden)?;
    let given = headers.get(SIGNATURE).and_then(|v| v.to_str().ok()).ok_or_else(forbidden)?;
    let credentials = agentline_store::twilio::get(&state.store, &call.account_id).await?.ok_or_else(forbidden)?;
    if twilio::verify(credentials.auth_token.expose(), url, form, given) { Ok(call) } else { Err(forbidden()) }
}

/// A form Twilio POSTs about one of our calls (a callback, a `<Number url>` fetch): its call,
/// once the signature over the public URL and the form checks out, and the form.
async fn signed_form(
    state: &AppState,
    call_id: &str,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(agentline_store::calls::Call, Form), ApiError> {
    let form = parse_form(body);
    let call = signed_call(state, call_id, &public_url(state, uri, false)?, &form, headers).await?;
    Ok((call, form))
}

fn public_url(state: &AppState, uri: &axum::http::Uri, websocket: bool) -> Result<String, ApiError> {
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let settings = &state.config.engine.twilio;
    let url = if websocket { settings.stream_url(path) } else { settings.callback_url(path) };
    url.ok_or_else(not_configured)
}

/// A call's status callback: checked, then handed to the call's task.
async fn status_callback(
    State(state): State<AppState>,
    Path(call_id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let (call, form) = signed_form(&state, &call_id, &uri, &headers, &body).await?;
    let status = param(&form, "CallStatus").and_then(TwilioStatus::parse).ok_or_else(|| {
        ApiError::validation("CallStatus is missing or not one Twilio sends").with_param("CallStatus")
    })?;
    let detail = status_detail(&form);
    // A callback for a call no longer running here (a late `completed`) changes nothing.
    state.calls.twilio().deliver(&call.id, TwilioInput::Status { status, detail }).await;
    Ok(StatusCode::NO_CONTENT)
}

/// What a final status says beyond itself, in Twilio's own terms.
fn status_detail(form: &Form) -> String {
    let status = param(form, "CallStatus").unwrap_or_default();
    let mut detail = format!("Twilio reported the call {status}");
    if let Some(code) = param(form, "ErrorCode").filter(|c| !c.is_empty()) {
        detail.push_str(&format!(" (Twilio error {code})"));
    }
    if let Some(code) = param(form, "SipResponseCode").filter(|c| !c.is_empty()) {
        detail.push_str(&format!(" (SIP {code})"));
    }
    detail
}

/// What the person a warm transfer reaches hears before the caller is connected: Twilio fetches
/// it (signed) when they answer the `<Dial><Number url>` the call was redirected to.
async fn whisper(
    State(state): State<AppState>,
    Path(call_id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (call, _) = signed_form(&state, &call_id, &uri, &headers, &body).await?;
    let text = call.transfer.and_then(|t| t.whisper).unwrap_or_default();
    Ok(([(header::CONTENT_TYPE, "text/xml")], twilio::say(&text)).into_response())
}

/// The Media Stream of a call we placed or answered: signed with the call's account's token.
async fn call_stream(
    State(state): State<AppState>,
    Path(call_id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let call = signed_call(&state, &call_id, &public_url(&state, &uri, true)?, &Vec::new(), &headers).await?;
    let hub = std::sync::Arc::clone(state.calls.twilio());
    Ok(sized(upgrade).on_upgrade(move |socket| async move {
        let mut socket = text_socket(socket);
        let Some(start) = await_start(&mut socket).await else { return };
        hub.deliver(&call.id, TwilioInput::Stream(socket, start)).await;
    }))
}

/// The voice webhook of the account's Twilio numbers: answers with TwiML connecting the caller to
/// the number's agent, or refuses the call when nobody here can take it.
async fn voice(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let form = parse_form(&body);
    let url = public_url(&state, &uri, false)?;
    let account_sid = param(&form, "AccountSid").unwrap_or_default();
    let given = headers.get(SIGNATURE).and_then(|v| v.to_str().ok()).ok_or_else(forbidden)?;
    let candidates = agentline_store::twilio::by_account_sid(&state.store, account_sid).await?;
    let account = candidates
        .into_iter()
        .find(|credentials| twilio::verify(credentials.auth_token.expose(), &url, &form, given))
        .map(|credentials| credentials.account_id)
        .ok_or_else(forbidden)?;
    let answer = answer_incoming(&state, &account, &form).await?;
    Ok(([(header::CONTENT_TYPE, "text/xml")], answer).into_response())
}

async fn answer_incoming(state: &AppState, account: &AccountId, form: &Form) -> Result<String, ApiError> {
    let to = param(form, "To").and_then(|to| PhoneNumber::parse(to).ok());
    let number = match to {
        Some(to) => numbers::find_on_carrier(&state.store, account, &to, CarrierKind::Twilio).await?,
        None => None,
    };
    let Some(number) = number.filter(|n| n.inbound_enabled) else {
        tracing::info!("an inbound Twilio call for a number with no inbound agent here; rejected");
        return Ok(twilio::reject());
    };
    let Some(agent) = number.agent_id.as_ref() else { return Ok(twilio::reject()) };
    let Some(agent) = agents::find_unscoped(&state.store, agent.as_str()).await? else { return Ok(twilio::reject()) };
    let call_sid = param(form, "CallSid").unwrap_or_default();
    // A repeated webhook for the same call (a retry) gets the same answer, not a second call.
    let call = match calls::find_by_carrier_call_id(&state.store, account, call_sid).await? {
        Some(call) if !call_sid.is_empty() => call,
        _ => {
            let caller = param(form, "From").unwrap_or("anonymous");
            let incoming = Incoming { number: &number, agent: &agent, caller, call_sid, mode: ApiKeyMode::Live };
            let Some(call) = agentline_engine::answer_inbound(&state.calls, &incoming).await? else {
                tracing::warn!(account_id = %account, "an inbound call would exceed the account's concurrency limit; the caller hears busy");
                return Ok(twilio::reject());
            };
            call
        }
    };
    let stream_url = state.config.engine.twilio.stream_url(&stream_path(&call)).ok_or_else(not_configured)?;
    Ok(twilio::connect_stream(&stream_url, &[("call_id", call.id.as_str())]))
}

/// Development mode: an unsigned Twilio-protocol stream becomes a test call answered by the agent.
async fn dev_stream(
    State(state): State<AppState>,
    Path(agent_id): Path<String>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    if !state.config.engine.twilio.dev_streams {
        return Err(ApiError::for_status(StatusCode::NOT_FOUND));
    }
    let agent = agents::find_unscoped(&state.store, &agent_id).await?.ok_or_else(|| ApiError::not_found("Agent"))?;
    let number = numbers::first_of_agent(&state.store, &agent.id).await?.ok_or_else(|| {
        ApiError::new(StatusCode::CONFLICT, "agent_has_no_number", "give the agent a number first (POST /v1/numbers)")
    })?;
    Ok(sized(upgrade).on_upgrade(move |socket| async move {
        let mut socket = text_socket(socket);
        let Some(start) = await_start(&mut socket).await else { return };
        let incoming = Incoming {
            number: &number,
            agent: &agent,
            caller: "anonymous",
            call_sid: &start.call_sid,
            mode: ApiKeyMode::Test,
        };
        match agentline_engine::answer_inbound(&state.calls, &incoming).await {
            Ok(None) => tracing::warn!("a development stream's call was refused"),
            Ok(Some(call)) => {
                state.calls.twilio().deliver(&call.id, TwilioInput::Stream(socket, start)).await;
            }
            Err(err) => tracing::warn!(error = %err, "could not start a development stream's call"),
        }
    }))
}

/// Hands an upgraded WebSocket to the engine as text messages in and out.
fn text_socket(socket: WebSocket) -> StreamSocket {
    Box::new(TextFrames(socket))
}

/// A Media Stream's WebSocket as the engine's `TextSocket`: text messages in (binary frames and
/// pings are skipped; a close or an error ends the stream), text messages out.
struct TextFrames(WebSocket);

impl Stream for TextFrames {
    type Item = Bytes;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        loop {
            match ready!(Pin::new(&mut self.0).poll_next(cx)) {
                Some(Ok(Message::Text(text))) => return Poll::Ready(Some(Bytes::from(text))),
                Some(Ok(Message::Close(_)) | Err(_)) | None => return Poll::Ready(None),
                Some(Ok(_)) => {}
            }
        }
    }
}

impl Sink<String> for TextFrames {
    type Error = SocketClosed;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SocketClosed>> {
        Pin::new(&mut self.0).poll_ready(cx).map_err(|_| SocketClosed)
    }

    fn start_send(mut self: Pin<&mut Self>, text: String) -> Result<(), SocketClosed> {
        Pin::new(&mut self.0).start_send(Message::Text(text.into())).map_err(|_| SocketClosed)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SocketClosed>> {
        Pin::new(&mut self.0).poll_flush(cx).map_err(|_| SocketClosed)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SocketClosed>> {
        Pin::new(&mut self.0).poll_close(cx).map_err(|_| SocketClosed)
    }
}
