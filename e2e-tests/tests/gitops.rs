//! Safe beside GitOps tools and other webhooks: Argo CD and Flux dry-run and re-apply objects, and
//! other mutating webhooks reorder or annotate them. Through the real policy.wasm, on every
//! fixture with every settings file and on 2,000 generated objects:
//!
//! - the policy run on its own output adds nothing (no patch, same decision, same warnings);
//! - `dryRun: true` gets exactly the answer of the same request without it;
//! - the answer (patch included) does not depend on key order, on `managedFields`, or on fields
//!   the rules do not read.

mod common;

use common::generators;
use common::*;
use policy_run::PolicyConfig;
use policy_run::review::{self, decoded_patch};
use proptest::strategy::{Strategy, ValueTree};
use serde_json::{Map, Value, json};

const GENERATED: u32 = 2_000;

/// The answer with its patch decoded, compared as JSON.
fn answer(request: &Value, settings: &Value) -> Value {
    let config = PolicyConfig::from_settings(settings.clone());
    let mut answer =
        review::run(wasm(), request, &config).unwrap_or_else(|e| json!({"error": e.to_string()}));
    if let Ok(Some(patch)) = decoded_patch(&answer) {
        answer["patch"] = patch;
    }
    answer
}

/// Every map's keys in the reverse order.
fn reversed(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .rev()
                .map(|(k, v)| (k.clone(), reversed(v)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(reversed).collect()),
        other => other.clone(),
    }
}

/// What server-side apply and other controllers add to an object: managedFields, annotations,
/// labels and fields no rule reads.
fn with_unread_fields(object: &Value) -> Value {
    let mut object = object.clone();
    let Some(map) = object.as_object_mut() else {
        return object;
    };
    let metadata = map.entry("metadata").or_insert_with(|| json!({}));
    if let Some(metadata) = metadata.as_object_mut() {
        metadata.insert(
            "managedFields".into(),
            json!([{"manager": "argocd-controller", "operation": "Apply", "apiVersion": "example.com/v1alpha1",
                    "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}}]),
        );
        metadata.insert("resourceVersion".into(), json!("4711"));
        metadata.insert("uid".into(), json!("5e1b2c9a-0000-4000-8000-000000000000"));
        let annotations = metadata.entry("annotations").or_insert_with(|| json!({}));
        if let Some(annotations) = annotations.as_object_mut() {
            annotations.insert(
                "argocd.argoproj.io/tracking-id".into(),
                json!("shop:example.com/SampleDB:shop/db"),
            );
        }
    }
    map.insert("zUnreadTopLevel".into(), json!({"kept": [1, 2, 3]}));
    object
}

fn set_object(request: &Value, object: Value) -> Value {
    let mut request = request.clone();
    request["object"] = object;
    request
}

/// The mutated object a patch makes of the request's object.
fn patched(request: &Value, answer: &Value) -> Option<Value> {
    let patch = answer.get("patch")?;
    let mut object = request["object"].clone();
    let patch: json_patch::Patch = serde_json::from_value(patch.clone()).unwrap();
    json_patch::patch(&mut object, &patch).unwrap();
    Some(object)
}

/// Every property for one request; the first that fails, described.
fn check(label: &str, request: &Value, settings: &Value) -> Result<(), String> {
    let first = answer(request, settings);
    let fail = |what: &str, other: &Value| {
        Err(format!(
            "{label}: {what}\n  request: {request}\n  settings: {settings}\n  answer:  {first}\n  other:   {other}"
        ))
    };
    if let Some(mutated) = patched(request, &first) {
        let again = answer(&set_object(request, mutated), settings);
        let (mut expected, mut got) = (first.clone(), again.clone());
        expected.as_object_mut().unwrap().remove("patch");
        expected.as_object_mut().unwrap().remove("patchType");
        got.as_object_mut().unwrap().remove("patchType");
        if got.get("patch").is_some() || got != expected {
            return fail("its own output is not a fixed point", &again);
        }
    }
    let mut dry = request.clone();
    dry["dryRun"] = json!(!request["dryRun"].as_bool().unwrap_or(false));
    let dry_answer = answer(&dry, settings);
    if dry_answer != first {
        return fail("dryRun changed the answer", &dry_answer);
    }
    if request["object"].is_object() {
        let reordered = answer(&set_object(request, reversed(&request["object"])), settings);
        if reordered != first {
            return fail("key order changed the answer", &reordered);
        }
        let decorated = answer(
            &set_object(request, with_unread_fields(&request["object"])),
            settings,
        );
        if decorated != first {
            return fail(
                "managedFields or unread fields changed the answer",
                &decorated,
            );
        }
    }
    Ok(())
}

fn report(problems: Vec<String>, count: usize) {
    assert!(
        problems.is_empty(),
        "{} of {count} inputs:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

fn names(folder: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures().join(folder))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn every_fixture_with_every_settings_file() {
    let mut problems = Vec::new();
    let mut count = 0;
    for name in names("requests") {
        let request = review::admission_request(&request_fixture(&name));
        for settings in names("settings") {
            count += 1;
            if let Err(problem) = check(
                &format!("{name} [{settings}]"),
                &request,
                &settings_fixture(&settings),
            ) {
                problems.push(problem);
            }
        }
    }
    assert!(count >= 44 * 8);
    report(problems, count);
}

#[test]
fn generated_objects() {
    let strategy = (
        proptest::prop_oneof![generators::sampledb(), generators::valid_sampledb()],
        proptest::option::weighted(0.3, generators::sampledb()),
        generators::settings(&fixtures()),
    );
    let mut runner = generators::runner(GENERATED);
    let mut problems = Vec::new();
    let mut mutated = 0;
    for index in 0..GENERATED {
        let (object, old, settings) = strategy.new_tree(&mut runner).unwrap().current();
        let operation = if old.is_some() { "UPDATE" } else { "CREATE" };
        let request = generators::request(operation, &object, old.as_ref());
        if answer(&request, &settings).get("patch").is_some() {
            mutated += 1;
        }
        if let Err(problem) = check(
            &format!("generated #{index} {operation}"),
            &request,
            &settings,
        ) {
            problems.push(problem);
        }
    }
    assert!(
        mutated > 100,
        "only {mutated} generated objects were defaulted"
    );
    report(problems, GENERATED as usize);
}
