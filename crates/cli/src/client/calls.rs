//! `agentline calls create|list|get|wait|end|events|transcript|recording`.

use super::resources::{ListArgs, field, item_path, list};
use super::{Api, CliError, Conn, Req, Result, body, cell, parse_pairs, pretty, print_object, print_table, s};
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};
use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const FINAL: [&str; 5] = ["completed", "failed", "no_answer", "busy", "canceled"];
const COLUMNS: &[(&str, &str)] = &[
    ("id", "id"),
    ("status", "status"),
    ("end reason", "end_reason"),
    ("to", "to"),
    ("from", "from"),
    ("agent", "agent_name"),
    ("mode", "mode"),
    ("duration", "duration"),
    ("created", "created_at"),
];

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
pub(crate) enum CallsCommand {
    /// Place a call (test keys: the sandbox, never charged).
    Create(CreateArgs),
    /// List calls, newest first.
    List {
        #[command(flatten)]
        list: ListArgs,
        /// Only calls in this status (queued, …, completed, failed, no_answer, busy, canceled).
        #[arg(long)]
        status: Option<String>,
        /// Only calls of this agent.
        #[arg(long)]
        agent: Option<String>,
        /// Only calls placed from this number id.
        #[arg(long)]
        number: Option<String>,
        #[arg(long)]
        contact: Option<String>,
        /// RFC 3339: calls created at or after.
        #[arg(long)]
        created_after: Option<String>,
        /// RFC 3339: calls created before.
        #[arg(long)]
        created_before: Option<String>,
    },
    /// Show a call.
    Get { id: String },
    /// Follow a call until it ends, showing each status change and transcript turn live.
    Wait {
        id: String,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// End a call in any state.
    End { id: String },
    /// The call's event log, oldest first.
    Events { id: String },
    /// The call's transcript (text; the JSON object with --json).
    Transcript { id: String },
    /// Download the call's recording (WAV).
    Recording {
        id: String,
        /// Where to write it (default: <call id>.wav; `-` for standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Args, Clone)]
pub(crate) struct WaitArgs {
    /// Give up (exit code 7) after this many seconds.
    #[arg(long, default_value_t = 600.0)]
    timeout: f64,
    /// Do not print progress.
    #[arg(long)]
    quiet: bool,
}

#[derive(Args)]
pub(crate) struct CreateArgs {
    /// The agent (agt_… or its assistant_id).
    #[arg(long)]
    agent: String,
    /// Who to call, E.164 (+14155550100).
    #[arg(long)]
    to: String,
    /// Caller ID: one of your numbers (default: the agent's).
    #[arg(long)]
    from: Option<String>,
    /// Caller ID by number id.
    #[arg(long)]
    from_number_id: Option<String>,
    #[arg(long)]
    contact: Option<String>,
    /// The callee's name ({{name}}, {{full_name}}).
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    context: Option<String>,
    /// A template variable, key=value (repeatable).
    #[arg(long = "var", value_name = "KEY=VALUE")]
    variables: Vec<String>,
    /// Metadata, key=value (repeatable).
    #[arg(long = "metadata", value_name = "KEY=VALUE")]
    metadata: Vec<String>,
    #[arg(long)]
    first_message: Option<String>,
    #[arg(long)]
    voice: Option<String>,
    #[arg(long)]
    webhook_url: Option<String>,
    /// Seconds.
    #[arg(long)]
    max_duration: Option<i64>,
    /// Seconds.
    #[arg(long)]
    ring_timeout: Option<i64>,
    /// RFC 3339: dial no earlier than this.
    #[arg(long)]
    start_at: Option<String>,
    /// Test keys: a line the sandbox callee says (repeatable, in order).
    #[arg(long = "callee-line")]
    callee_lines: Vec<String>,
    /// Sent as Idempotency-Key (default: a new one, so the CLI's own retries are safe).
    #[arg(long)]
    idempotency_key: Option<String>,
    /// The whole body as JSON; flags add to it.
    #[arg(long)]
    data: Option<String>,
    /// Any field, name=value (JSON when it parses), repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// Then follow the call to its end (like `calls wait`).
    #[arg(long)]
    wait: bool,
    #[command(flatten)]
    wait_args: WaitArgs,
}

pub(crate) async fn run(conn: &Conn, command: &CallsCommand) -> Result<()> {
    let api = conn.api()?;
    match command {
        CallsCommand::Create(args) => create(&api, conn, args).await,
        CallsCommand::List { list: args, status, agent, number, contact, created_after, created_before } => {
            let filters = vec![
                ("status", status.clone()),
                ("agent_id", agent.clone()),
                ("number_id", number.clone()),
                ("contact_id", contact.clone()),
                ("created_after", created_after.clone()),
                ("created_before", created_before.clone()),
            ];
            list(&api, conn, "/v1/calls", COLUMNS, args, filters).await
        }
        CallsCommand::Get { id } => {
            print_object(conn, &get(&api, id).await?);
            Ok(())
        }
        CallsCommand::Wait { id, wait: args } => {
            let call = wait(&api, id, args).await?;
            print_call(conn, &call);
            Ok(())
        }
        CallsCommand::End { id } => {
            let path = format!("{}/end", item_path("/v1/calls", id)?);
            print_object(conn, &api.json(Req::new(Method::POST, path)).await?);
            Ok(())
        }
        CallsCommand::Events { id } => events(&api, conn, id).await,
        CallsCommand::Transcript { id } => transcript(&api, conn, id).await,
        CallsCommand::Recording { id, output } => recording(&api, conn, id, output.as_ref()).await,
    }
}

async fn get(api: &Api, id: &str) -> Result<Value> {
    let call = api.json(Req::get(item_path("/v1/calls", id)?)).await?;
    if !call["status"].is_string() {
        return Err(CliError::server("the server's call has no status"));
    }
    Ok(call)
}

async fn create(api: &Api, conn: &Conn, args: &CreateArgs) -> Result<()> {
    let sandbox = (!args.callee_lines.is_empty()).then(|| json!({"callee_lines": args.callee_lines}));
    let body = body(
        args.data.as_deref(),
        vec![
            ("agent_id", Some(json!(args.agent))),
            ("to", Some(json!(args.to))),
            ("from_number", s(&args.from)),
            ("from_number_id", s(&args.from_number_id)),
            ("contact_id", s(&args.contact)),
            ("name", s(&args.name)),
            ("context", s(&args.context)),
            ("variables", parse_pairs("--var", &args.variables)?),
            ("metadata", parse_pairs("--metadata", &args.metadata)?),
            ("first_message", s(&args.first_message)),
            ("voice", s(&args.voice)),
            ("webhook_url", s(&args.webhook_url)),
            ("max_duration", args.max_duration.map(Value::from)),
            ("ring_timeout", args.ring_timeout.map(Value::from)),
            ("start_at", s(&args.start_at)),
            ("sandbox", sandbox),
        ],
        &args.set,
    )?;
    let key = args.idempotency_key.clone().unwrap_or_else(new_idempotency_key);
    let req = Req::new(Method::POST, "/v1/calls").body(body).header("Idempotency-Key", key);
    let call = api.json(req).await?;
    let Some(id) = call["id"].as_str() else {
        return Err(CliError::server("the server's answer to POST /v1/calls has no id"));
    };
    if !args.wait {
        print_object(conn, &call);
        return Ok(());
    }
    if !args.wait_args.quiet {
        eprintln!("call {id} placed: {} -> {}", cell(&call["from"]), cell(&call["to"]));
    }
    let done = wait(api, id, &args.wait_args).await?;
    print_call(conn, &done);
    Ok(())
}

fn new_idempotency_key() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("agentline-cli-{nanos:x}-{:x}", std::process::id())
}

/// A finished call: JSON, or the fields people look at first.
fn print_call(conn: &Conn, call: &Value) {
    if conn.json {
        println!("{}", pretty(call));
        return;
    }
    let keys = [
        "id",
        "status",
        "end_reason",
        "end_detail",
        "from",
        "to",
        "duration",
        "cost_cents",
        "summary",
        "recording_url",
    ];
    let shown: serde_json::Map<String, Value> =
        keys.iter().filter(|k| !call[**k].is_null()).map(|k| ((*k).to_owned(), call[*k].clone())).collect();
    print_object(conn, &Value::Object(shown));
}

// ---- waiting -----------------------------------------------------------------------------

struct Progress {
    quiet: bool,
    started: Instant,
    last_status: String,
}

impl Progress {
    fn say(&self, text: &str) {
        if !self.quiet {
            eprintln!("  {:>6.1}s  {text}", self.started.elapsed().as_secs_f32());
            let _ = std::io::stderr().flush();
        }
    }

    fn status(&mut self, status: &str, detail: &Value) {
        if status != self.last_status {
            let detail = detail.as_str().map(|d| format!(" ({d})")).unwrap_or_default();
            self.say(&format!("status: {status}{detail}"));
            self.last_status = status.to_owned();
        }
    }

    fn event(&mut self, event: &Value) {
        match event["type"].as_str() {
            Some("call.transcript") => {
                let payload = &event["payload"];
                let who = if payload["speaker"] == "agent" { "agent " } else { "caller" };
                let cut = if payload["interrupted"] == true { " [interrupted]" } else { "" };
                self.say(&format!("{who}  {}{cut}", cell(&payload["text"])));
            }
            Some(_) if event["status"].is_string() => {
                let status = event["status"].as_str().unwrap_or_default().to_owned();
                self.status(&status, &event["payload"]["end_reason"]);
            }
            _ => {}
        }
    }
}

/// Follows the call to its end: the live event stream, else polling. Answers the final call.
pub(crate) async fn wait(api: &Api, id: &str, args: &WaitArgs) -> Result<Value> {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return Err(CliError::usage("--timeout must be a positive number of seconds"));
    }
    let deadline = Instant::now() + Duration::from_secs_f64(args.timeout.min(1e6));
    let mut progress = Progress { quiet: args.quiet, started: Instant::now(), last_status: String::new() };
    let mut call = get(api, id).await?;
    progress.status(call["status"].as_str().unwrap_or("?"), &Value::Null);
    if !is_final(&call) {
        follow(api, id, deadline, &mut progress).await?;
        call = get(api, id).await?;
        while !is_final(&call) {
            if Instant::now() >= deadline {
                return Err(CliError::timeout(format!(
                    "call {id} is still {} after {} s",
                    cell(&call["status"]),
                    args.timeout
                )));
            }
            tokio::time::sleep(Duration::from_millis(500).min(deadline - Instant::now())).await;
            call = get(api, id).await?;
            progress.status(call["status"].as_str().unwrap_or("?"), &call["end_reason"]);
        }
    }
    // An answered call's summary and recording are stored a moment after its end.
    let settle = (Instant::now() + Duration::from_secs(2)).min(deadline);
    while !call["answered_at"].is_null() && call["summary"].is_null() && Instant::now() < settle {
        tokio::time::sleep(Duration::from_millis(200)).await;
        call = get(api, id).await?;
    }
    Ok(call)
}

fn is_final(call: &Value) -> bool {
    call["status"].as_str().is_some_and(|s| FINAL.contains(&s))
}

/// Reads the SSE stream until the call's final event. Returns Ok(()) also when streaming is not
/// possible (the caller polls then); errors only for answers polling would get too (401, 404).
async fn follow(api: &Api, id: &str, deadline: Instant, progress: &mut Progress) -> Result<()> {
    let path = format!("{}/events", item_path("/v1/calls", id)?);
    let mut last_id: Option<String> = None;
    while Instant::now() < deadline {
        let mut req = Req::get(path.clone()).header("Accept", "text/event-stream".into());
        if let Some(last) = &last_id {
            req = req.header("Last-Event-ID", last.clone());
        }
        let response = match api.send(&req, Some(deadline - Instant::now())).await {
            Ok(response) => response,
            Err(err) if matches!(err.exit_code, super::EXIT_NOT_FOUND | super::EXIT_AUTH) => return Err(err),
            Err(_) => return Ok(()),
        };
        let is_sse = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if !is_sse {
            return Ok(());
        }
        let mut response = response;
        let mut buffer = String::new();
        let mut message = Message::default();
        loop {
            let chunk = match tokio::time::timeout(deadline - Instant::now(), response.chunk()).await {
                Err(_) => return Ok(()),     // the deadline
                Ok(Err(_)) => return Ok(()), // the connection broke: poll
                Ok(Ok(None)) => break,       // closed: reconnect after the last id
                Ok(Ok(Some(chunk))) => chunk,
            };
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find('\n') {
                let line: String = buffer.drain(..=end).collect();
                let line = line.trim_end_matches(['\n', '\r']);
                if let Some(data) = message.feed(line) {
                    if let Some(id) = message.id.take() {
                        last_id = Some(id);
                    }
                    let event: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
                    progress.event(&event);
                    if matches!(event["type"].as_str(), Some("call.completed" | "call.failed")) {
                        return Ok(());
                    }
                }
            }
        }
    }
    Ok(())
}

#[derive(Default)]
struct Message {
    id: Option<String>,
    data: Vec<String>,
}

impl Message {
    /// Feeds one line; answers the data of a message an empty line completes.
    fn feed(&mut self, line: &str) -> Option<String> {
        if line.is_empty() {
            if self.data.is_empty() {
                return None;
            }
            return Some(std::mem::take(&mut self.data).join("\n"));
        }
        if line.starts_with(':') {
            return None;
        }
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match name {
            "data" => self.data.push(value.to_owned()),
            "id" => self.id = Some(value.to_owned()),
            _ => {}
        }
        None
    }
}

// ---- reading a call ----------------------------------------------------------------------

async fn events(api: &Api, conn: &Conn, id: &str) -> Result<()> {
    let events = api.json(Req::get(format!("{}/events", item_path("/v1/calls", id)?))).await?;
    if conn.json {
        println!("{}", pretty(&events));
        return Ok(());
    }
    let Some(data) = events["data"].as_array() else {
        return Err(CliError::server("the server's events answer has no `data` array"));
    };
    let rows: Vec<Vec<String>> = data
        .iter()
        .map(|e| vec![cell(&e["created_at"]), cell(&e["type"]), cell(&e["status"]), cell(field(e, "payload.text"))])
        .collect();
    print_table(&["at", "type", "status", "text"], &rows);
    Ok(())
}

async fn transcript(api: &Api, conn: &Conn, id: &str) -> Result<()> {
    let transcript = api.json(Req::get(format!("{}/transcript", item_path("/v1/calls", id)?))).await?;
    if conn.json {
        println!("{}", pretty(&transcript));
        return Ok(());
    }
    match transcript["text"].as_str() {
        Some("") => eprintln!("(no transcript: the call is {})", cell(&transcript["status"])),
        Some(text) => println!("{}", text.trim_end()),
        None => return Err(CliError::server("the server's transcript has no text")),
    }
    Ok(())
}

async fn recording(api: &Api, conn: &Conn, id: &str, output: Option<&PathBuf>) -> Result<()> {
    let req = Req::get(format!("{}/recording", item_path("/v1/calls", id)?));
    let mut response = api.send(&req, Some(Duration::from_secs(600))).await?;
    let to_stdout = output.is_some_and(|p| p.as_os_str() == "-");
    let path = output.cloned().unwrap_or_else(|| PathBuf::from(format!("{id}.wav")));
    let mut written = 0u64;
    let mut sink: Box<dyn std::io::Write> = if to_stdout {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(
            std::fs::File::create(&path)
                .map_err(|err| CliError::other(format!("cannot write {}: {err}", path.display())))?,
        )
    };
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                sink.write_all(&chunk).map_err(|err| CliError::other(format!("writing the recording: {err}")))?;
                written += chunk.len() as u64;
            }
            Ok(None) => break,
            Err(err) => return Err(CliError::unreachable(format!("downloading the recording: {err}"))),
        }
    }
    sink.flush().map_err(|err| CliError::other(format!("writing the recording: {err}")))?;
    if !to_stdout {
        if conn.json {
            println!("{}", pretty(&json!({"call_id": id, "path": path.display().to_string(), "bytes": written})));
        } else {
            println!("wrote {} ({written} bytes)", path.display());
        }
    }
    Ok(())
}
