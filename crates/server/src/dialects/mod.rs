//! Seed dialects: the documented APIs of the services agentline replaces (Klen AI, KrosAI,
//! KaiCalls, AgentPhone), each under its own base URL, so that their users switch by changing
//! the base URL and the key. Each is a translation over `/v1` (see [`upstream`]): requests are
//! rewritten into agentline's, answers and errors into the seed's shapes.

mod agentphone;
mod documented_errors;
mod errors;
mod gate;
mod kaicalls;
mod klen;
mod krosai;
mod shape;
mod upstream;

use crate::AppState;
use axum::Router;
use axum::middleware::{from_fn_with_state, map_response};
use axum::routing::any;
use documented_errors::Shape;
use errors::Render;
pub(crate) use upstream::Upstream;
use utoipa_axum::router::OpenApiRouter;

/// One dialect: its base path, its routes and how it shows errors.
struct Dialect {
    base: &'static str,
    routes: fn() -> OpenApiRouter<AppState>,
    render: Render,
    errors: Shape,
}

const DIALECTS: [Dialect; 4] = [
    Dialect { base: "/klen", routes: klen::routes, render: klen::render, errors: Shape::Flat },
    Dialect { base: "/kaicalls", routes: kaicalls::routes, render: kaicalls::render, errors: Shape::Nested },
    Dialect { base: "/krosai", routes: krosai::routes, render: krosai::render, errors: Shape::Nested },
    Dialect { base: "/agentphone", routes: agentphone::routes, render: agentphone::render, errors: Shape::Nested },
];

impl Dialect {
    fn documented(&self) -> OpenApiRouter<AppState> {
        (self.routes)()
    }

    /// Its routes, plus a 404 for any other path under its base, all answering in its shape,
    /// and none of them to a request without a valid credential.
    fn router(&self, state: &AppState) -> Router<AppState> {
        let render = self.render;
        let (router, _) = self.documented().split_for_parts();
        router
            .route(&format!("{}/{{*rest}}", self.base), any(errors::no_route))
            .layer(from_fn_with_state(state.clone(), gate::require_credential))
            .layer(map_response(move |response: axum::response::Response| errors::reshape(render, response)))
    }
}

/// Every dialect's routes; they reach `/v1` through `upstream`.
pub(crate) fn router(state: &AppState, upstream: Upstream) -> Router<AppState> {
    let merged = DIALECTS.iter().fold(Router::new(), |all, dialect| all.merge(dialect.router(state)));
    merged.layer(axum::Extension(upstream))
}

/// Routes only the dialects reach, through [`Upstream`] (to be put behind `/v1`'s
/// authentication): reads a seed lets any key make where `/v1` asks for a narrower scope.
pub(crate) fn upstream_only() -> Router<AppState> {
    kaicalls::upstream_only()
}

/// The dialects' paths for the OpenAPI document, tagged per seed.
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    let merged = DIALECTS.iter().fold(OpenApiRouter::new(), |all, dialect| all.merge(dialect.documented()));
    let mut document = merged.split_for_parts().1;
    for dialect in &DIALECTS {
        documented_errors::document(&mut document, dialect.base, dialect.errors);
    }
    document
}
