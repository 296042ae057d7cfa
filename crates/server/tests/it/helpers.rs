//! `spawn_app` and friends.

use agentline_server::Application;
use agentline_server::config::Config;
use agentline_store::Store;
use agentline_store::accounts::{self, NewAccount};
pub(crate) use agentline_store::test_support::Engine;
use agentline_store::test_support::{TestDatabase, fresh_database};
use reqwest::Method;
use serde_json::Value;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// Declares a test on each engine for every named `async fn name(engine: Engine)`.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Engine::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::helpers::Engine::Postgres).await
            }
        }
    )*};
}

/// Everything the servers of this test binary logged, for tests that check what never appears.
pub(crate) fn captured_logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().unwrap()).into_owned()
}

fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| Arc::new(Mutex::new(Vec::new())))
}

#[derive(Clone)]
struct BufferWriter;

impl Write for BufferWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        log_buffer().lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_once() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
        // Everything at debug level goes to the buffer, so secrets tests see what a verbose operator would.
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug,hyper=info,h2=info")
            .with_writer(|| BufferWriter)
            .with_ansi(false)
            .try_init();
    });
}

/// A running server and a client for it.
pub(crate) struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    /// The webhook worker, to deliver with a controlled clock when the background worker is off.
    pub webhooks: std::sync::Arc<agentline_engine::WebhookWorker>,
    config: Config,
    db: TestDatabase,
    dir: tempfile::TempDir,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// A server told to stop, with its database kept.
pub(crate) struct Stopping {
    pub server: tokio::task::JoinHandle<anyhow::Result<()>>,
    db: TestDatabase,
    _dir: tempfile::TempDir,
}

impl Stopping {
    /// A new connection to the stopped server's database.
    pub(crate) async fn store(&self) -> Store {
        Store::connect(&self.db.url).await.unwrap()
    }
}

/// A second server on a test app's database.
pub(crate) struct Node {
    pub base: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// The credentials `agentline bootstrap` prints.
pub(crate) struct TestAccount {
    pub account_id: String,
    pub business_id: String,
    pub key: String,
    pub test_key: String,
    pub admin: String,
}

/// A response: status, JSON body (or `Null`) and headers.
pub(crate) struct Resp {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Resp {
    /// Asserts this is the documented error shape with `status` and `code`.
    #[track_caller]
    pub(crate) fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.body["error"]["code"], code, "body: {}", self.body);
        assert!(self.body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "body: {}", self.body);
    }

    #[track_caller]
    pub(crate) fn assert_status(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "body: {}", self.body);
        &self.body
    }

    pub(crate) fn id(&self) -> String {
        self.body["id"].as_str().unwrap_or_else(|| panic!("no id in {}", self.body)).to_owned()
    }
}

/// Starts a server with default settings on `engine`.
pub(crate) async fn spawn_app(engine: Engine) -> TestApp {
    spawn_app_with(engine, |_| {}).await
}

/// Starts a server after `tweak` adjusts its configuration.
pub(crate) async fn spawn_app_with(engine: Engine, tweak: impl FnOnce(&mut Config)) -> TestApp {
    init_once();
    let db = fresh_database(engine).await.expect("a fresh test database");
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::defaults();
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.engine.data_dir = dir.path().to_owned();
    config.database_url = Some(agentline_domain::SecretString::new(db.url.clone()));
    config.rate_limits.read_per_minute = 100_000;
    config.rate_limits.write_per_minute = 100_000;
    config.rate_limits.calls_create_per_minute = 100_000;
    config.rate_limits.auth_failures_per_minute = 100_000;
    // Tests that stop a server with calls on it do not wait for them (the drain test sets it).
    config.engine.calls.drain_secs = 0;
    tweak(&mut config);
    start(config, db, dir).await
}

async fn start(config: Config, db: TestDatabase, dir: tempfile::TempDir) -> TestApp {
    let app = Application::build(config.clone()).await.expect("the server starts");
    let base = format!("http://{}", app.local_addr());
    let store = app.store().clone();
    let webhooks = app.webhooks();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    TestApp { base, client: reqwest::Client::new(), store, webhooks, config, db, dir, stop, server }
}

impl TestApp {
    /// Sends the server its stop (as SIGTERM does); it drains, then stops.
    pub(crate) fn stop(self) -> Stopping {
        let _ = self.stop.send(());
        Stopping { server: self.server, db: self.db, _dir: self.dir }
    }

    /// Stops this server and starts another on the same database and data directory, after
    /// `tweak` adjusts the configuration.
    pub(crate) async fn restart(self, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let _ = self.stop.send(());
        let _ = self.server.await;
        let mut config = self.config;
        config.bind = "127.0.0.1:0".parse().unwrap();
        tweak(&mut config);
        start(config, self.db, self.dir).await
    }

