//! What the model is asked: instructions naming the parts wanted, the transcript as text, and a JSON
//! Schema for the answer (sent as `response_format: json_schema`, which OpenAI, Ollama, llama.cpp and
//! vLLM honour; a server that ignores it is still checked against the same schema afterwards).

use agentline_domain::analysis::Parts;
use agentline_store::transcripts::{Speaker, TranscriptTurn};
use serde_json::{Value, json};

/// The instructions when the agent's `prompt` does not replace them.
pub const DEFAULT_PROMPT: &str = "You analyse a finished phone call between an AI voice agent and the person it \
called or who called it. Read the transcript and answer with one JSON object only, no prose around it. Base every \
answer on the transcript alone: never invent what was not said.";

/// The longest transcript sent, in characters; earlier lines are kept, the end is cut with a note.
pub const MAX_TRANSCRIPT_CHARS: usize = 60_000;

/// The JSON Schema an answer must satisfy: one property per part asked for, all required.
pub fn answer_schema(parts: &Parts) -> Value {
    let score = json!({"type": "integer", "minimum": 0, "maximum": 100});
    let mut properties = serde_json::Map::new();
    if parts.summary {
        properties.insert("summary".into(), json!({"type": "string", "minLength": 1, "maxLength": 4000}));
    }
    if parts.quality_dimensions {
        let dimensions = ["professionalism", "empathy", "information_gathering", "resolution"];
        let props: serde_json::Map<String, Value> =
            dimensions.iter().map(|d| ((*d).to_owned(), score.clone())).collect();
        properties.insert(
            "quality_dimensions".into(),
            json!({"type": "object", "properties": props, "required": dimensions, "additionalProperties": false}),
        );
    }
    if parts.sentiment {
        properties.insert("sentiment".into(), json!({"type": "string", "enum": ["positive", "neutral", "negative"]}));
    }
    if let Some(schema) = &parts.structured_data_schema {
        properties.insert("structured_data".into(), schema.clone());
    }
    if parts.success_criteria.is_some() {
        properties.insert(
            "success".into(),
            json!({
                "type": "object",
                "properties": {"passed": {"type": "boolean"}, "score": score, "reason": {"type": "string", "minLength": 1, "maxLength": 2000}},
                "required": ["passed", "score", "reason"],
                "additionalProperties": false,
            }),
        );
    }
    let required: Vec<&String> = properties.keys().collect();
    let mut schema =
        json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false});
    // The user's `#/$defs/…` references point at the root: lift their definitions to this root.
    for defs in ["$defs", "definitions"] {
        if let Some(found) = parts.structured_data_schema.as_ref().and_then(|s| s.get(defs)) {
            schema[defs] = found.clone();
        }
    }
    schema
}

/// What each part asks for, in words, after the instructions.
fn tasks(parts: &Parts) -> String {
    let mut tasks = Vec::new();
    if parts.summary {
        tasks.push("\"summary\": two to four sentences on what happened and what was agreed.".to_owned());
    }
    if parts.quality_dimensions {
        tasks.push(
            "\"quality_dimensions\": how well the agent did, each an integer 0-100: professionalism, empathy, \
             information_gathering, resolution."
                .to_owned(),
        );
    }
    if parts.sentiment {
        tasks.push("\"sentiment\": the other person's overall mood: positive, neutral or negative.".to_owned());
    }
    if parts.structured_data_schema.is_some() {
        tasks.push(
            "\"structured_data\": the facts the schema below asks for, as said in the call; leave out (or null, \
             where the schema allows) what was not said."
                .to_owned(),
        );
    }
    if let Some(criteria) = &parts.success_criteria {
        tasks.push(format!(
            "\"success\": whether the call met these criteria: {{\"passed\": true or false, \"score\": 0-100, \
             \"reason\": one sentence}}. Criteria: {criteria}"
        ));
    }
    tasks.iter().map(|t| format!("- {t}")).collect::<Vec<_>>().join("\n")
}

/// The transcript as `Agent: …` / `Callee: …` lines, cut at [`MAX_TRANSCRIPT_CHARS`].
pub fn transcript_text(turns: &[TranscriptTurn]) -> String {
    let mut text = String::new();
    for turn in turns.iter().filter(|t| !t.text.trim().is_empty()) {
        let who = match turn.speaker {
            Speaker::Agent => "Agent",
            Speaker::Caller => "Callee",
        };
        let line = format!("{who}: {}\n", turn.text.trim());
        if text.chars().count() + line.chars().count() > MAX_TRANSCRIPT_CHARS {
            text.push_str("[the rest of the transcript is left out: too long]\n");
            break;
        }
        text.push_str(&line);
    }
    text
}

