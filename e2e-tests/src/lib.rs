//! Helpers that serve the e2e tests only. The tool users install is `policy-run` (../policy-run);
//! this crate holds what the tests need beside it: a stand-in for the Kubewarden controller, which
//! turns a policy manifest into policy-server's policies file and the webhook configuration.

pub mod deployment;
