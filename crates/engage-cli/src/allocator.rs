//! glibc's allocator, tuned for reading: each batch of a columnar file allocates a few
//! megabytes of column buffers and frees them once the batch is accepted. By default glibc
//! serves blocks above a threshold that starts at 128 KiB straight from `mmap` and gives freed
//! memory at the top of its heap back to the kernel beyond 128 KiB, so every batch's buffers
//! came back as fresh pages: at ten million rows more than half of `engage validate`'s
//! 640,000-690,000 page faults, and the two threads faulting together contend in the kernel
//! (measured with `GLIBC_TUNABLES` before this code existed). With blocks up to
//! 32 MiB from the heap and 64 MiB of free heap kept, 285,000 faults are left and reading is
//! about a tenth faster.

/// Blocks up to this size come from the heap (glibc's largest threshold on 64-bit).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 32 << 20;

/// Free memory kept at the top of the heap before it is given back.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: libc::c_int = 64 << 20;

/// Sets glibc's thresholds; called first thing in `main`. Other allocators are left alone.
pub fn keep_batch_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only changes the allocator's parameters (it takes glibc's arena locks
    // itself) and has no preconditions on memory; a refused value leaves the default.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    }
}
