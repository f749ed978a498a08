//! What the checks find: field errors (each with its path, the offending value, and a detail),
//! and warnings, kept apart so a rejection can still carry its warnings.
//! The error text follows Kubernetes' `field.Error` (`spec.replicas: Invalid value: 12: ...`).
//! Settings problems are collected here too (`SettingsErrors`), below both the settings and the
//! custom rules they parse, so neither imports the other.

use crate::model::Text;
use crate::model::node::Node;
use serde::Serialize;
use std::borrow::Cow;
use std::fmt::{self, Write};

/// Most violations a message lists, and most warnings an answer carries: a hostile object with
/// 100,000 bad fields must not draw a 20 MB answer. The rest are counted.
/// Between the object and its violations in a 422 message: `SampleDB "x" is invalid: ...`.
pub const IS_INVALID: &str = " is invalid: ";
/// Between two violations of a 422 message.
pub const NEXT_VIOLATION: &str = "; ";

/// The violations of a 422 message, read back as `(path, entry)`, the entry whole (path
/// included): the one reader of the format [`Findings::write_error_list`] writes, for the tools
/// and tests that read answers. Nothing in the module calls it.
pub fn violation_entries(message: &str) -> impl Iterator<Item = (&str, &str)> {
    let list = message.split_once(IS_INVALID).map(|(_, list)| list);
    list.into_iter().flat_map(|list| {
        list.split(NEXT_VIOLATION)
            .map(|entry| (entry.split(": ").next().unwrap_or(""), entry))
    })
}

pub const MAX_LISTED: usize = 100;

/// Longest rendering of an offending value in a message: a 1 MB label must not become a 1 MB error.
const MAX_VALUE_CHARS: usize = 64;

/// Longest field path in a message: a custom rule can match under a 30,000-character key.
pub const MAX_PATH_CHARS: usize = 256;

/// Longest detail of one violation: an `allowedValues` list of 500 values, or an admin's long
/// `message`, must not repeat itself a hundred times.
pub const MAX_DETAIL_CHARS: usize = 512;

/// Most bytes of violations one message lists; the rest are counted. With the name and the count
/// the message stays under [`MAX_MESSAGE_BYTES`].
const MAX_LISTED_BYTES: usize = 45 * 1024;

/// The most a rejection's message can be, whatever the object and settings.
pub const MAX_MESSAGE_BYTES: usize = 50 * 1024;

/// kube-apiserver's limits on the warnings of one response (k8s.io/apiserver, the warning
/// recorder): past 4,096 characters in all, every warning is cut to 256 and those that still do
/// not fit are dropped. Warnings within both limits reach the user whole.
pub const MAX_WARNING_CHARS: usize = 256;
pub const MAX_WARNINGS_CHARS: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    Required,
    Invalid(String),
    Forbidden,
    NotFound,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub kind: ErrorKind,
    /// Most details are constants: borrowed rather than copied for every violation.
    pub detail: Text,
}

impl FieldError {
    /// Appends `path: Kind: detail` to `out` (push_str rather than `write!`: the formatting
    /// machinery is slow on wasm, and every violation of a refused object passes here).
    pub fn write_to(&self, out: &mut String) {
        out.push_str(&self.path);
        match &self.kind {
            ErrorKind::Required => out.push_str(": Required value: "),
            ErrorKind::Invalid(value) => {
                out.push_str(": Invalid value: ");
                out.push_str(value);
                out.push_str(": ");
            }
            ErrorKind::Forbidden => out.push_str(": Forbidden: "),
            ErrorKind::NotFound => out.push_str(": Not found: "),
        }
        out.push_str(&self.detail);
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.write_to(&mut text);
        f.write_str(&text)
    }
}

#[derive(Debug, Default)]
pub struct Findings {
    /// The first [`MAX_LISTED`] errors, in the order found.
    pub errors: Vec<FieldError>,
    /// Errors found past those: counted, not kept (a hostile object can hold 100,000).
    pub more_errors: usize,
    pub warnings: Vec<String>,
    /// About how many bytes the listed errors take in the message.
    listed_bytes: usize,
}

impl Findings {
    pub fn required(&mut self, path: &str, detail: impl Into<Text>) {
        self.push(path, ErrorKind::Required, detail);
    }

    pub fn invalid(&mut self, path: &str, value: &Node, detail: impl Into<Text>) {
        self.invalid_rendered(path, render_value(value), detail);
    }

    /// An invalid value already written as JSON text ([`render_value`]).
    pub fn invalid_rendered(&mut self, path: &str, value: String, detail: impl Into<Text>) {
        self.push(path, ErrorKind::Invalid(value), detail);
    }

    pub fn forbidden(&mut self, path: &str, detail: impl Into<Text>) {
        self.push(path, ErrorKind::Forbidden, detail);
    }

    /// A cluster object the field refers to is missing (`value` None) or unusable (`value` given).
    pub fn not_found_or_invalid(
        &mut self,
        path: &str,
        value: Option<&str>,
        detail: impl Into<Text>,
    ) {
        match value {
            Some(value) => self.invalid(path, &Node::from(value), detail),
            None => self.push(path, ErrorKind::NotFound, detail),
        }
    }

