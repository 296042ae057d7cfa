//! Reading the model's answer, which is untrusted: it must be one JSON object holding exactly the parts asked
//! for, each in range, and `structured_data` must satisfy the user's schema. Every way it can be wrong comes
//! back as a sentence that can be shown to the user and to the model (for its one corrective try).

use super::prompt::answer_schema;
use agentline_domain::analysis::{Parts, QualityDimensions, Sentiment, Success};
use serde::Deserialize;
use serde_json::Value;

/// Schema violations named in one error; the rest are counted.
const MAX_VIOLATIONS_SHOWN: usize = 3;

/// What a valid answer holds.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Parsed {
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub quality_dimensions: Option<QualityDimensions>,
    #[serde(default)]
    pub sentiment: Option<Sentiment>,
    #[serde(default)]
    pub structured_data: Option<Value>,
    #[serde(default)]
    pub success: Option<Success>,
}

/// Checks that a user's `structured_data_schema` is a JSON Schema this server can apply (no remote `$ref`).
pub fn check_schema(schema: &Value) -> Result<(), String> {
    compile(schema).map(drop)
}

fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::validator_for(schema).map_err(|e| format!("is not a usable JSON Schema: {}", cut(&e.to_string())))
}

/// The parts of `content` (the model's text), checked against what `parts` asked for.
pub fn parse(parts: &Parts, content: &str) -> Result<Parsed, String> {
    let answer: Value = serde_json::from_str(unfenced(content))
        .map_err(|e| format!("it is not a JSON object ({})", cut(&e.to_string())))?;
    // The user's schema is checked on its own: inside the envelope its `#` references would point elsewhere.
    let envelope = Parts {
        structured_data_schema: parts.structured_data_schema.as_ref().map(|_| Value::Bool(true)),
        ..parts.clone()
    };
    violations("the answer", &compile(&answer_schema(&envelope))?, &answer)?;
    if let (Some(schema), Some(data)) = (&parts.structured_data_schema, answer.get("structured_data")) {
        violations("structured_data", &compile(schema)?, data)?;
    }
    let mut parsed: Parsed = serde_json::from_value(answer)
        .map_err(|e| format!("it does not have the expected shape ({})", cut(&e.to_string())))?;
    parsed.summary = parsed.summary.map(|s| s.trim().to_owned());
    if parsed.summary.as_deref() == Some("") {
        return Err("the summary is empty".to_owned());
    }
    Ok(parsed)
}

/// `Ok` when `value` satisfies `validator`; otherwise the first few violations, each with its place.
fn violations(what: &str, validator: &jsonschema::Validator, value: &Value) -> Result<(), String> {
    let errors: Vec<String> =
        validator.iter_errors(value).map(|e| format!("at `{}`: {}", e.instance_path(), cut(&e.to_string()))).collect();
    if errors.is_empty() {
        return Ok(());
    }
    let mut text =
        format!("{what} does not match its schema: {}", errors[..errors.len().min(MAX_VIOLATIONS_SHOWN)].join("; "));
    if errors.len() > MAX_VIOLATIONS_SHOWN {
        text.push_str(&format!(" (and {} more)", errors.len() - MAX_VIOLATIONS_SHOWN));
    }
    Err(text)
}

/// The text inside a Markdown code fence, which some models wrap JSON in despite being asked not to.
fn unfenced(content: &str) -> &str {
    let trimmed = content.trim();
    let Some(inner) = trimmed.strip_prefix("```").and_then(|rest| rest.strip_suffix("```")) else {
        return trimmed;
    };
    inner.strip_prefix("json").unwrap_or(inner).trim()
}

