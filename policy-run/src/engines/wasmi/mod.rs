//! A waPC engine provider on wasmi, an interpreter. policy-server runs policies on wasmtime; the
//! runner does not need a JIT to give the same answers, and wasmi builds in seconds where
//! wasmtime's Cranelift takes minutes (the newcomer's first `make run`). That the answers are the
//! same is not assumed: the differential test compares every fixture with real `kwctl run`.
//!
//! The waPC protocol itself (request/response bookkeeping, host callbacks) stays the `wapc`
//! crate's; this module only supplies what an engine must: imports, instantiation, calls.

pub mod footprint;
mod memory;
mod wapc_imports;
mod wasi;

use footprint::Footprint;
use std::error::Error as StdError;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wapc::{ModuleState, WebAssemblyEngineProvider, wapc_functions};
use wasmi::{
    Config, Engine, Error, Linker, Memory, Module, Store, TypedFunc, TypedResumableCall,
    WasmParams, WasmResults,
};

type BoxError = Box<dyn StdError + Send + Sync>;

/// Fuel is how wasmi lets a host regain control: each slice runs this many units of work,
/// then the host checks the wall clock and either refuels or stops the guest.
const FUEL_SLICE: u64 = 20_000_000;

/// What wasmtime-provider reports when policy-server's timeout interrupts a guest.
pub const INTERRUPTED: &str = "guest code interrupted, execution deadline exceeded";

#[derive(Default)]
pub struct GuestState {
    host: Option<Arc<ModuleState>>,
    wasi_calls: u32,
}

/// A module compiled once; each [`CompiledModule::provider`] is a fresh instance.
pub struct CompiledModule {
    module: Module,
    linker: Arc<Linker<GuestState>>,
}

impl CompiledModule {
    pub fn new(bytes: &[u8]) -> Result<CompiledModule, Error> {
        let mut config = Config::default();
        config.consume_fuel(true);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, bytes)?;
        let mut linker = Linker::new(&engine);
        wapc_imports::add_to_linker(&mut linker)?;
        wasi::add_to_linker(&mut linker)?;
        Ok(CompiledModule {
            module,
            linker: Arc::new(linker),
        })
    }

    /// An engine provider for one `WapcHost`: a new store, memory and instance, whose every
    /// guest call (`wapc_init` included) is stopped once it has run for `deadline`.
    pub fn provider(&self, deadline: Duration) -> WasmiProvider {
        WasmiProvider {
            store: Store::new(self.module.engine(), GuestState::default()),
            module: self.module.clone(),
            linker: self.linker.clone(),
            guest_call: None,
            deadline,
            measured: None,
        }
    }

    /// The same, recording into `footprint` what instantiation and each call cost.
    pub fn measured_provider(
        &self,
        deadline: Duration,
        footprint: Arc<Mutex<Footprint>>,
    ) -> WasmiProvider {
        WasmiProvider {
            measured: Some((footprint, None)),
            ..self.provider(deadline)
        }
    }
}

pub struct WasmiProvider {
    store: Store<GuestState>,
    module: Module,
    linker: Arc<Linker<GuestState>>,
    guest_call: Option<TypedFunc<(i32, i32), i32>>,
    deadline: Duration,
    /// Where the footprint goes, and the guest's memory once instantiated.
    measured: Option<(Arc<Mutex<Footprint>>, Option<Memory>)>,
}

impl WasmiProvider {
    /// Runs a guest function in fuel slices until it finishes or the deadline passes.
    fn run<P: WasmParams, R: WasmResults>(
        &mut self,
        function: TypedFunc<P, R>,
        params: P,
    ) -> Result<R, Error> {
        let started = Instant::now();
        self.store.set_fuel(FUEL_SLICE)?;
        let mut call = function.call_resumable(&mut self.store, params)?;
        loop {
            match call {
                TypedResumableCall::Finished(results) => return Ok(results),
                TypedResumableCall::HostTrap(trap) => {
                    let error = trap.host_error();
                    return Err(match error.i32_exit_status() {
                        Some(status) => Error::i32_exit(status),
                        None => Error::new(error.to_string()),
                    });
                }
                TypedResumableCall::OutOfFuel(paused) => {
                    if started.elapsed() >= self.deadline {
                        return Err(Error::new(INTERRUPTED));
                    }
                    self.store.set_fuel(FUEL_SLICE)?;
                    call = paused.resume(&mut self.store)?;
                }
            }
        }
    }
}

impl WebAssemblyEngineProvider for WasmiProvider {
    fn init(&mut self, host: Arc<ModuleState>) -> Result<(), BoxError> {
        self.store.data_mut().host = Some(host);
        let instance = self
            .linker
            .instantiate_and_start(&mut self.store, &self.module)?;
        for starter in wapc_functions::REQUIRED_STARTS {
            let Ok(function) = instance.get_typed_func::<(), ()>(&self.store, starter) else {
                continue;
            };
            match self.run(function, ()) {
                Ok(()) => {}
                // A WASI program that exits with 0 from its start function has initialised fine.
                Err(error) if error.i32_exit_status() == Some(0) => {}
                Err(error) => return Err(format!("{starter} failed: {error}").into()),
            }
        }
        self.guest_call = Some(
            instance
                .get_typed_func(&self.store, wapc_functions::GUEST_CALL)
                .map_err(|_| "the module exports no __guest_call: not a waPC module")?,
        );
        if let Some((footprint, memory)) = &mut self.measured {
            *memory = instance.get_memory(&self.store, "memory");
            let mut footprint = footprint.lock().map_err(|_| "footprint lock poisoned")?;
            footprint.memory_at_start = memory.map_or(0, |m| m.data(&self.store).len());
            footprint.wasi_calls_at_start = self.store.data().wasi_calls;
        }
        Ok(())
    }

    fn call(&mut self, op_length: i32, msg_length: i32) -> Result<i32, BoxError> {
        let function = self.guest_call.ok_or("the module was not initialised")?;
        let memory = self.measured.as_ref().and_then(|(_, memory)| *memory);
        let before = memory.map(|m| {
            (
                footprint::snapshot(&self.store, m),
                self.store.data().wasi_calls,
            )
        });
        let result = self.run(function, (op_length, msg_length));
        if let (Some((footprint, _)), Some(memory), Some((before, calls))) =
            (&self.measured, memory, before)
        {
            let after = memory.data(&self.store);
            let mut footprint = footprint.lock().map_err(|_| "footprint lock poisoned")?;
            footprint.memory_grown = after.len() - before.len();
            footprint.pages_written = footprint::pages_written(&before, after);
            footprint.wasi_calls = self.store.data().wasi_calls - calls;
        }
        match result {
            Ok(result) => Ok(result),
            // Like wasmtime-provider: a trap becomes the guest's error, and the call reports failure.
            Err(error) => {
                if let Some(host) = &self.store.data().host {
                    host.set_guest_error(error.to_string());
                }
                Ok(0)
            }
        }
    }

    fn replace(&mut self, _module: &[u8]) -> Result<(), BoxError> {
        Err("replacing the module of a running instance is not supported".into())
    }
}
