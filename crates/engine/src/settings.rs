//! The engine's typed settings: where calls, media, speech and webhooks get their numbers.
//! Loading them (defaults ⊕ TOML ⊕ environment) is the server's job; the engine only reads and
//! checks them.

use agentline_domain::SecretString;
use anyhow::{Context, bail};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything the call engine reads.
#[derive(Clone, Debug, Deserialize)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub webhook_allow_private: bool,
    pub calls: CallSettings,
    pub sandbox: SandboxSettings,
    pub webhooks: WebhookSettings,
    pub sip: SipSettings,
    pub recordings: RecordingSettings,
    pub speech: SpeechSettings,
    pub conversation: ConversationSettings,
    pub twilio: TwilioSettings,
    pub analysis: AnalysisConfig,
}

/// Post-call analysis: the worker, and the model calls use when their agent names none.
#[derive(Clone, Debug, Deserialize)]
pub struct AnalysisConfig {
    pub worker_enabled: bool,
    /// The server's own model for analyses whose agent has neither `analysis.model` nor an `llm`
    /// brain; empty = none (those analyses are skipped). `speech.llm_api_key` goes to analyses only
    /// here (and to `llm` brains only at `speech.openai_base_url`).
    pub base_url: String,
    pub model: String,
    pub timeout_secs: u64,
    /// Waits before each retry after a passing failure (timeout, 5xx, 429); then the run fails.
    pub retry_schedule_secs: Vec<u64>,
    /// The longest answer read from the model.
    pub max_answer_bytes: usize,
    /// Runs taken at once per worker round.
    pub batch_size: i64,
}

impl AnalysisConfig {
    /// The server's model, when one is configured.
    pub fn server_model(&self) -> Option<(&str, &str)> {
        let (url, model) = (self.base_url.trim(), self.model.trim());
        (!url.is_empty() && !model.is_empty()).then_some((url, model))
    }
}

/// The Twilio carrier.
#[derive(Clone, Debug, Deserialize)]
pub struct TwilioSettings {
    pub api_base_url: String,
    pub public_url: String,
    pub dev_streams: bool,
    pub stream_timeout_secs: u64,
}

impl TwilioSettings {
    /// The public base URL, without a trailing slash; none when unset.
    pub fn public_url(&self) -> Option<&str> {
        Some(self.public_url.trim().trim_end_matches('/')).filter(|url| !url.is_empty())
    }

    /// The URL Twilio reaches `path` at (what it signs), for HTTP callbacks.
    pub fn callback_url(&self, path: &str) -> Option<String> {
        self.public_url().map(|base| format!("{base}{path}"))
    }

    /// The WebSocket URL Twilio opens for `path` (`https` becomes `wss`).
    pub fn stream_url(&self, path: &str) -> Option<String> {
        let base = self.public_url()?;
        let ws = match base.split_once("://") {
            Some(("https", rest)) => format!("wss://{rest}"),
            Some(("http", rest)) => format!("ws://{rest}"),
            _ => base.to_owned(),
        };
        Some(format!("{ws}{path}"))
    }
}

/// Speech providers: which engines a call's conversation uses, and how to reach them.
#[derive(Clone, Debug, Deserialize)]
pub struct SpeechSettings {
    pub stt: String,
    pub moonshine_dir: String,
    pub tts: String,
    /// Where the Piper voice lives; empty = `$AGENTLINE_PIPER_DIR` or `.agentline/piper`.
    #[serde(default)]
    pub piper_dir: String,
    pub openai_base_url: String,
    pub openai_stt_model: String,
    pub openai_tts_model: String,
    pub deepgram_url: String,
    pub deepgram_model: String,
    pub elevenlabs_base_url: String,
    pub elevenlabs_model: String,
    pub timeout_secs: u64,
    #[serde(default)]
    pub openai_api_key: Option<SecretString>,
    #[serde(default)]
    pub deepgram_api_key: Option<SecretString>,
    #[serde(default)]
    pub elevenlabs_api_key: Option<SecretString>,
    #[serde(default)]
    pub llm_api_key: Option<SecretString>,
}

