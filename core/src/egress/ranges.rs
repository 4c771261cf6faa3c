//! Address ranges no host name may open: only an allow-list entry inside the range does.

use std::net::IpAddr;
use std::sync::OnceLock;

use ipnet::IpNet;

/// A refused range and how a refusal names it.
pub(super) struct Special {
    pub(super) range: IpNet,
    pub(super) what: &'static str,
}

fn table() -> &'static [Special] {
    static TABLE: OnceLock<Vec<Special>> = OnceLock::new();
    TABLE.get_or_init(|| {
        [
            ("0.0.0.0/8", "unspecified address"),
            ("10.0.0.0/8", "private address"),
            ("100.64.0.0/10", "shared (CGNAT) address"),
            ("127.0.0.0/8", "loopback address"),
            ("169.254.0.0/16", "link-local address (cloud metadata)"),
            ("172.16.0.0/12", "private address"),
            ("192.0.0.0/24", "IETF protocol assignment"),
            ("192.168.0.0/16", "private address"),
            ("198.18.0.0/15", "benchmarking address"),
            ("224.0.0.0/4", "multicast address"),
            ("240.0.0.0/4", "reserved address"),
            ("255.255.255.255/32", "broadcast address"),
            ("::/128", "unspecified address"),
            ("::1/128", "loopback address"),
            ("fc00::/7", "unique local address"),
            ("fe80::/10", "link-local address"),
            ("ff00::/8", "multicast address"),
        ]
        .into_iter()
        .map(|(range, what)| Special { range: range.parse().expect("a valid range"), what })
        .collect()
    })
}

/// The most specific special range holding `ip` (so broadcast wins over reserved).
pub(super) fn special(ip: IpAddr) -> Option<&'static Special> {
    table().iter().filter(|s| s.range.contains(&ip)).max_by_key(|s| s.range.prefix_len())
}

/// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as the IPv4 address it is.
pub(super) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}
