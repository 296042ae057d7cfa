//! Bad input gets the documented 4xx error in the one error shape, and changes nothing.

use crate::access::phone;
use crate::helpers::{Engine, TestApp, spawn_app, spawn_app_with};
use crate::on_both_engines;
use serde_json::{Value, json};

on_both_engines!(
    malformed_bodies_are_refused_and_change_nothing,
    bad_updates_leave_the_resource_as_it_was,
    unknown_routes_and_methods_are_json_errors,
    oversized_bodies_are_refused,
    bad_query_parameters_are_refused,
);

async fn counts(app: &TestApp, key: &str) -> Vec<usize> {
    let mut counts = Vec::new();
    for list in ["/v1/agents", "/v1/numbers", "/v1/contacts", "/v1/dnc"] {
        counts.push(app.get(list, key).await.body["data"].as_array().unwrap().len());
    }
    counts
}

async fn malformed_bodies_are_refused_and_change_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    let key = acct.key.as_str();
    for path in
        ["/v1/agents", "/v1/numbers", "/v1/contacts", "/v1/dnc", "/v1/keys", "/v1/businesses", "/v1/balance/credits"]
    {
        let credential = if path.contains("keys") || path.contains("businesses") || path.contains("credits") {
            &acct.admin
        } else {
            key
        };
        for broken in ["{", "{\"name\": }", "[1,2", "nul", "{\"name\": \"x\",}"] {
            app.post_raw(path, credential, "application/json", broken).await.assert_error(400, "invalid_json");
        }
        app.post_raw(path, credential, "text/plain", "{}").await.assert_error(415, "unsupported_media_type");
        let mut body = match path {
            "/v1/agents" | "/v1/businesses" => json!({"name": "x"}),
            "/v1/keys" => json!({}),
            "/v1/balance/credits" => json!({"amount_cents": 1}),
            _ => json!({"phone_number": phone(0)}),
        };
        body["surprise"] = json!(1);
        let unknown = app.post(path, credential, body).await;
        unknown.assert_error(400, "validation_error");
        assert!(unknown.body["error"]["message"].as_str().unwrap().contains("surprise"), "{}", unknown.body);
    }
    let cases: Vec<(&str, Value, &str)> = vec![
        ("/v1/agents", json!({}), "name"),
        ("/v1/agents", json!({"name": 5}), "name"),
        ("/v1/agents", json!({"name": "   "}), "name"),
        ("/v1/agents", json!({"name": "x", "instructions": "Hi {{ name"}), "instructions"),
        ("/v1/agents", json!({"name": "x", "first_message": "{% if %}"}), "first_message"),
        ("/v1/agents", json!({"name": "x", "max_duration_secs": 5}), "max_duration_secs"),
        ("/v1/agents", json!({"name": "x", "max_duration_secs": "long"}), "max_duration_secs"),
        ("/v1/agents", json!({"name": "x", "webhook_url": "ftp://x"}), "webhook_url"),
        ("/v1/agents", json!({"name": "x", "brain": {"type": "telepathy"}}), "brain"),
        (
            "/v1/agents",
            json!({"name": "x", "brain": {"type": "llm", "base_url": "nope", "model": "m"}}),
            "brain.base_url",
        ),
        ("/v1/agents", json!({"name": "x", "language": "english please"}), "language"),
        ("/v1/agents", json!({"name": "x", "business_id": "biz_nope"}), "business_id"),
        ("/v1/numbers", json!({}), "phone_number"),
        ("/v1/numbers", json!({"phone_number": "+15551234567"}), "phone_number"),
        ("/v1/numbers", json!({"phone_number": "(415) 555-1234"}), "phone_number"),
        ("/v1/numbers", json!({"phone_number": 14155550100_u64}), "phone_number"),
        ("/v1/numbers", json!({"phone_number": phone(0), "carrier": "pigeon"}), "carrier"),
        ("/v1/numbers", json!({"phone_number": phone(0), "outbound_enabled": "yes"}), "outbound_enabled"),
        ("/v1/contacts", json!({"phone_number": "08012345678"}), "phone_number"),
        ("/v1/contacts", json!({"phone_number": phone(0), "email": "not-an-email"}), "email"),
        ("/v1/contacts", json!({"phone_number": phone(0), "timezone": "Mars/Base"}), "timezone"),
        ("/v1/contacts", json!({"phone_number": phone(0), "lead_score": 101}), "lead_score"),
        ("/v1/contacts", json!({"phone_number": phone(0), "custom_fields": [1]}), "custom_fields"),
        ("/v1/dnc", json!({"phone_number": "+1 415 555 0100"}), "phone_number"),
        ("/v1/dnc", json!({}), "phone_number"),
    ];
    for (path, body, field) in cases {
        let resp = app.post(path, key, body.clone()).await;
        resp.assert_error(400, "validation_error");
        let text = resp.body["error"].to_string();
        assert!(text.contains(field), "{path} {body}: error should name `{field}`: {text}");
    }
    let unknown_agent = app
        .post("/v1/numbers", key, json!({"phone_number": phone(0), "agent_id": "agt_0192f5e0c3a87d3e9b1f6a2c4d5e6f70"}))
        .await;
    unknown_agent.assert_error(404, "agent_not_found");
    app.post("/v1/balance/credits", &acct.admin, json!({"amount_cents": -5}))
        .await
        .assert_error(400, "validation_error");
    assert_eq!(counts(&app, key).await, [0, 0, 0, 0], "nothing was created");
    assert_eq!(app.get("/v1/balance", key).await.body["balance_cents"], 1000);
    assert_eq!(app.get("/v1/keys", &acct.admin).await.body["data"].as_array().unwrap().len(), 2);
}

