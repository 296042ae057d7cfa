//! The console: signing in, the session cookie as an API credential (CSRF on writes, scopes,
//! revocation, expiry, sign-out), and that one account's session reaches nothing of another's
//! through any of the console's pages. The pages themselves are driven in Chromium by
//! tests/console (scripts/test-console.sh).

use crate::access::phone;
use crate::calls::{fast_app, wait_for};
use crate::helpers::{Engine, TestApp, captured_logs};
use crate::on_both_engines;
use agentline_domain::Timestamp;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

on_both_engines!(
    a_session_acts_as_its_key_and_writes_need_its_csrf_token,
    sign_in_refuses_bad_keys_and_forged_forms,
    a_session_ends_with_sign_out_revocation_or_expiry,
    a_session_reaches_nothing_of_another_account_on_any_page,
);

/// A browser signed in to the console: its session cookie and CSRF token.
struct Browser {
    client: reqwest::Client,
    base: String,
    cookie: String,
    csrf: String,
}

/// What a sign-in attempt answered: the session cookie it set, or the page it showed.
enum SignIn {
    Session(String),
    Refused(String),
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response.headers().get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

/// `name=value` of cookie `name` among `Set-Cookie` headers.
fn cookie_pair(cookies: &[String], name: &str) -> Option<String> {
    cookies.iter().find(|c| c.starts_with(&format!("{name}="))).map(|c| c.split(';').next().unwrap().to_owned())
}

/// Posts the sign-in form as a browser would: the form token from the page and its cookie.
async fn try_sign_in(app: &TestApp, key: &str, forge_token: bool) -> SignIn {
    let client = no_redirects();
    let page = client.get(format!("{}/console/sign-in", app.base)).send().await.unwrap();
    let form_cookie = cookie_pair(&set_cookies(&page), "agentline_sign_in").unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<label for="api_key">API key</label>"#), "the field is labelled");
    let token = form_cookie.split_once('=').unwrap().1.to_owned();
    let token = if forge_token { "forged".to_owned() } else { token };
    let response = client
        .post(format!("{}/console/sign-in", app.base))
        .header(COOKIE, &form_cookie)
        .form(&[("api_key", key), ("form_token", &token)])
        .send()
        .await
        .unwrap();
    let cookies = set_cookies(&response);
    match cookie_pair(&cookies, "agentline_session") {
        Some(session) => {
            assert_eq!(response.status(), 303);
            assert_eq!(response.headers()[LOCATION], "/console");
            let set = cookies.iter().find(|c| c.starts_with("agentline_session=")).unwrap();
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] {
                assert!(set.contains(attribute), "{set} lacks {attribute}");
            }
            SignIn::Session(session)
        }
        None => SignIn::Refused(response.text().await.unwrap()),
    }
}

async fn sign_in(app: &TestApp, key: &str) -> Browser {
    let SignIn::Session(cookie) = try_sign_in(app, key, false).await else { panic!("sign-in refused") };
    let client = no_redirects();
    let session: Value = client
        .get(format!("{}/console/session", app.base))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = session["csrf_token"].as_str().unwrap().to_owned();
    Browser { client, base: app.base.clone(), cookie, csrf }
}

impl Browser {
    async fn send(&self, method: reqwest::Method, path: &str, csrf: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base)).header(COOKIE, &self.cookie);
        if let Some(token) = csrf {
            request = request.header("x-csrf-token", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(&self.csrf.clone()), Some(body)).await
    }

    async fn session(&self) -> (u16, Value) {
        self.get("/console/session").await
    }
}

