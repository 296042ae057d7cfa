//! Campaigns over HTTP like a client: a list of sandbox contacts called to completion with
//! retries per outcome and exact counts, skipped rows (invalid, Do-Not-Call at upload and at
//! dial time), CSV uploads checked by line, calling windows in each contact's own time zone,
//! the campaign's concurrency, and its start/pause/resume/cancel lifecycle.

use crate::calls::fast_app;
use crate::helpers::{Engine, TestAccount, TestApp, spawn_app_with};
use crate::on_both_engines;
use chrono::Timelike;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

on_both_engines!(a_campaign_calls_every_contact_with_retries_and_exact_counts);

/// An agent with a sandbox caller-ID number; returns the agent id.
async fn agent(app: &TestApp, acct: &TestAccount) -> String {
    let body = json!({"name": "Riley", "instructions": "Remind {{name}} of {{appointment}}.", "first_message": "Hi {{name}}."});
    let agent = app.post("/v1/agents", &acct.key, body).await.assert_status(201)["id"].as_str().unwrap().to_owned();
    app.post("/v1/numbers", &acct.key, json!({"phone_number": "+14155550170", "agent_id": agent}))
        .await
        .assert_status(201);
    agent
}

/// A time zone where a call may be placed right now (local 09:00–19:59), and one where it may not.
fn open_and_closed_zones() -> (&'static str, &'static str) {
    let zones = [
        "Pacific/Kiritimati",
        "Asia/Tokyo",
        "Asia/Kolkata",
        "Europe/Paris",
        "America/New_York",
        "Pacific/Honolulu",
        "Pacific/Pago_Pago",
    ];
    let now = chrono::Utc::now();
    let hour = |zone: &str| now.with_timezone(&zone.parse::<chrono_tz::Tz>().unwrap()).hour();
    let open = zones.iter().find(|z| (9..20).contains(&hour(z))).unwrap();
    let closed = zones.iter().find(|z| !(8..21).contains(&hour(z))).unwrap();
    (open, closed)
}

const EVERY_DAY: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

async fn wait_for_campaign(app: &TestApp, key: &str, id: &str, secs: u64, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let campaign = app.get(&format!("/v1/campaigns/{id}"), key).await.assert_status(200).clone();
        if done(&campaign) {
            return campaign;
        }
        assert!(started.elapsed() < Duration::from_secs(secs), "campaign never got there: {campaign}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn contacts(app: &TestApp, key: &str, id: &str) -> Vec<Value> {
    let page = app.get(&format!("/v1/campaigns/{id}/contacts?limit=500"), key).await.assert_status(200).clone();
    page["data"].as_array().unwrap().clone()
}

fn by_number<'a>(contacts: &'a [Value], number: &str) -> &'a Value {
    contacts.iter().find(|c| c["phone_number"] == number).unwrap_or_else(|| panic!("no {number} in {contacts:?}"))
}

