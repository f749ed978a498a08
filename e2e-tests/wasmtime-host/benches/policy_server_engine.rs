//! `make bench`, in-process on the engine policy-server embeds (wapc + wasmtime-provider): what a
//! request costs sampledb against the project's own allow-all floor module.
//!
//! - fresh instance: instantiation plus `validate`, as policy-server pays for every request;
//! - warm `validate`: one instance called again and again, what `kwctl bench` times.
//!
//! Rows are measured in interleaved rounds (each round times every row in turn) so that a
//! slower moment of the machine lands on every row alike; each figure is the median over all
//! requests of all rounds. BENCH_ROUNDS sets the rounds (default 30); BENCH_MODULE and BENCH_FLOOR
//! name other builds of the two modules.

use anyhow::{Context, Result, anyhow};
use policy_run::host::{WasmPolicy, call_instance};
use sampledb_wasmtime_host::WasmtimePolicy;
use serde_json::{Value, json};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const PER_ROUND: usize = 100;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("{} (run make bench)", path.display()))
}

/// The `validate` payload of a fixture request with the default settings.
fn payload(fixture: &str) -> Result<Vec<u8>> {
    let path = root().join(format!("e2e-tests/fixtures/requests/{fixture}.json"));
    let document: Value = serde_json::from_slice(&read(&path)?)?;
    let request = document.get("request").cloned().unwrap_or(document);
    Ok(json!({"request": request, "settings": {}})
        .to_string()
        .into_bytes())
}

struct Row {
    label: String,
    policy: usize,
    payload: Vec<u8>,
    fresh: Vec<Duration>,
    warm: Vec<Duration>,
    /// Each round's median, fresh and warm: the quietest round is the steadiest figure on a
    /// machine whose speed drifts (BENCHMARKS.md).
    round_medians: Vec<(f64, f64)>,
}

fn median(samples: &mut [Duration]) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1e6
}

/// A SampleDB at etcd's size limit: 8,500 labels of 150 characters (1.5 MB), as the
/// adversarial suite builds it; `deletionPolicy` left out so that defaults are added too.
fn large_payload() -> Vec<u8> {
    let labels: serde_json::Map<String, Value> = (0..8_500)
        .map(|i| {
            (
                format!("example.com/label-{i:05}"),
                json!(format!("{i:0>150}")),
            )
        })
        .collect();
    let object = json!({
        "apiVersion": "example.com/v1alpha1", "kind": "SampleDB",
        "metadata": {"name": "db", "namespace": "shop", "labels": labels},
        "spec": {"version": "16.4", "replicas": 3, "storage": {"size": "20Gi"},
                 "credentials": {"secretName": "db-credentials"},
                 "backup": {"schedule": "0 3 * * *", "retention": "7d"}}
    });
    let request = json!({
        "uid": "large", "kind": {"group": "example.com", "version": "v1alpha1", "kind": "SampleDB"},
        "operation": "CREATE", "namespace": "shop", "object": object
    });
    json!({"request": request, "settings": {}})
        .to_string()
        .into_bytes()
}

/// Resident memory of this process, in KiB.
fn resident_kib() -> Result<f64> {
    let statm = std::fs::read_to_string("/proc/self/statm")?;
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .ok_or_else(|| anyhow!("unreadable /proc/self/statm"))?;
    Ok(pages * 4.0)
}

/// The 1.5 MB object per module: fresh instance + validate (median of `runs`), and the memory
/// one live instance holds after answering it (resident growth over `live` instances).
fn large_object_rows(policies: &[WasmtimePolicy], names: &[&str]) -> Result<()> {
    let payload = large_payload();
    let (runs, live) = (15, 40);
    println!(
        "\nThe 1.5 MB object ({} bytes, 8,500 labels; defaults added), fresh instance each (target: sampledb <= 10 ms):\n",
        payload.len()
    );
    println!("| module | fresh instance + validate, ms | memory per live instance, KiB |");
    println!("|---|---:|---:|");
    for (policy, name) in policies.iter().zip(names) {
        let mut times = Vec::new();
        for _ in 0..runs {
            let started = Instant::now();
            let host = policy.instantiate()?;
            black_box(call_instance(&host, "validate", &payload)?);
            times.push(started.elapsed());
        }
        let before = resident_kib()?;
        let mut hosts = Vec::new();
        for _ in 0..live {
            let host = policy.instantiate()?;
            call_instance(&host, "validate", &payload)?;
            hosts.push(host);
        }
        let per_instance = (resident_kib()? - before) / live as f64;
        drop(hosts);
        println!(
            "| {name} | {:.2} | {per_instance:.0} |",
            median(&mut times) / 1e3
        );
    }
    Ok(())
}

