//! Phone numbers in E.164, checked against libphonenumber's metadata.

use std::fmt;

/// A valid phone number, always held in E.164 form (`+14155550100`).
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

/// Why a string is not an acceptable phone number.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhoneNumberError {
    /// Not `+` followed by 2 to 15 digits with no leading zero.
    #[error("phone numbers must be in E.164 format, like +14155550100")]
    NotE164,
    /// E.164 in shape, but no such number can exist (unassigned country or area code, wrong length).
    #[error("{0} is not a valid phone number")]
    Invalid(String),
}

impl PhoneNumber {
    /// Strict: spaces, punctuation, extensions and national formats are refused, because
    /// libphonenumber on its own would silently drop an extension or guess a region.
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        check_shape(input)?;
        let parsed = phonenumber::parse(None, input).map_err(|_| PhoneNumberError::Invalid(input.to_owned()))?;
        if !phonenumber::is_valid(&parsed) {
            return Err(PhoneNumberError::Invalid(input.to_owned()));
        }
        Ok(Self(input.to_owned()))
    }

    /// Like [`Self::parse`], and also the fictional `+1 555 xxx xxxx` numbers (NPA 555, never
    /// assigned) the seed services use in their examples: test calls may dial them, and stored
    /// rows may hold them.
    pub fn parse_or_fictional(input: &str) -> Result<Self, PhoneNumberError> {
        match input.strip_prefix('+') {
            Some(digits) if is_fictional(digits) && digits.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Self(input.to_owned()))
            }
            _ => Self::parse(input),
        }
    }

    /// A number read back from this service's own database, where only numbers that passed
    /// [`Self::parse_or_fictional`] are written: the E.164 shape is checked, libphonenumber's
    /// metadata is not consulted again. That check costs about 50 µs a number, and listing 50
    /// calls decodes 100 numbers.
    pub fn from_stored(stored: &str) -> Result<Self, PhoneNumberError> {
        check_shape(stored)?;
        Ok(Self(stored.to_owned()))
    }

    /// Whether this is a fictional `+1 555 xxx xxxx` number (see [`Self::parse_or_fictional`]).
    pub fn is_fictional(&self) -> bool {
        self.0.strip_prefix('+').is_some_and(is_fictional)
    }

    /// The E.164 text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `+` and 2 to 15 digits, the first not 0.
fn check_shape(text: &str) -> Result<(), PhoneNumberError> {
    let digits = text.strip_prefix('+').ok_or(PhoneNumberError::NotE164)?;
    let shape_ok =
        (2..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
    if shape_ok { Ok(()) } else { Err(PhoneNumberError::NotE164) }
}

/// NANP area code 555 is reserved and never assigned, so no real number can be mistaken for one.
fn is_fictional(digits: &str) -> bool {
    digits.len() == 11 && digits.starts_with("1555")
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneNumberError;
    /// Stored rows may hold test calls to fictional numbers.
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse_or_fictional(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(n: PhoneNumber) -> String {
        n.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl utoipa::PartialSchema for PhoneNumber {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^\+[1-9]\d{1,14}$"))
            .description(Some("E.164 phone number"))
            .examples([serde_json::json!("+14155550100")])
            .into()
    }
}

impl utoipa::ToSchema for PhoneNumber {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_real_numbers() {
        for n in ["+12025550100", "+14155550123", "+442079460958", "+61491570006", "+18005550199"] {
            assert_eq!(PhoneNumber::parse(n).unwrap().as_str(), n);
        }
    }

    #[test]
    fn refuses_non_e164_shapes() {
        for n in [
            "",
            "+",
            "14155550100",
            "+1 415 555 0100",
            "(415) 555-1234",
            "+012345",
            "+12025550100x12",
            "08012345678",
            "+1234567890123456",
        ] {
            assert_eq!(PhoneNumber::parse(n), Err(PhoneNumberError::NotE164), "{n}");
        }
    }

    #[test]
    fn refuses_numbers_that_cannot_exist() {
        for n in ["+15551234567", "+999123456", "+1202"] {
            assert!(matches!(PhoneNumber::parse(n), Err(PhoneNumberError::Invalid(_))), "{n}");
        }
    }

    #[test]
    fn stored_numbers_are_checked_for_shape_only() {
        assert_eq!(PhoneNumber::from_stored("+999123456").unwrap().as_str(), "+999123456");
        for bad in ["", "14155550100", "+1 415 555 0100", "+0123456", "+1234567890123456"] {
            assert_eq!(PhoneNumber::from_stored(bad), Err(PhoneNumberError::NotE164), "{bad}");
        }
    }

    #[test]
    fn fictional_npa_555_numbers_are_held_and_flagged() {
        let n = PhoneNumber::parse_or_fictional("+15551234567").unwrap();
        assert!(n.is_fictional());
        for bad in ["+1555123456", "+155512345678", "+1555123456x"] {
            assert!(PhoneNumber::parse_or_fictional(bad).is_err(), "{bad}");
        }
        assert!(!PhoneNumber::parse("+14155551234").unwrap().is_fictional());
    }

    proptest! {
        #[test]
        fn never_panics_and_keeps_input(s in "\\+?[0-9 ()x-]{0,20}") {
            if let Ok(n) = PhoneNumber::parse(&s) {
                prop_assert_eq!(n.as_str(), s.as_str());
            }
        }
    }
}
