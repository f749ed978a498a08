//! The engines a module runs on, behind the one waPC host (`crate::host`): here the runner's wasmi
//! interpreter; beside it policy-server's engine, wasmtime through `wapc` and `wasmtime-provider`,
//! is the crate `e2e-tests/wasmtime-host`, kept apart so that `make run` never builds wasmtime.

pub mod wasmi;
