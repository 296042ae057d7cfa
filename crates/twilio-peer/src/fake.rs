//! [`FakeTwilio`]: the stand-in's front door. An HTTP server on loopback speaking Twilio's REST API
//! for calls, the scripts saying how each number answers, inbound calls, and what tests inspect.
//!
//! Only the facade lives here: the state it shares with the API, the callbacks and the call
//! tasks is in [`crate::state`], so those modules never import this one.

use crate::calls::{CallSnapshot, Registry};
use crate::inbound::{self, IncomingCall, Signing};
use crate::script::CallerScript;
use crate::state::{ApiRequest, Inner, Outcome};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often the `wait_*` helpers look again.
const POLL: Duration = Duration::from_millis(5);

/// A Twilio account served on `127.0.0.1`; dropping it stops the server.
pub struct FakeTwilio {
    inner: Arc<Inner>,
    base_url: String,
    server: JoinHandle<()>,
}

impl FakeTwilio {
    /// Starts serving the account `account_sid` with the auth token `auth_token`.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start(account_sid: &str, auth_token: &str) -> FakeTwilio {
        let inner = Arc::new(Inner {
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
            client: crate::webhook::client(),
            calls: Registry::default(),
            scripts: Mutex::new(HashMap::new()),
            requests: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let address = listener.local_addr().expect("a bound socket has an address");
        let router = crate::api::router(Arc::clone(&inner));
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                tracing::warn!("the Twilio stand-in stopped serving: {error}");
            }
        });
        FakeTwilio { inner, base_url: format!("http://{address}"), server }
    }

    /// `http://127.0.0.1:PORT`: agentline's Twilio API base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn account_sid(&self) -> &str {
        &self.inner.account_sid
    }

    pub fn auth_token(&self) -> &str {
        &self.inner.auth_token
    }

    /// The signature Twilio would put on a request to `url` with `params`.
    pub fn sign(&self, url: &str, params: &[(String, String)]) -> String {
        crate::signature::sign(&self.inner.auth_token, url, params)
    }

    /// How calls to `to` go from now on.
    pub fn script(&self, to: &str, outcome: Outcome) {
        crate::lock(&self.inner.scripts).insert(to.to_owned(), outcome);
    }

    /// Every call so far, oldest first.
    pub fn calls(&self) -> Vec<CallSnapshot> {
        self.inner.calls.all()
    }

    pub fn call(&self, sid: &str) -> Option<CallSnapshot> {
        self.inner.calls.get(sid)
    }

    /// Every REST API request so far, oldest first.
    pub fn api_requests(&self) -> Vec<ApiRequest> {
        crate::lock(&self.inner.requests).clone()
    }

    /// Waits up to `timeout` for a call to `to`; the latest one.
    pub async fn wait_for_call(&self, to: &str, timeout: Duration) -> Option<CallSnapshot> {
        self.wait(timeout, || self.calls().into_iter().rev().find(|call| call.to == to)).await
    }

    /// Waits up to `timeout` for the call `sid` to have reached `status` (now or before).
    pub async fn wait_for_status(&self, sid: &str, status: &str, timeout: Duration) -> Option<CallSnapshot> {
        self.wait_for_state(sid, timeout, |call| call.status_history.iter().any(|s| s == status)).await
    }

    /// Waits up to `timeout` for the call `sid` to be over with every callback answered.
    pub async fn wait_for_end(&self, sid: &str, timeout: Duration) -> Option<CallSnapshot> {
        self.wait_for_state(sid, timeout, |call| call.finished).await
    }

    /// Waits up to `timeout` for `ready` to hold of the call `sid`.
    pub async fn wait_for_state(
        &self,
        sid: &str,
        timeout: Duration,
        ready: impl Fn(&CallSnapshot) -> bool,
    ) -> Option<CallSnapshot> {
        self.wait(timeout, || self.call(sid).filter(|call| ready(call))).await
    }

    /// Someone calls `to` from `from`: the voice webhook goes to `voice_url`, signed, and its
    /// TwiML runs with the caller following `script`.
    pub async fn incoming_call(&self, voice_url: &str, from: &str, to: &str, script: CallerScript) -> IncomingCall {
        inbound::place(Arc::clone(&self.inner), voice_url, from, to, script, Signing::Proper).await
    }

    /// Like [`FakeTwilio::incoming_call`] with `signature` as `X-Twilio-Signature` (none: no
    /// header), to see agentline refuse it.
    pub async fn incoming_call_signed_with(
        &self,
        voice_url: &str,
        from: &str,
        to: &str,
        script: CallerScript,
        signature: Option<String>,
    ) -> IncomingCall {
        let signing = Signing::Given(signature);
        inbound::place(Arc::clone(&self.inner), voice_url, from, to, script, signing).await
    }

    /// Looks for something every few milliseconds until it turns up or `timeout` passes.
    async fn wait<T>(&self, timeout: Duration, mut found: impl FnMut() -> Option<T>) -> Option<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(value) = found() {
                return Some(value);
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Drop for FakeTwilio {
    fn drop(&mut self) {
        self.server.abort();
    }
}