    pub fn warn(&mut self, path: &str, detail: impl AsRef<str>) {
        let detail = detail.as_ref();
        let mut warning = String::with_capacity(path.len() + 2 + detail.len());
        warning.push_str(path);
        warning.push_str(": ");
        warning.push_str(detail);
        self.warnings.push(warning);
    }

    /// A violation listed first whatever was found before it: one that says the other findings
    /// are incomplete (a custom rule stopped at the budget) must not be lost in the count.
    pub fn forbidden_first(&mut self, path: &str, detail: impl Into<Text>) {
        let before = self.errors.len();
        let kept = std::mem::take(&mut self.errors);
        let listed_bytes = std::mem::take(&mut self.listed_bytes);
        self.forbidden(path, detail);
        // The displaced last entry joins the count; the rest follow the new first one.
        let room = MAX_LISTED.saturating_sub(1);
        self.more_errors += before.saturating_sub(room);
        self.errors.extend(kept.into_iter().take(room));
        self.listed_bytes += listed_bytes;
    }

    /// No more violations will be listed: a check may count the next one ([`Findings::count`])
    /// rather than render it.
    pub fn is_full(&self) -> bool {
        self.errors.len() >= MAX_LISTED || self.listed_bytes >= MAX_LISTED_BYTES
    }

    /// A violation past the listed ones: counted in `... and N more violations`.
    pub fn count(&mut self) {
        self.more_errors += 1;
    }

    fn push(&mut self, path: &str, kind: ErrorKind, detail: impl Into<Text>) {
        if self.is_full() {
            self.more_errors += 1;
            return;
        }
        let detail = match detail.into() {
            Cow::Borrowed(text) => Cow::Borrowed(text),
            Cow::Owned(text) => match one_line(&text, MAX_DETAIL_CHARS) {
                Cow::Borrowed(_) => Cow::Owned(text),
                Cow::Owned(cut) => Cow::Owned(cut),
            },
        };
        let error = FieldError {
            path: one_line(path, MAX_PATH_CHARS).into_owned(),
            kind,
            detail,
        };
        self.listed_bytes += error.path.len() + error.detail.len() + 32;
        if let ErrorKind::Invalid(value) = &error.kind {
            self.listed_bytes += value.len();
        }
        self.errors.push(error);
    }

    /// The errors on one line, in the order the checks found them: the first [`MAX_LISTED`],
    /// then how many more there are.
    pub fn error_list(&self) -> String {
        let mut list = String::new();
        self.write_error_list(&mut list);
        list
    }

    /// [`Findings::error_list`], written onto the end of `out`.
    pub fn write_error_list(&self, out: &mut String) {
        for (index, error) in self.errors.iter().enumerate() {
            if index > 0 {
                out.push_str(NEXT_VIOLATION);
            }
            error.write_to(out);
        }
        if self.more_errors > 0 {
            let noun = if self.more_errors == 1 {
                "violation"
            } else {
                "violations"
            };
            let _ = write!(out, "; ... and {} more {noun}", self.more_errors);
        }
    }
}

/// The warnings as kube-apiserver passes them on whole: each one line of at most
/// [`MAX_WARNING_CHARS`] bytes, at most [`MAX_LISTED`] of them and [`MAX_WARNINGS_CHARS`] bytes in
/// all (bytes bound characters from above), then one saying how many more there are.
pub fn bounded_warnings(warnings: Vec<String>) -> Vec<String> {
    // Room kept for the closing count, which is itself a warning.
    const COUNT_ROOM: usize = 40;
    let total = warnings.len();
    let mut kept = Vec::with_capacity(total.min(MAX_LISTED + 1));
    let mut chars = 0;
    for warning in warnings {
        let warning = match one_line(&warning, MAX_WARNING_CHARS) {
            Cow::Borrowed(_) => warning,
            Cow::Owned(cut) => cut,
        };
        let length = warning.len();
        let last = kept.len() + 1 == total;
        let room = if last { 0 } else { COUNT_ROOM };
        if kept.len() == MAX_LISTED || chars + length + room > MAX_WARNINGS_CHARS {
            break;
        }
        chars += length;
        kept.push(warning);
    }
    let more = total - kept.len();
    if more > 0 {
        let noun = if more == 1 { "warning" } else { "warnings" };
        kept.push(format!("... and {more} more {noun}"));
    }
    kept
}

/// `text` as one line that any reader shows whole: every control character (newlines, tabs,
/// escapes; what kube-apiserver refuses in a warning) becomes a space, a run of them one space,
/// and the whole is cut to at most `max_bytes` bytes (so as many characters or fewer) on a
/// character boundary, ending in `...` where it was cut.
pub fn one_line(text: &str, max_bytes: usize) -> Cow<'_, str> {
    if text.len() <= max_bytes && !has_control(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(max_bytes));
    // Where the text ends if it must be cut: room for the "..." that says so.
    let mut cut_at = 0;
    let mut after_control = false;
    for c in text.chars() {
        let c = if c.is_control() {
            if after_control {
                continue;
            }
            after_control = true;
            ' '
        } else {
            after_control = false;
            c
        };
        if out.len() + c.len_utf8() > max_bytes {
            out.truncate(cut_at);
            out.push_str("...");
            return Cow::Owned(out);
        }
        out.push(c);
        if out.len() + 3 <= max_bytes {
            cut_at = out.len();
        }
    }
    Cow::Owned(out)
}

