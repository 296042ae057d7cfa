//! A campaign's contact rows, from JSON (`contacts` on create) or a CSV upload, checked row by
//! row. A row with a number that cannot be dialled is kept, to be skipped as `invalid_number`,
//! so the list shows it; any other fault (no number, an unknown time zone, a name too long)
//! fails the whole upload with the line of every faulty row, and nothing is stored.

use crate::PhoneNumber;
use crate::id::ContactId;
use crate::validate::optional_text;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// Most rows one request may add.
pub const MAX_ROWS: usize = 100_000;
const MAX_NAME_CHARS: usize = 200;
const MAX_VARIABLE_CHARS: usize = 2_000;

/// A contact in a campaign's `contacts`: an existing contact by id, or a row of its own.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRowBody {
    /// One of your contacts (`con_…`): its number, name and time zone are used.
    pub contact_id: Option<String>,
    /// E.164 (`+14155550100`).
    pub phone_number: Option<String>,
    pub name: Option<String>,
    /// IANA zone (`America/Chicago`); else derived from the number where its country has one
    /// zone, else the business's.
    pub timezone: Option<String>,
    /// This contact's template variables, over the campaign's.
    #[schema(value_type = Option<Object>)]
    pub variables: Option<Map<String, Value>>,
}

/// The number a row dials, or why it cannot be dialled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowNumber {
    Valid(PhoneNumber),
    Invalid(String),
}

/// A checked row.
#[derive(Clone, Debug, PartialEq)]
pub enum ContactRow {
    Existing { contact_id: ContactId, variables: Map<String, Value> },
    Inline { number: RowNumber, name: Option<String>, timezone: Option<String>, variables: Map<String, Value> },
}

/// A faulty row: its line (CSV, counting the header as line 1) or index (JSON, from 0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RowError {
    /// The CSV line (the header is line 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The index in `contacts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    pub message: String,
}

fn timezone(value: Option<String>) -> Result<Option<String>, String> {
    let given = value.map(|tz| tz.trim().to_owned()).filter(|tz| !tz.is_empty());
    given.map(|tz| crate::validate::timezone(&tz).map_err(|e| e.message)).transpose()
}

fn name(value: Option<String>) -> Result<Option<String>, String> {
    let Some(value) = value.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) else { return Ok(None) };
    optional_text("name", &value, MAX_NAME_CHARS).map_err(|e| e.to_string())?;
    Ok(Some(value))
}

fn number(value: &str) -> RowNumber {
    let value = value.trim();
    PhoneNumber::parse_or_fictional(value).map_or_else(|_| RowNumber::Invalid(value.to_owned()), RowNumber::Valid)
}

fn variables(value: Option<Map<String, Value>>) -> Result<Map<String, Value>, String> {
    let value = value.unwrap_or_default();
    let too_long = value.values().any(|v| v.to_string().chars().count() > MAX_VARIABLE_CHARS);
    if too_long { Err(format!("variables must be at most {MAX_VARIABLE_CHARS} characters each")) } else { Ok(value) }
}

impl ContactRowBody {
    pub fn check(self) -> Result<ContactRow, String> {
        let variables = variables(self.variables)?;
        match (self.contact_id, self.phone_number) {
            (Some(id), None) => {
                let contact_id = ContactId::parse(&id).map_err(|e| e.to_string())?;
                Ok(ContactRow::Existing { contact_id, variables })
            }
            (None, Some(phone)) => Ok(ContactRow::Inline {
                number: number(&phone),
                name: name(self.name)?,
                timezone: timezone(self.timezone)?,
                variables,
            }),
            (Some(_), Some(_)) => Err("give contact_id or phone_number, not both".into()),
            (None, None) => Err("a contact needs contact_id or phone_number".into()),
        }
    }
}

/// Checks JSON rows; every faulty row is reported by its index.
pub fn check_json(rows: Vec<ContactRowBody>) -> Result<Vec<ContactRow>, Vec<RowError>> {
    if rows.len() > MAX_ROWS {
        return Err(vec![RowError { line: None, index: None, message: format!("at most {MAX_ROWS} contacts") }]);
    }
    collect(
        rows.into_iter()
            .enumerate()
            .map(|(index, row)| row.check().map_err(|message| RowError { line: None, index: Some(index), message })),
    )
}

fn collect(rows: impl Iterator<Item = Result<ContactRow, RowError>>) -> Result<Vec<ContactRow>, Vec<RowError>> {
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for row in rows {
        match row {
            Ok(row) => good.push(row),
            // The first 100 faults are plenty to fix a file.
            Err(error) if bad.len() < 100 => bad.push(error),
            Err(_) => {}
        }
    }
    if bad.is_empty() { Ok(good) } else { Err(bad) }
}

/// The CSV header names a column may have.
const PHONE_COLUMNS: &[&str] = &["phone_number", "phone", "number", "to"];
const NAME_COLUMNS: &[&str] = &["name", "full_name"];
const TIMEZONE_COLUMNS: &[&str] = &["timezone", "time_zone", "tz"];

