//! The SampleDB Kubewarden policy: registers the waPC functions and hands each call on.
// A request must get an answer, never a trap (docs/contract.md, section 6): outside tests the
// policy may not unwrap, expect or panic (clippy.toml lets tests do so).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// The layers, top-down; each imports only the ones below it (docs/architecture.md).
pub mod cluster;
pub mod entry;
pub mod formats;
pub mod model;
pub mod rules;
pub mod settings;

use kubewarden_policy_sdk::protocol_version_guest;
use kubewarden_policy_sdk::wapc_guest::{CallResult, register_function};

// waPC's entry point must keep its exported name: an unsafe attribute.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn wapc_init() {
    register_function("validate", validate);
    register_function("validate_settings", validate_settings);
    register_function("protocol_version", protocol_version_guest);
}

/// `validate`: one admission request in, one ValidationResponse out. In the module, cluster
/// lookups go to the host; linked natively there is no host.
pub fn validate(payload: &[u8]) -> CallResult {
    #[cfg(target_arch = "wasm32")]
    let cluster = cluster::host::HostCluster;
    #[cfg(not(target_arch = "wasm32"))]
    let cluster = cluster::NoCluster;
    validate_with(payload, &cluster)
}

/// `validate` against a given cluster view (tests, fuzzing, the native benchmark).
pub fn validate_with(payload: &[u8], cluster: &dyn cluster::ClusterView) -> CallResult {
    Ok(entry::admission::evaluate_payload(payload, cluster).to_json(payload.len())?)
}

/// `validate_settings`: the settings document in, a SettingsValidationResponse out.
pub fn validate_settings(payload: &[u8]) -> CallResult {
    let response = settings::validate_settings_payload(payload);
    Ok(serde_json::to_vec(&response)?)
}
