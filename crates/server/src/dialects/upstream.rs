//! How a dialect reaches agentline: it replays the client's request, translated, through the
//! very `/v1` router the API serves, so keys, scopes, rate limits, validation, billing and the
//! usage log are those of `/v1` and nothing is implemented twice.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::net::SocketAddr;
use tower::ServiceExt;

/// The authenticated `/v1` router, with its state.
#[derive(Clone)]
pub(crate) struct Upstream {
    v1: Router,
    body_limit: usize,
}

/// What `/v1` answered, with its body parsed (`Null` when empty or not JSON).
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
}

/// The client's request, split so that it can be replayed more than once.
pub(crate) struct Incoming {
    pub(crate) parts: Parts,
    pub(crate) body: Bytes,
}

impl Incoming {
    /// The query string's pairs, decoded.
    pub(crate) fn query(&self) -> Vec<(String, String)> {
        let raw = self.parts.uri.query().unwrap_or_default();
        url::form_urlencoded::parse(raw.as_bytes()).into_owned().collect()
    }

    /// The first value of a query parameter.
    pub(crate) fn param(&self, name: &str) -> Option<String> {
        self.query().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The body as a JSON object, changed by `edit`; a body that is not a JSON object goes on
    /// as it came, so that `/v1` reports it (`invalid_json`, `validation_error`).
    pub(crate) fn edited_body(&self, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Bytes {
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(Value::Object(mut map)) => {
                edit(&mut map);
                Bytes::from(Value::Object(map).to_string())
            }
            _ => self.body.clone(),
        }
    }

    /// `scheme://host` as the client addressed the server, for absolute URLs.
    pub(crate) fn origin(&self) -> String {
        let text = |name: &str| self.parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let host = text("x-forwarded-host").or_else(|| text("host")).unwrap_or_else(|| "localhost".to_owned());
        let scheme = text("x-forwarded-proto").unwrap_or_else(|| "http".to_owned());
        format!("{scheme}://{host}")
    }
}

/// A path segment, percent-encoded so that an id cannot change the path.
pub(crate) fn segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// Paging parameters: `/v1` checks them, so an empty one goes on (and is refused there) rather
/// than quietly becoming the default page.
const PAGING: [&str; 3] = ["limit", "page", "after"];

/// A query string from pairs, with its `?`. An empty filter means no filter and is dropped; an
/// empty paging value goes on (see [`PAGING`]).
pub(crate) fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, Option<String>)>) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        if let Some(value) = value.filter(|v| !v.is_empty() || PAGING.contains(&key)) {
            out.append_pair(key, &value);
        }
    }
    let text = out.finish();
    if text.is_empty() { text } else { format!("?{text}") }
}

impl Upstream {
    pub(crate) fn new(v1: Router, body_limit: usize) -> Self {
        Self { v1, body_limit }
    }

    /// Reads the client's request whole.
    pub(crate) async fn receive(&self, request: Request) -> Result<Incoming, Response> {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, self.body_limit)
            .await
            .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
        Ok(Incoming { parts, body })
    }

    /// Sends `method uri` with the client's headers (its key) and address,
    /// and returns `/v1`'s response as it is (audio and event streams stay streams).
    pub(crate) async fn forward(&self, incoming: &Incoming, method: Method, uri: &str, body: Bytes) -> Response {
        let has_body = !body.is_empty();
        let mut request = Request::new(Body::from(body));
        *request.method_mut() = method;
        *request.uri_mut() = uri.parse().unwrap_or_else(|_| Uri::from_static("/v1/not-a-route"));
        *request.headers_mut() = incoming.parts.headers.clone();
        // Only the peer's address goes on: the dialect's own path parameters would confuse `/v1`'s.
        if let Some(peer) = incoming.parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            request.extensions_mut().insert(*peer);
        }
        request.headers_mut().remove(header::CONTENT_LENGTH);
        if has_body {
            request.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        match self.v1.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }

    /// Like [`Self::forward`], with the answer read for reshaping.
    pub(crate) async fn send(&self, incoming: &Incoming, method: Method, uri: &str, body: Bytes) -> Reply {
        read(self.forward(incoming, method, uri, body).await, self.body_limit).await
    }

    /// `GET uri` on behalf of the client.
    pub(crate) async fn get(&self, incoming: &Incoming, uri: &str) -> Reply {
        self.send(incoming, Method::GET, uri, Bytes::new()).await
    }
}

async fn read(response: Response, limit: usize) -> Reply {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, limit).await.unwrap_or_default();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply { status: parts.status, headers: parts.headers, body }
}

impl Reply {
    /// A 200 the dialect composed itself.
    pub(crate) fn ok(body: Value) -> Self {
        Self { status: StatusCode::OK, headers: HeaderMap::new(), body }
    }

    pub(crate) fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// The same reply with its body changed by `convert` when it succeeded; errors pass
    /// untouched, for the dialect's error layer to reshape.
    pub(crate) fn map(mut self, convert: impl FnOnce(Value) -> Value) -> Self {
        if self.is_success() {
            self.body = convert(self.body);
        }
        self
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body)).into_response();
        for name in [header::RETRY_AFTER, header::ALLOW, HeaderName::from_static("idempotent-replayed")] {
            if let Some(value) = self.headers.get(&name) {
                response.headers_mut().insert(name, value.clone());
            }
        }
        response
    }
}

/// A dialect handler's view of its request: the client's request and the way to `/v1`.
pub(crate) struct Ctx {
    pub(crate) up: Upstream,
    pub(crate) req: Incoming,
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for Ctx {
    type Rejection = Response;

    async fn from_request(request: Request, _: &S) -> Result<Self, Response> {
        let up = request.extensions().get::<Upstream>().cloned();
        let up = up.ok_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())?;
        let req = up.receive(request).await?;
        Ok(Self { up, req })
    }
}

impl Ctx {
    pub(crate) async fn get(&self, uri: &str) -> Reply {
        self.up.get(&self.req, uri).await
    }

    pub(crate) async fn send(&self, method: Method, uri: &str, body: Bytes) -> Reply {
        self.up.send(&self.req, method, uri, body).await
    }

    /// `GET uri`, answered as `/v1` answers it (recordings, event streams).
    pub(crate) async fn stream(&self, uri: &str) -> Response {
        self.up.forward(&self.req, Method::GET, uri, Bytes::new()).await
    }

    /// The client's body, unchanged, to `method uri`.
    pub(crate) async fn pass(&self, method: Method, uri: &str) -> Reply {
        self.send(method, uri, self.req.body.clone()).await
    }
}
