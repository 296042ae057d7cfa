//! `agentline agents|numbers|contacts|keys|webhooks …`: create, list, get, update, delete.

use super::{Api, CliError, Conn, Req, Result, body, cell, json_arg, print_object, print_table, s};
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

/// A resource's path and the columns its table shows (header, field).
pub(crate) struct Spec {
    pub(crate) path: &'static str,
    pub(crate) columns: &'static [(&'static str, &'static str)],
}

pub(crate) const AGENTS: Spec = Spec {
    path: "/v1/agents",
    columns: &[
        ("id", "id"),
        ("name", "name"),
        ("language", "language"),
        ("brain", "brain.type"),
        ("created", "created_at"),
    ],
};
pub(crate) const NUMBERS: Spec = Spec {
    path: "/v1/numbers",
    columns: &[
        ("id", "id"),
        ("phone number", "phone_number"),
        ("label", "label"),
        ("agent", "agent_id"),
        ("carrier", "carrier"),
        ("outbound", "outbound_enabled"),
    ],
};
pub(crate) const CONTACTS: Spec = Spec {
    path: "/v1/contacts",
    columns: &[
        ("id", "id"),
        ("phone number", "phone_number"),
        ("name", "name"),
        ("lead status", "lead_status"),
        ("score", "lead_score"),
        ("calls", "interaction_count"),
    ],
};
pub(crate) const KEYS: Spec = Spec {
    path: "/v1/keys",
    columns: &[
        ("id", "id"),
        ("name", "name"),
        ("prefix", "prefix"),
        ("mode", "mode"),
        ("active", "is_active"),
        ("scopes", "scopes"),
    ],
};
pub(crate) const ENDPOINTS: Spec = Spec {
    path: "/v1/webhook-endpoints",
    columns: &[
        ("id", "id"),
        ("url", "url"),
        ("enabled", "enabled"),
        ("events", "event_types"),
        ("created", "created_at"),
    ],
};

/// A field by dotted path (`brain.type`).
pub(crate) fn field<'a>(value: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(value, |v, key| &v[key])
}

/// Paging flags shared by every list.
#[derive(Args, Clone)]
pub(crate) struct ListArgs {
    /// Items per page (1 to 100).
    #[arg(long)]
    pub(crate) limit: Option<u32>,
    /// Start after this cursor (a `next_cursor`, which is an id).
    #[arg(long)]
    pub(crate) after: Option<String>,
    /// Follow the cursors and list every item, not one page.
    #[arg(long)]
    pub(crate) all: bool,
    /// A filter of the list, `name=value` (repeatable), e.g. `--filter lead_status=new`.
    #[arg(long = "filter", value_name = "NAME=VALUE")]
    pub(crate) filters: Vec<String>,
}

