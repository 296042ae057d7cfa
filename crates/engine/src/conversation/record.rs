//! What the conversation writes down: transcript turns, notable moments as `call.conversation`
//! events, latency figures, and the brain the call's agent uses (its URLs through the SSRF guard).

use crate::context::CallContext;
use crate::webhooks::guard;
use agentline_brains::{Brain, Providers, Role};
use agentline_conversation::latency::{FIGURES, TurnLatency, summarise};
use agentline_domain::Timestamp;
use agentline_domain::brain::Brain as BrainSettings;
use agentline_store::calls::{self, Call};
use agentline_store::record;
use agentline_store::transcripts::{self, Speaker, TranscriptTurn};
use agentline_store::{Tenant, agents::Agent};
use serde_json::{Value, json};
use std::time::Duration;

/// The call's agent as it is now; none if it is gone.
pub(super) async fn agent_of(ctx: &CallContext, call: &Call) -> Option<Agent> {
    let tenant = Tenant::account(call.account_id.clone());
    match record::get::<Agent>(ctx.store(), &tenant, call.agent_id.as_str()).await {
        Ok(agent) => Some(agent),
        Err(err) => {
            tracing::warn!(call_id = %call.id, error = %err, "the call's agent is gone; using the default script");
            None
        }
    }
}

/// The brain `settings` describe (the default script when there are none), serving `call`.
pub(super) async fn brain_for(ctx: &CallContext, call: &Call, settings: Option<BrainSettings>) -> Box<dyn Brain> {
    let allow_private = ctx.settings().webhook_allow_private;
    let settings = guarded_brain(ctx, call, settings.unwrap_or_default(), allow_private).await;
    let context = agentline_brains::CallContext {
        call_id: call.id.to_string(),
        instructions: call.instructions.clone(),
        variables: call.variables.clone(),
        metadata: call.metadata.clone(),
    };
    // Brain webhooks and HTTP tools are signed like the agent's webhook_url deliveries.
    let webhook_secret = match agentline_store::webhooks::account_secret(ctx.store(), &call.account_id).await {
        Ok(secret) => Some(secret),
        Err(err) => {
            tracing::warn!(call_id = %call.id, error = %err, "no signing secret; brain requests go unsigned");
            None
        }
    };
    let providers = Providers {
        llm_api_key: match &settings {
            BrainSettings::Llm { base_url, .. } => crate::vendor_keys::llm_key(ctx, &call.account_id, base_url).await,
            _ => None,
        },
        webhook_secret,
        http: guarded_client(allow_private),
    };
    agentline_brains::build(&settings, context, &providers)
}

/// Stores who answered the call and records a `call.answered_by` event.
pub(super) async fn answered_by(
    ctx: &CallContext,
    call: &Call,
    answered_by: agentline_conversation::amd::AnsweredBy,
    after: Duration,
    reason: &str,
) {
    let who = answered_by.as_str();
    if let Err(err) = calls::set_answered_by(ctx.store(), &call.id, who).await {
        tracing::warn!(call_id = %call.id, error = %err, "could not store who answered");
    }
    let payload = json!({"answered_by": who, "decision_ms": after.as_millis() as u64, "reason": reason});
    ctx.record_activity(&call.id, "call.answered_by", payload).await;
}

/// The brains' HTTP client: its connections pass the SSRF guard, like webhook deliveries.
fn guarded_client(allow_private: bool) -> reqwest::Client {
    let builder = guard::guarded(reqwest::Client::builder(), allow_private);
    builder.build().unwrap_or_else(|err| {
        tracing::error!(error = %err, "cannot build the guarded brain client; brains get a default one");
        reqwest::Client::new()
    })
}

