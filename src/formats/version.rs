//! Engine versions: `MAJOR`, `MAJOR.MINOR` or `MAJOR.MINOR.PATCH`, digits only, ordered numerically.

use std::cmp::Ordering;

pub const LATEST_REFUSED: &str = "\"latest\" is not allowed: the operator cannot detect an upgrade of a moving tag, so pin a version such as \"16.4\"";
pub const VERSION_FORMAT: &str =
    "must be MAJOR, MAJOR.MINOR or MAJOR.MINOR.PATCH with digits only, such as \"16\" or \"16.4\"";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// The components given, then zeros (a fixed array: parsing one allocates nothing).
    parts: [u64; 3],
    given: usize,
}

impl Version {
    pub fn parse(text: &str) -> Result<Version, &'static str> {
        if text.eq_ignore_ascii_case("latest") {
            return Err(LATEST_REFUSED);
        }
        let mut version = Version {
            parts: [0; 3],
            given: 0,
        };
        for component in text.split('.') {
            let slot = version.parts.get_mut(version.given).ok_or(VERSION_FORMAT)?;
            *slot = parse_component(component).ok_or(VERSION_FORMAT)?;
            version.given += 1;
        }
        Ok(version)
    }

    pub fn major(&self) -> u64 {
        self.parts[0]
    }

    /// Orders two versions over the components both give: `16` stands for any `16.x`, so it is
    /// neither older nor newer than `16.4`.
    pub fn compare(&self, other: &Version) -> Ordering {
        let both = self.given.min(other.given);
        self.parts[..both]
            .iter()
            .zip(other.parts[..both].iter())
            .map(|(a, b)| a.cmp(b))
            .find(|ordering| ordering.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

fn parse_component(text: &str) -> Option<u64> {
    // 18 digits always fit in u64, and no engine has versions that long.
    if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A major given in settings (`"16"`): digits only.
pub fn parse_major(text: &str) -> Option<u64> {
    parse_component(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("16", 16)]
    #[case("16.4", 16)]
    #[case("9.6.24", 9)]
    #[case("017", 17)]
    fn majors(#[case] text: &str, #[case] major: u64) {
        assert_eq!(Version::parse(text).map(|v| v.major()), Ok(major));
    }

    #[rstest]
    #[case("latest", LATEST_REFUSED)]
    #[case("LATEST", LATEST_REFUSED)]
    #[case("", VERSION_FORMAT)]
    #[case("16.", VERSION_FORMAT)]
    #[case("v16", VERSION_FORMAT)]
    #[case("16.4.1.2", VERSION_FORMAT)]
    #[case("16-alpine", VERSION_FORMAT)]
    #[case("-1", VERSION_FORMAT)]
    #[case("99999999999999999999", VERSION_FORMAT)]
    fn refused(#[case] text: &str, #[case] message: &str) {
        assert_eq!(Version::parse(text), Err(message));
    }

    #[rstest]
    #[case("16.4", "16.10", Ordering::Less)]
    #[case("16", "16.4", Ordering::Equal)]
    #[case("16.4.2", "16.4.1", Ordering::Greater)]
    #[case("9", "10", Ordering::Less)]
    #[case("15.9", "16.0", Ordering::Less)]
    fn ordering_is_numeric(#[case] a: &str, #[case] b: &str, #[case] expected: Ordering) {
        let (a, b) = (Version::parse(a).unwrap(), Version::parse(b).unwrap());
        assert_eq!(a.compare(&b), expected);
    }
}
