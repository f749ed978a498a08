//! The tests on policy-server's engine, in one test binary: each binary of this crate is an
//! optimised, LTO-linked build of wasmtime, minutes of CI on two cores.

#[path = "../../../tests/common/generators.rs"]
mod generators;

mod differential;
mod worst_inputs;
