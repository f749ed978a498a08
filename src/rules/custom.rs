//! `customRules` (contract section 5): each admin rule's JSONPath evaluated on the object as it
//! will be stored, every match located by its field path. The settings layer reads the rules.

use crate::model::findings::{Findings, render_value};
use crate::model::jsonpath::Step;
use crate::model::node::Node;
use crate::settings::CustomRule;

/// Evaluates `rule` on the object as it will be stored.
pub fn check(rule: &CustomRule, object: &Node, findings: &mut Findings) {
    let mut matched = false;
    rule.path.for_each_match(object, &mut |location, node| {
        matched = true;
        if rule.forbidden {
            findings.forbidden(&field_path(location), detail(rule, "is forbidden"));
        } else if let Some(allowed) = &rule.allowed_values
            && !allowed.contains(node)
        {
            let choices: Vec<String> = allowed.iter().map(render_value).collect();
            findings.invalid_rendered(
                &field_path(location),
                render_value(node),
                detail(rule, &format!("must be one of {}", choices.join(", "))),
            );
        }
    });
    if rule.required && !matched {
        findings.required(&rule.path_text, detail(rule, "is required"));
    }
}

fn detail(rule: &CustomRule, default: &str) -> String {
    match &rule.message {
        Some(message) => format!("{message} (custom rule {})", rule.path_text),
        None => format!("{default} (custom rule {})", rule.path_text),
    }
}

/// A match location as a field path (`metadata.labels.team`, `spec.items[0]`); keys that are not
/// plain words are bracketed, as in `metadata.labels[app.kubernetes.io/name]`.
fn field_path(location: &[Step]) -> String {
    let mut path = String::new();
    for step in location {
        match *step {
            Step::Name(name) if is_plain_word(name) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
            }
            Step::Name(name) => {
                path.push('[');
                path.push_str(name);
                path.push(']');
            }
            Step::Index(index) => {
                path.push_str(&format!("[{index}]"));
            }
        }
    }
    if path.is_empty() {
        "$".to_string()
    } else {
        path
    }
}

fn is_plain_word(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
