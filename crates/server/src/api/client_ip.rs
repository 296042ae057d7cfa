//! The address a request comes from. Behind a reverse proxy every request arrives from the
//! proxy, so key IP allowlists and the failed-authentication limit would see one address for
//! everybody; `trusted_proxies` names the proxies whose `X-Forwarded-For` is believed. The
//! header is read from the right (the hop nearest us) past every trusted address: the first
//! address that is not a trusted proxy is the client. From an untrusted peer the header is
//! ignored, so a client cannot choose its own address.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;

/// Parses the configured proxies: CIDRs (`10.0.0.0/8`) or single addresses.
pub fn parse_proxies(items: &[String]) -> Result<Vec<IpNet>, String> {
    items
        .iter()
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("trusted_proxies: `{item}` is not an address or a CIDR"))
        })
        .collect()
}

/// The client's address: `peer` unless `peer` is a trusted proxy that forwarded the request.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map_while(|hop| hop.trim().parse::<IpAddr>().ok())
        .collect();
    hops.iter().rev().find(|hop| !is_trusted(hop)).copied().unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append("x-forwarded-for", value.parse().unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn only_a_trusted_proxys_header_is_believed() {
        let trusted = parse_proxies(&["10.0.0.0/8".into(), "192.168.1.1".into()]).unwrap();
        let forwarded = headers(&["203.0.113.7, 10.1.2.3"]);
        assert_eq!(client_ip(ip("10.0.0.5"), &forwarded, &trusted), ip("203.0.113.7"));
        assert_eq!(client_ip(ip("192.168.1.1"), &headers(&["198.51.100.1"]), &trusted), ip("198.51.100.1"));
        // From anyone else the header is a claim, not a fact.
        assert_eq!(client_ip(ip("198.51.100.9"), &forwarded, &trusted), ip("198.51.100.9"));
        // A client that sends its own header behind the proxy: the proxy appends the real address.
        let spoofed = headers(&["1.2.3.4, 203.0.113.7"]);
        assert_eq!(client_ip(ip("10.0.0.5"), &spoofed, &trusted), ip("203.0.113.7"));
        assert_eq!(client_ip(ip("10.0.0.5"), &HeaderMap::new(), &trusted), ip("10.0.0.5"));
        assert_eq!(client_ip(ip("10.0.0.5"), &headers(&["garbage"]), &trusted), ip("10.0.0.5"));
        assert!(parse_proxies(&["nope".into()]).is_err());
    }
}
