//! Reading typed values out of `AnyRow`s.

use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::any::AnyRow;

fn corrupt(column: &str, err: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::ColumnDecode { index: column.to_owned(), source: Box::new(err) }
}

/// Decoding helpers for the schema's conventions (prefixed ids, text timestamps, 0/1 flags, JSON text).
pub(crate) trait RowExt {
    fn text(&self, column: &str) -> sqlx::Result<String>;
    fn opt_text(&self, column: &str) -> sqlx::Result<Option<String>>;
    fn int(&self, column: &str) -> sqlx::Result<i64>;
    fn opt_int(&self, column: &str) -> sqlx::Result<Option<i64>>;

    fn flag(&self, column: &str) -> sqlx::Result<bool> {
        Ok(self.int(column)? != 0)
    }

    /// Any type made from text: ids, timestamps, phone numbers.
    fn parse<T>(&self, column: &str) -> sqlx::Result<T>
    where
        T: TryFrom<String>,
        T::Error: std::error::Error + Send + Sync + 'static,
    {
        T::try_from(self.text(column)?).map_err(|e| corrupt(column, e))
    }

    fn parse_opt<T>(&self, column: &str) -> sqlx::Result<Option<T>>
    where
        T: TryFrom<String>,
        T::Error: std::error::Error + Send + Sync + 'static,
    {
        self.opt_text(column)?.map(T::try_from).transpose().map_err(|e| corrupt(column, e))
    }

    fn json<T: DeserializeOwned>(&self, column: &str) -> sqlx::Result<T> {
        serde_json::from_str(&self.text(column)?).map_err(|e| corrupt(column, e))
    }
}

impl RowExt for AnyRow {
    fn text(&self, column: &str) -> sqlx::Result<String> {
        self.try_get(column)
    }
    fn opt_text(&self, column: &str) -> sqlx::Result<Option<String>> {
        self.try_get(column)
    }
    fn int(&self, column: &str) -> sqlx::Result<i64> {
        self.try_get(column)
    }
    fn opt_int(&self, column: &str) -> sqlx::Result<Option<i64>> {
        self.try_get(column)
    }
}

/// JSON text for a column.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Serialising our own plain data types (maps, vectors, strings) cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

/// An optional enum column stored as its text name.
pub(crate) fn decode_enum<T>(row: &AnyRow, column: &str, parse: fn(&str) -> Option<T>) -> sqlx::Result<Option<T>> {
    match row.opt_text(column)? {
        None => Ok(None),
        Some(text) => {
            parse(&text).map(Some).ok_or_else(|| sqlx::Error::Decode(format!("{column}: unknown value {text}").into()))
        }
    }
}

/// A required enum column stored as its text name.
pub(crate) fn decode_required<T>(row: &AnyRow, column: &str, parse: fn(&str) -> Option<T>) -> sqlx::Result<T> {
    decode_enum(row, column, parse)?.ok_or_else(|| sqlx::Error::Decode(format!("{column} is null").into()))
}
