//! The API client commands: `agentline calls|agents|numbers|contacts|keys|webhooks …` against a
//! running server (`AGENTLINE_URL`, `AGENTLINE_API_KEY`, or `--url`, `--api-key`).
//!
//! Tables for people, `--json` for scripts, and exit codes that say what went wrong:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | done |
//! | 1 | the server refused the request (400, 402, 409, 422, …), or another failure |
//! | 2 | usage: a wrong flag or value, no API key |
//! | 3 | not found (404) |
//! | 4 | authentication or permission (401, 403) |
//! | 5 | rate-limited (429) |
//! | 6 | server error (5xx), unreachable server, or an answer that cannot be read |
//! | 7 | timeout: `calls wait` (or `--wait`) gave up before the call ended |

pub(crate) mod calls;
mod http;
pub(crate) mod resources;
mod table;

pub(crate) use http::{Api, Req};
use serde_json::{Map, Value};
use std::fmt;

pub(crate) const EXIT_OTHER: i32 = 1;
pub(crate) const EXIT_USAGE: i32 = 2;
pub(crate) const EXIT_NOT_FOUND: i32 = 3;
pub(crate) const EXIT_AUTH: i32 = 4;
pub(crate) const EXIT_RATE_LIMITED: i32 = 5;
pub(crate) const EXIT_SERVER: i32 = 6;
pub(crate) const EXIT_TIMEOUT: i32 = 7;

/// A failed command: what to print and the exit code.
#[derive(Debug)]
pub(crate) struct CliError {
    pub(crate) exit_code: i32,
    pub(crate) message: String,
    /// The server's error body, printed with `--json`.
    pub(crate) body: Option<Value>,
}

impl CliError {
    fn new(exit_code: i32, message: impl Into<String>) -> Self {
        Self { exit_code, message: message.into(), body: None }
    }
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(EXIT_USAGE, message)
    }
    pub(crate) fn other(message: impl Into<String>) -> Self {
        Self::new(EXIT_OTHER, message)
    }
    pub(crate) fn server(message: impl Into<String>) -> Self {
        Self::new(EXIT_SERVER, message)
    }
    pub(crate) fn unreachable(message: impl Into<String>) -> Self {
        Self::new(EXIT_SERVER, message)
    }
    pub(crate) fn timeout(message: impl Into<String>) -> Self {
        Self::new(EXIT_TIMEOUT, message)
    }
    pub(crate) fn api(status: u16, code: String, message: String, body: Option<Value>) -> Self {
        let exit_code = match status {
            404 => EXIT_NOT_FOUND,
            401 | 403 => EXIT_AUTH,
            429 => EXIT_RATE_LIMITED,
            500.. => EXIT_SERVER,
            _ => EXIT_OTHER,
        };
        Self { exit_code, message: format!("{status} {code}: {message}"), body }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

pub(crate) type Result<T, E = CliError> = std::result::Result<T, E>;

/// Where the server is and how to talk to it; accepted before or after the subcommand.
#[derive(clap::Args, Clone)]
pub(crate) struct Conn {
    /// The agentline server.
    #[arg(long, global = true, env = "AGENTLINE_URL", default_value = "http://127.0.0.1:8080")]
    pub(crate) url: String,
    /// An API key (al_live_…, al_test_…) or the admin token (needed for `keys`).
    #[arg(long, global = true, env = "AGENTLINE_API_KEY", hide_env_values = true)]
    pub(crate) api_key: Option<String>,
    /// Print JSON (the API's objects as they are) instead of tables.
    #[arg(long, global = true)]
    pub(crate) json: bool,
}

impl Conn {
    pub(crate) fn api(&self) -> Result<Api> {
        match self.api_key.as_deref().map(str::trim) {
            Some(key) if !key.is_empty() => Api::new(&self.url, key),
            _ => Err(CliError::usage("no API key: set AGENTLINE_API_KEY or pass --api-key")),
        }
    }
}

/// Runs a client command and exits with its code; errors go to standard error (and, with
/// `--json`, the server's error body to standard output).
pub(crate) async fn exit_with(json: bool, result: Result<()>) -> ! {
    match result {
        Ok(()) => std::process::exit(0),
        Err(err) => {
            if json && let Some(body) = &err.body {
                println!("{}", pretty(body));
            }
            eprintln!("error: {}", err.message);
            std::process::exit(err.exit_code)
        }
    }
}

pub(crate) fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// `--set key=value` pairs: the value is JSON when it parses (`5`, `true`, `null`, `{"a":1}`),
/// a string otherwise.
pub(crate) fn parse_set(pairs: &[String]) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    for pair in pairs {
        let (key, value) =
            pair.split_once('=').ok_or_else(|| CliError::usage(format!("--set {pair:?}: expected key=value")))?;
        if key.trim().is_empty() {
            return Err(CliError::usage(format!("--set {pair:?}: the key is empty")));
        }
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
        out.insert(key.trim().to_owned(), value);
    }
    Ok(out)
}

/// `key=value` pairs as a JSON object of strings (`--var`, `--metadata`).
pub(crate) fn parse_pairs(flag: &str, pairs: &[String]) -> Result<Option<Value>> {
    if pairs.is_empty() {
        return Ok(None);
    }
    let mut out = Map::new();
    for pair in pairs {
        let (key, value) =
            pair.split_once('=').ok_or_else(|| CliError::usage(format!("{flag} {pair:?}: expected key=value")))?;
        out.insert(key.to_owned(), Value::String(value.to_owned()));
    }
    Ok(Some(Value::Object(out)))
}

/// A request body from `--data JSON`, then the named flags, then `--set` pairs (later wins).
pub(crate) fn body(data: Option<&str>, fields: Vec<(&str, Option<Value>)>, set: &[String]) -> Result<Value> {
    let mut out = match data {
        None => Map::new(),
        Some(text) => match serde_json::from_str(text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(CliError::usage("--data must be a JSON object")),
            Err(err) => return Err(CliError::usage(format!("--data is not JSON: {err}"))),
        },
    };
    for (key, value) in fields {
        if let Some(value) = value {
            out.insert(key.to_owned(), value);
        }
    }
    out.extend(parse_set(set)?);
    Ok(Value::Object(out))
}

/// A JSON value given on the command line (`--brain '{"type": "script"}'`).
pub(crate) fn json_arg(flag: &str, text: Option<&str>) -> Result<Option<Value>> {
    text.map(|t| serde_json::from_str(t).map_err(|err| CliError::usage(format!("{flag} is not JSON: {err}"))))
        .transpose()
}

pub(crate) fn s(value: &Option<String>) -> Option<Value> {
    value.as_ref().map(|v| Value::String(v.clone()))
}

/// Prints one object: JSON, or `field  value` lines.
pub(crate) fn print_object(conn: &Conn, value: &Value) {
    if conn.json {
        println!("{}", pretty(value));
    } else {
        table::print_fields(value);
    }
}

pub(crate) use table::{cell, print_table};
