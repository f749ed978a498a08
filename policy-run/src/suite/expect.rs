//! What a case expects, and an answer compared with it field by field. Every expectation given is
//! checked; what is not given is not.

use crate::answer;
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Expect {
    pub allowed: Option<bool>,
    /// The status code of a refusal: 422 for violations, 403 for a protected deletion.
    pub code: Option<u16>,
    /// Exactly these violations, in any order: paths, or a path with text its entry contains.
    pub violations: Option<Vec<ExpectedViolation>>,
    /// Text the status message contains.
    pub message: Option<String>,
    /// One text per warning, in order, each contained in its warning; `[]` expects none.
    pub warnings: Option<Vec<String>>,
    /// Exactly the fields the defaults add, as paths (`spec.replicas`).
    pub defaults: Option<Vec<String>>,
    /// Fields of the object as it will be stored (defaults applied); others are not compared.
    pub stored: Option<Value>,
    /// The audit annotations, exactly (`{}` expects none).
    pub audit_annotations: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ExpectedViolation {
    Path(String),
    Entry(PathAndText),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathAndText {
    pub path: String,
    /// Text the violation's entry contains.
    pub message: String,
}

impl ExpectedViolation {
    pub fn path(&self) -> &str {
        match self {
            ExpectedViolation::Path(path) => path,
            ExpectedViolation::Entry(entry) => &entry.path,
        }
    }
}

impl Expect {
    /// A case that expects nothing would pass whatever the answer: it is refused as input.
    pub fn is_empty(&self) -> bool {
        self.allowed.is_none()
            && self.code.is_none()
            && self.violations.is_none()
            && self.message.is_none()
            && self.warnings.is_none()
            && self.defaults.is_none()
            && self.stored.is_none()
            && self.audit_annotations.is_none()
    }
}

/// One field of the answer that is not what the case expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub field: String,
    pub expected: String,
    pub actual: String,
}

fn difference(field: &str, expected: impl Into<String>, actual: impl Into<String>) -> Difference {
    Difference {
        field: field.to_string(),
        expected: expected.into(),
        actual: actual.into(),
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// How `answer` (an AdmissionResponse) differs from `expect`; `object` is the object the request
/// sent, which the patch applies to.
pub fn compare(expect: &Expect, answer: &Value, object: &Value) -> Vec<Difference> {
    let mut found = Vec::new();
    if let Some(allowed) = expect.allowed
        && answer["allowed"].as_bool() != Some(allowed)
    {
        // An unexpected refusal says why: the message is what the user has to read next.
        let actual = match answer["status"]["message"].as_str() {
            Some(message) => format!("{} ({message})", answer["allowed"]),
            None => answer["allowed"].to_string(),
        };
        found.push(difference("allowed", allowed.to_string(), actual));
    }
    let code = answer["status"]["code"].as_u64();
    if let Some(expected) = expect.code
        && code != Some(u64::from(expected))
    {
        let actual = code.map_or("none".to_string(), |c| c.to_string());
        found.push(difference("code", expected.to_string(), actual));
    }
    let message = answer["status"]["message"].as_str().unwrap_or("");
    if let Some(expected) = &expect.violations {
        compare_violations(expected, message, &mut found);
    }
    if let Some(text) = &expect.message
        && !message.contains(text.as_str())
    {
        found.push(difference(
            "message",
            format!("contains {text:?}"),
            format!("{message:?}"),
        ));
    }
    if let Some(expected) = &expect.warnings {
        let actual = answer::warnings(answer);
        let matches = expected.len() == actual.len()
            && expected
                .iter()
                .zip(&actual)
                .all(|(e, a)| a.contains(e.as_str()));
        if !matches {
            found.push(difference("warnings", list(expected), list(&actual)));
        }
    }
    let patch = match crate::review::decoded_patch(answer) {
        Ok(patch) => patch.unwrap_or(Value::Array(Vec::new())),
        Err(error) => {
            found.push(difference(
                "patch",
                "a base64-encoded JSON Patch",
                format!("{error:#}"),
            ));
            Value::Array(Vec::new())
        }
    };
    if let Some(expected) = &expect.defaults {
        let mut expected = expected.clone();
        let mut actual = defaults_added(&patch);
        expected.sort();
        actual.sort();
        if expected != actual {
            found.push(difference("defaults", list(&expected), list(&actual)));
        }
    }
    if let Some(expected) = &expect.stored {
        let mut stored = object.clone();
        match serde_json::from_value::<json_patch::Patch>(patch.clone()) {
            Ok(ops) => {
                if let Err(error) = json_patch::patch(&mut stored, &ops) {
                    found.push(difference(
                        "patch",
                        "a patch that applies",
                        error.to_string(),
                    ));
                }
            }
            Err(error) => found.push(difference("patch", "a JSON Patch", error.to_string())),
        }
        compare_fields("", expected, Some(&stored), &mut found);
    }
    if let Some(expected) = &expect.audit_annotations {
        let actual = answer["auditAnnotations"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        if *expected != actual {
            let show = |map: &Map<String, Value>| Value::Object(map.clone()).to_string();
            found.push(difference(
                "auditAnnotations",
                show(expected),
                show(&actual),
            ));
        }
    }
    found
}

/// The fields a patch adds, as paths; an operation other than `add` (a default that replaced or
/// removed what the user wrote) is listed with its name, so it never matches an expectation.
pub fn defaults_added(patch: &Value) -> Vec<String> {
    let ops = patch.as_array().map(Vec::as_slice).unwrap_or_default();
    ops.iter()
        .map(|op| {
            let path = answer::field_path(op["path"].as_str().unwrap_or(""));
            match op["op"].as_str() {
                Some("add") => path,
                other => format!("{} {path}", other.unwrap_or("?")),
            }
        })
        .collect()
}

fn compare_violations(expected: &[ExpectedViolation], message: &str, found: &mut Vec<Difference>) {
    let actual = answer::violations(message);
    let mut want: Vec<String> = expected.iter().map(|v| v.path().to_string()).collect();
    let mut got: Vec<String> = actual.iter().map(|v| v.path.clone()).collect();
    want.sort();
    got.sort();
    if want != got {
        found.push(difference("violations", list(&want), list(&got)));
        return;
    }
    for wanted in expected {
        let ExpectedViolation::Entry(entry) = wanted else {
            continue;
        };
        let entries: Vec<String> = actual
            .iter()
            .filter(|v| v.path == entry.path)
            .map(|v| v.entry.clone())
            .collect();
        if !entries.iter().any(|e| e.contains(entry.message.as_str())) {
            let field = format!("violations[{}]", entry.path);
            found.push(difference(
                &field,
                format!("contains {:?}", entry.message),
                list(&entries),
            ));
        }
    }
}

/// Every field of `expected` against the same field of `actual`: mappings field by field (fields
/// not named are not compared), other values (lists included) whole.
fn compare_fields(at: &str, expected: &Value, actual: Option<&Value>, found: &mut Vec<Difference>) {
    match (expected, actual) {
        (Value::Object(fields), Some(Value::Object(actual))) => {
            for (key, value) in fields {
                let path = crate::answer::field_path(&format!("/{}", pointer_token(key)));
                let path = if at.is_empty() {
                    path
                } else if path.starts_with('[') {
                    format!("{at}{path}")
                } else {
                    format!("{at}.{path}")
                };
                compare_fields(&path, value, actual.get(key), found);
            }
        }
        (expected, Some(actual)) if expected == actual => {}
        (expected, actual) => {
            let actual = actual.map_or("absent".to_string(), Value::to_string);
            found.push(difference(
                &format!("stored: {at}"),
                expected.to_string(),
                actual,
            ));
        }
    }
}

fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn expect(yaml: &str) -> Expect {
        serde_yaml::from_str(yaml).unwrap()
    }

    const REFUSAL: &str = "SampleDB.example.com \"a\" is invalid: spec.replicas: Invalid value: 2: \
                           must be odd; spec.version: Required value";

    #[test]
    fn violations_are_a_set_and_their_text_is_checked_when_given() {
        let answer = json!({"allowed": false, "status": {"code": 422, "message": REFUSAL}});
        let case =
            expect("{violations: [spec.version, {path: spec.replicas, message: must be odd}]}");
        assert_eq!(compare(&case, &answer, &json!({})), []);
        let case = expect("{violations: [spec.version, {path: spec.replicas, message: even}]}");
        let found = compare(&case, &answer, &json!({}));
        assert_eq!(found[0].field, "violations[spec.replicas]");
        let case = expect("{violations: [spec.version]}");
        let found = compare(&case, &answer, &json!({}));
        assert_eq!(found[0].expected, "spec.version");
        assert_eq!(found[0].actual, "spec.replicas, spec.version");
    }

    #[test]
    fn the_stored_object_is_the_object_with_the_patch_applied() {
        use base64::Engine as _;
        let patch = json!([{"op": "add", "path": "/spec/replicas", "value": 1}]);
        let encoded = base64::engine::general_purpose::STANDARD.encode(patch.to_string());
        let answer = json!({"allowed": true, "patch": encoded});
        let object = json!({"spec": {"version": "16"}});
        let case =
            expect("{defaults: [spec.replicas], stored: {spec: {replicas: 1, version: '16'}}}");
        assert_eq!(compare(&case, &answer, &object), []);
        let case = expect("{stored: {spec: {replicas: 3}}, defaults: []}");
        let found = compare(&case, &answer, &object);
        assert_eq!(found[0], difference("defaults", "none", "spec.replicas"));
        assert_eq!(found[1], difference("stored: spec.replicas", "3", "1"));
    }

    #[test]
    fn warnings_are_matched_in_order_and_counted() {
        let answer = json!({"allowed": true, "warnings": ["spec.version: 13 is deprecated"]});
        assert_eq!(
            compare(&expect("{warnings: [deprecated]}"), &answer, &json!({})),
            []
        );
        assert_eq!(
            compare(&expect("{warnings: []}"), &answer, &json!({})).len(),
            1
        );
        let kwctl_none = json!({"allowed": true, "warnings": null});
        assert_eq!(
            compare(&expect("{warnings: []}"), &kwctl_none, &json!({})),
            []
        );
    }
}
