//! The `agentline` binary: argument parsing and nothing else; the work is in the libraries.

mod client;
mod demo;

use agentline_server::config::{Config, LogFormat};
use agentline_server::{Application, open_store, shutdown_signal};
use agentline_store::accounts::{self, NewAccount};
use anyhow::Context;
use clap::{Parser, Subcommand};
use serde_json::json;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "agentline", version, about = "A self-hosted phone line for AI voice agents")]
struct Cli {
    /// TOML configuration file (see config.default.toml); environment variables override it.
    #[arg(long, global = true, env = "AGENTLINE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
enum Command {
    /// Run the server.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create an account with an admin token and first API keys, and print them once.
    Bootstrap(BootstrapArgs),
    /// Print the OpenAPI document.
    Openapi,
    /// Start a server on the embedded default and walk through a first session with it.
    Demo(demo::DemoArgs),
    /// Calls on a running server: create, list, get, wait, end, events, transcript, recording.
    Calls {
        #[command(flatten)]
        conn: client::Conn,
        #[command(subcommand)]
        command: client::calls::CallsCommand,
    },
    /// Agents on a running server: create, list, get, update, delete.
    Agents {
        #[command(flatten)]
        conn: client::Conn,
        #[command(subcommand)]
        command: client::resources::AgentsCommand,
    },
    /// Phone numbers on a running server: create, list, get, update, delete.
    Numbers {
        #[command(flatten)]
        conn: client::Conn,
        #[command(subcommand)]
        command: client::resources::NumbersCommand,
    },
    /// Contacts on a running server: create, list, get, update, delete.
    Contacts {
        #[command(flatten)]
        conn: client::Conn,
        #[command(subcommand)]
        command: client::resources::ContactsCommand,
    },
    /// API keys on a running server (the admin token): create, list, get, revoke.
    Keys {
        #[command(flatten)]
        conn: client::Conn,
        #[command(subcommand)]
        command: client::resources::KeysCommand,
    },
    /// Webhook endpoints on a running server, and checking a delivery's signature (`verify`).
    Webhooks {
        #[command(flatten)]
        conn: client::Conn,
        #[command(subcommand)]
        command: WebhookCommand,
    },
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
enum WebhookCommand {
    /// Check a received delivery's Standard Webhooks signature; exits 0 when it is valid.
    Verify(VerifyArgs),
    #[command(flatten)]
    Endpoints(client::resources::EndpointsCommand),
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// The endpoint's secret (whsec_…).
    #[arg(long, env = "AGENTLINE_WEBHOOK_SECRET")]
    secret: String,
    /// The `webhook-id` header.
    #[arg(long)]
    id: String,
    /// The `webhook-timestamp` header.
    #[arg(long)]
    timestamp: String,
    /// The `webhook-signature` header.
    #[arg(long)]
    signature: String,
    /// File holding the raw body exactly as received; standard input when absent.
    #[arg(long)]
    body_file: Option<PathBuf>,
    /// Check the timestamp against this Unix time instead of now (for replaying old deliveries).
    #[arg(long)]
    now: Option<i64>,
}

#[derive(clap::Args)]
struct BootstrapArgs {
    /// The account's (and its first business's) name.
    #[arg(long)]
    account: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    #[arg(long)]
    plan: Option<String>,
    /// Calls that may be active at once.
    #[arg(long)]
    concurrency_limit: Option<i64>,
    #[arg(long)]
    balance_cents: Option<i64>,
    #[arg(long)]
    rate_cents_per_minute: Option<i64>,
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("AGENTLINE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Pretty => builder.init(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // reqwest and sqlx share rustls; exactly one crypto provider must be chosen before either runs.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    // The client commands talk to a server over HTTP: they read no configuration.
    match &cli.command {
        Command::Webhooks { command: WebhookCommand::Verify(args), .. } => return verify_webhook(args),
        Command::Webhooks { conn, command: WebhookCommand::Endpoints(command) } => {
            client::exit_with(conn.json, client::resources::endpoints(conn, command).await).await
        }
        Command::Calls { conn, command } => client::exit_with(conn.json, client::calls::run(conn, command).await).await,
        Command::Agents { conn, command } => {
            client::exit_with(conn.json, client::resources::agents(conn, command).await).await
        }
        Command::Numbers { conn, command } => {
            client::exit_with(conn.json, client::resources::numbers(conn, command).await).await
        }
        Command::Contacts { conn, command } => {
            client::exit_with(conn.json, client::resources::contacts(conn, command).await).await
        }
        Command::Keys { conn, command } => {
            client::exit_with(conn.json, client::resources::keys(conn, command).await).await
        }
        _ => {}
    }
    let config = Config::load(cli.config.as_deref())?;
    init_logging(config.log_format);
    match cli.command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            open_store(&config).await?;
            eprintln!("database is up to date");
            Ok(())
        }
        Command::Bootstrap(args) => bootstrap(&config, args).await,
        Command::Openapi => {
            print!("{}", agentline_server::api::openapi_json());
            Ok(())
        }
        Command::Demo(args) => demo::run(config, args).await,
        Command::Webhooks { .. }
        | Command::Calls { .. }
        | Command::Agents { .. }
        | Command::Numbers { .. }
        | Command::Contacts { .. }
        | Command::Keys { .. } => unreachable!("handled before the configuration is loaded"),
    }
}

fn verify_webhook(args: &VerifyArgs) -> anyhow::Result<()> {
    use std::io::Read as _;
    let body = match &args.body_file {
        Some(path) => std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?,
        None => {
            let mut body = Vec::new();
            std::io::stdin().read_to_end(&mut body)?;
            body
        }
    };
    let now = args.now.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
    });
    match agentline_domain::webhook::verify(&args.secret, &args.id, &args.timestamp, &args.signature, &body, now) {
        Ok(()) => {
            println!("valid");
            Ok(())
        }
        Err(err) => {
            eprintln!("invalid: {err}");
            std::process::exit(1);
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    tracing::info!(address = %app.local_addr(), "agentline is listening");
    app.run_until_stopped(shutdown_signal()).await
}

async fn bootstrap(config: &Config, args: BootstrapArgs) -> anyhow::Result<()> {
    let defaults = &config.accounts;
    let store = open_store(config).await?;
    let made = accounts::bootstrap(
        &store,
        NewAccount {
            name: args.account,
            plan: args.plan.unwrap_or_else(|| defaults.plan.clone()),
            concurrency_limit: args.concurrency_limit.unwrap_or(defaults.concurrency_limit),
            balance_cents: args.balance_cents.unwrap_or(defaults.starting_balance_cents),
            rate_cents_per_minute: args.rate_cents_per_minute.unwrap_or(defaults.rate_cents_per_minute),
        },
    )
    .await
    .context("cannot create the account")?;
    let webhook_secret = agentline_store::webhooks::account_secret(&store, &made.account.id).await?;
    let out = json!({
        "account_id": made.account.id,
        "business_id": made.business.id,
        "api_key": made.live_key.expose(),
        "api_key_id": made.live_key_id,
        "test_api_key": made.test_key.expose(),
        "test_api_key_id": made.test_key_id,
        "admin_token": made.admin_token.expose(),
        "webhook_secret": webhook_secret.expose(),
    });
    if args.json {
        println!("{out}");
    } else {
        println!("Account {} created. These secrets are shown only once:\n", made.account.id);
        println!("  admin token   {}   (manages keys and credit)", made.admin_token.expose());
        println!("  live API key  {}", made.live_key.expose());
        println!("  test API key  {}   (sandbox only, never charged)", made.test_key.expose());
        println!("  webhook secret {}   (signs agent and per-call webhook URLs)", webhook_secret.expose());
    }
    store.close().await;
    Ok(())
}
