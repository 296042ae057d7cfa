//! The HTTP API: one module per resource, merged here behind authentication, with the
//! layers every response passes through.

pub mod agents;
pub mod analysis;
pub mod auth;
pub mod billing;
pub mod businesses;
pub mod call_request;
pub mod caller;
pub mod calls;
pub mod campaigns;
pub mod carriers;
pub mod client_ip;
pub mod contacts;
pub mod credentials;
pub mod dnc;
pub mod error;
pub mod extract;
pub mod keys;
mod live;
pub mod numbers;
pub mod pagination;
pub mod rate_limit;
pub mod session;
mod system;
mod tenancy;
pub mod transcripts;
pub mod trunks;
mod twilio;
pub mod webhooks;

use crate::AppState;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Router, extract::DefaultBodyLimit};
use error::ApiError;
use std::time::Instant;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "agentline",
        description = "A self-hosted phone line for AI voice agents. Every error is `{\"error\": {\"code\", \"message\"}}`.",
        license(name = "Apache-2.0")
    ),
    modifiers(&SecuritySchemes),
    components(schemas(error::ErrorBody))
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some(description)).build(),
            )
        };
        components.add_security_scheme(
            "api_key",
            bearer("An API key (`al_live_…` or `al_test_…`); `x-api-key: <key>` works too."),
        );
        components.add_security_scheme(
            "admin_token",
            bearer("The account's admin token (`al_admin_…`) from `agentline bootstrap`."),
        );
    }
}

fn versioned() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(agents::router())
        .merge(numbers::router())
        .merge(trunks::router())
        .merge(carriers::router())
        .merge(credentials::router())
        .merge(contacts::router())
        .merge(dnc::router())
        .merge(businesses::router())
        .merge(keys::router())
        .merge(billing::router())
        .merge(calls::router())
        .merge(campaigns::router())
        .merge(analysis::router())
        .merge(transcripts::router())
        .merge(webhooks::router())
        .split_for_parts()
}

/// The OpenAPI 3.1 document, generated from the route and type annotations.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut document = versioned().1;
    document.merge(crate::dialects::openapi());
    document
}

/// The OpenAPI document as the pretty JSON committed in `docs/openapi.json`.
pub fn openapi_json() -> String {
    let mut text = openapi_document().to_pretty_json().expect("the OpenAPI document serialises");
    text.push('\n');
    text
}

/// The whole application router.
pub(crate) fn router(state: AppState) -> Router {
    let (v1, _) = versioned();
    let authenticated = || middleware::from_fn_with_state(state.clone(), auth::authenticate);
    let v1 = v1.route_layer(authenticated());
    let dialects_only = crate::dialects::upstream_only().route_layer(authenticated());
    let upstream = v1.clone().merge(dialects_only).with_state(state.clone());
    let upstream = crate::dialects::Upstream::new(upstream, state.config.body_limit_bytes);
    let layers = ServiceBuilder::new()
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
            HeaderName::from_static("x-api-key"),
            HeaderName::from_static(session::CSRF_HEADER),
        ]))
        .layer(TraceLayer::new_for_http())
        // Audio is served as is, so that byte ranges (`Range`, 206) stay exact.
        .layer(
            CompressionLayer::new().compress_when(DefaultPredicate::new().and(NotForContentType::const_new("audio/"))),
        )
        .layer(middleware::from_fn(json_errors_and_metrics))
        .layer(CatchPanicLayer::custom(|_| ApiError::internal(&"a handler panicked").into_response()))
        .layer(RequestDecompressionLayer::new())
        .layer(DefaultBodyLimit::max(state.config.body_limit_bytes));
    Router::new()
        .route("/healthz", get(system::healthz))
        .route("/metrics", get(system::metrics))
        .route("/openapi.json", get(system::openapi))
        .merge(v1)
        .merge(crate::dialects::router(&state, upstream))
        .merge(twilio::router())
        .merge(crate::console::router())
        .fallback(|| async { ApiError::for_status(StatusCode::NOT_FOUND) })
        .layer(layers)
        .with_state(state)
}

/// Gives every error response the JSON error shape (unknown routes, wrong methods, layer
/// rejections), and counts requests for `/metrics`.
async fn json_errors_and_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status.as_u16().to_string()).increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    // The console's pages explain their own errors in HTML.
    let explained = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json") || v.as_bytes().starts_with(b"text/html"));
    if status.as_u16() < 400 || explained {
        return response;
    }
    let mut fixed = ApiError::for_status(status).into_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(value) = response.headers().get(&name) {
            fixed.headers_mut().insert(name, value.clone());
        }
    }
    fixed
}