/// Bytes the module's data segments copy into memory at every instantiation.
fn data_segment_bytes(module: &[u8]) -> Result<usize> {
    let mut total = 0;
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        if let wasmparser::Payload::DataSection(reader) = payload? {
            for data in reader {
                total += data?.data.len();
            }
        }
    }
    Ok(total)
}

fn main() -> Result<()> {
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(30);
    // Other builds to compare (BENCHMARKS.md's A/B steps): BENCH_MODULE, BENCH_FLOOR.
    let module_at = |variable: &str, default: &str| {
        std::env::var_os(variable).map_or_else(|| root().join(default), PathBuf::from)
    };
    let modules = [
        (
            "sampledb",
            module_at("BENCH_MODULE", "annotated-policy.wasm"),
        ),
        (
            "allow-all floor",
            module_at("BENCH_FLOOR", "e2e-tests/bench/allow-all.wasm"),
        ),
    ];
    let mut policies = Vec::new();
    println!("Modules, on wapc + wasmtime-provider (policy-server's engine):");
    for (name, path) in &modules {
        let bytes = read(path)?;
        let started = Instant::now();
        policies.push(WasmtimePolicy::from_bytes(&bytes)?);
        println!(
            "  {name:<16} {:>8} bytes, data segments {:>7} bytes, compiled in {:.0} ms ({})",
            bytes.len(),
            data_segment_bytes(&bytes)?,
            started.elapsed().as_secs_f64() * 1e3,
            path.display()
        );
    }
    let requests = [
        ("valid object", "create-valid"),
        ("defaults added", "create-minimal"),
        ("7 violations", "create-many-violations"),
    ];
    let mut rows = Vec::new();
    for (what, fixture) in requests {
        for (policy, (name, _)) in modules.iter().enumerate() {
            rows.push(Row {
                label: format!("{name}: {what}"),
                policy,
                payload: payload(fixture)?,
                fresh: Vec::new(),
                warm: Vec::new(),
                round_medians: Vec::new(),
            });
        }
    }
    let warm_hosts: Vec<_> = policies
        .iter()
        .map(WasmtimePolicy::instantiate)
        .collect::<Result<_>>()?;
    for row in &rows {
        // Warm-up, and proof that the answer is an answer.
        let answer = call_instance(
            &policies[row.policy].instantiate()?,
            "validate",
            &row.payload,
        )?;
        serde_json::from_slice::<Value>(&answer).map_err(|e| anyhow!("{}: {e}", row.label))?;
    }
    for _ in 0..rounds {
        for row in rows.iter_mut() {
            let policy = &policies[row.policy];
            for _ in 0..PER_ROUND {
                let started = Instant::now();
                let host = policy.instantiate()?;
                black_box(call_instance(&host, "validate", &row.payload)?);
                row.fresh.push(started.elapsed());
            }
            let host = &warm_hosts[row.policy];
            for _ in 0..PER_ROUND {
                let started = Instant::now();
                black_box(call_instance(host, "validate", &row.payload)?);
                row.warm.push(started.elapsed());
            }
            let last = row.fresh.len() - PER_ROUND;
            let round = (
                median(&mut row.fresh[last..].to_vec()),
                median(&mut row.warm[last..].to_vec()),
            );
            row.round_medians.push(round);
        }
    }
    println!("\nPer request, median of {rounds} interleaved rounds x {PER_ROUND} requests (µs):\n");
    println!("| request | fresh instance + validate | warm validate |");
    println!("|---|---:|---:|");
    let mut medians = Vec::new();
    for row in rows.iter_mut() {
        let (fresh, warm) = (median(&mut row.fresh), median(&mut row.warm));
        println!("| {} | {fresh:.1} | {warm:.1} |", row.label);
        medians.push((fresh, warm));
    }
    // The quietest round of each row: the lowest round median, fresh and warm apart.
    let best: Vec<(f64, f64)> = rows
        .iter()
        .map(|row| {
            let lowest = |pick: fn(&(f64, f64)) -> f64| {
                row.round_medians
                    .iter()
                    .map(pick)
                    .fold(f64::INFINITY, f64::min)
            };
            (lowest(|r| r.0), lowest(|r| r.1))
        })
        .collect();
    println!(
        "\nsampledb / allow-all floor (targets: fresh <= 1.10x, warm <= 1.50x), on the medians"
    );
    println!("of all requests and on each row's quietest round:\n");
    println!(
        "| request | fresh instance | warm validate | fresh, quietest rounds | warm, quietest rounds |"
    );
    println!("|---|---:|---:|---:|---:|");
    let mark = |ratio: f64, target: f64| if ratio <= target { "met" } else { "not met" };
    for (index, (what, _)) in requests.iter().enumerate() {
        let ratio = |figures: &[(f64, f64)]| {
            let (ours, floor) = (figures[2 * index], figures[2 * index + 1]);
            (ours.0 / floor.0, ours.1 / floor.1)
        };
        let ((fresh, warm), (best_fresh, best_warm)) = (ratio(&medians), ratio(&best));
        println!(
            "| {what} | {fresh:.2}x ({}) | {warm:.2}x ({}) | {best_fresh:.2}x ({}) | {best_warm:.2}x ({}) |",
            mark(fresh, 1.10),
            mark(warm, 1.50),
            mark(best_fresh, 1.10),
            mark(best_warm, 1.50)
        );
    }
    instantiation_rows(&policies, &modules, rounds)?;
    footprint_rows(&modules, &requests)?;
    let names: Vec<&str> = modules.iter().map(|(name, _)| *name).collect();
    large_object_rows(&policies, &names)
}

