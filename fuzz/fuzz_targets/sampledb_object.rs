//! The fuzzer's bytes as the SampleDB object of a well-formed CREATE and UPDATE, so it spends its
//! time in the rules and the defaulting rather than in the JSON parser's error paths. Checks the
//! defaulting contract too: a mutation only adds, and defaulting twice adds nothing more.
#![no_main]

use sampledb_policy::rules::defaults::only_adds;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fn evaluate(operation: &str, object: &Value, old: &Value) -> Value {
    let payload = json!({
        "request": {
            "uid": "fuzz",
            "kind": {"group": "example.com", "version": "v1alpha1", "kind": "SampleDB"},
            "operation": operation,
            "object": object,
            "oldObject": old
        },
        "settings": {"customRules": [{"path": "$.metadata.labels.team", "required": true}]}
    });
    let bytes = sampledb_policy::validate(payload.to_string().as_bytes()).expect("an answer");
    serde_json::from_slice(&bytes).expect("JSON")
}

fuzz_target!(|data: &[u8]| {
    let Ok(object) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let created = evaluate("CREATE", &object, &Value::Null);
    if let Some(mutated) = created.get("mutated_object").filter(|m| !m.is_null()) {
        assert!(only_adds(&object, mutated), "a default changed a user value");
        let again = evaluate("CREATE", mutated, &Value::Null);
        assert!(again["mutated_object"].is_null(), "defaulting is not idempotent");
    }
    evaluate("UPDATE", &object, &object);
    evaluate("DELETE", &Value::Null, &object);
});
