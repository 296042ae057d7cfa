//! Starting a server for a scenario and talking to it.

use agentline_server::Application;
use agentline_server::config::Config;
use agentline_store::accounts::{self, NewAccount};
use agentline_store::test_support::{Engine, TestDatabase, fresh_database};
use anyhow::Context;
use serde_json::Value;

pub(crate) struct Bench {
    pub base: String,
    pub store: agentline_store::Store,
    pub account_id: String,
    pub business_id: String,
    pub client: reqwest::Client,
    pub key: String,
    pub test_key: String,
    pub engine: Engine,
    _db: TestDatabase,
    _dir: tempfile::TempDir,
}

/// A server on `engine` with limits out of the way, and one account.
pub(crate) async fn start(engine: Engine, tweak: impl FnOnce(&mut Config)) -> anyhow::Result<Bench> {
    let db = fresh_database(engine).await.context("a fresh database (Postgres needs AGENTLINE_TEST_PG_URL)")?;
    let dir = tempfile::tempdir()?;
    let mut config = Config::defaults();
    config.bind = "127.0.0.1:0".parse()?;
    config.engine.data_dir = dir.path().to_owned();
    config.database_url = Some(agentline_domain::SecretString::new(db.url.clone()));
    config.rate_limits.calls_create_per_minute = 10_000_000;
    config.rate_limits.read_per_minute = 10_000_000;
    config.rate_limits.write_per_minute = 10_000_000;
    config.rate_limits.auth_failures_per_minute = 10_000_000;
    config.engine.calls.max_queued_per_account = 100_000_000;
    tweak(&mut config);
    let app = Application::build(config).await?;
    let base = format!("http://{}", app.local_addr());
    let made = accounts::bootstrap(
        app.store(),
        NewAccount {
            name: "Bench".into(),
            plan: "bench".into(),
            concurrency_limit: 10_000,
            balance_cents: 1_000_000_000,
            rate_cents_per_minute: 1,
        },
    )
    .await?;
    let store = app.store().clone();
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let client = reqwest::Client::builder().pool_max_idle_per_host(1024).build()?;
    Ok(Bench {
        base,
        store,
        account_id: made.account.id.to_string(),
        business_id: made.business.id.to_string(),
        client,
        key: made.live_key.expose().to_owned(),
        test_key: made.test_key.expose().to_owned(),
        engine,
        _db: db,
        _dir: dir,
    })
}

impl Bench {
    pub(crate) async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let response =
            self.client.post(format!("{}{path}", self.base)).bearer_auth(&self.key).json(body).send().await?;
        let status = response.status();
        let body: Value = response.json().await?;
        anyhow::ensure!(status.is_success(), "POST {path}: {status} {body}");
        Ok(body)
    }

    pub(crate) async fn get(&self, path: &str) -> anyhow::Result<Value> {
        let response = self.client.get(format!("{}{path}", self.base)).bearer_auth(&self.key).send().await?;
        let status = response.status();
        let body: Value = response.json().await?;
        anyhow::ensure!(status.is_success(), "GET {path}: {status} {body}");
        Ok(body)
    }

    /// An agent with a caller-ID number; returns the agent id.
    pub(crate) async fn agent(&self) -> anyhow::Result<String> {
        let agent = self.post("/v1/agents", &serde_json::json!({"name": "Bench"})).await?;
        let id = agent["id"].as_str().context("agent id")?.to_owned();
        self.post("/v1/numbers", &serde_json::json!({"phone_number": "+14155550150", "agent_id": id})).await?;
        Ok(id)
    }

    pub(crate) fn engine_name(&self) -> &'static str {
        match self.engine {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "Postgres",
        }
    }
}
