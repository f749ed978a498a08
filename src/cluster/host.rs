//! Cluster lookups through Kubewarden's host capabilities, as raw waPC host calls: the SDK's typed
//! helpers need k8s-openapi (its `cluster-context` feature), which this policy does not link.

use super::{ClusterView, Query};
use kubewarden_policy_sdk::wapc_guest::host_call;
use serde_json::Value;

pub struct HostCluster;

impl ClusterView for HostCluster {
    fn list(&self, query: &Query) -> Result<Vec<Value>, String> {
        let payload = query.payload().to_string();
        let answer = host_call(
            "kubewarden",
            "kubernetes",
            query.operation(),
            payload.as_bytes(),
        )
        .map_err(|error| error.to_string())?;
        let list: Value = serde_json::from_slice(&answer)
            .map_err(|error| format!("the host's answer is not a JSON list: {error}"))?;
        match list.get("items") {
            Some(Value::Array(items)) => Ok(items.clone()),
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(_) => Err("the host's answer has an items field that is not a list".to_string()),
        }
    }
}
