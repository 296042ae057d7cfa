//! Configuration: shipped defaults ⊕ optional TOML file ⊕ `AGENTLINE_*` environment variables.
//! The engine's part of it is typed in `agentline_engine::settings`; this is the loading and
//! the server's own HTTP settings.

pub use agentline_engine::settings::*;

use agentline_domain::SecretString;
use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::Path;

/// The commented defaults, which double as the configuration reference.
pub const DEFAULT_CONFIG: &str = include_str!("../../../config.default.toml");

/// Everything the server reads at start-up: its own HTTP settings and the engine's.
#[derive(Clone, Debug, Deserialize)]
pub struct Config {
    pub bind: SocketAddr,
    /// May carry a password, so it never prints.
    pub database_url: Option<SecretString>,
    pub log_format: LogFormat,
    pub body_limit_bytes: usize,
    /// Reverse proxies whose `X-Forwarded-For` names the client (CIDRs or addresses).
    pub trusted_proxies: Vec<String>,
    pub rate_limits: RateLimits,
    pub accounts: AccountDefaults,
    /// Calls, media, speech and webhooks: the same TOML tables, read by the engine.
    #[serde(flatten)]
    pub engine: Settings,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Requests per minute per key.
#[derive(Clone, Debug, Deserialize)]
pub struct RateLimits {
    pub calls_create_per_minute: u32,
    pub read_per_minute: u32,
    pub write_per_minute: u32,
    pub auth_failures_per_minute: u32,
}

/// What new accounts start with.
#[derive(Clone, Debug, Deserialize)]
pub struct AccountDefaults {
    pub plan: String,
    pub concurrency_limit: i64,
    pub rate_cents_per_minute: i64,
    pub starting_balance_cents: i64,
}

impl Config {
    /// Loads defaults, then `file` if given, then the environment, and validates the result.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Toml::string(DEFAULT_CONFIG));
        if let Some(file) = file {
            if !file.exists() {
                bail!("config file {} does not exist", file.display());
            }
            figment = figment.merge(Toml::file(file));
        }
        figment = figment.merge(Env::prefixed("AGENTLINE_").split("__"));
        let config: Self = figment.extract().context("invalid configuration")?;
        config.validate()?;
        Ok(config)
    }

    /// The shipped defaults alone, for tests and tools.
    pub fn defaults() -> Self {
        Figment::from(Toml::string(DEFAULT_CONFIG)).extract().expect("the shipped default configuration parses")
    }

    fn validate(&self) -> anyhow::Result<()> {
        let limits = &self.rate_limits;
        if [
            limits.calls_create_per_minute,
            limits.read_per_minute,
            limits.write_per_minute,
            limits.auth_failures_per_minute,
        ]
        .contains(&0)
        {
            bail!("rate_limits: every limit must be at least 1 request per minute");
        }
        if self.body_limit_bytes < 1024 {
            bail!("body_limit_bytes must be at least 1024");
        }
        crate::api::client_ip::parse_proxies(&self.trusted_proxies).map_err(anyhow::Error::msg)?;
        if self.accounts.concurrency_limit < 1 || self.accounts.rate_cents_per_minute < 0 {
            bail!("accounts: concurrency_limit must be at least 1 and rate_cents_per_minute not negative");
        }
        self.engine.validate()?;
        if let Some(url) = &self.database_url {
            let url = url.expose();
            let known = ["sqlite:", "postgres:", "postgresql:"].iter().any(|p| url.starts_with(p));
            if !known {
                bail!("database_url must start with sqlite:, postgres: or postgresql:");
            }
        }
        Ok(())
    }

    /// The database to use: the configured URL, or the embedded SQLite file in `data_dir`.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose().to_owned(),
            None => format!("sqlite://{}", self.engine.data_dir.join("agentline.sqlite").display()),
        }
    }
}

/// A database URL with any password replaced, safe to log.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:[redacted]{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_validate() {
        let config = Config::defaults();
        config.validate().unwrap();
        assert_eq!(config.bind.port(), 8080);
        assert!(config.database_url().starts_with("sqlite://"));
    }

    #[test]
    fn debug_hides_the_database_password() {
        let mut config = Config::defaults();
        config.database_url = Some(SecretString::new("postgres://app:hunter2@db/agentline"));
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn redacts_passwords_in_urls() {
        assert_eq!(redact_url("postgres://app:hunter2@db:5432/x"), "postgres://app:[redacted]@db:5432/x");
        assert_eq!(redact_url("sqlite:///tmp/a.sqlite"), "sqlite:///tmp/a.sqlite");
    }
}
