//! The differential test: policy-run's engine (wasmi, an interpreter) against the engine
//! policy-server embeds (wapc + wasmtime-provider), on the same annotated module. Every input
//! must get the identical AdmissionResponse from both — uid, allowed, status code and message,
//! warnings, patchType and the patch (decoded, compared as JSON) — or the identical error.
//! This is what vouches for `policy-run` where kwctl is not installed.

use crate::generators;
use policy_run::capabilities::Cluster;
use policy_run::check::{self, CheckInput, inputs, report};
use policy_run::host::{ClusterBound, Evaluator, Instantiate};
use policy_run::review::{self, decoded_patch};
use policy_run::suite::answerers::cluster_of;
use policy_run::suite::{ClusterSource, Suite};
use policy_run::{PolicyConfig, WasmPolicy};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use sampledb_wasmtime_host::WasmtimePolicy;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

const GENERATED_REQUESTS: u32 = 2_000;

use sampledb_e2e::fixtures::settings as settings_fixture;
use sampledb_e2e::fixtures::{dir as fixtures, request as request_fixture, root};

fn e2e_dir() -> PathBuf {
    root().join("e2e-tests")
}

fn module_bytes(name: &str) -> Vec<u8> {
    let path = e2e_dir().join("..").join(name);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}: build it first with `make {name}`", path.display()))
}

/// The annotated module (what policy-server serves) on both engines, each compiled once.
struct Engines {
    wasmi: WasmPolicy,
    wasmtime: WasmtimePolicy,
}

fn engines() -> &'static Engines {
    static ENGINES: OnceLock<Engines> = OnceLock::new();
    ENGINES.get_or_init(|| {
        let bytes = module_bytes("annotated-policy.wasm");
        Engines {
            wasmi: WasmPolicy::from_bytes(&bytes).expect("wasmi compiles the module"),
            wasmtime: WasmtimePolicy::from_bytes(&bytes).expect("wasmtime compiles the module"),
        }
    })
}

/// An answer in the form compared: the AdmissionResponse with its patch decoded, or the error.
fn comparable(answer: Result<Value, String>) -> Value {
    match answer {
        Ok(mut response) => {
            if let Ok(Some(patch)) = decoded_patch(&response) {
                response["patch"] = patch;
            }
            response
        }
        Err(error) => json!({"error": error}),
    }
}

/// What one input is, and how it is run on an engine.
struct Input {
    label: String,
    request: Value,
    config: PolicyConfig,
    /// A kwctl session or cluster state; each engine gets its own copy (sessions are consumed).
    cluster: Option<Box<dyn Fn() -> Cluster>>,
}

impl Input {
    fn plain(label: String, request: Value, config: PolicyConfig) -> Input {
        Input {
            label,
            request,
            config,
            cluster: None,
        }
    }

    fn run_on<E: Instantiate>(&self, engine: &E) -> Value {
        let cluster = self
            .cluster
            .as_ref()
            .map_or(Cluster::NotGranted, |make| make());
        let bound = ClusterBound(engine, Arc::new(cluster));
        comparable(review::run(&bound, &self.request, &self.config).map_err(|e| e.to_string()))
    }
}

/// The inputs on which the two engines answer differently, each with the request and both
/// answers, so a failure shows what to reproduce.
fn disagreements<A: Instantiate, B: Instantiate>(inputs: &[Input], a: &A, b: &B) -> Vec<String> {
    inputs
        .iter()
        .filter_map(|input| {
            let (first, second) = (input.run_on(a), input.run_on(b));
            (first != second).then(|| {
                format!(
                    "{}\n  request:  {}\n  settings: {}\n  wasmi:    {first}\n  wasmtime: {second}",
                    input.label, input.request, input.config.settings
                )
            })
        })
        .collect()
}

fn assert_agree(what: &str, inputs: &[Input]) {
    let engines = engines();
    let started = Instant::now();
    let found = disagreements(inputs, &engines.wasmi, &engines.wasmtime);
    eprintln!(
        "differential {what}: {} inputs, {} disagreements, {:.1} s",
        inputs.len(),
        found.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        found.is_empty(),
        "{} of {} {what} disagree:\n{}",
        found.len(),
        inputs.len(),
        found.join("\n")
    );
}

fn session(name: &str) -> Box<dyn Fn() -> Cluster> {
    let path = fixtures().join("sessions").join(format!("{name}.yml"));
    Box::new(move || Cluster::from_session_file(&path).expect("session fixture"))
}