/// Turn-taking and silence handling.
#[derive(Clone, Debug, Deserialize)]
pub struct ConversationSettings {
    pub endpoint_silence_ms: u64,
    /// Caller pause after which a local recogniser drafts the words so far (0 = no drafts).
    #[serde(default = "default_draft_after_ms")]
    pub draft_after_ms: u64,
    /// Silence that ends the turn when the draft is a finished sentence.
    #[serde(default = "default_finished_silence_ms")]
    pub finished_silence_ms: u64,
    pub barge_in_ms: u64,
    pub answer_grace_ms: u64,
    pub reminder_after_secs: u64,
    pub hangup_after_secs: u64,
    pub reminder_phrase: String,
    pub goodbye_phrase: String,
    /// Said to the caller when a transfer starts.
    #[serde(default = "default_transfer_hold_phrase")]
    pub transfer_hold_phrase: String,
    /// Said to the caller when the transfer's target did not take the call.
    #[serde(default = "default_transfer_failed_phrase")]
    pub transfer_failed_phrase: String,
}

fn default_transfer_hold_phrase() -> String {
    "Please hold while I connect you.".to_owned()
}

fn default_transfer_failed_phrase() -> String {
    "I'm sorry, I couldn't connect you right now. Is there anything else I can help with?".to_owned()
}

fn default_draft_after_ms() -> u64 {
    200
}

fn default_finished_silence_ms() -> u64 {
    700
}

/// The SIP user agent and its RTP media.
#[derive(Clone, Debug, Deserialize)]
pub struct SipSettings {
    pub listen: SocketAddr,
    pub external_ip: String,
    pub rtp_port_min: u16,
    pub rtp_port_max: u16,
    pub rtp_timeout_secs: u64,
    pub jitter_buffer_ms: u32,
}

impl SipSettings {
    /// The configured NAT address, if any.
    pub fn external_ip(&self) -> anyhow::Result<Option<std::net::IpAddr>> {
        let ip = self.external_ip.trim();
        if ip.is_empty() {
            return Ok(None);
        }
        ip.parse().map(Some).with_context(|| format!("sip.external_ip: `{ip}` is not an IP address"))
    }
}

/// Call recordings.
#[derive(Clone, Debug, Deserialize)]
pub struct RecordingSettings {
    pub enabled: bool,
}

/// Webhook delivery.
#[derive(Clone, Debug, Deserialize)]
pub struct WebhookSettings {
    pub worker_enabled: bool,
    pub retry_schedule_secs: Vec<u64>,
    pub timeout_secs: u64,
    pub batch_size: i64,
    /// Requests in flight to one receiver (scheme, host, port) at most.
    pub per_receiver: usize,
}

/// How calls are dispatched and supervised.
#[derive(Clone, Debug, Deserialize)]
pub struct CallSettings {
    pub node_id: String,
    pub max_queued_per_account: i64,
    pub default_ring_timeout_secs: i64,
    pub dispatch_interval_ms: u64,
    pub heartbeat_secs: u64,
    /// At shutdown (SIGTERM), how long live calls may go on before they are ended.
    pub drain_secs: u64,
}

/// The sandbox carrier.
#[derive(Clone, Debug, Deserialize)]
pub struct SandboxSettings {
    pub speed: f64,
}

