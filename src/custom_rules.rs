//! `customRules`: organisation rules an admin adds through settings, each a JSONPath with
//! `required`, `forbidden` and/or `allowedValues`.
//!
//! JSONPath comes from `serde_json_path` (RFC 9535, maintained) rather than `jsonpath_lib`: the
//! latter is unmaintained since 2021 and panics on some filter expressions, which would trap the
//! module. `match()`/`search()` are left out with the crate's regex feature (a regex engine would
//! double the module); such a path is refused by `validate_settings` as an unknown function.

use crate::findings::{Findings, SettingsErrors, render_value, type_name};
use serde_json::{Map, Value};
use serde_json_path::{JsonPath, PathElement};

/// Paths are admin-written one-liners; the caps keep the recursive-descent parser's stack shallow
/// whatever is pasted into the settings.
const MAX_PATH_LENGTH: usize = 512;
const MAX_PATH_NESTING: usize = 32;
const KNOWN_RULE_KEYS: [&str; 5] = ["path", "required", "forbidden", "allowedValues", "message"];

#[derive(Debug, Clone)]
pub struct CustomRule {
    pub path_text: String,
    path: JsonPath,
    pub required: bool,
    pub forbidden: bool,
    pub allowed_values: Option<Vec<Value>>,
    pub message: Option<String>,
}

impl CustomRule {
    /// Reads entry `index` of `customRules`, recording every problem under `customRules[index]`.
    pub fn from_settings(
        index: usize,
        entry: &Value,
        errors: &mut SettingsErrors,
    ) -> Option<CustomRule> {
        let key = format!("customRules[{index}]");
        let Some(map) = entry.as_object() else {
            errors.add(&key, format!("must be an object, got {}", type_name(entry)));
            return None;
        };
        let before = errors.0.len();
        for name in map.keys() {
            if !KNOWN_RULE_KEYS.contains(&name.as_str()) {
                errors.add(&format!("{key}.{name}"), "unknown setting");
            }
        }
        let path = read_path(&key, map, errors);
        let required = read_flag(&key, map, "required", errors);
        let forbidden = read_flag(&key, map, "forbidden", errors);
        let allowed_values = match map.get("allowedValues") {
            None | Some(Value::Null) => None,
            Some(Value::Array(values)) => Some(values.clone()),
            Some(other) => {
                errors.add(
                    &format!("{key}.allowedValues"),
                    format!("must be a list, got {}", type_name(other)),
                );
                None
            }
        };
        let message = match map.get("message") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(other) => {
                errors.add(
                    &format!("{key}.message"),
                    format!("must be a string, got {}", type_name(other)),
                );
                None
            }
        };
        if required && forbidden {
            errors.add(&key, "required and forbidden contradict each other");
        }
        if !required && !forbidden && allowed_values.is_none() && errors.0.len() == before {
            errors.add(
                &key,
                "needs at least one of required: true, forbidden: true, allowedValues",
            );
        }
        let (path_text, path) = path?;
        (errors.0.len() == before).then_some(CustomRule {
            path_text,
            path,
            required,
            forbidden,
            allowed_values,
            message,
        })
    }

    /// Evaluates the rule on the object as it will be stored.
    pub fn check(&self, object: &Value, findings: &mut Findings) {
        let matches = self.path.query_located(object);
        if self.required && matches.is_empty() {
            findings.required(&self.path_text, self.detail("is required"));
        }
        for located in matches.iter() {
            let path = field_path(located.location().iter());
            if self.forbidden {
                findings.forbidden(&path, self.detail("is forbidden"));
            } else if let Some(allowed) = &self.allowed_values
                && !allowed.contains(located.node())
            {
                let choices: Vec<String> = allowed.iter().map(render_value).collect();
                findings.invalid_rendered(
                    &path,
                    render_value(located.node()),
                    self.detail(&format!("must be one of {}", choices.join(", "))),
                );
            }
        }
    }

    fn detail(&self, default: &str) -> String {
        match &self.message {
            Some(message) => format!("{message} (custom rule {})", self.path_text),
            None => format!("{default} (custom rule {})", self.path_text),
        }
    }
}

fn read_path(
    key: &str,
    map: &Map<String, Value>,
    errors: &mut SettingsErrors,
) -> Option<(String, JsonPath)> {
    let name = format!("{key}.path");
    let text = match map.get("path") {
        Some(Value::String(text)) => text,
        None | Some(Value::Null) => {
            errors.add(&name, "is required");
            return None;
        }
        Some(other) => {
            errors.add(&name, format!("must be a string, got {}", type_name(other)));
            return None;
        }
    };
    let nesting = text.bytes().filter(|b| matches!(b, b'[' | b'(')).count();
    if text.len() > MAX_PATH_LENGTH || nesting > MAX_PATH_NESTING {
        errors.add(
            &name,
            format!(
                "is too long: at most {MAX_PATH_LENGTH} characters and {MAX_PATH_NESTING} brackets"
            ),
        );
        return None;
    }
    match JsonPath::parse(text) {
        Ok(path) => Some((text.clone(), path)),
        Err(error) => {
            errors.add(&name, format!("does not compile: {error}"));
            None
        }
    }
}

fn read_flag(key: &str, map: &Map<String, Value>, flag: &str, errors: &mut SettingsErrors) -> bool {
    match map.get(flag) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(value)) => *value,
        Some(other) => {
            errors.add(
                &format!("{key}.{flag}"),
                format!("must be true or false, got {}", render_value(other)),
            );
            false
        }
    }
}

/// A match location as a field path (`metadata.labels.team`, `spec.items[0]`); keys that are not
/// plain words are bracketed, as in `metadata.labels[app.kubernetes.io/name]`.
fn field_path<'a>(elements: impl Iterator<Item = &'a PathElement<'a>>) -> String {
    let mut path = String::new();
    for element in elements {
        match element {
            PathElement::Name(name) if is_plain_word(name) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
            }
            PathElement::Name(name) => {
                path.push('[');
                path.push_str(name);
                path.push(']');
            }
            PathElement::Index(index) => {
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
