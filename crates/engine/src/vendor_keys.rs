//! Which key, and which URL, a call's vendor engines use: the account's own credentials
//! (`/v1/credentials/{vendor}`) first, then the server's `[speech]` key. The server's key only
//! ever goes to the server's own URL for that vendor, so a tenant who names its own `base_url`
//! cannot collect the operator's key there.

use crate::context::CallContext;
use crate::settings::SpeechSettings;
use agentline_domain::vendor::Vendor;
use agentline_domain::{AccountId, SecretString};
use agentline_store::vendors::{self, VendorCredentials};

/// The account's vendor credentials, read once when a call's conversation starts.
#[derive(Clone, Debug, Default)]
pub(crate) struct AccountKeys(Vec<VendorCredentials>);

/// Where requests to a vendor go, and the key they carry (none for a keyless server).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Access {
    pub url: String,
    pub key: Option<SecretString>,
}

impl AccountKeys {
    /// The account's credentials; none when they cannot be read (the server's keys serve then).
    pub(crate) async fn load(ctx: &CallContext, account_id: &AccountId) -> Self {
        match vendors::list(ctx.store(), account_id).await {
            Ok(credentials) => Self(credentials),
            Err(err) => {
                tracing::warn!(account_id = %account_id, error = %err, "vendor credentials unreadable; using the server's");
                Self::default()
            }
        }
    }

    fn get(&self, vendor: Vendor) -> Option<&VendorCredentials> {
        self.0.iter().find(|credentials| credentials.provider == vendor)
    }

    /// How to reach `vendor` for an engine that names `engine_url` (or none): with the account's
    /// key (at the engine's URL, else the credential's, else the server's); else keyless at the
    /// engine's own URL; else with the server's key at the server's URL. None when no key exists.
    pub(crate) fn access(&self, settings: &SpeechSettings, vendor: Vendor, engine_url: Option<&str>) -> Option<Access> {
        let (server_url, server_key) = server_default(settings, vendor);
        if let Some(own) = self.get(vendor) {
            let url = engine_url.or(own.base_url.as_deref()).unwrap_or(server_url);
            return Some(Access { url: url.to_owned(), key: Some(own.api_key.clone()) });
        }
        match engine_url {
            Some(url) => Some(Access { url: url.to_owned(), key: None }),
            None => server_key.map(|key| Access { url: server_url.to_owned(), key: Some(key.clone()) }),
        }
    }
}

/// The server's URL and key for `vendor`.
pub(crate) fn server_default(settings: &SpeechSettings, vendor: Vendor) -> (&str, Option<&SecretString>) {
    match vendor {
        Vendor::Openai => (&settings.openai_base_url, settings.openai_api_key.as_ref()),
        Vendor::Deepgram => (&settings.deepgram_url, settings.deepgram_api_key.as_ref()),
        Vendor::Elevenlabs => (&settings.elevenlabs_base_url, settings.elevenlabs_api_key.as_ref()),
    }
}

/// The key an `llm` brain at `base_url` sends: the account's `openai` key, else the server's
/// `llm_api_key` — but that one only to the server's own OpenAI URL (`speech.openai_base_url`), so
/// a tenant who names its own `base_url` cannot collect the operator's key there.
pub(crate) async fn llm_key(ctx: &CallContext, account_id: &AccountId, base_url: &str) -> Option<SecretString> {
    let own = match vendors::get(ctx.store(), account_id, Vendor::Openai).await {
        Ok(own) => own.map(|credentials| credentials.api_key),
        Err(err) => {
            tracing::warn!(account_id = %account_id, error = %err, "vendor credentials unreadable; using the server's");
            None
        }
    };
    own.or_else(|| server_llm_key(&ctx.settings().speech, base_url))
}

/// The server's LLM key, when `base_url` is the server's own OpenAI URL.
fn server_llm_key(settings: &SpeechSettings, base_url: &str) -> Option<SecretString> {
    let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
    settings.llm_api_key.clone().filter(|_| same(base_url, &settings.openai_base_url))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use agentline_domain::Timestamp;

    pub(crate) fn settings() -> SpeechSettings {
        SpeechSettings {
            stt: "local".into(),
            moonshine_dir: String::new(),
            tts: "espeak".into(),
            piper_dir: String::new(),
            openai_base_url: "https://api.openai.com/v1".into(),
            openai_stt_model: "whisper-1".into(),
            openai_tts_model: "tts-1".into(),
            deepgram_url: "wss://api.deepgram.com/v1/listen".into(),
            deepgram_model: "nova-2".into(),
            elevenlabs_base_url: "https://api.elevenlabs.io".into(),
            elevenlabs_model: "eleven_flash_v2_5".into(),
            timeout_secs: 5,
            openai_api_key: None,
            deepgram_api_key: Some(SecretString::new("server-dg")),
            elevenlabs_api_key: None,
            llm_api_key: None,
        }
    }

    pub(crate) fn account_keys(vendor: Vendor, key: &str, base_url: Option<&str>) -> AccountKeys {
        let now = Timestamp::now();
        AccountKeys(vec![VendorCredentials {
            account_id: AccountId::generate(),
            provider: vendor,
            api_key: SecretString::new(key),
            has_api_key: true,
            base_url: base_url.map(str::to_owned),
            created_at: now,
            updated_at: now,
        }])
    }

    fn access(url: &str, key: Option<&str>) -> Option<Access> {
        Some(Access { url: url.to_owned(), key: key.map(SecretString::new) })
    }

    #[test]
    fn the_accounts_key_comes_first_at_its_url() {
        let keys = account_keys(Vendor::Deepgram, "acct-dg", Some("wss://dg.example/v1/listen"));
        let got = keys.access(&settings(), Vendor::Deepgram, None);
        assert_eq!(got, access("wss://dg.example/v1/listen", Some("acct-dg")));
        let openai = account_keys(Vendor::Openai, "acct-oa", None);
        assert_eq!(
            openai.access(&settings(), Vendor::Openai, None),
            access("https://api.openai.com/v1", Some("acct-oa"))
        );
        let named = openai.access(&settings(), Vendor::Openai, Some("http://whisper.local/v1"));
        assert_eq!(named, access("http://whisper.local/v1", Some("acct-oa")));
    }

    #[test]
    fn the_servers_key_only_goes_to_the_servers_url() {
        let none = AccountKeys::default();
        let got = none.access(&settings(), Vendor::Deepgram, None);
        assert_eq!(got, access("wss://api.deepgram.com/v1/listen", Some("server-dg")));
        let mut settings = settings();
        settings.openai_api_key = Some(SecretString::new("server-oa"));
        let elsewhere = none.access(&settings, Vendor::Openai, Some("https://collector.example/v1"));
        assert_eq!(elsewhere, access("https://collector.example/v1", None));
    }

    #[test]
    fn the_servers_llm_key_only_goes_to_the_servers_openai_url() {
        let mut settings = settings();
        settings.llm_api_key = Some(SecretString::new("server-llm"));
        let key = |url: &str| server_llm_key(&settings, url).map(|key| key.expose().to_owned());
        assert_eq!(key("https://api.openai.com/v1/").as_deref(), Some("server-llm"));
        assert_eq!(key("https://collector.example/v1"), None);
        assert_eq!(key("https://api.openai.com/v1.collector.example"), None);
    }

    #[test]
    fn no_key_anywhere_is_none() {
        assert_eq!(AccountKeys::default().access(&settings(), Vendor::Elevenlabs, None), None);
        let other = account_keys(Vendor::Openai, "acct-oa", None);
        assert_eq!(other.access(&settings(), Vendor::Elevenlabs, None), None);
    }
}
