//! `make bench`: the SampleDB rules evaluated by the policy (native Rust, wasm with a fresh
//! instance per request, wasm in a reused instance), a CEL ValidatingAdmissionPolicy (compiled
//! once, compiled per request) and Gatekeeper-style Rego, on every e2e fixture.
//!
//! A conformance gate runs first: every engine must give the same violated rule ids as the
//! policy on every case; an engine that disagrees anywhere is reported and not timed. Timing:
//! warm-up passes, then every case timed one request at a time for BENCH_ROUNDS rounds; the
//! table gives the median and p99 of all those per-request times.

use anyhow::{Result, anyhow};
use policy_run::default_module_path;
use policy_run::host::call_instance;
use sampledb_bench::{BenchCase, Engine, Engines, disagreements, load_cases};
use std::collections::BTreeSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn rounds() -> usize {
    std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(200)
}

/// Every case once per round, each request timed on its own.
fn measure(engine: &Engine, cases: &[BenchCase], rounds: usize) -> Result<Vec<Duration>> {
    for _ in 0..3 {
        for case in cases {
            black_box(engine(case)?);
        }
    }
    let mut samples = Vec::with_capacity(rounds * cases.len());
    for _ in 0..rounds {
        for case in cases {
            let started = Instant::now();
            black_box(engine(case)?);
            samples.push(started.elapsed());
        }
    }
    samples.sort();
    Ok(samples)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

fn main() -> Result<()> {
    let cases = load_cases()?;
    let module_path = default_module_path();
    let module = std::fs::read(&module_path)
        .map_err(|e| anyhow!("{}: {e} (run make policy.wasm)", module_path.display()))?;
    let loaded = Engines::load(&module)?;
    let engines = loaded.list();

    // Conformance gate.
    println!(
        "Conformance over {} fixture cases (customRules cases excluded: no CEL/Rego counterpart)",
        cases.len()
    );
    let mut agreeing = Vec::new();
    for (name, differing) in disagreements(&cases, &engines)? {
        if differing.is_empty() {
            println!("  {name:<34} agrees on all {} cases", cases.len());
            agreeing.push(name);
        } else {
            println!(
                "  {name:<34} DISAGREES on {} case(s), not timed:",
                differing.len()
            );
            for d in &differing {
                println!("      {d}");
            }
        }
    }
    let reference: Vec<BTreeSet<String>> = cases
        .iter()
        .map(|c| (engines[0].1)(c))
        .collect::<Result<_>>()?;
    let violations: usize = reference.iter().map(BTreeSet::len).sum();
    let distinct = reference.iter().flatten().collect::<BTreeSet<_>>().len();
    println!("  ({violations} rule violations across the cases, {distinct} distinct rule ids)");

    // Timing.
    let rounds = rounds();
    println!(
        "\nPer-request time, {} cases x {rounds} rounds each:",
        cases.len()
    );
    println!(
        "| {:<34} | {:>12} | {:>12} | {:>10} |",
        "engine", "median (µs)", "p99 (µs)", "vs native"
    );
    println!(
        "|{}|{}|{}|{}|",
        "-".repeat(36),
        "-".repeat(14),
        "-".repeat(14),
        "-".repeat(12)
    );
    let mut native_median = None;
    for (name, engine) in &engines {
        if !agreeing.contains(name) {
            println!(
                "| {name:<34} | {:>12} | {:>12} | {:>10} |",
                "not timed", "-", "-"
            );
            continue;
        }
        let slow = name.contains("per request");
        let samples = measure(
            engine,
            &cases,
            if slow { rounds.div_ceil(10) } else { rounds },
        )?;
        let median = percentile(&samples, 0.5);
        let p99 = percentile(&samples, 0.99);
        let native = *native_median.get_or_insert(median);
        println!(
            "| {name:<34} | {:>12.1} | {:>12.1} | {:>9.1}x |",
            micros(median),
            micros(p99),
            median.as_secs_f64() / native.as_secs_f64()
        );
    }

    // The module itself.
    println!(
        "\nModule: {} ({} bytes)",
        module_path.display(),
        module.len()
    );
    let mut compiles: Vec<Duration> = (0..5)
        .map(|_| {
            let started = Instant::now();
            policy_run::WasmPolicy::from_bytes(&module).map(|policy| {
                drop(policy);
                started.elapsed()
            })
        })
        .collect::<Result<_>>()?;
    compiles.sort();
    println!(
        "Compile of the module (wasmi, the runner's engine): median {:.1} ms of 5",
        micros(compiles[2]) / 1000.0
    );
    let example = cases
        .iter()
        .find(|c| c.label.starts_with("create-valid"))
        .unwrap_or(&cases[0]);
    let before = resident_bytes();
    let instances: Vec<_> = (0..200)
        .map(|_| {
            let host = loaded.wasm.instantiate()?;
            call_instance(&host, "validate", &example.payload)?;
            Ok(host)
        })
        .collect::<Result<_>>()?;
    let per_instance = resident_bytes().saturating_sub(before) / instances.len() as u64;
    println!(
        "Memory per live instance after one evaluation: {} KiB (RSS growth over {} instances)",
        per_instance / 1024,
        instances.len()
    );
    Ok(())
}