fn fixture_names(folder: &str, extension: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures().join(folder))
        .unwrap()
        .filter_map(|entry| {
            let path = entry.unwrap().path();
            (path.extension()? == extension)
                .then(|| path.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    names.sort();
    names
}

/// Every suite the project ships: its own cases and the suites users start from.
fn shipped_suites() -> Vec<Suite> {
    let dirs = [
        e2e_dir().join("suites"),
        e2e_dir().join("../policies/tests"),
    ];
    let files = policy_run::suite::cli::suite_files(&dirs).expect("the shipped suites");
    files
        .iter()
        .map(|f| policy_run::suite::load(f).unwrap_or_else(|e| panic!("{e:#}")))
        .collect()
}

#[test]
fn every_case_of_the_shipped_suites() {
    let mut inputs = Vec::new();
    for suite in shipped_suites() {
        for case in &suite.cases {
            let for_each_engine = case.clone();
            inputs.push(Input {
                label: format!("{}:{} {}", suite.path.display(), case.line, case.name),
                request: case.request.clone(),
                config: suite.config.clone(),
                cluster: Some(Box::new(move || {
                    cluster_of(&for_each_engine).expect("the case's cluster")
                })),
            });
        }
    }
    assert!(inputs.len() >= 64, "the suites have {} cases", inputs.len());
    assert_agree("cases", &inputs);
}

#[test]
fn every_fixture_request_with_every_settings_file() {
    let mut inputs = Vec::new();
    for request in fixture_names("requests", "json") {
        for settings in fixture_names("settings", "json") {
            inputs.push(Input::plain(
                format!("{request} [{settings}]"),
                request_fixture(&request),
                PolicyConfig::from_settings(settings_fixture(&settings)),
            ));
        }
    }
    assert!(inputs.len() >= 44 * 8, "{} inputs", inputs.len());
    assert_agree("fixture pairs", &inputs);
}

#[test]
fn every_session_fixture_under_both_context_modes() {
    // Each session replays the lookups of the request a suite runs it with; under Deny and Warn
    // alike, and also fed a request it was not recorded for (a replay error, which both engines
    // must report in the same words).
    let mut pairs: Vec<(String, Value)> = shipped_suites()
        .iter()
        .flat_map(|suite| suite.cases.clone())
        .filter_map(|case| match case.cluster {
            Some(ClusterSource::Session(path)) => {
                let name = path.file_stem()?.to_str()?.to_string();
                Some((name, case.request))
            }
            _ => None,
        })
        .collect();
    pairs.sort_by_key(|(name, request)| (name.clone(), request.to_string()));
    pairs.dedup();
    let recorded = pairs.len();
    let sessions = fixture_names("sessions", "yml");
    for name in &sessions {
        assert!(
            pairs.iter().any(|(s, _)| s == name),
            "session {name} is in no case"
        );
        pairs.push((name.clone(), request_fixture("create-minimal")));
    }
    let mut inputs = Vec::new();
    for (name, request) in &pairs {
        for settings in ["context-deny", "context-warn"] {
            inputs.push(Input {
                label: format!("session {name} {} [{settings}]", request["uid"]),
                request: request.clone(),
                config: PolicyConfig::from_settings(settings_fixture(settings)),
                cluster: Some(session(name)),
            });
        }
    }
    assert_eq!(inputs.len(), 2 * (recorded + sessions.len()));
    assert_agree("session runs", &inputs);
}

#[test]
fn generated_requests_from_the_property_generators() {
    let strategy = (
        prop_oneof![generators::sampledb(), generators::valid_sampledb()],
        proptest::option::of(generators::sampledb()),
        generators::any_settings(&fixtures()),
    );
    let mut inputs = Vec::new();
    let mut runner = generators::runner(GENERATED_REQUESTS);
    for index in 0..GENERATED_REQUESTS {
        let (object, old, settings) = strategy
            .new_tree(&mut runner)
            .expect("a generated case")
            .current();
        let operation = if old.is_some() { "UPDATE" } else { "CREATE" };
        inputs.push(Input::plain(
            format!("generated #{index} {operation}"),
            generators::request(operation, &object, old.as_ref()),
            PolicyConfig::from_settings(settings),
        ));
    }
    assert_agree("generated requests", &inputs);
}

/// `policy-run check` of the examples under each policy manifest: the reports must be the same.
#[test]
fn check_of_the_examples_under_every_manifest() {
    let root = e2e_dir().join("..");
    let examples = inputs::read_all(&[root.join("policies/examples").display().to_string()])
        .expect("the examples parse");
    let state = fixtures().join("cluster-state.yaml");
    let engines = engines();
    let mut compared = 0;
    for manifest in [
        "cluster-admission-policy",
        "cluster-admission-policy-monitor",
        "cluster-admission-policy-validate-only",
        "cluster-admission-policy-context-aware",
        "admission-policy",
    ] {
        let config =
            PolicyConfig::from_manifest_file(&root.join(format!("policies/{manifest}.yaml")))
                .expect("the manifest reads");
        let input = CheckInput {
            documents: examples.clone(),
            old: Vec::new(),
            namespace: Some("shop".into()),
        };
        let report_of = |evaluator: &dyn Evaluator| {
            check::check(evaluator, &config, &input)
                .map(|r| report::json(&r))
                .map_err(|e| e.to_string())
        };
        let cluster = || Cluster::from_state_file(&state).expect("cluster state");
        let wasmi = report_of(&engines.wasmi.against(cluster()));
        let wasmtime = report_of(&engines.wasmtime.against(cluster()));
        assert_eq!(wasmi, wasmtime, "check under {manifest}");
        assert!(wasmi.is_ok(), "check under {manifest}: {wasmi:?}");
        compared += 1;
    }
    assert_eq!(compared, 5);
}

/// The comparison can fail: the project's allow-all floor module on one side accepts what the
/// policy refuses, and every such input is reported with both answers.
#[test]
fn a_module_that_answers_differently_is_reported() {
    let floor = WasmtimePolicy::from_bytes(&module_bytes("e2e-tests/bench/allow-all.wasm"))
        .expect("the floor module compiles");
    let inputs = vec![Input::plain(
        "create-many-violations [default]".into(),
        request_fixture("create-many-violations"),
        PolicyConfig::from_settings(settings_fixture("default")),
    )];
    let found = disagreements(&inputs, &engines().wasmi, &floor);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("\"allowed\":false") && found[0].contains("\"allowed\":true"));
    assert!(found[0].contains("request:"), "{}", found[0]);
}

/// A guest that never returns: the wasmtime host interrupts it at the deadline, with the error
/// policy-server reports, as the wasmi runner does.
#[test]
fn a_guest_past_the_deadline_is_interrupted_with_policy_servers_error() {
    let endless = endless_guest();
    let deadline = Duration::from_millis(300);
    let wasmtime = WasmtimePolicy::with_deadline(&endless, deadline).expect("compiles");
    let started = Instant::now();
    let error = wasmtime.call("validate", b"{}").unwrap_err().to_string();
    let elapsed = started.elapsed();
    assert!(
        error.contains(policy_run::engines::wasmi::INTERRUPTED),
        "{error}"
    );
    assert!(
        elapsed < Duration::from_secs(2),
        "interrupted after {elapsed:?}"
    );
    let wasmi = WasmPolicy::from_bytes(&endless).unwrap();
    let wasmi_error = wasmi.call("validate", b"{}").unwrap_err().to_string();
    assert!(
        wasmi_error.contains(policy_run::engines::wasmi::INTERRUPTED),
        "{wasmi_error}"
    );
}

/// A waPC module whose `__guest_call` loops forever.
fn endless_guest() -> Vec<u8> {
    use wasm_encoder::{
        CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction,
        MemorySection, MemoryType, Module, TypeSection, ValType,
    };
    let mut types = TypeSection::new();
    types.ty().function([], []);
    types
        .ty()
        .function([ValType::I32, ValType::I32], [ValType::I32]);
    let mut functions = FunctionSection::new();
    functions.function(0);
    functions.function(1);
    let mut memory = MemorySection::new();
    memory.memory(MemoryType {
        minimum: 1,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut exports = ExportSection::new();
    exports.export("memory", ExportKind::Memory, 0);
    exports.export("wapc_init", ExportKind::Func, 0);
    exports.export("__guest_call", ExportKind::Func, 1);
    let mut code = CodeSection::new();
    let mut init = Function::new([]);
    init.instruction(&Instruction::End);
    code.function(&init);
    let mut call = Function::new([]);
    call.instruction(&Instruction::Loop(wasm_encoder::BlockType::Empty))
        .instruction(&Instruction::Br(0))
        .instruction(&Instruction::End)
        .instruction(&Instruction::I32Const(0))
        .instruction(&Instruction::End);
    code.function(&call);
    let mut module = Module::new();
    module
        .section(&types)
        .section(&functions)
        .section(&memory)
        .section(&exports)
        .section(&code);
    module.finish()
}
