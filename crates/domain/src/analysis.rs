//! Post-call analysis: what an agent (or one call) asks a model to work out once the call has
//! ended, and the shape of the results stored on the call.
//!
//! The same [`AnalysisSettings`] type serves as an agent's settings and as a call's overrides:
//! every field is optional, and [`AnalysisSettings::over`] lays a call's fields over its agent's.
//! Running the analysis lives in the engine; this module only holds data and its checks.

use crate::validate::{FieldError, http_url, optional_text, token};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// The largest `structured_data_schema`, serialised.
pub const MAX_SCHEMA_BYTES: usize = 16 * 1024;

/// Which parts of the analysis run, with which model and prompt. Absent fields take their
/// defaults: the summary runs, the other parts only when asked, and the model is the agent's
/// `llm` brain's (else the server's `[analysis]` model).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSettings {
    /// `false` skips the analysis of every call (default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// A few sentences on what happened in the call (default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<bool>,
    /// `professionalism`, `empathy`, `information_gathering` and `resolution`, each 0–100 (default `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality_dimensions: Option<bool>,
    /// The callee's sentiment: `positive`, `neutral` or `negative` (default `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<bool>,
    /// A JSON Schema (an object schema, at most 16 KiB, no remote `$ref`) the extracted
    /// `structured_data` must satisfy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub structured_data_schema: Option<Value>,
    /// A rubric in plain words; the model says whether the call passed it, with a score and a reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_criteria: Option<String>,
    /// An OpenAI-compatible server, up to (not including) `/chat/completions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Replaces the built-in instructions to the model (the parts asked for and the transcript
    /// are always added).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
}

impl AnalysisSettings {
    /// `self` (a call's overrides) laid field by field over `base` (its agent's settings).
    pub fn over(&self, base: &Self) -> Self {
        Self {
            enabled: self.enabled.or(base.enabled),
            summary: self.summary.or(base.summary),
            quality_dimensions: self.quality_dimensions.or(base.quality_dimensions),
            sentiment: self.sentiment.or(base.sentiment),
            structured_data_schema: self.structured_data_schema.clone().or_else(|| base.structured_data_schema.clone()),
            success_criteria: self.success_criteria.clone().or_else(|| base.success_criteria.clone()),
            base_url: self.base_url.clone().or_else(|| base.base_url.clone()),
            model: self.model.clone().or_else(|| base.model.clone()),
            prompt: self.prompt.clone().or_else(|| base.prompt.clone()),
        }
    }

    /// The parts these settings ask for, with their defaults applied.
    pub fn parts(&self) -> Parts {
        Parts {
            summary: self.summary.unwrap_or(true),
            quality_dimensions: self.quality_dimensions.unwrap_or(false),
            sentiment: self.sentiment.unwrap_or(false),
            structured_data_schema: self.structured_data_schema.clone(),
            success_criteria: self.success_criteria.clone(),
        }
    }

    /// Checks the form of each field, naming it under `prefix` (`analysis`). Whether the schema
    /// compiles is the engine's check, which knows JSON Schema.
    pub fn validate(&self) -> Result<(), FieldError> {
        if let Some(url) = &self.base_url {
            http_url("analysis.base_url", url)?;
        }
        if let Some(model) = &self.model {
            token("analysis.model", model, 200)?;
        }
        if let Some(prompt) = &self.prompt {
            optional_text("analysis.prompt", prompt, 8_000)?;
        }
        if let Some(criteria) = &self.success_criteria {
            if criteria.trim().is_empty() {
                return Err(FieldError::new("analysis.success_criteria", "must not be empty (leave it out instead)"));
            }
            optional_text("analysis.success_criteria", criteria, 4_000)?;
        }
        if let Some(schema) = &self.structured_data_schema {
            let is_object = schema.get("type").and_then(Value::as_str) == Some("object");
            if !is_object || schema.to_string().len() > MAX_SCHEMA_BYTES {
                return Err(FieldError::new(
                    "analysis.structured_data_schema",
                    "must be a JSON Schema object (\"type\": \"object\"), at most 16 KiB",
                ));
            }
        }
        Ok(())
    }
}

/// The parts of an analysis that run.
#[derive(Clone, Debug, PartialEq)]
pub struct Parts {
    pub summary: bool,
    pub quality_dimensions: bool,
    pub sentiment: bool,
    pub structured_data_schema: Option<Value>,
    pub success_criteria: Option<String>,
}

impl Parts {
    /// Nothing to ask the model.
    pub fn is_empty(&self) -> bool {
        !self.summary
            && !self.quality_dimensions
            && !self.sentiment
            && self.structured_data_schema.is_none()
            && self.success_criteria.is_none()
    }
}

