//! Helpers that serve the e2e tests only. The tool users install is `policy-run` (../policy-run);
//! this crate holds what the tests need beside it: a stand-in for the Kubewarden controller, which
//! turns a policy manifest into policy-server's policies file and the webhook configuration, and
//! where the tests find their fixtures.

pub mod deployment;
pub mod fixtures;
