//! The entry: what policy-server calls, below `lib.rs`'s waPC registration. One admission request
//! goes payload → settings → defaults → rules → answer here, and the module's allocator lives here.
//! May import every layer below: rules, cluster, settings, model, formats.

pub mod admission;
#[cfg(target_family = "wasm")]
mod allocator;