async fn a_session_acts_as_its_key_and_writes_need_its_csrf_token(engine: Engine) {
    let app = fast_app(engine).await;
    let a = app.account("A").await;
    let shell = no_redirects().get(format!("{}/console", app.base)).send().await.unwrap();
    assert_eq!((shell.status().as_u16(), &shell.headers()[LOCATION]), (303, &"/console/sign-in".parse().unwrap()));

    let browser = sign_in(&app, &a.key).await;
    let (status, session) = browser.session().await;
    assert_eq!(status, 200);
    assert_eq!(session["credential"], "key");
    assert_eq!(session["account_id"], a.account_id.as_str());
    let page = browser.client.get(format!("{}/console", app.base)).header(COOKIE, &browser.cookie).send().await;
    let page = page.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));

    // Reads need only the cookie; writes need the session's CSRF token as well.
    assert_eq!(browser.get("/v1/agents").await.0, 200);
    let agent = json!({"name": "From the console"});
    for csrf in [None, Some("not-the-token"), Some("")] {
        let (status, body) = browser.send(reqwest::Method::POST, "/v1/agents", csrf, Some(agent.clone())).await;
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("csrf_failed")), "{csrf:?}");
    }
    assert_eq!(app.get("/v1/agents", &a.key).await.body["data"], json!([]), "a refused write changes nothing");
    let (status, created) = browser.post("/v1/agents", agent).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(app.get(&format!("/v1/agents/{}", created["id"].as_str().unwrap()), &a.key).await.status, 200);

    // A key's scopes bound its session, and the console is told which it has.
    let reader = app.post("/v1/keys", &a.admin, json!({"name": "calls reader", "scopes": ["calls:read"]})).await;
    let reader = sign_in(&app, reader.body["key"].as_str().unwrap()).await;
    assert_eq!(reader.session().await.1["allowed"], json!(["calls:read"]));
    assert_eq!(reader.get("/v1/agents").await.0, 403);
    let (status, _) = reader.post("/v1/calls", json!({"agent_id": created["id"], "to": "+14155550100"})).await;
    assert_eq!(status, 403);
    let admin = sign_in(&app, &a.admin).await;
    assert_eq!(admin.session().await.1["credential"], "admin");
    assert_eq!(admin.get("/v1/keys").await.0, 200);

    let logs = captured_logs();
    for secret in [&browser.cookie, &reader.cookie, &admin.cookie] {
        let token = secret.split_once('=').unwrap().1;
        assert!(!logs.contains(token), "a session token was logged");
    }
}

async fn sign_in_refuses_bad_keys_and_forged_forms(engine: Engine) {
    let app = fast_app(engine).await;
    let a = app.account("A").await;
    for key in ["al_live_nope", "", "<script>alert(1)</script>"] {
        let SignIn::Refused(page) = try_sign_in(&app, key, false).await else { panic!("{key} signed in") };
        assert!(page.contains("That key is not valid"), "{page}");
        assert!(!page.contains("<script>alert"), "input is never echoed unescaped");
    }
    let SignIn::Refused(page) = try_sign_in(&app, &a.key, true).await else { panic!("a forged form signed in") };
    assert!(page.contains("The form expired"), "{page}");
    // Without the form's cookie at all (another site posting the form).
    let response = no_redirects()
        .post(format!("{}/console/sign-in", app.base))
        .form(&[("api_key", a.key.as_str()), ("form_token", "")])
        .send()
        .await
        .unwrap();
    assert!(cookie_pair(&set_cookies(&response), "agentline_session").is_none());
}

async fn a_session_ends_with_sign_out_revocation_or_expiry(engine: Engine) {
    let app = fast_app(engine).await;
    let a = app.account("A").await;

    let browser = sign_in(&app, &a.key).await;
    let sign_out = |csrf: String| {
        let browser = &browser;
        async move {
            browser
                .client
                .post(format!("{}/console/sign-out", browser.base))
                .header(COOKIE, &browser.cookie)
                .form(&[("csrf_token", csrf)])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(sign_out("wrong".into()).await.status(), 403, "sign-out needs the CSRF token");
    assert_eq!(browser.get("/v1/calls").await.0, 200);
    let out = sign_out(browser.csrf.clone()).await;
    assert_eq!(out.status(), 303);
    assert!(set_cookies(&out).iter().any(|c| c.starts_with("agentline_session=;") && c.contains("Max-Age=0")));
    let (status, body) = browser.get("/v1/calls").await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("session_expired")));
    assert_eq!(browser.session().await.0, 401);

    let key = app.post("/v1/keys", &a.admin, json!({"name": "revoked soon"})).await;
    let revoked = sign_in(&app, key.body["key"].as_str().unwrap()).await;
    assert_eq!(revoked.get("/v1/calls").await.0, 200);
    app.delete(&format!("/v1/keys/{}", key.body["id"].as_str().unwrap()), &a.admin).await.assert_status(200);
    assert_eq!(revoked.get("/v1/calls").await.0, 401, "revoking the key ends its sessions at once");

    let expiring = sign_in(&app, &a.key).await;
    let past = Timestamp::now().plus_seconds(-1).to_db();
    sqlx::query("UPDATE console_sessions SET expires_at = $1")
        .bind(past)
        .execute(agentline_store::test_support::pool(&app.store))
        .await
        .unwrap();
    assert_eq!(expiring.get("/v1/calls").await.0, 401, "an expired session is refused");
    let shell = expiring.client.get(format!("{}/console", app.base)).header(COOKIE, &expiring.cookie).send().await;
    assert_eq!(shell.unwrap().status(), 303);
}