/// A fresh instance with no request: what policy-server pays before `validate` runs.
fn instantiation_rows(
    policies: &[WasmtimePolicy],
    modules: &[(&str, PathBuf)],
    rounds: usize,
) -> Result<()> {
    let mut samples = vec![Vec::new(); policies.len()];
    for _ in 0..rounds {
        for (policy, times) in policies.iter().zip(samples.iter_mut()) {
            for _ in 0..PER_ROUND {
                let started = Instant::now();
                let host = black_box(policy.instantiate()?);
                times.push(started.elapsed());
                drop(host);
            }
        }
    }
    println!(
        "\nA fresh instance alone (wapc_init included, no request), median of {rounds} rounds:\n"
    );
    println!("| module | µs |");
    println!("|---|---:|");
    for ((name, _), times) in modules.iter().zip(samples.iter_mut()) {
        println!("| {name} | {:.1} |", median(times));
    }
    Ok(())
}

/// Where a fresh instance's cost beyond `validate` comes from, per module and request: memory
/// at start (its data segments are copied into it), memory grown and OS pages written by the
/// request (each faulted in afresh), WASI calls. Measured on the runner's wasmi engine, which
/// gives the module the same memory and imports as wasmtime.
fn footprint_rows(modules: &[(&str, PathBuf)], requests: &[(&str, &str)]) -> Result<()> {
    println!("\nWhat a fresh instance costs besides validate's running time (one request each):\n");
    println!(
        "| module: request | memory at start, KiB | grown by the request, KiB | 4 KiB pages written | WASI calls at start / in the request |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (name, path) in modules {
        let policy = WasmPolicy::load(path)?;
        for (what, fixture) in requests {
            let measured = policy.footprint("validate", &payload(fixture)?)?;
            println!(
                "| {name}: {what} | {} | {} | {} | {} / {} |",
                measured.memory_at_start / 1024,
                measured.memory_grown / 1024,
                measured.pages_written,
                measured.wasi_calls_at_start,
                measured.wasi_calls
            );
        }
    }
    Ok(())
}
