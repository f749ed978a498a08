//! The worst inputs that fit the API server's 3 MB request limit, on policy-server's engine:
//! each answer is bounded (the first 100 violations, then a count) and arrives well inside the
//! 2 s evaluation deadline (past it the host interrupts the guest and the call fails). Prints
//! time and answer size for each: a report, not a timed assertion.

use policy_run::host::Evaluator;
use sampledb_wasmtime_host::WasmtimePolicy;
use serde_json::{Map, Value, json};
use std::path::Path;
use std::time::Instant;

const API_SERVER_LIMIT: usize = 3 * 1024 * 1024;

fn policy() -> WasmtimePolicy {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../annotated-policy.wasm");
    let bytes =
        std::fs::read(&path).expect("annotated-policy.wasm: run make annotated-policy.wasm");
    WasmtimePolicy::from_bytes(&bytes).unwrap()
}

fn sampledb() -> Value {
    json!({
        "apiVersion": "example.com/v1alpha1", "kind": "SampleDB",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {"version": "16.4", "replicas": 3, "storage": {"size": "20Gi"},
                 "credentials": {"secretName": "db-credentials"},
                 "backup": {"schedule": "0 3 * * *", "retention": "7d"}, "deletionPolicy": "Snapshot"}
    })
}

fn payload(object: Value, settings: Value) -> Vec<u8> {
    let request = json!({
        "uid": "worst", "kind": {"group": "example.com", "version": "v1alpha1", "kind": "SampleDB"},
        "operation": "CREATE", "namespace": "shop", "object": object
    });
    json!({"request": request, "settings": settings})
        .to_string()
        .into_bytes()
}

/// As many `key: value` pairs as fit in the limit.
fn filling(prefix: &str, value: Value, count: usize) -> Value {
    Value::Object(
        (0..count)
            .map(|i| (format!("{prefix}{i:06}"), value.clone()))
            .collect::<Map<_, _>>(),
    )
}

/// An object `depth` maps deep, each holding `a`.
fn nested(depth: usize) -> Value {
    (0..depth).fold(json!(1), |inner, _| json!({"a": inner}))
}

/// Maps nested `depth` deep under keys of `key_length` characters.
fn long_keyed(depth: usize, key_length: usize) -> Value {
    (0..depth).fold(
        json!(1),
        |inner, level| json!({format!("{level}{}", "k".repeat(key_length)): inner}),
    )
}

fn forbid(path: &str) -> Value {
    json!({"customRules": [{"path": path, "forbidden": true}]})
}

