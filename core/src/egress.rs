//! Outbound requests of function code (`fetch()`): the provider's egress policy per org
//! ([`Policy`]: parsed, and the decisions it makes), and the per-call [`CallOutbound`] that
//! applies it while making the requests, in the server process (never in the sandbox worker).

mod clients;
mod outbound;
mod ranges;

use std::net::IpAddr;

use api_types::{EgressPolicy, ErrorDetail, egress_limits};
use ipnet::IpNet;

pub use self::outbound::{CallOutbound, Egress, LocalAddresses, SERVER_RESPONSE_BYTES};
use self::ranges::Special;

/// One entry of an allow- or deny-list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    /// Exactly this host name (lower case, no trailing dot).
    Host(String),
    /// Every host below this domain (stored with its leading dot: `.slack.com`).
    Suffix(String),
    /// An address or range.
    Net(IpNet),
    /// `*`: every public address.
    Any,
}

impl Rule {
    fn parse(text: &str) -> Result<Rule, String> {
        let text = text.trim();
        if text == "*" {
            return Ok(Rule::Any);
        }
        if text.is_empty() || text.chars().count() > egress_limits::MAX_RULE_CHARS {
            return Err(format!("must be 1 to {} characters", egress_limits::MAX_RULE_CHARS));
        }
        if let Ok(net) = text.parse::<IpNet>() {
            return Ok(Rule::Net(net.trunc()));
        }
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(Rule::Net(IpNet::from(ip)));
        }
        let lower = text.to_ascii_lowercase();
        let (suffix, name) = match lower.strip_prefix("*.").or_else(|| lower.strip_prefix('.')) {
            Some(rest) => (true, rest),
            None => (false, lower.as_str()),
        };
        let name = name.strip_suffix('.').unwrap_or(name);
        if !is_host_name(name) {
            return Err(format!("'{text}' is not a host name, '*.domain', an address, a CIDR range or '*'"));
        }
        Ok(if suffix { Rule::Suffix(format!(".{name}")) } else { Rule::Host(name.to_owned()) })
    }

    fn names(&self, host: &str) -> bool {
        match self {
            Rule::Host(name) => host == name,
            Rule::Suffix(suffix) => host.ends_with(suffix.as_str()),
            Rule::Net(_) | Rule::Any => false,
        }
    }
}

/// Dot-separated labels of 1 to 63 letters, digits, `-` and `_`, not starting or ending with
/// `-`; a single label (an intranet name) is a host name too.
fn is_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// The ranges among `rules` that hold `ip`.
fn holding(rules: &[Rule], ip: IpAddr) -> impl Iterator<Item = IpNet> + '_ {
    rules
        .iter()
        .filter_map(|rule| if let Rule::Net(net) = rule { Some(*net) } else { None })
        .filter(move |net| net.contains(&ip))
}

/// An org's egress policy, parsed. The default allows nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    allow: Vec<Rule>,
    deny: Vec<Rule>,
}

/// Why a destination is refused; the text completes "fetch to X refused: …".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A deny entry names the host or contains the address.
    Denied,
    /// Not in the allow-list.
    NotAllowed,
    /// A range refused unless explicitly opened, e.g. "private address".
    Special(&'static str),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Denied => f.write_str("denied by the deny-list"),
            Refusal::NotAllowed => f.write_str("not in the allow-list"),
            Refusal::Special(what) => f.write_str(what),
        }
    }
}

impl Policy {
    /// Parses and checks a policy; every bad entry is a field error (`allow[2]`).
    pub fn parse(policy: &EgressPolicy) -> Result<Policy, Vec<ErrorDetail>> {
        let mut errors = Vec::new();
        let mut list = |field: &str, entries: &[String]| {
            if entries.len() > egress_limits::MAX_RULES {
                errors.push(ErrorDetail::field(field, format!("at most {} entries", egress_limits::MAX_RULES)));
                return Vec::new();
            }
            let mut rules = Vec::new();
            for (i, entry) in entries.iter().enumerate() {
                match Rule::parse(entry) {
                    Ok(rule) => rules.push(rule),
                    Err(message) => errors.push(ErrorDetail::field(format!("{field}[{i}]"), message)),
                }
            }
            rules
        };
        let allow = list("allow", &policy.allow);
        let deny = list("deny", &policy.deny);
        if errors.is_empty() { Ok(Policy { allow, deny }) } else { Err(errors) }
    }

    /// Whether the host name itself is refused (the deny-list), and whether the allow-list names
    /// it. `host` is lower case without a trailing dot.
    pub fn check_name(&self, host: &str) -> Result<bool, Refusal> {
        if self.deny.iter().any(|rule| rule.names(host)) {
            return Err(Refusal::Denied);
        }
        Ok(self.allow.iter().any(|rule| rule.names(host)))
    }

