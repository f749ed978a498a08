//! Typed reading of one settings object: each bad value becomes an error naming its key, and
//! reading goes on so that one answer names every bad key.

use crate::formats::quantity::Quantity;
use crate::formats::version;
use crate::model::findings::{SettingsErrors, render_value};
use crate::model::node::{Node, Object};

/// How a context-aware check reports what it finds: not at all, as a warning, or as a violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CheckMode {
    #[default]
    Off,
    Warn,
    Deny,
}

impl CheckMode {
    pub const NAMES: [&str; 3] = ["Off", "Warn", "Deny"];

    pub(super) fn parse(text: &str) -> Option<CheckMode> {
        match text {
            "Off" => Some(CheckMode::Off),
            "Warn" => Some(CheckMode::Warn),
            "Deny" => Some(CheckMode::Deny),
            _ => None,
        }
    }
}

/// A quantity from the settings, with the text the admin wrote (for messages).
#[derive(Debug, Clone)]
pub struct Bound {
    pub text: String,
    pub value: Quantity,
}

/// Reads typed values from one settings object, recording a named error for each bad one.
pub struct Reader<'a, 'd> {
    pub map: &'a Object<'d>,
    pub prefix: &'static str,
    pub errors: &'a mut SettingsErrors,
}

impl<'a, 'd> Reader<'a, 'd> {
    pub fn fail(&mut self, key: &str, detail: impl std::fmt::Display) {
        let name = format!("{}{key}", self.prefix);
        self.errors.add(&name, detail);
    }

    pub fn present(&self, key: &str) -> Option<&'a Node<'d>> {
        self.map.get(key).filter(|value| !value.is_null())
    }

    pub fn wrong_type(&mut self, key: &str, expected: &str, value: &Node) {
        let detail = format!("must be {expected}, got {}", render_value(value));
        self.fail(key, detail);
    }

    pub fn boolean(&mut self, key: &str) -> Option<bool> {
        let value = self.present(key)?;
        match value.as_bool() {
            Some(flag) => Some(flag),
            None => {
                self.wrong_type(key, "true or false", value);
                None
            }
        }
    }

    pub fn integer(&mut self, key: &str, min: u64, max: u64) -> Option<u64> {
        let value = self.present(key)?;
        match value.as_u64() {
            Some(number) if (min..=max).contains(&number) => Some(number),
            _ => {
                self.wrong_type(key, &format!("an integer from {min} to {max}"), value);
                None
            }
        }
    }

    pub fn string(&mut self, key: &str) -> Option<String> {
        let value = self.present(key)?;
        match value.as_str() {
            Some(text) => Some(text.to_string()),
            None => {
                self.wrong_type(key, "a string", value);
                None
            }
        }
    }

    pub fn quantity(&mut self, key: &str) -> Option<Bound> {
        let text = self.string(key)?;
        match Quantity::parse(&text) {
            Ok(value) => Some(Bound { text, value }),
            Err(error) => {
                self.fail(key, format!("\"{text}\" {error}"));
                None
            }
        }
    }

    pub fn list(&mut self, key: &str) -> Option<&'a [Node<'d>]> {
        let value = self.present(key)?;
        match value.as_array() {
            Some(items) => Some(items),
            None => {
                self.wrong_type(key, "a list", value);
                None
            }
        }
    }

    pub fn strings(&mut self, key: &str) -> Option<Vec<String>> {
        let items = self.list(key)?;
        let mut strings = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            match item.as_str() {
                Some(text) => strings.push(text.to_string()),
                None => self.wrong_type(&format!("{key}[{index}]"), "a string", item),
            }
        }
        Some(strings)
    }

    /// A list of majors: `["15", "16"]`, or the unquoted `[15, 16]` YAML makes of it.
    pub fn majors(&mut self, key: &str) -> Option<Vec<u64>> {
        let items = self.list(key)?;
        let mut majors = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let major = match item {
                Node::String(text) => version::parse_major(text),
                Node::Number(number) => number.as_u64(),
                _ => None,
            };
            match major {
                Some(major) => majors.push(major),
                None => self.wrong_type(
                    &format!("{key}[{index}]"),
                    "a major version such as \"16\"",
                    item,
                ),
            }
        }
        Some(majors)
    }

    /// `Off`, `Warn` or `Deny`. An unquoted `Off` in a manifest reaches the policy as `false`
    /// (YAML 1.1, as Kubernetes reads it), so `false` means `Off` too.
    pub fn check_mode(&mut self, key: &str) -> Option<CheckMode> {
        if self.present(key) == Some(&Node::Bool(false)) {
            return Some(CheckMode::Off);
        }
        let text = self.string(key)?;
        let mode = CheckMode::parse(&text);
        if mode.is_none() {
            let detail = format!(
                "must be one of {}, got \"{text}\"",
                CheckMode::NAMES.join(", ")
            );
            self.fail(key, detail);
        }
        mode
    }
}