/// Checks a CSV upload: a header row naming `phone_number` (or `phone`, `number`, `to`) and
/// optionally `name` and `timezone`; every other column becomes a template variable of its row.
pub fn check_csv(text: &str) -> Result<Vec<ContactRow>, Vec<RowError>> {
    let fault = |line: Option<u64>, message: String| vec![RowError { line, index: None, message }];
    let mut reader = csv::ReaderBuilder::new().flexible(false).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(headers) => headers.iter().map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase()).collect(),
        Err(err) => return Err(fault(Some(1), format!("the header row cannot be read: {err}"))),
    };
    let find = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let Some(phone) = find(PHONE_COLUMNS) else {
        return Err(fault(Some(1), "the header row must name a phone_number column".into()));
    };
    let (name_at, tz_at) = (find(NAME_COLUMNS), find(TIMEZONE_COLUMNS));
    let mut rows = Vec::new();
    for record in reader.records() {
        if rows.len() >= MAX_ROWS {
            return Err(fault(None, format!("at most {MAX_ROWS} rows per upload")));
        }
        rows.push(match record {
            Ok(record) => {
                let line = record.position().map(|p| p.line());
                csv_row(&record, &headers, phone, name_at, tz_at).map_err(|message| RowError {
                    line,
                    index: None,
                    message,
                })
            }
            Err(err) => {
                let line = err.position().map(|p| p.line());
                Err(RowError { line, index: None, message: err.to_string() })
            }
        });
    }
    if rows.is_empty() {
        return Err(fault(None, "the file has no rows under its header".into()));
    }
    collect(rows.into_iter())
}

fn csv_row(
    record: &csv::StringRecord,
    headers: &[String],
    phone: usize,
    name_at: Option<usize>,
    tz_at: Option<usize>,
) -> Result<ContactRow, String> {
    let field = |at: Option<usize>| at.and_then(|i| record.get(i)).map(str::to_owned);
    let number_text = record.get(phone).unwrap_or_default();
    if number_text.is_empty() {
        return Err("the phone_number is empty".into());
    }
    let mut vars = Map::new();
    for (i, header) in headers.iter().enumerate() {
        if i != phone && Some(i) != name_at && Some(i) != tz_at && !header.is_empty() {
            vars.insert(header.clone(), Value::String(record.get(i).unwrap_or_default().to_owned()));
        }
    }
    Ok(ContactRow::Inline {
        number: number(number_text),
        name: name(field(name_at))?,
        timezone: timezone(field(tz_at))?,
        variables: variables(Some(vars))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any text at all: an answer, never a panic; taken rows are one per record, and every
        /// fault names a line.
        #[test]
        fn any_upload_is_taken_or_refused_by_line(text in "(?s)[a-z_,\"+0-9 /\n\r\t\u{feff}é]{0,400}") {
            match check_csv(&text) {
                Ok(rows) => prop_assert!(!rows.is_empty() && rows.len() <= text.lines().count()),
                Err(errors) => prop_assert!(!errors.is_empty() && errors.len() <= 100),
            }
        }
    }

    #[test]
    fn csv_rows_keep_their_extra_columns_as_variables() {
        let text =
            "phone_number,name,timezone,appointment\n+14155550100,Ada,America/Chicago,Tuesday 3pm\n+1 bad,Bob,,\n";
        let rows = check_csv(text).unwrap();
        let ContactRow::Inline { number, name, timezone, variables } = &rows[0] else { panic!() };
        assert_eq!(number, &RowNumber::Valid(PhoneNumber::parse("+14155550100").unwrap()));
        assert_eq!((name.as_deref(), timezone.as_deref()), (Some("Ada"), Some("America/Chicago")));
        assert_eq!(variables["appointment"], "Tuesday 3pm");
        let ContactRow::Inline { number, timezone, .. } = &rows[1] else { panic!() };
        assert_eq!((number, timezone), (&RowNumber::Invalid("+1 bad".into()), &None), "kept, to be skipped");
    }

    #[test]
    fn faulty_csv_rows_are_reported_by_line_and_nothing_is_taken() {
        let text = "phone,name,tz\n+14155550100,Ada,Mars/Base\n+14155550101,Bob,UTC\n,Carol,UTC\n+14155550102,Dan\n";
        let errors = check_csv(text).unwrap_err();
        let lines: Vec<Option<u64>> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(2), Some(4), Some(5)], "{errors:?}");
        assert!(errors[0].message.contains("Mars/Base"));
        assert!(check_csv("name\nAda\n").unwrap_err()[0].message.contains("phone_number"));
        assert!(check_csv("phone_number\n").is_err(), "no rows");
    }

    #[test]
    fn json_rows_name_a_contact_or_a_number() {
        let rows = vec![
            ContactRowBody { contact_id: Some("con_0".into()), ..ContactRowBody::default() },
            ContactRowBody { ..ContactRowBody::default() },
            ContactRowBody { phone_number: Some("+14155550100".into()), ..ContactRowBody::default() },
        ];
        let errors = check_json(rows).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.index).collect::<Vec<_>>(), [Some(0), Some(1)]);
    }
}