    /// Whether a connection to `ip` may be made; `named` says the allow-list named the host it
    /// was resolved from. `local` are the server's own addresses.
    pub fn check_address(&self, ip: IpAddr, named: bool, local: &[IpAddr]) -> Result<(), Refusal> {
        let ip = ranges::canonical(ip);
        if holding(&self.deny, ip).next().is_some() {
            return Err(Refusal::Denied);
        }
        if let Some(Special { range, what }) = ranges::special(ip) {
            let opened = holding(&self.allow, ip).any(|net| range.contains(&net));
            return if opened { Ok(()) } else { Err(Refusal::Special(what)) };
        }
        if local.iter().any(|own| ranges::canonical(*own) == ip) {
            // Only an allow entry for exactly this address opens the server's own (public) one.
            let exact = holding(&self.allow, ip).any(|net| net.prefix_len() == net.max_prefix_len());
            return if exact { Ok(()) } else { Err(Refusal::Special("the Stratus server's own address")) };
        }
        let any = self.allow.contains(&Rule::Any);
        if named || any || holding(&self.allow, ip).next().is_some() { Ok(()) } else { Err(Refusal::NotAllowed) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allow: &[&str], deny: &[&str]) -> Policy {
        let owned = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
        Policy::parse(&EgressPolicy { allow: owned(allow), deny: owned(deny) }).unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn entries_parse_or_name_the_bad_one() {
        let parsed =
            policy(&["API.GitHub.com.", "*.slack.com", ".example.org", "10.20.0.0/16", "203.0.113.7", "*"], &[]);
        assert_eq!(
            parsed.allow,
            vec![
                Rule::Host("api.github.com".into()),
                Rule::Suffix(".slack.com".into()),
                Rule::Suffix(".example.org".into()),
                Rule::Net("10.20.0.0/16".parse().unwrap()),
                Rule::Net("203.0.113.7/32".parse().unwrap()),
                Rule::Any,
            ]
        );
        let bad = EgressPolicy { allow: vec!["ok.example.com".into(), "http://x".into()], deny: vec![String::new()] };
        let errors = Policy::parse(&bad).unwrap_err();
        let fields: Vec<&str> = errors.iter().filter_map(|e| e.field.as_deref()).collect();
        assert_eq!(fields, ["allow[1]", "deny[0]"]);
        let many = EgressPolicy { allow: vec!["a.example.com".into(); 257], deny: vec![] };
        assert_eq!(Policy::parse(&many).unwrap_err()[0].field.as_deref(), Some("allow"));
    }

    #[test]
    fn names_open_public_addresses_and_the_deny_list_wins() {
        let p = policy(&["api.github.com", "*.slack.com"], &["evil.slack.com"]);
        assert_eq!(p.check_name("api.github.com"), Ok(true));
        assert_eq!(p.check_name("hooks.slack.com"), Ok(true));
        assert_eq!(p.check_name("slack.com"), Ok(false), "a suffix is below the domain only");
        assert_eq!(p.check_name("evil.slack.com"), Err(Refusal::Denied));
        assert_eq!(p.check_name("example.com"), Ok(false));
        assert_eq!(p.check_address(ip("140.82.112.6"), true, &[]), Ok(()));
        assert_eq!(p.check_address(ip("140.82.112.6"), false, &[]), Err(Refusal::NotAllowed));
        assert_eq!(Policy::default().check_address(ip("1.1.1.1"), false, &[]), Err(Refusal::NotAllowed));
    }

    #[test]
    fn a_name_never_opens_a_private_or_special_address() {
        let p = policy(&["*", "intranet.example.com"], &[]);
        for (address, what) in [
            ("127.0.0.1", "loopback address"),
            ("10.0.0.5", "private address"),
            ("172.16.3.4", "private address"),
            ("192.168.1.1", "private address"),
            ("169.254.169.254", "link-local address (cloud metadata)"),
            ("100.64.0.1", "shared (CGNAT) address"),
            ("224.0.0.1", "multicast address"),
            ("0.0.0.0", "unspecified address"),
            ("255.255.255.255", "broadcast address"),
            ("::1", "loopback address"),
            ("fd00::1", "unique local address"),
            ("fe80::1", "link-local address"),
            ("::", "unspecified address"),
            ("ff02::1", "multicast address"),
            ("::ffff:10.0.0.5", "private address"),
            ("::ffff:127.0.0.1", "loopback address"),
        ] {
            assert_eq!(p.check_address(ip(address), true, &[]), Err(Refusal::Special(what)), "{address}");
        }
        assert_eq!(p.check_address(ip("8.8.8.8"), false, &[]), Ok(()), "* opens public addresses");
        let own = [ip("203.0.113.9")];
        let refused = Refusal::Special("the Stratus server's own address");
        assert_eq!(p.check_address(ip("203.0.113.9"), true, &own), Err(refused));
        assert_eq!(policy(&["203.0.113.9"], &[]).check_address(ip("203.0.113.9"), false, &own), Ok(()));
    }

    #[test]
    fn a_cidr_inside_a_private_range_opens_exactly_that_part() {
        let p = policy(&["10.20.0.0/16", "0.0.0.0/0", "fd12:3456::/32"], &["10.20.5.0/24"]);
        assert_eq!(p.check_address(ip("10.20.1.2"), false, &[]), Ok(()));
        assert_eq!(p.check_address(ip("::ffff:10.20.1.2"), false, &[]), Ok(()), "the IPv4-mapped form too");
        assert_eq!(p.check_address(ip("10.20.5.9"), false, &[]), Err(Refusal::Denied), "deny wins");
        assert_eq!(p.check_address(ip("10.21.0.1"), false, &[]), Err(Refusal::Special("private address")));
        assert_eq!(p.check_address(ip("fd12:3456::7"), false, &[]), Ok(()));
        // 0.0.0.0/0 holds every address but lies inside no special range: public ones only.
        assert_eq!(p.check_address(ip("192.168.0.1"), false, &[]), Err(Refusal::Special("private address")));
        assert_eq!(p.check_address(ip("9.9.9.9"), false, &[]), Ok(()));
        let loopback = policy(&["127.0.0.1"], &[]);
        assert_eq!(loopback.check_address(ip("127.0.0.1"), false, &[]), Ok(()));
        assert_eq!(loopback.check_address(ip("127.0.0.2"), false, &[]), Err(Refusal::Special("loopback address")));
    }
}