async fn a_campaign_calls_every_contact_with_retries_and_exact_counts(engine: Engine) {
    let app = fast_app(engine).await;
    let acct = app.account("A").await;
    let agent = agent(&app, &acct).await;
    let (open, _) = open_and_closed_zones();
    app.post("/v1/dnc", &acct.key, json!({"phone_number": "+14155550112"})).await.assert_status(201);
    let row = |number: &str| json!({"phone_number": number, "name": "Ada", "timezone": open, "variables": {"appointment": "Tuesday"}});
    let body = json!({
        "name": "December reminders", "agent_id": agent,
        "contacts": [row("+14155550100"), row("+14155550101"), row("+14155550104"), row("555-0100"),
                     row("+14155550112"), row("+14155550113")],
        "window": {"start": "08:00", "end": "21:00", "days": EVERY_DAY},
        "retry": {"busy": {"delay_minutes": 0, "max_attempts": 2}, "voicemail": {"delay_minutes": 0, "max_attempts": 1}},
        "max_concurrent": 3, "calls_per_minute": 600,
    });
    let created = app.post("/v1/campaigns", &acct.test_key, body).await.assert_status(201).clone();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["status"], "draft");
    assert_eq!((created["counts"]["total"].as_i64(), created["counts"]["pending"].as_i64()), (Some(6), Some(4)));
    assert_eq!(created["counts"]["skipped_by_reason"], json!({"do_not_call": 1, "invalid_number": 1}));
    // Put on the list after the upload: checked again when it is due.
    app.post("/v1/dnc", &acct.key, json!({"phone_number": "+14155550113"})).await.assert_status(201);

    app.post(&format!("/v1/campaigns/{id}/start"), &acct.test_key, json!({})).await.assert_status(200);
    let done = wait_for_campaign(&app, &acct.test_key, &id, 60, |c| c["status"] == "completed").await;
    let counts = &done["counts"];
    assert_eq!(
        (counts["completed"].as_i64(), counts["failed"].as_i64(), counts["skipped"].as_i64(), counts["total"].as_i64()),
        (Some(2), Some(1), Some(3), Some(6)),
        "{done}"
    );
    assert_eq!(counts["skipped_by_reason"], json!({"do_not_call": 2, "invalid_number": 1}));
    let missing = json!({"name": "Unnamed", "agent_id": agent, "start": true,
        "contacts": [{"phone_number": "+14155550100", "timezone": open}],
        "window": {"start": "08:00", "end": "21:00", "days": EVERY_DAY}});
    let unnamed = app.post("/v1/campaigns", &acct.test_key, missing).await.id();
    wait_for_campaign(&app, &acct.test_key, &unnamed, 10, |c| c["status"] == "completed").await;
    let skipped = &contacts(&app, &acct.test_key, &unnamed).await[0];
    assert_eq!(skipped["skip_reason"], "not_placeable", "{skipped}");
    assert!(
        skipped["skip_detail"].as_str().unwrap().contains("appointment"),
        "says which variable is missing: {skipped}"
    );

    let list = contacts(&app, &acct.test_key, &id).await;
    let busy = by_number(&list, "+14155550101");
    let outcomes: Vec<&str> =
        busy["attempts"].as_array().unwrap().iter().map(|a| a["outcome"].as_str().unwrap()).collect();
    assert_eq!((busy["state"].as_str(), outcomes), (Some("failed"), vec!["busy", "busy"]), "{busy}");
    let machine = by_number(&list, "+14155550104");
    assert_eq!(
        (machine["state"].as_str(), machine["attempts"][0]["outcome"].as_str()),
        (Some("completed"), Some("voicemail"))
    );
    let answered = by_number(&list, "+14155550100");
    let call_id = answered["attempts"][0]["call_id"].as_str().unwrap();
    let call = app.get(&format!("/v1/calls/{call_id}"), &acct.test_key).await.assert_status(200).clone();
    assert_eq!((call["campaign_id"].as_str(), call["mode"].as_str()), (Some(id.as_str()), Some("test")));
    assert_eq!(call["first_message"], "Hi Ada.", "the call's templates use the row's name and variables: {call}");
    assert!(call["instructions"].as_str().unwrap().contains("Tuesday"), "{call}");

    let events = app.get(&format!("/v1/campaigns/{id}/events"), &acct.test_key).await.assert_status(200).clone();
    let types: Vec<&str> = events["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["campaign.started", "campaign.completed"]);
    // Another account sees nothing of it.
    let other = app.account("B").await;
    app.get(&format!("/v1/campaigns/{id}"), &other.test_key).await.assert_error(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_uploads_are_checked_by_line_and_change_nothing_when_faulty() {
    let app = fast_app(Engine::Sqlite).await;
    let acct = app.account("A").await;
    let agent = agent(&app, &acct).await;
    let body = json!({"name": "Leads", "agent_id": agent});
    let id = app.post("/v1/campaigns", &acct.test_key, body).await.id();
    let path = format!("/v1/campaigns/{id}/contacts");

    let faulty = "phone_number,name,timezone,appointment\n+14155550100,Ada,Europe/Paris,Tue\n,Bob,,Wed\n+14155550102,Cy,Nowhere/Land,Thu\n";
    let refused = app.post_raw(&path, &acct.test_key, "text/csv", faulty).await;
    refused.assert_error(400, "validation_error");
    let lines: Vec<i64> =
        refused.body["error"]["errors"].as_array().unwrap().iter().map(|e| e["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, [3, 4], "{}", refused.body);
    let campaign = app.get(&format!("/v1/campaigns/{id}"), &acct.test_key).await.assert_status(200).clone();
    assert_eq!(campaign["counts"]["total"], 0, "nothing was added");

    let good = "phone_number,name,timezone,appointment\n+14155550100,Ada,Europe/Paris,Tue\n+442079460958,Bob,,Wed\nnot a number,Cy,,Thu\n";
    let added = app.post_raw(&path, &acct.test_key, "text/csv", good).await.assert_status(201).clone();
    assert_eq!((added["added"].as_i64(), added["skipped"].as_i64()), (Some(3), Some(1)));
    let list = contacts(&app, &acct.test_key, &id).await;
    let ada = by_number(&list, "+14155550100");
    assert_eq!((ada["line"].as_i64(), ada["variables"]["appointment"].as_str()), (Some(2), Some("Tue")));
    assert_eq!(by_number(&list, "+442079460958")["timezone"], "Europe/London", "from the number's country");
    assert_eq!(by_number(&list, "not a number")["skip_reason"], "invalid_number");
    app.post_raw(&path, &acct.test_key, "application/json", "{\"contacts\": 3}")
        .await
        .assert_error(400, "validation_error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_wait_for_their_window_and_the_lifecycle_is_checked() {
    let app = fast_app(Engine::Sqlite).await;
    let acct = app.account("A").await;
    let agent = agent(&app, &acct).await;
    let (_, closed) = open_and_closed_zones();
    let bad_window =
        json!({"name": "Night", "agent_id": agent, "window": {"start": "06:00", "end": "23:00", "days": ["mon"]}});
    app.post("/v1/campaigns", &acct.test_key, bad_window).await.assert_error(400, "validation_error");
    let body = json!({
        "name": "Later", "agent_id": agent, "start": true,
        "contacts": [{"phone_number": "+14155550100", "timezone": closed}],
        "window": {"start": "08:00", "end": "21:00", "days": EVERY_DAY},
    });
    let id = app.post("/v1/campaigns", &acct.test_key, body).await.id();
    let waiting = wait_for_campaign(&app, &acct.test_key, &id, 10, |c| c["counts"]["waiting_for_window"] == 1).await;
    assert_eq!(waiting["status"], "running");
    let contact = &contacts(&app, &acct.test_key, &id).await[0];
    let opens = chrono::DateTime::parse_from_rfc3339(contact["next_attempt_at"].as_str().unwrap()).unwrap();
    let local = opens.with_timezone(&closed.parse::<chrono_tz::Tz>().unwrap());
    assert_eq!((local.hour(), local.minute()), (8, 0), "due when the window opens in {closed}: {contact}");
    assert!(contact["attempts"].as_array().unwrap().is_empty());

    let act = |verb: &str| {
        let path = format!("/v1/campaigns/{id}/{verb}");
        let (app, key) = (&app, acct.test_key.clone());
        async move { app.post(&path, &key, json!({})).await }
    };
    act("start").await.assert_error(409, "campaign_state");
    assert_eq!(act("pause").await.assert_status(200)["status"], "paused");
    act("pause").await.assert_error(409, "campaign_state");
    assert_eq!(act("resume").await.assert_status(200)["status"], "running");
    let canceled = act("cancel").await.assert_status(200).clone();
    assert_eq!(
        (canceled["status"].as_str(), canceled["counts"]["skipped_by_reason"]["canceled"].as_i64()),
        (Some("canceled"), Some(1))
    );
    act("resume").await.assert_error(409, "campaign_state");
    let events = app.get(&format!("/v1/campaigns/{id}/events"), &acct.test_key).await.assert_status(200).clone();
    let types: Vec<&str> = events["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["campaign.started", "campaign.paused", "campaign.resumed", "campaign.canceled"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_keeps_to_its_concurrency() {
    let app = fast_app(Engine::Sqlite).await;
    let acct = app.account("A").await;
    let agent = agent(&app, &acct).await;
    let (open, _) = open_and_closed_zones();
    // …0119 answers and hangs up after 9 s (0.18 s at the sandbox's speed).
    let row =
        json!({"phone_number": "+14155550119", "name": "Bo", "timezone": open, "variables": {"appointment": "Friday"}});
    let rows = vec![row; 8];
    let body = json!({
        "name": "Two at a time", "agent_id": agent, "start": true, "contacts": rows, "max_concurrent": 2,
        "calls_per_minute": 6000, "window": {"start": "08:00", "end": "21:00", "days": EVERY_DAY},
    });
    let id = app.post("/v1/campaigns", &acct.test_key, body).await.id();
    let started = Instant::now();
    let mut most = 0;
    loop {
        let campaign = app.get(&format!("/v1/campaigns/{id}"), &acct.test_key).await.assert_status(200).clone();
        most = most.max(campaign["counts"]["in_progress"].as_i64().unwrap());
        if campaign["status"] == "completed" {
            assert_eq!(campaign["counts"]["completed"], 8, "{campaign}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{campaign}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!((1..=2).contains(&most), "at most 2 calls at once, saw {most}");
}

/// Two nodes on one Postgres run the same campaign: every contact is dialled once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_a_campaign_without_double_dialling() {
    let app = fast_app(Engine::Postgres).await;
    let _node_b = app.second_node().await;
    let acct = app.account("A").await;
    let agent = agent(&app, &acct).await;
    let (open, _) = open_and_closed_zones();
    let row =
        json!({"phone_number": "+14155550119", "name": "Bo", "timezone": open, "variables": {"appointment": "Friday"}});
    let body = json!({
        "name": "Shared", "agent_id": agent, "start": true, "contacts": vec![row; 24], "max_concurrent": 4,
        "calls_per_minute": 60000, "window": {"start": "08:00", "end": "21:00", "days": EVERY_DAY},
    });
    let id = app.post("/v1/campaigns", &acct.test_key, body).await.id();
    let done = wait_for_campaign(&app, &acct.test_key, &id, 90, |c| c["status"] == "completed").await;
    assert_eq!(done["counts"]["completed"], 24, "{done}");
    let mut named: Vec<String> = Vec::new();
    for contact in contacts(&app, &acct.test_key, &id).await {
        assert_eq!(contact["attempts"].as_array().unwrap().len(), 1, "dialled once: {contact}");
        named.push(contact["attempts"][0]["call_id"].as_str().unwrap().to_owned());
    }
    let calls =
        app.get(&format!("/v1/calls?limit=100&campaign_id={id}"), &acct.test_key).await.assert_status(200).clone();
    let mut placed: Vec<String> =
        calls["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
    placed.sort();
    named.sort();
    assert_eq!(placed, named, "no call beyond the contacts' attempts");
    let events = app.get(&format!("/v1/campaigns/{id}/events"), &acct.test_key).await.assert_status(200).clone();
    let completed = events["data"].as_array().unwrap().iter().filter(|e| e["type"] == "campaign.completed").count();
    assert_eq!(completed, 1, "one node completes it");
}

/// A number's daily cap holds contacts back (they stay pending); the campaign's end skips what
/// was not reached; `campaign.*` events reach a subscribed endpoint, signed like call events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_caps_hold_contacts_back_and_the_end_skips_the_rest() {
    let app = spawn_app_with(Engine::Sqlite, |c| {
        c.engine.sandbox.speed = 50.0;
        c.engine.calls.dispatch_interval_ms = 20;
        c.engine.webhook_allow_private = true;
    })
    .await;
    let receiver = crate::receiver::Receiver::start().await;
    let acct = app.account("A").await;
    let hook = json!({"url": receiver.url, "event_types": ["campaign.started", "campaign.completed"]});
    app.post("/v1/webhook-endpoints", &acct.key, hook).await.assert_status(201);
    let agent = agent(&app, &acct).await;
    let (open, _) = open_and_closed_zones();
    let row =
        json!({"phone_number": "+14155550119", "name": "Bo", "timezone": open, "variables": {"appointment": "Friday"}});
    let end_at = (chrono::Utc::now() + chrono::Duration::seconds(8)).to_rfc3339();
    let body = json!({
        "name": "Capped", "agent_id": agent, "start": true, "contacts": vec![row; 5], "daily_cap_per_number": 3,
        "calls_per_minute": 6000, "end_at": end_at, "window": {"start": "08:00", "end": "21:00", "days": EVERY_DAY},
    });
    let id = app.post("/v1/campaigns", &acct.test_key, body).await.id();
    let capped = wait_for_campaign(&app, &acct.test_key, &id, 10, |c| c["counts"]["completed"] == 3).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let held = app.get(&format!("/v1/campaigns/{id}"), &acct.test_key).await.assert_status(200).clone();
    assert_eq!(
        (held["counts"]["completed"].as_i64(), held["counts"]["pending"].as_i64()),
        (Some(3), Some(2)),
        "{capped}"
    );

    let done = wait_for_campaign(&app, &acct.test_key, &id, 15, |c| c["status"] == "completed").await;
    assert_eq!(done["counts"]["skipped_by_reason"], json!({"window_never_open": 2}), "{done}");
    let received = receiver.wait_until(|r| r.len() >= 2).await;
    let types: Vec<String> = received.iter().map(crate::receiver::Received::event_type).collect();
    assert_eq!(types, ["campaign.started", "campaign.completed"]);
    let completed = received[1].json();
    assert_eq!(
        (completed["data"]["campaign_id"].as_str(), completed["data"]["counts"]["completed"].as_i64()),
        (Some(id.as_str()), Some(3))
    );
    assert!(!received[1].header("webhook-signature").is_empty(), "signed");
}

/// Pausing or canceling stops new calls, and the calls already placed are still accounted for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_placed_before_a_pause_or_cancel_are_accounted_for() {
    // A slower sandbox, so each pair of calls stays in progress long enough to pause on.
    let app = spawn_app_with(Engine::Sqlite, |c| {
        c.engine.sandbox.speed = 5.0;
        c.engine.calls.dispatch_interval_ms = 20;
    })
    .await;
    let acct = app.account("A").await;
    let agent = agent(&app, &acct).await;
    let (open, _) = open_and_closed_zones();
    // …0115 answers and hangs up after 5 s (1 s at the sandbox's speed); …0101 is busy.
    let row = |number: &str| json!({"phone_number": number, "name": "Bo", "timezone": open, "variables": {"appointment": "Friday"}});
    let rows = vec![row("+14155550115"), row("+14155550101"), row("+14155550115"), row("+14155550115")];
    let body = json!({
        "name": "Paused", "agent_id": agent, "start": true, "contacts": rows, "max_concurrent": 2,
        "calls_per_minute": 6000, "window": {"start": "08:00", "end": "21:00", "days": EVERY_DAY},
    });
    let id = app.post("/v1/campaigns", &acct.test_key, body).await.id();
    wait_for_campaign(&app, &acct.test_key, &id, 10, |c| c["counts"]["in_progress"] == 2).await;
    app.post(&format!("/v1/campaigns/{id}/pause"), &acct.test_key, json!({})).await.assert_status(200);
    let paused = wait_for_campaign(&app, &acct.test_key, &id, 10, |c| c["counts"]["in_progress"] == 0).await;
    assert_eq!(paused["status"], "paused");
    assert_eq!(paused["counts"]["pending"], 2, "nothing new was dialled: {paused}");
    assert_eq!(
        paused["counts"]["completed"].as_i64().unwrap() + paused["counts"]["retry_scheduled"].as_i64().unwrap(),
        2
    );

    app.post(&format!("/v1/campaigns/{id}/resume"), &acct.test_key, json!({})).await.assert_status(200);
    wait_for_campaign(&app, &acct.test_key, &id, 10, |c| c["counts"]["in_progress"].as_i64() > Some(0)).await;
    app.post(&format!("/v1/campaigns/{id}/cancel"), &acct.test_key, json!({})).await.assert_status(200);
    let canceled = wait_for_campaign(&app, &acct.test_key, &id, 10, |c| c["counts"]["in_progress"] == 0).await;
    let counts = &canceled["counts"];
    assert_eq!(canceled["status"], "canceled");
    assert_eq!(
        counts["completed"].as_i64().unwrap()
            + counts["skipped"].as_i64().unwrap()
            + counts["failed"].as_i64().unwrap(),
        4,
        "{canceled}"
    );
    assert!(counts["skipped_by_reason"]["canceled"].as_i64() > Some(0), "{canceled}");
}
