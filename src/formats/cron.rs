//! Backup schedules, checked the way the Kubernetes CronJob the operator creates will read them
//! (robfig/cron's standard parser): five fields, `*` `?` ranges, steps, lists, month and weekday
//! names, and the `@` macros.
//!
//! Written here rather than taken from `croner` or `cron`: those accept Quartz extensions (a
//! seconds field, `L`, `W`, `#`) that a CronJob rejects, so an accepted schedule would still fail
//! in the operator; and validation needs no time arithmetic, so their chrono dependency would be
//! dead weight in the module.

const MACROS: [&str; 7] = [
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const FIELDS: [Field; 5] = [
    Field {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
    },
    Field {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
    },
    Field {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: &MONTHS,
    },
    Field {
        name: "day of week",
        min: 0,
        max: 6,
        names: &WEEKDAYS,
    },
];

/// Checks a schedule; the error says which field is wrong and why.
pub fn validate(schedule: &str) -> Result<(), String> {
    let trimmed = schedule.trim();
    if trimmed.starts_with("TZ=") || trimmed.starts_with("CRON_TZ=") {
        return Err("must not carry a time zone (TZ=...): CronJobs refuse it".to_string());
    }
    if let Some(rest) = trimmed.strip_prefix('@') {
        if MACROS.contains(&trimmed) {
            return Ok(());
        }
        return Err(format!(
            "unknown macro \"@{}\": use @hourly, @daily, @weekly, @monthly or @yearly",
            truncate(rest)
        ));
    }
    let found = trimmed.split_whitespace().count();
    if found != FIELDS.len() {
        return Err(format!(
            "must have 5 fields (minute hour day-of-month month day-of-week) or be a macro such as @daily, found {found}"
        ));
    }
    for (text, field) in trimmed.split_whitespace().zip(FIELDS.iter()) {
        validate_field(text, field)
            .map_err(|e| format!("{} field \"{}\": {e}", field.name, truncate(text)))?;
    }
    Ok(())
}

fn validate_field(text: &str, field: &Field) -> Result<(), String> {
    for item in text.split(',') {
        validate_item(item, field)?;
    }
    Ok(())
}

fn validate_item(item: &str, field: &Field) -> Result<(), String> {
    let (range, step) = match item.split_once('/') {
        Some((range, step)) => (range, Some(step)),
        None => (item, None),
    };
    if let Some(step) = step {
        let step = parse_number(step).ok_or_else(|| "step must be a number".to_string())?;
        if step == 0 {
            return Err("step must be at least 1".to_string());
        }
    }
    if range == "*" || range == "?" {
        return Ok(());
    }
    let (low, high) = match range.split_once('-') {
        Some((low, high)) => (parse_value(low, field)?, parse_value(high, field)?),
        None => {
            let value = parse_value(range, field)?;
            (value, value)
        }
    };
    if low > high {
        return Err(format!("range start {low} is after its end {high}"));
    }
    Ok(())
}

fn parse_value(text: &str, field: &Field) -> Result<u32, String> {
    if let Some(index) = field
        .names
        .iter()
        .position(|name| name.eq_ignore_ascii_case(text))
    {
        return Ok(field.min + index as u32);
    }
    let value =
        parse_number(text).ok_or_else(|| format!("\"{}\" is not a number", truncate(text)))?;
    if value < field.min || value > field.max {
        return Err(format!(
            "{value} is out of range {}-{}",
            field.min, field.max
        ));
    }
    Ok(value)
}

fn parse_number(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn truncate(text: &str) -> &str {
    match text.char_indices().nth(32) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("0 3 * * *")]
    #[case("*/15 * * * *")]
    #[case("0 0-6/2 * * *")]
    #[case("0 3 1,15 * *")]
    #[case("30 2 * jan-mar MON-FRI")]
    #[case("0 0 ? * sun")]
    #[case("5 4 31 12 6")]
    #[case("  0 3 * * *  ")]
    #[case("@hourly")]
    #[case("@daily")]
    #[case("@weekly")]
    #[case("@monthly")]
    #[case("@yearly")]
    #[case("@annually")]
    #[case("@midnight")]
    #[case("0 5/10 * * *")]
    fn accepted(#[case] schedule: &str) {
        assert_eq!(validate(schedule), Ok(()));
    }

    #[rstest]
    #[case(
        "",
        "must have 5 fields (minute hour day-of-month month day-of-week) or be a macro such as @daily, found 0"
    )]
    #[case(
        "0 3 * *",
        "must have 5 fields (minute hour day-of-month month day-of-week) or be a macro such as @daily, found 4"
    )]
    #[case(
        "0 0 3 * * *",
        "must have 5 fields (minute hour day-of-month month day-of-week) or be a macro such as @daily, found 6"
    )]
    #[case("60 3 * * *", "minute field \"60\": 60 is out of range 0-59")]
    #[case("0 24 * * *", "hour field \"24\": 24 is out of range 0-23")]
    #[case("0 3 0 * *", "day of month field \"0\": 0 is out of range 1-31")]
    #[case("0 3 * 13 *", "month field \"13\": 13 is out of range 1-12")]
    #[case("0 3 * * 7", "day of week field \"7\": 7 is out of range 0-6")]
    #[case("*/0 * * * *", "minute field \"*/0\": step must be at least 1")]
    #[case(
        "5-1 * * * *",
        "minute field \"5-1\": range start 5 is after its end 1"
    )]
    #[case("0 3 L * *", "day of month field \"L\": \"L\" is not a number")]
    #[case("0 3 * * 1#2", "day of week field \"1#2\": \"1#2\" is not a number")]
    #[case("0 3 * foo *", "month field \"foo\": \"foo\" is not a number")]
    #[case(
        "@every 1h",
        "unknown macro \"@every 1h\": use @hourly, @daily, @weekly, @monthly or @yearly"
    )]
    #[case(
        "TZ=UTC 0 3 * * *",
        "must not carry a time zone (TZ=...): CronJobs refuse it"
    )]
    #[case("0,,5 3 * * *", "minute field \"0,,5\": \"\" is not a number")]
    fn refused(#[case] schedule: &str, #[case] message: &str) {
        assert_eq!(validate(schedule), Err(message.to_string()));
    }
}
