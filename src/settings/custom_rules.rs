//! The `customRules` setting read into rules: each entry a JSONPath (RFC 9535, compiled here so
//! that a path that does not compile makes the settings invalid) with `required`, `forbidden`
//! and/or `allowedValues`. [`crate::rules::custom`] evaluates them.

use crate::model::findings::{SettingsErrors, render_value, type_name};
use crate::model::jsonpath::JsonPath;
use crate::model::node::{Node, Object};

/// Paths are admin-written one-liners; the caps keep the recursive-descent parser's stack shallow
/// whatever is pasted into the settings.
const MAX_PATH_LENGTH: usize = 512;
const MAX_PATH_NESTING: usize = 32;
const KNOWN_RULE_KEYS: [&str; 6] = [
    "path",
    "required",
    "forbidden",
    "allowedValues",
    "message",
    "name",
];

#[derive(Debug, Clone)]
pub struct CustomRule {
    pub path_text: String,
    pub path: JsonPath,
    pub required: bool,
    pub forbidden: bool,
    pub allowed_values: Option<AllowedValues>,
    pub message: Option<String>,
    /// How `breakGlass.rules` names this rule: lower-case letters, digits and `-`.
    pub name: Option<String>,
}

/// An `allowedValues` list, ready for many lookups: a 3 MB object can hold 100,000 matches, and
/// comparing each with 500 values one by one is 50 million comparisons. Strings, the usual case,
/// are found by binary search; other values (numbers, equal by value whatever their form; lists;
/// maps) are compared in turn.
#[derive(Debug, Clone)]
pub struct AllowedValues {
    /// As the admin wrote them, for the message.
    pub listed: Vec<Node<'static>>,
    /// The strings of `listed`, in order.
    strings: Vec<String>,
    others: Vec<Node<'static>>,
}

impl AllowedValues {
    fn new(listed: Vec<Node<'static>>) -> AllowedValues {
        // Sorted as (text, index) pairs: the sort the tree's maps already use, so the module
        // carries one sort rather than two (a sort of Strings was 4.6 KB of it).
        let mut order: Vec<(&str, usize)> = listed
            .iter()
            .enumerate()
            .filter_map(|(index, value)| value.as_str().map(|text| (text, index)))
            .collect();
        order.sort_unstable();
        let strings = order.iter().map(|(text, _)| text.to_string()).collect();
        let others = listed
            .iter()
            .filter(|v| v.as_str().is_none())
            .cloned()
            .collect();
        AllowedValues {
            listed,
            strings,
            others,
        }
    }

    /// Whether `value` equals one of the values, and how many comparisons that took.
    pub fn contains(&self, value: &Node) -> (bool, u64) {
        match value.as_str() {
            Some(text) => {
                let found = self
                    .strings
                    .binary_search_by(|s| s.as_str().cmp(text))
                    .is_ok();
                (
                    found,
                    1 + u64::from(usize::BITS - self.strings.len().leading_zeros()),
                )
            }
            None => {
                let at = self.others.iter().position(|other| other.same_value(value));
                (
                    at.is_some(),
                    at.map_or(self.others.len(), |at| at + 1) as u64,
                )
            }
        }
    }
}

impl CustomRule {
    /// Reads entry `index` of `customRules`, recording every problem under `customRules[index]`.
    pub fn from_settings(
        index: usize,
        entry: &Node,
        errors: &mut SettingsErrors,
    ) -> Option<CustomRule> {
        let key = format!("customRules[{index}]");
        let Some(map) = entry.as_object() else {
            errors.add(&key, format!("must be an object, got {}", type_name(entry)));
            return None;
        };
        let before = errors.0.len();
        for name in map.keys() {
            if !KNOWN_RULE_KEYS.contains(&name) {
                errors.add(&format!("{key}.{name}"), "unknown setting");
            }
        }
        let path = read_path(&key, map, errors);
        let required = read_flag(&key, map, "required", errors);
        let forbidden = read_flag(&key, map, "forbidden", errors);
        let allowed_values = match map.get("allowedValues") {
            None | Some(Node::Null) => None,
            Some(Node::Array(values)) => Some(AllowedValues::new(
                values.iter().cloned().map(Node::into_owned).collect(),
            )),
            Some(other) => {
                errors.add(
                    &format!("{key}.allowedValues"),
                    format!("must be a list, got {}", type_name(other)),
                );
                None
            }
        };
        let message = match map.get("message") {
            None | Some(Node::Null) => None,
            Some(Node::String(text)) => Some(text.to_string()),
            Some(other) => {
                errors.add(
                    &format!("{key}.message"),
                    format!("must be a string, got {}", type_name(other)),
                );
                None
            }
        };
        let name = match map.get("name") {
            None | Some(Node::Null) => None,
            Some(Node::String(name)) if crate::formats::names::is_dns1035_label(name) => {
                Some(name.to_string())
            }
            Some(other) => {
                errors.add(
                    &format!("{key}.name"),
                    format!(
                        "must be a DNS-1035 label (lower-case letters, digits and '-'), got {}",
                        render_value(other)
                    ),
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
            name,
        })
    }
}

fn read_path(key: &str, map: &Object, errors: &mut SettingsErrors) -> Option<(String, JsonPath)> {
    let name = format!("{key}.path");
    let text = match map.get("path") {
        Some(Node::String(text)) => text,
        None | Some(Node::Null) => {
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
        Ok(path) => Some((text.to_string(), path)),
        Err(error) => {
            errors.add(&name, format!("does not compile: {error}"));
            None
        }
    }
}

fn read_flag(key: &str, map: &Object, flag: &str, errors: &mut SettingsErrors) -> bool {
    match map.get(flag) {
        None | Some(Node::Null) => false,
        Some(Node::Bool(value)) => *value,
        Some(other) => {
            errors.add(
                &format!("{key}.{flag}"),
                format!("must be true or false, got {}", render_value(other)),
            );
            false
        }
    }
}
