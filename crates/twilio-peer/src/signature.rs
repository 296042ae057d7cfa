//! `X-Twilio-Signature`: how Twilio proves a request came from it, so that agentline can refuse
//! anything else. Computed the way Twilio documents it, independently of agentline's own code, so a
//! mistake on either side shows up as a refused request in the tests.

use base64::Engine as _;
use hmac::{KeyInit as _, Mac as _};

type HmacSha1 = hmac::Hmac<sha1::Sha1>;

/// The signature of a request to `url` (the full URL as requested, query string included) carrying
/// the form parameters `params` (none for GET requests and WebSocket upgrades): base64 of
/// HMAC-SHA1 keyed by the auth token, over the URL followed by each parameter's name immediately
/// followed by its value, sorted by name (then value, for repeated names).
pub fn sign(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = HmacSha1::new_from_slice(auth_token.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn matches_twilios_documented_example() {
        let form = params(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]);
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        assert_eq!(sign("12345", url, &form), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    }

    #[test]
    fn parameters_are_sorted_by_name_whatever_order_they_come_in() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let shuffled = params(&[
            ("To", "+18005551212"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
        ]);
        assert_eq!(sign("12345", url, &shuffled), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        // Repeated names are ordered by value too, so their order does not matter either.
        let a = params(&[("E", "b"), ("E", "a")]);
        let b = params(&[("E", "a"), ("E", "b")]);
        assert_eq!(sign("t", "https://x/", &a), sign("t", "https://x/", &b));
    }

    #[test]
    fn the_query_string_and_the_token_are_part_of_it() {
        let form = params(&[("CallSid", "CA1")]);
        let base = sign("12345", "https://mycompany.com/myapp.php", &form);
        assert_ne!(base, sign("12345", "https://mycompany.com/myapp.php?foo=1", &form));
        assert_ne!(base, sign("54321", "https://mycompany.com/myapp.php", &form));
        assert_ne!(base, sign("12345", "https://mycompany.com/myapp.php", &params(&[("CallSid", "CA2")])));
    }

    #[test]
    fn a_websocket_upgrade_is_signed_over_its_url_alone() {
        // The same value agentline's domain tests pin, computed independently.
        assert_eq!(sign("12345", "wss://example.com/twilio/calls/call_1/stream", &[]), "XgJeEsoO543OibjP7QtkGedK9nI=");
    }
}
