//! The module's one allocator: talc, for Rust and for the few C allocations wasi-libc makes.
//!
//! wasm32-wasip1's std allocates through wasi-libc's dlmalloc (10 KB of code). Talc is smaller,
//! and giving libc's `malloc` family to it too (std's thread handle and libc's environment are its
//! only callers here) leaves dlmalloc out of the module altogether.
//!
//! The one place the workspace's `unsafe_code = "deny"` is lifted: an allocator hands out raw
//! memory, and libc's exported `malloc` family is unsafe by definition.
#![allow(unsafe_code)]

use core::arch::wasm32::{memory_grow, memory_size};
use std::alloc::{GlobalAlloc, Layout};
use std::ptr::NonNull;
use talc::base::{CHUNK_UNIT, Talc, binning::Binning};
use talc::cell::TalcSyncCell;
use talc::wasm::WasmBinning;

#[global_allocator]
static ALLOCATOR: TalcSyncCell<TailThenGrow, WasmBinning> = TalcSyncCell::new_wasm(TailThenGrow {
    tail_tried: false,
    end: None,
});

const WASM_PAGE: usize = 64 * 1024;

unsafe extern "C" {
    /// Where the linker ends the stack and the data: the free tail of the initial memory starts here.
    static __heap_base: u8;
}

/// Talc's memory: first the free tail of the initial memory (from `__heap_base`, ~24 KB), then
/// pages grown one request at a time, each growth extending the heap before it. Talc's own wasm
/// source grows memory at the first allocation and leaves the tail unused: a `memory.grow` in
/// every fresh instance's `wapc_init`, ~6 µs of instantiation on wasmtime (`make bench`).
#[derive(Debug)]
struct TailThenGrow {
    tail_tried: bool,
    end: Option<NonNull<u8>>,
}

// SAFETY: it hands talc only memory no one else uses (the heap tail and grown pages, which only
// this allocator grows), and allocates nothing itself.
unsafe impl talc::source::Source for TailThenGrow {
    fn acquire<B: Binning>(talc: &mut Talc<Self, B>, layout: Layout) -> Result<(), ()> {
        let memory_end = memory_size::<0>() * WASM_PAGE;
        if !talc.source.tail_tried {
            talc.source.tail_tried = true;
            let base = &raw const __heap_base as usize;
            if memory_end > base {
                // SAFETY: from __heap_base to the end of memory nothing is in use.
                let end = unsafe { talc.claim(base as *mut u8, memory_end - base) };
                if end.is_some() {
                    talc.source.end = end;
                    return Ok(());
                }
            }
        }
        // Enough for the chunk, its alignment and a fresh heap's bookkeeping, should it not extend.
        let needed = layout.size() + layout.align() + 8 * CHUNK_UNIT;
        let pages = needed.div_ceil(WASM_PAGE);
        let previous = memory_grow::<0>(pages);
        if previous == usize::MAX {
            return Err(());
        }
        let new_base = (previous * WASM_PAGE) as *mut u8;
        let new_end = new_base.wrapping_add(pages * WASM_PAGE);
        talc.source.end = match talc.source.end.take() {
            // SAFETY: the grown pages follow the heap's end directly.
            Some(old_end) if old_end.as_ptr() == new_base => {
                Some(unsafe { talc.extend(old_end, new_end) })
            }
            // SAFETY: the grown pages are new and unused.
            _ => unsafe { talc.claim(new_base, pages * WASM_PAGE) },
        };
        Ok(())
    }
}

/// Every C allocation starts with a header holding its layout's size, 16 bytes to keep the
/// alignment C promises (`max_align_t`).
const HEADER: usize = 16;

unsafe fn c_alloc(size: usize, zeroed: bool) -> *mut u8 {
    let Some(total) = size.checked_add(HEADER) else {
        return std::ptr::null_mut();
    };
    let Ok(layout) = Layout::from_size_align(total, HEADER) else {
        return std::ptr::null_mut();
    };
    // SAFETY: the layout is non-zero in size; the header is written before the pointer is handed out.
    unsafe {
        let base = if zeroed {
            ALLOCATOR.alloc_zeroed(layout)
        } else {
            ALLOCATOR.alloc(layout)
        };
        if base.is_null() {
            return base;
        }
        (base as *mut usize).write(total);
        base.add(HEADER)
    }
}

unsafe fn layout_of(user: *mut u8) -> (*mut u8, Layout) {
    // SAFETY: `user` came from `c_alloc`, which wrote the total size in the header before it.
    unsafe {
        let base = user.sub(HEADER);
        let total = (base as *const usize).read();
        (base, Layout::from_size_align_unchecked(total, HEADER))
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn malloc(size: usize) -> *mut u8 {
    unsafe { c_alloc(size, false) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn calloc(count: usize, size: usize) -> *mut u8 {
    match count.checked_mul(size) {
        Some(size) => unsafe { c_alloc(size, true) },
        None => std::ptr::null_mut(),
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn free(user: *mut u8) {
    if !user.is_null() {
        unsafe {
            let (base, layout) = layout_of(user);
            ALLOCATOR.dealloc(base, layout);
        }
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn realloc(user: *mut u8, size: usize) -> *mut u8 {
    if user.is_null() {
        return unsafe { c_alloc(size, false) };
    }
    let Some(total) = size.checked_add(HEADER) else {
        return std::ptr::null_mut();
    };
    unsafe {
        let (base, layout) = layout_of(user);
        let moved = ALLOCATOR.realloc(base, layout, total);
        if moved.is_null() {
            return moved;
        }
        (moved as *mut usize).write(total);
        moved.add(HEADER)
    }
}

/// Alignments up to the header's are all libc asks for here; a larger one is refused (ENOMEM)
/// rather than misaligned.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn posix_memalign(out: *mut *mut u8, align: usize, size: usize) -> i32 {
    const ENOMEM: i32 = 48;
    if align > HEADER {
        return ENOMEM;
    }
    let user = unsafe { c_alloc(size, false) };
    if user.is_null() {
        return ENOMEM;
    }
    unsafe { out.write(user) };
    0
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn aligned_alloc(align: usize, size: usize) -> *mut u8 {
    if align > HEADER {
        return std::ptr::null_mut();
    }
    unsafe { c_alloc(size, false) }
}
