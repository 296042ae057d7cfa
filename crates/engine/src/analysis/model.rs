//! Which model analyses a call, and which key goes with it. The model: the analysis settings' own
//! `base_url` and `model`, else the agent's `llm` brain's, else the server's `[analysis]` model, field by
//! field. The key: the account's `openai` credential, else the server's `llm_api_key`, but that one only to
//! the server's own analysis URL, so a tenant who names its own URL cannot collect the operator's key there.

use crate::settings::AnalysisConfig;
use agentline_domain::SecretString;
use agentline_domain::analysis::AnalysisSettings;
use agentline_domain::brain::Brain;

/// An OpenAI-compatible server and the model to ask there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub base_url: String,
    pub model: String,
}

/// The model `settings` (merged for the call) name, filled in from `brain` and the server's; none when
/// no URL or no model is named anywhere.
pub fn target(settings: &AnalysisSettings, brain: &Brain, server: &AnalysisConfig) -> Option<Target> {
    let (brain_url, brain_model) = match brain {
        Brain::Llm { base_url, model, .. } => (Some(base_url.as_str()), Some(model.as_str())),
        _ => (None, None),
    };
    let (server_url, server_model) = server.server_model().unzip();
    let base_url = settings.base_url.as_deref().or(brain_url).or(server_url)?;
    let model = settings.model.as_deref().or(brain_model).or(server_model)?;
    Some(Target { base_url: base_url.to_owned(), model: model.to_owned() })
}

/// The key sent to `url`: the account's own, else the server's when `url` is the server's analysis URL.
pub fn key(
    own: Option<SecretString>,
    server_key: Option<&SecretString>,
    server: &AnalysisConfig,
    url: &str,
) -> Option<SecretString> {
    let same = |a: &str, b: &str| a.trim().trim_end_matches('/') == b.trim().trim_end_matches('/');
    own.or_else(|| server_key.filter(|_| server.server_model().is_some_and(|(s, _)| same(s, url))).cloned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn server(base_url: &str, model: &str) -> AnalysisConfig {
        AnalysisConfig {
            worker_enabled: true,
            base_url: base_url.into(),
            model: model.into(),
            timeout_secs: 60,
            retry_schedule_secs: vec![10],
            max_answer_bytes: 65_536,
            batch_size: 8,
        }
    }

    fn llm() -> Brain {
        serde_json::from_value(json!({"type": "llm", "base_url": "http://brain.local/v1", "model": "brain-model"}))
            .unwrap()
    }

    fn settings(value: serde_json::Value) -> AnalysisSettings {
        serde_json::from_value(value).unwrap()
    }

    fn t(url: &str, model: &str) -> Option<Target> {
        Some(Target { base_url: url.into(), model: model.into() })
    }

    #[test]
    fn own_settings_then_the_brain_then_the_server() {
        let server = server("http://server.local/v1", "server-model");
        assert_eq!(target(&AnalysisSettings::default(), &llm(), &server), t("http://brain.local/v1", "brain-model"));
        assert_eq!(target(&settings(json!({"model": "own"})), &llm(), &server), t("http://brain.local/v1", "own"));
        let own = settings(json!({"base_url": "http://own.local/v1", "model": "own"}));
        assert_eq!(target(&own, &llm(), &server), t("http://own.local/v1", "own"));
        assert_eq!(
            target(&AnalysisSettings::default(), &Brain::default(), &server),
            t("http://server.local/v1", "server-model")
        );
    }

    #[test]
    fn no_model_anywhere_is_none() {
        let none = server("", "");
        assert_eq!(target(&AnalysisSettings::default(), &Brain::default(), &none), None);
        assert_eq!(target(&settings(json!({"model": "m"})), &Brain::default(), &none), None, "a model without a URL");
        assert_eq!(target(&AnalysisSettings::default(), &Brain::default(), &server("http://s/v1", "")), None);
    }

    #[test]
    fn the_servers_key_only_goes_to_the_servers_url() {
        let config = server("http://server.local/v1/", "m");
        let server_key = SecretString::new("server-key");
        let expose = |k: Option<SecretString>| k.map(|k| k.expose().to_owned());
        assert_eq!(
            expose(key(None, Some(&server_key), &config, "http://server.local/v1")).as_deref(),
            Some("server-key")
        );
        assert_eq!(expose(key(None, Some(&server_key), &config, "http://collector.example/v1")), None);
        let own = Some(SecretString::new("own-key"));
        assert_eq!(
            expose(key(own, Some(&server_key), &config, "http://collector.example/v1")).as_deref(),
            Some("own-key")
        );
        assert_eq!(expose(key(None, Some(&server_key), &server("", ""), "")), None);
    }
}
