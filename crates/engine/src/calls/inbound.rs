//! Calls that come in: a person dials one of the account's Twilio numbers (or a development stream
//! connects straight to an agent), and the number's agent answers.

use super::CallRuntime;
use agentline_domain::{ApiKeyMode, CarrierKind, Direction, PhoneNumber, Timestamp};
use agentline_store::agents::Agent;
use agentline_store::calls::{Call, NewCall};
use agentline_store::dispatch;
use agentline_store::numbers::Number;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Who called, on which number, as Twilio named them.
pub struct Incoming<'a> {
    pub number: &'a Number,
    pub agent: &'a Agent,
    /// The caller's number as Twilio gave it (may be `anonymous`).
    pub caller: &'a str,
    pub call_sid: &'a str,
    /// `test` for development streams: never billed, no Twilio call behind them.
    pub mode: ApiKeyMode,
}

/// Records the call (claimed by this node, so it does not queue) and starts running it; Twilio's
/// stream for it is accepted from now on. `None`: the account is at its concurrency limit (live
/// calls count against it like outbound ones), or this node is draining (a call answered now
/// would be cut at the drain's deadline); nothing was recorded.
pub async fn answer(rt: &Arc<CallRuntime>, incoming: &Incoming<'_>) -> agentline_store::Result<Option<Call>> {
    if rt.is_draining() {
        return Ok(None);
    }
    let call = inbound_call(rt, incoming);
    rt.twilio().open(&call.id);
    let claimed = dispatch::insert_inbound(&rt.store, &call, &rt.settings.calls.node_id).await;
    if let Ok(Some(claimed)) = &claimed {
        rt.event_recorded();
        rt.start(claimed.clone());
    } else {
        rt.twilio().close(&call.id);
    }
    claimed
}

fn inbound_call(rt: &CallRuntime, incoming: &Incoming<'_>) -> Call {
    let (number, agent) = (incoming.number, incoming.agent);
    let mut variables = Map::new();
    variables.insert("caller".to_owned(), json!(incoming.caller));
    variables.insert("number".to_owned(), json!(number.phone_number.as_str()));
    let vars = Value::Object(variables.clone());
    // An inbound caller cannot supply missing variables: a template that needs them is spoken as written.
    let render = |source: &str| agentline_domain::template::render(source, &vars).unwrap_or_else(|_| source.to_owned());
    Call::queued(NewCall {
        account_id: number.account_id.clone(),
        business_id: agent.business_id.clone(),
        agent_id: agent.id.clone(),
        agent_name: agent.name.clone(),
        assistant_id: agent.assistant_id.clone(),
        direction: Direction::Inbound,
        mode: incoming.mode,
        carrier: CarrierKind::Twilio,
        carrier_call_id: Some(incoming.call_sid.to_owned()),
        from_number: PhoneNumber::parse(incoming.caller).unwrap_or_else(|_| number.phone_number.clone()),
        from_number_id: number.id.clone(),
        to_number: number.phone_number.clone(),
        contact_id: None,
        name: None,
        context: None,
        variables,
        metadata: Map::new(),
        instructions: render(&agent.instructions),
        first_message: agent.first_message.as_deref().map(render),
        voice: agent.voice.clone(),
        sandbox: None,
        voicemail: None,
        analysis_settings: None,
        webhook_url: None,
        agent_webhook_url: agent.webhook_url.clone(),
        max_duration_secs: agent.max_duration_secs,
        ring_timeout_secs: rt.settings.calls.default_ring_timeout_secs,
        start_at: Timestamp::now(),
    })
}