/// Where a call's analysis stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnalysisStatus {
    /// Waiting for (or being retried by) the analysis worker.
    Pending,
    Completed,
    /// The model failed or answered badly; `error` says how.
    Failed,
    /// Not run: no transcript, no model, or nothing asked; `reason` says which.
    Skipped,
}

/// How the call scored against its `success_criteria`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Success {
    pub passed: bool,
    /// 0–100.
    pub score: u8,
    pub reason: String,
}

/// The callee's overall sentiment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sentiment {
    Positive,
    Neutral,
    Negative,
}

/// How well the agent handled the call, each 0–100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QualityDimensions {
    pub professionalism: u8,
    pub empathy: u8,
    pub information_gathering: u8,
    pub resolution: u8,
}

/// A call's analysis as stored on it and sent with `call.analyzed`. The summary and quality
/// dimensions are top-level fields of the call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Analysis {
    pub status: AnalysisStatus,
    /// 1 for the run after the call, then one more for each `POST /v1/calls/{id}/analyze`.
    pub run: i64,
    /// What the model extracted, valid against `structured_data_schema`.
    #[schema(value_type = Option<Object>)]
    pub structured_data: Option<Value>,
    pub success: Option<Success>,
    pub sentiment: Option<Sentiment>,
    /// The model that answered (or was asked).
    pub model: Option<String>,
    /// Why a `failed` analysis failed.
    pub error: Option<String>,
    /// Why a `skipped` analysis did not run.
    pub reason: Option<String>,
}

impl Analysis {
    /// A run waiting for the worker.
    pub fn pending(run: i64) -> Self {
        Self {
            status: AnalysisStatus::Pending,
            run,
            structured_data: None,
            success: None,
            sentiment: None,
            model: None,
            error: None,
            reason: None,
        }
    }

    /// A run that did not call a model, and why.
    pub fn skipped(run: i64, reason: impl Into<String>) -> Self {
        Self { status: AnalysisStatus::Skipped, reason: Some(reason.into()), ..Self::pending(run) }
    }

    /// A run that ended in an error, after asking `model`.
    pub fn failed(run: i64, model: Option<String>, error: impl Into<String>) -> Self {
        Self { status: AnalysisStatus::Failed, model, error: Some(error.into()), ..Self::pending(run) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(value: Value) -> AnalysisSettings {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_calls_fields_win_and_the_agents_fill_the_rest() {
        let agent = settings(json!({"summary": false, "model": "llama3", "success_criteria": "Books a slot"}));
        let call = settings(json!({"summary": true, "sentiment": true}));
        let merged = call.over(&agent);
        assert_eq!(merged.summary, Some(true));
        assert_eq!(merged.sentiment, Some(true));
        assert_eq!(merged.model.as_deref(), Some("llama3"));
        assert_eq!(merged.success_criteria.as_deref(), Some("Books a slot"));
        assert_eq!(AnalysisSettings::default().over(&agent), agent);
    }

    #[test]
    fn by_default_only_the_summary_runs() {
        let parts = AnalysisSettings::default().parts();
        assert!(parts.summary && !parts.quality_dimensions && !parts.sentiment);
        assert!(!parts.is_empty());
        assert!(settings(json!({"summary": false})).parts().is_empty());
        assert!(!settings(json!({"summary": false, "success_criteria": "x"})).parts().is_empty());
    }

    #[test]
    fn validation_names_the_field() {
        let field = |value: Value| settings(value).validate().unwrap_err().field;
        assert_eq!(field(json!({"base_url": "ftp://x"})), "analysis.base_url");
        assert_eq!(field(json!({"model": ""})), "analysis.model");
        assert_eq!(field(json!({"prompt": "x".repeat(8_001)})), "analysis.prompt");
        assert_eq!(field(json!({"success_criteria": "  "})), "analysis.success_criteria");
        assert_eq!(field(json!({"structured_data_schema": {"type": "string"}})), "analysis.structured_data_schema");
        let huge = json!({"type": "object", "description": "x".repeat(MAX_SCHEMA_BYTES)});
        assert_eq!(field(json!({ "structured_data_schema": huge })), "analysis.structured_data_schema");
        let fine = json!({"base_url": "http://localhost:11434/v1", "model": "llama3.2", "structured_data_schema": {"type": "object"}});
        assert!(settings(fine).validate().is_ok());
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_value::<AnalysisSettings>(json!({"summmary": true})).is_err());
    }

    #[test]
    fn results_serialise_with_every_field() {
        let shown = serde_json::to_value(Analysis::skipped(1, "the call has no transcript")).unwrap();
        assert_eq!(shown["status"], "skipped");
        assert_eq!(shown["reason"], "the call has no transcript");
        assert!(shown["structured_data"].is_null() && shown["error"].is_null());
    }
}
