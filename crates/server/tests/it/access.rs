//! Authentication, scopes, revocation, expiry, IP allowlists and business restriction.

use crate::helpers::{Engine, TestApp, spawn_app, spawn_app_with};
use crate::on_both_engines;
use serde_json::{Value, json};

on_both_engines!(
    missing_and_malformed_credentials,
    each_scope_allows_exactly_its_endpoints,
    revoked_key_fails_at_once,
    expired_key_fails,
    key_management_needs_the_admin_token,
    ip_allowlist_is_enforced,
    business_restricted_key_sees_only_its_business,
);

/// A distinct valid E.164 number for each `i` below 1000.
pub(crate) fn phone(i: usize) -> String {
    const AREAS: [u32; 10] = [202, 212, 312, 415, 650, 718, 917, 305, 404, 617];
    format!("+1{}5550{:03}", AREAS[i / 100 % 10], 100 + i % 100)
}

async fn missing_and_malformed_credentials(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    app.send(reqwest::Method::GET, "/v1/agents", None, None).await.assert_error(401, "authentication_required");
    for bad in ["hello", "al_live_doesnotexist", "al_admin_nope", "al_test_"] {
        app.get("/v1/agents", bad).await.assert_error(401, "invalid_key");
    }
    let via_header =
        app.client.get(format!("{}/v1/agents", app.base)).header("x-api-key", &acct.key).send().await.unwrap();
    assert_eq!(via_header.status(), 200);
    app.get("/v1/agents", &acct.test_key).await.assert_status(200);
}

/// Creates a key with exactly `scopes` through the admin API.
pub(crate) async fn key_with(app: &TestApp, admin: &str, scopes: &[&str]) -> (String, String) {
    let created = app.post("/v1/keys", admin, json!({"name": "scoped", "scopes": scopes})).await;
    created.assert_status(201);
    (created.body["key"].as_str().unwrap().to_owned(), created.id())
}

async fn each_scope_allows_exactly_its_endpoints(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    let mut n = 0;
    let mut next_phone = || {
        n += 1;
        phone(n)
    };
    // (scope that allows it, method, path, body)
    let cases: Vec<(&str, &str, &str, Option<Value>)> = vec![
        ("agents:read", "GET", "/v1/agents", None),
        ("agents:write", "POST", "/v1/agents", Some(json!({"name": "x"}))),
        ("numbers:read", "GET", "/v1/numbers", None),
        ("numbers:write", "POST", "/v1/numbers", Some(json!({}))),
        ("contacts:read", "GET", "/v1/contacts", None),
        ("contacts:write", "POST", "/v1/contacts", Some(json!({}))),
        ("contacts:read", "GET", "/v1/dnc", None),
        ("contacts:write", "POST", "/v1/dnc", Some(json!({}))),
        ("billing:read", "GET", "/v1/balance", None),
        ("billing:read", "GET", "/v1/balance/ledger", None),
        ("billing:read", "GET", "/v1/usage", None),
    ];
    let grants: &[&[&str]] = &[
        &["agents:read"],
        &["agents:write"],
        &["numbers:read"],
        &["numbers:write"],
        &["contacts:read"],
        &["contacts:write"],
        &["contacts:*"],
        &["billing:read"],
        &["calls:read", "calls:write"],
        &["*"],
        &[],
    ];
    // The scope is checked before the body is read: a key without it learns nothing about the body.
    let (no_scopes, _) = key_with(&app, &acct.admin, &[]).await;
    app.post("/v1/agents", &no_scopes, json!({"nme": 1})).await.assert_error(403, "permission_denied");
    app.post_raw("/v1/contacts", &no_scopes, "application/json", "{").await.assert_error(403, "permission_denied");
    for granted in grants {
        let (key, _) = key_with(&app, &acct.admin, granted).await;
        for (scope, method, path, body) in &cases {
            let body = body.clone().map(|mut b| {
                if path.ends_with("numbers") || path.ends_with("contacts") || path.ends_with("dnc") {
                    b["phone_number"] = json!(next_phone());
                }
                b
            });
            let resource = scope.split(':').next().unwrap();
            let allowed = granted.iter().any(|g| *g == "*" || g == scope || *g == format!("{resource}:*"));
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let resp = app.send(method.clone(), path, Some(&key), body.as_ref()).await;
            if allowed {
                assert!(
                    resp.status == 200 || resp.status == 201,
                    "{granted:?} {method} {path}: {} {}",
                    resp.status,
                    resp.body
                );
            } else {
                assert_eq!(resp.status, 403, "{granted:?} {method} {path}: {}", resp.body);
                resp.assert_error(403, "permission_denied");
                assert!(resp.body["error"]["message"].as_str().unwrap().contains(scope));
            }
        }
    }
}

