//! Cluster lookups through Kubewarden's host capabilities, as raw waPC host calls: the SDK's typed
//! helpers need k8s-openapi (its `cluster-context` feature), which this policy does not link.

use super::{ClusterView, Item, Query, items_of_answer};
use kubewarden_policy_sdk::wapc_guest::host_call;

pub struct HostCluster;

impl ClusterView for HostCluster {
    fn read(&self, query: &Query) -> Result<Vec<Item>, String> {
        let payload = query.payload();
        let answer = host_call(
            "kubewarden",
            "kubernetes",
            query.operation(),
            payload.as_bytes(),
        )
        .map_err(|error| error.to_string());
        items_of_answer(query, answer)
    }
}