/// The chat messages for one analysis. `prompt` replaces [`DEFAULT_PROMPT`] when given.
pub fn messages(parts: &Parts, prompt: Option<&str>, transcript: &str) -> Vec<Value> {
    let instructions = prompt.filter(|p| !p.trim().is_empty()).unwrap_or(DEFAULT_PROMPT);
    let schema = answer_schema(parts);
    let system = format!(
        "{instructions}\n\nThe JSON object has these keys:\n{}\n\nIt must satisfy this JSON Schema:\n{schema}",
        tasks(parts)
    );
    vec![
        json!({"role": "system", "content": system}),
        json!({"role": "user", "content": format!("Transcript:\n{transcript}")}),
    ]
}

/// The messages of the one corrective request after an answer that did not fit: the first
/// request, the model's answer, and what was wrong with it.
pub fn correction(first: &[Value], answer: &str, problem: &str) -> Vec<Value> {
    let mut messages = first.to_vec();
    messages.push(json!({"role": "assistant", "content": answer}));
    messages.push(json!({
        "role": "user",
        "content": format!("That answer is not valid: {problem}. Answer again with only the corrected JSON object."),
    }));
    messages
}

/// The `response_format` asking for an answer that fits `schema`.
pub fn response_format(schema: &Value) -> Value {
    json!({"type": "json_schema", "json_schema": {"name": "call_analysis", "schema": schema}})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts() -> Parts {
        Parts {
            summary: true,
            quality_dimensions: false,
            sentiment: true,
            structured_data_schema: Some(json!({"type": "object", "properties": {"slot": {"type": "string"}}})),
            success_criteria: Some("The callee booked a slot".into()),
        }
    }

    fn turn(speaker: Speaker, text: &str) -> TranscriptTurn {
        TranscriptTurn { seq: 0, speaker, text: text.into(), start_ms: 0, end_ms: 0, interrupted: false }
    }

    #[test]
    fn the_schema_requires_exactly_the_parts_asked_for() {
        let schema = answer_schema(&parts());
        let required: Vec<&str> = schema["required"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        assert_eq!(required, ["sentiment", "structured_data", "success", "summary"]);
        assert_eq!(schema["properties"]["structured_data"], parts().structured_data_schema.unwrap());
        assert!(schema["properties"].get("quality_dimensions").is_none());
        assert!(schema.get("$defs").is_none());
        let with_defs =
            json!({"type": "object", "properties": {"n": {"$ref": "#/$defs/n"}}, "$defs": {"n": {"type": "integer"}}});
        let lifted = answer_schema(&Parts { structured_data_schema: Some(with_defs.clone()), ..parts() });
        assert_eq!(lifted["$defs"], with_defs["$defs"], "references from inside resolve at the root");
        let only_quality = Parts { summary: false, quality_dimensions: true, sentiment: false, ..parts() };
        let only_quality = Parts { structured_data_schema: None, success_criteria: None, ..only_quality };
        assert_eq!(answer_schema(&only_quality)["required"], json!(["quality_dimensions"]));
    }

    #[test]
    fn the_prompt_names_the_criteria_and_carries_the_transcript() {
        let text = transcript_text(&[turn(Speaker::Agent, "Hi, this is Riley."), turn(Speaker::Caller, " Yes? ")]);
        assert_eq!(text, "Agent: Hi, this is Riley.\nCallee: Yes?\n");
        let sent = messages(&parts(), None, &text);
        let system = sent[0]["content"].as_str().unwrap();
        assert!(system.starts_with(DEFAULT_PROMPT) && system.contains("The callee booked a slot"), "{system}");
        assert!(sent[1]["content"].as_str().unwrap().ends_with("Callee: Yes?\n"));
        let own = messages(&parts(), Some("Be terse."), &text);
        assert!(own[0]["content"].as_str().unwrap().starts_with("Be terse.\n"));
    }

    #[test]
    fn long_transcripts_are_cut_with_a_note_and_empty_lines_dropped() {
        let long = "word ".repeat(MAX_TRANSCRIPT_CHARS / 5);
        let text =
            transcript_text(&[turn(Speaker::Caller, ""), turn(Speaker::Agent, "Hello"), turn(Speaker::Caller, &long)]);
        assert_eq!(text, "Agent: Hello\n[the rest of the transcript is left out: too long]\n");
    }

    #[test]
    fn a_correction_repeats_the_exchange_and_names_the_problem() {
        let first = messages(&parts(), None, "Agent: Hi\n");
        let again = correction(&first, "{oops", "it is not JSON");
        assert_eq!(again.len(), 4);
        assert_eq!(again[2], json!({"role": "assistant", "content": "{oops"}));
        assert!(again[3]["content"].as_str().unwrap().contains("it is not JSON"));
    }
}
