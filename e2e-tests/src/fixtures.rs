//! Where the tests find the repository and its fixtures, and reading them: one copy for the e2e
//! tests, the wasmtime oracle and the property generators.

use serde_json::Value;
use std::path::{Path, PathBuf};

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `e2e-tests/fixtures`.
pub fn dir() -> PathBuf {
    root().join("e2e-tests/fixtures")
}

/// A JSON file, or a panic naming it: fixtures are the tests' own files.
pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `fixtures/requests/NAME.json`.
pub fn request(name: &str) -> Value {
    read_json(&dir().join("requests").join(format!("{name}.json")))
}

/// `fixtures/settings/NAME.json`.
pub fn settings(name: &str) -> Value {
    read_json(&dir().join("settings").join(format!("{name}.json")))
}
