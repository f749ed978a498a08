//! What kube-apiserver does with an admission webhook's warnings before kubectl shows them,
//! encoded so that every test can check the module's answers without an API server. From
//! k8s.io/apiserver `pkg/endpoints/filters/warning.go` (the recorder: dedup by text, 4,096
//! runes in all, then every warning cut to 256 runes and the rest dropped) and k8s.io/apimachinery
//! `pkg/util/net/http.go` `NewWarningHeader` (text that is not valid UTF-8 or holds a control
//! character is dropped without a word). The webhook dispatchers pass each warning on as is.
//! Also what the module promises of every message: one line, and 64 KB with the warnings.

use serde_json::Value;
use std::collections::HashSet;

const TRUNCATE_AT_TOTAL_RUNES: usize = 4 * 1024;
const TRUNCATE_ITEM_RUNES: usize = 256;
const MAX_ANSWER_TEXT: usize = 64 * 1024;

fn cut(text: &str) -> String {
    text.chars().take(TRUNCATE_ITEM_RUNES).collect()
}

/// The warnings a user sees, in order, for the warnings a webhook answered.
pub fn warnings_shown(warnings: &[String]) -> Vec<String> {
    let (mut written, mut truncating) = (0, false);
    let mut recorded = HashSet::new();
    let mut ordered: Vec<&str> = Vec::new();
    let mut shown: Vec<String> = Vec::new();
    for text in warnings {
        if text.is_empty() || (written >= TRUNCATE_AT_TOTAL_RUNES && truncating) {
            continue;
        }
        if !recorded.insert(text.as_str()) {
            continue;
        }
        ordered.push(text);
        let mut text = text.clone();
        if truncating && text.chars().count() > TRUNCATE_ITEM_RUNES {
            text = cut(&text);
        }
        if text.chars().any(char::is_control) {
            continue;
        }
        let runes = text.chars().count();
        if written + runes <= TRUNCATE_AT_TOTAL_RUNES || truncating {
            written += runes;
            shown.push(text);
            continue;
        }
        truncating = true;
        written = 0;
        shown.clear();
        for earlier in &ordered {
            let earlier = cut(earlier);
            if !earlier.chars().any(char::is_control) {
                written += earlier.chars().count();
                shown.push(earlier);
            }
        }
    }
    shown
}

/// The answer's message and warnings reach the user whole: every warning shown as sent, the
/// message on one line, both together within 64 KB.
pub fn assert_reaches_the_user(label: &str, message: Option<&str>, warnings: &[String]) {
    assert_eq!(
        warnings_shown(warnings),
        warnings,
        "{label}: kube-apiserver would drop or cut a warning"
    );
    let message = message.unwrap_or("");
    assert!(
        !message.chars().any(char::is_control),
        "{label}: the message is not one line: {message:?}"
    );
    let size = message.len() + warnings.iter().map(String::len).sum::<usize>();
    assert!(
        size <= MAX_ANSWER_TEXT,
        "{label}: {size} bytes of message and warnings"
    );
}

/// [`assert_reaches_the_user`] for an AdmissionReview response or a ValidationResponse.
pub fn assert_answer_reaches_the_user(label: &str, answer: &Value) {
    let message = answer["status"]["message"]
        .as_str()
        .or_else(|| answer["message"].as_str());
    let warnings: Vec<String> = answer["warnings"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|w| w.as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    assert_reaches_the_user(label, message, &warnings);
}

#[test]
fn the_recorder_keeps_what_fits_and_cuts_everything_once_over() {
    let short: Vec<String> = vec!["a".into(), "a".into(), "b\nc".into(), "d".into()];
    assert_eq!(warnings_shown(&short), ["a", "d"]);
    let long: Vec<String> = (0..3).map(|i| format!("{i}{}", "x".repeat(1999))).collect();
    let shown = warnings_shown(&long);
    assert_eq!(shown.len(), 3);
    assert!(shown.iter().all(|w| w.chars().count() == 256));
}