/// A message cut to a length fit for an error (model text can be long).
fn cut(text: &str) -> String {
    const MAX: usize = 200;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parts() -> Parts {
        Parts {
            summary: true,
            quality_dimensions: true,
            sentiment: true,
            structured_data_schema: Some(json!({
                "type": "object",
                "properties": {"slot": {"type": "string"}, "party": {"$ref": "#/$defs/size"}},
                "required": ["slot"],
                "$defs": {"size": {"type": "integer", "minimum": 1}}
            })),
            success_criteria: Some("A slot is booked".into()),
        }
    }

    fn good() -> Value {
        json!({
            "summary": " Sam booked Friday at ten. ",
            "quality_dimensions": {"professionalism": 90, "empathy": 70, "information_gathering": 80, "resolution": 100},
            "sentiment": "positive",
            "structured_data": {"slot": "Friday 10:00", "party": 2},
            "success": {"passed": true, "score": 95, "reason": "A slot was booked."}
        })
    }

    #[test]
    fn a_good_answer_gives_every_part() {
        let parsed = parse(&parts(), &good().to_string()).unwrap();
        assert_eq!(parsed.summary.as_deref(), Some("Sam booked Friday at ten."));
        assert_eq!(parsed.quality_dimensions.unwrap().resolution, 100);
        assert_eq!(parsed.sentiment, Some(Sentiment::Positive));
        assert_eq!(parsed.structured_data, Some(json!({"slot": "Friday 10:00", "party": 2})));
        assert_eq!(parsed.success, Some(Success { passed: true, score: 95, reason: "A slot was booked.".into() }));
    }

    #[test]
    fn fenced_json_is_read() {
        let fenced = format!("```json\n{}\n```", good());
        assert!(parse(&parts(), &fenced).is_ok());
    }

    #[test]
    fn not_json_is_named() {
        let error = parse(&parts(), "Sure! The call went well.").unwrap_err();
        assert!(error.starts_with("it is not a JSON object"), "{error}");
        assert!(parse(&parts(), "").unwrap_err().starts_with("it is not a JSON object"));
    }

    #[test]
    fn schema_violations_name_the_place() {
        let mut bad = good();
        bad["structured_data"] = json!({"party": 0});
        let error = parse(&parts(), &bad.to_string()).unwrap_err();
        assert!(error.starts_with("structured_data does not match its schema"), "{error}");
        assert!(error.contains("slot") && error.contains("`/party`"), "{error}");
    }

    #[test]
    fn out_of_range_missing_and_extra_parts_are_refused() {
        for (key, value) in [
            (
                "quality_dimensions",
                json!({"professionalism": 101, "empathy": 1, "information_gathering": 1, "resolution": 1}),
            ),
            ("sentiment", json!("ecstatic")),
            ("success", json!({"passed": "yes", "score": 50, "reason": "r"})),
            ("summary", json!(42)),
            ("invented", json!(true)),
        ] {
            let mut bad = good();
            bad[key] = value;
            let error = parse(&parts(), &bad.to_string()).unwrap_err();
            assert!(error.starts_with("the answer does not match its schema"), "{key}: {error}");
        }
        let mut missing = good();
        missing.as_object_mut().unwrap().remove("summary");
        assert!(parse(&parts(), &missing.to_string()).unwrap_err().contains("summary"));
    }

    #[test]
    fn a_blank_summary_is_refused() {
        let mut blank = good();
        blank["summary"] = json!("   ");
        assert_eq!(parse(&parts(), &blank.to_string()).unwrap_err(), "the summary is empty");
    }

    #[test]
    fn errors_stay_short_whatever_the_answer() {
        let mut bad = good();
        bad["sentiment"] = json!("x".repeat(100_000));
        let error = parse(&parts(), &bad.to_string()).unwrap_err();
        assert!(error.len() < 1_000, "{} bytes", error.len());
    }

    #[test]
    fn schemas_that_cannot_be_applied_are_refused() {
        assert!(check_schema(&json!({"type": "object", "properties": {"a": {"type": "strin"}}})).is_err());
        assert!(
            check_schema(&json!({"type": "object", "properties": {"a": {"$ref": "https://example.com/s.json"}}}))
                .is_err()
        );
        assert!(check_schema(&parts().structured_data_schema.unwrap()).is_ok());
    }
}
