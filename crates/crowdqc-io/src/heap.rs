//! Returning freed heap to the system between phases: after the parallel read's
//! decoding threads have finished (their arenas hold the parts they built), and
//! between the phases of the out-of-core path (`crowdqc::out_of_core`).
//!
//! glibc's `malloc` keeps the memory a phase frees (the decoding threads' parts, the
//! partitioning read's batches, a run's shard build) in its arenas for reuse, and raises its mmap threshold as
//! large blocks are freed, so blocks of up to 32 MB come from the arenas afterwards.
//! The next phase (the matrix's `finish`, a fit) allocates by other sizes, so that
//! memory would stay resident through it, uncounted by any plan. [`release_freed_heap`] hands every free
//! page back (`malloc_trim(0)`, which since glibc 2.8 also releases free pages inside
//! the heap, not only at its top).

/// Returns the heap freed so far to the system: `malloc_trim(0)` on glibc targets, a
/// no-op elsewhere (other allocators return large blocks by themselves).
pub fn release_freed_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    // SAFETY: malloc_trim takes no pointer; it only walks glibc's own free lists under
    // their locks and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