async fn revoked_key_fails_at_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    let (key, id) = key_with(&app, &acct.admin, &["*"]).await;
    app.get("/v1/agents", &key).await.assert_status(200);
    let revoked = app.delete(&format!("/v1/keys/{id}"), &acct.admin).await;
    assert_eq!(revoked.assert_status(200)["is_active"], false);
    assert!(revoked.body["revoked_at"].is_string());
    let resp = app.get("/v1/agents", &key).await;
    resp.assert_error(401, "invalid_key");
    assert!(resp.body["error"]["message"].as_str().unwrap().contains("revoked"));
    // Other keys keep working.
    app.get("/v1/agents", &acct.key).await.assert_status(200);
}

async fn expired_key_fails(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    app.post("/v1/keys", &acct.admin, json!({"expires_at": "2020-01-01T00:00:00Z"}))
        .await
        .assert_error(400, "validation_error");
    let created =
        app.post("/v1/keys", &acct.admin, json!({"scopes": ["*"], "expires_at": "2099-01-01T00:00:00Z"})).await;
    let key = created.assert_status(201)["key"].as_str().unwrap().to_owned();
    app.get("/v1/agents", &key).await.assert_status(200);
    // Let the expiry pass without sleeping: move it into the past in the database.
    let pool = agentline_store::test_support::pool(&app.store);
    sqlx::query("UPDATE api_keys SET expires_at = '2021-01-01T00:00:00.000000Z' WHERE id = $1")
        .bind(created.id())
        .execute(pool)
        .await
        .unwrap();
    let resp = app.get("/v1/agents", &key).await;
    resp.assert_error(401, "invalid_key");
    assert!(resp.body["error"]["message"].as_str().unwrap().contains("expired"));
}

async fn key_management_needs_the_admin_token(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    app.get("/v1/keys", &acct.key).await.assert_error(403, "permission_denied");
    app.post("/v1/keys", &acct.key, json!({})).await.assert_error(403, "permission_denied");
    app.post("/v1/balance/credits", &acct.key, json!({"amount_cents": 5})).await.assert_error(403, "permission_denied");
    let created = app.post("/v1/keys", &acct.admin, json!({"name": "Integration"})).await;
    let body = created.assert_status(201);
    let secret = body["key"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("al_live_") && secret.len() > 40);
    assert_eq!(body["scopes"], json!(["agents:read", "calls:read", "calls:write", "numbers:read"]));
    assert_eq!(body["prefix"].as_str().unwrap(), &secret[..12]);
    assert!(body["last_used_at"].is_null());
    app.get("/v1/agents", &secret).await.assert_status(200);
    let listed = app.get(&format!("/v1/keys/{}", created.id()), &acct.admin).await;
    let listed = listed.assert_status(200);
    assert!(listed["last_used_at"].is_string(), "last_used_at is recorded: {listed}");
    assert!(listed.get("key").is_none() && listed.get("key_hash").is_none(), "the secret is shown only once");
    let all = app.get("/v1/keys", &acct.admin).await;
    assert!(!all.body.to_string().contains(&secret));
    let test_key = app.post("/v1/keys", &acct.admin, json!({"mode": "test"})).await;
    assert!(test_key.assert_status(201)["key"].as_str().unwrap().starts_with("al_test_"));
    app.post("/v1/keys", &acct.admin, json!({"scopes": ["calls:delete"]})).await.assert_error(400, "validation_error");
}

async fn ip_allowlist_is_enforced(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    let elsewhere = app.post("/v1/keys", &acct.admin, json!({"scopes": ["*"], "ip_allowlist": ["10.0.0.0/8"]})).await;
    let key = elsewhere.assert_status(201)["key"].as_str().unwrap().to_owned();
    app.get("/v1/agents", &key).await.assert_error(403, "permission_denied");
    let here =
        app.post("/v1/keys", &acct.admin, json!({"scopes": ["*"], "ip_allowlist": ["10.0.0.0/8", "127.0.0.1"]})).await;
    assert_eq!(here.body["ip_allowlist"], json!(["10.0.0.0/8", "127.0.0.1/32"]));
    app.get("/v1/agents", here.body["key"].as_str().unwrap()).await.assert_status(200);
    app.post("/v1/keys", &acct.admin, json!({"ip_allowlist": ["not-an-ip"]}))
        .await
        .assert_error(400, "validation_error");
}

