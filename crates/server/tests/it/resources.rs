//! Each resource's create, read, update and delete over HTTP, and the operational routes.

use crate::access::phone;
use crate::helpers::{Engine, spawn_app};
use crate::on_both_engines;
use serde_json::json;

on_both_engines!(agents_crud, numbers_and_assignment, contacts_crud, dnc_list, wallet_and_ledger, operational_routes);

async fn agents_crud(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    let key = acct.key.as_str();
    let created = app
        .post(
            "/v1/agents",
            key,
            json!({
                "name": "Kai",
                "model_instructions": "You help {{customer_name}} with {{topic}}.",
                "first_message": "Hi {{customer_name}}!",
                "voice": "en-US-1",
                "language": "en-GB",
                "brain": {"type": "llm", "base_url": "https://llm.example.com/v1", "model": "llama3", "temperature": 0.3},
                "webhook_url": "https://example.com/hooks",
                "max_duration_secs": 900,
                "assistant_id": "asst_123",
                "metadata": {"team": "sales"}
            }),
        )
        .await;
    let body = created.assert_status(201).clone();
    let id = created.id();
    assert!(id.starts_with("agt_"));
    assert_eq!(body["instructions"], "You help {{customer_name}} with {{topic}}.");
    assert_eq!(body["brain"]["type"], "llm");
    assert_eq!(body["business_id"], acct.business_id.as_str());
    assert!(body.get("account_id").is_none());
    assert_eq!(app.get(&format!("/v1/agents/{id}"), key).await.body, body);
    assert_eq!(app.get("/v1/agents/asst_123", key).await.body["id"], id.as_str(), "lookup by assistant_id");
    let updated = app
        .patch(&format!("/v1/agents/{id}"), key, json!({"name": "Kai 2", "first_message": null, "voice": null}))
        .await;
    let updated = updated.assert_status(200);
    assert_eq!(
        (updated["name"].as_str(), updated["first_message"].is_null(), updated["voice"].is_null()),
        (Some("Kai 2"), true, true)
    );
    assert_eq!(updated["max_duration_secs"], 900, "absent fields stay");
    assert_eq!(app.get("/v1/agents?assistant_id=asst_123", key).await.body["data"].as_array().unwrap().len(), 1);
    app.delete(&format!("/v1/agents/{id}"), key).await.assert_status(200);
    app.get(&format!("/v1/agents/{id}"), key).await.assert_error(404, "agent_not_found");
    app.delete(&format!("/v1/agents/{id}"), key).await.assert_error(404, "agent_not_found");
    let minimal = app.post("/v1/agents", key, json!({"name": "Min"})).await;
    let minimal = minimal.assert_status(201);
    assert_eq!((minimal["brain"]["type"].as_str(), minimal["max_duration_secs"].as_i64()), (Some("script"), Some(600)));
}

async fn numbers_and_assignment(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    let key = acct.key.as_str();
    let agent = app.agent(key, "Kai").await;
    let number = app
        .post("/v1/numbers", key, json!({"phone_number": "+442079460958", "label": "London", "agent_id": agent}))
        .await;
    let body = number.assert_status(201).clone();
    assert_eq!((body["outbound_enabled"].as_bool(), body["carrier"].as_str()), (Some(true), Some("sandbox")));
    let id = number.id();
    let off = app.patch(&format!("/v1/numbers/{id}"), key, json!({"outbound_enabled": false, "label": null})).await;
    assert_eq!(off.assert_status(200)["outbound_enabled"], false);
    assert!(off.body["label"].is_null());
    assert_eq!(app.get(&format!("/v1/numbers?agent_id={agent}"), key).await.body["data"][0]["id"], id.as_str());
    // Deleting the agent unassigns the number and keeps it.
    app.delete(&format!("/v1/agents/{agent}"), key).await.assert_status(200);
    assert!(app.get(&format!("/v1/numbers/{id}"), key).await.body["agent_id"].is_null());
    assert_eq!(app.get("/v1/balance", key).await.body["phone_numbers"], 1);
    app.delete(&format!("/v1/numbers/{id}"), key).await.assert_status(200);
    app.get(&format!("/v1/numbers/{id}"), key).await.assert_error(404, "not_found");
}

