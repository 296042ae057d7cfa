//! SIP trunks as a resource, and numbers that route through them.

use crate::helpers::{Engine, spawn_app};
use crate::on_both_engines;
use serde_json::json;

on_both_engines!(trunks_crud_validation_and_secrecy, numbers_route_through_trunks_of_their_account);

async fn trunks_crud_validation_and_secrecy(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    let key = acct.key.as_str();
    let body = json!({
        "name": "Carrier", "host": "SIP.Example.com", "port": 5080, "transport": "tcp",
        "username": "acme", "password": "s3cret-trunk-pass", "caller_id_mode": "p_asserted_identity",
        "headers": {"X-Account": "acme-1"}
    });
    let created = app.post("/v1/trunks", key, body).await;
    let trunk = created.assert_status(201).clone();
    assert_eq!(trunk["host"], "sip.example.com");
    assert_eq!(trunk["transport"], "tcp");
    assert_eq!(trunk["has_password"], true);
    assert!(!created.body.to_string().contains("s3cret-trunk-pass"), "the password is never returned");
    let id = created.id();
    let fetched = app.get(&format!("/v1/trunks/{id}"), key).await;
    assert!(!fetched.body.to_string().contains("s3cret-trunk-pass"));
    let listed = app.get("/v1/trunks", key).await;
    assert_eq!(listed.assert_status(200)["data"].as_array().unwrap().len(), 1);

    for bad in [
        json!({"name": "x"}),
        json!({"name": "x", "host": "evil\r\nVia: x"}),
        json!({"name": "x", "host": "h", "transport": "sctp"}),
        json!({"name": "x", "host": "h", "port": 0}),
        json!({"name": "x", "host": "h", "headers": {"X-Evil": "a\r\nVia: b"}}),
        json!({"name": "x", "host": "h", "headers": {"Call-ID": "mine"}}),
        json!({"name": "x", "host": "h", "caller_id_mode": "p_asserted_identity"}),
        json!({"name": "x", "host": "h", "surprise": true}),
    ] {
        let response = app.post("/v1/trunks", key, bad.clone()).await;
        assert_eq!(response.status, 400, "{bad} → {}", response.status);
    }
    assert_eq!(
        app.get("/v1/trunks", key).await.body["data"].as_array().unwrap().len(),
        1,
        "rejected trunks leave nothing"
    );

    let patched = app.patch(&format!("/v1/trunks/{id}"), key, json!({"password": null, "port": 5060})).await;
    assert_eq!(patched.assert_status(200)["has_password"], false);
    assert_eq!(patched.body["port"], 5060);

    let other = app.account("B").await;
    app.get(&format!("/v1/trunks/{id}"), &other.key).await.assert_error(404, "not_found");
    app.delete(&format!("/v1/trunks/{id}"), &other.key).await.assert_error(404, "not_found");
    assert_eq!(app.get("/v1/trunks", &other.key).await.body["data"].as_array().unwrap().len(), 0);
    app.delete(&format!("/v1/trunks/{id}"), key).await.assert_status(200);
}

async fn numbers_route_through_trunks_of_their_account(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    let key = acct.key.as_str();
    let trunk = app.post("/v1/trunks", key, json!({"name": "t", "host": "127.0.0.1"})).await.id();
    let other = app.account("B").await;
    let foreign = app.post("/v1/trunks", &other.key, json!({"name": "t", "host": "127.0.0.1"})).await.id();

    let number = |trunk_id: &str| json!({"phone_number": "+12025550142", "carrier": "sip", "trunk_id": trunk_id});
    app.post("/v1/numbers", key, json!({"phone_number": "+12025550142", "carrier": "sip"}))
        .await
        .assert_error(400, "validation_error");
    app.post("/v1/numbers", key, number(&foreign)).await.assert_error(404, "trunk_not_found");
    let num = app.post("/v1/numbers", key, number(&trunk)).await;
    assert_eq!(num.assert_status(201)["trunk_id"], trunk.as_str());
    let num_id = num.id();
    let listed = app.get(&format!("/v1/numbers?trunk_id={trunk}"), key).await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);

    app.delete(&format!("/v1/trunks/{trunk}"), key).await.assert_error(409, "trunk_in_use");
    app.patch(&format!("/v1/numbers/{num_id}"), key, json!({"carrier": "sandbox"}))
        .await
        .assert_error(400, "validation_error");
    let moved = app.patch(&format!("/v1/numbers/{num_id}"), key, json!({"carrier": "sandbox", "trunk_id": null})).await;
    assert_eq!(moved.assert_status(200)["carrier"], "sandbox");
    app.delete(&format!("/v1/trunks/{trunk}"), key).await.assert_status(200);
}
