//! The REST API for calls: create (`POST …/Calls.json`), update (`POST …/Calls/{sid}.json`) and
//! fetch (`GET …/Calls/{sid}.json`), behind HTTP Basic auth with the account sid and auth token.

use crate::api_error::ApiError;
use crate::callbacks::{CallInfo, CallbackConfig};
use crate::calls::{CallSnapshot, Requested, Update};
use crate::lifecycle::{Call, Dial, TwimlSource};
use crate::resource::call_resource;
use crate::state::{ApiRequest, Inner, Outcome};
use crate::webhook::Method;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// How long an update waits for the call's task to act on it.
const UPDATE_WAIT: Duration = Duration::from_secs(10);
/// Twilio's defaults for `Timeout` (ring seconds) and `TimeLimit` (talk seconds).
const DEFAULT_TIMEOUT_SECS: u64 = 60;
const DEFAULT_TIME_LIMIT_SECS: u64 = 14_400;

type Params = Vec<(String, String)>;
type Reply = Result<(StatusCode, Value), ApiError>;

pub(crate) fn router(inner: Arc<Inner>) -> Router {
    Router::new()
        .route("/2010-04-01/Accounts/{account_sid}/Calls.json", post(create))
        .route("/2010-04-01/Accounts/{account_sid}/Calls/{call}", post(update).get(fetch))
        .with_state(inner)
}

async fn create(
    State(inner): State<Arc<Inner>>,
    Path(account_sid): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    form: Result<Form<Params>, FormRejection>,
) -> Response {
    let params = form.map(|Form(params)| params);
    let answer = match authorize(&inner, &account_sid, &headers, uri.path()) {
        Err(error) => Err(error),
        Ok(()) => match &params {
            Ok(params) => create_call(&inner, params.clone()),
            Err(rejection) => Err(ApiError::invalid(rejection.body_text())),
        },
    };
    respond(&inner, "POST", uri.path(), params.unwrap_or_default(), answer)
}

