//! `agentline-bench`: measured, not guessed. Each scenario starts a real agentline server in
//! this process (its own database on SQLite or Postgres), drives it over loopback HTTP like a
//! client, and prints one Markdown table row per measurement. BENCHMARKS.md records the
//! results and the commands that produced them.

mod api;
mod campaigns;
mod harness;
mod list;
mod machines;
mod quality;
mod sip;
mod stats;
mod turns;
mod webhooks;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "agentline-bench", about = "agentline's benchmark scenarios")]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Subcommand)]
enum Scenario {
    /// Webhook deliveries per second and enqueue→delivered latency to a local receiver.
    Webhooks {
        #[arg(long, value_enum, default_value = "sqlite")]
        engine: Engine,
        /// Sandbox calls to place; each produces six events, so six deliveries.
        #[arg(long, default_value_t = 500)]
        calls: usize,
    },
    /// Latency of POST /v1/calls and GET /v1/calls at fixed request rates (open loop).
    Api {
        #[arg(long, value_enum, default_value = "sqlite")]
        engine: Engine,
        /// Requests per second to offer, comma separated.
        #[arg(long, value_delimiter = ',', default_values_t = vec![100, 500])]
        rates: Vec<u32>,
        /// Seconds at each rate.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Latency of listing calls with a large call history.
    List {
        #[arg(long, value_enum, default_value = "sqlite")]
        engine: Engine,
        /// Calls to load before measuring.
        #[arg(long, default_value_t = 1_000_000)]
        calls: usize,
    },
    /// Concurrent SIP calls with full media against a SIPp callee: CPU, memory, RTP pacing.
    Sip {
        /// Concurrent calls to hold, comma separated.
        #[arg(long, value_delimiter = ',', default_values_t = vec![10, 100])]
        calls: Vec<usize>,
        /// Seconds to measure once every call is answered.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Real-time sandbox calls instead (no SIPp): both ends' media, VAD and recording in this process.
        #[arg(long)]
        sandbox: bool,
    },
    /// Conversation quality on the offline engines: word errors at each step of the call path (voice,
    /// G.711, VAD cut, live calls) on the sandbox lines and a held-out set, and the answers' latency.
    Quality {
        /// Live calls per set of lines.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// The server's `conversation.finished_silence_ms` (default: the configured 700).
        #[arg(long)]
        finished_silence_ms: Option<u64>,
    },
    /// A large campaign from CSV on a sped-up sandbox: upload time, throughput, exact counts.
    Campaigns {
        #[arg(long, value_enum, default_value = "sqlite")]
        engine: Engine,
        /// Contacts in the CSV (a multiple of 10).
        #[arg(long, default_value_t = 10_000)]
        contacts: usize,
    },
    /// Answering-machine detection on labelled answers (people, machines with and without a beep):
    /// how many are told right, and how soon.
    Machines,
    /// Server-added turn latency in real-time sandbox conversations (turn end decided → first audio frame out).
    Turns {
        /// Conversations at once.
        #[arg(long, default_value_t = 4)]
        calls: usize,
        /// Rounds of them.
        #[arg(long, default_value_t = 2)]
        rounds: usize,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    match Cli::parse().scenario {
        Scenario::Webhooks { engine, calls } => webhooks::run(engine.into(), calls).await,
        Scenario::Api { engine, rates, seconds } => api::run(engine.into(), &rates, seconds).await,
        Scenario::List { engine, calls } => list::run(engine.into(), calls).await,
        Scenario::Sip { calls, seconds, sandbox } => sip::run(&calls, seconds, sandbox).await,
        Scenario::Turns { calls, rounds } => turns::run(calls, rounds).await,
        Scenario::Machines => machines::run().await,
        Scenario::Campaigns { engine, contacts } => campaigns::run(engine.into(), contacts).await,
        Scenario::Quality { rounds, finished_silence_ms } => quality::run(rounds, finished_silence_ms).await,
    }
}

impl From<Engine> for agentline_store::test_support::Engine {
    fn from(engine: Engine) -> Self {
        match engine {
            Engine::Sqlite => Self::Sqlite,
            Engine::Postgres => Self::Postgres,
        }
    }
}
