//! The committed OpenAPI document is what the code generates, and the server serves it.

use crate::helpers::{Engine, spawn_app};

const COMMITTED: &str = include_str!("../../../../docs/openapi.json");

#[test]
fn committed_document_matches_the_code() {
    let generated = agentline_server::api::openapi_json();
    assert!(
        generated == COMMITTED,
        "docs/openapi.json is stale: run `cargo run --bin agentline -- openapi > docs/openapi.json` and commit it"
    );
}

#[tokio::test]
async fn served_document_is_openapi_3_1_with_every_resource() {
    let app = spawn_app(Engine::Sqlite).await;
    let doc: serde_json::Value =
        app.client.get(format!("{}/openapi.json", app.base)).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/v1/agents",
        "/v1/agents/{id}",
        "/v1/numbers",
        "/v1/contacts",
        "/v1/dnc",
        "/v1/keys",
        "/v1/balance",
        "/v1/usage",
        "/v1/businesses",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing from the OpenAPI document");
    }
    assert!(doc["components"]["securitySchemes"].get("api_key").is_some());
    // The seed dialects, each tagged with its seed.
    for (path, method, tag) in [
        ("/klen/api/v1/calls", "post", "klen"),
        ("/krosai/v1/outbound-calls", "post", "krosai"),
        ("/kaicalls/api/v1/calls", "get", "kaicalls"),
        ("/agentphone/v1/calls", "post", "agentphone"),
    ] {
        assert_eq!(doc["paths"][path][method]["tags"][0], tag, "{path}");
    }
}