/// Whether `text` holds a control character (C0, DEL or C1), by its UTF-8 bytes: every answer's
/// message passes here, and decoding characters was a measurable part of a refusal's time.
fn has_control(text: &str) -> bool {
    let bytes = text.as_bytes();
    // Nearly every text has none of the bytes that start one: this simple pass decides, and only
    // text with a 0xC2 lead byte (Latin-1 letters too) gets the exact one.
    if !bytes
        .iter()
        .any(|&byte| byte < 0x20 || byte == 0x7f || byte == 0xc2)
    {
        return false;
    }
    bytes.iter().enumerate().any(|(at, &byte)| {
        byte < 0x20
            || byte == 0x7f
            // C1 (U+0080 to U+009F) is 0xC2 then 0x80 to 0x9F.
            || (byte == 0xc2 && bytes.get(at + 1).is_some_and(|next| (0x80..0xa0).contains(next)))
    })
}

/// A value as JSON text, cut to a readable length on a character boundary. Written only as far
/// as it is shown: a matched subtree can be megabytes, and a refusal lists a hundred of them.
pub fn render_value(value: &impl Serialize) -> String {
    let mut writer = Bounded(Vec::with_capacity(64));
    // Stopping the writer stops serde_json: its error only means the value was long.
    let _ = serde_json::to_writer(&mut writer, value);
    let text = String::from_utf8_lossy(&writer.0);
    match text.char_indices().nth(MAX_VALUE_CHARS) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.trim_end_matches('\u{fffd}').to_string(),
    }
}

/// A writer that takes what [`render_value`] shows (64 characters of at most 4 bytes) and then
/// refuses more.
struct Bounded(Vec<u8>);

impl std::io::Write for Bounded {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let room = (MAX_VALUE_CHARS + 1) * 4 - self.0.len().min((MAX_VALUE_CHARS + 1) * 4);
        if room == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        let taken = bytes.len().min(room);
        self.0.extend_from_slice(&bytes[..taken]);
        Ok(taken)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The JSON type of a value, as an error names it.
pub fn type_name(value: &Node) -> &'static str {
    match value {
        Node::Null => "null",
        Node::Bool(_) => "boolean",
        Node::Number(_) => "number",
        Node::String(_) => "string",
        Node::Array(_) => "array",
        Node::Object(_) => "object",
    }
}

/// Every problem found in a settings document, each naming its key.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SettingsErrors(pub Vec<String>);

impl SettingsErrors {
    pub fn add(&mut self, key: &str, detail: impl std::fmt::Display) {
        self.0.push(format!("{key}: {detail}"));
    }
}

impl std::fmt::Display for SettingsErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_read_like_kubernetes_field_errors() {
        let mut findings = Findings::default();
        findings.required("spec.version", "a version is required");
        findings.invalid("spec.replicas", &Node::from(12), "must be at most 9");
        findings.forbidden("spec.storage.size", "may not shrink");
        assert_eq!(
            findings.error_list(),
            "spec.version: Required value: a version is required; spec.replicas: Invalid value: 12: must be at most 9; spec.storage.size: Forbidden: may not shrink"
        );
    }

    #[test]
    fn at_most_a_hundred_violations_are_listed_then_counted() {
        let mut findings = Findings::default();
        for i in 0..MAX_LISTED + 25 {
            findings.required(&format!("spec.f{i}"), "x");
        }
        let list = findings.error_list();
        assert_eq!(list.matches("Required value").count(), MAX_LISTED);
        assert!(list.starts_with("spec.f0: Required value: x; spec.f1:"));
        assert!(
            list.ends_with("spec.f99: Required value: x; ... and 25 more violations"),
            "{list}"
        );
        assert_eq!(
            findings.errors.len(),
            MAX_LISTED,
            "the rest are counted, not kept"
        );
        findings.more_errors = 0;
        assert!(!findings.error_list().contains("more violations"));
    }

    #[test]
    fn at_most_a_hundred_warnings_then_a_count() {
        let warnings: Vec<String> = (0..MAX_LISTED + 3).map(|i| format!("w{i}")).collect();
        let bounded = bounded_warnings(warnings);
        assert_eq!(bounded.len(), MAX_LISTED + 1);
        assert_eq!(bounded[MAX_LISTED - 1], "w99");
        assert_eq!(bounded[MAX_LISTED], "... and 3 more warnings");
        let exact: Vec<String> = (0..MAX_LISTED).map(|i| format!("w{i}")).collect();
        assert_eq!(bounded_warnings(exact.clone()), exact);
    }

    #[test]
    fn long_values_are_cut() {
        let rendered = render_value(&json!("é".repeat(1000)));
        assert_eq!(rendered.chars().count(), MAX_VALUE_CHARS + 3);
        assert!(rendered.starts_with("\"é"));
        assert!(rendered.ends_with("..."));
    }
}
