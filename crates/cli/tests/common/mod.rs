//! What the tests that run the real binary share: starting `agentline serve` as a child process
//! on a test database, a webhook receiver, and small JSON calls.

#![allow(dead_code)] // each test binary uses its own part of this

pub(crate) mod settled;

use agentline_store::test_support::{Engine, TestDatabase, fresh_database};
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Webhook deliveries received, in arrival order: (`webhook-id` header, body).
pub(crate) type Inbox = std::sync::Arc<std::sync::Mutex<Vec<(String, Value)>>>;

/// A webhook receiver on loopback that answers 200 to everything; its URL and what it got.
pub(crate) async fn receiver() -> (String, Inbox) {
    let inbox: Inbox = Inbox::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let store = std::sync::Arc::clone(&inbox);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| async move {
            let id = headers.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            store.lock().unwrap().push((id, serde_json::from_slice(&body).unwrap_or(Value::Null)));
            "ok"
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, inbox)
}

/// A served binary.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) base: String,
}

impl Server {
    /// SIGKILL: no graceful shutdown.
    pub(crate) fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The binary, set up for `db` and data directory `dir`.
pub(crate) fn agentline(db: &TestDatabase, dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agentline"));
    command
        .env("AGENTLINE_DATABASE_URL", &db.url)
        .env("AGENTLINE_DATA_DIR", dir)
        .env("AGENTLINE_CALLS__HEARTBEAT_SECS", "1")
        .env("AGENTLINE_LOG", "warn")
        .env("AGENTLINE_WEBHOOK_ALLOW_PRIVATE", "true")
        .stdin(Stdio::null());
    command
}

/// `agentline bootstrap` with `args`: the credentials it printed.
pub(crate) fn bootstrap(db: &TestDatabase, dir: &std::path::Path, args: &[&str]) -> Value {
    let out = agentline(db, dir).args(["bootstrap", "--json"]).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

pub(crate) async fn start(db: &TestDatabase, dir: &std::path::Path, client: &reqwest::Client) -> Server {
    start_with(db, dir, client, &[]).await
}

/// `agentline serve` with extra environment `env`, once it answers `/healthz`.
pub(crate) async fn start_with(
    db: &TestDatabase,
    dir: &std::path::Path,
    client: &reqwest::Client,
    env: &[(&str, &str)],
) -> Server {
    let port = free_port();
    let child = agentline(db, dir)
        .envs(env.iter().copied())
        .arg("serve")
        .env("AGENTLINE_BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Server { child, base }
}

/// GET (no body) or POST `body` to `url` with `key`; the JSON answer.
pub(crate) async fn call_json(
    client: &reqwest::Client,
    key: &str,
    url: String,
    body: Option<Value>,
    idempotency: Option<&str>,
) -> Value {
    let mut request = match body {
        Some(body) => client.post(url).json(&body),
        None => client.get(url),
    };
    request = request.bearer_auth(key);
    if let Some(idempotency) = idempotency {
        request = request.header("idempotency-key", idempotency);
    }
    request.send().await.unwrap().json().await.unwrap()
}

/// A time zone where it is about noon now (`Etc/GMT-N` is UTC+N), so a calling window is open.
pub(crate) fn zone_at_noon() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let offset = 12 - i64::try_from(secs / 3600 % 24).unwrap();
    if offset >= 0 { format!("Etc/GMT-{offset}") } else { format!("Etc/GMT+{}", -offset) }
}

/// A fresh database on `engine` and a data directory for a test's servers; reqwest's TLS
/// provider installed once for the process.
pub(crate) async fn fresh_setup(engine: Engine) -> (TestDatabase, tempfile::TempDir) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    (fresh_database(engine).await.unwrap(), tempfile::tempdir().unwrap())
}
