//! Tenants never see each other's data: account B's key and admin token try every resource of A.

use crate::access::phone;
use crate::helpers::{Engine, spawn_app};
use crate::on_both_engines;
use serde_json::json;

on_both_engines!(another_account_can_read_change_or_delete_nothing);

async fn another_account_can_read_change_or_delete_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let a = app.account("A").await;
    let b = app.account("B").await;

    let agent = app.post("/v1/agents", &a.key, json!({"name": "A agent", "assistant_id": "shared-name"})).await.id();
    let number = app.post("/v1/numbers", &a.key, json!({"phone_number": phone(1), "agent_id": agent})).await.id();
    let contact = app.post("/v1/contacts", &a.key, json!({"phone_number": phone(2), "name": "Ada"})).await.id();
    let dnc = app.post("/v1/dnc", &a.key, json!({"phone_number": phone(3)})).await.id();
    let business = app.post("/v1/businesses", &a.admin, json!({"name": "A branch"})).await.id();
    let key = app.post("/v1/keys", &a.admin, json!({"name": "A key"})).await.id();
    app.post("/v1/balance/credits", &a.admin, json!({"amount_cents": 500})).await.assert_status(201);
    let snapshot = |path: String| {
        let app = &app;
        let admin = a.admin.clone();
        async move { app.get(&path, &admin).await.body }
    };
    let paths = [
        format!("/v1/agents/{agent}"),
        format!("/v1/numbers/{number}"),
        format!("/v1/contacts/{contact}"),
        format!("/v1/dnc/{dnc}"),
        format!("/v1/businesses/{business}"),
        format!("/v1/keys/{key}"),
    ];
    // A body each resource would accept, so that only ownership can refuse the change.
    let patch_body =
        |path: &str| if path.contains("numbers") { json!({"label": "stolen"}) } else { json!({"name": "stolen"}) };
    let mut before = Vec::new();
    for path in &paths {
        before.push(snapshot(path.clone()).await);
    }

    for credential in [&b.key, &b.admin] {
        for path in &paths {
            let read = app.get(path, credential).await;
            // Key management refuses API keys outright (403); everything else is simply not there.
            let expected = if path.starts_with("/v1/keys") && *credential == b.key { 403 } else { 404 };
            assert_eq!(read.status, expected, "GET {path}: {}", read.body);
            let changed = app.patch(path, credential, patch_body(path)).await;
            assert!(matches!(changed.status, 403..=405), "PATCH {path}: {} {}", changed.status, changed.body);
            let deleted = app.delete(path, credential).await;
            assert!(matches!(deleted.status, 403..=405), "DELETE {path}: {} {}", deleted.status, deleted.body);
        }
        // Lookups by A's external assistant id and lists show nothing of A's.
        app.get("/v1/agents/shared-name", credential).await.assert_error(404, "agent_not_found");
        for list in ["/v1/agents", "/v1/numbers", "/v1/contacts", "/v1/dnc"] {
            let body = app.get(list, credential).await.body;
            assert_eq!(body["data"], json!([]), "{list}: {body}");
        }
        // B's ledger holds only B's own opening balance, none of A's credits.
        let ledger = app.get("/v1/balance/ledger", credential).await.body;
        let amounts: Vec<i64> =
            ledger["data"].as_array().unwrap().iter().map(|e| e["amount_cents"].as_i64().unwrap()).collect();
        assert_eq!(amounts, [1000], "{ledger}");
        let businesses = app.get("/v1/businesses", credential).await.body;
        assert!(businesses["data"].as_array().unwrap().iter().all(|x| x["id"] == b.business_id.as_str()));
        let keys = app.get("/v1/keys", &b.admin).await.body;
        assert!(!keys.to_string().contains(&key));
        let usage = app.get("/v1/usage?limit=500", credential).await.body.to_string();
        let a_usage = app.get("/v1/usage?limit=500", &a.admin).await.body;
        for row in a_usage["data"].as_array().unwrap() {
            assert!(!usage.contains(row["id"].as_str().unwrap()), "usage of A is visible to B");
        }
        // A's ids cannot be borrowed into B's writes.
        let borrow = app.post("/v1/numbers", credential, json!({"phone_number": phone(10), "agent_id": agent})).await;
        borrow.assert_error(404, "agent_not_found");
        let borrow = app.post("/v1/agents", credential, json!({"name": "x", "business_id": business})).await;
        borrow.assert_error(400, "validation_error");
    }
    assert_eq!(app.get("/v1/balance", &b.key).await.body["balance_cents"], 1000);

    // A's resources are exactly as they were.
    for (path, old) in paths.iter().zip(before) {
        let now = snapshot(path.clone()).await;
        let (mut now, mut old) = (now, old);
        for volatile in ["last_used_at", "is_active"] {
            now.as_object_mut().unwrap().remove(volatile);
            old.as_object_mut().unwrap().remove(volatile);
        }
        assert_eq!(now, old, "{path} changed");
    }
    assert_eq!(app.get("/v1/balance", &a.key).await.body["balance_cents"], 1500);
}
