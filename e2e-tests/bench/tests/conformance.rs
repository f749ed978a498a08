//! The benchmark's conformance gate as a test: the CEL and Rego versions of the rules must keep
//! giving the policy's violated rule ids on every fixture, so `make bench` always has rows to time.

use sampledb_bench::{Engines, disagreements, load_cases};

#[test]
fn every_engine_gives_the_policys_rule_ids_on_every_case() {
    let cases = load_cases().unwrap();
    assert!(cases.len() >= 50, "{} cases", cases.len());
    let module = std::fs::read(policy_run::default_module_path())
        .expect("policy.wasm: run make policy.wasm");
    let engines = Engines::load(&module).unwrap();
    let list = engines.list();
    for (name, differing) in disagreements(&cases, &list).unwrap() {
        assert!(
            differing.is_empty(),
            "{name} disagrees:\n{}",
            differing.join("\n")
        );
    }
}
