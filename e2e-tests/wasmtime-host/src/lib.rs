//! The policy hosted on the engine Kubewarden's policy-server embeds: the `wapc` crate with
//! `wasmtime-provider` on wasmtime (Cranelift). As policy-server does, the module is compiled
//! once (a `WasmtimeEngineProviderPre`), every evaluation gets a fresh instance (`rehydrate`),
//! and an epoch ticker interrupts a guest that runs past the evaluation deadline.
//!
//! The Kubewarden host calls are answered by the runner's own `wapc_host` (sampledb-policy-run): one
//! implementation of the host, two engines. This crate is kept apart from the runner so that
//! `make run` never builds wasmtime; the differential test and the bench share its one build.

use anyhow::{Result, anyhow};
use policy_run::capabilities::Cluster;
use policy_run::host::{
    ClusterBound, EVALUATION_DEADLINE, Evaluator, Instantiate, call_instance, read_module,
    wapc_host,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;
use wapc::WapcHost;
use wasmtime_provider::wasmtime::{Config, Engine};
use wasmtime_provider::{EpochDeadlines, WasmtimeEngineProviderBuilder, WasmtimeEngineProviderPre};

/// How often the engine's epoch advances. policy-server ticks once a second; a finer tick makes
/// the 2 s deadline land within 100 ms of 2 s instead of anywhere between 1 and 2 s.
pub const EPOCH_TICK: Duration = Duration::from_millis(100);

/// `validate` and `wapc_init` each get the whole evaluation deadline, in ticks.
fn deadline_ticks(deadline: Duration) -> u64 {
    (deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64
}

/// A module compiled once by wasmtime, and the cluster its lookups are answered from.
pub struct WasmtimePolicy {
    pre: WasmtimeEngineProviderPre,
    deadlines: EpochDeadlines,
    cluster: Arc<Cluster>,
    _ticker: EpochTicker,
}

impl WasmtimePolicy {
    pub fn load(path: &std::path::Path) -> Result<WasmtimePolicy> {
        WasmtimePolicy::from_bytes(&read_module(path)?)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<WasmtimePolicy> {
        WasmtimePolicy::with_deadline(bytes, EVALUATION_DEADLINE)
    }

    /// A module whose every guest call is interrupted once it has run for `deadline`.
    pub fn with_deadline(bytes: &[u8], deadline: Duration) -> Result<WasmtimePolicy> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        let engine = Engine::new(&config).map_err(|error| anyhow!("wasmtime: {error}"))?;
        let pre = WasmtimeEngineProviderBuilder::new()
            .engine(engine.clone())
            .module_bytes(bytes)
            .build_pre()
            .map_err(|error| anyhow!("cannot compile the policy module: {error}"))?;
        let ticks = deadline_ticks(deadline);
        Ok(WasmtimePolicy {
            pre,
            deadlines: EpochDeadlines {
                wapc_init: ticks,
                wapc_func: ticks,
            },
            cluster: Arc::new(Cluster::NotGranted),
            _ticker: EpochTicker::start(engine),
        })
    }

    /// Answers the policy's Kubernetes lookups from `cluster` (kwctl's `--allow-context-aware`).
    pub fn with_cluster(mut self, cluster: Cluster) -> WasmtimePolicy {
        self.cluster = Arc::new(cluster);
        self
    }

    /// A new instance, as policy-server makes for each evaluation.
    pub fn instantiate(&self) -> Result<WapcHost> {
        self.instantiate_for(self.cluster.clone())
    }

    /// This module, its lookups answered from another cluster.
    pub fn against(&self, cluster: Cluster) -> ClusterBound<'_, WasmtimePolicy> {
        ClusterBound(self, Arc::new(cluster))
    }
}

impl Instantiate for WasmtimePolicy {
    fn instantiate_for(&self, cluster: Arc<Cluster>) -> Result<WapcHost> {
        let provider = self
            .pre
            .rehydrate(Some(self.deadlines))
            .map_err(|error| anyhow!("cannot instantiate the policy module: {error}"))?;
        wapc_host(Box::new(provider), cluster)
    }
}

impl Evaluator for WasmtimePolicy {
    fn call(&self, function: &str, payload: &[u8]) -> Result<Vec<u8>> {
        call_instance(&self.instantiate()?, function, payload)
    }
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until dropped.
struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    fn start(engine: Engine) -> EpochTicker {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        });
        EpochTicker {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
