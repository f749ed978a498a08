//! questions-ui.yml, the settings form of the Rancher UI, against the policy itself: one question
//! per setting, no question for a setting that does not exist, and the form's defaults are the
//! policy's defaults (settings made of them are valid and change nothing). Artifact Hub carries
//! the same file (checked against `kwctl scaffold artifacthub` in kwctl.bats).

mod common;

use common::*;
use policy_run::policy_config::read_yaml_or_json;
use policy_run::review;
use policy_run::{Evaluator, PolicyConfig};
use sampledb_policy::settings::{DEFAULTS_KEYS, SETTINGS_KEYS, Settings};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

fn root_file(name: &str) -> Value {
    read_yaml_or_json(&sampledb_e2e::fixtures::root().join(name)).unwrap()
}

/// Every question, sub-questions included, as (variable, default).
fn questions() -> Vec<(String, Value)> {
    fn collect(list: &Value, into: &mut Vec<(String, Value)>) {
        for question in list.as_array().expect("a list of questions") {
            let variable = question["variable"].as_str().expect("variable").to_string();
            into.push((variable, question["default"].clone()));
            if let Some(sub) = question.get("subquestions") {
                collect(sub, into);
            }
        }
    }
    let mut all = Vec::new();
    collect(&root_file("questions-ui.yml")["questions"], &mut all);
    all
}

#[test]
fn every_setting_has_one_question_and_every_question_a_setting() {
    let asked: Vec<String> = questions()
        .into_iter()
        .map(|(variable, _)| variable)
        .filter(|variable| variable != "description")
        .collect();
    let unique: BTreeSet<&String> = asked.iter().collect();
    assert_eq!(
        unique.len(),
        asked.len(),
        "a setting is asked twice: {asked:?}"
    );
    let settings: BTreeSet<String> = SETTINGS_KEYS
        .iter()
        .map(|key| key.to_string())
        .chain(DEFAULTS_KEYS.iter().map(|key| format!("defaults.{key}")))
        .collect();
    let asked: BTreeSet<String> = asked.into_iter().collect();
    assert_eq!(
        settings.difference(&asked).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "settings without a question"
    );
    assert_eq!(
        asked.difference(&settings).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "questions for settings the policy does not have"
    );
}

/// The settings a user gets by accepting every default the form offers (an empty field, list or
/// section is left out, as the UI does).
fn settings_from_form_defaults() -> Value {
    let mut settings = Map::new();
    for (variable, default) in questions() {
        let empty = matches!(&default, Value::Null)
            || default == json!("")
            || default == json!([])
            || default == json!({});
        if empty || variable == "description" {
            continue;
        }
        match variable.split_once('.') {
            Some((section, key)) => {
                let section = settings.entry(section).or_insert_with(|| json!({}));
                section[key] = default;
            }
            None => {
                settings.insert(variable, default);
            }
        }
    }
    Value::Object(settings)
}

#[test]
fn the_forms_defaults_are_the_policys_defaults() {
    let settings = settings_from_form_defaults();
    let offered =
        settings.as_object().unwrap().len() - 1 + settings["defaults"].as_object().unwrap().len();
    assert!(
        offered >= 10,
        "the form offers too few defaults to compare: {settings}"
    );
    let valid = wasm()
        .call("validate_settings", settings.to_string().as_bytes())
        .unwrap();
    let valid: Value = serde_json::from_slice(&valid).unwrap();
    assert_eq!(valid["valid"], json!(true), "{settings}: {valid}");
    // Field by field, as the policy reads them...
    let form = Settings::from_value(&settings).unwrap();
    let builtin = Settings::default();
    let summary = |s: &Settings| {
        let d = &s.defaults;
        format!(
            "{} {} {} {} {} {:?} {:?} {:?} | {} {} {} {:?} {:?} {} {}",
            s.max_replicas,
            s.max_name_length,
            s.require_backup,
            s.require_resource_limits,
            s.apply_defaults,
            s.credentials_secret_check,
            s.credentials_secret_keys,
            s.storage_class_check,
            d.version,
            d.replicas,
            d.storage_size,
            d.storage_class_name,
            d.backup_schedule,
            d.backup_retention,
            d.deletion_policy
        )
    };
    assert_eq!(summary(&form), summary(&builtin));
    // ...and in the answers they give.
    for fixture in [
        "create-minimal",
        "create-no-spec",
        "create-many-violations",
        "create-valid",
    ] {
        let document = request_fixture(fixture);
        let with_form = review::run(
            wasm(),
            &document,
            &PolicyConfig::from_settings(settings.clone()),
        );
        let with_nothing = review::run(wasm(), &document, &PolicyConfig::default());
        assert_eq!(
            with_form.unwrap(),
            with_nothing.unwrap(),
            "{fixture}: the form's defaults behave differently from no settings"
        );
    }
}

#[test]
fn the_description_question_opens_with_metadata_ymls_description() {
    let description = root_file("metadata.yml")["annotations"]["io.kubewarden.policy.description"]
        .as_str()
        .unwrap()
        .to_string();
    let question = &root_file("questions-ui.yml")["questions"][0];
    assert_eq!(question["variable"], json!("description"));
    assert!(
        question["description"]
            .as_str()
            .unwrap()
            .starts_with(description.trim_end_matches('.')),
        "{question}"
    );
}