async fn bad_updates_leave_the_resource_as_it_was(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    let key = acct.key.as_str();
    let agent = app
        .post("/v1/agents", key, json!({"name": "Kai", "first_message": "Hi {{name}}", "assistant_id": "kai-1"}))
        .await;
    let id = agent.id();
    let original = app.get(&format!("/v1/agents/{id}"), key).await.body;
    for bad in [
        json!({"name": "ok", "max_duration_secs": 1}),
        json!({"name": "ok", "surprise": true}),
        json!({"name": "ok", "brain": {"type": "webhook", "url": "https://x.example", "timeout_ms": 1}}),
        json!({"business_id": acct.business_id}),
    ] {
        app.patch(&format!("/v1/agents/{id}"), key, bad).await.assert_error(400, "validation_error");
    }
    for null in
        [json!({"name": null}), json!({"brain": null}), json!({"max_duration_secs": null}), json!({"metadata": null})]
    {
        let resp = app.patch(&format!("/v1/agents/{id}"), key, null.clone()).await;
        resp.assert_error(400, "validation_error");
        assert!(resp.body["error"]["message"].as_str().unwrap().contains("null"), "{null}: {}", resp.body);
    }
    app.post("/v1/agents", key, json!({"name": "Other", "assistant_id": "kai-1"}))
        .await
        .assert_error(409, "already_exists");
    assert_eq!(app.get(&format!("/v1/agents/{id}"), key).await.body, original);
    let number = app.post("/v1/numbers", key, json!({"phone_number": phone(5)})).await.id();
    app.post("/v1/numbers", key, json!({"phone_number": phone(5)})).await.assert_error(409, "already_exists");
    app.patch(&format!("/v1/numbers/{number}"), key, json!({"phone_number": phone(6)}))
        .await
        .assert_error(400, "validation_error");
    assert_eq!(app.get(&format!("/v1/numbers/{number}"), key).await.body["phone_number"], phone(5));
}

async fn unknown_routes_and_methods_are_json_errors(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    app.get("/v1/nothing-here", &acct.key).await.assert_error(404, "not_found");
    app.get("/nope", &acct.key).await.assert_error(404, "not_found");
    let wrong = app.send(reqwest::Method::PUT, "/v1/agents", Some(&acct.key), Some(&json!({}))).await;
    wrong.assert_error(405, "method_not_allowed");
    app.get("/v1/agents/agt_0192f5e0c3a87d3e9b1f6a2c4d5e6f70", &acct.key).await.assert_error(404, "agent_not_found");
    app.get("/v1/contacts/con_nope", &acct.key).await.assert_error(404, "not_found");
}

async fn oversized_bodies_are_refused(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.body_limit_bytes = 4096).await;
    let acct = app.account("A").await;
    let huge = json!({"name": "x", "instructions": "a".repeat(10_000)});
    app.post("/v1/agents", &acct.key, huge).await.assert_error(413, "payload_too_large");
    assert_eq!(app.get("/v1/agents", &acct.key).await.body["data"], json!([]));
}

async fn bad_query_parameters_are_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    for query in [
        "after=garbage",
        "after=agt_123",
        "limit=abc",
        "limit=0",
        "limit=101",
        "page=0",
        "page=-1",
        "page=2&after=agt_x",
    ] {
        app.get(&format!("/v1/agents?{query}"), &acct.key).await.assert_error(400, "validation_error");
    }
    app.get("/v1/usage?limit=500", &acct.key).await.assert_status(200);
    app.get("/v1/usage?limit=501", &acct.key).await.assert_error(400, "validation_error");
    app.get("/v1/usage?start=yesterday", &acct.key).await.assert_error(400, "validation_error");
}
