//! Twilio's outgoing HTTP requests (voice webhooks, TwiML fetches, status callbacks): form
//! encoded, signed, and recorded with whatever the far end answered.

use crate::signature::sign;
use std::time::Duration;

/// How long Twilio waits for a webhook's answer.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(15);

/// `POST` (form body) or `GET` (parameters in the query string), as `…Method` parameters pick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    Post,
    Get,
}

impl Method {
    /// A `…Method` parameter's value; anything but `GET` means Twilio's default, `POST`.
    pub(crate) fn parse(text: Option<&str>) -> Self {
        match text {
            Some(text) if text.eq_ignore_ascii_case("GET") => Self::Get,
            _ => Self::Post,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Post => "POST",
            Self::Get => "GET",
        }
    }
}

/// What the far end answered; status 0 when it could not be reached.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: String,
    pub(crate) error: Option<String>,
}

/// A signed request as it went out, and its answer.
pub(crate) struct Sent {
    /// The URL requested (for `GET`, with the parameters in its query string).
    pub(crate) url: String,
    pub(crate) signature: String,
    pub(crate) answer: Answer,
}

/// An HTTP client for plain `http` on loopback (TLS is never used, but reqwest's rustls backend
/// wants a crypto provider installed before a client is built).
pub(crate) fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(WEBHOOK_TIMEOUT).build().expect("an HTTP client with default settings")
}

/// Sends `params` to `url` signed with `auth_token`, as Twilio sends webhooks.
pub(crate) async fn send_signed(
    client: &reqwest::Client,
    auth_token: &str,
    method: Method,
    url: &str,
    params: &[(String, String)],
) -> Sent {
    let (url, signed) = match method {
        Method::Post => (url.to_owned(), params),
        Method::Get => (with_query(url, params), &[][..]),
    };
    let signature = sign(auth_token, &url, signed);
    let body = (method == Method::Post).then_some(params);
    let answer = send(client, &url, body, Some(signature.clone())).await;
    Sent { url, signature, answer }
}

/// Sends a request: a form `POST` when `form` is given, else a `GET`.
pub(crate) async fn send(
    client: &reqwest::Client,
    url: &str,
    form: Option<&[(String, String)]>,
    signature: Option<String>,
) -> Answer {
    let mut request = match form {
        Some(params) => {
            client.post(url).header("Content-Type", "application/x-www-form-urlencoded").body(form_encode(params))
        }
        None => client.get(url),
    };
    request = request.header("User-Agent", "TwilioProxy/1.1").header("Accept", "*/*");
    if let Some(signature) = signature {
        request = request.header("X-Twilio-Signature", signature);
    }
    match request.send().await {
        Err(error) => Answer { status: 0, body: String::new(), error: Some(error.to_string()) },
        Ok(response) => {
            let status = response.status().as_u16();
            match response.text().await {
                Ok(body) => Answer { status, body, error: None },
                Err(error) => Answer { status, body: String::new(), error: Some(error.to_string()) },
            }
        }
    }
}

/// Posts `params` to `url` as a form, with `signature` as `X-Twilio-Signature` (none: no
/// header): for tests that check agentline refuses unsigned or wrongly signed requests. Returns
/// the HTTP status (0 when unreachable) and the body.
pub async fn post_form(url: &str, params: &[(String, String)], signature: Option<String>) -> (u16, String) {
    let answer = send(&client(), url, Some(params), signature).await;
    (answer.status, answer.body)
}

fn with_query(url: &str, params: &[(String, String)]) -> String {
    if params.is_empty() {
        return url.to_owned();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{}", form_encode(params))
}

/// `application/x-www-form-urlencoded`, as browsers (and Twilio) write it, for tests that send
/// their own requests.
pub fn form_encode(params: &[(String, String)]) -> String {
    let pairs: Vec<String> = params.iter().map(|(name, value)| format!("{}={}", encode(name), encode(value))).collect();
    pairs.join("&")
}

fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => out.push(char::from(byte)),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn encodes_forms_like_browsers() {
        let form = params(&[("To", "+1 555"), ("Twiml", "<a b=\"&\"/>"), ("Name", "é~")]);
        assert_eq!(form_encode(&form), "To=%2B1+555&Twiml=%3Ca+b%3D%22%26%22%2F%3E&Name=%C3%A9%7E");
    }

    #[test]
    fn get_parameters_go_in_the_query_string() {
        let form = params(&[("CallStatus", "ringing")]);
        assert_eq!(with_query("http://h/cb", &form), "http://h/cb?CallStatus=ringing");
        assert_eq!(with_query("http://h/cb?x=1", &form), "http://h/cb?x=1&CallStatus=ringing");
        assert_eq!(with_query("http://h/cb", &[]), "http://h/cb");
        assert_eq!((Method::parse(Some("get")), Method::parse(None)), (Method::Get, Method::Post));
    }
}
