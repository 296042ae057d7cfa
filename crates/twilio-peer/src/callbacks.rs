//! Status callbacks: which of a call's progress events agentline asked to hear about, the
//! parameters Twilio sends with each, and their delivery, signed, in order and one at a time.

use crate::calls::CallbackRecord;
use crate::clock::rfc2822;
use crate::state::Inner;
use crate::webhook::{self, Method};
use std::sync::Arc;
use std::time::SystemTime;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Twilio's API version, sent as `ApiVersion` with every request about a call.
pub(crate) const API_VERSION: &str = "2010-04-01";

/// A call progress event agentline can subscribe to with `StatusCallbackEvent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    Initiated,
    Ringing,
    Answered,
    /// The call ended, whatever its final status.
    Completed,
}

impl Event {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "initiated" => Self::Initiated,
            "ringing" => Self::Ringing,
            "answered" => Self::Answered,
            "completed" => Self::Completed,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Initiated => "initiated",
            Self::Ringing => "ringing",
            Self::Answered => "answered",
            Self::Completed => "completed",
        }
    }
}

/// Where and how to send a call's status callbacks.
#[derive(Clone, Debug, Default)]
pub(crate) struct CallbackConfig {
    url: Option<String>,
    method: Option<Method>,
    events: Vec<Event>,
}

impl CallbackConfig {
    /// From a create request's `StatusCallback`, `StatusCallbackMethod` and `StatusCallbackEvent`
    /// (which may repeat, and whose values may each hold several space-separated events).
    pub(crate) fn from_params(params: &[(String, String)]) -> Self {
        let values = |name: &'static str| params.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_str());
        let url = values("StatusCallback").next().filter(|url| !url.trim().is_empty()).map(str::to_owned);
        let method = Some(Method::parse(values("StatusCallbackMethod").next()));
        let events = values("StatusCallbackEvent").flat_map(str::split_whitespace).filter_map(Event::parse).collect();
        Self { url, method, events }
    }
}

/// Who a call is: what every request about it carries.
#[derive(Clone, Debug)]
pub(crate) struct CallInfo {
    pub(crate) sid: String,
    pub(crate) from: String,
    pub(crate) to: String,
    /// `outbound-api` or `inbound`.
    pub(crate) direction: &'static str,
}

impl CallInfo {
    /// The parameters of every voice request about the call, with `CallStatus` = `status`.
    pub(crate) fn params(&self, account_sid: &str, status: &str) -> Vec<(String, String)> {
        [
            ("AccountSid", account_sid),
            ("ApiVersion", API_VERSION),
            ("CallSid", &self.sid),
            ("CallStatus", status),
            ("Called", &self.to),
            ("Caller", &self.from),
            ("Direction", self.direction),
            ("From", &self.from),
            ("To", &self.to),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
    }
}

/// How a call ended, for its final callback.
#[derive(Clone, Debug)]
pub(crate) struct FinalReport {
    pub(crate) status: &'static str,
    /// Talk time in whole seconds.
    pub(crate) duration_secs: u64,
    pub(crate) sip_response_code: Option<u16>,
    pub(crate) error_code: Option<u32>,
}

/// A callback ready to go.
struct Pending {
    event: Event,
    params: Vec<(String, String)>,
}

/// One call's status callbacks.
pub(crate) struct StatusCallbacks {
    inner: Arc<Inner>,
    info: CallInfo,
    events: Vec<Event>,
    /// The next `SequenceNumber`: callbacks actually sent, counted from 0.
    sequence: u32,
    queue: Option<mpsc::UnboundedSender<Pending>>,
    worker: Option<JoinHandle<()>>,
}

impl StatusCallbacks {
    /// Starts delivering (in order, one at a time) when the call has a `StatusCallback`.
    pub(crate) fn start(inner: Arc<Inner>, info: CallInfo, config: CallbackConfig) -> Self {
        let (queue, worker) = match config.url {
            Some(url) => {
                let (sender, receiver) = mpsc::unbounded_channel();
                let method = config.method.unwrap_or(Method::Post);
                let worker = tokio::spawn(deliver(Arc::clone(&inner), info.sid.clone(), url, method, receiver));
                (Some(sender), Some(worker))
            }
            None => (None, None),
        };
        Self { inner, info, events: config.events, sequence: 0, queue, worker }
    }

    /// The call reached `status`; sent if agentline subscribed to `event`.
    pub(crate) fn progress(&mut self, event: Event, status: &str) {
        if self.events.contains(&event) {
            let params = self.params(status);
            self.enqueue(event, params);
        }
    }

    /// The call ended: the final callback (always sent when there is a `StatusCallback`), then
    /// waits until every callback has been answered.
    pub(crate) async fn finish(mut self, report: &FinalReport) {
        let mut params = self.params(report.status);
        let duration = report.duration_secs.to_string();
        // `Duration` is billed minutes, rounded up; `CallDuration` is seconds.
        params.push(("CallDuration".into(), duration));
        params.push(("Duration".into(), report.duration_secs.div_ceil(60).to_string()));
        if let Some(code) = report.sip_response_code {
            params.push(("SipResponseCode".into(), code.to_string()));
        }
        if let Some(code) = report.error_code {
            params.push(("ErrorCode".into(), code.to_string()));
        }
        self.enqueue(Event::Completed, params);
        self.queue = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.await;
        }
    }

    fn params(&mut self, status: &str) -> Vec<(String, String)> {
        let mut params = self.info.params(&self.inner.account_sid, status);
        params.push(("Timestamp".into(), rfc2822(SystemTime::now())));
        params.push(("SequenceNumber".into(), self.sequence.to_string()));
        params.push(("CallbackSource".into(), "call-progress-events".into()));
        params
    }

    fn enqueue(&mut self, event: Event, params: Vec<(String, String)>) {
        if let Some(queue) = &self.queue {
            self.sequence += 1;
            let _ = queue.send(Pending { event, params });
        }
    }
}

/// Sends the call's callbacks one at a time, each after the previous one was answered.
async fn deliver(
    inner: Arc<Inner>,
    sid: String,
    url: String,
    method: Method,
    mut queue: mpsc::UnboundedReceiver<Pending>,
) {
    while let Some(pending) = queue.recv().await {
        let sent = webhook::send_signed(&inner.client, &inner.auth_token, method, &url, &pending.params).await;
        if let Some(error) = &sent.answer.error {
            inner.calls.note(&sid, format!("status callback to {url} failed (Twilio error 15003): {error}"));
        }
        let record = CallbackRecord {
            event: pending.event.name().to_owned(),
            method: method.name().to_owned(),
            url: sent.url,
            params: pending.params,
            signature: sent.signature,
            status: sent.answer.status,
            body: sent.answer.body,
            error: sent.answer.error,
        };
        inner.calls.update(&sid, |call| call.callbacks.push(record));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn events_may_repeat_and_hold_several_names() {
        let config = CallbackConfig::from_params(&params(&[
            ("StatusCallback", "http://h/cb"),
            ("StatusCallbackEvent", "initiated ringing"),
            ("StatusCallbackEvent", "answered"),
            ("StatusCallbackEvent", "bogus"),
            ("StatusCallbackMethod", "GET"),
        ]));
        assert_eq!(config.url.as_deref(), Some("http://h/cb"));
        assert_eq!(config.events, [Event::Initiated, Event::Ringing, Event::Answered]);
        assert_eq!(config.method, Some(Method::Get));
        assert!(CallbackConfig::from_params(&[]).url.is_none());
    }
}
