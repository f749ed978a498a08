//! The six ways the benchmark evaluates a case, each reduced to the violated rule ids, and the
//! conformance gate over them.

use crate::cases::BenchCase;
use crate::cel_engine::{self, CelPolicy};
use crate::rego_engine::RegoPolicy;
use crate::rule_ids;
use anyhow::{Result, anyhow};
use kubewarden_policy_sdk::response::ValidationResponse;
use policy_run::host::call_instance;
use policy_run::{Evaluator, WasmPolicy};
use std::cell::RefCell;
use std::collections::BTreeSet;
use wapc::WapcHost;

pub type Engine<'a> = Box<dyn Fn(&BenchCase) -> Result<BTreeSet<String>> + 'a>;

fn ids_of(bytes: &[u8]) -> Result<BTreeSet<String>> {
    let response: ValidationResponse = serde_json::from_slice(bytes)?;
    Ok(rule_ids::of_response(&response))
}

pub struct Engines {
    pub wasm: WasmPolicy,
    reused: WapcHost,
    cel: CelPolicy,
    rego: RefCell<RegoPolicy>,
}

impl Engines {
    pub fn load(module: &[u8]) -> Result<Engines> {
        let wasm = WasmPolicy::from_bytes(module)?;
        let reused = wasm.instantiate()?;
        Ok(Engines {
            wasm,
            reused,
            cel: CelPolicy::compile()?,
            rego: RefCell::new(RegoPolicy::compile()?),
        })
    }

    /// The native policy first: it is the reference the others are compared with.
    pub fn list(&self) -> Vec<(&'static str, Engine<'_>)> {
        vec![
            (
                "native Rust (floor)",
                Box::new(|c: &BenchCase| {
                    ids_of(&sampledb_policy::validate(&c.payload).map_err(|e| anyhow!("{e}"))?)
                }),
            ),
            (
                "wasm in policy-run (wasmi), fresh instance per request",
                Box::new(|c: &BenchCase| ids_of(&self.wasm.call("validate", &c.payload)?)),
            ),
            (
                "wasm in policy-run (wasmi), reused instance",
                Box::new(|c: &BenchCase| {
                    ids_of(&call_instance(&self.reused, "validate", &c.payload)?)
                }),
            ),
            (
                "CEL, compiled once",
                Box::new(|c: &BenchCase| {
                    if c.matches {
                        self.cel.evaluate(&c.review, &c.params)
                    } else {
                        Ok(BTreeSet::new())
                    }
                }),
            ),
            (
                "CEL, compiled per request",
                Box::new(|c: &BenchCase| {
                    if c.matches {
                        cel_engine::compile_and_evaluate(&c.review, &c.params)
                    } else {
                        Ok(BTreeSet::new())
                    }
                }),
            ),
            (
                "Rego (regorus)",
                Box::new(|c: &BenchCase| {
                    if c.matches {
                        self.rego.borrow_mut().evaluate(&c.review, &c.params)
                    } else {
                        Ok(BTreeSet::new())
                    }
                }),
            ),
        ]
    }
}

/// For each engine, the cases where its rule ids differ from the first engine's.
pub fn disagreements(
    cases: &[BenchCase],
    engines: &[(&'static str, Engine)],
) -> Result<Vec<(&'static str, Vec<String>)>> {
    let reference: Vec<BTreeSet<String>> = cases
        .iter()
        .map(|c| (engines[0].1)(c))
        .collect::<Result<_>>()?;
    Ok(engines
        .iter()
        .map(|(name, engine)| {
            let differing = cases
                .iter()
                .zip(&reference)
                .filter_map(|(case, expected)| match engine(case) {
                    Ok(ids) if &ids == expected => None,
                    Ok(ids) => Some(format!("{}: {ids:?}, policy {expected:?}", case.label)),
                    Err(e) => Some(format!("{}: error {e:#}", case.label)),
                })
                .collect();
            (*name, differing)
        })
        .collect())
}
