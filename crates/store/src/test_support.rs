//! Fresh, isolated databases for tests, on either engine.
//!
//! SQLite gets a file in a temporary directory; Postgres gets a new database on the server
//! named by `AGENTLINE_TEST_PG_URL` (scripts/test.sh starts a throwaway one), dropped when
//! the returned guard is dropped... by the next run's cleanup, since drops cannot be async.

use crate::{Result, Store};

/// Which engine a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Keeps a test database alive (the SQLite directory) for as long as the test holds it.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    _dir: Option<TempDir>,
}

/// A directory removed on drop, without a dev-dependency in the library.
#[derive(Debug)]
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn unique_name() -> String {
    format!("t_{}", agentline_domain::EventId::generate().as_str().trim_start_matches("evt_"))
}

/// The Postgres server tests use. Panics with instructions when it is not configured,
/// because a Postgres test that silently skipped would prove nothing.
pub fn postgres_server_url() -> String {
    std::env::var("AGENTLINE_TEST_PG_URL").unwrap_or_else(|_| {
        panic!("AGENTLINE_TEST_PG_URL is not set; run scripts/test.sh, which starts a throwaway Postgres and sets it")
    })
}

/// A new empty database on `engine`, not yet migrated.
pub async fn fresh_database(engine: Engine) -> Result<TestDatabase> {
    match engine {
        Engine::Sqlite => {
            let dir = std::env::temp_dir().join(format!("agentline-{}", unique_name()));
            std::fs::create_dir_all(&dir).map_err(|e| crate::Error::Corrupt(format!("temp dir: {e}")))?;
            let url = format!("sqlite://{}", dir.join("agentline.sqlite").display());
            Ok(TestDatabase { url, _dir: Some(TempDir(dir)) })
        }
        Engine::Postgres => {
            let server = postgres_server_url();
            let name = unique_name();
            let admin = Store::connect(&server).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(admin.pool()).await?;
            admin.close().await;
            let base = server.rsplit_once('/').map_or(server.as_str(), |(base, _)| base);
            Ok(TestDatabase { url: format!("{base}/{name}"), _dir: None })
        }
    }
}

/// A fresh, migrated store on `engine`.
pub async fn fresh_store(engine: Engine) -> Result<(Store, TestDatabase)> {
    let db = fresh_database(engine).await?;
    let store = Store::connect(&db.url).await?;
    store.migrate().await?;
    Ok((store, db))
}

/// The pool behind a store, for tests that write rows directly.
pub fn pool(store: &Store) -> &sqlx::AnyPool {
    store.pool()
}
