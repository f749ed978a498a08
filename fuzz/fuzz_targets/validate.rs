//! Any bytes as the `validate` payload: the policy must always answer a ValidationResponse, and
//! the selective payload reader must see whatever reading the payload whole sees.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = sampledb_policy::validate(data).expect("validate always answers");
    let response: serde_json::Value = serde_json::from_slice(&bytes).expect("the answer is JSON");
    assert!(response["accepted"].is_boolean());
    if response["accepted"] == false {
        assert!(response["message"].is_string() && response["code"].is_u64());
    }
    if let Ok(whole) = sampledb_policy::model::payload::read_whole(data) {
        let selective = sampledb_policy::model::payload::read(data).expect("read what read_whole reads");
        assert_eq!(selective, whole);
    }
});
