//! Kubernetes name formats (apimachinery's `IsDNS1035Label` and `IsDNS1123Subdomain`).

pub const DNS1035_LABEL: &str = "must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit";
pub const DNS1123_SUBDOMAIN: &str = "must be a DNS-1123 subdomain: lower-case alphanumeric labels separated by '.', each starting and ending with a letter or digit, at most 253 characters";

pub const DNS1035_PREFIX: &str = "must be the start of a DNS-1035 label: a lower-case letter first, then lower-case letters, digits and '-'";

/// A `generateName`: the API server appends random lower-case letters and digits to it, so it is
/// valid when some DNS-1035 label starts with it (the length is checked apart).
pub fn is_dns1035_prefix(prefix: &str) -> bool {
    let bytes = prefix.as_bytes();
    bytes.first().is_some_and(u8::is_ascii_lowercase) && bytes.iter().all(|b| is_label_byte(*b))
}

pub fn is_dns1035_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            bytes.len() <= 63
                && first.is_ascii_lowercase()
                && (last.is_ascii_lowercase() || last.is_ascii_digit())
                && bytes.iter().all(|b| is_label_byte(*b))
        }
        _ => false,
    }
}

pub fn is_dns1123_subdomain(name: &str) -> bool {
    !name.is_empty() && name.len() <= 253 && name.split('.').all(is_dns1123_label)
}

fn is_dns1123_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            bytes.len() <= 63
                && (first.is_ascii_lowercase() || first.is_ascii_digit())
                && (last.is_ascii_lowercase() || last.is_ascii_digit())
                && bytes.iter().all(|b| is_label_byte(*b))
        }
        _ => false,
    }
}

fn is_label_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("db", true)]
    #[case("example-database", true)]
    #[case("a1", true)]
    #[case("1db", false)]
    #[case("db-", false)]
    #[case("Db", false)]
    #[case("my.db", false)]
    #[case("", false)]
    #[case("bäse", false)]
    fn dns1035(#[case] name: &str, #[case] valid: bool) {
        assert_eq!(is_dns1035_label(name), valid);
    }

    #[rstest]
    #[case("db-", true)]
    #[case("orders", true)]
    #[case("a1-b2-", true)]
    #[case("1db-", false)]
    #[case("db.x-", false)]
    #[case("-db", false)]
    #[case("Db-", false)]
    #[case("db_", false)]
    #[case("db é-", false)]
    #[case("", false)]
    fn dns1035_prefix(#[case] prefix: &str, #[case] valid: bool) {
        assert_eq!(is_dns1035_prefix(prefix), valid);
    }

    #[rstest]
    #[case("db-credentials", true)]
    #[case("1-secret", true)]
    #[case("app.example.com", true)]
    #[case("app..com", false)]
    #[case("-secret", false)]
    #[case("Secret", false)]
    #[case("", false)]
    fn dns1123(#[case] name: &str, #[case] valid: bool) {
        assert_eq!(is_dns1123_subdomain(name), valid);
    }

    #[test]
    fn length_limits() {
        assert!(is_dns1035_label(&"a".repeat(63)));
        assert!(!is_dns1035_label(&"a".repeat(64)));
        let subdomain = [
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(61),
        ]
        .join(".");
        assert_eq!(subdomain.len(), 253);
        assert!(is_dns1123_subdomain(&subdomain));
        assert!(!is_dns1123_subdomain(&format!("{subdomain}e")));
    }
}
