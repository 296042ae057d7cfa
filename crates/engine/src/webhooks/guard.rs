//! The SSRF guard: webhook URLs may not reach loopback, private, link-local or metadata
//! addresses. Checked when a URL is saved, and again for every address a delivery connects
//! to (a DNS name that resolved to a public address yesterday may resolve inward today).

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254.0.0/16, which holds the cloud metadata address
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || a >= 240
}

/// The IPv4 address carried inside an IPv6 one: mapped (::ffff:a.b.c.d), compatible
/// (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) or 6to4 (2002:aabb:ccdd::).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0, 0, _, _] if !ip.is_loopback() && !ip.is_unspecified() => {
            Some(tail)
        }
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(tail),
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)),
        _ => None,
    }
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return forbidden_v4(v4);
    }
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
}

/// Whether a webhook may not be sent to `ip` while the guard is on.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

/// Save-time check: the URL's host, and every address its name resolves to, must be public.
pub async fn check_url(url: &str, allow_private: bool) -> Result<(), String> {
    if allow_private {
        return Ok(());
    }
    let parsed = url::Url::parse(url).map_err(|e| format!("is not a valid URL ({e})"))?;
    let host = parsed.host_str().ok_or("has no host")?.trim_matches(['[', ']']).to_owned();
    let port = parsed.port_or_known_default().unwrap_or(443);
    if let Ok(ip) = host.parse::<IpAddr>() {
        return if is_forbidden(ip) { Err(format!("points at a private address ({ip})")) } else { Ok(()) };
    }
    // A name that does not resolve now is allowed: it cannot point inward yet, and every
    // address a delivery connects to passes the guard again at send time.
    let Ok(addresses) = tokio::net::lookup_host((host.as_str(), port)).await else {
        return Ok(());
    };
    let addresses: Vec<SocketAddr> = addresses.collect();
    match addresses.iter().find(|a| is_forbidden(a.ip())) {
        Some(address) => Err(format!("resolves to a private address ({})", address.ip())),
        None => Ok(()),
    }
}

/// `builder` with the guard's resolver unless private addresses are allowed: for every client that
/// reaches a URL a tenant chose (webhooks, LLM brains and their tools, analysis models).
pub fn guarded(builder: reqwest::ClientBuilder, allow_private: bool) -> reqwest::ClientBuilder {
    if allow_private { builder } else { builder.dns_resolver(GuardedResolver) }
}

/// A DNS resolver for the delivery client that drops forbidden addresses, so a delivery
/// can only connect where the guard allows, whatever the name resolves to at that moment.
#[derive(Clone, Copy, Debug)]
pub struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let allowed: Vec<SocketAddr> = found.filter(|a| !is_forbidden(a.ip())).collect();
            if allowed.is_empty() {
                return Err(format!("{} resolves only to private addresses", name.as_str()).into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_forbidden() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_forbidden(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(!is_forbidden(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn urls_to_private_places_are_refused() {
        for url in [
            "http://127.0.0.1:9/x",
            "http://10.0.0.5/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://localhost:8080/",
            "http://[::1]/",
        ] {
            assert!(check_url(url, false).await.is_err(), "{url}");
            assert!(check_url(url, true).await.is_ok(), "{url} with the guard off");
        }
    }

    #[tokio::test]
    async fn names_that_do_not_resolve_are_left_to_the_send_time_check() {
        assert!(check_url("https://no-such-host.invalid/hook", false).await.is_ok());
    }

    #[tokio::test]
    async fn the_resolver_drops_names_that_resolve_inward() {
        let resolved = GuardedResolver.resolve("localhost".parse().unwrap()).await;
        assert!(resolved.is_err(), "localhost resolves to loopback only");
    }
}
