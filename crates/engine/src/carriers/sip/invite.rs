//! The INVITE for a call on a trunk: addresses, caller ID, credentials and custom headers.

use agentline_domain::trunk::{CallerIdMode, SipTransport};
use agentline_store::calls::Call;
use agentline_store::trunks::Trunk;
use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::sip::{Header, Uri};
use std::net::SocketAddr;

/// Builds the INVITE options for `call` through `trunk`; `contact` is where the far end reaches us.
pub(super) fn invite_option(
    trunk: &Trunk,
    call: &Call,
    contact: SocketAddr,
    sdp: String,
    leg: &str,
) -> anyhow::Result<InviteOption> {
    let transport = transport_param(trunk);
    let host = bracket_ipv6(&trunk.host);
    let callee = format!("sip:{}@{host}:{}{transport}", call.to_number.as_str(), trunk.port);
    let domain = bracket_ipv6(trunk.caller_domain());
    let from_user = match trunk.caller_id_mode {
        CallerIdMode::From => call.from_number.as_str(),
        CallerIdMode::PAssertedIdentity => trunk.username.as_deref().unwrap_or(call.from_number.as_str()),
    };
    let mut headers: Vec<Header> = trunk
        .headers
        .iter()
        .filter_map(|(name, value)| value.as_str().map(|v| Header::Other(name.clone(), v.to_owned())))
        .collect();
    if trunk.caller_id_mode == CallerIdMode::PAssertedIdentity {
        let identity = format!("<sip:{}@{domain}>", call.from_number.as_str());
        headers.push(Header::Other("P-Asserted-Identity".to_owned(), identity));
    }
    Ok(InviteOption {
        caller: parse_uri(&format!("sip:{from_user}@{domain}"))?,
        callee: parse_uri(&callee)?,
        contact: parse_uri(&format!("sip:agentline@{contact}{transport}"))?,
        content_type: Some("application/sdp".to_owned()),
        offer: Some(sdp.into_bytes()),
        credential: credential(trunk),
        headers: (!headers.is_empty()).then_some(headers),
        call_id: Some(match leg {
            "" => format!("{}@agentline", call.id),
            leg => format!("{}-{leg}@agentline", call.id),
        }),
        ..Default::default()
    })
}

/// The Refer-To of a transfer to `to` through `trunk`: the number at the trunk's host.
pub(super) fn refer_target(trunk: &Trunk, to: &str) -> anyhow::Result<Uri> {
    let transport = transport_param(trunk);
    parse_uri(&format!("sip:{to}@{}:{}{transport}", bracket_ipv6(&trunk.host), trunk.port))
}

fn transport_param(trunk: &Trunk) -> &'static str {
    match trunk.transport {
        SipTransport::Udp => "",
        SipTransport::Tcp => ";transport=tcp",
    }
}

fn credential(trunk: &Trunk) -> Option<Credential> {
    let (user, password) = (trunk.username.as_ref()?, trunk.password.as_ref()?);
    Some(Credential {
        username: user.clone(),
        password: password.expose().to_owned(),
        realm: None,
        auth_username: None,
    })
}

fn parse_uri(text: &str) -> anyhow::Result<Uri> {
    Uri::try_from(text).map_err(|e| anyhow::anyhow!("bad SIP URI {text}: {e}"))
}

fn bracket_ipv6(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host.to_owned() }
}
