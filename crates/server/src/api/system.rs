//! Unauthenticated operational routes: health, metrics, the OpenAPI document.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// 200 when the database answers; 503 otherwise, and while the node drains (`"status":
/// "draining"`: a load balancer should send it nothing new). Also says which node answered, how many calls
/// it runs, and whether it hears the other nodes (`cluster`: `listening` on Postgres, `reconnecting`
/// while its listener is down, `single` on SQLite).
pub(crate) async fn healthz(State(state): State<AppState>) -> Response {
    let cluster = match (state.store.dialect(), state.calls.cluster().is_listening()) {
        (agentline_store::Dialect::Sqlite, _) => "single",
        (_, true) => "listening",
        (_, false) => "reconnecting",
    };
    let node = &state.config.engine.calls.node_id;
    if state.calls.is_draining() {
        let live_calls = state.calls.live_count();
        let body = json!({"status": "draining", "node": node, "live_calls": live_calls, "cluster": cluster});
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    }
    match state.store.ping().await {
        Ok(()) => {
            let live_calls = state.calls.live_count();
            Json(json!({"status": "ok", "node": node, "live_calls": live_calls, "cluster": cluster})).into_response()
        }
        Err(err) => {
            tracing::warn!(error = %err, "health check failed");
            let body = json!({"error": {"code": "unavailable", "message": "The database is not reachable"}});
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}

/// Prometheus text exposition.
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}

pub(crate) async fn openapi(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], state.openapi_json.clone()).into_response()
}