async fn a_session_reaches_nothing_of_another_account_on_any_page(engine: Engine) {
    let app = fast_app(engine).await;
    let a = app.account("A").await;
    let b = app.account("B").await;
    let agent = app.post("/v1/agents", &a.key, json!({"name": "A's agent"})).await.id();
    let number = app.post("/v1/numbers", &a.key, json!({"phone_number": phone(1), "agent_id": agent})).await.id();
    let contact = app.post("/v1/contacts", &a.key, json!({"phone_number": phone(2), "name": "Ada"})).await.id();
    let dnc = app.post("/v1/dnc", &a.key, json!({"phone_number": phone(3)})).await.id();
    let key = app.post("/v1/keys", &a.admin, json!({"name": "A key"})).await.id();
    let endpoint = app.post("/v1/webhook-endpoints", &a.key, json!({"url": "https://203.0.113.10/hook"})).await.id();
    let call = app.post("/v1/calls", &a.test_key, json!({"agent_id": agent, "to": "+14155550100"})).await.id();
    wait_for(&app, &a.key, &call, |c| c["ended_at"].is_string()).await;
    let campaign = app
        .post("/v1/campaigns", &a.key, json!({"name": "A's campaign", "agent_id": agent, "from_number_ids": [number]}))
        .await
        .id();
    let deliveries = app.get(&format!("/v1/webhook-deliveries?call_id={call}"), &a.key).await.body;
    let delivery = deliveries["data"][0]["id"].as_str().map(str::to_owned);

    let browser = sign_in(&app, &b.admin).await;
    // Every list a page shows: nothing of A's in it (before B has named any of A's ids, which
    // B's own usage log would then rightly show).
    let a_ids = [&call, &agent, &number, &contact, &dnc, &key, &endpoint, &campaign];
    let lists = [
        "/v1/calls?limit=100".to_owned(),
        format!("/v1/webhook-deliveries?call_id={call}"),
        "/v1/webhook-deliveries?limit=100".into(),
        "/v1/agents?limit=100".into(),
        "/v1/numbers?limit=100".into(),
        "/v1/contacts?limit=100".into(),
        "/v1/dnc?limit=100".into(),
        "/v1/campaigns?limit=100".into(),
        "/v1/keys?limit=100".into(),
        "/v1/webhook-endpoints?limit=100".into(),
        "/v1/balance/ledger?limit=100".into(),
        "/v1/usage?limit=100".into(),
    ];
    for path in &lists {
        let (status, body) = browser.get(path).await;
        assert_eq!(status, 200, "{path}");
        let shown = body.to_string();
        assert!(a_ids.iter().all(|id| !shown.contains(id.as_str())), "{path} shows A's data: {shown}");
    }
    // Every read the console's pages make, for A's resources: each is not found.
    let mut details = vec![
        format!("/v1/calls/{call}"),
        format!("/v1/calls/{call}/events"),
        format!("/v1/calls/{call}/transcript"),
        format!("/v1/calls/{call}/recording"),
        format!("/v1/agents/{agent}"),
        format!("/v1/campaigns/{campaign}"),
        format!("/v1/campaigns/{campaign}/contacts"),
    ];
    details.extend(delivery.iter().map(|id| format!("/v1/webhook-deliveries/{id}")));
    for path in &details {
        assert_eq!(browser.get(path).await.0, 404, "{path}");
    }
    // Every button the pages have, pressed on A's resources: refused, nothing changes.
    let mut writes = vec![
        format!("/v1/calls/{call}/end"),
        format!("/v1/webhook-endpoints/{endpoint}/rotate-secret"),
        format!("/v1/campaigns/{campaign}/start"),
    ];
    writes.extend(delivery.iter().map(|id| format!("/v1/webhook-deliveries/{id}/redeliver")));
    for path in &writes {
        assert_eq!(browser.post(path, json!({})).await.0, 404, "{path}");
    }
    for path in [format!("/v1/keys/{key}"), format!("/v1/agents/{agent}"), format!("/v1/dnc/{dnc}")] {
        let (status, _) = browser.send(reqwest::Method::DELETE, &path, Some(&browser.csrf), None).await;
        assert_eq!(status, 404, "{path}");
    }
    assert_eq!(app.get(&format!("/v1/campaigns/{campaign}"), &a.key).await.body["status"], "draft");
    assert_eq!(app.get(&format!("/v1/agents/{agent}"), &a.key).await.status, 200);
}