/// Behind a trusted reverse proxy the client's address comes from `X-Forwarded-For`; from
/// anyone else the header changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_proxys_forwarded_address_is_the_clients() {
    let forwarded = |app: &TestApp, key: &str, from: &str| {
        let request =
            app.client.get(format!("{}/v1/agents", app.base)).bearer_auth(key).header("x-forwarded-for", from);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let behind = spawn_app_with(Engine::Sqlite, |c| c.trusted_proxies = vec!["127.0.0.1".into()]).await;
    let acct = behind.account("A").await;
    let office =
        behind.post("/v1/keys", &acct.admin, json!({"scopes": ["*"], "ip_allowlist": ["203.0.113.0/24"]})).await;
    let key = office.assert_status(201)["key"].as_str().unwrap().to_owned();
    assert_eq!(forwarded(&behind, &key, "203.0.113.7").await, 200, "the office, through the proxy");
    assert_eq!(forwarded(&behind, &key, "198.51.100.1").await, 403, "elsewhere, through the proxy");
    behind.get("/v1/agents", &key).await.assert_error(403, "permission_denied");

    let direct = spawn_app(Engine::Sqlite).await;
    let acct = direct.account("A").await;
    let office =
        direct.post("/v1/keys", &acct.admin, json!({"scopes": ["*"], "ip_allowlist": ["203.0.113.0/24"]})).await;
    let key = office.assert_status(201)["key"].as_str().unwrap().to_owned();
    assert_eq!(forwarded(&direct, &key, "203.0.113.7").await, 403, "no proxy is trusted: the header is ignored");
}

async fn business_restricted_key_sees_only_its_business(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    let branch = app.post("/v1/businesses", &acct.admin, json!({"name": "Branch", "timezone": "Europe/London"})).await;
    let branch_id = branch.assert_status(201)["id"].as_str().unwrap().to_owned();
    let restricted = app.post("/v1/keys", &acct.admin, json!({"scopes": ["*"], "business_id": branch_id})).await;
    let key = restricted.assert_status(201)["key"].as_str().unwrap().to_owned();

    let main_agent = app.agent(&acct.key, "Main").await;
    app.get(&format!("/v1/agents/{main_agent}"), &key).await.assert_error(404, "agent_not_found");
    app.patch(&format!("/v1/agents/{main_agent}"), &key, json!({"name": "x"}))
        .await
        .assert_error(404, "agent_not_found");
    app.delete(&format!("/v1/agents/{main_agent}"), &key).await.assert_error(404, "agent_not_found");
    let own = app.post("/v1/agents", &key, json!({"name": "Branch agent"})).await;
    assert_eq!(own.assert_status(201)["business_id"], branch_id.as_str());
    let listed = app.get("/v1/agents", &key).await;
    let names: Vec<&str> =
        listed.body["data"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Branch agent"]);
    let other = app.post("/v1/agents", &key, json!({"name": "y", "business_id": acct.business_id})).await;
    other.assert_error(403, "permission_denied");
    let businesses = app.get("/v1/businesses", &key).await;
    assert_eq!(businesses.body["data"].as_array().unwrap().len(), 1);
    app.get(&format!("/v1/businesses/{}", acct.business_id), &key).await.assert_error(404, "not_found");
    // Its usage log holds its own requests only.
    let usage = app.get("/v1/usage?limit=500", &key).await;
    let key_ids: std::collections::HashSet<&str> =
        usage.body["data"].as_array().unwrap().iter().map(|u| u["key_id"].as_str().unwrap()).collect();
    assert_eq!(key_ids.into_iter().collect::<Vec<_>>(), [restricted.id()]);
    // The account-wide key cannot pair a number with an agent of another business.
    let mismatch = app.post("/v1/numbers", &acct.key, json!({"phone_number": phone(1), "agent_id": own.id()})).await;
    mismatch.assert_error(400, "validation_error");
    // The unrestricted key sees both agents.
    assert_eq!(app.get("/v1/agents", &acct.key).await.body["data"].as_array().unwrap().len(), 2);
}

/// Every operation of every seed dialect, sent without a key (and with a wrong one), answers 401
/// before anything else: no handler checks its input, or answers, for a stranger. The paths
/// come from the OpenAPI document, so a new dialect route is covered when it is documented.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dialect_operation_needs_a_valid_key_first() {
    let app = spawn_app(Engine::Sqlite).await;
    let document: Value =
        app.client.get(format!("{}/openapi.json", app.base)).send().await.unwrap().json().await.unwrap();
    let mut checked = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        if path.starts_with("/v1/") {
            continue;
        }
        let concrete = path.split('/').map(|s| if s.starts_with('{') { "x" } else { s }).collect::<Vec<_>>().join("/");
        for method in item.as_object().unwrap().keys() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            // Query values a handler would check, or short-cut on, before reaching `/v1`.
            let url = format!("{}{concrete}?id=&agent_id=&limit=0&offset=1", app.base);
            for key in [None, Some("al_live_not_a_key")] {
                let mut request = app.client.request(method.clone(), &url).json(&json!({}));
                if let Some(key) = key {
                    request = request.bearer_auth(key);
                }
                let status = request.send().await.unwrap().status();
                assert_eq!(status, 401, "{method} {path} with {key:?}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 25, "the dialects' operations were found ({checked})");
}
