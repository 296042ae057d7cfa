//! Secrets never appear in logs or `Debug` output.

use crate::helpers::{Engine, captured_logs, spawn_app};
use crate::on_both_engines;
use agentline_store::accounts::{self, NewAccount};
use serde_json::json;

on_both_engines!(keys_and_tokens_never_reach_the_logs);

async fn keys_and_tokens_never_reach_the_logs(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("A").await;
    let created = app.post("/v1/keys", &acct.admin, json!({"name": "logged?"})).await;
    let minted = created.body["key"].as_str().unwrap().to_owned();
    app.get("/v1/agents", &minted).await;
    app.get("/v1/agents", &acct.key).await;
    app.get("/v1/keys", &acct.admin).await;
    let via_header =
        app.client.get(format!("{}/v1/agents", app.base)).header("x-api-key", &acct.test_key).send().await.unwrap();
    assert_eq!(via_header.status(), 200);
    // A wrong key that looks like a real one must not be echoed either.
    let last = if acct.key.ends_with('x') { 'y' } else { 'x' };
    let near_miss = format!("{}{last}", &acct.key[..acct.key.len() - 1]);
    app.get("/v1/agents", &near_miss).await.assert_error(401, "invalid_key");

    let logs = captured_logs();
    assert!(logs.contains("/v1/agents"), "requests are logged at all, so the check below means something");
    for secret in [&acct.key, &acct.test_key, &acct.admin, &minted, &near_miss] {
        assert!(!logs.contains(secret.as_str()), "a secret reached the logs");
        assert!(!logs.contains(&secret[8..]), "part of a secret reached the logs");
    }

    let made = accounts::bootstrap(
        &app.store,
        NewAccount {
            name: "B".into(),
            plan: "pro".into(),
            concurrency_limit: 1,
            balance_cents: 0,
            rate_cents_per_minute: 1,
        },
    )
    .await
    .unwrap();
    let debug = format!("{made:?} {made:#?}");
    for secret in [made.admin_token.expose(), made.live_key.expose(), made.test_key.expose()] {
        assert!(!debug.contains(secret), "Debug output shows a secret");
    }
    let hashes = format!("{:?}", accounts::get(&app.store, &made.account.id).await.unwrap());
    assert!(!hashes.contains(made.admin_token.expose()));
}
