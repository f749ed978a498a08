//! `customRules` (contract section 5): each admin rule's JSONPath evaluated on the object as it
//! will be stored, every match located by its field path. The settings layer reads the rules.

use crate::model::findings::{Findings, MAX_PATH_CHARS, render_value};
use crate::model::jsonpath::{Budget, Step};
use crate::model::node::Node;
use crate::settings::CustomRule;

/// The work all custom rules of one request may do together, in [`Budget`] steps (nodes visited,
/// keys and values compared). Measured on policy-server's engine (`make bench`, the worst
/// inputs): this many steps take well under 250 ms, against policy-server's 2 s deadline, and a
/// rule over a 3 MB object with every node visited a few times stays far within it.
pub const CUSTOM_RULES_BUDGET: u64 = 4_000_000;

/// Said of a rule whose evaluation ran out of the request's budget ([`CUSTOM_RULES_BUDGET`]).
pub const OUT_OF_BUDGET: &str = "the object is too large for this rule: evaluating the custom rules stopped at the policy's limit of 4000000 steps (nodes visited, keys and values compared)";

/// Evaluates every rule on the object as it will be stored, within one budget for the request.
/// A rule that runs out of it is listed first (the other findings are then incomplete), naming
/// how many rules after it were not evaluated.
/// Rules whose `name` is in `skip` (a break-glass exception) are not evaluated.
/// `budget` is the request's ([`CUSTOM_RULES_BUDGET`]): a second run for a break-glass exception
/// spends from the same one.
pub fn check_all(
    rules: &[CustomRule],
    object: &Node,
    findings: &mut Findings,
    skip: &[&str],
    budget: &Budget,
) {
    for (index, rule) in rules.iter().enumerate() {
        if rule
            .name
            .as_deref()
            .is_some_and(|name| skip.contains(&name))
        {
            continue;
        }
        if !check(rule, object, budget, findings) {
            let skipped = rules.len() - index - 1;
            let reason = match skipped {
                0 => OUT_OF_BUDGET.to_string(),
                _ => format!("{OUT_OF_BUDGET}, custom rules after it not evaluated: {skipped}"),
            };
            findings.forbidden_first(&rule.path_text, detail(rule, &reason));
            return;
        }
    }
}

/// Evaluates `rule`, spending from `budget`; false when the budget ran out first.
fn check(rule: &CustomRule, object: &Node, budget: &Budget, findings: &mut Findings) -> bool {
    let mut matched = false;
    let mut choices: Option<String> = None;
    let finished = rule
        .path
        .for_each_match(object, budget, &mut |location, node| {
            matched = true;
            if rule.forbidden {
                if findings.is_full() {
                    return findings.count();
                }
                findings.forbidden(&field_path(location), detail(rule, "is forbidden"));
            } else if let Some(allowed) = &rule.allowed_values {
                // Each comparison with an allowed value is a step.
                let (found, comparisons) = allowed.contains(node);
                if !budget.spend(comparisons) || found {
                    return;
                }
                if findings.is_full() {
                    return findings.count();
                }
                let choices = choices.get_or_insert_with(|| {
                    let rendered: Vec<String> = allowed.listed.iter().map(render_value).collect();
                    format!("must be one of {}", rendered.join(", "))
                });
                findings.invalid_rendered(
                    &field_path(location),
                    render_value(node),
                    detail(rule, choices),
                );
            }
        });
    if finished && rule.required && !matched {
        findings.required(&rule.path_text, detail(rule, "is required"));
    }
    finished
}

fn detail(rule: &CustomRule, default: &str) -> String {
    match &rule.message {
        Some(message) => format!("{message} (custom rule {})", rule.path_text),
        None => format!("{default} (custom rule {})", rule.path_text),
    }
}

/// A match location as a field path (`metadata.labels.team`, `spec.items[0]`); keys that are not
/// plain words are bracketed, as in `metadata.labels[app.kubernetes.io/name]`, with newlines and
/// tabs escaped (`\n`) and other control characters shown as U+FFFD, so that the message stays
/// one line. Built only as far as a message
/// shows it ([`MAX_PATH_CHARS`]): a location under long keys can be megabytes.
fn field_path(location: &[Step]) -> String {
    let mut path = String::new();
    for step in location {
        if path.len() > MAX_PATH_CHARS {
            break;
        }
        match *step {
            Step::Name(name) if is_plain_word(name) => {
                if !path.is_empty() {
                    path.push('.');
                }
                // Plain words are ASCII: any byte is a character boundary.
                path.push_str(&name[..name.len().min(MAX_PATH_CHARS + 1)]);
            }
            Step::Name(name) => {
                path.push('[');
                for c in name.chars().take(MAX_PATH_CHARS + 1) {
                    match c {
                        '\n' => path.push_str("\\n"),
                        '\t' => path.push_str("\\t"),
                        '\r' => path.push_str("\\r"),
                        c if c.is_control() => path.push(char::REPLACEMENT_CHARACTER),
                        c => path.push(c),
                    }
                }
                path.push(']');
            }
            Step::Index(index) => {
                path.push('[');
                path.push_str(&index.to_string());
                path.push(']');
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
