//! AgentPhone (seed 003) at `/agentphone`: the documented create call (fetch example and
//! every field), 422 on invalid input, and the call pages its API reference names.

use crate::helpers::{Engine, spawn_app};
use crate::on_both_engines;
use serde_json::{Value, json};

on_both_engines!(agentphone_create_call_and_422, agentphone_call_pages);

const BASE: &str = "/agentphone/v1";

async fn setup(app: &crate::helpers::TestApp, key: &str) -> (String, String) {
    let agent = app.post("/v1/agents", key, json!({"name": "Ava", "instructions": "Talk about {{topic}}."})).await.id();
    let first = app.post("/v1/numbers", key, json!({"phone_number": "+14155550150", "agent_id": agent})).await.id();
    app.post("/v1/numbers", key, json!({"phone_number": "+14155550151", "agent_id": agent})).await.assert_status(201);
    (agent, first)
}

async fn agentphone_create_call_and_422(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("AP").await;
    let (agent, first) = setup(&app, &acct.key).await;
    let key = acct.test_key.as_str();

    // The fetch example's body, with real values; the agent's first number is the caller ID.
    let made = app
        .post(
            &format!("{BASE}/calls"),
            key,
            json!({"agentId": agent, "toNumber": "+14155550100", "variables": {"topic": "hours"}}),
        )
        .await;
    let call = made.assert_status(201);
    assert_eq!((call["agentId"].as_str(), call["toNumber"].as_str()), (Some(agent.as_str()), Some("+14155550100")));
    assert_eq!(
        (call["phoneNumberId"].as_str(), call["fromNumber"].as_str()),
        (Some(first.as_str()), Some("+14155550150"))
    );
    let every = json!({"agentId": agent, "toNumber": "+14155550100", "fromNumberId": null, "initialGreeting": "Hi!",
        "voice": null, "systemPrompt": "Be brief about {{topic}}.", "variables": {"topic": "prices"}});
    app.post(&format!("{BASE}/calls"), key, every).await.assert_status(201);

    for body in [
        json!({"agentId": agent}),
        json!({"toNumber": "+14155550100"}),
        json!({"agentId": agent, "toNumber": "555"}),
        json!({"agentId": agent, "toNumber": "+14155550100", "variables": ["x"]}),
    ] {
        let resp = app.post(&format!("{BASE}/calls"), key, body.clone()).await;
        assert_eq!(resp.status, 422, "{body}: {}", resp.body);
        assert!(resp.body["detail"][0]["msg"].is_string(), "{}", resp.body);
    }
    assert_eq!(
        app.post(
            &format!("{BASE}/calls"),
            key,
            json!({"agentId": "agt_0192f5e0c3a87d3e9b1f6a2c4d5e6f70", "toNumber": "+14155550100"})
        )
        .await
        .status,
        404
    );
    assert_eq!(app.get("/v1/calls?page=1", &acct.key).await.body["count"], 2);
}

async fn agentphone_call_pages(engine: Engine) {
    let app = spawn_app(engine).await;
    let acct = app.account("AP").await;
    let (agent, first) = setup(&app, &acct.key).await;
    let key = acct.test_key.as_str();
    let later = json!({"agentId": agent, "toNumber": "+14155550100", "variables": {"topic": "x"}, "start_at": "2099-01-01T00:00:00Z"});
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(app.post(&format!("{BASE}/calls"), key, later.clone()).await.id());
    }

    let list = app.get(&format!("{BASE}/calls?limit=2&offset=2"), key).await;
    let body = list.assert_status(200);
    assert_eq!(
        (body["total"].as_u64(), body["hasMore"].as_bool(), body["data"].as_array().map(Vec::len)),
        (Some(3), Some(false), Some(1))
    );
    assert_eq!(app.get(&format!("{BASE}/calls?limit=2&offset=1"), key).await.status, 422);
    let one = app.get(&format!("{BASE}/calls/{}", ids[0]), key).await;
    assert_eq!(one.assert_status(200)["id"], ids[0].as_str());
    let ended = app.post(&format!("{BASE}/calls/{}/end", ids[0]), key, json!({})).await;
    assert_eq!(ended.assert_status(200)["status"], "canceled");
    let transcript = app.get(&format!("{BASE}/calls/{}/transcript", ids[0]), key).await;
    transcript.assert_status(200);
    assert_eq!(app.get(&format!("{BASE}/calls/{}/recording", ids[0]), key).await.status, 404);
    let numbered = app.get(&format!("{BASE}/numbers/{first}/calls"), key).await;
    assert_eq!(numbered.assert_status(200)["total"], 3);
    let missing = app.get(&format!("{BASE}/calls/call_0192f5e0c3a87d3e9b1f6a2c4d5e6f70"), key).await;
    assert_eq!(missing.status, 404);
    let value: &Value = &missing.body;
    assert!(value["error"]["code"].is_string());
}
