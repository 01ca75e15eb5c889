//! Client addresses for the rate limit: CIDR matching and a key extractor that trusts X-Forwarded-For only from configured proxies.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::ConnectInfo;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::Request;
use tower_governor::GovernorError;
use tower_governor::key_extractor::KeyExtractor;

/// An IP network: an address and a prefix length (a bare IP is a /32 or /128).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Whether `ip` lies in this network (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpNet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("not an IP address or CIDR: {s:?}");
        let (ip, prefix) = match s.split_once('/') {
            Some((ip, prefix)) => (ip, Some(prefix)),
            None => (s, None),
        };
        let addr = IpAddr::from_str(ip).map_err(|_| bad())?.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(Self { addr, prefix })
    }
}

impl fmt::Debug for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// The IPv6 prefix of one client: a host usually has a whole /64.
pub const CLIENT_IPV6_PREFIX: u8 = 64;
/// The IPv6 prefix of one site: a client that rotates through its /64s stays inside its /48.
pub const SITE_IPV6_PREFIX: u8 = 48;

/// The rate-limit bucket of an address: IPv4 as is, IPv6 by its /64 (one host usually has a whole /64).
pub fn bucket_of(ip: IpAddr) -> IpAddr {
    bucket_with_prefix(ip, CLIENT_IPV6_PREFIX)
}

/// IPv4 as is; IPv6 by its first `ipv6_prefix` bits.
pub fn bucket_with_prefix(ip: IpAddr, ipv6_prefix: u8) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(ipv6_prefix.min(128)))
                .unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
        }
        v4 => v4,
    }
}

/// The peer address of a request (real connection, or the mock used by in-process tests).
pub fn peer_ip<T>(req: &Request<T>) -> Option<IpAddr> {
    peer_ip_of(req.extensions())
}

/// [`peer_ip`] from a request's extensions.
pub fn peer_ip_of(ext: &axum::http::Extensions) -> Option<IpAddr> {
    ext.get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .or_else(|| ext.get::<MockConnectInfo<SocketAddr>>().map(|m| m.0.ip()))
}

/// The client address: the peer, or — only when the peer is a trusted proxy — the nearest
/// untrusted hop of X-Forwarded-For, read from the right.
pub fn client_ip<T>(req: &Request<T>, trusted: &[IpNet]) -> Option<IpAddr> {
    client_ip_of(req.extensions(), req.headers(), trusted)
}

/// [`client_ip`] from a request's extensions and headers.
pub fn client_ip_of(
    ext: &axum::http::Extensions,
    headers: &axum::http::HeaderMap,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let peer = peer_ip_of(ext)?.to_canonical();
    if !trusted.iter().any(|n| n.contains(peer)) {
        return Some(peer);
    }
    let mut client = peer;
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else { break };
        client = ip;
        if !trusted.iter().any(|n| n.contains(ip)) {
            break;
        }
    }
    Some(client)
}

fn parse_hop(hop: &str) -> Option<IpAddr> {
    IpAddr::from_str(hop)
        .or_else(|_| SocketAddr::from_str(hop).map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// tower_governor key: the client's bucket per [`client_ip`].
#[derive(Clone, Debug)]
pub struct ClientIpKeyExtractor {
    trusted: Arc<Vec<IpNet>>,
    ipv6_prefix: u8,
}

impl ClientIpKeyExtractor {
    /// Trusts X-Forwarded-For from these networks only; IPv6 clients by their /64.
    pub fn new(trusted: Vec<IpNet>) -> Self {
        Self::with_ipv6_prefix(trusted, CLIENT_IPV6_PREFIX)
    }

    /// Like [`ClientIpKeyExtractor::new`], with IPv6 clients grouped by `ipv6_prefix` bits.
    pub fn with_ipv6_prefix(trusted: Vec<IpNet>, ipv6_prefix: u8) -> Self {
        Self {
            trusted: Arc::new(trusted),
            ipv6_prefix,
        }
    }

    /// The bucket of `req`'s client, if it has a peer address.
    pub fn bucket<T>(&self, req: &Request<T>) -> Option<IpAddr> {
        client_ip(req, &self.trusted).map(|ip| bucket_with_prefix(ip, self.ipv6_prefix))
    }
}

impl KeyExtractor for ClientIpKeyExtractor {
    type Key = IpAddr;

    fn extract<T>(&self, req: &Request<T>) -> Result<Self::Key, GovernorError> {
        self.bucket(req).ok_or(GovernorError::UnableToExtractKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(peer: &str, xff: Option<&str>) -> Request<()> {
        let mut b = Request::builder();
        if let Some(x) = xff {
            b = b.header("x-forwarded-for", x);
        }
        let mut r = b.body(()).unwrap();
        r.extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(peer.parse().unwrap(), 1234)));
        r
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn cidr_matching() {
        let n: IpNet = "10.1.0.0/16".parse().unwrap();
        assert!(n.contains("10.1.200.3".parse().unwrap()));
        assert!(!n.contains("10.2.0.1".parse().unwrap()));
        assert!(n.contains("::ffff:10.1.0.9".parse().unwrap()));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("1.2.3.4".parse().unwrap()));
        let v6: IpNet = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("10.0.0.1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<IpNet>().is_err());
        assert!("host".parse::<IpNet>().is_err());
    }

    #[test]
    fn forwarded_for_only_from_trusted_peers() {
        let trusted = nets(&["127.0.0.1", "10.0.0.0/8"]);
        // Untrusted peer: header ignored.
        let ip = client_ip(&req("203.0.113.9", Some("1.1.1.1")), &trusted).unwrap();
        assert_eq!(ip, "203.0.113.9".parse::<IpAddr>().unwrap());
        // Trusted peer: nearest untrusted hop from the right (a spoofed left entry is ignored).
        let ip = client_ip(
            &req("127.0.0.1", Some("6.6.6.6, 198.51.100.7, 10.0.0.5")),
            &trusted,
        )
        .unwrap();
        assert_eq!(ip, "198.51.100.7".parse::<IpAddr>().unwrap());
        // Trusted peer without header: the peer.
        let ip = client_ip(&req("127.0.0.1", None), &trusted).unwrap();
        assert_eq!(ip, "127.0.0.1".parse::<IpAddr>().unwrap());
        // Garbage hop: stop at the last verified one.
        let ip = client_ip(&req("127.0.0.1", Some("nonsense")), &trusted).unwrap();
        assert_eq!(ip, "127.0.0.1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn ipv6_bucket_is_the_slash_64() {
        let a = bucket_of("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = bucket_of("2001:db8:1:2:bbbb::2".parse().unwrap());
        assert_eq!(a, b);
        assert_eq!(
            bucket_of("::ffff:192.0.2.1".parse().unwrap()),
            "192.0.2.1".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn ipv6_site_bucket_is_the_slash_48() {
        let site = |ip: &str| bucket_with_prefix(ip.parse().unwrap(), SITE_IPV6_PREFIX);
        assert_eq!(site("2001:db8:1:2::1"), site("2001:db8:1:ffff::9"));
        assert_ne!(site("2001:db8:1::1"), site("2001:db8:2::1"));
        assert_eq!(
            site("2001:db8:1:2::1"),
            "2001:db8:1::".parse::<IpAddr>().unwrap()
        );
        assert_eq!(site("192.0.2.1"), "192.0.2.1".parse::<IpAddr>().unwrap());
    }
}
