//! Post-call analysis over HTTP: checking the `analysis` settings agents and calls carry, and
//! `POST /v1/calls/{id}/analyze`, which asks for another run.

use super::auth::{Authorized, CallsWrite};
use super::error::{ApiError, ApiErrorDoc, ApiResult};
use super::extract::ApiPath;
use super::tenancy;
use crate::AppState;
use agentline_domain::Timestamp;
use agentline_domain::analysis::AnalysisSettings;
use agentline_domain::validate::FieldError;
use agentline_engine::analysis::parse::check_schema;
use agentline_store::calls::Call;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(analyze_call))
}

/// Refuses analysis settings that are malformed, whose schema cannot be applied, or whose model URL
/// the SSRF guard refuses.
pub(crate) async fn check(state: &AppState, settings: &AnalysisSettings) -> ApiResult<()> {
    settings.validate()?;
    if let Some(schema) = &settings.structured_data_schema {
        check_schema(schema).map_err(|why| FieldError::new("analysis.structured_data_schema", why))?;
    }
    if let Some(url) = &settings.base_url {
        super::webhooks::guard_url(state, "analysis.base_url", url).await?;
    }
    Ok(())
}

/// The run that was asked for.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnalyzeAccepted {
    pub call_id: String,
    /// The new run's number: `analysis.run` on the call and in `call.analyzed`.
    pub run: i64,
    /// `pending`: the analysis worker will run it, then send `call.analyzed`.
    pub status: &'static str,
}

/// Analyse an ended call again (after changing the agent's `analysis` settings, say): a new run
/// replaces the call's `analysis` (and, when it completes, `summary` and `quality_dimensions`), and
/// sends `call.analyzed` again. A run still pending is superseded.
#[utoipa::path(post, path = "/v1/calls/{id}/analyze", tag = "calls", params(("id" = String, Path)),
    responses((status = 202, body = AnalyzeAccepted), (status = 409, description = "call_not_ended", body = super::error::ErrorBody), ApiErrorDoc),
    security(("api_key" = [])))]
async fn analyze_call(
    State(state): State<AppState>,
    caller: Authorized<CallsWrite>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(StatusCode, Json<AnalyzeAccepted>)> {
    let call: Call = tenancy::find(&state, &caller, &id, "Call").await?;
    let Some(run) = agentline_store::analysis::request(&state.store, &call.id, Timestamp::now()).await? else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "call_not_ended",
            format!("The call has not ended yet ({}); it is analysed when it does", call.status),
        ));
    };
    state.analysis.wake();
    Ok((StatusCode::ACCEPTED, Json(AnalyzeAccepted { call_id: call.id.to_string(), run, status: "pending" })))
}
