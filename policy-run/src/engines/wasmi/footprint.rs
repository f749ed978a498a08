//! What one fresh instance costs its host besides the guest's running time, measured on this
//! engine: the memory it starts with and grows, the pages one request writes (each a page the
//! host's OS must fault in for a fresh instance), and the WASI calls it makes. The figures are
//! the module's own (the same memory and imports on any engine); `make bench` prints them.

use wasmi::{AsContext, Memory};

/// The host's page size: a write to one byte of a fresh instance's memory faults in this much.
pub const OS_PAGE: usize = 4096;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Footprint {
    /// Linear memory after instantiation and `wapc_init`, in bytes.
    pub memory_at_start: usize,
    /// WASI calls made by instantiation and `wapc_init`.
    pub wasi_calls_at_start: u32,
    /// Bytes the last guest call grew linear memory by.
    pub memory_grown: usize,
    /// OS pages of linear memory the last guest call changed.
    pub pages_written: usize,
    /// WASI calls made by the last guest call.
    pub wasi_calls: u32,
}

/// A copy of linear memory, to compare after a call.
pub fn snapshot(store: impl AsContext, memory: Memory) -> Vec<u8> {
    memory.data(&store).to_vec()
}

/// OS pages that differ between `before` and memory now; pages the call added count when written.
pub fn pages_written(before: &[u8], after: &[u8]) -> usize {
    after
        .chunks(OS_PAGE)
        .enumerate()
        .filter(|(index, page)| {
            let start = index * OS_PAGE;
            match before.get(start..start + page.len()) {
                Some(old) => old != *page,
                None => page.iter().any(|byte| *byte != 0),
            }
        })
        .count()
}