impl Settings {
    /// Checks what the engine relies on; the message names the setting at fault.
    pub fn validate(&self) -> anyhow::Result<()> {
        if !(self.sandbox.speed.is_finite() && (0.01..=1000.0).contains(&self.sandbox.speed)) {
            bail!("sandbox.speed must be between 0.01 and 1000");
        }
        if self.calls.node_id.trim().is_empty()
            || self.calls.heartbeat_secs == 0
            || self.calls.dispatch_interval_ms == 0
        {
            bail!("calls: node_id must be set and heartbeat_secs and dispatch_interval_ms must be positive");
        }
        if self.webhooks.timeout_secs == 0
            || self.webhooks.batch_size < 1
            || self.webhooks.per_receiver < 1
            || self.webhooks.retry_schedule_secs.len() > 50
        {
            bail!(
                "webhooks: timeout_secs, batch_size and per_receiver must be positive and retry_schedule_secs at most 50 entries"
            );
        }
        if !(5..=120).contains(&self.calls.default_ring_timeout_secs) {
            bail!("calls.default_ring_timeout_secs must be between 5 and 120");
        }
        let analysis = &self.analysis;
        if analysis.timeout_secs == 0
            || analysis.batch_size < 1
            || analysis.max_answer_bytes < 1024
            || analysis.retry_schedule_secs.len() > 20
        {
            bail!(
                "analysis: timeout_secs and batch_size must be positive, max_answer_bytes at least 1024 and \
                 retry_schedule_secs at most 20 entries"
            );
        }
        if let Some((url, _)) = analysis.server_model() {
            agentline_domain::validate::http_url("analysis.base_url", url)
                .map_err(|e| anyhow::anyhow!("analysis.base_url {}", e.message))?;
        }
        self.validate_sip()?;
        self.validate_speech()?;
        self.validate_twilio()
    }

    fn validate_sip(&self) -> anyhow::Result<()> {
        self.sip.external_ip()?;
        let sip = &self.sip;
        if sip.rtp_port_min < 1024 || sip.rtp_port_max < sip.rtp_port_min.saturating_add(2) {
            bail!("sip: rtp_port_min must be at least 1024 and rtp_port_max above it by at least 2");
        }
        if sip.rtp_timeout_secs == 0
            || !(20..=1000).contains(&sip.jitter_buffer_ms)
            || !sip.jitter_buffer_ms.is_multiple_of(20)
        {
            bail!("sip: rtp_timeout_secs must be positive and jitter_buffer_ms a multiple of 20 between 20 and 1000");
        }
        Ok(())
    }

    fn validate_speech(&self) -> anyhow::Result<()> {
        let speech = &self.speech;
        if !["local", "deepgram", "openai", "none"].contains(&speech.stt.as_str()) {
            bail!("speech.stt must be local, deepgram, openai or none");
        }
        if !["piper", "espeak", "openai", "elevenlabs"].contains(&speech.tts.as_str()) {
            bail!("speech.tts must be piper, espeak, openai or elevenlabs");
        }
        if speech.timeout_secs == 0 {
            bail!("speech.timeout_secs must be positive");
        }
        let turns = &self.conversation;
        if !(100..=5000).contains(&turns.endpoint_silence_ms) || !(60..=5000).contains(&turns.barge_in_ms) {
            bail!("conversation: endpoint_silence_ms must be 100–5000 and barge_in_ms 60–5000");
        }
        if turns.draft_after_ms > turns.endpoint_silence_ms
            || !(100..=turns.endpoint_silence_ms).contains(&turns.finished_silence_ms)
        {
            bail!(
                "conversation: draft_after_ms must be at most endpoint_silence_ms, and finished_silence_ms 100 to \
                 endpoint_silence_ms"
            );
        }
        Ok(())
    }

    fn validate_twilio(&self) -> anyhow::Result<()> {
        let twilio = &self.twilio;
        agentline_domain::validate::http_url("twilio.api_base_url", &twilio.api_base_url)
            .map_err(|e| anyhow::anyhow!("twilio.api_base_url {}", e.message))?;
        if let Some(url) = twilio.public_url() {
            let parsed = url::Url::parse(url).with_context(|| format!("twilio.public_url: `{url}` is not a URL"))?;
            if !["http", "https"].contains(&parsed.scheme()) || parsed.path() != "/" || parsed.query().is_some() {
                bail!("twilio.public_url must be http(s)://host[:port] with no path");
            }
        }
        if twilio.stream_timeout_secs == 0 {
            bail!("twilio.stream_timeout_secs must be positive");
        }
        Ok(())
    }
}
