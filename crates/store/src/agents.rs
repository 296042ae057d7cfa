//! Agents: the configured voice agents that place and answer calls.

use crate::record::{self, Tenant};
use crate::sql::Sql;
use crate::{Result, Store};
use agentline_domain::analysis::AnalysisSettings;
use agentline_domain::brain::Brain;
use agentline_domain::speech::AgentSpeech;
use agentline_domain::voicemail::Voicemail;
use agentline_domain::{AccountId, AgentId, BusinessId, Timestamp};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// A voice agent.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Agent {
    pub id: AgentId,
    #[serde(skip)]
    pub account_id: AccountId,
    pub business_id: BusinessId,
    pub name: String,
    /// The system prompt; `{{variable}}` placeholders are filled from each call's variables.
    pub instructions: String,
    /// What the agent says when the callee answers (a template too).
    pub first_message: Option<String>,
    pub voice: Option<String>,
    /// BCP 47 language tag for speech recognition and synthesis.
    pub language: String,
    pub brain: Brain,
    /// Speech engines of the agent's own, instead of the server's.
    pub speech: AgentSpeech,
    /// What the agent does when an answering machine picks up (nothing special when unset).
    pub voicemail: Option<Voicemail>,
    /// What is worked out after each call (summary, quality, extracted data, success), and by which model.
    pub analysis: AnalysisSettings,
    /// Where this agent's call events are also delivered.
    pub webhook_url: Option<String>,
    /// Calls end after this many seconds unless the call sets its own limit.
    pub max_duration_secs: i64,
    /// Your own id for this agent (for example the id in another platform); unique per account.
    pub assistant_id: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: Map<String, Value>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

crate::column::record! {
    Agent in "agents", business_scoped: true {
        id: parsed,
        account_id: parsed,
        business_id: parsed,
        name: text,
        instructions: text,
        first_message: opt_text,
        voice: opt_text,
        language: text,
        brain: json,
        speech: json,
        voicemail: opt_json,
        analysis: json,
        webhook_url: opt_text,
        max_duration_secs: int,
        assistant_id: opt_text,
        metadata: json,
        created_at: time,
        updated_at: time,
    }
}

/// Finds an agent by its id or, failing that, by its external `assistant_id`.
pub async fn find_by_id_or_assistant_id(store: &Store, tenant: &Tenant, key: &str) -> Result<Agent> {
    if AgentId::parse(key).is_ok() {
        return record::get(store, tenant, key).await;
    }
    let mut sql = Sql::new("SELECT * FROM agents WHERE account_id = ");
    sql.bind(tenant.account_id.as_str()).push(" AND assistant_id = ").bind(key);
    if let Some(business) = &tenant.business_id {
        sql.push(" AND business_id = ").bind(business.as_str());
    }
    let (text, args) = sql.build();
    Ok(sqlx::query_as_with(text, args).fetch_one(store.pool()).await?)
}

/// An agent by id, whatever its account: for the development stream endpoint, which is off by default.
pub async fn find_unscoped(store: &Store, id: &str) -> Result<Option<Agent>> {
    Ok(sqlx::query_as("SELECT * FROM agents WHERE id = $1").bind(id).fetch_optional(store.pool()).await?)
}
