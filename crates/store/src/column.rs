//! How a struct field maps to a table column, declared once per type.
//!
//! [`record!`] and [`from_row!`] take a type's columns as `field: codec` pairs and write its
//! `FromRow` (and, for [`record!`], its [`Record`](crate::record::Record) impl) from them, so
//! the columns a row is read from and the columns it is written to cannot drift apart. A
//! codec is one of the small modules below: `decode` reads the column out of a row, `encode`
//! turns the field into the [`Param`] it is written as. Each follows the schema's conventions
//! (prefixed ids and timestamps as text, flags as 0/1, JSON as text, enums by their names).

use crate::row::{RowExt, decode_enum, decode_required, to_json};
use crate::sql::Param;
use agentline_domain::call::{CallStatus, EndReason};
use agentline_domain::trunk::{CallerIdMode, SipTransport};
use agentline_domain::{ApiKeyMode, CarrierKind, Direction, SecretString, Timestamp};
use sqlx::any::AnyRow;

/// Text that parses into a type and prints back as the same text: ids, phone numbers.
pub(crate) mod parsed {
    use super::*;

    pub(crate) fn decode<T>(row: &AnyRow, column: &str) -> sqlx::Result<T>
    where
        T: TryFrom<String>,
        T::Error: std::error::Error + Send + Sync + 'static,
    {
        row.parse(column)
    }

    pub(crate) fn encode<T: std::fmt::Display>(value: &T) -> Param {
        value.to_string().into()
    }
}

/// A phone number this service wrote: its E.164 shape is checked on the way back, not its
/// numbering plan again (see [`PhoneNumber::from_stored`]).
pub(crate) mod phone {
    use super::*;
    use agentline_domain::PhoneNumber;

    pub(crate) fn decode(row: &AnyRow, column: &str) -> sqlx::Result<PhoneNumber> {
        let text = row.text(column)?;
        PhoneNumber::from_stored(&text)
            .map_err(|e| sqlx::Error::ColumnDecode { index: column.to_owned(), source: Box::new(e) })
    }

    pub(crate) fn encode(value: &PhoneNumber) -> Param {
        value.as_str().into()
    }
}

/// A nullable [`parsed`] column.
pub(crate) mod opt_parsed {
    use super::*;

    pub(crate) fn decode<T>(row: &AnyRow, column: &str) -> sqlx::Result<Option<T>>
    where
        T: TryFrom<String>,
        T::Error: std::error::Error + Send + Sync + 'static,
    {
        row.parse_opt(column)
    }

    pub(crate) fn encode<T: std::fmt::Display>(value: &Option<T>) -> Param {
        value.as_ref().map(ToString::to_string).into()
    }
}

/// Plain text.
pub(crate) mod text {
    use super::*;

    pub(crate) fn decode(row: &AnyRow, column: &str) -> sqlx::Result<String> {
        row.text(column)
    }

    pub(crate) fn encode(value: &str) -> Param {
        value.into()
    }
}

/// Nullable text.
pub(crate) mod opt_text {
    use super::*;

    pub(crate) fn decode(row: &AnyRow, column: &str) -> sqlx::Result<Option<String>> {
        row.opt_text(column)
    }

    pub(crate) fn encode(value: &Option<String>) -> Param {
        value.clone().into()
    }
}

/// A whole number.
pub(crate) mod int {
    use super::*;

    pub(crate) fn decode(row: &AnyRow, column: &str) -> sqlx::Result<i64> {
        row.int(column)
    }

    pub(crate) fn encode(value: &i64) -> Param {
        (*value).into()
    }
}

/// A nullable whole number.
pub(crate) mod opt_int {
    use super::*;

    pub(crate) fn decode(row: &AnyRow, column: &str) -> sqlx::Result<Option<i64>> {
        row.opt_int(column)
    }

    pub(crate) fn encode(value: &Option<i64>) -> Param {
        (*value).into()
    }
}

/// A yes/no flag stored as 0 or 1.
pub(crate) mod flag {
    use super::*;

    pub(crate) fn decode(row: &AnyRow, column: &str) -> sqlx::Result<bool> {
        row.flag(column)
    }

    pub(crate) fn encode(value: &bool) -> Param {
        (*value).into()
    }
}

/// A [`Timestamp`], stored in its database text form.
pub(crate) mod time {
    use super::*;

    pub(crate) fn decode(row: &AnyRow, column: &str) -> sqlx::Result<Timestamp> {
        row.parse(column)
    }

    pub(crate) fn encode(value: &Timestamp) -> Param {
        (*value).into()
    }
}

/// A nullable [`time`] column.
pub(crate) mod opt_time {
    use super::*;

    pub(crate) fn decode(row: &AnyRow, column: &str) -> sqlx::Result<Option<Timestamp>> {
        row.parse_opt(column)
    }

    pub(crate) fn encode(value: &Option<Timestamp>) -> Param {
        (*value).into()
    }
}

/// Any serde value, stored as JSON text.
pub(crate) mod json {
    use super::*;

    pub(crate) fn decode<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> sqlx::Result<T> {
        row.json(column)
    }

    pub(crate) fn encode<T: serde::Serialize>(value: &T) -> Param {
        to_json(value).into()
    }
}

/// A nullable JSON document: SQL `NULL` when absent (never the text `null`).
pub(crate) mod opt_json {
    use super::*;

    pub(crate) fn decode<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> sqlx::Result<Option<T>> {
        row.opt_text(column)?
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))
    }

    pub(crate) fn encode<T: serde::Serialize>(value: &Option<T>) -> Param {
        value.as_ref().map(to_json).into()
    }
}

/// An enum stored as its name; an unknown name is a decoding error.
pub(crate) mod variant {
    use super::*;