async fn update(
    State(inner): State<Arc<Inner>>,
    Path((account_sid, call)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    form: Result<Form<Params>, FormRejection>,
) -> Response {
    let params = form.map(|Form(params)| params);
    let answer = match authorize(&inner, &account_sid, &headers, uri.path()) {
        Err(error) => Err(error),
        Ok(()) => match &params {
            Ok(params) => update_call(&inner, &call, params, uri.path()).await,
            Err(rejection) => Err(ApiError::invalid(rejection.body_text())),
        },
    };
    respond(&inner, "POST", uri.path(), params.unwrap_or_default(), answer)
}

async fn fetch(
    State(inner): State<Arc<Inner>>,
    Path((account_sid, call)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let answer = authorize(&inner, &account_sid, &headers, uri.path()).and_then(|()| {
        let call = find_call(&inner, &call, uri.path())?;
        Ok((StatusCode::OK, call_resource(&inner.account_sid, &call)))
    });
    respond(&inner, "GET", uri.path(), Vec::new(), answer)
}

/// Records the request, then answers it.
fn respond(inner: &Inner, method: &str, path: &str, params: Params, answer: Reply) -> Response {
    let status = match &answer {
        Ok((status, _)) => status.as_u16(),
        Err(error) => error.status,
    };
    let record = ApiRequest { method: method.to_owned(), path: path.to_owned(), params, status };
    crate::lock(&inner.requests).push(record);
    match answer {
        Ok((status, body)) => (status, Json(body)).into_response(),
        Err(error) => error.into_response(),
    }
}

/// HTTP Basic with `AccountSid:AuthToken`, for the account in the path.
fn authorize(inner: &Inner, account_sid: &str, headers: &HeaderMap, path: &str) -> Result<(), ApiError> {
    let credentials = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Basic"))
        .and_then(|(_, encoded)| base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok());
    if credentials.as_deref() != Some(format!("{}:{}", inner.account_sid, inner.auth_token).as_str()) {
        return Err(ApiError::authenticate());
    }
    if account_sid != inner.account_sid {
        return Err(ApiError::not_found(path));
    }
    Ok(())
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(n, _)| n == name).map(|(_, value)| value.as_str()).filter(|value| !value.trim().is_empty())
}

fn seconds(params: &[(String, String)], name: &str, default: u64) -> Result<Duration, ApiError> {
    match param(params, name) {
        None => Ok(Duration::from_secs(default)),
        Some(text) => text
            .trim()
            .parse()
            .map(Duration::from_secs)
            .map_err(|_| ApiError::invalid(format!("{name} must be a whole number of seconds, not `{text}`"))),
    }
}

/// Validates a create request like Twilio does, then starts the call.
fn create_call(inner: &Arc<Inner>, params: Params) -> Reply {
    let to = param(&params, "To").ok_or_else(|| ApiError::new(400, 21201, "No 'To' number is specified"))?;
    let from = param(&params, "From").ok_or_else(|| ApiError::new(400, 21213, "No 'From' number is specified"))?;
    let twiml = match (param(&params, "Twiml"), param(&params, "Url")) {
        (Some(text), _) => TwimlSource::Inline(text.to_owned()),
        (None, Some(url)) => {
            TwimlSource::Fetch { url: url.to_owned(), method: Method::parse(param(&params, "Method")) }
        }
        (None, None) => return Err(ApiError::new(400, 21205, "Url parameter is required.")),
    };
    let dial = Dial {
        twiml,
        ring_timeout: seconds(&params, "Timeout", DEFAULT_TIMEOUT_SECS)?,
        time_limit: seconds(&params, "TimeLimit", DEFAULT_TIME_LIMIT_SECS)?,
    };
    let outcome = inner.outcome_for(to);
    if let Outcome::Reject { status, code, message } = &outcome {
        return Err(ApiError::new(*status, *code, message.clone()));
    }
    let info = CallInfo {
        sid: crate::sid::new_sid("CA"),
        from: from.to_owned(),
        to: to.to_owned(),
        direction: "outbound-api",
    };
    let mut snapshot = CallSnapshot::new(info.sid.clone(), info.direction, from, to, params.clone());
    snapshot.status = "queued".into();
    snapshot.status_history.push("queued".into());
    let resource = call_resource(&inner.account_sid, &snapshot);
    let (updates, receiver) = mpsc::unbounded_channel();
    inner.calls.insert(snapshot, updates);
    let call = Call::new(Arc::clone(inner), info, CallbackConfig::from_params(&params), receiver);
    tokio::spawn(call.dial(dial, outcome));
    Ok((StatusCode::CREATED, resource))
}

/// `Status=completed` or `Status=canceled` on a call; answers once the call's task acted on it.
async fn update_call(inner: &Inner, call: &str, params: &[(String, String)], path: &str) -> Reply {
    let snapshot = find_call(inner, call, path)?;
    let requested = match param(params, "Status") {
        Some("completed") => Some(Requested::Completed),
        Some("canceled") => Some(Requested::Canceled),
        Some(other) => {
            return Err(ApiError::invalid(format!("Status must be `completed` or `canceled`, not `{other}`")));
        }
        None if param(params, "Url").is_some() => {
            return Err(ApiError::invalid("this Twilio stand-in redirects live calls with Twiml only, not Url"));
        }
        None if param(params, "Twiml").is_some() => {
            let text = param(params, "Twiml").unwrap_or_default();
            crate::twiml::parse(text).map_err(|e| ApiError::invalid(e.to_string()))?;
            if snapshot.status != "in-progress" {
                return Err(ApiError::invalid("only a call in progress can be redirected"));
            }
            Some(Requested::Redirect(text.to_owned()))
        }
        None => None,
    };
    if let (Some(requested), Some(updates)) = (requested, inner.calls.updates(&snapshot.sid)) {
        let (done, acted) = oneshot::channel();
        if updates.send(Update { requested, done }).is_ok() {
            // An update reaching a call that is already over is dropped unanswered: no change.
            let _ = tokio::time::timeout(UPDATE_WAIT, acted).await;
        }
    }
    let current = inner.calls.get(&snapshot.sid).unwrap_or(snapshot);
    Ok((StatusCode::OK, call_resource(&inner.account_sid, &current)))
}

/// The call a path's `{sid}.json` names.
fn find_call(inner: &Inner, segment: &str, path: &str) -> Result<CallSnapshot, ApiError> {
    segment.strip_suffix(".json").and_then(|sid| inner.calls.get(sid)).ok_or_else(|| ApiError::not_found(path))
}
