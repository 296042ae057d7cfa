/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No row with that id in this tenant.
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; names the constraint's meaning.
    #[error("already exists")]
    AlreadyExists,
    /// The row points at another row that does not exist.
    #[error("a referenced resource does not exist")]
    MissingReference,
    /// A stored value no longer parses: a bug or a hand-edited database.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::AlreadyExists,
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => Self::MissingReference,
            sqlx::Error::ColumnDecode { source, .. } => Self::Corrupt(source.to_string()),
            _ => Self::Database(err),
        }
    }
}
