//! Prefixed, time-ordered resource ids (`agt_…`, `call_…`).
//!
//! The body is a UUIDv7 in lowercase hex, so ids sort by creation time as plain strings.
//! That lets cursor pagination walk a list by `id` alone, on any database.

use std::fmt;

/// Why a string is not an id of the expected kind.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{value}` is not a valid {kind} id (expected `{prefix}_` followed by 32 hex digits)")]
pub struct IdError {
    kind: &'static str,
    prefix: &'static str,
    value: String,
}

fn new_body() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

fn check(prefix: &'static str, kind: &'static str, value: &str) -> Result<(), IdError> {
    let body = value.strip_prefix(prefix).and_then(|rest| rest.strip_prefix('_'));
    let ok = body.is_some_and(|b| b.len() == 32 && b.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')));
    if ok {
        Ok(())
    } else {
        let value: String = value.chars().take(80).collect();
        Err(IdError { kind, prefix, value })
    }
}

macro_rules! define_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The prefix before the underscore.
            pub const PREFIX: &'static str = $prefix;

            /// A fresh id, later than every id made before it in this process.
            pub fn generate() -> Self {
                Self(format!("{}_{}", $prefix, new_body()))
            }

            /// Accepts exactly the strings [`Self::generate`] makes.
            pub fn parse(value: &str) -> Result<Self, IdError> {
                check($prefix, $kind, value).map(|()| Self(value.to_owned()))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, IdError> {
                check($prefix, $kind, &value).map(|()| Self(value))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .pattern(Some(concat!("^", $prefix, "_[0-9a-f]{32}$")))
                    .examples([serde_json::json!(concat!($prefix, "_0192f5e0c3a87d3e9b1f6a2c4d5e6f70"))])
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

define_id!(/** An account: the tenant that owns everything else. */ AccountId, "acct", "account");
define_id!(/** A business inside an account (a brand, an office). */ BusinessId, "biz", "business");
define_id!(/** An API key. */ KeyId, "key", "API key");
define_id!(/** A configured voice agent. */ AgentId, "agt", "agent");
define_id!(/** A phone number the account owns. */ NumberId, "num", "phone number");
define_id!(/** A contact (lead). */ ContactId, "con", "contact");
define_id!(/** A Do-Not-Call entry. */ DncId, "dnc", "do-not-call entry");
define_id!(/** A call. */ CallId, "call", "call");
define_id!(/** A wallet ledger entry. */ LedgerId, "led", "ledger entry");
define_id!(/** A request in the usage log. */ UsageId, "use", "usage log entry");
define_id!(/** A webhook endpoint. */ EndpointId, "whe", "webhook endpoint");
define_id!(/** One delivery of an event to one URL. */ DeliveryId, "whd", "webhook delivery");
define_id!(/** One attempt at a delivery. */ AttemptId, "wha", "delivery attempt");
define_id!(/** An event (call event, webhook event). */ EventId, "evt", "event");
define_id!(/** A SIP trunk. */ TrunkId, "trk", "SIP trunk");
define_id!(/** A campaign: a list of contacts called by one agent. */ CampaignId, "cmp", "campaign");
define_id!(/** One contact of a campaign. */ CampaignContactId, "cmc", "campaign contact");

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_ids_parse_back_and_sort_by_creation() {
        let ids: Vec<AgentId> = (0..1000).map(|_| AgentId::generate()).collect();
        for pair in ids.windows(2) {
            assert!(pair[0] < pair[1], "{} !< {}", pair[0], pair[1]);
        }
        for id in &ids {
            assert_eq!(AgentId::parse(id.as_str()).unwrap(), *id);
        }
    }

    #[test]
    fn wrong_prefix_is_refused() {
        let call = CallId::generate();
        let err = AgentId::parse(call.as_str()).unwrap_err();
        assert!(err.to_string().contains("agent id"));
    }

    #[test]
    fn serde_refuses_malformed_ids() {
        let bad: Result<AgentId, _> = serde_json::from_str("\"agt_XYZ\"");
        assert!(bad.is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_accepts_only_the_shape(s in ".{0,64}") {
            if let Ok(id) = ContactId::parse(&s) {
                prop_assert!(id.as_str().starts_with("con_"));
                prop_assert_eq!(id.as_str().len(), 36);
            }
        }
    }
}
