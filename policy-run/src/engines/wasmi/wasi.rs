//! The part of WASI preview 1 a Rust `wasm32-wasip1` policy imports, for an empty environment:
//! no arguments, no environment variables, no directories, output discarded. That is what
//! policy-server gives a policy (wasmtime-wasi with default `WasiParams`). A full WASI crate
//! (wasi-common, cap-std) would cost the runner's build more than these few functions.

use super::GuestState;
use super::memory::{memory_of, read_bytes, write_bytes};
use std::hash::{BuildHasher, Hasher};
use wasmi::{Caller, Error, Linker};

const MODULE: &str = "wasi_snapshot_preview1";
const ERRNO_SUCCESS: i32 = 0;
const ERRNO_BADF: i32 = 8;

pub fn add_to_linker(linker: &mut Linker<GuestState>) -> Result<(), Error> {
    linker.func_wrap(
        MODULE,
        "proc_exit",
        |mut caller: Caller<'_, GuestState>, code: i32| -> Result<(), Error> {
            counted(&mut caller);
            Err(Error::i32_exit(code))
        },
    )?;
    linker.func_wrap(MODULE, "args_sizes_get", write_two_zeros)?;
    linker.func_wrap(MODULE, "environ_sizes_get", write_two_zeros)?;
    linker.func_wrap(MODULE, "args_get", no_entries)?;
    linker.func_wrap(MODULE, "environ_get", no_entries)?;
    linker.func_wrap(MODULE, "random_get", random_get)?;
    linker.func_wrap(MODULE, "fd_write", fd_write)?;
    Ok(())
}

/// Every WASI call is counted, for the bench's footprint of a request.
fn counted(caller: &mut Caller<'_, GuestState>) {
    caller.data_mut().wasi_calls += 1;
}

/// `args_get` / `environ_get`: nothing to write.
fn no_entries(mut caller: Caller<'_, GuestState>, _: i32, _: i32) -> i32 {
    counted(&mut caller);
    ERRNO_SUCCESS
}

/// `args_sizes_get` / `environ_sizes_get`: zero entries, zero bytes.
fn write_two_zeros(
    mut caller: Caller<'_, GuestState>,
    count_ptr: i32,
    size_ptr: i32,
) -> Result<i32, Error> {
    counted(&mut caller);
    let memory = memory_of(&caller)?;
    write_bytes(&mut caller, memory, count_ptr, &0u32.to_le_bytes())?;
    write_bytes(&mut caller, memory, size_ptr, &0u32.to_le_bytes())?;
    Ok(ERRNO_SUCCESS)
}

/// Seeds for the guest's hash maps; std's per-process random keys are random enough for that.
fn random_get(mut caller: Caller<'_, GuestState>, ptr: i32, len: i32) -> Result<i32, Error> {
    counted(&mut caller);
    let memory = memory_of(&caller)?;
    let state = std::collections::hash_map::RandomState::new();
    let mut bytes = Vec::with_capacity(len.max(0) as usize + 8);
    let mut counter = 0u64;
    while bytes.len() < len.max(0) as usize {
        let mut hasher = state.build_hasher();
        hasher.write_u64(counter);
        bytes.extend_from_slice(&hasher.finish().to_le_bytes());
        counter += 1;
    }
    bytes.truncate(len.max(0) as usize);
    write_bytes(&mut caller, memory, ptr, &bytes)?;
    Ok(ERRNO_SUCCESS)
}

/// stdout and stderr exist and swallow what is written (shown with `POLICY_LOG` set); no other
/// descriptor is open.
fn fd_write(
    mut caller: Caller<'_, GuestState>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    written_ptr: i32,
) -> Result<i32, Error> {
    counted(&mut caller);
    if fd != 1 && fd != 2 {
        return Ok(ERRNO_BADF);
    }
    let memory = memory_of(&caller)?;
    let mut written = 0u32;
    for index in 0..iovs_len.max(0) {
        let entry = read_bytes(&caller, memory, iovs.wrapping_add(index * 8), 8)?;
        let ptr = i32::from_le_bytes([entry[0], entry[1], entry[2], entry[3]]);
        let len = i32::from_le_bytes([entry[4], entry[5], entry[6], entry[7]]);
        let data = read_bytes(&caller, memory, ptr, len)?;
        if std::env::var_os("POLICY_LOG").is_some() {
            eprint!("{}", String::from_utf8_lossy(&data));
        }
        written = written.wrapping_add(data.len() as u32);
    }
    write_bytes(&mut caller, memory, written_ptr, &written.to_le_bytes())?;
    Ok(ERRNO_SUCCESS)
}
