//! Properties over generated SampleDB objects, checked through the real policy.wasm: the same
//! decision natively and in wasm, the same bytes for the same input, and a defaulting that only
//! adds, never touches what the user set, and adds nothing the second time.

mod common;

use common::generators::*;
use common::*;
use policy_run::{Evaluator, NativePolicy};
use proptest::prelude::*;
use sampledb_policy::rules::defaults::only_adds;
use serde_json::{Value, json};

#[test]
fn wasm_and_native_agree_and_answers_are_deterministic() {
    let strategy = (
        sampledb(),
        proptest::option::of(sampledb()),
        any_settings(&fixtures()),
    );
    runner(300)
        .run(&strategy, |(object, old, settings)| {
            let operation = if old.is_some() { "UPDATE" } else { "CREATE" };
            let payload = payload(operation, &object, old.as_ref(), &settings);
            let first = wasm().call("validate", &payload).unwrap();
            let second = wasm().call("validate", &payload).unwrap();
            let native = NativePolicy::without_cluster()
                .call("validate", &payload)
                .unwrap();
            prop_assert_eq!(&first, &second, "the same input gave different bytes");
            let answer: Value = serde_json::from_slice(&first).unwrap();
            api_server::assert_answer_reaches_the_user("generated", &answer);
            prop_assert_eq!(
                String::from_utf8_lossy(&first),
                String::from_utf8_lossy(&native)
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn defaulting_only_adds_preserves_user_values_and_is_idempotent() {
    // Random objects (mostly refused) and valid ones (mostly accepted, so mostly defaulted).
    let strategy = (
        prop_oneof![sampledb(), valid_sampledb()],
        settings(&fixtures()),
    );
    let mutated_count = std::cell::Cell::new(0);
    runner(300)
        .run(&strategy, |(object, settings)| {
            let response: Value = serde_json::from_slice(
                &wasm()
                    .call("validate", &payload("CREATE", &object, None, &settings))
                    .unwrap(),
            )
            .unwrap();
            let Some(mutated) = response.get("mutated_object").filter(|m| !m.is_null()) else {
                return Ok(());
            };
            mutated_count.set(mutated_count.get() + 1);
            prop_assert_eq!(&response["accepted"], &json!(true));
            prop_assert!(
                settings.get("applyDefaults") != Some(&json!(false)),
                "mutated with applyDefaults: false"
            );
            let patch = serde_json::to_value(json_patch::diff(&object, mutated)).unwrap();
            for operation in patch.as_array().unwrap() {
                prop_assert_eq!(&operation["op"], &json!("add"), "patch {}", patch);
            }
            prop_assert!(
                only_adds(&object, mutated),
                "a user value changed: {} -> {}",
                object,
                mutated
            );
            let again: Value = serde_json::from_slice(
                &wasm()
                    .call("validate", &payload("CREATE", mutated, None, &settings))
                    .unwrap(),
            )
            .unwrap();
            prop_assert_eq!(&again["accepted"], &json!(true));
            prop_assert!(
                again["mutated_object"].is_null(),
                "defaulting a defaulted object added {}",
                again["mutated_object"]
            );
            Ok(())
        })
        .unwrap();
    let mutated = mutated_count.get();
    assert!(
        mutated > 10,
        "the generator reached defaulting only {mutated} times"
    );
}
