//! One run of one call's analysis: gather the settings, transcript and model, ask, check the answer (with
//! one corrective request when it does not fit), and say what to store, or when to try again.

use super::model::{self, Target};
use super::{parse, prompt};
use crate::settings::Settings;
use crate::webhooks::guard;
use agentline_brains::chat::{ChatAnswer, ChatError, ChatRequest};
use agentline_domain::analysis::{Analysis, AnalysisSettings, AnalysisStatus, Parts};
use agentline_domain::brain::Brain;
use agentline_domain::vendor::Vendor;
use agentline_store::analysis::{Finished, Job, ModelUsage};
use agentline_store::calls::Call;
use agentline_store::record::{self, Tenant};
use agentline_store::{Store, agents::Agent, transcripts, vendors};
use serde_json::{Value, json};
use std::time::Duration;

/// What to do with a run after an attempt.
#[derive(Debug)]
pub(super) enum Step {
    Finish(Box<Finished>),
    /// A passing failure (timeout, 5xx…): try again if the schedule allows, else fail with `error`.
    Retry {
        error: String,
        model: String,
        usage: ModelUsage,
    },
}

/// What one run needs, read from the store.
struct Inputs {
    settings: AnalysisSettings,
    brain: Brain,
}

/// Makes one attempt at `job`.
pub(super) async fn attempt(
    store: &Store,
    settings: &Settings,
    http: &reqwest::Client,
    job: &Job,
) -> agentline_store::Result<Step> {
    let inputs = inputs(store, job).await?;
    let skip = |reason: &str| Ok(finish(Analysis::skipped(job.run, reason), None));
    if inputs.settings.enabled == Some(false) {
        return skip("analysis is turned off for this agent or call");
    }
    let parts = inputs.settings.parts();
    if parts.is_empty() {
        return skip("no part of the analysis was asked for");
    }
    let tenant = Tenant::account(job.account_id.clone());
    let turns = transcripts::turns(store, &tenant, &job.call_id).await?;
    let transcript = prompt::transcript_text(&turns);
    if transcript.is_empty() {
        return skip("the call has no transcript");
    }
    let Some(target) = model::target(&inputs.settings, &inputs.brain, &settings.analysis) else {
        return skip(
            "no model configured: set the agent's analysis.base_url and analysis.model, give it an llm brain, \
             or set the server's [analysis] model",
        );
    };
    let failed = |error: String| Ok(finish(Analysis::failed(job.run, Some(target.model.clone()), error), None));
    if let Err(why) = guard::check_url(&target.base_url, settings.webhook_allow_private).await {
        return failed(format!("refused by the SSRF guard: the URL {why}"));
    }
    let own = match vendors::get(store, &job.account_id, Vendor::Openai).await {
        Ok(own) => own.map(|credentials| credentials.api_key),
        Err(err) => {
            tracing::warn!(account_id = %job.account_id, error = %err, "vendor credentials unreadable; using the server's");
            None
        }
    };
    let key = model::key(own, settings.speech.llm_api_key.as_ref(), &settings.analysis, &target.base_url);
    let asker = Asker { http, settings, target: &target, key: key.as_ref() };
    Ok(asker.analyse(job.run, &parts, inputs.settings.prompt.as_deref(), &transcript).await)
}

async fn inputs(store: &Store, job: &Job) -> agentline_store::Result<Inputs> {
    let tenant = Tenant::account(job.account_id.clone());
    let call: Call = record::get(store, &tenant, job.call_id.as_str()).await?;
    // An agent deleted since the call leaves the call's own settings and the server's model.
    let agent = record::get::<Agent>(store, &tenant, call.agent_id.as_str()).await.ok();
    let (agent_settings, brain) = agent.map(|a| (a.analysis, a.brain)).unwrap_or_default();
    let settings = call.analysis_settings.clone().unwrap_or_default().over(&agent_settings);
    Ok(Inputs { settings, brain })
}

fn finish(analysis: Analysis, usage: Option<ModelUsage>) -> Step {
    Step::Finish(Box::new(Finished { analysis, summary: None, quality_dimensions: None, usage }))
}

/// Asks one model.
struct Asker<'a> {
    http: &'a reqwest::Client,
    settings: &'a Settings,
    target: &'a Target,
    key: Option<&'a agentline_domain::SecretString>,
}