/// `brain` without what the SSRF guard refuses (checked when the agent was saved, and again here:
/// the server's settings or a name's addresses may have changed since): a refused model or brain
/// URL gives the default script, a refused tool is left out. Each refusal is noted on the call.
async fn guarded_brain(ctx: &CallContext, call: &Call, brain: BrainSettings, allow_private: bool) -> BrainSettings {
    let main_url = match &brain {
        BrainSettings::Llm { base_url, .. } => Some(base_url.as_str()),
        BrainSettings::Webhook { url, .. } => Some(url.as_str()),
        BrainSettings::Script { .. } | BrainSettings::StandIn { .. } => None,
    };
    if let Some(url) = main_url
        && let Err(why) = guard::check_url(url, allow_private).await
    {
        note(
            ctx,
            call,
            "degraded",
            &format!("brain refused by the SSRF guard: the URL {why}; using the default script"),
        )
        .await;
        return BrainSettings::default();
    }
    let BrainSettings::Llm { base_url, model, temperature, max_tokens, tools, first_token_timeout_ms, fallback_phrase } =
        brain
    else {
        return brain;
    };
    let mut allowed = Vec::with_capacity(tools.len());
    for tool in tools {
        match guard::check_url(&tool.url, allow_private).await {
            Ok(()) => allowed.push(tool),
            Err(why) => {
                note(ctx, call, "degraded", &format!("tool {} refused by the SSRF guard: the URL {why}", tool.name))
                    .await
            }
        }
    }
    BrainSettings::Llm {
        base_url,
        model,
        temperature,
        max_tokens,
        tools: allowed,
        first_token_timeout_ms,
        fallback_phrase,
    }
}

/// Stores one transcript turn (and its `call.transcript` event); `span` is its place in the recording.
pub(super) async fn turn(
    ctx: &CallContext,
    call: &Call,
    seq: i64,
    role: Role,
    text: &str,
    span: std::ops::Range<Duration>,
    interrupted: bool,
) {
    let speaker = match role {
        Role::Agent => Speaker::Agent,
        Role::Caller => Speaker::Caller,
    };
    let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    let (start_ms, end_ms) = (ms(span.start), ms(span.end));
    let turn = TranscriptTurn { seq, speaker, text: text.to_owned(), start_ms, end_ms, interrupted };
    match transcripts::append_turn(ctx.store(), &call.id, &turn, Timestamp::now()).await {
        Ok(()) => ctx.event_recorded(),
        Err(err) => tracing::warn!(call_id = %call.id, error = %err, "could not store a transcript turn"),
    }
}

/// A notable moment of the conversation (degraded provider, barge-in, tool call…).
pub(super) async fn note(ctx: &CallContext, call: &Call, kind: &str, detail: &str) {
    event(ctx, call, json!({ "kind": kind, "detail": detail })).await;
}

pub(super) async fn event(ctx: &CallContext, call: &Call, payload: Value) {
    ctx.record_activity(&call.id, "call.conversation", payload).await;
}

/// Refreshes the call's latency figures: per-figure p50/p95 over its turns so far, and the last turn's.
pub(super) async fn latency(ctx: &CallContext, call: &Call, turns: &[TurnLatency]) {
    let mut figures = serde_json::Map::new();
    figures.insert("turns".to_owned(), json!(turns.len()));
    for (name, pct) in summarise(turns) {
        figures.insert(name.to_owned(), json!({ "p50": round(pct.p50), "p95": round(pct.p95) }));
    }
    let recent = turns.iter().skip(turns.len().saturating_sub(MAX_TURNS_SHOWN)).map(|turn| {
        let named = FIGURES.iter().zip(turn.figures()).map(|(name, d)| (name.to_string(), json!(round(ms(d)))));
        Value::Object(named.collect())
    });
    figures.insert("per_turn".to_owned(), Value::Array(recent.collect()));
    if let Err(err) = calls::set_latency(ctx.store(), &call.id, &Value::Object(figures)).await {
        tracing::warn!(call_id = %call.id, error = %err, "could not store latency figures");
    }
}

/// Turns whose own figures the call shows (the percentiles cover all of them).
const MAX_TURNS_SHOWN: usize = 50;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn round(ms: f64) -> f64 {
    (ms * 10.0).round() / 10.0
}
