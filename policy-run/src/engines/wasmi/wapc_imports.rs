//! The host side of the waPC protocol (the `wapc` import module), as wasmtime-provider
//! implements it for policy-server: the guest pulls the request, pushes its answer or error, and
//! makes host calls whose result it then reads.

use super::GuestState;
use super::memory::{memory_of, read_bytes, read_string, write_bytes};
use std::sync::Arc;
use wapc::{HOST_NAMESPACE as MODULE, ModuleState, wapc_functions as f};
use wasmi::{Caller, Error, Linker};

fn host(caller: &Caller<'_, GuestState>) -> Result<Arc<ModuleState>, Error> {
    caller
        .data()
        .host
        .clone()
        .ok_or_else(|| Error::new("waPC host state missing: init was not run"))
}

pub fn add_to_linker(linker: &mut Linker<GuestState>) -> Result<(), Error> {
    linker.func_wrap(MODULE, f::GUEST_REQUEST_FN, guest_request)?;
    linker.func_wrap(MODULE, f::GUEST_RESPONSE_FN, guest_response)?;
    linker.func_wrap(MODULE, f::GUEST_ERROR_FN, guest_error)?;
    linker.func_wrap(MODULE, f::HOST_CALL, host_call)?;
    linker.func_wrap(MODULE, f::HOST_RESPONSE_FN, host_response)?;
    linker.func_wrap(MODULE, f::HOST_RESPONSE_LEN_FN, host_response_len)?;
    linker.func_wrap(MODULE, f::HOST_ERROR_FN, host_error)?;
    linker.func_wrap(MODULE, f::HOST_ERROR_LEN_FN, host_error_len)?;
    linker.func_wrap(MODULE, f::HOST_CONSOLE_LOG, console_log)?;
    Ok(())
}

fn guest_request(mut caller: Caller<'_, GuestState>, op_ptr: i32, ptr: i32) -> Result<(), Error> {
    let host = host(&caller)?;
    let memory = memory_of(&caller)?;
    if let Some(invocation) = host.get_guest_request() {
        write_bytes(&mut caller, memory, ptr, &invocation.msg)?;
        write_bytes(&mut caller, memory, op_ptr, invocation.operation.as_bytes())?;
    }
    Ok(())
}

fn guest_response(caller: Caller<'_, GuestState>, ptr: i32, len: i32) -> Result<(), Error> {
    let memory = memory_of(&caller)?;
    host(&caller)?.set_guest_response(read_bytes(&caller, memory, ptr, len)?);
    Ok(())
}

fn guest_error(caller: Caller<'_, GuestState>, ptr: i32, len: i32) -> Result<(), Error> {
    let memory = memory_of(&caller)?;
    host(&caller)?.set_guest_error(read_string(&caller, memory, ptr, len)?);
    Ok(())
}

#[allow(clippy::too_many_arguments)] // the waPC ABI: four (pointer, length) pairs
fn host_call(
    caller: Caller<'_, GuestState>,
    binding_ptr: i32,
    binding_len: i32,
    namespace_ptr: i32,
    namespace_len: i32,
    operation_ptr: i32,
    operation_len: i32,
    ptr: i32,
    len: i32,
) -> Result<i32, Error> {
    let memory = memory_of(&caller)?;
    let binding = read_string(&caller, memory, binding_ptr, binding_len)?;
    let namespace = read_string(&caller, memory, namespace_ptr, namespace_len)?;
    let operation = read_string(&caller, memory, operation_ptr, operation_len)?;
    let payload = read_bytes(&caller, memory, ptr, len)?;
    let result = host(&caller)?.do_host_call(&binding, &namespace, &operation, &payload);
    Ok(result.unwrap_or(0))
}

fn host_response(mut caller: Caller<'_, GuestState>, ptr: i32) -> Result<(), Error> {
    let host = host(&caller)?;
    let memory = memory_of(&caller)?;
    host.with_host_response(|bytes| write_bytes(&mut caller, memory, ptr, bytes))
        .unwrap_or(Ok(()))
}

fn host_response_len(caller: Caller<'_, GuestState>) -> Result<i32, Error> {
    Ok(host(&caller)?.host_response_len() as i32)
}

fn host_error(mut caller: Caller<'_, GuestState>, ptr: i32) -> Result<(), Error> {
    let host = host(&caller)?;
    let memory = memory_of(&caller)?;
    match host.get_host_error() {
        Some(error) => write_bytes(&mut caller, memory, ptr, error.as_bytes()),
        None => Ok(()),
    }
}

fn host_error_len(caller: Caller<'_, GuestState>) -> Result<i32, Error> {
    Ok(host(&caller)?
        .get_host_error()
        .map_or(0, |e| e.len() as i32))
}

fn console_log(caller: Caller<'_, GuestState>, ptr: i32, len: i32) -> Result<(), Error> {
    let memory = memory_of(&caller)?;
    host(&caller)?.do_console_log(&read_string(&caller, memory, ptr, len)?);
    Ok(())
}
