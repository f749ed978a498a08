//! Backup retention: `^[1-9][0-9]*[dwm]$` (days, weeks, months).

pub const RETENTION_FORMAT: &str =
    "must be a count of days, weeks or months such as 7d, 4w or 6m (pattern ^[1-9][0-9]*[dwm]$)";

pub fn is_valid(retention: &str) -> bool {
    let Some(count) = retention
        .strip_suffix('d')
        .or_else(|| retention.strip_suffix('w'))
        .or_else(|| retention.strip_suffix('m'))
    else {
        return false;
    };
    !count.is_empty() && !count.starts_with('0') && count.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("7d", true)]
    #[case("4w", true)]
    #[case("12m", true)]
    #[case("100d", true)]
    #[case("0d", false)]
    #[case("07d", false)]
    #[case("7", false)]
    #[case("d", false)]
    #[case("7y", false)]
    #[case("7D", false)]
    #[case("-7d", false)]
    #[case("7 d", false)]
    #[case("", false)]
    fn pattern(#[case] retention: &str, #[case] valid: bool) {
        assert_eq!(is_valid(retention), valid);
    }
}
