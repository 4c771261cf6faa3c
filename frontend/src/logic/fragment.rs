//! The token arrives in the URL fragment (`#token=…`); these read it and say what to leave in
//! the address bar once it has been taken out.

/// The `token` parameter of a fragment such as `#token=stratus_abc` or `token=a&x=1`,
/// percent-decoded; `None` when absent or empty.
pub fn token_from_fragment(fragment: &str) -> Option<String> {
    fragment_params(fragment)
        .find_map(|(key, value)| (key == "token").then(|| percent_decode(value)))
        .filter(|token| !token.is_empty())
}

/// The fragment with every `token` parameter removed, with its leading `#`, or `""` when
/// nothing else was in it.
pub fn fragment_without_token(fragment: &str) -> String {
    let rest: Vec<&str> = fragment
        .trim_start_matches('#')
        .split('&')
        .filter(|part| !part.is_empty() && part.split('=').next() != Some("token"))
        .collect();
    if rest.is_empty() { String::new() } else { format!("#{}", rest.join("&")) }
}

fn fragment_params(fragment: &str) -> impl Iterator<Item = (&str, &str)> {
    fragment.trim_start_matches('#').split('&').map(|part| part.split_once('=').unwrap_or((part, "")))
}

/// Decodes `%XX` escapes and `+`; a malformed escape is kept as written.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    out.push((hi * 16 + lo) as u8);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_from_the_fragment() {
        assert_eq!(token_from_fragment("#token=stratus_abc").as_deref(), Some("stratus_abc"));
        assert_eq!(token_from_fragment("token=stratus_abc").as_deref(), Some("stratus_abc"));
        assert_eq!(token_from_fragment("#/showback&token=t1&x=2").as_deref(), Some("t1"));
        assert_eq!(token_from_fragment("#token=a%2Bb%3D").as_deref(), Some("a+b="));
    }

    #[test]
    fn no_or_empty_token_is_none() {
        assert_eq!(token_from_fragment(""), None);
        assert_eq!(token_from_fragment("#"), None);
        assert_eq!(token_from_fragment("#/functions"), None);
        assert_eq!(token_from_fragment("#token="), None);
        assert_eq!(token_from_fragment("#tokens=abc"), None);
    }

    #[test]
    fn malformed_escapes_are_kept() {
        assert_eq!(token_from_fragment("#token=ab%zz%4").as_deref(), Some("ab%zz%4"));
    }

    #[test]
    fn stripping_the_token_keeps_the_rest_of_the_fragment() {
        assert_eq!(fragment_without_token("#token=abc"), "");
        assert_eq!(fragment_without_token("#/showback&token=abc"), "#/showback");
        assert_eq!(fragment_without_token("#token=abc&/autoscale"), "#/autoscale");
        assert_eq!(fragment_without_token(""), "");
    }
}
