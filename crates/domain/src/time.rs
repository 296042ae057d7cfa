//! Timestamps as stored: fixed-width UTC text, so string order is time order on every engine.

use chrono::{DateTime, SecondsFormat, Utc};
use std::fmt;

/// A UTC instant with microsecond precision.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Timestamp(DateTime<Utc>);

/// Text that is not an RFC 3339 timestamp.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not an RFC 3339 timestamp (like 2026-01-15T10:00:00Z)")]
pub struct TimestampError(String);

impl Timestamp {
    pub fn now() -> Self {
        Self::from_datetime(Utc::now())
    }

    /// Truncates to microseconds, the precision every engine keeps.
    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        let micros = at.timestamp_micros();
        Self(DateTime::from_timestamp_micros(micros).unwrap_or(at))
    }

    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| Self::from_datetime(t.with_timezone(&Utc)))
            .map_err(|_| TimestampError(text.chars().take(64).collect()))
    }

    pub fn datetime(self) -> DateTime<Utc> {
        self.0
    }

    /// The stored form: `2026-01-15T10:00:00.000000Z`, always the same width.
    pub fn to_db(self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Micros, true)
    }

    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0 + chrono::Duration::seconds(seconds))
    }

    pub fn plus_millis(self, millis: i64) -> Self {
        Self(self.0 + chrono::Duration::milliseconds(millis))
    }
}

impl TryFrom<String> for Timestamp {
    type Error = TimestampError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Timestamp> for String {
    fn from(t: Timestamp) -> String {
        t.0.to_rfc3339_opts(SecondsFormat::Millis, true)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_db())
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::DateTime)))
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_form_is_fixed_width_and_sorts_like_time() {
        let a = Timestamp::parse("2026-01-15T10:00:00Z").unwrap();
        let b = Timestamp::parse("2026-01-15T10:00:00.5+00:00").unwrap();
        assert_eq!(a.to_db().len(), b.to_db().len());
        assert!(a.to_db() < b.to_db());
        assert_eq!(Timestamp::parse(&b.to_db()).unwrap(), b);
    }

    #[test]
    fn offsets_normalise_to_utc() {
        let t = Timestamp::parse("2026-01-15T12:00:00+02:00").unwrap();
        assert_eq!(t.to_db(), "2026-01-15T10:00:00.000000Z");
    }

    #[test]
    fn garbage_is_refused() {
        assert!(Timestamp::parse("yesterday").is_err());
        assert!(Timestamp::parse("2026-13-01T00:00:00Z").is_err());
    }
}
