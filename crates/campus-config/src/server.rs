//! The HTTP listener: address, limits, the proxies in front of it and `/metrics`.

use std::net::IpAddr;

use ipnet::IpNet;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// HTTP listener and request limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Address to bind; `127.0.0.1` by default so a fresh install is not exposed.
    pub host: String,
    /// Port to bind; 5000 is the port every seed documents. `0` picks a free port.
    pub port: u16,
    /// Largest accepted request body in bytes.
    pub body_limit_bytes: usize,
    /// Longest time a request may take before it is answered with 503.
    pub request_timeout_secs: u64,
    /// How long shutdown waits for in-flight requests to finish.
    pub shutdown_grace_secs: u64,
    /// Behind a load balancer: on SIGTERM, answer `/readyz` 503 and keep serving this many
    /// seconds before closing the listener, so the balancer's health check moves traffic
    /// away first (HAProxy as shipped: 2). `0`: stop accepting at once.
    pub drain_secs: u64,
    /// Realtime streams (`GET /api/v1/events`) one instance holds at once; past this a new
    /// stream is answered 503 with Retry-After (the load balancer sends the retry elsewhere).
    pub max_event_streams: usize,
    /// Origins allowed by CORS. Empty: no cross-origin access. `["*"]`: any origin.
    pub cors_origins: Vec<String>,
    /// Serve `/metrics` (Prometheus text) at all.
    pub metrics_enabled: bool,
    /// Serve `/metrics` to any client. Off: only to loopback peers, or to a request bearing
    /// `metrics_token`.
    pub metrics_public: bool,
    /// A Bearer token that opens `/metrics` to a scraper on another host.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::secret_file::serialize_redacted"
    )]
    pub metrics_token: Option<SecretString>,
    /// The proxies in front of Campus whose `X-Forwarded-For` / `X-Forwarded-Proto` are
    /// believed: a number of hops (`1` for one load balancer) or a list of networks
    /// (`["10.0.0.0/8"]`). `0` (the default): the peer address is the client.
    pub trusted_proxies: TrustedProxies,
    /// Deprecated: `true` means `trusted_proxies = 1` when `trusted_proxies` is not set.
    pub trust_forwarded_for: bool,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".to_owned(),
            port: 5000,
            body_limit_bytes: 2 * 1024 * 1024,
            request_timeout_secs: 30,
            shutdown_grace_secs: 20,
            max_event_streams: 10_000,
            drain_secs: 0,
            cors_origins: Vec::new(),
            metrics_enabled: true,
            metrics_public: false,
            metrics_token: None,
            trusted_proxies: TrustedProxies::Hops(0),
            trust_forwarded_for: false,
        }
    }
}

impl ServerSettings {
    /// The proxies to believe, with the deprecated switch folded in.
    pub fn proxies(&self) -> TrustedProxies {
        match &self.trusted_proxies {
            TrustedProxies::Hops(0) if self.trust_forwarded_for => TrustedProxies::Hops(1),
            other => other.clone(),
        }
    }
}

/// Which forwarding headers to believe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TrustedProxies {
    /// This many proxies, the nearest first, each appending the address it saw.
    Hops(u8),
    /// Any peer or forwarded hop inside one of these networks is a proxy.
    Networks(Vec<IpNet>),
}

impl TrustedProxies {
    /// Whether a request arriving from `peer` comes through a trusted proxy.
    pub fn trusts_peer(&self, peer: IpAddr) -> bool {
        match self {
            Self::Hops(n) => *n > 0,
            Self::Networks(nets) => nets.iter().any(|n| n.contains(&peer)),
        }
    }

    /// The client address of a request from `peer` whose `X-Forwarded-For` entries, in
    /// order, are `forwarded`: the rightmost address not added by a trusted proxy. Entries a
    /// client wrote itself sit left of that and are never believed.
    pub fn client_address(&self, peer: IpAddr, forwarded: &[&str]) -> IpAddr {
        if !self.trusts_peer(peer) {
            return peer;
        }
        // The hops from the nearest (the peer) outwards.
        let mut chain =
            std::iter::once(Some(peer)).chain(forwarded.iter().rev().map(|entry| parse_entry(entry)));
        match self {
            Self::Hops(n) => {
                let mut last = peer;
                for _ in 0..=*n {
                    match chain.next() {
                        Some(Some(ip)) => last = ip,
                        // The list is shorter than the configured hops, or a trusted proxy
                        // wrote something unreadable: the last good address is the best known.
                        Some(None) | None => break,
                    }
                }
                last
            }
            Self::Networks(nets) => {
                let mut last = peer;
                for hop in chain {
                    match hop {
                        Some(ip) if nets.iter().any(|n| n.contains(&ip)) => last = ip,
                        Some(ip) => return ip,
                        None => break,
                    }
                }
                last
            }
        }
    }
}

/// One `X-Forwarded-For` entry: an address, perhaps with a port (`[v6]:port`, `v4:port`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse() {
        return Some(ip);
    }
    if let Some(rest) = entry.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse().ok());
    }
    entry
        .rsplit_once(':')
        .and_then(|(ip, port)| {
            port.parse::<u16>()
                .ok()
                .and(ip.parse::<std::net::Ipv4Addr>().ok())
        })
        .map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() {
        let p = TrustedProxies::Hops(0);
        assert_eq!(p.client_address(ip("10.0.0.5"), &["1.2.3.4"]), ip("10.0.0.5"));
    }

    #[test]
    fn one_hop_takes_the_rightmost_entry_not_the_spoofed_leftmost() {
        let p = TrustedProxies::Hops(1);
        let got = p.client_address(ip("10.0.0.5"), &["6.6.6.6", "7.7.7.7", "203.0.113.9"]);
        assert_eq!(got, ip("203.0.113.9"));
        assert_eq!(p.client_address(ip("10.0.0.5"), &[]), ip("10.0.0.5"));
    }

    #[test]
    fn two_hops_skip_the_inner_proxy() {
        let p = TrustedProxies::Hops(2);
        let got = p.client_address(ip("10.0.0.5"), &["6.6.6.6", "203.0.113.9", "10.0.0.9"]);
        assert_eq!(got, ip("203.0.113.9"));
    }

    #[test]
    fn networks_skip_every_trusted_hop_and_ignore_untrusted_peers() {
        let p = TrustedProxies::Networks(vec!["10.0.0.0/8".parse().unwrap(), "fd00::/8".parse().unwrap()]);
        let got = p.client_address(
            ip("10.0.0.5"),
            &["6.6.6.6", "198.51.100.7", "fd00::1", "10.1.1.1"],
        );
        assert_eq!(got, ip("198.51.100.7"));
        // A peer outside the networks is the client, whatever it claims.
        assert_eq!(p.client_address(ip("192.0.2.1"), &["6.6.6.6"]), ip("192.0.2.1"));
    }

    #[test]
    fn entries_with_ports_parse_and_garbage_stops_the_walk() {
        let p = TrustedProxies::Hops(1);
        assert_eq!(
            p.client_address(ip("10.0.0.5"), &["[2001:db8::1]:443"]),
            ip("2001:db8::1")
        );
        assert_eq!(
            p.client_address(ip("10.0.0.5"), &["192.0.2.1:8080"]),
            ip("192.0.2.1")
        );
        assert_eq!(p.client_address(ip("10.0.0.5"), &["not-an-ip"]), ip("10.0.0.5"));
    }

    #[test]
    fn the_deprecated_switch_means_one_hop() {
        let s = ServerSettings {
            trust_forwarded_for: true,
            ..ServerSettings::default()
        };
        assert_eq!(s.proxies(), TrustedProxies::Hops(1));
    }
}
