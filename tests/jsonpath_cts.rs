//! The JSONPath Compliance Test Suite (github.com/jsonpath-standard/jsonpath-compliance-test-suite,
//! BSD-2) against the policy's JSONPath, as serde_json_path runs it: every valid selector selects
//! the listed nodes in the listed order (or one of the listed orders), every invalid one is
//! refused. Tests using `match()` or `search()` are left out: the module has no regular
//! expressions (docs/contract.md). The suite is found through `JSONPATH_CTS` (the path of its
//! `cts.json`); without it the test says so in one line and passes.

use sampledb_policy::model::jsonpath::{Budget, JsonPath};
use sampledb_policy::model::node::Node;
use serde_json::Value;
use std::path::PathBuf;

fn suite() -> Option<PathBuf> {
    let path = PathBuf::from(std::env::var_os("JSONPATH_CTS")?);
    path.is_file().then_some(path)
}

/// The values a selector selects in `document`, in order; the parser's error when it is invalid.
fn select(selector: &str, document: &Value) -> Result<Vec<Value>, String> {
    let path = JsonPath::parse(selector)?;
    let tree = Node::from(document.clone());
    let mut values = Vec::new();
    path.for_each_match(&tree, &Budget::new(u64::MAX), &mut |_, node| {
        values.push(serde_json::from_str(&node.to_json()).unwrap());
    });
    Ok(values)
}

/// What one test expects of `found`; `None` when it agrees.
fn disagreement(test: &Value, found: Result<Vec<Value>, String>) -> Option<String> {
    let invalid = test["invalid_selector"].as_bool().unwrap_or(false);
    match found {
        Err(_) if invalid => None,
        Err(error) => Some(format!("refused: {error}")),
        Ok(values) if invalid => Some(format!("compiled, selecting {values:?}")),
        Ok(values) => {
            let expected: Vec<&Value> = match (&test["result"], &test["results"]) {
                (Value::Array(_), _) => vec![&test["result"]],
                (_, Value::Array(results)) => results.iter().collect(),
                _ => return Some("the test lists no result".to_string()),
            };
            let found = Value::Array(values);
            (!expected.contains(&&found)).then(|| format!("selected {found}"))
        }
    }
}

#[test]
fn the_jsonpath_compliance_test_suite() {
    let Some(path) = suite() else {
        println!("Skipping the JSONPath Compliance Test Suite: set JSONPATH_CTS to its cts.json");
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let suite: Value = serde_json::from_str(&text).unwrap();
    let tests = suite["tests"].as_array().expect("tests");
    let mut ran = 0;
    let mut failures = Vec::new();
    for test in tests {
        let selector = test["selector"].as_str().expect("selector");
        if selector.contains("match(") || selector.contains("search(") {
            continue;
        }
        ran += 1;
        let found = select(selector, &test["document"]);
        if let Some(problem) = disagreement(test, found) {
            failures.push(format!("{} ({selector}): {problem}", test["name"]));
        }
    }
    println!(
        "JSONPath CTS: {ran} of {} tests ran (the rest use match() or search()), {} passed",
        tests.len(),
        ran - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