async fn contacts_crud(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    let key = acct.key.as_str();
    let created = app
        .post(
            "/v1/contacts",
            key,
            json!({"name": "Ada", "phone_number": phone(1), "email": "ada@example.com", "timezone": "America/New_York",
                   "lead_score": 88, "lead_status": "qualified", "lead_source": "web form", "custom_fields": {"plan": "Pro"}}),
        )
        .await;
    let body = created.assert_status(201).clone();
    assert_eq!((body["interaction_count"].as_i64(), body["custom_fields"]["plan"].as_str()), (Some(0), Some("Pro")));
    let id = created.id();
    let changed =
        app.patch(&format!("/v1/contacts/{id}"), key, json!({"lead_score": null, "lead_status": "won"})).await;
    assert!(changed.assert_status(200)["lead_score"].is_null());
    assert_eq!(changed.body["email"], "ada@example.com");
    app.patch(&format!("/v1/contacts/{id}"), key, json!({"interaction_count": 5}))
        .await
        .assert_error(400, "validation_error");
    assert_eq!(
        app.get(&format!("/v1/contacts?phone_number=%2B{}", &phone(1)[1..]), key).await.body["data"][0]["id"],
        id.as_str()
    );
    app.delete(&format!("/v1/contacts/{id}"), key).await.assert_status(200);
    app.get(&format!("/v1/contacts/{id}"), key).await.assert_error(404, "not_found");
}

async fn dnc_list(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    let key = acct.key.as_str();
    let entry = app.post("/v1/dnc", key, json!({"phone_number": phone(7), "reason": "asked not to be called"})).await;
    let id = entry.id();
    assert!(id.starts_with("dnc_"));
    app.post("/v1/dnc", key, json!({"phone_number": phone(7)})).await.assert_error(409, "already_exists");
    assert_eq!(app.get(&format!("/v1/dnc/{id}"), key).await.body["reason"], "asked not to be called");
    app.delete(&format!("/v1/dnc/{id}"), key).await.assert_status(200);
    app.post("/v1/dnc", key, json!({"phone_number": phone(7)})).await.assert_status(201);
}

async fn wallet_and_ledger(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    let balance = app.get("/v1/balance", &acct.key).await;
    let balance = balance.assert_status(200);
    assert_eq!((balance["balance_cents"].as_i64(), balance["rate_cents_per_minute"].as_i64()), (Some(1000), Some(9)));
    assert_eq!(balance["businesses"][0]["id"], acct.business_id.as_str());
    let credit =
        app.post("/v1/balance/credits", &acct.admin, json!({"amount_cents": 2500, "description": "top-up"})).await;
    assert_eq!(credit.assert_status(201)["balance_after_cents"], 3500);
    assert_eq!(app.get("/v1/balance", &acct.key).await.body["balance_cents"], 3500);
    let ledger = app.get("/v1/balance/ledger", &acct.key).await;
    let opening = &ledger.body["data"][1];
    assert_eq!(
        (opening["description"].as_str(), opening["balance_after_cents"].as_i64()),
        (Some("starting balance"), Some(1000))
    );
    let entry = &ledger.body["data"][0];
    assert_eq!((entry["kind"].as_str(), entry["amount_cents"].as_i64()), (Some("credit"), Some(2500)));
}

async fn operational_routes(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    let health = app.client.get(format!("{}/healthz", app.base)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let cluster = if engine == Engine::Sqlite { "single" } else { "listening" };
    let health = crate::helpers::health_when(&app.client, &app.base, cluster).await;
    assert_eq!((health["status"].as_str(), health["cluster"].as_str()), (Some("ok"), Some(cluster)), "{health}");
    for _ in 0..3 {
        app.post("/v1/agents", &acct.key, json!({"name": "x"})).await;
    }
    // A client that does not decompress, so the encoding stays visible.
    let raw_client = reqwest::Client::builder().no_gzip().build().unwrap();
    let gzipped = raw_client
        .get(format!("{}/v1/agents", app.base))
        .bearer_auth(&acct.key)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let bytes = gzipped.bytes().await.unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "a gzip stream");
    let plain = app.get("/v1/agents", &acct.key).await;
    assert_eq!(plain.body["data"].as_array().unwrap().len(), 3);
    let metrics = app.client.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("http_requests_total"), "{metrics}");
}
