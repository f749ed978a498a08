//! The `breakGlass` setting: which rules a user may bypass in an incident, and the RBAC verb on
//! `sampledbs` that grants it. Without it, break-glass annotations are ignored.

use super::custom_rules::CustomRule;
use crate::model::findings::{SettingsErrors, type_name};
use crate::model::node::Node;
use crate::model::rule_ids::{
    CREDENTIALS_IMMUTABLE, STORAGE_CLASS_IMMUTABLE, VERSION_PATH, is_built_in,
};

/// The RBAC verb asked for when the settings name none.
pub const DEFAULT_VERB: &str = "bypass";

/// The built-in rules an exception may cover: update rules an incident can need broken (a
/// restore from an older backup is a downgrade, a leaked password's rotation changes the Secret,
/// a migration changes the class). The README's ids.
pub const BYPASSABLE: [&str; 3] = [VERSION_PATH, CREDENTIALS_IMMUTABLE, STORAGE_CLASS_IMMUTABLE];

const BREAK_GLASS_KEYS: [&str; 2] = ["rules", "verb"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakGlass {
    /// Built-in rule ids and custom rule names that may be bypassed.
    pub rules: Vec<String>,
    pub verb: String,
}

/// Reads `breakGlass`, checking every rule it lists against the built-in ids and the names of
/// `custom_rules`.
pub fn read(
    value: &Node,
    custom_rules: &[CustomRule],
    errors: &mut SettingsErrors,
) -> Option<BreakGlass> {
    let Some(map) = value.as_object() else {
        errors.add(
            "breakGlass",
            format!("must be an object, got {}", type_name(value)),
        );
        return None;
    };
    let before = errors.0.len();
    for key in map.keys().filter(|key| !BREAK_GLASS_KEYS.contains(key)) {
        errors.add(&format!("breakGlass.{key}"), "unknown setting");
    }
    let verb = match map.get("verb") {
        None | Some(Node::Null) => DEFAULT_VERB.to_string(),
        Some(Node::String(verb)) if is_verb(verb) => verb.to_string(),
        Some(other) => {
            errors.add(
                "breakGlass.verb",
                format!(
                    "must be an RBAC verb (lower-case letters), got {}",
                    crate::model::findings::render_value(other)
                ),
            );
            String::new()
        }
    };
    let mut rules = Vec::new();
    match map.get("rules") {
        Some(Node::Array(items)) if !items.is_empty() => {
            for (index, item) in items.iter().enumerate() {
                let key = format!("breakGlass.rules[{index}]");
                let Some(rule) = item.as_str() else {
                    errors.add(&key, format!("must be a string, got {}", type_name(item)));
                    continue;
                };
                // Every other built-in rule checks what the operator needs to serve the object at
                // all (types, required fields, name and quantity formats), or what Kubernetes
                // cannot do (a PersistentVolumeClaim never shrinks); their bounds are settings.
                if is_built_in(rule) && !BYPASSABLE.contains(&rule) {
                    errors.add(&key, format!("\"{rule}\" cannot be bypassed: the operator could not serve the object, or Kubernetes cannot make the change; change the settings' bounds instead"));
                } else if !BYPASSABLE.contains(&rule)
                    && !custom_rules
                        .iter()
                        .any(|custom| custom.name.as_deref() == Some(rule))
                {
                    errors.add(
                        &key,
                        format!(
                            "\"{rule}\" is neither one of {} nor the name of a custom rule",
                            BYPASSABLE.join(", ")
                        ),
                    );
                } else {
                    rules.push(rule.to_string());
                }
            }
        }
        _ => errors.add(
            "breakGlass.rules",
            "must list the rules that may be bypassed",
        ),
    }
    (errors.0.len() == before).then_some(BreakGlass { rules, verb })
}

fn is_verb(text: &str) -> bool {
    !text.is_empty() && text.len() <= 63 && text.bytes().all(|b| b.is_ascii_lowercase())
}
