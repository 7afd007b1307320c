//! Linear-memory allocation for the JS side. Buffers are plain `f64`-aligned byte blocks; the caller
//! keeps the size and passes it back to `wf_free`. Growing memory detaches JS views, so the TS layer
//! re-creates its views after every allocation.
use std::alloc::{alloc, dealloc, Layout};

const ALIGN: usize = 16;

/// Allocates `bytes` bytes aligned to 16 (so f64x2 loads are aligned). Returns 0 on failure.
#[no_mangle]
pub extern "C" fn wf_alloc(bytes: usize) -> *mut u8 {
    if bytes == 0 {
        return ALIGN as *mut u8;
    }
    match Layout::from_size_align(bytes, ALIGN) {
        Ok(layout) => unsafe { alloc(layout) },
        Err(_) => std::ptr::null_mut(),
    }
}

/// Frees a block from `wf_alloc` with the same `bytes`.
#[allow(clippy::not_unsafe_ptr_arg_deref)] // C ABI boundary: the caller's own wf_alloc block
#[no_mangle]
pub extern "C" fn wf_free(ptr: *mut u8, bytes: usize) {
    if bytes == 0 || ptr.is_null() {
        return;
    }
    if let Ok(layout) = Layout::from_size_align(bytes, ALIGN) {
        unsafe { dealloc(ptr, layout) }
    }
}

/// Reinterprets a caller buffer as a slice; `len` is a count of elements.
/// # Safety
/// `ptr` must point to `len` valid elements inside linear memory (guaranteed by the TS layer).
pub unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if len == 0 { &[] } else { std::slice::from_raw_parts(ptr, len) }
}

/// Mutable twin of [`slice`].
/// # Safety
/// As for [`slice`], and no other live reference may alias the buffer.
pub unsafe fn slice_mut<'a, T>(ptr: *mut T, len: usize) -> &'a mut [T] {
    if len == 0 { &mut [] } else { std::slice::from_raw_parts_mut(ptr, len) }
}