    /// A second node, `node-b`, with this app's configuration and database; it runs until the
    /// returned node is dropped.
    pub(crate) async fn second_node(&self) -> Node {
        let mut config = self.config.clone();
        config.bind = "127.0.0.1:0".parse().unwrap();
        config.engine.calls.node_id = "node-b".into();
        let app = Application::build(config).await.expect("the second node starts");
        let base = format!("http://{}", app.local_addr());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        Node { base, _stop: stop }
    }

    /// Sets one of an account's numbers (`balance_cents`, `concurrency_limit`, …) straight in
    /// the database, for what the API does not change.
    pub(crate) async fn set_account(&self, account_id: &str, column: &str, value: i64) {
        let sql = format!("UPDATE accounts SET {column} = $1 WHERE id = $2");
        let pool = agentline_store::test_support::pool(&self.store);
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(value).bind(account_id).execute(pool).await.unwrap();
    }

    /// The server's data directory (recordings live under it).
    pub(crate) fn data_dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// A new account, as `agentline bootstrap` makes it.
    pub(crate) async fn account(&self, name: &str) -> TestAccount {
        let made = accounts::bootstrap(
            &self.store,
            NewAccount {
                name: name.into(),
                plan: "pro".into(),
                concurrency_limit: 10,
                balance_cents: 1000,
                rate_cents_per_minute: 9,
            },
        )
        .await
        .unwrap();
        TestAccount {
            account_id: made.account.id.to_string(),
            business_id: made.business.id.to_string(),
            key: made.live_key.expose().to_owned(),
            test_key: made.test_key.expose().to_owned(),
            admin: made.admin_token.expose().to_owned(),
        }
    }

    pub(crate) async fn send(&self, method: Method, path: &str, key: Option<&str>, body: Option<&Value>) -> Resp {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        read(request.send().await.expect("the server answers")).await
    }

    pub(crate) async fn get(&self, path: &str, key: &str) -> Resp {
        self.send(Method::GET, path, Some(key), None).await
    }

    pub(crate) async fn post(&self, path: &str, key: &str, body: Value) -> Resp {
        self.send(Method::POST, path, Some(key), Some(&body)).await
    }

    pub(crate) async fn patch(&self, path: &str, key: &str, body: Value) -> Resp {
        self.send(Method::PATCH, path, Some(key), Some(&body)).await
    }

    pub(crate) async fn delete(&self, path: &str, key: &str) -> Resp {
        self.send(Method::DELETE, path, Some(key), None).await
    }

    /// Sends a raw body with the given content type.
    pub(crate) async fn post_raw(
        &self,
        path: &str,
        key: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Resp {
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(key)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        read(request.send().await.expect("the server answers")).await
    }

    /// Creates an agent and returns its id.
    pub(crate) async fn agent(&self, key: &str, name: &str) -> String {
        self.post("/v1/agents", key, serde_json::json!({"name": name, "instructions": "Help {{name}}"}))
            .await
            .assert_status(201);
        let list = self.get("/v1/agents?limit=100", key).await;
        let found = list.body["data"].as_array().unwrap().iter().find(|a| a["name"] == name).cloned();
        found.and_then(|a| a["id"].as_str().map(str::to_owned)).expect("the new agent is listed")
    }
}

async fn read(response: reqwest::Response) -> Resp {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("status {status}: body is not JSON: {}", String::from_utf8_lossy(&bytes)))
    };
    Resp { status, body, headers }
}

/// Reads a Server-Sent Events response to its end (the stream closes when the call ends) and
/// returns, per event, `fields`' values (`"id:"`, `"event:"`, `"data:"`…); events lacking one are skipped.
pub(crate) async fn read_sse_fields(response: reqwest::Response, fields: &[&str]) -> Vec<Vec<String>> {
    let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(kind.starts_with("text/event-stream"), "not an event stream: {kind}");
    let text = tokio::time::timeout(std::time::Duration::from_secs(15), response.text())
        .await
        .expect("the stream closes when the call ends")
        .unwrap();
    text.split("\n\n")
        .filter_map(|block| {
            let field = |name: &str| block.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_owned());
            fields.iter().map(|name| field(name)).collect()
        })
        .collect()
}

/// Reads a Server-Sent Events response to its end, noting when each event arrived: (type, when).
pub(crate) async fn read_sse_timed(mut response: reqwest::Response) -> Vec<(String, std::time::Instant)> {
    let mut events = Vec::new();
    let mut buffer = String::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let now = std::time::Instant::now();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if let Some(kind) = block.lines().find_map(|l| l.strip_prefix("event:")) {
                events.push((kind.trim().to_owned(), now));
            }
        }
    }
    events
}

/// `/healthz` of the node at `base`, once its `cluster` field reads `want` (at most 5 s).
pub(crate) async fn health_when(client: &reqwest::Client, base: &str, want: &str) -> Value {
    let mut health = Value::Null;
    for _ in 0..100 {
        health = client.get(format!("{base}/healthz")).send().await.unwrap().json().await.unwrap();
        if health["cluster"] == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    health
}
