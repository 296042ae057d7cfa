use crate::Result;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Which engine a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// What a `SELECT` ends with to lock its rows until the transaction ends: ` FOR UPDATE` on
    /// Postgres; nothing on SQLite, where a write transaction already holds the whole database.
    pub(crate) fn for_update(self) -> &'static str {
        match self {
            Self::Postgres => " FOR UPDATE",
            Self::Sqlite => "",
        }
    }
}

/// A connection pool and the dialect behind it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
    /// Postgres only: where a `LISTEN` connection of its own is opened (the pool's connections
    /// come and go; a listener must stay). Never printed.
    listen_url: Option<ListenUrl>,
    /// See [`Store::unsynced_pool`].
    unsynced: Option<AnyPool>,
}

/// A few Postgres connections with `synchronous_commit = off`, opened as they are needed.
fn unsynced_pool(url: &str) -> Result<AnyPool> {
    let pool = AnyPoolOptions::new()
        .max_connections(4)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute("SET synchronous_commit = off").await?;
                Ok(())
            })
        })
        .connect_lazy_with(AnyConnectOptions::from_str(url)?);
    Ok(pool)
}

/// A database URL that may hold a password: kept, never shown.
#[derive(Clone)]
pub(crate) struct ListenUrl(std::sync::Arc<str>);

impl std::fmt::Debug for ListenUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ListenUrl(..)")
    }
}

impl ListenUrl {
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl Store {
    /// Connects to `sqlite://PATH` (created if missing) or `postgres://…`.
    ///
    /// SQLite runs in WAL mode with `synchronous=FULL`, so a commit that returned is on disk
    /// even if the process or the machine dies right after.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Dialect::Postgres
        } else {
            Dialect::Sqlite
        };
        let url = match dialect {
            Dialect::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if dialect == Dialect::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA synchronous = FULL",
                            "PRAGMA busy_timeout = 10000",
                            "PRAGMA foreign_keys = ON",
                        ] {
                            conn.execute(pragma).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let listen_url = (dialect == Dialect::Postgres).then(|| ListenUrl(url.as_str().into()));
        let unsynced = match dialect {
            Dialect::Postgres => Some(unsynced_pool(&url)?),
            Dialect::Sqlite => None,
        };
        Ok(Self { pool, dialect, listen_url, unsynced })
    }

    /// Where writes that may be lost in a database crash go (Postgres: connections that commit
    /// without waiting for the WAL flush); the main pool elsewhere. Only for state that is
    /// harmless to lose, such as rate-limit budgets: a hot row's lock is then held for the
    /// statement, not for a disk flush, so hundreds of requests a second can share one key.
    pub(crate) fn unsynced_pool(&self) -> &AnyPool {
        self.unsynced.as_ref().unwrap_or(&self.pool)
    }

    /// Applies every migration not yet applied. Safe to run from several nodes at once on
    /// Postgres (sqlx takes an advisory lock).
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub(crate) fn listen_url(&self) -> Option<&ListenUrl> {
        self.listen_url.as_ref()
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so two writers queue on `busy_timeout` instead of one failing
    /// with "database is locked" when it upgrades from a read.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        let tx = match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => self.pool.begin().await?,
        };
        Ok(tx)
    }

    /// Round trip to the database, for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(unsynced) = &self.unsynced {
            unsynced.close().await;
        }
        self.pool.close().await;
    }
}
