//! The module's one allocator: talc, for Rust and for the few C allocations wasi-libc makes.
//!
//! wasm32-wasip1's std allocates through wasi-libc's dlmalloc (10 KB of code). Talc is smaller,
//! and giving libc's `malloc` family to it too (std's thread handle and libc's environment are its
//! only callers here) leaves dlmalloc out of the module altogether.

use std::alloc::{GlobalAlloc, Layout};

#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

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
