//! Twilio's REST API for calls: create one, and end it by updating its status.

use agentline_domain::SecretString;
use std::time::Duration;

/// Talks to `{api_base_url}/2010-04-01/Accounts/{sid}/Calls…` with one account's credentials.
#[derive(Clone, Debug)]
pub(crate) struct TwilioRest {
    base_url: String,
    account_sid: String,
    auth_token: SecretString,
    http: reqwest::Client,
}

/// Why Twilio did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TwilioError {
    #[error("Twilio answered HTTP {status}{}: {message}", code.map(|c| format!(" (error {c})")).unwrap_or_default())]
    Refused { status: u16, code: Option<u64>, message: String },
    #[error("Twilio could not be reached: {0}")]
    Unreachable(String),
}

impl TwilioRest {
    pub(crate) fn new(base_url: &str, account_sid: &str, auth_token: SecretString) -> Self {
        agentline_speech::http::ensure_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            account_sid: account_sid.to_owned(),
            auth_token,
            http,
        }
    }

    /// Creates a call (`POST Calls.json`) and returns its `CallSid`.
    pub(crate) async fn create_call(&self, form: &[(&str, String)]) -> Result<String, TwilioError> {
        let url = format!("{}/2010-04-01/Accounts/{}/Calls.json", self.base_url, self.account_sid);
        let body = self.post(&url, form).await?;
        body.get("sid")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| TwilioError::Unreachable("Twilio's answer carried no call sid".to_owned()))
    }

    /// Moves a call to `status`: `completed` hangs up an answered call, `canceled` stops a ringing one.
    pub(crate) async fn update_call(&self, call_sid: &str, status: &str) -> Result<(), TwilioError> {
        let url = format!("{}/2010-04-01/Accounts/{}/Calls/{}.json", self.base_url, self.account_sid, call_sid);
        self.post(&url, &[("Status", status.to_owned())]).await.map(drop)
    }

    /// Has a live call run `twiml` instead of what it runs now (a redirect: the media stream ends).
    pub(crate) async fn redirect_call(&self, call_sid: &str, twiml: String) -> Result<(), TwilioError> {
        let url = format!("{}/2010-04-01/Accounts/{}/Calls/{}.json", self.base_url, self.account_sid, call_sid);
        self.post(&url, &[("Twiml", twiml)]).await.map(drop)
    }

    async fn post(&self, url: &str, form: &[(&str, String)]) -> Result<serde_json::Value, TwilioError> {
        let response = self
            .http
            .post(url)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
            .form(form)
            .send()
            .await
            .map_err(|e| TwilioError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        if status.is_success() {
            return Ok(body);
        }
        let message = body.get("message").and_then(serde_json::Value::as_str).unwrap_or("no message");
        Err(TwilioError::Refused {
            status: status.as_u16(),
            code: body.get("code").and_then(serde_json::Value::as_u64),
            message: message.chars().take(300).collect(),
        })
    }
}
