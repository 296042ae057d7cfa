//! Agents: the configured voice agents that place and answer calls.

use crate::record::{self, Record, Tenant};
use crate::row::{RowExt, to_json};
use crate::sql::{Param, Sql};
use crate::{Result, Store};
use agentline_domain::brain::Brain;
use agentline_domain::speech::AgentSpeech;
use agentline_domain::{AccountId, AgentId, BusinessId, Timestamp};
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::FromRow;
use sqlx::any::AnyRow;
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

impl FromRow<'_, AnyRow> for Agent {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.parse("id")?,
            account_id: row.parse("account_id")?,
            business_id: row.parse("business_id")?,
            name: row.text("name")?,
            instructions: row.text("instructions")?,
            first_message: row.opt_text("first_message")?,
            voice: row.opt_text("voice")?,
            language: row.text("language")?,
            brain: row.json("brain")?,
            speech: row.json("speech")?,
            webhook_url: row.opt_text("webhook_url")?,
            max_duration_secs: row.int("max_duration_secs")?,
            assistant_id: row.opt_text("assistant_id")?,
            metadata: row.json("metadata")?,
            created_at: row.parse("created_at")?,
            updated_at: row.parse("updated_at")?,
        })
    }
}

impl Record for Agent {
    const TABLE: &'static str = "agents";
    const BUSINESS_SCOPED: bool = true;

    fn id(&self) -> &str {
        self.id.as_str()
    }

    fn columns(&self) -> Vec<(&'static str, Param)> {
        vec![
            ("id", self.id.as_str().into()),
            ("account_id", self.account_id.as_str().into()),
            ("business_id", self.business_id.as_str().into()),
            ("name", self.name.clone().into()),
            ("instructions", self.instructions.clone().into()),
            ("first_message", self.first_message.clone().into()),
            ("voice", self.voice.clone().into()),
            ("language", self.language.clone().into()),
            ("brain", to_json(&self.brain).into()),
            ("speech", to_json(&self.speech).into()),
            ("webhook_url", self.webhook_url.clone().into()),
            ("max_duration_secs", self.max_duration_secs.into()),
            ("assistant_id", self.assistant_id.clone().into()),
            ("metadata", to_json(&self.metadata).into()),
            ("created_at", self.created_at.into()),
            ("updated_at", self.updated_at.into()),
        ]
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