    pub(crate) fn decode<T: Named>(row: &AnyRow, column: &str) -> sqlx::Result<T> {
        decode_required(row, column, T::from_name)
    }

    pub(crate) fn encode<T: Named>(value: &T) -> Param {
        value.name().into()
    }
}

/// A nullable [`variant`] column.
pub(crate) mod opt_variant {
    use super::*;

    pub(crate) fn decode<T: Named>(row: &AnyRow, column: &str) -> sqlx::Result<Option<T>> {
        decode_enum(row, column, T::from_name)
    }

    pub(crate) fn encode<T: Named>(value: &Option<T>) -> Param {
        value.map(|v| v.name().to_owned()).into()
    }
}

/// A secret, stored as given and never shown.
pub(crate) mod secret {
    use super::*;

    pub(crate) fn decode(row: &AnyRow, column: &str) -> sqlx::Result<SecretString> {
        Ok(SecretString::new(row.text(column)?))
    }

    pub(crate) fn encode(value: &SecretString) -> Param {
        value.expose().into()
    }
}

/// A nullable [`secret`] column.
pub(crate) mod opt_secret {
    use super::*;

    pub(crate) fn decode(row: &AnyRow, column: &str) -> sqlx::Result<Option<SecretString>> {
        Ok(row.opt_text(column)?.map(SecretString::new))
    }

    pub(crate) fn encode(value: &Option<SecretString>) -> Param {
        value.as_ref().map(|s| s.expose().to_owned()).into()
    }
}

/// A SIP port; a stored value out of range reads as SIP's default, 5060.
pub(crate) mod sip_port {
    use super::*;

    pub(crate) fn decode(row: &AnyRow, column: &str) -> sqlx::Result<u16> {
        Ok(u16::try_from(row.int(column)?).unwrap_or(5060))
    }

    pub(crate) fn encode(value: &u16) -> Param {
        i64::from(*value).into()
    }
}

/// An enum the schema stores by its name (`in_progress`, `live`, `udp`, …).
pub(crate) trait Named: Copy {
    fn name(self) -> &'static str;
    fn from_name(text: &str) -> Option<Self>;
}

/// [`Named`] for enums with `as_str` and `parse(&str) -> Option<Self>`.
macro_rules! named_by_parse {
    ($($ty:ty),+) => {$(
        impl $crate::column::Named for $ty {
            fn name(self) -> &'static str {
                self.as_str()
            }
            fn from_name(text: &str) -> Option<Self> {
                Self::parse(text)
            }
        }
    )+};
}

/// [`Named`] for enums with `as_str` and `FromStr`.
macro_rules! named_by_from_str {
    ($($ty:ty),+) => {$(
        impl $crate::column::Named for $ty {
            fn name(self) -> &'static str {
                self.as_str()
            }
            fn from_name(text: &str) -> Option<Self> {
                text.parse().ok()
            }
        }
    )+};
}

named_by_parse!(CallStatus, EndReason, ApiKeyMode);
named_by_from_str!(SipTransport, CallerIdMode, Direction, CarrierKind);

/// The column a field is stored in: its own name unless `as "column"` says otherwise.
macro_rules! column_name {
    ($field:ident) => {
        stringify!($field)
    };
    ($field:ident $column:literal) => {
        $column
    };
}

/// Writes `FromRow` for a row type from its `field: codec` list (see the module docs).
///
/// ```text
/// from_row! {
///     TwilioCredentials {
///         account_id: parsed,
///         account_sid as "twilio_account_sid": text,
///     }
/// }
/// ```
///
/// After the columns, `derived { field = expression, … }` sets fields that are no column,
/// from the decoded ones (`has_password = password.is_some()`).
macro_rules! from_row {
    (
        $ty:ident {
            $($field:ident $(as $column:literal)?: $codec:ident),+ $(,)?
        }
        $(derived { $($derived:ident = $value:expr),+ $(,)? })?
    ) => {
        impl sqlx::FromRow<'_, sqlx::any::AnyRow> for $ty {
            fn from_row(row: &sqlx::any::AnyRow) -> sqlx::Result<Self> {
                $(let $field = $crate::column::$codec::decode(row, $crate::column::column_name!($field $($column)?))?;)+
                $($(let $derived = $value;)+)?
                Ok(Self { $($field,)+ $($($derived,)+)? })
            }
        }
    };
}

/// Writes `FromRow` and [`Record`](crate::record::Record) for a resource stored in `table`,
/// from its `field: codec` list in column order (the order `INSERT`s name them in). The first
/// column is `id`.
///
/// ```text
/// record! {
///     DncEntry in "dnc_entries", business_scoped: false {
///         id: parsed,
///         account_id: parsed,
///         phone_number: parsed,
///         reason: opt_text,
///         created_at: time,
///     }
/// }
/// ```
macro_rules! record {
    (
        $ty:ident in $table:literal, business_scoped: $scoped:literal {
            $($field:ident $(as $column:literal)?: $codec:ident),+ $(,)?
        }
        $(derived { $($derived:ident = $value:expr),+ $(,)? })?
    ) => {
        $crate::column::from_row! {
            $ty { $($field $(as $column)?: $codec),+ }
            $(derived { $($derived = $value),+ })?
        }

        impl $crate::record::Record for $ty {
            const TABLE: &'static str = $table;
            const BUSINESS_SCOPED: bool = $scoped;

            fn id(&self) -> &str {
                self.id.as_str()
            }

            fn columns(&self) -> Vec<(&'static str, $crate::sql::Param)> {
                vec![$((
                    $crate::column::column_name!($field $($column)?),
                    $crate::column::$codec::encode(&self.$field),
                )),+]
            }
        }
    };
}

pub(crate) use {column_name, from_row, named_by_parse, record};
