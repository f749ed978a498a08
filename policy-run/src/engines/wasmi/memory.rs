//! Reading and writing the guest's linear memory; wasm pointers are unsigned 32-bit offsets.

use super::GuestState;
use wasmi::{AsContext, AsContextMut, Caller, Error, Extern, Memory};

pub fn memory_of(caller: &Caller<'_, GuestState>) -> Result<Memory, Error> {
    caller
        .get_export("memory")
        .and_then(Extern::into_memory)
        .ok_or_else(|| Error::new("the guest exports no memory"))
}

pub fn read_bytes(
    context: impl AsContext,
    memory: Memory,
    ptr: i32,
    len: i32,
) -> Result<Vec<u8>, Error> {
    // Checked before allocating: a hostile length must not make the host reserve gigabytes.
    let start = ptr as u32 as usize;
    let end = start.saturating_add(len as u32 as usize);
    if end > memory.data_size(&context) {
        return Err(Error::new(format!(
            "the guest passed a buffer outside its memory ({start}..{end})"
        )));
    }
    let mut buffer = vec![0; end - start];
    memory
        .read(context, start, &mut buffer)
        .map_err(|error| Error::new(format!("reading guest memory: {error}")))?;
    Ok(buffer)
}

pub fn read_string(
    context: impl AsContext,
    memory: Memory,
    ptr: i32,
    len: i32,
) -> Result<String, Error> {
    String::from_utf8(read_bytes(context, memory, ptr, len)?).map_err(|error| {
        Error::new(format!(
            "the guest passed a string that is not UTF-8: {error}"
        ))
    })
}

pub fn write_bytes(
    context: impl AsContextMut,
    memory: Memory,
    ptr: i32,
    bytes: &[u8],
) -> Result<(), Error> {
    memory
        .write(context, ptr as u32 as usize, bytes)
        .map_err(|error| Error::new(format!("writing guest memory: {error}")))
}