/// What each worst input must get.
enum Expect {
    Accepted,
    /// Refused, listing some violations then counting these many in all.
    Counted(usize),
    /// Refused, the message containing this.
    Refused(&'static str),
}

struct Worst {
    label: &'static str,
    payload: Vec<u8>,
    expect: Expect,
}

fn worst_inputs() -> Vec<Worst> {
    let mut quantities = sampledb();
    quantities["spec"]["resources"] = json!({"requests": filling("r", json!("lots"), 175_000)});
    let mut labels = sampledb();
    labels["metadata"]["labels"] = filling("l", json!("v"), 150_000);
    let mut big_labels = sampledb();
    big_labels["metadata"]["labels"] =
        filling("example.com/label-", json!("x".repeat(150)), 17_000);
    let mut long_keys = sampledb();
    long_keys["spec"]["x"] = long_keyed(95, 30_000);
    let mut resource_names = sampledb();
    resource_names["spec"]["resources"] = json!({"limits": Value::Object(
        (0..100).map(|i| (format!("{i}{}", "r".repeat(28_000)), json!("lots"))).collect()
    )});
    let mut many_labels = sampledb();
    many_labels["metadata"]["labels"] = filling("l", json!("not-allowed"), 100_000);
    let allowed: Vec<Value> = (0..500).map(|i| json!(format!("allowed-{i}"))).collect();
    let mut deep60 = sampledb();
    deep60["spec"]["deep"] = nested(60);
    let mut deep110 = sampledb();
    deep110["spec"]["deep"] = nested(110);
    let mut long_string = sampledb();
    long_string["spec"]["deep"] =
        (0..120).fold(json!("s".repeat(2_900_000)), |inner, _| json!({"a": inner}));
    let mut arrays = sampledb();
    arrays["metadata"]["managedFields"] = Value::Array(
        (0..20_000)
            .map(|i| json!({"manager": format!("m{i}"), "fields": [1, 2, 3]}))
            .collect(),
    );
    vec![
        Worst {
            label: "175,000 invalid quantities",
            payload: payload(quantities, json!({})),
            expect: Expect::Counted(175_000),
        },
        Worst {
            label: "150,000 labels forbidden by a custom rule",
            payload: payload(labels.clone(), forbid("$.metadata.labels.*")),
            expect: Expect::Counted(150_000),
        },
        Worst {
            label: "3 MB of valid labels (accepted)",
            payload: payload(big_labels, json!({})),
            expect: Expect::Accepted,
        },
        Worst {
            label: "95 nested keys of 30,000 characters under $.spec.x..*",
            payload: payload(long_keys, forbid("$.spec.x..*")),
            expect: Expect::Counted(95),
        },
        Worst {
            label: "100 resource names of 28 KB, no custom rules",
            payload: payload(resource_names, json!({})),
            expect: Expect::Counted(100),
        },
        Worst {
            label: "allowedValues of 500 over 100,000 labels",
            payload: payload(
                many_labels,
                json!({"customRules": [{"path": "$.metadata.labels.*", "allowedValues": allowed}]}),
            ),
            expect: Expect::Counted(100_000),
        },
        Worst {
            label: "$..a..a..a..a..a on a 60-deep object",
            payload: payload(deep60, forbid("$..a..a..a..a..a")),
            expect: Expect::Refused("the object is too large for this rule"),
        },
        Worst {
            label: "150 descendant segments on a 110-deep object",
            payload: payload(deep110, forbid(&format!("${}", "..a".repeat(150)))),
            expect: Expect::Refused("the object is too large for this rule"),
        },
        Worst {
            label: "a filter over the whole object for each of 150,000 labels",
            payload: payload(labels, forbid("$..[?count($..*) > 0]")),
            expect: Expect::Refused("the object is too large for this rule"),
        },
        Worst {
            label: "length() of a 2.9 MB string under 120 levels, by every descendant pair",
            payload: payload(long_string, forbid("$..*..*..[?length(@) > 64]")),
            expect: Expect::Refused("the object is too large for this rule"),
        },
        Worst {
            label: "$..[::4294967296] over 20,000 managedFields entries",
            payload: payload(arrays, forbid("$..[::4294967296]")),
            expect: Expect::Counted(20_001),
        },
    ]
}

/// Each worst input gets its bounded answer within the deadline (past it the call fails), and
/// the report prints what it cost: time on policy-server's engine, the answer's size, and the
/// module's memory at its peak (its linear memory after the call, counted on the runner's
/// engine: memory never shrinks).
#[test]
fn the_worst_inputs_get_bounded_answers_in_time() {
    let policy = policy();
    let runner = policy_run::WasmPolicy::from_bytes(
        &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../annotated-policy.wasm"))
            .unwrap(),
    )
    .unwrap();
    for Worst {
        label,
        payload,
        expect,
    } in worst_inputs()
    {
        assert!(
            payload.len() <= API_SERVER_LIMIT,
            "{label}: {} bytes",
            payload.len()
        );
        let started = Instant::now();
        let answer = policy.call("validate", &payload).expect(label);
        let elapsed = started.elapsed();
        let response: Value = serde_json::from_slice(&answer).unwrap();
        let message = response["message"].as_str().unwrap_or("");
        match expect {
            Expect::Accepted => assert_eq!(response["accepted"], json!(true), "{label}"),
            Expect::Counted(count) => {
                assert_eq!(response["accepted"], json!(false), "{label}");
                // The listed entries, then "... and N more violations" for the rest.
                let entries: Vec<String> = policy_run::answer::violations(message)
                    .into_iter()
                    .map(|v| v.entry)
                    .collect();
                let more = entries
                    .last()
                    .and_then(|last| last.strip_prefix("... and "))
                    .and_then(|rest| rest.split(' ').next())
                    .map_or(0, |n| n.parse::<usize>().unwrap());
                let listed = entries.len() - usize::from(more > 0);
                assert_eq!(
                    listed + more,
                    count,
                    "{label}: {listed} listed, {more} counted"
                );
            }
            Expect::Refused(fragment) => {
                assert_eq!(response["accepted"], json!(false), "{label}");
                assert!(
                    message.contains(fragment),
                    "{label}: {}",
                    &message[..message.len().min(300)]
                );
            }
        }
        assert!(answer.len() <= 64 * 1024, "{label}: {} bytes", answer.len());
        let footprint = runner.footprint("validate", &payload).unwrap();
        eprintln!(
            "worst input on wasmtime: {label}: request {} bytes, answer {} bytes, {:.1} ms, \
             module memory at its peak {:.1} MiB",
            payload.len(),
            answer.len(),
            elapsed.as_secs_f64() * 1e3,
            (footprint.memory_at_start + footprint.memory_grown) as f64 / (1024.0 * 1024.0)
        );
    }
}
