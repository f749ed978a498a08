//! Hosting the policy the way Kubewarden's policy-server does: the module is compiled once, and
//! every evaluation gets a fresh instance (new store, new memory, `wapc_init` run again), so no
//! state can leak from one request to the next.

use crate::capabilities::Cluster;
use crate::engines::wasmi::CompiledModule;
pub use crate::engines::wasmi::footprint::Footprint;
use anyhow::{Context, Result, anyhow};
use std::error::Error;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wapc::{WapcHost, WebAssemblyEngineProvider};

/// policy-server's default policy timeout: an evaluation still running then is interrupted and
/// reported as an error.
pub const EVALUATION_DEADLINE: Duration = Duration::from_secs(2);

/// Something that answers waPC calls: the wasm module, or the same code linked natively.
pub trait Evaluator {
    fn call(&self, function: &str, payload: &[u8]) -> Result<Vec<u8>>;
}

/// `policy.wasm`, compiled once, and the cluster its lookups are answered from.
pub struct WasmPolicy {
    module: CompiledModule,
    cluster: Arc<Cluster>,
}

impl WasmPolicy {
    pub fn load(path: &std::path::Path) -> Result<WasmPolicy> {
        WasmPolicy::from_bytes(&read_module(path)?)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<WasmPolicy> {
        let module = CompiledModule::new(bytes)
            .map_err(|error| anyhow!("cannot compile the policy module: {error}"))?;
        Ok(WasmPolicy {
            module,
            cluster: Arc::new(Cluster::NotGranted),
        })
    }

    /// Answers the policy's Kubernetes lookups from `cluster` (kwctl's `--allow-context-aware`).
    pub fn with_cluster(mut self, cluster: Cluster) -> WasmPolicy {
        self.cluster = Arc::new(cluster);
        self
    }

    /// A new instance, as policy-server makes for each evaluation.
    pub fn instantiate(&self) -> Result<WapcHost> {
        self.instantiate_for(self.cluster.clone())
    }

    /// A new instance whose Kubernetes lookups `cluster` answers.
    pub fn instantiate_for(&self, cluster: Arc<Cluster>) -> Result<WapcHost> {
        wapc_host(Box::new(self.module.provider(EVALUATION_DEADLINE)), cluster)
    }

    /// What `function` on a fresh instance costs besides running time ([`Footprint`]).
    pub fn footprint(&self, function: &str, payload: &[u8]) -> Result<Footprint> {
        let footprint = Arc::new(Mutex::new(Footprint::default()));
        let provider = self
            .module
            .measured_provider(EVALUATION_DEADLINE, footprint.clone());
        let host = wapc_host(Box::new(provider), self.cluster.clone())?;
        call_instance(&host, function, payload)?;
        let measured = footprint
            .lock()
            .map_err(|_| anyhow!("footprint lock poisoned"))?;
        Ok(measured.clone())
    }

    /// This module, its lookups answered from another cluster.
    pub fn against(&self, cluster: Cluster) -> ClusterBound<'_, WasmPolicy> {
        ClusterBound(self, Arc::new(cluster))
    }
}

/// A module file's bytes, or an error naming the file.
pub fn read_module(path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read the policy module {}", path.display()))
}

/// An engine's compiled module, from which each evaluation gets a fresh instance. The wasmi
/// runner and the wasmtime host (sampledb-wasmtime-host) both answer through [`wapc_host`].
pub trait Instantiate {
    /// A new instance whose Kubernetes lookups `cluster` answers.
    fn instantiate_for(&self, cluster: Arc<Cluster>) -> Result<WapcHost>;
}

impl Instantiate for WasmPolicy {
    fn instantiate_for(&self, cluster: Arc<Cluster>) -> Result<WapcHost> {
        WasmPolicy::instantiate_for(self, cluster)
    }
}

/// The one waPC host of every engine: the guest's host calls go to [`host_callback`].
pub fn wapc_host(
    provider: Box<dyn WebAssemblyEngineProvider>,
    cluster: Arc<Cluster>,
) -> Result<WapcHost> {
    let callback =
        move |_id: u64, binding: &str, namespace: &str, operation: &str, payload: &[u8]| {
            host_callback(&cluster, binding, namespace, operation, payload)
        };
    WapcHost::new(provider, Some(Box::new(callback)))
        .map_err(|error| anyhow!("cannot start the policy module: {error}"))
}

/// A compiled module and the cluster its lookups are answered from, for one run.
pub struct ClusterBound<'a, E>(pub &'a E, pub Arc<Cluster>);

impl<E: Instantiate> Evaluator for ClusterBound<'_, E> {
    fn call(&self, function: &str, payload: &[u8]) -> Result<Vec<u8>> {
        call_instance(&self.0.instantiate_for(self.1.clone())?, function, payload)
    }
}

impl Evaluator for WasmPolicy {
    fn call(&self, function: &str, payload: &[u8]) -> Result<Vec<u8>> {
        call_instance(&self.instantiate()?, function, payload)
    }
}

pub fn call_instance(host: &WapcHost, function: &str, payload: &[u8]) -> Result<Vec<u8>> {
    host.call(function, payload)
        .map_err(|error| anyhow!("the policy's {function} call failed: {error}"))
}

/// The policy's Rust code called directly: the reference the wasm answers are compared with. Its
/// cluster lookups are answered from the same cluster as the module's.
pub struct NativePolicy<'a>(pub &'a Cluster);

static NOT_GRANTED: Cluster = Cluster::NotGranted;

impl NativePolicy<'static> {
    /// The native policy with no cluster access granted, as kwctl runs a policy by default.
    pub fn without_cluster() -> NativePolicy<'static> {
        NativePolicy(&NOT_GRANTED)
    }
}

impl Evaluator for NativePolicy<'_> {
    fn call(&self, function: &str, payload: &[u8]) -> Result<Vec<u8>> {
        let result = match function {
            "validate" => sampledb_policy::validate_with(payload, self.0),
            "validate_settings" => sampledb_policy::validate_settings(payload),
            "protocol_version" => kubewarden_policy_sdk::protocol_version_guest(payload),
            other => return Err(anyhow!("no function {other}")),
        };
        result.map_err(|error| anyhow!("the policy's {function} call failed: {error}"))
    }
}

/// Host capabilities offered to the guest. The SDK's logging goes to `kubewarden/tracing/log`
/// and is accepted; Kubernetes lookups are answered from `cluster` (refused unless granted, as
/// kwctl does); any other call is refused by name — a policy that tried would fail loudly here,
/// not silently in a cluster.
pub fn host_callback(
    cluster: &Cluster,
    binding: &str,
    namespace: &str,
    operation: &str,
    payload: &[u8],
) -> Result<Vec<u8>, Box<dyn Error + Send + Sync>> {
    match (binding, namespace, operation) {
        ("kubewarden", "tracing", "log") => {
            if std::env::var_os("POLICY_LOG").is_some() {
                eprintln!("policy log: {}", String::from_utf8_lossy(payload));
            }
            Ok(Vec::new())
        }
        ("kubewarden", "kubernetes", operation) => Ok(cluster.answer(operation, payload)?),
        _ => Err(format!(
            "host capability {binding}/{namespace}/{operation} is not offered to this policy"
        )
        .into()),
    }
}