/// Lists one page, or every page with `--all`; prints a table (with the next cursor) or the
/// page's JSON envelope (every item in `data` with `--all`).
pub(crate) async fn list(
    api: &Api,
    conn: &Conn,
    path: &str,
    columns: &[(&str, &str)],
    args: &ListArgs,
    filters: Vec<(&'static str, Option<String>)>,
) -> Result<()> {
    let mut items = Vec::new();
    let mut after = args.after.clone();
    let mut extra = Vec::new();
    for pair in &args.filters {
        let (k, v) =
            pair.split_once('=').ok_or_else(|| CliError::usage(format!("--filter {pair:?}: expected name=value")))?;
        extra.push((k.to_owned(), v.to_owned()));
    }
    let (next, more) = loop {
        let mut req = Req::get(path).query("limit", args.limit).query("after", after.clone());
        for (name, value) in &filters {
            req = req.query(name, value.clone());
        }
        for (name, value) in &extra {
            req = req.query(name.as_str(), Some(value.clone()));
        }
        let page = api.json(req).await?;
        let Some(data) = page["data"].as_array() else {
            return Err(CliError::server("the server's list answer has no `data` array"));
        };
        items.extend(data.iter().cloned());
        let more = page["has_more"].as_bool().unwrap_or(false);
        let next = page["next_cursor"].as_str().map(str::to_owned);
        if !(args.all && more && next.is_some()) {
            break (next, more);
        }
        after = next;
    };
    if conn.json {
        let next = if more { next } else { None };
        println!(
            "{}",
            super::pretty(&json!({"data": items, "has_more": more, "next_cursor": next, "limit": args.limit}))
        );
        return Ok(());
    }
    let headers: Vec<&str> = columns.iter().map(|(h, _)| *h).collect();
    let rows: Vec<Vec<String>> =
        items.iter().map(|item| columns.iter().map(|(_, f)| cell(field(item, f))).collect()).collect();
    print_table(&headers, &rows);
    if more && let Some(next) = next {
        eprintln!("(more: --after {next}, or --all)");
    }
    Ok(())
}

fn item(path: &str, id: &str) -> Result<String> {
    if id.trim().is_empty() || id.contains(['/', '?', '#']) {
        return Err(CliError::usage(format!("{id:?} is not an id")));
    }
    Ok(format!("{path}/{id}"))
}

pub(crate) async fn get(api: &Api, conn: &Conn, spec: &Spec, id: &str) -> Result<()> {
    print_object(conn, &api.json(Req::get(item(spec.path, id)?)).await?);
    Ok(())
}

async fn send(api: &Api, conn: &Conn, method: Method, path: String, body: Option<Value>) -> Result<()> {
    let mut req = Req::new(method, path);
    if let Some(body) = body {
        req = req.body(body);
    }
    print_object(conn, &api.json(req).await?);
    Ok(())
}

/// Flags every create and update takes besides the resource's own.
#[derive(Args, Clone, Default)]
pub(crate) struct Extra {
    /// The whole body as a JSON object; flags add to it.
    #[arg(long)]
    pub(crate) data: Option<String>,
    /// Any field, `name=value` (the value is JSON when it parses, else a string; `null` clears), repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub(crate) set: Vec<String>,
}

// ---- agents ------------------------------------------------------------------------------

#[derive(Args, Clone)]
pub(crate) struct AgentFields {
    #[arg(long)]
    name: Option<String>,
    /// The system prompt (with `{{variable}}` templates).
    #[arg(long)]
    instructions: Option<String>,
    #[arg(long)]
    first_message: Option<String>,
    #[arg(long)]
    voice: Option<String>,
    #[arg(long)]
    language: Option<String>,
    #[arg(long)]
    webhook_url: Option<String>,
    #[arg(long)]
    max_duration_secs: Option<i64>,
    /// The brain as JSON, e.g. '{"type": "script", "branches": []}'.
    #[arg(long)]
    brain: Option<String>,
    #[command(flatten)]
    extra: Extra,
}

impl AgentFields {
    fn body(&self) -> Result<Value> {
        body(
            self.extra.data.as_deref(),
            vec![
                ("name", s(&self.name)),
                ("instructions", s(&self.instructions)),
                ("first_message", s(&self.first_message)),
                ("voice", s(&self.voice)),
                ("language", s(&self.language)),
                ("webhook_url", s(&self.webhook_url)),
                ("max_duration_secs", self.max_duration_secs.map(Value::from)),
                ("brain", json_arg("--brain", self.brain.as_deref())?),
            ],
            &self.extra.set,
        )
    }
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
pub(crate) enum AgentsCommand {
    /// Create an agent (`--name` is required).
    Create(AgentFields),
    /// List agents, newest first.
    List(ListArgs),
    /// Show an agent (by id or assistant_id).
    Get { id: String },
    /// Change the fields given.
    Update {
        id: String,
        #[command(flatten)]
        fields: AgentFields,
    },
    /// Delete an agent.
    Delete { id: String },
}

pub(crate) async fn agents(conn: &Conn, command: &AgentsCommand) -> Result<()> {
    let api = conn.api()?;
    let spec = &AGENTS;
    match command {
        AgentsCommand::Create(fields) => send(&api, conn, Method::POST, spec.path.into(), Some(fields.body()?)).await,
        AgentsCommand::List(args) => list(&api, conn, spec.path, spec.columns, args, vec![]).await,
        AgentsCommand::Get { id } => get(&api, conn, spec, id).await,
        AgentsCommand::Update { id, fields } => {
            send(&api, conn, Method::PATCH, item(spec.path, id)?, Some(fields.body()?)).await
        }
        AgentsCommand::Delete { id } => send(&api, conn, Method::DELETE, item(spec.path, id)?, None).await,
    }
}

// ---- numbers -----------------------------------------------------------------------------

#[derive(Args, Clone)]
pub(crate) struct NumberFields {
    /// E.164, e.g. +14155550150 (create only).
    #[arg(long)]
    phone_number: Option<String>,
    /// The agent that calls from and answers this number.
    #[arg(long)]
    agent: Option<String>,
    #[arg(long)]
    label: Option<String>,
    /// sandbox (default), sip or twilio.
    #[arg(long)]
    carrier: Option<String>,
    #[arg(long)]
    trunk: Option<String>,
    #[command(flatten)]
    extra: Extra,
}

impl NumberFields {
    fn body(&self) -> Result<Value> {
        body(
            self.extra.data.as_deref(),
            vec![
                ("phone_number", s(&self.phone_number)),
                ("agent_id", s(&self.agent)),
                ("label", s(&self.label)),
                ("carrier", s(&self.carrier)),
                ("trunk_id", s(&self.trunk)),
            ],
            &self.extra.set,
        )
    }
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
pub(crate) enum NumbersCommand {
    /// Add a number (`--phone-number` is required).
    Create(NumberFields),
    /// List numbers, newest first.
    List {
        #[command(flatten)]
        list: ListArgs,
        /// Only the numbers of this agent.
        #[arg(long)]
        agent: Option<String>,
    },
    /// Show a number.
    Get { id: String },
    /// Change the fields given.
    Update {
        id: String,
        #[command(flatten)]
        fields: NumberFields,
    },
    /// Delete a number.
    Delete { id: String },
}

pub(crate) async fn numbers(conn: &Conn, command: &NumbersCommand) -> Result<()> {
    let api = conn.api()?;
    let spec = &NUMBERS;
    match command {
        NumbersCommand::Create(fields) => send(&api, conn, Method::POST, spec.path.into(), Some(fields.body()?)).await,
        NumbersCommand::List { list: args, agent } => {
            list(&api, conn, spec.path, spec.columns, args, vec![("agent_id", agent.clone())]).await
        }
        NumbersCommand::Get { id } => get(&api, conn, spec, id).await,
        NumbersCommand::Update { id, fields } => {
            send(&api, conn, Method::PATCH, item(spec.path, id)?, Some(fields.body()?)).await
        }
        NumbersCommand::Delete { id } => send(&api, conn, Method::DELETE, item(spec.path, id)?, None).await,
    }
}

// ---- contacts ----------------------------------------------------------------------------

#[derive(Args, Clone)]
pub(crate) struct ContactFields {
    /// E.164, e.g. +14155550100.
    #[arg(long)]
    phone_number: Option<String>,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    email: Option<String>,
    #[arg(long)]
    timezone: Option<String>,
    #[arg(long)]
    lead_status: Option<String>,
    #[arg(long)]
    lead_source: Option<String>,
    #[arg(long)]
    lead_score: Option<i64>,
    #[command(flatten)]
    extra: Extra,
}

impl ContactFields {
    fn body(&self) -> Result<Value> {
        body(
            self.extra.data.as_deref(),
            vec![
                ("phone_number", s(&self.phone_number)),
                ("name", s(&self.name)),
                ("email", s(&self.email)),
                ("timezone", s(&self.timezone)),
                ("lead_status", s(&self.lead_status)),
                ("lead_source", s(&self.lead_source)),
                ("lead_score", self.lead_score.map(Value::from)),
            ],
            &self.extra.set,
        )
    }
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
pub(crate) enum ContactsCommand {
    /// Add a contact (`--phone-number` is required).
    Create(ContactFields),
    /// List contacts, newest first.
    List {
        #[command(flatten)]
        list: ListArgs,
        #[arg(long)]
        phone_number: Option<String>,
        #[arg(long)]
        lead_status: Option<String>,
    },
    /// Show a contact.
    Get { id: String },
    /// Change the fields given.
    Update {
        id: String,
        #[command(flatten)]
        fields: ContactFields,
    },
    /// Delete a contact.
    Delete { id: String },
}

pub(crate) async fn contacts(conn: &Conn, command: &ContactsCommand) -> Result<()> {
    let api = conn.api()?;
    let spec = &CONTACTS;
    match command {
        ContactsCommand::Create(fields) => send(&api, conn, Method::POST, spec.path.into(), Some(fields.body()?)).await,
        ContactsCommand::List { list: args, phone_number, lead_status } => {
            let filters = vec![("phone_number", phone_number.clone()), ("lead_status", lead_status.clone())];
            list(&api, conn, spec.path, spec.columns, args, filters).await
        }
        ContactsCommand::Get { id } => get(&api, conn, spec, id).await,
        ContactsCommand::Update { id, fields } => {
            send(&api, conn, Method::PATCH, item(spec.path, id)?, Some(fields.body()?)).await
        }
        ContactsCommand::Delete { id } => send(&api, conn, Method::DELETE, item(spec.path, id)?, None).await,
    }
}

// ---- keys --------------------------------------------------------------------------------

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
pub(crate) enum KeysCommand {
    /// Create an API key (admin token); its secret is printed this once.
    Create {
        #[arg(long)]
        name: Option<String>,
        /// live (default) or test.
        #[arg(long)]
        mode: Option<String>,
        /// A grant such as calls:read, agents:*, or * (repeatable).
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// Confine the key to this business.
        #[arg(long)]
        business: Option<String>,
        /// RFC 3339; the key stops working then.
        #[arg(long)]
        expires_at: Option<String>,
        #[command(flatten)]
        extra: Extra,
    },
    /// List API keys (admin token).
    List(ListArgs),
    /// Show an API key (admin token).
    Get { id: String },
    /// Revoke an API key (admin token).
    Revoke { id: String },
}

pub(crate) async fn keys(conn: &Conn, command: &KeysCommand) -> Result<()> {
    let api = conn.api()?;
    let spec = &KEYS;
    match command {
        KeysCommand::Create { name, mode, scopes, business, expires_at, extra } => {
            let scopes = (!scopes.is_empty()).then(|| json!(scopes));
            let body = body(
                extra.data.as_deref(),
                vec![
                    ("name", s(name)),
                    ("mode", s(mode)),
                    ("scopes", scopes),
                    ("business_id", s(business)),
                    ("expires_at", s(expires_at)),
                ],
                &extra.set,
            )?;
            send(&api, conn, Method::POST, spec.path.into(), Some(body)).await
        }
        KeysCommand::List(args) => list(&api, conn, spec.path, spec.columns, args, vec![]).await,
        KeysCommand::Get { id } => get(&api, conn, spec, id).await,
        KeysCommand::Revoke { id } => send(&api, conn, Method::DELETE, item(spec.path, id)?, None).await,
    }
}

// ---- webhook endpoints -------------------------------------------------------------------

#[derive(Args, Clone)]
pub(crate) struct EndpointFields {
    /// Where deliveries go (http or https); `--url` is the agentline server.
    #[arg(long = "endpoint-url", value_name = "URL")]
    endpoint_url: Option<String>,
    /// An event type to receive, e.g. call.completed (repeatable; none: all).
    #[arg(long = "event")]
    events: Vec<String>,
    #[arg(long)]
    description: Option<String>,
    /// true or false.
    #[arg(long)]
    enabled: Option<bool>,
    #[command(flatten)]
    extra: Extra,
}

impl EndpointFields {
    fn body(&self) -> Result<Value> {
        body(
            self.extra.data.as_deref(),
            vec![
                ("url", s(&self.endpoint_url)),
                ("event_types", (!self.events.is_empty()).then(|| json!(self.events))),
                ("description", s(&self.description)),
                ("enabled", self.enabled.map(Value::from)),
            ],
            &self.extra.set,
        )
    }
}

/// `webhooks create|list|get|update|delete|secret|rotate-secret` (`webhooks verify` is in main).
#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
pub(crate) enum EndpointsCommand {
    /// Create a webhook endpoint (`--endpoint-url`); its secret (whsec_…) is in the answer.
    Create(EndpointFields),
    /// List webhook endpoints.
    List(ListArgs),
    /// Show a webhook endpoint.
    Get { id: String },
    /// Change the fields given.
    Update {
        id: String,
        #[command(flatten)]
        fields: EndpointFields,
    },
    /// Delete a webhook endpoint.
    Delete { id: String },
    /// Show an endpoint's signing secret.
    Secret { id: String },
    /// Make a new signing secret (the old one still signs for a while).
    RotateSecret { id: String },
}

pub(crate) async fn endpoints(conn: &Conn, command: &EndpointsCommand) -> Result<()> {
    let api = conn.api()?;
    let spec = &ENDPOINTS;
    match command {
        EndpointsCommand::Create(fields) => {
            send(&api, conn, Method::POST, spec.path.into(), Some(fields.body()?)).await
        }
        EndpointsCommand::List(args) => list(&api, conn, spec.path, spec.columns, args, vec![]).await,
        EndpointsCommand::Get { id } => get(&api, conn, spec, id).await,
        EndpointsCommand::Update { id, fields } => {
            send(&api, conn, Method::PATCH, item(spec.path, id)?, Some(fields.body()?)).await
        }
        EndpointsCommand::Delete { id } => send(&api, conn, Method::DELETE, item(spec.path, id)?, None).await,
        EndpointsCommand::Secret { id } => {
            print_object(conn, &api.json(Req::get(format!("{}/secret", item(spec.path, id)?))).await?);
            Ok(())
        }
        EndpointsCommand::RotateSecret { id } => {
            let path = format!("{}/rotate-secret", item(spec.path, id)?);
            send(&api, conn, Method::POST, path, Some(json!({}))).await
        }
    }
}

pub(crate) fn item_path(path: &str, id: &str) -> Result<String> {
    item(path, id)
}