impl Asker<'_> {
    /// Asks, checks, asks once more with the problem named if the answer does not fit.
    async fn analyse(&self, run: i64, parts: &Parts, own_prompt: Option<&str>, transcript: &str) -> Step {
        let schema = prompt::answer_schema(parts);
        let first = prompt::messages(parts, own_prompt, transcript);
        let mut usage = ModelUsage::default();
        let answer = match self.ask(&first, &schema, &mut usage).await {
            Ok(answer) => answer,
            Err(error) => return self.after_error(run, error, usage),
        };
        let mut model = answer.model.clone().unwrap_or_else(|| self.target.model.clone());
        let parsed = match parse::parse(parts, &answer.content) {
            Ok(parsed) => parsed,
            Err(problem) => {
                let again = prompt::correction(&first, &answer.content, &problem);
                let second = match self.ask(&again, &schema, &mut usage).await {
                    Ok(second) => second,
                    Err(error) => return self.after_error(run, error, usage),
                };
                model = second.model.clone().unwrap_or(model);
                match parse::parse(parts, &second.content) {
                    Ok(parsed) => parsed,
                    Err(problem) => {
                        let error = format!("the model's answer was invalid twice; the second time {problem}");
                        return finish(Analysis::failed(run, Some(model), error), Some(usage));
                    }
                }
            }
        };
        let analysis = Analysis {
            status: AnalysisStatus::Completed,
            run,
            structured_data: parsed.structured_data,
            success: parsed.success,
            sentiment: parsed.sentiment,
            model: Some(model),
            error: None,
            reason: None,
        };
        Step::Finish(Box::new(Finished {
            analysis,
            summary: parsed.summary,
            quality_dimensions: parsed.quality_dimensions,
            usage: Some(usage),
        }))
    }

    fn after_error(&self, run: i64, error: ChatError, usage: ModelUsage) -> Step {
        let model = self.target.model.clone();
        if error.is_transient() {
            return Step::Retry { error: error.to_string(), model, usage };
        }
        finish(Analysis::failed(run, Some(model), error.to_string()), Some(usage))
    }

    async fn ask(&self, messages: &[Value], schema: &Value, usage: &mut ModelUsage) -> Result<ChatAnswer, ChatError> {
        let body = json!({
            "model": self.target.model,
            "messages": messages,
            "temperature": 0,
            "response_format": prompt::response_format(schema),
        });
        let answer = ChatRequest {
            http: self.http,
            base_url: &self.target.base_url,
            api_key: self.key,
            body,
            timeout: Duration::from_secs(self.settings.analysis.timeout_secs),
            max_answer_bytes: self.settings.analysis.max_answer_bytes,
        }
        .send()
        .await?;
        add_usage(usage, answer.usage);
        Ok(answer)
    }
}

/// Adds one request's reported use to the run's.
fn add_usage(total: &mut ModelUsage, reported: Option<agentline_brains::chat::ChatUsage>) {
    let Some(reported) = reported else { return };
    let add = |sum: Option<i64>, more: Option<i64>| match (sum, more) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    };
    total.prompt_tokens = add(total.prompt_tokens, reported.prompt_tokens);
    total.completion_tokens = add(total.completion_tokens, reported.completion_tokens);
    let cents = reported.cost.filter(|c| c.is_finite() && *c >= 0.0).map(|dollars| (dollars * 100.0).round() as i64);
    total.cost_cents = add(total.cost_cents, cents);
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentline_brains::chat::ChatUsage;

    #[test]
    fn usage_adds_up_across_requests_and_stays_none_when_unreported() {
        let mut total = ModelUsage::default();
        add_usage(&mut total, None);
        assert_eq!(total, ModelUsage::default());
        add_usage(&mut total, Some(ChatUsage { prompt_tokens: Some(100), completion_tokens: Some(20), cost: None }));
        add_usage(&mut total, Some(ChatUsage { prompt_tokens: Some(150), completion_tokens: None, cost: Some(0.034) }));
        assert_eq!(total, ModelUsage { prompt_tokens: Some(250), completion_tokens: Some(20), cost_cents: Some(3) });
        add_usage(&mut total, Some(ChatUsage { cost: Some(f64::NAN), ..ChatUsage::default() }));
        assert_eq!(total.cost_cents, Some(3), "a nonsense cost is ignored");
    }
}
